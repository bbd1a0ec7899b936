// The rules of trials, on their own: what `trials:` and `trial_threshold:` may be, the normal
// quantile of a confidence, the Wilson interval at it, and when a case's trials have a verdict.
// (Pure: the eval file's reader and the runner both use them.)
import { wilson, type Interval } from './stats';

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

/** `trials:` as written: a whole number of at least 1, or {max, confidence}; an error message when it is neither. */
export function trialsOf(v: unknown): TrialsSpec | string | null {
  if (v === undefined || v === null) return null;
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_TRIALS;
  if (typeof v === 'number') return whole(v) ? { max: v, adaptive: false, confidence: DEFAULT_CONFIDENCE } : `'trials' must be a whole number from 1 to ${MAX_TRIALS}, or {max: N, confidence: C}.`;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return `'trials' is a whole number of trials, or {max: N, confidence: C} for adaptive trials.`;
  const m = v as Record<string, unknown>;
  const extra = Object.keys(m).filter((k) => k !== 'max' && k !== 'confidence');
  if (extra.length) return `'trials' takes 'max' and 'confidence', not '${extra[0]}'.`;
  if (!whole(m.max)) return `'trials.max' must be a whole number from 1 to ${MAX_TRIALS}.`;
  const c = m.confidence ?? DEFAULT_CONFIDENCE;
  if (typeof c !== 'number' || !(c >= 0.5 && c <= 0.999)) return `'trials.confidence' must be a number from 0.5 to 0.999.`;
  return { max: m.max, adaptive: true, confidence: c };
}

/** `trial_threshold:` as written, or an error message. */
export function trialThresholdOf(v: unknown): number | string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'number' && v >= 0 && v <= 1 ? v : `'trial_threshold' must be a number from 0 to 1 (the share of a case's trials that must pass; 1: all of them).`;
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

