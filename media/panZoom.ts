// Pan and zoom of the graph: dragging the background pans (the SVG moved as a whole, its own layer
// that the compositor moves without painting; the view written into the graph's transform when the
// drag ends), the wheel zooms about the pointer, Fit
// fits the graph to the pane but never below a readable zoom (a bigger graph is then shown from its
// start, to scroll and to reach through the minimap), and a fitted view is refitted when the pane
// resizes. Also the direction by the pane's shape, the minimap's clicks, and the arrow keys moving
// from node to node (bringing each into view: a big graph draws only what is in view).
import { drawVisible } from './drawing';
import { schedule } from './frames';
import { drawMinimap, minimap, minimapToGraph } from './minimap';
import { canvas, CANVAS_MARGIN, canvasOrigin, fitBtn, graphPane, nodeLayer, paneSize, shiftCanvas, viewport } from './page';
import type { GraphDocument } from '../engine/plan/graph';
import type { PlacedNode } from './layout';
import type { GraphDirection, GraphDirectionSetting } from './protocol';
import { save, ui, type ViewBox } from './viewState';

/** Fit never zooms out below this: node labels (12.5 px) stay 7.5 px or more. */
export const READABLE_ZOOM = 0.6;
/** How far the wheel zooms out (the minimap shows the whole of a graph this does not). */
export const MIN_ZOOM = 0.2;
export const MAX_ZOOM = 4;

/** How much taller than wide (or wider than tall) the pane must be for 'AUTO' to change direction:
 * a near-square pane keeps the current one, so opening the step panel does not turn the graph. */
export const SHAPE_MARGIN = 1.25;

/** The layout direction: the setting's, or by the pane's shape for 'AUTO' (clearly taller than wide:
 * top down; clearly wider than tall: left to right; else, or not laid out yet, the current one). */
export function chooseDirection(setting: GraphDirectionSetting, width: number, height: number, current: GraphDirection): GraphDirection {
  if (setting !== 'AUTO') return setting;
  if (!width || !height) return current;
  if (height > width * SHAPE_MARGIN) return 'DOWN';
  if (width > height * SHAPE_MARGIN) return 'RIGHT';
  return current;
}

/** The direction for the pane as it is now. */
export function paneDirection(): GraphDirection {
  return chooseDirection(ui.saved.directionSetting, paneSize().w, paneSize().h, ui.saved.direction);
}

/** The view the graph layer's transform attribute holds. */
let placed: ViewBox | null = null;
/** True while the background or the minimap is dragged: the view's moves are a CSS translation of
 * the whole SVG (its own compositor layer, reaching CANVAS_MARGIN past the pane), which the
 * compositor applies without painting; a new transform of the graph layer each frame would paint
 * and raster every node and edge drawn, in every frame of the drag. */
let dragging = false;

export function applyView(): void {
  const view = ui.view;
  const dx = placed ? view.x - placed.x : 0;
  const dy = placed ? view.y - placed.y : 0;
  if (dragging && placed && placed.k === view.k && Math.abs(dx) <= CANVAS_MARGIN && Math.abs(dy) <= CANVAS_MARGIN) shiftCanvas(dx, dy);
  else placeView(view);
  ui.saved.view = view;
  if (drawVisible()) schedule();
  drawMinimap();
}

/** Writes the view into the graph layer's transform (a zoom, Fit, the end of a drag, a drag past
 * the SVG's margin), the SVG back in place. */
function placeView(view: ViewBox): void {
  if (!placed || placed.x !== view.x || placed.y !== view.y || placed.k !== view.k) viewport.setAttribute('transform', `translate(${view.x + CANVAS_MARGIN},${view.y + CANVAS_MARGIN}) scale(${view.k})`);
  placed = { ...view };
  shiftCanvas(0, 0);
}

/** The end of a drag: the view into the layer's transform, the SVG back in place over the pane. */
function endDrag(): void {
  dragging = false;
  placeView(ui.view);
}

/** Pointer moves and wheel turns come faster than frames: the view is applied once per frame. */
let viewFrame = false;
function applyViewSoon(): void {
  if (viewFrame) return;
  viewFrame = true;
  requestAnimationFrame(() => {
    viewFrame = false;
    applyView();
  });
}

export function fit(): void {
  const layout = ui.layout;
  if (!layout) return;
  const w = paneSize().w || 800;
  const h = paneSize().h || 600;
  const k = Math.min(1.5, Math.max(READABLE_ZOOM, Math.min((w - 24) / Math.max(1, layout.width), (h - 24) / Math.max(1, layout.height))));
  // centered along an axis the graph fits, else from its start
  const x = layout.width * k <= w - 24 ? (w - layout.width * k) / 2 : 12;
  const y = layout.height * k <= h - 16 ? Math.max(8, (h - layout.height * k) / 2) : 8;
  ui.view = { k, x, y };
  applyView();
  ui.fitted = true;
  save();
}

