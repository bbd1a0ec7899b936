// The runs `orc serve` started: each an ordinary run (engine/api servedRun.ts: records in
// ROOT/.orchestrator/runs/, checkpoints, the server's one model runner), with its events kept for
// subscribers (eventLog.ts), its questions pending until answered over HTTP (pendingAnswers.ts),
// and its cancellation. Finished runs stay in memory for a while (their events), then only on disk.
// With `orc serve --restate`, each run is a durable run on Restate instead (durableRuns.ts): this
// server submits and follows it, and it outlives the server.
import * as path from 'node:path';
import {
  cancelled,
  cancelRun,
  checkDurableInputs,
  DurableRunError,
  followRun,
  loadCheckpoint,
  lockedAnswers,
  orchestratorOf,
  readAutoLock,
  runState,
  submitRun,
  hasErrors,
  InputError,
  newExecutionId,
  checkInputTypes,
  resolveInputs,
  servedAnalysis,
  startServedRun,
  type Analysis,
  type Finding,
  type ResultDocument,
  type RunEvent,
  type RunHost,
  type RunTrigger,
  type ServedPipeline,
  type StepResult,
  type MonitorDecl,
} from '../api/index';
import { RunEventLog } from './eventLog';
import { PendingAnswers, type PendingQuestion } from './pendingAnswers';
import { DurableQuestions, isAskedLine, type RunQuestions } from './durableRuns';
import { ServeError } from './serveErrors';
import { withSession } from './sessions';

const sessionOn = (run: ServedRun, session: string | null): ServedRun => (session === null ? run : Object.assign(run, { session }));

/** Finished runs whose events stay in memory (the oldest is let go past it; its record stays on disk). */
export const MAX_FINISHED_KEPT = 100;
/** The most bytes of frames the finished runs kept in memory hold in all. */
export const MAX_FINISHED_BYTES = 64 * 1024 * 1024;
/** The concurrent runs a server allows by default (`--max-runs`). */
export const DEFAULT_MAX_RUNS = 16;
/** What a 429 tells a client to wait before it asks again (seconds). */
export const RETRY_AFTER_S = 2;

export interface ServedRun {
  id: string;
  /** The pipeline's name in URLs (its id, or the name `orc mcp` gives it when two ids collide). */
  served: string;
  pipelineId: string;
  trigger: RunTrigger;
  startedAt: string;
  log: RunEventLog;
  pending: RunQuestions;
  /** Aborted to cancel a local run; for a durable run, to stop following it (the run goes on). */
  ctl: AbortController;
  /** A durable run on Restate (`orc serve --restate`). */
  durable: boolean;
  /** Settles with the (redacted) result document; never rejects. */
  done: Promise<ResultDocument>;
  result: ResultDocument | null;
  /** Top-level steps' results so far (redacted). */
  steps: Record<string, StepResult>;
  /** The conversation the run continues (its `session` input: sessions.ts). */
  session?: string;
  /** Its pipeline's `monitors:` when it started: they check it once it has ended (monitors.ts). */
  monitors?: MonitorDecl[];
  /**
   * The result document's JSON (redacted), made once from its run-ended event: the run-ended and end
   * frames and a waiting POST's body are this one string, not three serializations of the document.
   */
  resultJson?: string;
}

/** A run's document while it runs: the result document's keys that are known, `status: running`, and its pending questions. */
export interface RunningDocument {
  pipeline_id: string;
  execution_id: string;
  status: 'running';
  success: null;
  outputs: Record<string, never>;
  steps: Record<string, StepResult>;
  started_at: string;
  trigger: RunTrigger;
  pending: PendingQuestion[];
}

export class ServedRuns {
  private readonly runs = new Map<string, ServedRun>();
  private readonly finished: string[] = [];
  private finishedBytes = 0;
  private active = 0;
  /** Called with each run that ended, after its document is kept (the monitors queue their checks: never awaited). */
  onEnded: ((run: ServedRun, doc: ResultDocument) => void) | null = null;

