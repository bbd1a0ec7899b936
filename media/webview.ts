// The pipeline panel: the DAG laid out by ELK, live step statuses from run events, a run header with
// progress, time, tokens and cost, and a step panel with inputs, result, error and attempts. Talks
// to the extension only through the messages in protocol.ts.
import { Insights } from './insights';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { GraphDocument } from '../engine/plan/graph';
import type { RunEvent } from '../engine/run/events';
import { graphStepIds, isJump, layoutGraph, LOOP_HEADER, type Layout, type LayoutEngine, type PlacedNode } from './layout';
import type { FromWebview, GraphDirection, GraphMessage, ToWebview } from './protocol';
import { applyEvents, emptyRun, formatCost, formatDuration, retainSteps, statusesOf, stepsDone, type RunView, type StepView } from './runState';
import './webview.css';

interface VsCodeApi {
  postMessage(msg: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

/** Outside VS Code (the benchmark's page) there is no host: messages go nowhere. */
const vscode: VsCodeApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : { postMessage: (m) => (window as unknown as { __posted?: FromWebview[] }).__posted?.push(m), getState: () => undefined, setState: () => undefined };

interface ViewBox {
  x: number;
  y: number;
  k: number;
}

interface SavedState {
  uri: string | null;
  pipelineId: string | null;
  graph: GraphDocument | null;
  problem: string | null;
  run: RunView;
  selected: string | null;
  view: ViewBox | null;
  direction: GraphDirection;
}

const SVG = 'http://www.w3.org/2000/svg';
const elk: LayoutEngine = new (ELK as unknown as new () => LayoutEngine)();

const state: SavedState = {
  uri: null,
  pipelineId: null,
  graph: null,
  problem: null,
  run: emptyRun(),
  selected: null,
  view: null,
  direction: 'RIGHT',
  ...((vscode.getState() as Partial<SavedState> | undefined) ?? {}),
};
let highlighted: string | null = null;
/** The step the debugger holds the run at (null: not held). */
let paused: string | null = null;
let layout: Layout | null = null;
let layoutSeq = 0;
const nodeEls = new Map<string, SVGGElement>();
const dirty = new Set<string>();
let frameRequested = false;
let headerDirty = true;
let panelDirty = true;

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
const svg = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

// ---- the page's fixed parts ----
const root = document.getElementById('root')!;
const header = el('header', { 'data-testid': 'run-header', class: 'run-header' });
const title = el('span', { class: 'title' });
const runStatus = el('span', { class: 'run-status', 'data-testid': 'run-status' });
const stepsDoneEl = el('span', { 'data-testid': 'steps-done' });
const elapsedEl = el('span', { 'data-testid': 'elapsed' });
const tokensEl = el('span', { 'data-testid': 'tokens' });
const costEl = el('span', { 'data-testid': 'cost' });
const runBtn = el('button', { 'data-testid': 'run', title: 'Run the pipeline' }, '▶ Run');
const cancelBtn = el('button', { 'data-testid': 'cancel', title: 'Cancel the run' }, '■ Cancel');
const fitBtn = el('button', { 'data-testid': 'fit', title: 'Fit the graph to the panel' }, 'Fit');
const stat = (label: string, value: HTMLElement) => {
  const s = el('span', { class: 'stat' });
  s.append(el('span', { class: 'stat-label' }, label), value);
  return s;
};
header.append(title, runStatus, stat('steps', stepsDoneEl), stat('time', elapsedEl), stat('tokens', tokensEl), stat('cost', costEl), el('span', { class: 'spacer' }), runBtn, cancelBtn, fitBtn);

const notice = el('div', { class: 'notice', 'data-testid': 'notice', role: 'status', hidden: '' });
const main = el('div', { class: 'main' });
const graphPane = el('div', { class: 'graph-pane', tabindex: '0' });
const problemEl = el('div', { 'data-testid': 'graph-problem', class: 'problem', hidden: '' });
const canvas = svg('svg', { class: 'graph' });
const viewport = svg('g', { class: 'viewport' });
const edgeLayer = svg('g', { class: 'edges' });
const nodeLayer = svg('g', { class: 'nodes' });
const defs = svg('defs');
for (const kind of ['dep', 'jump', 'fail']) {
  const m = svg('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  m.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrow arrow-${kind}` }));
  defs.append(m);
}
viewport.append(edgeLayer, nodeLayer);
canvas.append(defs, viewport);
graphPane.append(problemEl, canvas);
const panel = el('aside', { 'data-testid': 'step-panel', class: 'step-panel' });
main.append(graphPane, panel);
const insights = new Insights((id) => {
  select(id);
  vscode.postMessage({ type: 'reveal-step', stepId: id });
});
root.append(header, notice, main, insights.element);

runBtn.addEventListener('click', () => vscode.postMessage({ type: 'run' }));
cancelBtn.addEventListener('click', () => vscode.postMessage({ type: 'cancel-run' }));
fitBtn.addEventListener('click', () => fit());

// ---- pan and zoom ----
let view: ViewBox = state.view ?? { x: 0, y: 0, k: 1 };
const applyView = () => {
  viewport.setAttribute('transform', `translate(${view.x},${view.y}) scale(${view.k})`);
  state.view = view;
};
function fit(): void {
  if (!layout) return;
  const w = graphPane.clientWidth || 800;
  const h = graphPane.clientHeight || 600;
  const k = Math.min(1.5, Math.max(0.05, Math.min((w - 24) / Math.max(1, layout.width), (h - 24) / Math.max(1, layout.height))));
  view = { k, x: (w - layout.width * k) / 2, y: Math.max(8, (h - layout.height * k) / 2) };
  applyView();
  fitted = true;
  save();
}
/** True while the view is the fitted one: the panel resizing (or the step panel opening) refits
 * it; a pan or zoom by the person keeps theirs. */
let fitted = false;
let lastSize = '';
new ResizeObserver(() => {
  const size = `${graphPane.clientWidth}x${graphPane.clientHeight}`;
  if (size === lastSize) return;
  lastSize = size;
  if (fitted) fit();
}).observe(graphPane);
let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
canvas.addEventListener('pointerdown', (e) => {
  if ((e.target as Element).closest('.node')) return;
  drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
  canvas.setPointerCapture(e.pointerId);
});
canvas.addEventListener('pointermove', (e) => {
  if (!drag) return;
  drag.moved = true;
  view = { ...view, x: drag.vx + e.clientX - drag.x, y: drag.vy + e.clientY - drag.y };
  fitted = false;
  applyView();
});
canvas.addEventListener('pointerup', () => {
  if (drag?.moved) save();
  drag = null;
});
canvas.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    const rect = canvas.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top;
    const k = Math.min(4, Math.max(0.05, view.k * Math.exp(-e.deltaY * 0.0015)));
    view = { k, x: px - ((px - view.x) * k) / view.k, y: py - ((py - view.y) * k) / view.k };
    fitted = false;
    applyView();
    save();
  },
  { passive: false },
);

// ---- drawing ----
function edgePath(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

/** Where a jump's label goes: the middle of its longest segment, beside the line, clear of the
 * boxes at either end. */
function labelPoint(points: { x: number; y: number }[]): { x: number; y: number; anchor: string } {
  let best = 0;
  let len = -1;
  for (let i = 0; i + 1 < points.length; i++) {
    const d = Math.abs(points[i + 1].x - points[i].x) + Math.abs(points[i + 1].y - points[i].y);
    if (d > len) {
      len = d;
      best = i;
    }
  }
  const a = points[best];
  const b = points[best + 1] ?? a;
  const horizontal = Math.abs(b.x - a.x) >= Math.abs(b.y - a.y);
  return horizontal ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 5, anchor: 'middle' } : { x: a.x + 5, y: (a.y + b.y) / 2 + 4, anchor: 'start' };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number) => String(Math.round(v * 10) / 10);

/** Draws the whole graph at once: one markup string per layer, parsed in one go (several times
 * faster than creating a thousand nodes' elements one by one). Clicks are handled on the layer. */
function drawGraph(l: Layout): void {
  nodeEls.clear();
  shown.clear();
  reportDirty = true;
  canvas.setAttribute('data-nodes', String(l.nodes.length));
  const edges: string[] = [];
  for (const e of l.edges) {
    if (e.points.length < 2) continue;
    const cls = isJump(e.kind) ? `edge jump ${e.kind}` : `edge dep ${e.kind}`;
    const marker = e.kind === 'on_failure' ? 'fail' : isJump(e.kind) ? 'jump' : 'dep';
    let g = `<g class="${cls}" data-edge="${escapeXml(e.id)}"><path d="${edgePath(e.points)}" marker-end="url(#arrow-${marker})"/>`;
    if (isJump(e.kind)) {
      const at = labelPoint(e.points);
      g += `<text class="edge-label" x="${num(at.x)}" y="${num(at.y)}" text-anchor="${at.anchor}">${e.kind.replace('_', ' ')}</text>`;
    }
    edges.push(`${g}</g>`);
  }
  edgeLayer.innerHTML = edges.join('');
  // loops first, so their bodies draw on top
  const ordered = [...l.nodes].sort((a, b) => (a.kind === 'loop' ? 0 : 1) - (b.kind === 'loop' ? 0 : 1));
  nodeLayer.innerHTML = ordered.map(nodeMarkup).join('');
  for (const g of nodeLayer.querySelectorAll<SVGGElement>('g.node')) {
    const id = g.getAttribute('data-step-id') ?? '';
    nodeEls.set(id, g);
    shown.set(id, g.getAttribute('data-status') ?? 'pending');
    // the markup already shows a pending node as it is: only the others need their badge
    if (state.run.steps[id] && state.run.steps[id].status !== 'pending') dirty.add(id);
  }
  headerDirty = true;
  panelDirty = true;
}

function nodeMarkup(n: PlacedNode): string {
  const loop = n.kind === 'loop';
  const tip = `${n.id}${n.label !== n.id ? ` — ${n.label}` : ''}\n${n.detail}`;
  return (
    `<g class="node ${n.kind}" data-step-id="${escapeXml(n.id)}" data-status="${state.run.steps[n.id]?.status ?? 'pending'}" data-selected="${state.selected === n.id}" data-highlighted="${highlighted === n.id}" data-paused="${paused === n.id}" transform="translate(${num(n.x)},${num(n.y)})" tabindex="0" role="button" aria-label="${escapeXml(`${n.label} (${n.detail})`)}">` +
    `<rect class="box" width="${num(n.width)}" height="${num(n.height)}" rx="6" ry="6"/>` +
    `<text class="label" x="10" y="${loop ? 19 : 18}">${escapeXml(truncate(n.label, loop ? 60 : 24))}</text>` +
    `<text class="detail" x="10" y="${loop ? LOOP_HEADER - 2 : 35}">${loop ? '' : escapeXml(truncate(n.detail, 28))}</text>` +
    `<text class="badge" x="${num(n.width - 8)}" y="18" text-anchor="end"></text>` +
    `<title>${escapeXml(tip)}</title></g>`
  );
}

function activate(target: EventTarget | null): boolean {
  const g = (target as Element | null)?.closest?.('.node');
  const id = g?.getAttribute('data-step-id');
  if (!id) return false;
  select(id);
  vscode.postMessage({ type: 'reveal-step', stepId: id });
  return true;
}
nodeLayer.addEventListener('click', (e) => {
  if (activate(e.target)) e.stopPropagation();
});
nodeLayer.addEventListener('keydown', (e) => {
  if ((e.key === 'Enter' || e.key === ' ') && activate(e.target)) e.preventDefault();
});

/** Attribute writes restyle the node even when the value is the same: write only changes. */
function setIfChanged(e: Element, name: string, value: string): void {
  if (e.getAttribute(name) !== value) e.setAttribute(name, value);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function badgeOf(s: StepView | undefined, now: number): string {
  if (!s) return '';
  switch (s.status) {
    case 'running':
      return s.startedAt ? formatDuration(now - s.startedAt) : '…';
    case 'retrying':
      return `retry ${s.attempt + 1}`;
    case 'completed':
      return s.result?.success === false ? 'reported failure' : s.result?.duration_ms != null ? formatDuration(s.result.duration_ms) : '✓';
    case 'failed':
      return s.result?.error_type ?? 'failed';
    case 'skipped':
      return 'skipped';
    case 'cancelled':
      return 'cancelled';
    default:
      return '';
  }
}

function updateNode(id: string, now: number): void {
  const g = nodeEls.get(id);
  if (!g) return;
  const s = state.run.steps[id];
  const status = s?.status ?? 'pending';
  if (shown.get(id) !== status) {
    g.setAttribute('data-status', status);
    shown.set(id, status);
    reportDirty = true;
  }
  const reported = status === 'completed' && s?.result?.success === false;
  if (g.classList.contains('reported-failure') !== reported) g.classList.toggle('reported-failure', reported);
  setIfChanged(g, 'data-selected', String(state.selected === id));
  setIfChanged(g, 'data-highlighted', String(highlighted === id));
  if (g.getAttribute('data-paused') !== String(paused === id)) {
    g.setAttribute('data-paused', String(paused === id));
    reportDirty = true;
  }
  const badge = g.querySelector('.badge');
  let text = badgeOf(s, now);
  if (g.classList.contains('loop') && s && s.iterationsStarted) text = `${s.status === 'running' ? 'iteration ' : ''}${s.iterationsStarted}${s.status === 'running' ? '' : ' iterations'}${text && s.status !== 'running' ? ` · ${text}` : ''}`;
  if (badge && badge.textContent !== text) badge.textContent = text;
  if (s?.status === 'running' && !g.classList.contains('loop')) {
    const detail = g.querySelector('.detail');
    if (detail && s.text) detail.textContent = truncate(s.text.replace(/\s+/g, ' ').trim().slice(-40), 28);
  }
}

function renderHeader(now: number): void {
  const r = state.run;
  title.textContent = state.pipelineId ?? 'Pipeline';
  runStatus.textContent = paused && r.status === 'running' ? `paused at ${paused}` : r.status === 'idle' ? 'not run' : r.status;
  runStatus.setAttribute('data-status', r.status);
  const total = state.graph ? state.graph.nodes.length : r.total;
  stepsDoneEl.textContent = `${topLevelDone()} / ${r.total || total}`;
  const elapsed = r.startedAt ? (r.endedAt ?? now) - r.startedAt : 0;
  elapsedEl.textContent = r.startedAt ? formatDuration(elapsed) : '–';
  tokensEl.textContent = `${(r.tokensIn + r.tokensOut).toLocaleString('en-US')}`;
  tokensEl.title = `${r.tokensIn.toLocaleString('en-US')} in · ${r.tokensOut.toLocaleString('en-US')} out`;
  costEl.textContent = formatCost(r.costUsd);
  cancelBtn.disabled = r.status !== 'running';
  runBtn.disabled = r.status === 'running' || !state.graph;
}

/** Steps done at the top level (loop bodies count through their loop). */
function topLevelDone(): number {
  if (!state.graph) return stepsDone(state.run);
  let n = 0;
  for (const node of state.graph.nodes) {
    const s = state.run.steps[node.id];
    if (s && s.result && (s.status === 'completed' || s.status === 'skipped' || s.status === 'failed')) n++;
  }
  return n;
}

// ---- the step panel ----
function jsonTree(value: unknown, depth = 0): HTMLElement {
  if (value === null || typeof value !== 'object') {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (typeof value === 'string' && (value.length > 240 || value.includes('\n'))) {
      const d = el('details', { class: 'long-text' });
      d.append(el('summary', {}, `${JSON.stringify(value.slice(0, 80))}… (${value.length} characters)`), el('pre', {}, value));
      return d;
    }
    return el('span', { class: `json-${value === null ? 'null' : typeof value}` }, typeof value === 'string' ? JSON.stringify(text) : text);
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  const d = el('details', { class: 'json' });
  if (depth < 2) d.open = true;
  d.append(el('summary', {}, Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`));
  const list = el('div', { class: 'json-children' });
  for (const [k, v] of entries.slice(0, 200)) {
    const row = el('div', { class: 'json-row' });
    row.append(el('span', { class: 'json-key' }, `${k}: `), jsonTree(v, depth + 1));
    list.append(row);
  }
  if (entries.length > 200) list.append(el('div', { class: 'json-more' }, `… ${entries.length - 200} more`));
  d.append(list);
  return d;
}

function section(name: string, body: HTMLElement | string): HTMLElement {
  const s = el('section', { 'data-section': name });
  s.append(el('h3', {}, name), typeof body === 'string' ? el('div', {}, body) : body);
  return s;
}

function renderPanel(): void {
  const id = state.selected;
  panel.replaceChildren();
  const open = Boolean(id && nodeEls.has(id));
  main.classList.toggle('with-panel', open);
  if (!id || !open) return;
  const close = el('button', { class: 'close', title: 'Close the step panel', 'data-testid': 'close-panel' }, '×');
  close.addEventListener('click', () => select(null));
  panel.append(close);
  const s = state.run.steps[id];
  const node = layout?.nodes.find((n) => n.id === id);
  panel.append(el('h2', {}, id));
  if (node) panel.append(el('div', { class: 'muted' }, node.label !== id ? `${node.label} · ${node.detail}` : node.detail));
  const r = s?.result ?? null;
  const statusLine = el('div', { class: 'status-line', 'data-status': s?.status ?? 'pending' }, s?.status ?? 'pending');
  panel.append(statusLine);
  const facts: string[] = [];
  if (r?.duration_ms != null) facts.push(`duration ${formatDuration(r.duration_ms)}`);
  if (r && r.attempts > 1) facts.push(`${r.attempts} attempts`);
  if (r?.model) facts.push(`model ${r.model}`);
  if (r && (r.tokens_in || r.tokens_out)) facts.push(`${r.tokens_in} in / ${r.tokens_out} out tokens`);
  if (r && r.cost_usd) facts.push(formatCost(r.cost_usd));
  if (r?.cached) facts.push('from the cache');
  if (r?.skip_reason) facts.push(r.skip_reason);
  if (facts.length) panel.append(el('div', { class: 'facts', 'data-testid': 'step-facts' }, facts.join(' · ')));
  if (r?.error) {
    const err = el('div', { class: 'error', 'data-testid': 'step-error' });
    err.append(el('strong', {}, r.error_type ?? 'Error'), document.createTextNode(`: ${r.error}`));
    panel.append(section('Error', err));
  }
  if (s?.inputs && Object.keys(s.inputs).length) panel.append(section('Inputs', jsonTree(s.inputs)));
  if (r && r.result !== null && r.result !== undefined) panel.append(section('Result', jsonTree(r.result)));
  if (r?.vars) panel.append(section('Vars', jsonTree(r.vars)));
  if (s?.text) panel.append(section('Output', el('pre', { class: 'stream', 'data-testid': 'step-output' }, s.text)));
  if (s?.attempts.length) {
    const list = el('ol', { class: 'attempts' });
    for (const a of s.attempts) list.append(el('li', {}, `attempt ${a.attempt}: ${a.errorType}: ${a.error}${a.retryInMs !== null ? ` — retried after ${formatDuration(a.retryInMs)}` : ''}`));
    panel.append(section('Attempts', list));
  }
  if (s && (s.iterationsStarted || r?.iterations)) panel.append(section('Iterations', `${r?.iterations?.length ?? s.iterationsStarted} iteration(s)${s.iterationsEnded ? `, ${s.iterationsEnded} body step run(s) ended` : ''}`));
}

function select(id: string | null): void {
  const prev = state.selected;
  state.selected = id;
  if (prev) dirty.add(prev);
  if (id) dirty.add(id);
  panelDirty = true;
  schedule();
  save();
}

// ---- frames: every change is drawn once per animation frame ----
function schedule(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(frame);
}

function frame(): void {
  frameRequested = false;
  const now = Date.now();
  for (const id of dirty) updateNode(id, now);
  const changed = dirty.size > 0;
  dirty.clear();
  if (headerDirty) renderHeader(now);
  if (panelDirty) renderPanel();
  headerDirty = false;
  panelDirty = false;
  if (changed || layout) report();
}

/** What the DOM shows per node (kept as nodes change, so a report reads no attributes). */
const shown = new Map<string, string>();
let reportDirty = true;
let lastReported = '';
/** Posts `rendered` when what the DOM shows changed: after a render and after each applied batch. */
function report(): void {
  const critical = insights.criticalDrawn();
  const key = `${state.uri}\n${state.run.runId}\n${nodeEls.size}\n${critical.join(',')}`;
  if (!reportDirty && key === lastReported) return;
  reportDirty = false;
  lastReported = key;
  const statuses: Record<string, string> = {};
  for (const id of nodeEls.keys()) statuses[id] = shown.get(id) ?? 'pending';
  // the held step as the DOM shows it
  const held = nodeLayer.querySelector('.node[data-paused="true"]')?.getAttribute('data-step-id') ?? null;
  vscode.postMessage({ type: 'rendered', uri: state.uri, runId: state.run.runId, nodes: nodeEls.size, statuses, paused: held, critical });
}

// a second's tick for running timers and the elapsed time
setInterval(() => {
  if (state.run.status !== 'running') return;
  for (const [id, s] of Object.entries(state.run.steps)) if (s.status === 'running') dirty.add(id);
  headerDirty = true;
  schedule();
}, 1000);

/** The whole state is serialized on every save: while events stream, at most twice a second (the
 * host re-sends the run so far when a panel comes back, and a hidden panel saves at once). */
const SAVE_DELAY_MS = 500;
let saveTimer: ReturnType<typeof setTimeout> | null = null;
function saveNow(): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = null;
  vscode.setState(state);
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') saveNow();
});
function save(): void {
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = null;
    vscode.setState(state);
  }, SAVE_DELAY_MS);
}

// ---- messages ----
async function onGraph(msg: GraphMessage): Promise<void> {
  const firstLayout = !layout;
  const uriChanged = state.uri !== null && state.uri !== msg.uri;
  state.uri = msg.uri;
  state.problem = msg.problem;
  if (uriChanged) state.run = emptyRun();
  if (!msg.graph) {
    problemEl.hidden = false;
    problemEl.textContent = msg.problem ?? 'The pipeline does not compile.';
    headerDirty = true;
    schedule();
    save();
    report();
    return;
  }
  problemEl.hidden = true;
  state.pipelineId = msg.pipelineId;
  const same = state.graph && JSON.stringify(state.graph) === JSON.stringify(msg.graph);
  state.graph = msg.graph;
  state.run = retainSteps(state.run, graphStepIds(msg.graph));
  if (same && layout) {
    headerDirty = true;
    schedule();
    return;
  }
  await relayout(firstLayout && !state.view);
}

async function relayout(fitAfter: boolean): Promise<void> {
  if (!state.graph) return;
  const seq = ++layoutSeq;
  try {
    await warm;
    const t0 = performance.now();
    const l = await layoutGraph(elk, state.graph, state.direction);
    (window as unknown as { __orchestratorLayoutMs?: number }).__orchestratorLayoutMs = performance.now() - t0;
    if (seq !== layoutSeq) return; // a newer graph arrived while this one was laid out
    layout = l;
    drawGraph(l);
    if (fitAfter) fit();
    else applyView();
    schedule();
    save();
  } catch (e) {
    vscode.postMessage({ type: 'error', message: `layout failed: ${e instanceof Error ? e.message : String(e)}` });
  }
}

function onEvents(events: RunEvent[]): void {
  const { run, changed } = applyEvents(state.run, events);
  state.run = run;
  for (const id of changed) dirty.add(id);
  headerDirty = true;
  if (state.selected && changed.has(state.selected)) panelDirty = true;
  schedule();
  save();
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  if (!msg || typeof msg !== 'object') return;
  switch (msg.type) {
    case 'graph':
      void onGraph(msg);
      break;
    case 'notice':
      notice.hidden = false;
      notice.dataset.level = msg.level;
      notice.textContent = msg.text;
      break;
    case 'run-reset':
      notice.hidden = true;
      state.run = { ...emptyRun(), runId: msg.runId, reused: msg.reused, steps: Object.fromEntries(Object.entries(state.run.steps).filter(([id]) => msg.reused.includes(id))) };
      for (const id of nodeEls.keys()) dirty.add(id);
      headerDirty = true;
      panelDirty = true;
      schedule();
      break;
    case 'run-events':
      onEvents(msg.events);
      break;
    case 'highlight-step': {
      const prev = highlighted;
      highlighted = msg.stepId;
      if (prev) dirty.add(prev);
      if (msg.stepId) dirty.add(msg.stepId);
      schedule();
      break;
    }
    case 'prediction':
      insights.showPrediction(msg);
      break;
    case 'report':
      insights.showReport(msg);
      reportDirty = true;
      schedule();
      break;
    case 'explanation':
      insights.showExplanation(msg);
      break;
    case 'paused-step': {
      const prev = paused;
      paused = msg.stepId;
      if (prev) dirty.add(prev);
      if (msg.stepId) dirty.add(msg.stepId);
      headerDirty = true;
      schedule();
      break;
    }
    case 'settings':
      if (msg.direction !== state.direction) {
        state.direction = msg.direction;
        void relayout(true);
      }
      break;
    default:
      break;
  }
});

// ELK is compiled Java: its first layout pays for the JavaScript engine's warm-up (about a second
// on a 1,000-step graph). A small layout while the page waits for its graph takes most of that.
function warmUp(): Promise<void> {
  const nodes: GraphDocument['nodes'] = [];
  const edges: GraphDocument['edges'] = [];
  for (let i = 0; i < 120; i++) {
    const body = i % 30 === 29 ? { nodes: [0, 1].map((k) => ({ id: `w${i}_${k}`, label: '', kind: 'step' as const, tool: null, action: null, level: k, range: null, selectionRange: null, children: null })), edges: [{ from: `w${i}_0`, to: `w${i}_1`, kind: 'explicit' as const }] } : null;
    nodes.push({ id: `w${i}`, label: '', kind: body ? 'loop' : 'step', tool: null, action: null, level: i, range: null, selectionRange: null, children: body });
    if (i) edges.push({ from: `w${i - 1}`, to: `w${i}`, kind: 'explicit' });
    if (i > 5 && i % 5 === 0) edges.push({ from: `w${i - 5}`, to: `w${i}`, kind: 'on_success' });
  }
  return layoutGraph(elk, { nodes, edges }, 'RIGHT').then(
    () => undefined,
    () => undefined,
  );
}
const warm = warmUp().then(() => ((window as unknown as { __orchestratorWarm?: boolean }).__orchestratorWarm = true));

// restored from a hidden panel or a reload: draw what was there, then ask for the current graph
if (state.graph) void relayout(!state.view);
renderHeader(Date.now());
renderPanel();
vscode.postMessage({ type: 'ready' });

/** For tests and the benchmark page: the statuses the DOM shows. */
(window as unknown as { __orchestratorStatuses?: () => Record<string, string> }).__orchestratorStatuses = () => statusesOf(state.run);
