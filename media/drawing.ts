// Drawing the graph: edges and nodes as one markup string per layer, each node's status, badge and
// marks updated in place, and the run header (status, steps done, time, tokens, cost).
import { isJump, LOOP_HEADER, type Layout, type PlacedEdge, type PlacedNode } from './layout';
import { cancelBtn, canvas, costEl, edgeLayer, elapsedEl, nodeLayer, runBtn, runStatus, stepsDoneEl, title, tokensEl } from './page';
import { formatCost, formatDuration, stepsDone, type StepView } from './runState';
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

/** Draws the whole graph at once: one markup string per layer, parsed in one go (several times
 * faster than creating a thousand nodes' elements one by one). Clicks are handled on the layer. */
export function drawGraph(l: Layout): void {
  ui.nodeEls.clear();
  ui.shown.clear();
  ui.reportDirty = true;
  canvas.setAttribute('data-nodes', String(l.nodes.length));
  const edges: string[] = [];
  for (const e of l.edges) if (e.points.length >= 2) edges.push(edgeMarkup(e));
  edgeLayer.innerHTML = edges.join('');
  // loops first, so their bodies draw on top
  const ordered = [...l.nodes].sort((a, b) => (a.kind === 'loop' ? 0 : 1) - (b.kind === 'loop' ? 0 : 1));
  nodeLayer.innerHTML = ordered.map(nodeMarkup).join('');
  for (const g of nodeLayer.querySelectorAll<SVGGElement>('g.node')) {
    const id = g.getAttribute('data-step-id') ?? '';
    ui.nodeEls.set(id, g);
    ui.shown.set(id, g.getAttribute('data-status') ?? 'pending');
    // the markup already shows a pending node as it is: only the others need their badge
    if (ui.saved.run.steps[id] && ui.saved.run.steps[id].status !== 'pending') ui.dirty.add(id);
  }
  ui.headerDirty = true;
  ui.panelDirty = true;
}

/** One edge's markup (also for media/incrementalDraw.ts). */
export function edgeMarkup(e: PlacedEdge): string {
  const cls = isJump(e.kind) ? `edge jump ${e.kind}` : `edge dep ${e.kind}`;
  const marker = e.kind === 'on_failure' ? 'fail' : isJump(e.kind) ? 'jump' : 'dep';
  let g = `<g class="${cls}" data-edge="${escapeXml(e.id)}"><path d="${edgePath(e.points)}" marker-end="url(#arrow-${marker})"/>`;
  if (isJump(e.kind)) {
    const at = labelPoint(e.points);
    g += `<text class="edge-label" x="${num(at.x)}" y="${num(at.y)}" text-anchor="${at.anchor}">${e.kind.replace('_', ' ')}</text>`;
  }
  return `${g}</g>`;
}

/** One node's markup (also for media/incrementalDraw.ts). */
export function nodeMarkup(n: PlacedNode): string {
  const loop = n.kind === 'loop';
  const tip = `${n.id}${n.label !== n.id ? ` — ${n.label}` : ''}\n${n.detail}`;
  return (
    `<g class="node ${n.kind}" data-step-id="${escapeXml(n.id)}" data-status="${ui.saved.run.steps[n.id]?.status ?? 'pending'}" data-selected="${ui.saved.selected === n.id}" data-highlighted="${ui.highlighted === n.id}" data-paused="${ui.paused === n.id}" transform="translate(${num(n.x)},${num(n.y)})" tabindex="0" role="button" aria-label="${escapeXml(`${n.label} (${n.detail})`)}">` +
    `<rect class="box" width="${num(n.width)}" height="${num(n.height)}" rx="6" ry="6"/>` +
    `<text class="label" x="10" y="${loop ? 19 : 18}">${escapeXml(truncate(n.label, loop ? 60 : 24))}</text>` +
    `<text class="detail" x="10" y="${loop ? LOOP_HEADER - 2 : 35}">${loop ? '' : escapeXml(truncate(n.detail, 28))}</text>` +
    `<text class="badge" x="${num(n.width - 8)}" y="18" text-anchor="end"></text>` +
    `<title>${escapeXml(tip)}</title></g>`
  );
}

/** Attribute writes restyle the node even when the value is the same: write only changes. */
function setIfChanged(e: Element, name: string, value: string): void {
  if (e.getAttribute(name) !== value) e.setAttribute(name, value);
}

export function truncate(s: string, n: number): string {
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

export function updateNode(id: string, now: number): void {
  const g = ui.nodeEls.get(id);
  if (!g) return;
  const s = ui.saved.run.steps[id];
  const status = s?.status ?? 'pending';
  if (ui.shown.get(id) !== status) {
    g.setAttribute('data-status', status);
    ui.shown.set(id, status);
    ui.reportDirty = true;
  }
  const reported = status === 'completed' && s?.result?.success === false;
  if (g.classList.contains('reported-failure') !== reported) g.classList.toggle('reported-failure', reported);
  setIfChanged(g, 'data-selected', String(ui.saved.selected === id));
  setIfChanged(g, 'data-highlighted', String(ui.highlighted === id));
  if (g.getAttribute('data-paused') !== String(ui.paused === id)) {
    g.setAttribute('data-paused', String(ui.paused === id));
    ui.reportDirty = true;
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

export function renderHeader(now: number): void {
  const r = ui.saved.run;
  title.textContent = ui.saved.pipelineId ?? 'Pipeline';
  runStatus.textContent = ui.paused && r.status === 'running' ? `paused at ${ui.paused}` : r.status === 'idle' ? 'not run' : r.status;
  runStatus.setAttribute('data-status', r.status);
  const total = ui.saved.graph ? ui.saved.graph.nodes.length : r.total;
  stepsDoneEl.textContent = `${topLevelDone()} / ${r.total || total}`;
  const elapsed = r.startedAt ? (r.endedAt ?? now) - r.startedAt : 0;
  elapsedEl.textContent = r.startedAt ? formatDuration(elapsed) : '–';
  tokensEl.textContent = `${(r.tokensIn + r.tokensOut).toLocaleString('en-US')}`;
  tokensEl.title = `${r.tokensIn.toLocaleString('en-US')} in · ${r.tokensOut.toLocaleString('en-US')} out`;
  costEl.textContent = formatCost(r.costUsd);
  cancelBtn.disabled = r.status !== 'running';
  runBtn.disabled = r.status === 'running' || !ui.saved.graph;
}

/** Steps done at the top level (loop bodies count through their loop). */
function topLevelDone(): number {
  if (!ui.saved.graph) return stepsDone(ui.saved.run);
  let n = 0;
  for (const node of ui.saved.graph.nodes) {
    const s = ui.saved.run.steps[node.id];
    if (s && s.result && (s.status === 'completed' || s.status === 'skipped' || s.status === 'failed')) n++;
  }
  return n;
}
