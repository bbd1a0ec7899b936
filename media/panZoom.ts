// Pan and zoom of the graph: dragging the background pans, the wheel zooms about the pointer, Fit
// fits the graph to the pane (and a fitted view is refitted when the pane resizes).
import { canvas, fitBtn, graphPane, viewport } from './page';
import { save, ui } from './viewState';

export function applyView(): void {
  const view = ui.view;
  viewport.setAttribute('transform', `translate(${view.x},${view.y}) scale(${view.k})`);
  ui.saved.view = view;
}

export function fit(): void {
  const layout = ui.layout;
  if (!layout) return;
  const w = graphPane.clientWidth || 800;
  const h = graphPane.clientHeight || 600;
  const k = Math.min(1.5, Math.max(0.05, Math.min((w - 24) / Math.max(1, layout.width), (h - 24) / Math.max(1, layout.height))));
  ui.view = { k, x: (w - layout.width * k) / 2, y: Math.max(8, (h - layout.height * k) / 2) };
  applyView();
  ui.fitted = true;
  save();
}

/** Listens to the pane's size, the pointer and the wheel, and the Fit button. */
export function installPanZoom(): void {
  fitBtn.addEventListener('click', () => fit());
  let lastSize = '';
  new ResizeObserver(() => {
    const size = `${graphPane.clientWidth}x${graphPane.clientHeight}`;
    if (size === lastSize) return;
    lastSize = size;
    if (ui.fitted) fit();
  }).observe(graphPane);
  let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
  canvas.addEventListener('pointerdown', (e) => {
    if ((e.target as Element).closest('.node')) return;
    drag = { x: e.clientX, y: e.clientY, vx: ui.view.x, vy: ui.view.y, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    drag.moved = true;
    ui.view = { ...ui.view, x: drag.vx + e.clientX - drag.x, y: drag.vy + e.clientY - drag.y };
    ui.fitted = false;
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
      const view = ui.view;
      const k = Math.min(4, Math.max(0.05, view.k * Math.exp(-e.deltaY * 0.0015)));
      ui.view = { k, x: px - ((px - view.x) * k) / view.k, y: py - ((py - view.y) * k) / view.k };
      ui.fitted = false;
      applyView();
      save();
    },
    { passive: false },
  );
}
