// The monitors of a server (docs/monitors.md): each served run that ends is offered to its
// pipeline's `monitors:`; a sampled one is checked on the monitors' own bounded queue after its
// result has been returned (monitorQueue.ts, monitorChecker.ts), the check appended to the
// monitor's file (monitorLog.ts), counted in its window (monitorWindow.ts) and in the metrics
// (`orc_monitor_checks_total`, `orc_monitor_pass_rate`, `orc_monitor_dropped_total`), a failed run
// flagged `monitor:NAME` in the review queue. A window that crosses under `alert_below` raises
// `monitor-alert` on the server's event stream (GET /events) and a signed POST to `notify.webhook`
// (monitorAlerts.ts). `runMonitors` is the same check for `orc run --monitor`.
import type { Counter, Meter } from '@opentelemetry/api';
import { flagRun, type ModelRunner, type MonitorDecl, type ResultDocument } from '../api/index';
import { RunEventLog } from './eventLog';
import { AlertSender, type AlertSendOptions } from './monitorAlerts';
import { checkRun, MonitorBudget, sampled } from './monitorChecker';
import { MONITOR_NAME, MonitorLog, type MonitorCheck } from './monitorLog';
import { BoundedQueue } from './monitorQueue';
import { MonitorWindow, type MonitorFigures } from './monitorWindow';

export interface MonitorsOptions {
  root: string;
  models: ModelRunner;
  env: NodeJS.ProcessEnv;
  log(line: string): void;
  /** Where the metrics go (the server's OTLP / Prometheus exporters); none: not counted there. */
  meter?: Meter | null;
  /** Checks waiting at most (default 1000) and running at once (default 4). */
  queueSize?: number;
  concurrency?: number;
  /** A judge that has not answered in this long makes its check `error` (ms, default 60 s). */
  judgeTimeoutMs?: number;
  alerts?: AlertSendOptions;
  /** Secrets out of what a check says (a judge's error may quote its request): the server's redactor. */
  redact?: (text: string) => string;
}

/** The server-wide event stream keeps this many events for Last-Event-ID. */
const SERVER_EVENTS = { events: 1000, bytes: 1024 * 1024, lag: 500 };

interface Monitor {
  key: string;
  pipeline: string;
  decl: MonitorDecl;
  /** The declaration as written (a file analysed again gives equal ones: the window and budget stay). */
  sig: string;
  window: MonitorWindow;
  budget: MonitorBudget;
}

interface Job {
  monitor: Monitor;
  doc: ResultDocument;
}

export class Monitors {
  /** GET /events: `monitor-alert` (and what else the server says to all). */
  readonly events = new RunEventLog(SERVER_EVENTS);
  private readonly monitors = new Map<string, Monitor>();
  /** The monitor of a declaration object seen before (an analysis kept by the compile cache): no key or signature to make. */
  private readonly byDecl = new WeakMap<MonitorDecl, Monitor>();
  private readonly logs = new Map<string, MonitorLog>();
  private readonly queue: BoundedQueue<Job>;
  private readonly sender: AlertSender;
  private readonly checks: Counter | null;
  private readonly dropped: Counter | null;
  private readonly ctl = new AbortController();

  constructor(private readonly o: MonitorsOptions) {
    this.queue = new BoundedQueue<Job>((j) => this.check(j), (j) => this.drop(j), o.queueSize, o.concurrency);
    this.sender = new AlertSender(o.env, o.log, o.alerts);
    const m = o.meter ?? null;
    this.checks = m?.createCounter('orc.monitor.checks', { description: 'Monitor checks of served runs, by pipeline, monitor and result (pass, fail, error)' }) ?? null;
    this.dropped = m?.createCounter('orc.monitor.dropped', { description: "Monitor checks dropped unstarted because the monitors' queue was full" }) ?? null;
    m?.createObservableGauge('orc.monitor.pass_rate', { description: "A monitor's pass rate over its window (checks that passed or failed)" }).addCallback((r) => {
      for (const mon of this.monitors.values()) {
        const rate = mon.window.rate;
        if (rate !== null) r.observe(rate, { pipeline: mon.pipeline, monitor: mon.decl.name });
      }
    });
  }

  /** The monitor's state (its window read back from its file's tail the first time). */
  private monitorOf(pipeline: string, decl: MonitorDecl): Monitor | null {
    const seen = this.byDecl.get(decl);
    if (seen && seen.pipeline === pipeline) return seen;
    if (!MONITOR_NAME.test(decl.name)) return null;
    const key = `${pipeline}\u0000${decl.name}`;
    const known = this.monitors.get(key);
    const sig = JSON.stringify({ ...decl, path: undefined });
    if (known) {
      if (known.sig !== sig) {
        known.sig = sig;
        known.decl = decl;
        known.window.update(decl);
        known.budget = new MonitorBudget(this.o.models, decl.budget);
      }
      this.byDecl.set(decl, known);
      return known;
    }
    const window = new MonitorWindow(pipeline, decl);
    window.restore(this.logOf(decl.name).tail(Number.MAX_SAFE_INTEGER));
    const mon: Monitor = { key, pipeline, decl, sig, window, budget: new MonitorBudget(this.o.models, decl.budget) };
    this.monitors.set(key, mon);
    this.byDecl.set(decl, mon);
    return mon;
  }

  private logOf(name: string): MonitorLog {
    let l = this.logs.get(name);
    if (!l) this.logs.set(name, (l = new MonitorLog(this.o.root, name, this.o.log)));
    return l;
  }

