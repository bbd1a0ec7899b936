// The eval panel's view: the case × variant matrix of an eval's latest results, each cell coloured
// by pass and shaded by score; the per-variant summary (pass rate with its 95 % interval, tokens,
// cost) with the baseline's figures beside them; a click on a cell opens its case's run in the
// graph panel (with its agent step selected, when the pipeline has one: the step panel shows its
// transcript; the cell's Transcript button does the same from the keyboard); ↻ on a cell or a row
// runs it again. A case run in trials shows its pass rate k/N (the interval, the threshold and why
// adaptive trials stopped in its tooltip), and a flaky one (its trials disagreed) is marked.
// Messages are typed in protocol.ts.
import type { EvalCellTrials, EvalCellView, EvalResultsMessage, FromEvalView, ToEvalView } from './protocol';
import { renderOptimize } from './optimizeView';
import './evalView.css';

interface VsCodeApi {
  postMessage(m: FromEvalView): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
const pct = (x: number) => `${(x * 100).toFixed(x === 1 || x === 0 ? 0 : 1)} %`;
// a cost under a cent keeps six decimals, so a case on a cheap model ($0.00001) and a change in it
// read as figures, not "$0.0000 (−$0.0000)"; nothing spent stays "$0.0000" as in the rest of the panel
const money = (x: number) => `$${x.toFixed(x !== 0 && Math.abs(x) < 0.01 ? 6 : 4)}`;
const signed = (x: number, f: (v: number) => string) => `${x >= 0 ? '+' : '−'}${f(Math.abs(x))}`;

const page = document.getElementById('root')!;
page.classList.add('eval-view');
// the results (matrix, summary) and, below them, the optimize section (media/optimizeView.ts)
const root = el('div', { class: 'eval-results' });
const optimizeSection = el('section', { class: 'optimize', 'data-testid': 'optimize-section', hidden: '' });
page.append(root, optimizeSection);

function rerunButton(title: string, m: FromEvalView, disabled: boolean): HTMLButtonElement {
  const b = el('button', { class: 'rerun', title, 'data-testid': 'rerun' }, '↻');
  if (disabled) b.disabled = true;
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    vscode.postMessage(m);
  });
  return b;
}

/** Opens the case's run with its agent step selected: the transcript, reached from the keyboard too. */
function transcriptButton(c: EvalCellView, open: FromEvalView): HTMLButtonElement {
  const label = `Open the transcript of agent step ${c.agent_step} in the run of ${c.case} [${c.variant}]`;
  const b = el('button', { class: 'transcript', title: label, 'aria-label': label, 'data-testid': 'open-transcript' }, 'Transcript');
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    vscode.postMessage(open);
  });
  return b;
}

/** A trials cell's tooltip line: `trials 2 of 4 passed (50.0 %), 95 % interval 15.0 % – 85.0 %, threshold 100 %: flaky`. */
function trialsTitle(t: EvalCellTrials): string {
  const conf = `${Math.round(t.confidence * 1000) / 10} %`;
  const flaky = t.flaky ? (t.quarantined ? ': flaky, quarantined (out of the pass rate)' : ': flaky (its trials disagree)') : '';
  const stopped = t.stopped ? `; stopped after ${t.run} of ${t.max}: ${t.stopped}` : '';
  return `trials ${t.passed} of ${t.run} passed (${pct(t.passed / t.run)}), ${conf} interval ${pct(t.low)} – ${pct(t.high)}, threshold ${pct(t.threshold)}${flaky}${stopped}`;
}

