// Trials: a case (of one variant) run N times and judged on its trials' pass rate. `trials: N`
// (the eval's, or a case's own), `trial_threshold` (the share of trials that must pass; default 1,
// pass^k), and adaptive trials `trials: {max: N, confidence: 0.95}`, which stop a case once its
// verdict cannot change or the Wilson interval of its rate lies wholly on one side of the
// threshold. A case whose trials disagree is `flaky`. This module applies the rules (trialRules.ts) to a
// case; the runner (evalRunner.ts) runs the trials.
import type { EvalCase, EvalSpec } from './evalFile';
import type { CaseResult } from './evalRecord';
import type { TrialsReport } from './caseReport';
import { round4 } from './stats';
import { DEFAULT_CONFIDENCE, intervalAt, trialsOf, trialThresholdOf, type TrialsSpec } from './trialRules';

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
