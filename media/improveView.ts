// The Improve Prompts panel (Orchestrator: Improve Prompts…, client/improvePrompts.ts): while the
// search runs and after, a scatter of the candidates evaluated on train (pass rate up, cost across;
// each point labelled with its id and pass rate, its 95 % interval as a bar, the front as a line, the
// pipeline's own pass rate as a dashed line, the chosen point ringed). A click on a point (or Enter
// on it, or its row's Diff button) opens that candidate's prompts as a diff against the pipeline.
// Below: train and validation before → after with their intervals, evals, calls, cost, why it
// stopped, the candidates as a table (what a screen reader reads), and Apply. Drawn anew from each
// message; the scatter's geometry is the optimize section's (media/optimizeScatter.ts).
import type { OptimizePointView } from './protocol';
import { type FromImproveView, type ImprovePointView, type ImproveSplitView, type ImproveViewMessage, STOPPED_WORDS, type ToImproveView } from './improveProtocol';
import { money, scatterGeometry, SCATTER_BOX } from './optimizeScatter';
import './improveView.css';

interface VsCodeApi {
  postMessage(m: FromImproveView): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const SVG = 'http://www.w3.org/2000/svg';
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
const svg = (tag: string, attrs: Record<string, string | number> = {}, text?: string): SVGElement => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};
// half up on the decimal shown (toFixed rounds the binary value: 0.2065 would read 20.6 %)
const pct = (x: number) => `${(Math.round(x * 1000 + 1e-9) / 10).toFixed(x === 1 || x === 0 ? 0 : 1)} %`;
const usd = (x: number) => `$${x.toFixed(x !== 0 && Math.abs(x) < 0.01 ? 6 : 4)}`;

const STATUS: Record<ImproveViewMessage['status'], string> = { starting: 'Starting', running: 'Searching', done: 'Done', cancelled: 'Cancelled', failed: 'Failed' };

const open = (id: string) => vscode.postMessage({ type: 'open-candidate', id });

function pointTitle(p: ImprovePointView, chosen: boolean): string {
  return `${p.id}${p.parent ? ` (from ${p.parent})` : ' (the pipeline’s prompts)'}\n${p.complete ? 'train' : 'minibatch only'} ${pct(p.train_pass_rate)} (${p.train_passed}/${p.train_cases}), 95 % interval ${pct(p.low)} – ${pct(p.high)}, ${money(p.cost_usd)}\n${p.changed.length ? `changes ${p.changed.join(', ')}` : 'no prompt changed'}${chosen ? '\nchosen' : ''}\nClick to open its diff`;
}

