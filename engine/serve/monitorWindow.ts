// A monitor's window: the last `window` checks that passed or failed (a check that erred is counted
// apart: it is neither), its pass rate with the Wilson interval (engine/eval/stats.ts), and the
// alert state. An alert is raised once when the pass rate, over at least `min_checks` checks, falls
// under `alert_below`; it is raised again only after the rate has come back at or above it.
import { round4, wilson, type MonitorDecl } from '../api/index';
import type { MonitorCheck } from './monitorLog';

/** What an alert says (GET /events' `monitor-alert` adds `at`; the webhook's body is this). */
export interface MonitorAlert {
  pipeline: string;
  monitor: string;
  pass_rate: number;
  window: number;
  failed_runs: string[];
}

/** One monitor as GET /monitors gives it. */
export interface MonitorFigures {
  pipeline: string;
  monitor: string;
  sample: number;
  window: number;
  min_checks: number;
  alert_below: number | null;
  checks: number;
  passed: number;
  failed: number;
  errors: number;
  dropped: number;
  pass_rate: number | null;
  interval: [number, number] | null;
  alerting: boolean;
  last_alert: { at: string; pass_rate: number; failed_runs: string[] } | null;
}

export class MonitorWindow {
  /** The last checks that passed or failed, oldest first (at most decl.window). */
  private readonly verdicts: Array<{ run_id: string; passed: boolean }> = [];
  private passedCount = 0;
  errors = 0;
  dropped = 0;
  alerting = false;
  lastAlert: MonitorFigures['last_alert'] = null;

  constructor(
    readonly pipeline: string,
    public decl: MonitorDecl,
  ) {}

  /** The checks read back from the file on startup: the window filled, the alert state set without raising one. */
  restore(checks: MonitorCheck[]): void {
    for (const c of checks) if (c.pipeline === this.pipeline) this.push(c);
    this.alerting = this.below();
  }

  /** A pipeline's file changed: the window keeps its checks, cut to the new size. */
  update(decl: MonitorDecl): void {
    this.decl = decl;
    this.trim();
  }

  private trim(): void {
    while (this.verdicts.length > Math.max(1, this.decl.window)) if (this.verdicts.shift()!.passed) this.passedCount--;
  }

  private push(c: MonitorCheck): void {
    if (c.status === 'error') {
      this.errors++;
      return;
    }
    this.verdicts.push({ run_id: c.run_id, passed: c.status === 'pass' });
    if (c.status === 'pass') this.passedCount++;
    this.trim();
  }

  get rate(): number | null {
    return this.verdicts.length ? this.passedCount / this.verdicts.length : null;
  }

  /** The window can alert and its rate is under the bar. */
  private below(): boolean {
    const { alertBelow, minChecks } = this.decl;
    const rate = this.rate;
    return alertBelow !== null && rate !== null && this.verdicts.length >= minChecks && rate < alertBelow;
  }

  /** Counts a check; returns the alert it raises (the window crossed under the bar), else null. */
  record(c: MonitorCheck): MonitorAlert | null {
    this.push(c);
    if (c.status === 'error') return null;
    const below = this.below();
    if (!below) {
      // back at or above the bar (or too few checks): the next crossing raises an alert again
      if (this.alerting && this.rate !== null && this.decl.alertBelow !== null && this.rate >= this.decl.alertBelow) this.alerting = false;
      return null;
    }
    if (this.alerting) return null;
    this.alerting = true;
    const alert: MonitorAlert = { pipeline: this.pipeline, monitor: this.decl.name, pass_rate: round4(this.rate!), window: this.verdicts.length, failed_runs: this.verdicts.filter((v) => !v.passed).map((v) => v.run_id) };
    this.lastAlert = { at: new Date().toISOString(), pass_rate: alert.pass_rate, failed_runs: alert.failed_runs };
    return alert;
  }

  figures(): MonitorFigures {
    const n = this.verdicts.length;
    const w = n ? wilson(this.passedCount, n) : null;
    return {
      pipeline: this.pipeline,
      monitor: this.decl.name,
      sample: this.decl.sample,
      window: this.decl.window,
      min_checks: this.decl.minChecks,
      alert_below: this.decl.alertBelow,
      checks: n,
      passed: this.passedCount,
      failed: n - this.passedCount,
      errors: this.errors,
      dropped: this.dropped,
      pass_rate: n ? round4(this.passedCount / n) : null,
      interval: w ? [w.low, w.high] : null,
      alerting: this.alerting,
      last_alert: this.lastAlert,
    };
  }
}
