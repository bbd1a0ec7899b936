// The pipeline panel's fixed parts: the run header with its buttons, the notice, the graph pane
// (an SVG with its edge and node layers, reaching past the pane so a drag moves it whole) and the
// step panel.
import { vscode } from './viewState';

const SVG = 'http://www.w3.org/2000/svg';

export const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
export const svg = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

export const root = document.getElementById('root')!;
export const header = el('header', { 'data-testid': 'run-header', class: 'run-header' });
export const title = el('span', { class: 'title' });
export const runStatus = el('span', { class: 'run-status', 'data-testid': 'run-status' });
/** "served · HOST:PORT": the run is followed from an `orc serve` (hidden otherwise). */
export const servedBadge = el('span', { class: 'served-badge', 'data-testid': 'served', hidden: '' });
export const stepsDoneEl = el('span', { 'data-testid': 'steps-done' });
export const elapsedEl = el('span', { 'data-testid': 'elapsed' });
export const tokensEl = el('span', { 'data-testid': 'tokens' });
export const costEl = el('span', { 'data-testid': 'cost' });
export const runBtn = el('button', { 'data-testid': 'run', title: 'Run the pipeline' }, '▶ Run');
export const cancelBtn = el('button', { 'data-testid': 'cancel', title: 'Cancel the run' }, '■ Cancel');
export const fitBtn = el('button', { 'data-testid': 'fit', title: 'Fit the graph to the panel' }, 'Fit');
const stat = (label: string, value: HTMLElement) => {
  const s = el('span', { class: 'stat' });
  s.append(el('span', { class: 'stat-label' }, label), value);
  return s;
};
header.append(title, runStatus, servedBadge, stat('steps', stepsDoneEl), stat('time', elapsedEl), stat('tokens', tokensEl), stat('cost', costEl), el('span', { class: 'spacer' }), runBtn, cancelBtn, fitBtn);

export const notice = el('div', { class: 'notice', 'data-testid': 'notice', role: 'status', hidden: '' });
/** Over a graph drawn with errors: how many, and where those outside the steps are. */
export const graphErrorsEl = el('div', { class: 'graph-errors', 'data-testid': 'graph-errors', role: 'status', hidden: '' });
export const main = el('div', { class: 'main' });
export const graphPane = el('div', { class: 'graph-pane', tabindex: '0' });
export const problemEl = el('div', { 'data-testid': 'graph-problem', class: 'problem', hidden: '' });
export const canvas = svg('svg', { class: 'graph' });
export const viewport = svg('g', { class: 'viewport' });
export const edgeLayer = svg('g', { class: 'edges' });
export const nodeLayer = svg('g', { class: 'nodes' });
const defs = svg('defs');
for (const kind of ['dep', 'jump', 'fail']) {
  const m = svg('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  m.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrow arrow-${kind}` }));
  defs.append(m);
}
viewport.append(edgeLayer, nodeLayer);
canvas.append(defs, viewport);
graphPane.append(problemEl, canvas);
let pane: { w: number; h: number } | null = null;
/** The graph pane's size, read from the page once per resize (`fresh`, from panZoom.ts's resize
 * observer): reading clientWidth after a pan frame's transform would force a layout every frame. */
export function paneSize(fresh = false): { w: number; h: number } {
  if (fresh || !pane || !pane.w || !pane.h) pane = { w: graphPane.clientWidth, h: graphPane.clientHeight };
  return pane;
}
/** How far the SVG reaches past the pane on every side (the pane clips it): a drag moves the SVG
 * as a whole (panZoom.ts), its own compositor layer, and up to this far the pane stays covered. The
 * graph's origin is this far into the SVG. */
export const CANVAS_MARGIN = 1500;
canvas.style.left = canvas.style.top = `${-CANVAS_MARGIN}px`;
canvas.style.width = canvas.style.height = `calc(100% + ${2 * CANVAS_MARGIN}px)`;
const shift = { x: 0, y: 0 };
/** Moves the SVG by a CSS translation (0, 0: back in place). */
export function shiftCanvas(x: number, y: number): void {
  if (x === shift.x && y === shift.y) return;
  shift.x = x;
  shift.y = y;
  canvas.style.transform = x || y ? `translate(${x}px,${y}px)` : '';
}
/** Where on the screen the view's x and y are measured from: the pane's corner. */
export function canvasOrigin(): { left: number; top: number } {
  const r = graphPane.getBoundingClientRect();
  return { left: r.left, top: r.top };
}
export const panel = el('aside', { 'data-testid': 'step-panel', class: 'step-panel' });
main.append(graphPane, panel);

runBtn.addEventListener('click', () => vscode.postMessage({ type: 'run' }));
cancelBtn.addEventListener('click', () => vscode.postMessage({ type: 'cancel-run' }));
