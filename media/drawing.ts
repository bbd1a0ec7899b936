// Drawing the graph: edges and nodes as one markup string per layer, each node's status, badge and
// marks updated in place, and the run header (status, steps done, time, tokens, cost).
import { graphStepIds, isJump, LOOP_HEADER, NODE_WIDTH, type Layout, type PlacedNode } from './layout';
import { TEXT_X, BADGE_INSET, fontChanged, LINE1_Y, LINE2_Y, badgeRoom, placeTexts, fitDetail } from './nodeText';
import { updateChat } from './chatInput';
import { cancelBtn, canvas, costEl, edgeLayer, el, elapsedEl, nodeLayer, paneSize, runBtn, runStatus, servedBadge, stepsDoneEl, title, tokensEl } from './page';
import { progressLine, progressOf } from './conversation';
import { errorBadge, errorLines, nodeErrors } from './errorMarks';
import { renderBudget } from './guardView';
import type { GraphDocument } from '../engine/plan/graph';
import { formatCost, formatDuration, stepCounts, type StepView } from './runState';
import { ui } from './viewState';

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

/** Past this many nodes only what is in view (and a margin around it) is in the DOM; below it every
 * node is, as one markup string per layer. */
export const CULL_ABOVE = 400;

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
/** What the culled drawing knows: each edge's bounds, the drawn edges, the region drawn. */
const culling = {
  on: false,
  edgeBounds: [] as Rect[],
  edgeEls: new Map<number, Element>(),
  drawn: null as Rect | null,
  loops: null as SVGGElement | null,
  steps: null as SVGGElement | null,
  /** Nodes and edges in the margin still to draw, nearest the view first: a few each frame. */
  queue: [] as PlacedNode[],
  edgeQueue: [] as number[],
  draining: false,
};

/** How many nodes (and twice as many edges) of the margin are added a frame: a pan that reaches the
 * margin's edge would otherwise parse a whole strip of the graph in one frame (50 ms at 5,000 steps). */
const MARGIN_BATCH = 40;

/** Called when nodes added to the margin need their badge (set by frames.ts's scheduler). */
let afterMarginDrawn: () => void = () => undefined;
export function onMarginDrawn(f: () => void): void {
  afterMarginDrawn = f;
}

/** Each edge's box by its index in the layout, when the drawing culls (it computed them when it
 * drew the layout); null for a small graph. */
export function culledEdgeBounds(): readonly Rect[] | null {
  return culling.on ? culling.edgeBounds : null;
}

/** One edge's markup (also for media/incrementalDraw.ts). */
export function edgeMarkup(e: Layout['edges'][number]): string {
  const cls = isJump(e.kind) ? `edge jump ${e.kind}` : `edge dep ${e.kind}`;
  const marker = e.kind === 'on_failure' ? 'fail' : isJump(e.kind) ? 'jump' : 'dep';
  let g = `<g class="${cls}" data-edge="${escapeXml(e.id)}"><path d="${edgePath(e.points)}" marker-end="url(#arrow-${marker})"/>`;
  if (isJump(e.kind)) {
    const at = labelPoint(e.points);
    g += `<text class="edge-label" x="${num(at.x)}" y="${num(at.y)}" text-anchor="${at.anchor}">${e.kind.replace('_', ' ')}</text>`;
  }
  return `${g}</g>`;
}

/** Draws the graph: every node at once for a small graph (one markup string per layer, parsed in
 * one go: several times faster than creating a thousand nodes' elements one by one), only those in
 * view for a big one (drawVisible). Clicks are handled on the layer. */
