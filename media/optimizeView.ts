// The eval panel's optimize section (Optimize Models…, client/optimizeModels.ts): while the search
// runs and after, a cost × pass-rate scatter of the assignments tried (each with its 95 % interval
// bar and a tooltip naming it), the frontier line, the minimum pass rate line, the chosen point
// ringed, "runs spent N of brute force M"; below it the same points as a table (what a screen reader
// reads); Apply writes the chosen models into the pipeline. Drawn anew from each message.
import type { FromEvalView, OptimizeViewMessage } from './protocol';
import { money, scatterGeometry, SCATTER_BOX } from './optimizeScatter';
import './optimizeView.css';

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
const pct = (x: number) => `${(x * 100).toFixed(x === 1 || x === 0 ? 0 : 1)} %`;

const STATUS: Record<OptimizeViewMessage['status'], string> = {
  planning: 'Planning',
  running: 'Searching',
  completed: 'Done',
  cancelled: 'Cancelled',
  budget: 'Stopped at the run budget',
  failed: 'Failed',
};

const STATE_TEXT = { meets: 'meets the pass rate', under: 'under the pass rate', running: 'running', eliminated: 'dropped: cannot reach the pass rate' } as const;

function scatter(m: OptimizeViewMessage): SVGElement {
  const g = scatterGeometry(m.points, m.frontier, m.chosen, m.minPassRate);
  const root = svg('svg', { class: 'optimize-scatter', 'data-testid': 'optimize-scatter', viewBox: `0 0 ${SCATTER_BOX.width} ${SCATTER_BOX.height}`, width: SCATTER_BOX.width, height: SCATTER_BOX.height, role: 'img', 'aria-label': `Cost per case against pass rate of ${m.points.length} assignment${m.points.length === 1 ? '' : 's'}: the table below lists them` });
  root.append(svg('line', { class: 'axis', x1: g.x0, y1: g.y0, x2: g.x1, y2: g.y0 }), svg('line', { class: 'axis', x1: g.x0, y1: g.y0, x2: g.x0, y2: g.y1 }));
  for (const t of g.xTicks) root.append(svg('text', { class: 'tick', x: t.x, y: g.y0 + 14, 'text-anchor': 'middle' }, t.text));
  for (const t of g.yTicks) root.append(svg('text', { class: 'tick', x: g.x0 - 6, y: t.y + 4, 'text-anchor': 'end' }, t.text));
  root.append(svg('text', { class: 'axis-title', x: (g.x0 + g.x1) / 2, y: SCATTER_BOX.height - 4, 'text-anchor': 'middle' }, 'cost per case'));
  const min = svg('line', { class: 'min-pass-rate', 'data-testid': 'optimize-min-line', x1: g.x0, y1: g.minY, x2: g.x1, y2: g.minY });
  min.append(svg('title', {}, `minimum pass rate ${pct(m.minPassRate)}`));
  root.append(min, svg('text', { class: 'min-label', x: g.x1, y: g.minY - 4, 'text-anchor': 'end' }, `min ${pct(m.minPassRate)}`));
  if (g.frontier) root.append(svg('polyline', { class: 'frontier', 'data-testid': 'optimize-frontier', points: g.frontier }));
  const byLabel = new Map(m.points.map((p) => [p.label, p]));
  for (const p of g.points) {
    const v = byLabel.get(p.label)!;
    const group = svg('g', { class: `point ${p.state}${p.frontier ? ' on-frontier' : ''}${p.chosen ? ' chosen' : ''}`, 'data-testid': 'optimize-point', 'data-label': p.label });
    group.append(svg('title', {}, `${p.label}\n${pct(v.pass_rate)} (${v.passed}/${v.runs}), 95 % interval ${pct(v.low)} – ${pct(v.high)}, ${money(v.cost_usd)} a case${p.chosen ? '\nchosen' : ''}`));
    group.append(svg('line', { class: 'interval', x1: p.x, y1: p.barTop, x2: p.x, y2: p.barBottom }));
    if (p.chosen) group.append(svg('circle', { class: 'chosen-ring', cx: p.x, cy: p.y, r: 8 }));
    group.append(svg('circle', { class: 'dot', cx: p.x, cy: p.y, r: 4 }));
    root.append(group);
  }
  return root;
}