/** The node that shows a step: its own, or the collapsed loop its body is hidden in. */
function shownAs(id: string): PlacedNode | undefined {
  const nodes = ui.layout?.nodes ?? [];
  const own = nodes.find((m) => m.id === id);
  if (own || !ui.saved.graph) return own;
  const loops: string[] = [];
  const find = (g: GraphDocument): boolean => g.nodes.some((n) => n.id === id || (!!n.children && find(n.children) && loops.push(n.id) > 0));
  find(ui.saved.graph);
  // innermost first: the outermost loop that has a node is the collapsed one
  for (const loop of loops.reverse()) {
    const m = nodes.find((x) => x.id === loop);
    if (m) return m;
  }
  return undefined;
}

/** Moves the view so the node is in it (centered on it when it was out of view), and draws it; a
 * step hidden in a collapsed loop brings the loop. */
export function bringIntoView(id: string): void {
  const n = shownAs(id);
  if (!n) return;
  const w = paneSize().w || 800;
  const h = paneSize().h || 600;
  const { x, y, k } = ui.view;
  const sx = x + n.x * k;
  const sy = y + n.y * k;
  if (sx >= 0 && sy >= 0 && sx + Math.min(n.width * k, w) <= w && sy + Math.min(n.height * k, h) <= h) return;
  ui.view = { k, x: w / 2 - (n.x + Math.min(n.width, w / k) / 2) * k, y: h / 2 - (n.y + Math.min(n.height, h / k) / 2) * k };
  ui.fitted = false;
  applyView();
  save();
}

/** The node before or after this one in the layout's order (the document's, bodies after their loop). */
function neighbour(id: string, step: number): string | null {
  const nodes = ui.layout?.nodes ?? [];
  const i = nodes.findIndex((n) => n.id === id);
  const next = nodes[i + step];
  return i < 0 || !next ? null : next.id;
}

/** Listens to the pane's size, the pointer and the wheel, the minimap, the arrow keys and Fit.
 * `directionChanged` is called when 'AUTO' picks another direction for the pane's new shape. */
export function installPanZoom(directionChanged: () => void): void {
  fitBtn.addEventListener('click', () => fit());
  let lastSize = '';
  new ResizeObserver(() => {
    const { w, h } = paneSize(true);
    const size = `${w}x${h}`;
    if (size === lastSize) return;
    lastSize = size;
    if (!ui.layout) return;
    if (paneDirection() !== ui.saved.direction) return directionChanged();
    if (ui.fitted) fit();
    else applyView();
  }).observe(graphPane);
  let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
  let onMap = false;
  canvas.addEventListener('pointerdown', (e) => {
    if ((e.target as Element).closest('.node')) return;
    drag = { x: e.clientX, y: e.clientY, vx: ui.view.x, vy: ui.view.y, moved: false };
    dragging = true;
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    drag.moved = true;
    ui.view = { ...ui.view, x: drag.vx + e.clientX - drag.x, y: drag.vy + e.clientY - drag.y };
    ui.fitted = false;
    applyViewSoon();
  });
  const release = () => {
    if (drag?.moved) save();
    drag = null;
    if (!onMap) endDrag();
  };
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) canvas.addEventListener(type, release);
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const origin = canvasOrigin();
      const px = e.clientX - origin.left;
      const py = e.clientY - origin.top;
      const view = ui.view;
      const k = Math.min(MAX_ZOOM, Math.max(Math.min(MIN_ZOOM, view.k), view.k * Math.exp(-e.deltaY * 0.0015)));
      ui.view = { k, x: px - ((px - view.x) * k) / view.k, y: py - ((py - view.y) * k) / view.k };
      ui.fitted = false;
      applyViewSoon();
      save();
    },
    { passive: false },
  );
  // the minimap: the view centered where it is pressed, and following a drag
  const centerAt = (e: PointerEvent) => {
    const at = minimapToGraph(e.clientX, e.clientY);
    if (!at) return;
    const w = paneSize().w || 800;
    const h = paneSize().h || 600;
    ui.view = { ...ui.view, x: w / 2 - at.x * ui.view.k, y: h / 2 - at.y * ui.view.k };
    ui.fitted = false;
    applyViewSoon();
  };
  minimap.addEventListener('pointerdown', (e) => {
    onMap = true;
    dragging = true;
    minimap.setPointerCapture(e.pointerId);
    centerAt(e);
    e.stopPropagation();
  });
  minimap.addEventListener('pointermove', (e) => onMap && centerAt(e));
  const releaseMap = () => {
    if (onMap) save();
    onMap = false;
    if (!drag) endDrag();
  };
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) minimap.addEventListener(type, releaseMap);
  // arrow keys: the next or previous node, brought into view and focused
  nodeLayer.addEventListener('keydown', (e) => {
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
    const id = (e.target as Element | null)?.closest?.('.node')?.getAttribute('data-step-id');
    if (!step || !id) return;
    const next = neighbour(id, step);
    if (!next) return;
    e.preventDefault();
    bringIntoView(next);
    ui.nodeEls.get(next)?.focus();
  });
}