export function drawGraph(l: Layout): void {
  fontChanged();
  ui.nodeEls.clear();
  ui.shown.clear();
  ui.reportDirty = true;
  ui.minimapDirty = true;
  // every step, drawn or not (out of view, or in a collapsed loop): what it shows or would show
  for (const n of l.nodes) ui.shown.set(n.id, ui.saved.run.steps[n.id]?.status ?? 'pending');
  for (const id of ui.saved.graph ? graphStepIds(ui.saved.graph) : []) if (!ui.shown.has(id)) ui.shown.set(id, ui.saved.run.steps[id]?.status ?? 'pending');
  canvas.setAttribute('data-nodes', String(ui.shown.size));
  culling.on = l.nodes.length > CULL_ABOVE;
  culling.edgeEls.clear();
  culling.drawn = null;
  culling.queue = [];
  culling.edgeQueue = [];
  canvas.setAttribute('data-culled', String(culling.on));
  canvas.setAttribute('data-direction', ui.saved.direction);
  if (culling.on) {
    culling.edgeBounds = l.edges.map((e) => boundsOf(e.points));
    edgeLayer.innerHTML = '';
    nodeLayer.innerHTML = '<g class="loop-nodes"></g><g class="step-nodes"></g>';
    culling.loops = nodeLayer.firstElementChild as SVGGElement;
    culling.steps = nodeLayer.lastElementChild as SVGGElement;
    drawVisible();
  } else {
    edgeLayer.innerHTML = l.edges.filter((e) => e.points.length >= 2).map(edgeMarkup).join('');
    // loops first, so their bodies draw on top
    const ordered = [...l.nodes].sort((a, b) => (a.kind === 'loop' ? 0 : 1) - (b.kind === 'loop' ? 0 : 1));
    nodeLayer.innerHTML = ordered.map(nodeMarkup).join('');
    for (const g of nodeLayer.querySelectorAll<SVGGElement>('g.node')) adopt(g);
  }
  ui.headerDirty = true;
  ui.panelDirty = true;
}

/** A node element just made: known by id, and queued for its badge when its step has a status. */
function adopt(g: SVGGElement): void {
  const id = g.getAttribute('data-step-id') ?? '';
  ui.nodeEls.set(id, g);
  drawnErrors.set(g, errorKey(id));
  // the markup already shows a pending node as it is: only the others need their badge
  if (ui.saved.run.steps[id] && ui.saved.run.steps[id].status !== 'pending') ui.dirty.add(id);
}

/** The box around a polyline's points (an edge's). */
export function boundsOf(points: { x: number; y: number }[]): Rect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return { x0, y0, x1, y1 };
}

const overlaps = (a: Rect, x: number, y: number, w: number, h: number) => x < a.x1 && x + w > a.x0 && y < a.y1 && y + h > a.y0;
/** Whether an edge's box (its points' bounds) overlaps the rectangle. */
const edgeOverlaps = (a: Rect, b: Rect) => overlaps(a, b.x0, b.y0, b.x1 - b.x0 + 1, b.y1 - b.y0 + 1);

/** The part of the graph the pane shows, in the graph's coordinates. */
export function visibleRect(): Rect {
  const { x, y, k } = ui.view;
  const w = paneSize().w || 800;
  const h = paneSize().h || 600;
  return { x0: -x / k, y0: -y / k, x1: (w - x) / k, y1: (h - y) / k };
}

/** For a big graph: brings the DOM to the nodes and edges in view plus a margin of most of a pane on
 * every side, so a pan redraws only when it nears the margin's edge. The focused node stays (so the
 * keyboard does not lose its place). True when nodes were added that need their badge. */
