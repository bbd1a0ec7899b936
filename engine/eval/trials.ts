// Trials: a case (of one variant) run N times and judged on its trials' pass rate. `trials: N`
// (the eval's, or a case's own), `trial_threshold` (the share of trials that must pass; default 1,
// pass^k), and adaptive trials `trials: {max: N, confidence: 0.95}`, which stop a case once its
// verdict cannot change or the Wilson interval of its rate lies wholly on one side of the
// threshold. A case whose trials disagree is `flaky`. This module reads the settings and decides;
// the runner (evalRunner.ts) runs the trials.
import type { ValuePath } from '../spec/types';
import { isMapping, type EvalCase, type EvalSink, type EvalSpec } from './evalFile';
import type { CaseResult } from './evalRecord';
import { round4, wilson, type Interval } from './stats';

export interface TrialsSpec {
  /** Trials at most (all of them, when not adaptive). */
  max: number;
  /** Stop early once the verdict is known (`trials: {max, confidence}`). */
  adaptive: boolean;
  /** The interval's confidence for adaptive stopping (0.5–0.999). */
  confidence: number;
}

export const DEFAULT_CONFIDENCE = 0.95;
const MAX_TRIALS = 1000;

/** What a trial-run case reports (`trials` of its result). */
export interface TrialsReport {
  /** The most trials it could run, and how many it ran. */
  max: number;
  run: number;
  passed: number;
  /** passed / run, with its Wilson interval (at `confidence`; 95 % for fixed trials). */
  rate: number;
  interval: Interval;
  confidence: number;
  threshold: number;
  /** pass@k: at least one trial passed; pass^k: every trial run passed. */
  pass_at_k: boolean;
  pass_hat_k: boolean;
  flaky: boolean;
  adaptive: boolean;
  /** Why it stopped before `max` (adaptive trials). */
  stopped?: string;
  runs: TrialRun[];
}

export interface TrialRun {
  /** 1-based. */
  trial: number;
  status: CaseResult['status'];
  score: number;
  run_id: string | null;
  cost_usd: number;
  latency_ms: number;
}

/** `trials:` as written: a whole number of at least 1, or {max, confidence}; an error message when it is neither. */
export function trialsOf(v: unknown): TrialsSpec | string | null {
  if (v === undefined || v === null) return null;
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_TRIALS;
  if (typeof v === 'number') return whole(v) ? { max: v, adaptive: false, confidence: DEFAULT_CONFIDENCE } : `'trials' must be a whole number from 1 to ${MAX_TRIALS}, or {max: N, confidence: C}.`;
  if (!isMapping(v)) return `'trials' is a whole number of trials, or {max: N, confidence: C} for adaptive trials.`;
  const extra = Object.keys(v).filter((k) => k !== 'max' && k !== 'confidence');
  if (extra.length) return `'trials' takes 'max' and 'confidence', not '${extra[0]}'.`;
  if (!whole(v.max)) return `'trials.max' must be a whole number from 1 to ${MAX_TRIALS}.`;
  const c = v.confidence ?? DEFAULT_CONFIDENCE;
  if (typeof c !== 'number' || !(c >= 0.5 && c <= 0.999)) return `'trials.confidence' must be a number from 0.5 to 0.999.`;
  return { max: v.max, adaptive: true, confidence: c };
}

/** `trial_threshold:` as written, or an error message. */
export function trialThresholdOf(v: unknown): number | string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'number' && v >= 0 && v <= 1 ? v : `'trial_threshold' must be a number from 0 to 1 (the share of a case's trials that must pass; 1: all of them).`;
}

/** Reads `trials` and `trial_threshold` of the eval (or of an inline case at `at`), with findings. */
export function readTrials(sink: EvalSink, m: Record<string, unknown>, at: ValuePath): { trials: TrialsSpec | null; threshold: number | null } {
  const t = trialsOf(m.trials);
  if (typeof t === 'string') sink.atValue('eval.type', t, [...at, 'trials']);
  const th = trialThresholdOf(m.trial_threshold);
  if (typeof th === 'string') sink.atValue('eval.type', th, [...at, 'trial_threshold']);
  return { trials: typeof t === 'string' ? null : t, threshold: typeof th === 'string' ? null : th };
}

/** The trials a case runs under (its own over the eval's), or null when it runs once as before; throws a message for a dataset row's bad values. */
export function caseTrials(spec: EvalSpec, c: EvalCase): { trials: TrialsSpec; threshold: number } | null {
  const own = trialsOf(c.options?.trials);
  if (typeof own === 'string') throw new Error(own);
  const th = trialThresholdOf(c.options?.trial_threshold);
  if (typeof th === 'string') throw new Error(th);
  const trials = own ?? spec.trials;
  if (!trials) return null;
  return { trials, threshold: th ?? spec.trialThreshold };
}