  constructor(
    private readonly host: RunHost,
    readonly maxRuns: number = DEFAULT_MAX_RUNS,
    /** Restate's ingress: every run is a durable run there (null: runs are local). */
    readonly restate: string | null = null,
  ) {}

  get running(): number {
    return this.active;
  }

  get(id: string): ServedRun | undefined {
    return this.runs.get(id);
  }

  /** Runs in memory, newest first. */
  list(): ServedRun[] {
    return [...this.runs.values()].reverse();
  }

  /** Checks a run could start now (the limit on concurrent runs): throws the 429. */
  checkCapacity(): void {
    if (this.active >= this.maxRuns) throw new ServeError(429, 'too_many_runs', `${this.active} runs are running, the most this server runs at once (--max-runs ${this.maxRuns}); try again when one has ended`, {}, { 'retry-after': String(RETRY_AFTER_S) });
  }

  /**
   * Starts a run of `sp` with these inputs: the file as it is now must compile and the inputs must
   * resolve (422 with the findings otherwise), and there must be room (429).
   */
  async start(served: string, sp: ServedPipeline, inputs: Record<string, unknown>, trigger: RunTrigger, o: { strictTypes?: boolean } = {}): Promise<ServedRun> {
    this.checkCapacity();
    const compiled = await servedAnalysis(this.host, sp);
    const { analysis } = compiled;
    if (hasErrors(analysis.findings) || !analysis.pipeline) {
      throw new ServeError(422, 'pipeline_does_not_compile', `The pipeline '${served}' does not compile now, so nothing ran`, { findings: analysis.findings.filter((f) => f.severity === 'error') });
    }
    const settled = withSession(analysis.pipeline.parameters, inputs);
    inputs = settled.inputs;
    try {
      // a request's JSON body says what type each value is: the wrong one is 422, never coerced
      if (o.strictTypes) checkInputTypes(analysis.pipeline.parameters, inputs);
      if (this.restate) checkDurableInputs(analysis.pipeline.parameters, inputs, this.host.env);
      else resolveInputs(analysis.pipeline.parameters, inputs);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const message = e.message.replace(/: give it with -i \S+=\.\.\.$/, '');
      throw new ServeError(422, 'invalid_inputs', message, { findings: [inputFinding(message)] });
    }
    this.checkCapacity(); // (the analysis may have waited)
    const id = newExecutionId();
    if (this.restate) return Object.assign(sessionOn(await this.startDurable(id, served, sp, compiled, inputs, trigger), settled.session), analysis.pipeline.monitors?.length ? { monitors: analysis.pipeline.monitors } : {});
    const ctl = new AbortController();
    const log = new RunEventLog();
    const pending = new PendingAnswers((type, q) => log.append(type, JSON.stringify(q)));
    const run: ServedRun = { id, served, pipelineId: analysis.pipeline.id, trigger, startedAt: new Date().toISOString(), log, pending, ctl, durable: false, done: null as unknown as Promise<ResultDocument>, result: null, steps: {}, ...(settled.session !== null ? { session: settled.session } : {}), ...(analysis.pipeline.monitors?.length ? { monitors: analysis.pipeline.monitors } : {}) };
    const started = startServedRun(this.host, sp, compiled, {
      inputs,
      signal: ctl.signal,
      executionId: id,
      trigger,
      interaction: (r) => pending.interaction(r),
      listeners: (r) => [(e: RunEvent) => this.onEvent(run, r.value(e))],
    });
    this.track(
      run,
      started.run.then(
        (doc) => started.redactor.value(doc),
        (e: unknown) => failedDocument(run, started.redactor.text(e instanceof Error ? e.message : String(e))),
      ),
    );
    return run;
  }

