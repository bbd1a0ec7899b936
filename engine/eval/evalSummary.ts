// Totals of an eval, per variant, added to one result at a time (an eval of 100,000 cases keeps
// counters, not results).
import type { CaseResult, EvalSummary, VariantSummary } from './evalRecord';
import { round4, wilson } from './stats';

interface Counts {
  total: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  score: number;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  judgeCost: number;
  latency: number;
  /** Cases run in trials, how many of them passed at least once, every time; flaky ones; quarantined ones. */
  trialCases: number;
  passAtK: number;
  passHatK: number;
  flaky: number;
  quarantined: number;
}

const zero = (): Counts => ({ total: 0, passed: 0, failed: 0, errors: 0, skipped: 0, score: 0, tokensIn: 0, tokensOut: 0, cost: 0, judgeCost: 0, latency: 0, trialCases: 0, passAtK: 0, passHatK: 0, flaky: 0, quarantined: 0 });
const money = (x: number) => Math.round(x * 1e6) / 1e6;

export class SummaryBuilder {
  private readonly byVariant = new Map<string, Counts>();
  constructor(variants: string[]) {
    for (const v of variants) this.byVariant.set(v, zero());
  }

  add(r: CaseResult): void {
    let c = this.byVariant.get(r.variant);
    if (!c) this.byVariant.set(r.variant, (c = zero()));
    if (r.status === 'skipped') {
      c.skipped++;
      return;
    }
    if (r.trials) {
      c.trialCases++;
      if (r.trials.pass_at_k) c.passAtK++;
      if (r.trials.pass_hat_k) c.passHatK++;
      if (r.flaky) c.flaky++;
    }
    c.tokensIn += r.tokens_in;
    c.tokensOut += r.tokens_out;
    c.cost += r.cost_usd;
    c.judgeCost += r.judge_cost_usd;
    // a quarantined (flaky) case is reported and paid for, not counted in the pass rate
    if (r.quarantined) {
      c.quarantined++;
      return;
    }
    c.total++;
    if (r.status === 'pass') c.passed++;
    else if (r.status === 'fail') c.failed++;
    else c.errors++;
    c.score += r.score;
    c.latency += r.latency_ms;
  }

  summary(threshold: number): EvalSummary {
    const variants: VariantSummary[] = [...this.byVariant].map(([variant, c]) => ({
      variant,
      total: c.total,
      passed: c.passed,
      failed: c.failed,
      errors: c.errors,
      skipped: c.skipped,
      pass_rate: c.total ? round4(c.passed / c.total) : 0,
      interval: wilson(c.passed, c.total),
      mean_score: c.total ? round4(c.score / c.total) : 0,
      tokens_in: c.tokensIn,
      tokens_out: c.tokensOut,
      cost_usd: money(c.cost),
      judge_cost_usd: money(c.judgeCost),
      mean_latency_ms: c.total ? Math.round(c.latency / c.total) : 0,
      ...(c.trialCases ? { trials: { cases: c.trialCases, pass_at_k: round4(c.passAtK / c.trialCases), pass_hat_k: round4(c.passHatK / c.trialCases), flaky: c.flaky, quarantined: c.quarantined } } : {}),
    }));
    const total = variants.reduce((a, v) => a + v.total, 0);
    const passed = variants.reduce((a, v) => a + v.passed, 0);
    // an eval where nothing was judged (every case skipped) has nothing under its threshold
    const rate = total ? round4(passed / total) : 1;
    return {
      total,
      passed,
      pass_rate: rate,
      threshold,
      verdict: total === 0 || passed / total >= threshold ? 'passed' : 'failed',
      variants,
      cost_usd: money(variants.reduce((a, v) => a + v.cost_usd, 0)),
      judge_cost_usd: money(variants.reduce((a, v) => a + v.judge_cost_usd, 0)),
    };
  }
}
