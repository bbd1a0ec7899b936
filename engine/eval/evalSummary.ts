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
}

const zero = (): Counts => ({ total: 0, passed: 0, failed: 0, errors: 0, skipped: 0, score: 0, tokensIn: 0, tokensOut: 0, cost: 0, judgeCost: 0, latency: 0 });
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
    c.total++;
    if (r.status === 'pass') c.passed++;
    else if (r.status === 'fail') c.failed++;
    else c.errors++;
    c.score += r.score;
    c.tokensIn += r.tokens_in;
    c.tokensOut += r.tokens_out;
    c.cost += r.cost_usd;
    c.judgeCost += r.judge_cost_usd;
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
