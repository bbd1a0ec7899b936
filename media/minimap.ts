// The minimap: the whole graph drawn small in a corner of the pane (one rectangle per node, colored
// by status) with the part in view outlined. Shown only when the graph does not fit the pane at the
// current zoom; a click or drag on it moves the view there (panZoom.ts listens).
import { el, graphPane } from './page';
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

/** The minimap's scale (graph units → minimap pixels) and size for the current layout. */
function geometry(): { s: number; w: number; h: number } | null {
  const l = ui.layout;
  if (!l || !l.width || !l.height) return null;
  const s = Math.min(MAX_W / l.width, MAX_H / l.height);
  return { s, w: Math.max(MIN_SIDE, Math.round(l.width * s)), h: Math.max(MIN_SIDE, Math.round(l.height * s)) };
}

/** Where a point on the minimap is in the graph. */
export function minimapToGraph(px: number, py: number): { x: number; y: number } | null {
  const g = geometry();
  return g ? { x: px / g.s, y: py / g.s } : null;
}

/** Shows or hides the minimap, redraws its nodes when they changed, and moves the view's outline. */
export function drawMinimap(): void {
  const l = ui.layout;
  const g = geometry();
  const pw = graphPane.clientWidth;
  const ph = graphPane.clientHeight;
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
      c.setTransform(dpr * g.s, 0, 0, dpr * g.s, 0, 0);
      c.clearRect(0, 0, l.width, l.height);
      const min = 1 / g.s;
      for (const n of l.nodes) {
        const status = ui.shown.get(n.id) ?? 'pending';
        if (n.kind === 'loop') {
          c.strokeStyle = '#8b949e';
          c.lineWidth = min;
          c.strokeRect(n.x, n.y, n.width, n.height);
          continue;
        }
        c.fillStyle = COLORS[status] ?? '#8b949e';
        c.fillRect(n.x, n.y, Math.max(min, n.width), Math.max(min, n.height));
      }
    }
  }
  const left = Math.max(0, (-x / k) * g.s);
  const top = Math.max(0, (-y / k) * g.s);
  const right = Math.min(g.w, ((pw - x) / k) * g.s);
  const bottom = Math.min(g.h, ((ph - y) / k) * g.s);
  frame.style.transform = `translate(${left}px,${top}px)`;
  frame.style.width = `${Math.max(2, right - left)}px`;
  frame.style.height = `${Math.max(2, bottom - top)}px`;
}