function scatter(m: ImproveViewMessage): SVGElement {
  const views: OptimizePointView[] = m.points.map((p) => ({ label: p.id, assignment: {}, runs: p.train_cases, passed: p.train_passed, pass_rate: p.train_pass_rate, low: p.low, high: p.high, cost_usd: p.cost_usd, complete: true, eliminated: false, meets: p.front }));
  const front = m.points.filter((p) => p.front).sort((a, b) => a.cost_usd - b.cost_usd).map((p) => p.id);
  const baseline = m.train?.before ?? m.points.find((p) => p.parent === null)?.train_pass_rate ?? null;
  const g = scatterGeometry(views, front, m.chosen, baseline ?? 0);
  const root = svg('svg', { class: 'improve-scatter', 'data-testid': 'improve-scatter', viewBox: `0 0 ${SCATTER_BOX.width} ${SCATTER_BOX.height}`, width: SCATTER_BOX.width, height: SCATTER_BOX.height, role: 'group', 'aria-label': `Train pass rate against cost of ${m.points.length} candidate${m.points.length === 1 ? '' : 's'}: the table below lists them` });
  root.append(svg('line', { class: 'axis', x1: g.x0, y1: g.y0, x2: g.x1, y2: g.y0 }), svg('line', { class: 'axis', x1: g.x0, y1: g.y0, x2: g.x0, y2: g.y1 }));
  for (const t of g.xTicks) root.append(svg('text', { class: 'tick', x: t.x, y: g.y0 + 14, 'text-anchor': 'middle' }, t.text));
  for (const t of g.yTicks) root.append(svg('text', { class: 'tick', x: g.x0 - 6, y: t.y + 4, 'text-anchor': 'end' }, t.text));
  root.append(svg('text', { class: 'axis-title', x: (g.x0 + g.x1) / 2, y: SCATTER_BOX.height - 4, 'text-anchor': 'middle' }, 'cost of its train run'));
  root.append(svg('text', { class: 'axis-title', x: 12, y: (g.y0 + g.y1) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${(g.y0 + g.y1) / 2})` }, 'train pass rate'));
  if (baseline !== null) {
    const line = svg('line', { class: 'baseline', 'data-testid': 'improve-baseline', x1: g.x0, y1: g.minY, x2: g.x1, y2: g.minY });
    line.append(svg('title', {}, `the pipeline’s prompts: train ${pct(baseline)}`));
    // at the left end: the points' labels are beside the points, which sit right of it as often as not
    root.append(line, svg('text', { class: 'baseline-label', x: g.x0 + 4, y: g.minY - 4, 'text-anchor': 'start' }, `before ${pct(baseline)}`));
  }
  if (g.frontier) root.append(svg('polyline', { class: 'front', 'data-testid': 'improve-front-line', points: g.frontier }));
  const byId = new Map(m.points.map((p) => [p.id, p]));
  for (const p of g.points) {
    const v = byId.get(p.label)!;
    const group = svg('g', { class: `point${v.complete ? '' : ' minibatch'}${v.front ? ' on-front' : ''}${p.chosen ? ' chosen' : ''}`, 'data-testid': 'improve-point', 'data-id': v.id, tabindex: 0, role: 'button', 'aria-label': `${v.id}: train ${pct(v.train_pass_rate)}, ${money(v.cost_usd)}${p.chosen ? ', chosen' : ''}. Open its diff` });
    group.append(svg('title', {}, pointTitle(v, p.chosen)));
    group.append(svg('line', { class: 'interval', x1: p.x, y1: p.barTop, x2: p.x, y2: p.barBottom }));
    if (p.chosen) group.append(svg('circle', { class: 'chosen-ring', cx: p.x, cy: p.y, r: 8 }));
    group.append(svg('circle', { class: 'dot', cx: p.x, cy: p.y, r: 5 }));
    // the label beside the point: its id and pass rate (left of it near the right edge)
    const right = p.x > g.x1 - 70;
    group.append(svg('text', { class: 'point-label', x: right ? p.x - 10 : p.x + 10, y: p.y - 6, 'text-anchor': right ? 'end' : 'start' }, `${v.id} · ${pct(v.train_pass_rate)}`));
    group.addEventListener('click', () => open(v.id));
    group.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter' || (e as KeyboardEvent).key === ' ') open(v.id);
    });
    root.append(group);
  }
  return root;
}

const interval = (i: [number, number] | null) => (i ? ` (${pct(i[0])} – ${pct(i[1])})` : '');

function splitLine(name: string, s: ImproveSplitView | null): string {
  if (!s) return `${name}: —`;
  if (s.before === null || s.after === null) return `${name}: ${s.cases} case${s.cases === 1 ? '' : 's'}, not measured`;
  return `${name}: ${pct(s.before)}${interval(s.before_interval)} → ${pct(s.after)}${interval(s.after_interval)}, ${s.cases} case${s.cases === 1 ? '' : 's'}`;
}

function summary(m: ImproveViewMessage): string[] {
  const lines = [splitLine('train', m.train), splitLine('validation', m.validation)];
  lines.push(`evals ${m.evals}${m.maxEvals !== null ? ` of ${m.maxEvals}` : ''} · calls ${m.calls} · cost ${usd(m.cost_usd)}${m.refused ? ` · ${m.refused} refused` : ''}`);
  if (m.stopped && m.status !== 'failed') lines.push(`stopped: ${STOPPED_WORDS[m.stopped] ? `${STOPPED_WORDS[m.stopped]} (${m.stopped})` : m.stopped}`);
  return lines;
}

function table(m: ImproveViewMessage): HTMLTableElement {
  const t = el('table', { class: 'improve-table', 'data-testid': 'improve-table' });
  t.append(el('caption', {}, 'Candidates evaluated on train'));
  const head = el('tr');
  for (const h of ['candidate', 'train pass rate', '95 % interval', 'cost', 'changes']) head.append(el('th', { scope: 'col' }, h));
  t.append(head);
  for (const p of m.points) {
    const chosen = p.id === m.chosen;
    const tr = el('tr', { 'data-id': p.id, ...(chosen ? { class: 'chosen' } : {}) });
    // the candidate's id is the button that opens its diff (the first column: never scrolled out of view)
    const name = el('th', { scope: 'row' });
    const diff = el('button', { class: 'diff', 'data-testid': 'improve-diff', title: `Open ${p.id}'s prompts as a diff against the pipeline` }, p.id);
    diff.addEventListener('click', () => open(p.id));
    name.append(diff, `${chosen ? ' chosen' : ''}${p.front ? ' · front' : ''}${p.complete ? '' : ' · minibatch only'}`);
    tr.append(name);
    for (const x of [`${pct(p.train_pass_rate)} (${p.train_passed}/${p.train_cases})`, `${pct(p.low)} – ${pct(p.high)}`, money(p.cost_usd), p.changed.join(', ') || '—']) tr.append(el('td', {}, x));
    t.append(tr);
  }
  return t;
}

const page = document.getElementById('root')!;
page.classList.add('improve-view');

function render(m: ImproveViewMessage): void {
  page.replaceChildren();
  page.append(el('h2', {}, `Improve prompts: ${m.evalFile}`));
  const status = el('p', { class: `improve-status ${m.status}`, 'data-testid': 'improve-status', role: 'status' });
  status.textContent = `${STATUS[m.status]}${m.status === 'failed' && m.stopped ? `: ${m.stopped}` : ''}${m.replay ? ' (replayed from the cassette)' : ''}`;
  page.append(status);
  if (m.steps.length) page.append(el('p', { class: 'improve-plan' }, `${m.pipelineFile}: step${m.steps.length === 1 ? '' : 's'} ${m.steps.join(', ')} · ${m.trainCases} train case${m.trainCases === 1 ? '' : 's'}, ${m.validationCases} validation`));
  const lines = summary(m);
  const list = el('ul', { class: 'improve-summary', 'data-testid': 'improve-summary' });
  for (const l of lines) list.append(el('li', {}, l));
  const wide = el('div', { class: 'improve-table-scroll' });
  wide.append(table(m));
  page.append(list, scatter(m), wide);
  const done = m.status === 'done' || m.status === 'cancelled';
  const foot = el('p', { class: 'improve-chosen', 'data-testid': 'improve-chosen' }, m.chosen ? `Chosen: ${m.chosen}` : 'No candidate yet');
  const apply = el('button', { class: 'apply', 'data-testid': 'improve-apply', title: 'Write the chosen prompts into the pipeline (one edit: Undo takes it back)' }, 'Apply');
  apply.disabled = !m.chosen || !done || m.applied !== null;
  apply.addEventListener('click', () => vscode.postMessage({ type: 'apply' }));
  foot.append(' ', apply);
  page.append(foot);
  if (m.applied) page.append(el('p', { class: 'improve-applied', 'data-testid': 'improve-applied' }, m.applied.length ? `Applied: the prompt${m.applied.length === 1 ? '' : 's'} of ${m.applied.join(', ')} (unsaved; one Undo takes it back)` : 'Applied: nothing to change.'));
  if (m.applyProblem) page.append(el('p', { class: 'improve-problem', 'data-testid': 'improve-problem', role: 'alert' }, m.applyProblem));
  vscode.postMessage({ type: 'rendered', points: m.points.map((p) => p.id), chosen: m.chosen, status: status.textContent, summary: lines, applyEnabled: !apply.disabled });
}

page.append(el('p', { class: 'waiting' }, 'Waiting for the search…'));
window.addEventListener('message', (e: MessageEvent<ToImproveView>) => {
  if (e.data?.type === 'improve') render(e.data);
});
vscode.postMessage({ type: 'ready' });