  /** Counts the run among the running ones until `ending` gives its document; then keeps its events a while. */
  private track(run: ServedRun, ending: Promise<ResultDocument>): void {
    const { id, log } = run;
    this.active++;
    this.runs.set(id, run);
    run.done = ending.then((doc) => {
      this.active--;
      run.result = doc;
      // (a run that failed to start or to end has had no run-ended event)
      run.resultJson ??= JSON.stringify(doc);
      log.append('end', run.resultJson, true);
      this.finished.push(id);
      this.finishedBytes += log.keptBytes;
      while (this.finished.length > MAX_FINISHED_KEPT || (this.finished.length > 1 && this.finishedBytes > MAX_FINISHED_BYTES)) {
        const gone = this.finished.shift()!;
        this.finishedBytes -= this.runs.get(gone)?.log.keptBytes ?? 0;
        this.runs.delete(gone);
      }
      if (this.onEnded) {
        try {
          this.onEnded(run, doc);
        } catch (e) {
          // a monitor's trouble is never the run's
          this.host.log(`orc serve: the monitors could not take run ${id}: ${this.host.redactor.text((e as Error).message)}`);
        }
      }
      return doc;
    });
  }

  /** Submits the run to Restate and follows it (`orc serve --restate`). */
  private async startDurable(id: string, served: string, sp: ServedPipeline, compiled: { source: string; analysis: Analysis }, inputs: Record<string, unknown>, trigger: RunTrigger): Promise<ServedRun> {
    const ingress = this.restate!;
    const pipeline = compiled.analysis.pipeline!;
    const autoAnswers = [...lockedAnswers(compiled.analysis, readAutoLock(sp.file), orchestratorOf(pipeline))];
    // the workers find the file (for its nested pipelines) by this path from their root
    const rel = path.relative(this.host.root, sp.file);
    const file = rel.startsWith('..') || path.isAbsolute(rel) ? sp.file : rel.split(path.sep).join('/');
    try {
      await submitRun(ingress, id, { source: compiled.source, file, inputs, ...(autoAnswers.length ? { autoAnswers } : {}), trigger });
    } catch (e) {
      if (!(e instanceof DurableRunError)) throw e;
      const hint = e.status === 404 ? ' (no worker has registered the run workflow with this Restate yet: start one with orc worker --restate ADMIN_URL)' : '';
      throw new ServeError(503, 'restate_unavailable', this.host.redactor.text(`${e.message}${hint}; nothing ran`));
    }
    return this.follow(id, served, pipeline.id, trigger, new Date().toISOString());
  }

  /** Follows a durable run: its events into its log, its questions listed, its result document its end. */
  private follow(id: string, served: string, pipelineId: string, trigger: RunTrigger, startedAt: string): ServedRun {
    const ingress = this.restate!;
    const log = new RunEventLog();
    const questions = new DurableQuestions(ingress, id, this.host.redactor, (type, q) => log.append(type, JSON.stringify(q)));
    const run: ServedRun = { id, served, pipelineId, trigger, startedAt, log, pending: questions, ctl: new AbortController(), durable: true, done: null as unknown as Promise<ResultDocument>, result: null, steps: {} };
    const red = this.host.redactor;
    const ending = (async (): Promise<ResultDocument> => {
      try {
        for await (const u of followRun(ingress, id, { signal: run.ctl.signal })) {
          if (u.kind === 'result') {
            const doc = red.value(u.result);
            // the stream a local run's gives: run-ended (its time: the run's end), then end
            this.onEvent(run, { type: 'run-ended', time: Date.parse(doc.ended_at), result: doc });
            return doc;
          }
          this.onEvent(run, red.value(u.event));
          // (not awaited: the events go on while the question is looked for)
          if (u.event.type === 'warning' && u.event.stepId === null && isAskedLine(u.event.message)) void questions.expect(() => run.result !== null || run.ctl.signal.aborted);
        }
        return failedDocument(run, `run ${id} ended with no result`);
      } catch (e) {
        return failedDocument(run, red.text(e instanceof Error ? e.message : String(e)));
      }
    })();
    this.track(run, ending);
    return run;
  }