/** The two-sided normal quantile of a confidence (0.95 → 1.96): Acklam's rational approximation. */
export function zOf(confidence: number): number {
  const p = 1 - (1 - confidence) / 2;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  if (p > 0.97575) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The Wilson interval at a confidence (95 %: the one every eval report gives). */
export function intervalAt(passed: number, run: number, confidence: number): Interval {
  return confidence === DEFAULT_CONFIDENCE ? wilson(passed, run) : wilson(passed, run, zOf(confidence));
}

/**
 * After `run` trials of which `passed` passed: the verdict, or null to run another. Fixed trials
 * run all `max`; adaptive ones stop when the verdict cannot change whatever the rest give, or when
 * the interval of the rate is wholly at or above the threshold (pass) or below it (fail). Under
 * pass^k (threshold 1) that is at the first failed trial.
 */
export function trialVerdict(t: TrialsSpec, threshold: number, passed: number, run: number): { verdict: 'pass' | 'fail'; stopped?: string } | null {
  if (run >= t.max) return { verdict: passed / run >= threshold ? 'pass' : 'fail' };
  if (!t.adaptive || run === 0) return null;
  const left = t.max - run;
  if (passed / t.max >= threshold) return { verdict: 'pass', stopped: `${passed} of ${t.max} trials passed already: the rest cannot fail it` };
  if ((passed + left) / t.max < threshold) return { verdict: 'fail', stopped: `${run - passed} of ${t.max} trials failed already: the rest cannot pass it` };
  const w = intervalAt(passed, run, t.confidence);
  const pct = `${Math.round(t.confidence * 1000) / 10}%`;
  if (w.low >= threshold) return { verdict: 'pass', stopped: `the ${pct} interval [${w.low}, ${w.high}] is above the threshold ${threshold}` };
  if (w.high < threshold) return { verdict: 'fail', stopped: `the ${pct} interval [${w.low}, ${w.high}] is below the threshold ${threshold}` };
  return null;
}

/**
 * One case's result from its trials' results (in order): its verdict by the trials' pass rate, the
 * sums of their costs and tokens, the assertions of its first failed trial (else its last), and the
 * trials report. A trial in error makes the case an error: it could not be judged.
 */
export function combineTrials(trials: CaseResult[], t: TrialsSpec, threshold: number, verdict: 'pass' | 'fail' | null, stopped: string | undefined): CaseResult {
  const passed = trials.filter((r) => r.status === 'pass').length;
  const run = trials.length;
  const errored = trials.find((r) => r.status === 'error');
  const shown = errored ?? trials.find((r) => r.status !== 'pass') ?? trials[run - 1];
  const status: CaseResult['status'] = errored ? 'error' : (verdict ?? (passed / run >= threshold ? 'pass' : 'fail'));
  const sum = (f: (r: CaseResult) => number) => trials.reduce((a, r) => a + f(r), 0);
  const flaky = passed > 0 && passed < run;
  const report: TrialsReport = {
    max: t.max,
    run,
    passed,
    rate: round4(passed / run),
    interval: intervalAt(passed, run, t.adaptive ? t.confidence : DEFAULT_CONFIDENCE),
    confidence: t.adaptive ? t.confidence : DEFAULT_CONFIDENCE,
    threshold,
    pass_at_k: passed > 0,
    pass_hat_k: passed === run,
    flaky,
    adaptive: t.adaptive,
    ...(stopped && run < t.max ? { stopped } : {}),
    runs: trials.map((r, i) => ({ trial: i + 1, status: r.status, score: r.score, run_id: r.run_id, cost_usd: r.cost_usd, latency_ms: r.latency_ms })),
  };
  const money = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    case: shown.case,
    variant: shown.variant,
    repeat: 0,
    status,
    pass: status === 'pass',
    score: round4(sum((r) => r.score) / run),
    run_id: shown.run_id,
    run_status: shown.run_status,
    cost_usd: money(sum((r) => r.cost_usd)),
    judge_cost_usd: money(sum((r) => r.judge_cost_usd)),
    tokens_in: sum((r) => r.tokens_in),
    tokens_out: sum((r) => r.tokens_out),
    latency_ms: sum((r) => r.latency_ms),
    ...(shown.error !== undefined ? { error: shown.error } : {}),
    assertions: shown.assertions,
    flaky,
    trials: report,
  };
}