function cell(c: EvalCellView | undefined, running: boolean): HTMLTableCellElement {
  const td = el('td', { class: 'cell' });
  if (!c) {
    td.classList.add('empty');
    td.textContent = '—';
    return td;
  }
  td.dataset.case = c.case;
  td.dataset.variant = c.variant;
  td.dataset.status = c.status;
  td.dataset.testid = 'eval-cell';
  // pass: green, fail: red; the lower the score, the stronger a failure's colour
  td.style.setProperty('--score', String(c.score));
  const label = el('span', { class: 'status' }, c.status === 'pass' ? '✓ pass' : c.status === 'fail' ? '✗ fail' : c.status);
  const t = c.trials;
  // a case run in trials: its pass rate k/N where a single run's score is; a flaky one marked
  const score = t ? el('span', { class: 'trials', 'data-testid': 'trial-rate' }, `${t.passed}/${t.run}`) : el('span', { class: 'score' }, c.score.toFixed(2));
  td.append(label, score);
  if (t?.flaky) {
    td.classList.add('flaky');
    td.dataset.flaky = t.quarantined ? 'quarantined' : 'true';
    td.append(el('span', { class: 'flaky-mark', 'data-testid': 'flaky' }, t.quarantined ? 'flaky · quarantined' : 'flaky'));
  }
  if (c.flip) td.append(el('span', { class: `flip ${c.flip === 'pass→fail' ? 'worse' : 'better'}`, 'data-testid': 'flip' }, c.flip));
  const opens = c.run_id ? `\nClick to open run ${c.run_id} in the graph panel${c.agent_step ? ` with the transcript of agent step ${c.agent_step}` : ''}` : '';
  td.title = `${c.case} [${c.variant}]: ${c.status}, score ${c.score.toFixed(2)}, ${c.latency_ms} ms, ${money(c.cost_usd)}${c.score_delta !== null ? `, score ${signed(c.score_delta, (v) => v.toFixed(2))} against the baseline` : ''}${t ? `\n${trialsTitle(t)}` : ''}${opens}`;
  if (c.run_id) {
    td.classList.add('link');
    const open: FromEvalView = { type: 'open-run', runId: c.run_id, ...(c.agent_step ? { step: c.agent_step } : {}) };
    td.addEventListener('click', () => vscode.postMessage(open));
  }
  td.append(rerunButton(`Run ${c.case} in ${c.variant} again`, { type: 'rerun', case: c.case, variant: c.variant }, running));
  if (c.run_id && c.agent_step) td.append(transcriptButton(c, { type: 'open-run', runId: c.run_id, step: c.agent_step }));
  return td;
}

/** The baseline's verdict as a sentence: the engine's line names the baseline already (`against ID: ...`). */
function baselineLine(evalId: string, verdict: string): string {
  return verdict.startsWith(`against ${evalId}`) ? `A${verdict.slice(1)}` : `Against ${evalId}: ${verdict}`;
}

function render(m: EvalResultsMessage): void {
  root.replaceChildren();
  const header = el('header', { class: 'run-header' });
  header.append(el('span', { class: 'title' }, `Eval ${m.file}`), el('span', { class: 'eval-id', 'data-testid': 'eval-id' }, m.evalId));
  header.append(rerunButton('Run the whole eval again', { type: 'rerun' }, m.running));
  root.append(header);
  if (m.baseline) root.append(el('p', { class: 'verdict', 'data-testid': 'baseline-verdict' }, baselineLine(m.baseline.evalId, m.baseline.verdict)));

  const byKey = new Map(m.cells.map((c) => [`${c.case}\u0000${c.variant}`, c]));
  const table = el('table', { class: 'matrix', 'data-testid': 'eval-matrix' });
  const head = el('tr');
  head.append(el('th', {}, 'case'));
  for (const v of m.variants) head.append(el('th', {}, v));
  table.append(head);
  for (const c of m.cases) {
    const tr = el('tr', { 'data-case': c });
    const th = el('th', { class: 'case' }, c);
    th.append(rerunButton(`Run ${c} in every variant again`, { type: 'rerun', case: c }, m.running));
    tr.append(th);
    for (const v of m.variants) tr.append(cell(byKey.get(`${c}\u0000${v}`), m.running));
    table.append(tr);
  }
  root.append(table);

  const summary = el('table', { class: 'summary', 'data-testid': 'eval-summary' });
  const sh = el('tr');
  for (const h of ['variant', 'pass rate', '95 % interval', 'tokens', 'cost']) sh.append(el('th', {}, h));
  summary.append(sh);
  for (const s of m.summary) {
    const tr = el('tr', { 'data-variant': s.variant });
    const rate = `${s.passed}/${s.total} · ${pct(s.pass_rate)}${s.pass_rate_before !== null ? ` (${signed(s.pass_rate - s.pass_rate_before, pct)})` : ''}`;
    const cost = `${money(s.cost_usd)}${s.cost_before !== null ? ` (${signed(s.cost_usd - s.cost_before, money)})` : ''}`;
    for (const t of [s.variant, rate, `${pct(s.low)} – ${pct(s.high)}`, String(s.tokens), cost]) tr.append(el('td', {}, t));
    summary.append(tr);
  }
  root.append(el('h3', {}, 'Per variant'), summary);
  vscode.postMessage({ type: 'rendered', cells: m.cells.length, failing: m.cells.filter((c) => c.status !== 'pass' && c.status !== 'skipped').map((c) => `${c.case} [${c.variant}]`) });
}

window.addEventListener('message', (e: MessageEvent<ToEvalView>) => {
  if (e.data?.type === 'eval-results') render(e.data);
  else if (e.data?.type === 'optimize') {
    optimizeSection.hidden = false;
    renderOptimize(optimizeSection, e.data, (m) => vscode.postMessage(m));
  }
});
root.append(el('p', { class: 'waiting' }, 'No results yet: run the eval (▶ Run Eval on the file, or the Test Explorer).'));
vscode.postMessage({ type: 'ready' });