export function drawVisible(): boolean {
  const l = ui.layout;
  if (!culling.on || !l || !culling.loops || !culling.steps) return false;
  const v = visibleRect();
  const w = v.x1 - v.x0;
  const h = v.y1 - v.y0;
  const d = culling.drawn;
  if (d && d.x1 - d.x0 <= 3 * w && v.x0 - d.x0 >= w / 4 && d.x1 - v.x1 >= w / 4 && v.y0 - d.y0 >= h / 4 && d.y1 - v.y1 >= h / 4) return false;
  const r = { x0: v.x0 - 0.75 * w, y0: v.y0 - 0.75 * h, x1: v.x1 + 0.75 * w, y1: v.y1 + 0.75 * h };
  culling.drawn = r;
  const focused = (document.activeElement as Element | null)?.closest?.('.node')?.getAttribute('data-step-id') ?? null;
  // what is in the pane is drawn now; the margin around it over the next frames, nearest first
  const want = new Set<string>();
  const now: PlacedNode[] = [];
  const later: PlacedNode[] = [];
  for (const n of l.nodes) {
    if (!overlaps(r, n.x, n.y, n.width, n.height) && n.id !== focused) continue;
    want.add(n.id);
    if (ui.nodeEls.has(n.id)) continue;
    (overlaps(v, n.x, n.y, n.width, n.height) || n.id === focused ? now : later).push(n);
  }
  for (const [id, g] of ui.nodeEls) {
    if (want.has(id)) continue;
    g.remove();
    ui.nodeEls.delete(id);
  }
  const before = ui.dirty.size;
  addNodes(now);
  const edgesNow: number[] = [];
  const edgesLater: number[] = [];
  l.edges.forEach((e, i) => {
    const b = culling.edgeBounds[i];
    const inMargin = e.points.length >= 2 && edgeOverlaps(r, b);
    const el = culling.edgeEls.get(i);
    if (inMargin && !el) (edgeOverlaps(v, b) ? edgesNow : edgesLater).push(i);
    else if (!inMargin && el) {
      el.remove();
      culling.edgeEls.delete(i);
    }
  });
  addEdges(edgesNow);
  const cx = (v.x0 + v.x1) / 2;
  const cy = (v.y0 + v.y1) / 2;
  const away = (x: number, y: number) => Math.abs(x - cx) + Math.abs(y - cy);
  culling.queue = later.sort((a, b) => away(a.x + a.width / 2, a.y + a.height / 2) - away(b.x + b.width / 2, b.y + b.height / 2));
  const eb = culling.edgeBounds;
  culling.edgeQueue = edgesLater.sort((a, b) => away((eb[a].x0 + eb[a].x1) / 2, (eb[a].y0 + eb[a].y1) / 2) - away((eb[b].x0 + eb[b].x1) / 2, (eb[b].y0 + eb[b].y1) / 2));
  if ((culling.queue.length || culling.edgeQueue.length) && !culling.draining) {
    culling.draining = true;
    requestAnimationFrame(drainMargin);
  }
  canvas.setAttribute('data-drawn', String(ui.nodeEls.size));
  return ui.dirty.size > before;
}

/** Parses the nodes' markup into their layers (loops under steps) and knows each element. */
function addNodes(nodes: PlacedNode[]): void {
  const loops: string[] = [];
  const steps: string[] = [];
  for (const n of nodes) (n.kind === 'loop' ? loops : steps).push(nodeMarkup(n));
  for (const [layer, markup] of [
    [culling.loops, loops],
    [culling.steps, steps],
  ] as const) {
    if (!markup.length || !layer) continue;
    const start = layer.childElementCount;
    layer.insertAdjacentHTML('beforeend', markup.join(''));
    for (let i = start; i < layer.children.length; i++) adopt(layer.children[i] as SVGGElement);
  }
}

function addEdges(indexes: number[]): void {
  const l = ui.layout;
  if (!indexes.length || !l) return;
  const start = edgeLayer.childElementCount;
  edgeLayer.insertAdjacentHTML('beforeend', indexes.map((i) => edgeMarkup(l.edges[i])).join(''));
  indexes.forEach((i, j) => culling.edgeEls.set(i, edgeLayer.children[start + j]));
}

/** One frame's share of the margin: the queued nodes and edges still wanted and not drawn yet. */
function drainMargin(): void {
  culling.draining = false;
  const r = culling.drawn;
  if (!culling.on || !r) return;
  const nodes: PlacedNode[] = [];
  while (nodes.length < MARGIN_BATCH && culling.queue.length) {
    const n = culling.queue.shift()!;
    if (!ui.nodeEls.has(n.id) && overlaps(r, n.x, n.y, n.width, n.height)) nodes.push(n);
  }
  const edges: number[] = [];
  while (edges.length < 2 * MARGIN_BATCH && culling.edgeQueue.length) {
    const i = culling.edgeQueue.shift()!;
    const b = culling.edgeBounds[i];
    if (b && !culling.edgeEls.has(i) && edgeOverlaps(r, b)) edges.push(i);
  }
  const before = ui.dirty.size;
  addNodes(nodes);
  addEdges(edges);
  canvas.setAttribute('data-drawn', String(ui.nodeEls.size));
  if (ui.dirty.size > before) afterMarginDrawn();
  if (culling.queue.length || culling.edgeQueue.length) {
    culling.draining = true;
    requestAnimationFrame(drainMargin);
  }
}

