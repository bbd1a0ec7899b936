// What starts a served pipeline besides a request: its `triggers:` (TriggerDecl). Cron schedules
// through croner (a 5-field expression, or 6 with seconds first; in the trigger's time zone), with
// `overlap` deciding what a tick does while the trigger's last run still runs: skip it, queue it
// (one after another, at most MAX_QUEUED waiting), or allow it. Webhooks are found here by name and
// answered in webhooks.ts. A trigger's `inputs` are templates rendered as it fires.
import { Cron } from 'croner';
import { renderValue, scopeOf, type CronTriggerDecl, type ServedPipeline, type TriggerDecl, type WebhookTriggerDecl } from '../api/index';
import type { ServedRuns } from './servedRuns';

/** Ticks of a `queue` trigger waiting for its last run at most; more are skipped (and said). */
export const MAX_QUEUED = 10;

export interface TriggerHost {
  runs: ServedRuns;
  env: NodeJS.ProcessEnv;
  log(line: string): void;
  /** The pipelines served now, by their name in URLs. */
  table(): Map<string, ServedPipeline>;
}

/** A trigger's inputs rendered: every string a template over `vars` (`request` for a webhook), lists and maps walked. */
export function renderInputs(inputs: Record<string, unknown>, vars: Record<string, unknown>): Record<string, unknown> {
  const scope = scopeOf(vars);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return renderValue(v, scope);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: walk(x), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };
  return walk(inputs) as Record<string, unknown>;
}

/** The triggers a pipeline declares (none until the language server's `triggers:` reaches it). */
export function triggersOf(sp: ServedPipeline): TriggerDecl[] {
  return sp.analysis.pipeline?.triggers ?? [];
}

interface CronJob {
  served: string;
  file: string;
  decl: CronTriggerDecl;
  cron: Cron;
  /** Its runs still going. */
  active: number;
  queued: number;
}

export class Triggers {
  private readonly jobs = new Map<string, CronJob>();
  private stopped = false;
  /** Fires, for tests and the bench: when each cron tick happened and the run it started (or why none). */
  onFire?: (served: string, decl: CronTriggerDecl, at: Date, outcome: { runId: string } | { skipped: string }) => void;

  constructor(private readonly host: TriggerHost) {}

  /** Schedules the cron triggers of the pipelines served now; a trigger that did not change keeps its schedule. */
  sync(): void {
    if (this.stopped) return;
    const wanted = new Map<string, { served: string; sp: ServedPipeline; decl: CronTriggerDecl }>();
    for (const [served, sp] of this.host.table()) {
      triggersOf(sp).forEach((t, i) => {
        if (t.kind === 'cron') wanted.set(JSON.stringify([served, sp.file, i, t]), { served, sp, decl: t });
      });
    }
    for (const [key, job] of this.jobs) if (!wanted.has(key)) {
      job.cron.stop();
      this.jobs.delete(key);
    }
    for (const [key, w] of wanted) {
      if (this.jobs.has(key)) continue;
      let cron: Cron;
      const job = { served: w.served, file: w.sp.file, decl: w.decl, active: 0, queued: 0 } as CronJob;
      try {
        cron = new Cron(w.decl.cron, { timezone: w.decl.timezone || 'UTC', catch: (e) => this.host.log(`orc serve: the cron trigger '${w.decl.cron}' of '${w.served}' failed: ${(e as Error)?.message ?? String(e)}`) }, () => this.fire(job, new Date()));
      } catch (e) {
        this.host.log(`orc serve: the cron trigger '${w.decl.cron}' of '${w.served}' is not scheduled: ${(e as Error).message}`);
        continue;
      }
      job.cron = cron;
      this.jobs.set(key, job);
      const next = cron.nextRun();
      this.host.log(`orc serve: '${w.served}' runs on cron '${w.decl.cron}' (${w.decl.timezone || 'UTC'})${next ? `, next at ${next.toISOString()}` : ''}`);
    }
  }

  /** The scheduled cron triggers: what GET /pipelines and the bench read. */
  get scheduled(): { served: string; decl: CronTriggerDecl; next: Date | null }[] {
    return [...this.jobs.values()].map((j) => ({ served: j.served, decl: j.decl, next: j.cron.nextRun() }));
  }

  private fire(job: CronJob, at: Date): void {
    if (this.stopped) return;
    const o = job.decl.overlap;
    if (job.active > 0 && o !== 'allow') {
      if (o === 'queue' && job.queued < MAX_QUEUED) {
        job.queued++;
        return;
      }
      return this.skipped(job, at, o === 'queue' ? `${MAX_QUEUED} ticks already wait for its last run` : 'its last run still runs (overlap: skip)');
    }
    void this.start(job, at);
  }

  private skipped(job: CronJob, at: Date, why: string): void {
    this.host.log(`orc serve: the cron trigger '${job.decl.cron}' of '${job.served}' did not start a run at ${at.toISOString()}: ${why}`);
    this.onFire?.(job.served, job.decl, at, { skipped: why });
  }

  private async start(job: CronJob, at: Date): Promise<void> {
    const sp = this.host.table().get(job.served);
    if (!sp || sp.file !== job.file) return this.skipped(job, at, 'the pipeline is no longer served');
    job.active++;
    try {
      const inputs = renderInputs(job.decl.inputs, {});
      const run = await this.host.runs.start(job.served, sp, inputs, { kind: 'cron', name: job.decl.cron });
      this.onFire?.(job.served, job.decl, at, { runId: run.id });
      await run.done;
    } catch (e) {
      this.skipped(job, at, (e as Error).message);
    } finally {
      job.active--;
      if (job.queued > 0 && !this.stopped) {
        job.queued--;
        void this.start(job, new Date());
      }
    }
  }

  /** The webhook trigger of this name: the first pipeline (by file) that declares it. */
  webhook(name: string): { served: string; sp: ServedPipeline; decl: WebhookTriggerDecl } | null {
    for (const [served, sp] of this.host.table()) {
      for (const t of triggersOf(sp)) if (t.kind === 'webhook' && t.webhook === name) return { served, sp, decl: t };
    }
    return null;
  }

  stop(): void {
    this.stopped = true;
    for (const j of this.jobs.values()) j.cron.stop();
    this.jobs.clear();
  }
}