  /**
   * A run ended (its result already returned or on its way): each of its pipeline's monitors that
   * samples it gets a check on the queue. Cheap and synchronous; the checks run later.
   */
  ended(pipeline: string, doc: ResultDocument, decls: MonitorDecl[] | undefined): void {
    if (!decls?.length || this.ctl.signal.aborted) return;
    for (const decl of decls) {
      if (!sampled(doc.execution_id, decl.name, decl.sample)) continue;
      const monitor = this.monitorOf(pipeline, decl);
      if (monitor) this.queue.push({ monitor, doc });
    }
  }

  private drop(j: Job): void {
    j.monitor.window.dropped++;
    this.dropped?.add(1, { pipeline: j.monitor.pipeline, monitor: j.monitor.decl.name });
  }

  private async check(j: Job): Promise<void> {
    const { monitor } = j;
    let c: MonitorCheck;
    try {
      c = await checkRun(j.doc, monitor.pipeline, monitor.decl, { models: monitor.budget.runner(), env: this.o.env, signal: this.ctl.signal, ...(this.o.judgeTimeoutMs !== undefined ? { timeoutMs: this.o.judgeTimeoutMs } : {}) });
    } catch (e) {
      if (this.ctl.signal.aborted) return;
      c = { run_id: j.doc.execution_id, pipeline: monitor.pipeline, monitor: monitor.decl.name, status: 'error', passed: false, score: null, reasons: [(e as Error).message], at: new Date().toISOString() };
    }
    this.record(monitor, c);
  }

  /** Writes, counts and flags a check; raises the alert it crosses into. */
  private record(monitor: Monitor, raw: MonitorCheck): void {
    const redact = this.o.redact;
    const c = redact ? { ...raw, reasons: raw.reasons.map((r) => redact(r)) } : raw;
    try {
      this.logOf(monitor.decl.name).append(c);
    } catch (e) {
      this.o.log(`orc serve: the check of run ${c.run_id} by monitor '${c.monitor}' could not be written: ${(e as Error).message}`);
    }
    this.checks?.add(1, { pipeline: c.pipeline, monitor: c.monitor, result: c.status });
    if (c.status === 'fail') {
      try {
        flagRun(this.o.root, c.run_id, `monitor:${c.monitor}`, c.reasons);
      } catch (e) {
        this.o.log(`orc serve: run ${c.run_id} could not be put in the review queue: ${(e as Error).message}`);
      }
    }
    const alert = monitor.window.record(c);
    if (!alert) return;
    this.events.append('monitor-alert', JSON.stringify({ ...alert, at: monitor.window.lastAlert!.at }));
    this.o.log(`orc serve: monitor '${alert.monitor}' of ${alert.pipeline}: pass rate ${alert.pass_rate} over the last ${alert.window} checks is under ${monitor.decl.alertBelow}`);
    if (monitor.decl.notify) this.sender.send(alert, monitor.decl.notify);
  }

  /** Every monitor of the pipelines served now (by their pipeline's id), as GET /monitors gives them. */
  figures(served: Iterable<{ pipeline: string; monitors: MonitorDecl[] | undefined }>): MonitorFigures[] {
    const out: MonitorFigures[] = [];
    const seen = new Set<string>();
    for (const s of served) {
      for (const decl of s.monitors ?? []) {
        const m = this.monitorOf(s.pipeline, decl);
        if (!m || seen.has(m.key)) continue;
        seen.add(m.key);
        out.push(m.window.figures());
      }
    }
    return out;
  }

  /** Resolves when no check waits or runs and every alert has been sent (or given up). */
  async idle(): Promise<void> {
    await this.queue.idle();
    await this.sender.idle();
  }

  /** Stops: checks that wait are dropped, running ones are abandoned unwritten. */
  close(): void {
    this.ctl.abort(new Error('the server is stopping'));
    this.queue.close();
  }
}

/** `orc run --monitor`: the pipeline's monitors on one run, each check written and said (stderr), a failed run flagged. */
export async function runMonitors(o: { root: string; doc: ResultDocument; decls: MonitorDecl[]; models: ModelRunner; env: NodeJS.ProcessEnv; replay?: boolean; say(line: string): void; judgeTimeoutMs?: number; redact?: (text: string) => string }): Promise<MonitorCheck[]> {
  const out: MonitorCheck[] = [];
  const pipeline = o.doc.pipeline_id;
  for (const decl of o.decls) {
    if (!MONITOR_NAME.test(decl.name)) {
      o.say(`monitor '${decl.name}': not checked (its name cannot name a file)`);
      continue;
    }
    const checked = await checkRun(o.doc, pipeline, decl, { models: new MonitorBudget(o.models, decl.budget).runner(), env: o.env, ...(o.replay ? { replay: true } : {}), ...(o.judgeTimeoutMs !== undefined ? { timeoutMs: o.judgeTimeoutMs } : {}) });
    const redact = o.redact;
    const c = redact ? { ...checked, reasons: checked.reasons.map((r) => redact(r)) } : checked;
    const log = new MonitorLog(o.root, decl.name, o.say);
    log.append(c);
    if (c.status === 'fail') flagRun(o.root, c.run_id, `monitor:${c.monitor}`, c.reasons);
    const sample = decl.sample < 1 ? ` (in service it samples ${Math.round(decl.sample * 1000) / 10}% of runs${sampled(c.run_id, decl.name, decl.sample) ? ', this one among them' : ', not this one'})` : '';
    o.say(`monitor '${decl.name}': ${c.status}${c.score !== null ? ` (score ${c.score})` : ''}${c.reasons.length ? `: ${c.reasons.join('; ')}` : ''}${sample}`);
    out.push(c);
  }
  return out;
}
