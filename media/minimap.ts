// The minimap: the whole graph drawn small in a corner of the pane (one rectangle per node, colored
// by status) with the part in view outlined. Shown only when the graph does not fit the pane at the
// current zoom; a click or drag on it moves the view there (panZoom.ts listens).
import { el, graphPane, paneSize } from './page';
import { ui } from './viewState';

const MAX_W = 200;
const MAX_H = 140;
const MIN_SIDE = 24;

export const minimap = el('div', { class: 'minimap', 'data-testid': 'minimap', hidden: '', 'aria-hidden': 'true' });
const canvas = el('canvas', { class: 'minimap-nodes' });
const frame = el('div', { class: 'minimap-view' });
minimap.append(canvas, frame);
graphPane.append(minimap);

const COLORS: Record<string, string> = {
  completed: '#3fb950',
  failed: '#f85149',
  running: '#2f81f7',
  retrying: '#d29922',
  skipped: '#8b949e80',
  cancelled: '#8b949e80',
};

/** The minimap's size and scales (graph units → minimap pixels) for the current layout: one scale
 * for both axes, except that a very long or very tall graph is stretched across to MIN_SIDE. */
function geometry(): { sx: number; sy: number; w: number; h: number } | null {
  const l = ui.layout;
  if (!l || !l.width || !l.height) return null;
  const s = Math.min(MAX_W / l.width, MAX_H / l.height);
  const w = Math.max(MIN_SIDE, Math.round(l.width * s));
  const h = Math.max(MIN_SIDE, Math.round(l.height * s));
  return { sx: w / l.width, sy: h / l.height, w, h };
}

/** Where a point on the screen over the minimap is in the graph (clamped to the graph). */
export function minimapToGraph(clientX: number, clientY: number): { x: number; y: number } | null {
  const g = geometry();
  const l = ui.layout;
  if (!g || !l) return null;
  const r = canvas.getBoundingClientRect();
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
  return { x: clamp((clientX - r.left) / g.sx, l.width), y: clamp((clientY - r.top) / g.sy, l.height) };
}

/** Shows or hides the minimap, redraws its nodes when they changed, and moves the view's outline. */
export function drawMinimap(): void {
  const l = ui.layout;
  const g = geometry();
  const { w: pw, h: ph } = paneSize();
  const { x, y, k } = ui.view;
  const fits = !!l && l.width * k <= pw + 1 && l.height * k <= ph + 1 && x >= -1 && y >= -1 && x + l.width * k <= pw + 1 && y + l.height * k <= ph + 1;
  minimap.hidden = !l || !g || fits;
  if (minimap.hidden || !l || !g) return;
  if (ui.minimapDirty) {
    ui.minimapDirty = false;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(g.w * dpr);
    canvas.height = Math.round(g.h * dpr);
    canvas.style.width = `${g.w}px`;
    canvas.style.height = `${g.h}px`;
    minimap.style.width = `${g.w}px`;
    minimap.style.height = `${g.h}px`;
    const c = canvas.getContext('2d');
    if (c) {
      c.setTransform(dpr * g.sx, 0, 0, dpr * g.sy, 0, 0);
      c.clearRect(0, 0, l.width, l.height);
      // at least half a pixel each way, so a node never vanishes
      const minW = 0.5 / g.sx;
      const minH = 0.5 / g.sy;
      for (const n of l.nodes) {
        const status = ui.shown.get(n.id) ?? 'pending';
        if (n.kind === 'loop' && !n.hidden) {
          c.strokeStyle = '#8b949e';
          c.lineWidth = Math.min(minW, minH);
          c.strokeRect(n.x, n.y, n.width, n.height);
          continue;
        }
        c.fillStyle = COLORS[status] ?? '#8b949e';
        c.fillRect(n.x, n.y, Math.max(minW, n.width), Math.max(minH, n.height));
      }
    }
  }
  const left = Math.max(0, (-x / k) * g.sx);
  const top = Math.max(0, (-y / k) * g.sy);
  const right = Math.min(g.w, ((pw - x) / k) * g.sx);
  const bottom = Math.min(g.h, ((ph - y) / k) * g.sy);
  // written only when changed: the outline's size stays the same through most of a drag
  const transform = `translate(${left}px,${top}px)`;
  const width = `${Math.max(2, right - left)}px`;
  const height = `${Math.max(2, bottom - top)}px`;
  if (frame.style.transform !== transform) frame.style.transform = transform;
  if (frame.style.width !== width) frame.style.width = width;
  if (frame.style.height !== height) frame.style.height = height;
}