/** One node's markup (also for media/incrementalDraw.ts). */
export function nodeMarkup(n: PlacedNode): string {
  // a collapsed loop is drawn as a step is, its body's size in place of the tool
  const loop = n.kind === 'loop' && !n.hidden;
  const detail = detailText(n);
  const errors = nodeErrors(n.id);
  const status = ui.saved.run.steps[n.id]?.status ?? 'pending';
  const badge = errors && status === 'pending' ? errorBadge(errors) : '';
  const at = placeTexts(n, badge);
  return (
    `<g class="node ${n.kind}${n.hidden ? ' collapsed' : ''}" data-step-id="${escapeXml(n.id)}" data-status="${status}"${errors ? ' data-error="true"' : ''} data-selected="${ui.saved.selected === n.id}" data-highlighted="${ui.highlighted === n.id}" data-paused="${ui.paused === n.id}" transform="translate(${num(n.x)},${num(n.y)})" tabindex="0" role="button" aria-label="${escapeXml(ariaLabel(n, errors))}">` +
    `<rect class="box" width="${num(n.width)}" height="${num(n.height)}" rx="6" ry="6"/>` +
    `<text class="label" x="${TEXT_X}" y="${loop ? 19 : LINE1_Y}">${escapeXml(at.label)}</text>` +
    `<text class="detail" x="${TEXT_X}" y="${loop ? LOOP_HEADER - 2 : LINE2_Y}">${loop ? '' : escapeXml(fitDetail(detail, n.width, at.below))}</text>` +
    `<text class="badge" x="${num(n.width - BADGE_INSET)}" y="${at.badgeY}" text-anchor="end">${escapeXml(badge)}</text>` +
    `<title>${escapeXml(tipOf(n, errors))}</title></g>`
  );
}

/** A node's hover text: its id, name and tool, and its errors. */
function tipOf(n: PlacedNode, errors: ReturnType<typeof nodeErrors>): string {
  const detail = n.hidden ? `▸ loop of ${n.hidden} steps` : n.detail;
  return `${n.id}${n.label !== n.id ? ` — ${n.label}` : ''}\n${detail}${errors ? `\n${errorLines(errors).join('\n')}` : ''}`;
}

function ariaLabel(n: PlacedNode, errors: ReturnType<typeof nodeErrors>): string {
  const what = `${n.label} (${n.hidden ? `collapsed loop of ${n.hidden} steps: + expands` : n.detail})`;
  return errors ? `${what}, ${errorLines(errors).length === 1 ? '1 error' : `${errors.length} errors`}: ${errorLines(errors).join('; ')}` : what;
}

/** What each drawn node shows of its errors (their lines, joined): a new graph's marks are written only where they changed. */
const drawnErrors = new WeakMap<Element, string>();
const errorKey = (id: string) => errorLines(nodeErrors(id) ?? []).join('\n');

/** Brings a drawn node's error mark (its colour, hover text and label) to the graph's errors of its step. */
function syncErrorMark(g: SVGGElement, id: string): void {
  const key = errorKey(id);
  if (drawnErrors.get(g) === key) return;
  drawnErrors.set(g, key);
  const errors = nodeErrors(id);
  if (errors) g.setAttribute('data-error', 'true');
  else g.removeAttribute('data-error');
  const n = ui.layout?.nodes.find((p) => p.id === id);
  if (!n) return;
  const title = g.querySelector('title');
  if (title) title.textContent = tipOf(n, errors);
  g.setAttribute('aria-label', ariaLabel(n, errors));
}

/** Attribute writes restyle the node even when the value is the same: write only changes. */
function setIfChanged(e: Element, name: string, value: string): void {
  if (e.getAttribute(name) !== value) e.setAttribute(name, value);
}


