// What `orc eval` prints: a row per case × variant as it finishes (with each failed assertion and
// where it is written), a table per variant (pass rate with its 95 % interval, tokens, cost), the
// verdict, the baseline's flips, and `--estimate`'s prediction.
import * as path from 'node:path';
import { type BaselineComparison, type CaseResult, type EvalSummary, percent } from '../api/index';
import { paint, type Style } from './findingFormat';
import { terminalLine } from './terminalText';

const money = (x: number) => `$${x.toFixed(6)}`;
const MAX_SHOWN = 120;
/** Text from a model or a dataset on one line of the table: no controls, at most MAX_SHOWN characters. */
const short = (s: string) => {
  const one = terminalLine(s);
  return one.length > MAX_SHOWN ? `${one.slice(0, MAX_SHOWN)}…` : one;
};

export class CaseTable {
  private headed = false;
  constructor(
    private readonly out: (s: string) => void,
    private readonly style: Style,
    private readonly idWidth: number,
    private readonly variantWidth: number,
    /** The eval file as the user wrote it, for `file:line` of a failed assertion. */
    private readonly evalFile: string,
  ) {}

  private cols(c: string[]): string {
    return [c[0].padEnd(this.idWidth), c[1].padEnd(this.variantWidth), c[2].padEnd(7), c[3].padStart(5), c[4].padStart(11), c[5].padStart(9)].join('  ').trimEnd();
  }

  row(r: CaseResult): void {
    if (!this.headed) {
      this.out(paint(this.style, 'bold', this.cols(['CASE', 'VARIANT', 'RESULT', 'SCORE', 'COST', 'LATENCY'])));
      this.headed = true;
    }
    const id = terminalLine(r.repeat ? `${r.case} #${r.repeat + 1}` : r.case);
    const word = r.quarantined ? 'flaky' : { pass: 'pass', fail: 'FAIL', error: 'ERROR', skipped: 'skipped' }[r.status];
    const colour = r.status === 'pass' ? 'info' : r.status === 'skipped' || r.quarantined ? 'dim' : 'error';
    const line = this.cols([id, terminalLine(r.variant), word, r.status === 'skipped' ? '' : r.score.toFixed(2), r.status === 'skipped' ? '' : money(r.cost_usd), r.status === 'skipped' ? '' : `${r.latency_ms} ms`]);
    this.out(line.replace(word, paint(this.style, colour, word)));
    if (r.trials) this.out(`    ${trialsLine(r)}`);
    if (r.mocked?.length) this.out(`    mocked: ${r.mocked.map((m) => `${m.tool} (${m.answered}) ×${m.calls}`).join(', ')}`);
    if (r.error && r.status !== 'skipped') this.out(`    ${paint(this.style, 'error', '✗')} ${short(r.error)}`);
    for (const a of r.assertions) {
      if (a.pass) continue;
      const where = a.line >= 0 ? `  (${this.evalFile}:${a.line + 1})` : '';
      this.out(`    ${paint(this.style, 'error', '✗')} ${a.target} ${a.kind}${a.status === 'error' ? ' (error)' : ''}: ${short(a.reason)}${where}`);
    }
  }
}

/** `trials 2/4 passed (50.0%, 95% CI [15.0%, 85.0%]), threshold 100.0%, pass@4 yes, pass^4 no: flaky` */
export function trialsLine(r: CaseResult): string {
  const t = r.trials!;
  const k = t.run;
  const ci = `${Math.round(t.confidence * 1000) / 10}% CI [${percent(t.interval.low)}, ${percent(t.interval.high)}]`;
  const flaky = r.quarantined ? ': flaky, quarantined (not in the pass rate)' : t.flaky ? ': flaky' : '';
  const stopped = t.stopped ? `; stopped after ${t.run} of ${t.max}: ${t.stopped}` : '';
  return `trials ${t.passed}/${t.run} passed (${percent(t.rate)}, ${ci}), threshold ${percent(t.threshold)}, pass@${k} ${t.pass_at_k ? 'yes' : 'no'}, pass^${k} ${t.pass_hat_k ? 'yes' : 'no'}${flaky}${stopped}`;
}