function table(m: OptimizeViewMessage): HTMLTableElement {
  const t = el('table', { class: 'optimize-table', 'data-testid': 'optimize-table' });
  t.append(el('caption', {}, 'Assignments tried'));
  const head = el('tr');
  for (const h of ['assignment', 'pass rate', '95 % interval', 'cost per case', 'runs', 'state']) head.append(el('th', { scope: 'col' }, h));
  t.append(head);
  const byLabel = new Map(scatterGeometry(m.points, m.frontier, m.chosen, m.minPassRate).points.map((p) => [p.label, p]));
  for (const v of m.points) {
    const p = byLabel.get(v.label)!;
    const tr = el('tr', { 'data-label': v.label, ...(p.chosen ? { class: 'chosen' } : {}) });
    const state = `${p.chosen ? 'chosen · ' : ''}${p.frontier ? 'frontier · ' : ''}${STATE_TEXT[p.state]}`;
    // one `step=model` a line (the text reads as the label, spaces between)
    const name = el('th', { scope: 'row' });
    v.label.split(' ').forEach((part, i) => name.append(...(i ? [' '] : []), el('span', { class: 'part' }, part)));
    tr.append(name);
    for (const x of [`${pct(v.pass_rate)} (${v.passed}/${v.runs})`, `${pct(v.low)} – ${pct(v.high)}`, money(v.cost_usd), String(v.runs), state]) tr.append(el('td', {}, x));
    t.append(tr);
  }
  return t;
}

export function renderOptimize(container: HTMLElement, m: OptimizeViewMessage, post: (m: FromEvalView) => void): void {
  container.replaceChildren();
  container.setAttribute('aria-label', 'Optimize models');
  container.append(el('h3', {}, 'Optimize models'));
  const status = el('p', { class: `optimize-status ${m.status}`, 'data-testid': 'optimize-status', role: 'status' });
  status.textContent = `${STATUS[m.status]}${m.detail ? `: ${m.detail}` : ''}${m.replay ? ' (replayed from the cassette)' : ''}`;
  container.append(status);
  if (m.steps.length) container.append(el('p', { class: 'optimize-plan' }, `${m.steps.length} step${m.steps.length === 1 ? '' : 's'} (${m.steps.join(', ')}) × ${m.models.length} model${m.models.length === 1 ? '' : 's'} × ${m.cases} case${m.cases === 1 ? '' : 's'}, minimum pass rate ${pct(m.minPassRate)}`));
  container.append(el('p', { class: 'optimize-runs', 'data-testid': 'optimize-runs' }, `runs spent ${m.runsUsed} of brute force ${m.bruteForceRuns}`));
  // the table scrolls sideways in a narrow panel rather than being cut off
  const wide = el('div', { class: 'optimize-table-scroll' });
  wide.append(table(m));
  container.append(scatter(m), wide);
  const chosen = m.chosen ? `Chosen: ${m.chosen}` : m.status === 'running' || m.status === 'planning' ? 'No assignment meets the pass rate yet' : 'No assignment meets the pass rate';
  const foot = el('p', { class: 'optimize-chosen', 'data-testid': 'optimize-chosen' }, chosen);
  const done = m.status !== 'running' && m.status !== 'planning';
  const apply = el('button', { class: 'apply', 'data-testid': 'optimize-apply', title: 'Write the chosen models into the pipeline (one edit: Undo takes it back)' }, 'Apply');
  apply.disabled = !m.chosen || !done || m.applied !== null;
  apply.addEventListener('click', () => post({ type: 'optimize-apply' }));
  foot.append(' ', apply);
  container.append(foot);
  if (m.applied) {
    const list = el('ul', { class: 'optimize-applied', 'data-testid': 'optimize-applied', 'aria-label': 'Model lines changed' });
    for (const line of m.applied) list.append(el('li', {}, line));
    container.append(el('p', {}, m.applied.length ? 'Applied; the model lines changed:' : 'Applied: nothing to change.'), list);
  }
  if (m.applyProblem) container.append(el('p', { class: 'optimize-problem', 'data-testid': 'optimize-problem', role: 'alert' }, m.applyProblem));
}