/** The placed nodes by id, for the current layout. */
let placedOf: { layout: Layout | null; byId: Map<string, PlacedNode> } = { layout: null, byId: new Map() };
function placed(id: string): PlacedNode | undefined {
  if (placedOf.layout !== ui.layout) placedOf = { layout: ui.layout, byId: new Map((ui.layout?.nodes ?? []).map((n) => [n.id, n])) };
  return placedOf.byId.get(id);
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

export function updateNode(id: string, now: number): void {
  const g = ui.nodeEls.get(id);
  const s = ui.saved.run.steps[id];
  const status = s?.status ?? 'pending';
  if (!g) {
    // not drawn (out of view): what it would show, for the report and the minimap
    if (ui.shown.has(id) && ui.shown.get(id) !== status) {
      ui.shown.set(id, status);
      ui.reportDirty = true;
      ui.minimapDirty = true;
    }
    return;
  }
  if (ui.shown.get(id) !== status) {
    g.setAttribute('data-status', status);
    ui.shown.set(id, status);
    ui.reportDirty = true;
    ui.minimapDirty = true;
  }
  const reported = status === 'completed' && s?.result?.success === false;
  if (g.classList.contains('reported-failure') !== reported) g.classList.toggle('reported-failure', reported);
  setIfChanged(g, 'data-selected', String(ui.saved.selected === id));
  setIfChanged(g, 'data-highlighted', String(ui.highlighted === id));
  if (g.getAttribute('data-paused') !== String(ui.paused === id)) {
    g.setAttribute('data-paused', String(ui.paused === id));
    ui.reportDirty = true;
  }
  syncErrorMark(g, id);
  const badge = g.querySelector('.badge');
  let text = badgeOf(s, now);
  const errors = nodeErrors(id);
  if (!text && errors) text = errorBadge(errors);
  if (g.classList.contains('loop') && s && s.iterationsStarted) text = `${s.status === 'running' ? 'iteration ' : ''}${s.iterationsStarted}${s.status === 'running' ? '' : ' iterations'}${text && s.status !== 'running' ? ` · ${text}` : ''}`;
  const agent = s?.agent ?? null;
  const running = s?.status === 'running';
  // an agent step: its turn and calls on the second line, a call waiting for a person on the badge
  const waiting = agent ? progressOf(agent).waiting : 0;
  if (waiting) text = waiting === 1 ? 'awaits approval' : `${waiting} await approval`;
  const n = placed(id);
  // a loop whose name does not fit beside its whole badge drops the time from it
  if (n && s && n.kind === 'loop' && !n.hidden && s.iterationsStarted && s.status !== 'running' && placeTexts(n, text).label !== n.label) text = `${s.iterationsStarted} iterations`;
  let moved = false;
  if (badge && badge.textContent !== text) {
    badge.textContent = text;
    // the name gives the badge its room, or the badge goes under it (and the name takes it back when the badge shortens)
    const label = g.querySelector('.label');
    if (n && label) {
      const at = placeTexts(n, text);
      if (label.textContent !== at.label) label.textContent = at.label;
      const y = String(at.badgeY);
      moved = badge.getAttribute('y') !== y || at.below > 0;
      setIfChanged(badge, 'y', y);
    }
  }
  if (agent || g.hasAttribute('data-waiting')) setIfChanged(g, 'data-waiting', String(waiting > 0));
  const detail = g.querySelector('.detail');
  const header = g.classList.contains('loop') && !g.classList.contains('collapsed');
  const streamed = (t: string) => t.replace(/\s+/g, ' ').trim().slice(-40);
  // the line under the name, when it is written again: its whole text (fitted below)
  let line: string | null = null;
  if (agent && detail) {
    line = progressLine(agent, running);
    setIfChanged(g, 'data-agent', line);
  } else if (g.hasAttribute('data-agent') && detail) {
    // a new run cleared the conversation: the step's own line again
    g.removeAttribute('data-agent');
    line = n ? detailText(n) : '';
  }
  if (running && !agent && !g.classList.contains('loop')) {
    if (detail && s.text) {
      line = streamed(s.text);
      g.setAttribute('data-streamed', '');
    }
  } else if (detail && !s?.text && g.hasAttribute('data-streamed')) {
    // a new run, in which the step has streamed nothing yet: its own line, not an earlier run's text
    g.removeAttribute('data-streamed');
    if (!agent) line = n ? detailText(n) : '';
  }
  // the badge moved to or from the second line: its text fitted again
  if (line === null && moved && !header && n) line = g.getAttribute('data-agent') ?? (g.hasAttribute('data-streamed') && s?.text ? streamed(s.text) : detailText(n));
  if (detail && line !== null) {
    const below = badge?.getAttribute('y') === String(LINE2_Y) ? badgeRoom(badge.textContent ?? '') : 0;
    const fittedLine = fitDetail(line, n?.width ?? NODE_WIDTH, below);
    if (detail.textContent !== fittedLine) detail.textContent = fittedLine;
  }
}

/** The line under a node's name as the layout gives it. */
const detailText = (n: PlacedNode) => (n.hidden ? `▸ loop of ${n.hidden} steps` : n.detail);

export function renderHeader(now: number): void {
  const r = ui.saved.run;
  title.textContent = ui.saved.pipelineId ?? 'Pipeline';
  runStatus.textContent = ui.paused && r.status === 'running' ? `paused at ${ui.paused}` : r.status === 'idle' ? 'not run' : r.status;
  runStatus.setAttribute('data-status', r.status);
  const served = r.served ? `served · ${r.served.replace(/^https?:\/\//, '')}` : '';
  const servedTitle = r.served ? `Run ${r.runId ?? ''} of ${r.served}, followed live` : '';
  // the title too: the next run of the same server has the same text
  if (servedBadge.textContent !== served || servedBadge.title !== servedTitle) {
    servedBadge.textContent = served;
    servedBadge.title = servedTitle;
    servedBadge.hidden = !r.served;
  }
  renderSteps();
  const elapsed = r.startedAt ? (r.endedAt ?? now) - r.startedAt : 0;
  elapsedEl.textContent = r.startedAt ? formatDuration(elapsed) : '–';
  tokensEl.textContent = `${(r.tokensIn + r.tokensOut).toLocaleString('en-US')}`;
  tokensEl.title = `${r.tokensIn.toLocaleString('en-US')} in · ${r.tokensOut.toLocaleString('en-US')} out`;
  costEl.textContent = formatCost(r.costUsd);
  renderBudget(r);
  cancelBtn.disabled = r.status !== 'running';
  runBtn.disabled = r.status === 'running' || !ui.saved.graph;
  updateChat();
}

/** The steps the graph draws, a loop's body included (by the graph's identity: a new graph, a new list). */
let idsOf: { graph: GraphDocument | null; ids: string[] } = { graph: null, ids: [] };
function drawnStepIds(): string[] | null {
  const g = ui.saved.graph;
  if (!g) return null;
  if (idsOf.graph !== g) idsOf = { graph: g, ids: graphStepIds(g) };
  return idsOf.ids;
}

let stepsKey = '';
/** "steps 2 / 6 · 1 failed · 3 skipped": completed of every step drawn, then those that failed (a
 * reported failure too; in the error colour), were skipped, cancelled, or never started in a run that
 * ended. Written only when it changed (the header renders every frame of a run). */
function renderSteps(): void {
  const c = stepCounts(ui.saved.run, drawnStepIds());
  const key = `${c.completed}/${c.total}/${c.failed}/${c.skipped}/${c.cancelled}/${c.notRun}`;
  if (key === stepsKey) return;
  stepsKey = key;
  const parts: (string | HTMLElement)[] = [`${c.completed} / ${c.total}`];
  const more = (n: number, word: string, cls: string) => n && parts.push(' · ', el('span', { class: cls, 'data-testid': cls }, `${n} ${word}`));
  more(c.failed, 'failed', 'steps-failed');
  more(c.skipped, 'skipped', 'steps-skipped');
  more(c.cancelled, 'cancelled', 'steps-cancelled');
  more(c.notRun, 'not run', 'steps-not-run');
  stepsDoneEl.replaceChildren(...parts);
  const of = (n: number, word: string) => (n ? `, ${n} ${word}` : '');
  stepsDoneEl.title = `${c.completed} of ${c.total} steps completed${of(c.failed, 'failed (or reported a failure)')}${of(c.skipped, 'skipped')}${of(c.cancelled, 'cancelled')}${of(c.notRun, 'never started')}; a loop's body steps count as steps`;
}