export function summaryLines(s: EvalSummary, evalId: string, recordDir: string, style: Style): string[] {
  const head = ['VARIANT', 'PASSED', 'RATE', '95% CI', 'SCORE', 'TOKENS IN/OUT', 'COST', 'JUDGE COST'];
  const rows = s.variants.map((v) => [
    v.variant,
    `${v.passed}/${v.total}${v.errors ? ` (${v.errors} error${v.errors === 1 ? '' : 's'})` : ''}${v.skipped ? ` +${v.skipped} skipped` : ''}`,
    percent(v.pass_rate),
    `[${percent(v.interval.low)}, ${percent(v.interval.high)}]`,
    v.mean_score.toFixed(2),
    `${v.tokens_in}/${v.tokens_out}`,
    money(v.cost_usd),
    money(v.judge_cost_usd),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i >= 2 && i !== 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const verdict = s.verdict === 'passed' ? paint(style, 'info', 'PASSED') : paint(style, 'error', 'FAILED');
  return [
    '',
    paint(style, 'bold', fmt(head)),
    ...rows.map(fmt),
    ...s.variants.filter((v) => v.trials).map((v) => {
      const t = v.trials!;
      return `trials ${v.variant}: ${t.cases} case${t.cases === 1 ? '' : 's'}, pass@k ${percent(t.pass_at_k)}, pass^k ${percent(t.pass_hat_k)}, ${t.flaky} flaky${t.quarantined ? ` (${t.quarantined} quarantined)` : ''}`;
    }),
    '',
    `eval ${evalId}: ${s.passed}/${s.total} passed (${percent(s.pass_rate)}), threshold ${percent(s.threshold)}: ${verdict}; cost ${money(s.cost_usd)} + judge ${money(s.judge_cost_usd)}`,
    `record: ${recordDir}${path.sep}`,
  ];
}

export function baselineLines(c: BaselineComparison, style: Style): string[] {
  const out: string[] = ['', paint(style, 'bold', `baseline ${c.baseline_id}`)];
  for (const d of c.deltas) {
    if (!d.flip && !d.score_delta && !d.cost_delta_usd) continue;
    const id = terminalLine(d.repeat ? `${d.case} #${d.repeat + 1}` : d.case);
    const flip = d.flip ? paint(style, d.flip === 'pass→fail' ? 'error' : 'info', d.flip) : 'unchanged';
    out.push(`  ${id} [${d.variant}]: ${flip}, score ${d.before.score.toFixed(2)} → ${d.after.score.toFixed(2)}, cost ${d.cost_delta_usd >= 0 ? '+' : '-'}${money(Math.abs(d.cost_delta_usd))}`);
  }
  for (const v of c.variants) out.push(`  variant ${v.variant}: pass rate ${percent(v.pass_rate.before)} → ${percent(v.pass_rate.after)}, cost ${money(v.cost_usd.before)} → ${money(v.cost_usd.after)}`);
  if (c.new_cases || c.missing_cases) out.push(`  ${c.new_cases} case run${c.new_cases === 1 ? '' : 's'} not in the baseline, ${c.missing_cases} of the baseline not run now`);
  out.push(c.verdict_line);
  return out;
}

export interface EstimateRow {
  variant: string;
  runs: number;
  cost: { expected: number; low: number; high: number };
  makespanMs: number;
  unknown: string[];
}

export function estimateLines(rows: EstimateRow[], cases: number, repeat: number, parallel: number): string[] {
  const runs = rows.reduce((a, r) => a + r.runs, 0);
  const out = [`estimate: ${runs} run${runs === 1 ? '' : 's'} (${cases} case${cases === 1 ? '' : 's'} × ${rows.length} variant${rows.length === 1 ? '' : 's'} × ${repeat} repeat${repeat === 1 ? '' : 's'}), at most ${parallel} at once`];
  let cost = 0;
  let low = 0;
  let high = 0;
  let ms = 0;
  for (const r of rows) {
    cost += r.cost.expected * r.runs;
    low += r.cost.low * r.runs;
    high += r.cost.high * r.runs;
    ms += r.makespanMs * r.runs;
    const duration = r.unknown.length ? `no duration known for ${r.unknown.join(', ')} (no earlier run), ${(r.makespanMs / 1000).toFixed(1)} s a run for the rest` : `${(r.makespanMs / 1000).toFixed(1)} s a run`;
    out.push(`  ${r.variant}: ${r.runs} runs, ${money(r.cost.expected * r.runs)} (${money(r.cost.low * r.runs)}–${money(r.cost.high * r.runs)}), ${duration}`);
  }
  out.push(`total: ${money(cost)} (${money(low)}–${money(high)}), about ${(ms / parallel / 1000).toFixed(1)} s with ${parallel} at once (before judges and rate limits); no call was made`);
  return out;
}