  /**
   * A durable run this server did not start, or no longer holds (another server's, or this one's
   * before it restarted): followed from its start when Restate knows it. Null for a local server
   * or a run Restate does not know.
   */
  async adopt(id: string): Promise<ServedRun | null> {
    if (!this.restate) return null;
    const known = this.runs.get(id);
    if (known) return known;
    let state: 'unknown' | 'running' | 'ended';
    try {
      state = await runState(this.restate, id);
    } catch (e) {
      if (!(e instanceof DurableRunError)) throw e;
      // Restate unreachable: what the records under the root say is all there is to say now
      this.host.log(`orc serve: could not ask Restate about run ${id}: ${this.host.redactor.text(e.message)}`);
      return null;
    }
    if (state === 'unknown') return null;
    const again = this.runs.get(id);
    if (again) return again;
    let pipelineId = '';
    let trigger: RunTrigger = { kind: 'http', name: '' };
    let startedAt = new Date().toISOString();
    try {
      // the record the workers write, when they share this server's root
      const cp = loadCheckpoint(this.host.root, id, { journal: false });
      pipelineId = cp.pipeline_id;
      startedAt = cp.started_at;
      if (cp.trigger) trigger = cp.trigger;
    } catch {
      // not under this root: the run's events say the rest
    }
    return this.follow(id, trigger.name || pipelineId, pipelineId, trigger, startedAt);
  }

  private onEvent(run: ServedRun, e: RunEvent): void {
    if ((e.type === 'step-started' || e.type === 'step-ended') && e.scope.length === 0) {
      if (e.type === 'step-ended') run.steps[e.stepId] = e.result;
      else run.steps[e.stepId] = { ...(run.steps[e.stepId] ?? {}), status: 'running', attempts: e.attempt, started_at: new Date(e.time).toISOString() } as StepResult;
    }
    if (e.type !== 'run-ended') return void run.log.append(e.type, JSON.stringify(e));
    const { result, ...rest } = e;
    run.resultJson = JSON.stringify(result);
    run.log.append(e.type, `${JSON.stringify(rest).slice(0, -1)},"result":${run.resultJson}}`);
  }

  /** The run's document now: its result, or what is known while it runs. */
  documentOf(run: ServedRun): ResultDocument | RunningDocument {
    if (run.result) return run.result;
    return { pipeline_id: run.pipelineId, execution_id: run.id, status: 'running', success: null, outputs: {}, steps: run.steps, started_at: run.startedAt, trigger: run.trigger, pending: run.pending.list() };
  }

  /** Cancels a running run: false when it has ended. */
  async cancel(run: ServedRun, why: string): Promise<boolean> {
    if (run.durable) {
      if (run.result) return false;
      try {
        await cancelRun(this.restate!, run.id);
      } catch (e) {
        if (e instanceof DurableRunError) throw new ServeError(503, 'restate_unavailable', this.host.redactor.text(e.message));
        throw e;
      }
      return true;
    }
    if (run.result || run.ctl.signal.aborted) return !run.result;
    run.ctl.abort(cancelled(why));
    return true;
  }

  /** Cancels every running run and waits for their records to say so; durable runs go on (this server only stops following them). */
  async closeAll(why: string): Promise<void> {
    const going = [...this.runs.values()].filter((r) => !r.result);
    for (const r of going) if (r.durable) r.ctl.abort(new Error(why));
    const local = going.filter((r) => !r.durable);
    for (const r of local) void this.cancel(r, why);
    await Promise.allSettled(local.map((r) => r.done));
  }
}

function inputFinding(message: string): Finding {
  const none = { line: 0, character: 0 };
  return { code: 'invalid-input', severity: 'error', message, range: { start: none, end: none }, step: null, path: 'inputs', suggestions: [] };
}

/** The document of a run that could not run to its end (an error outside its steps). */
function failedDocument(run: ServedRun, error: string): ResultDocument {
  const now = new Date().toISOString();
  return {
    pipeline_id: run.pipelineId,
    execution_id: run.id,
    status: run.ctl.signal.aborted && !run.durable ? 'cancelled' : 'failed',
    success: false,
    outputs: {},
    steps: run.steps,
    execution_order: [],
    execution_levels: [],
    failed_steps: [],
    skipped_steps: [],
    started_at: run.startedAt,
    ended_at: now,
    duration_ms: Date.parse(now) - Date.parse(run.startedAt),
    tokens_in: 0,
    tokens_out: 0,
    cost_usd: 0,
    output_errors: { '': error },
    trigger: run.trigger,
  };
}
