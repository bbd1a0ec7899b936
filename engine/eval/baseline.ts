// An eval against a baseline (an earlier eval of the same file): which cases flipped pass→fail
// (regressions) and fail→pass (fixed), score and cost deltas per case and variant, the pass rate
// and cost before and after, and a verdict line.
import { listEvals, EvalRecord, resultKey, type CaseResult, type EvalMeta } from './evalRecord';
import { percent, round4 } from './stats';

export interface CaseDelta {
  case: string;
  variant: string;
  repeat: number;
  before: { status: CaseResult['status']; score: number; cost_usd: number };
  after: { status: CaseResult['status']; score: number; cost_usd: number };
  flip: 'pass→fail' | 'fail→pass' | null;
  score_delta: number;
  cost_delta_usd: number;
}

export interface VariantDelta {
  variant: string;
  pass_rate: { before: number; after: number };
  cost_usd: { before: number; after: number };
}

export interface BaselineComparison {
  baseline_id: string;
  regressions: number;
  fixed: number;
  /** Cases in both evals (skipped ones left out). */
  compared: number;
  /** Cases only this eval ran, and only the baseline ran. */
  new_cases: number;
  missing_cases: number;
  deltas: CaseDelta[];
  variants: VariantDelta[];
  verdict: 'better' | 'worse' | 'mixed' | 'same';
  verdict_line: string;
}

export class BaselineError extends Error {}

/** The record `--baseline` names: an eval id, or `latest` (the newest finished eval of the same file before this one). */
export function findBaseline(root: string, which: string, current: EvalMeta): EvalRecord {
  if (which !== 'latest') {
    try {
      return EvalRecord.open(root, which);
    } catch (e) {
      throw new BaselineError((e as Error).message);
    }
  }
  const found = listEvals(root).find((m) => m.eval_id !== current.eval_id && m.eval_file === current.eval_file && m.status === 'completed' && m.started_at <= current.started_at);
  if (!found) throw new BaselineError(`no earlier finished eval of ${current.eval_file} to compare with (see 'orc evals')`);
  return new EvalRecord(root, found);
}

/** Refuses a `--baseline` that cannot be found before the eval runs (the same search as findBaseline). */
export function checkBaseline(root: string, which: string, evalFile: string): void {
  if (which !== 'latest') {
    try {
      EvalRecord.open(root, which);
    } catch (e) {
      throw new BaselineError((e as Error).message);
    }
  } else if (!listEvals(root).some((m) => m.eval_file === evalFile && m.status === 'completed')) throw new BaselineError(`no earlier finished eval of ${evalFile} to compare with (see 'orc evals')`);
}

const money = (x: number) => Math.round(x * 1e6) / 1e6;
const signed = (x: number, f: (n: number) => string) => `${x >= 0 ? '+' : '-'}${f(Math.abs(x))}`;

export async function compareWithBaseline(current: EvalRecord, baseline: EvalRecord): Promise<BaselineComparison> {
  const before = new Map<string, CaseDelta['before']>();
  for await (const r of baseline.results()) if (r.status !== 'skipped') before.set(resultKey(r.case, r.variant, r.repeat), { status: r.status, score: r.score, cost_usd: r.cost_usd });
  const deltas: CaseDelta[] = [];
  const perVariant = new Map<string, { nb: number; pb: number; na: number; pa: number; cb: number; ca: number }>();
  let newCases = 0;
  const seen = new Set<string>();
  for await (const r of current.results()) {
    if (r.status === 'skipped') continue;
    const key = resultKey(r.case, r.variant, r.repeat);
    const b = before.get(key);
    if (!b) {
      newCases++;
      continue;
    }
    seen.add(key);
    const after = { status: r.status, score: r.score, cost_usd: r.cost_usd };
    const wasPass = b.status === 'pass';
    const isPass = r.status === 'pass';
    deltas.push({ case: r.case, variant: r.variant, repeat: r.repeat, before: b, after, flip: wasPass && !isPass ? 'pass→fail' : !wasPass && isPass ? 'fail→pass' : null, score_delta: round4(r.score - b.score), cost_delta_usd: money(r.cost_usd - b.cost_usd) });
    let v = perVariant.get(r.variant);
    if (!v) perVariant.set(r.variant, (v = { nb: 0, pb: 0, na: 0, pa: 0, cb: 0, ca: 0 }));
    v.nb++;
    v.na++;
    if (wasPass) v.pb++;
    if (isPass) v.pa++;
    v.cb += b.cost_usd;
    v.ca += r.cost_usd;
  }
  const regressions = deltas.filter((d) => d.flip === 'pass→fail').length;
  const fixed = deltas.filter((d) => d.flip === 'fail→pass').length;
  const variants = [...perVariant].map(([variant, v]) => ({ variant, pass_rate: { before: round4(v.pb / v.nb), after: round4(v.pa / v.na) }, cost_usd: { before: money(v.cb), after: money(v.ca) } }));
  const verdict = regressions && fixed ? 'mixed' : regressions ? 'worse' : fixed ? 'better' : 'same';
  const n = deltas.length;
  const pb = n ? deltas.filter((d) => d.before.status === 'pass').length / n : 0;
  const pa = n ? deltas.filter((d) => d.after.status === 'pass').length / n : 0;
  const cb = money(deltas.reduce((s, d) => s + d.before.cost_usd, 0));
  const ca = money(deltas.reduce((s, d) => s + d.after.cost_usd, 0));
  const word = { better: 'better', worse: 'worse', mixed: 'mixed (some better, some worse)', same: 'no case changed' }[verdict];
  const verdictLine =
    `against ${baseline.meta.eval_id}: ${regressions} pass→fail, ${fixed} fail→pass over ${n} case${n === 1 ? '' : 's'}; ` +
    `pass rate ${percent(pb)} → ${percent(pa)} (${signed(round4((pa - pb) * 100), (x) => x.toFixed(1))} points); cost $${cb.toFixed(6)} → $${ca.toFixed(6)}: ${word}`;
  return { baseline_id: baseline.meta.eval_id, regressions, fixed, compared: n, new_cases: newCases, missing_cases: [...before.keys()].filter((k) => !seen.has(k)).length, deltas, variants, verdict, verdict_line: verdictLine };
}
