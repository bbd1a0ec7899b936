// Drawing the graph after an incremental layout (media/incrementalLayout.ts) as a patch of the DOM:
// the elements of steps and edges that did not change stay as they are (so the browser restyles and
// repaints only what the edit touched: at 2,000 steps, redrawing everything cost most of a gesture);
// new ones are added, gone ones removed, changed ones replaced, with the markup drawing.ts writes.
import { edgeMarkup, nodeMarkup } from './drawing';
import type { Layout, PlacedEdge, PlacedNode } from './layout';
import { canvas, edgeLayer, nodeLayer } from './page';
import { ui } from './viewState';

const SVG = 'http://www.w3.org/2000/svg';

function element(markup: string): SVGGElement {
  const holder = document.createElementNS(SVG, 'g');
  holder.innerHTML = markup;
  return holder.firstElementChild as SVGGElement;
}

const sameNode = (a: PlacedNode, b: PlacedNode) => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height && a.label === b.label && a.detail === b.detail && a.kind === b.kind;
const sameEdge = (a: PlacedEdge, b: PlacedEdge) => a.kind === b.kind && a.points.length === b.points.length && a.points.every((p, i) => p.x === b.points[i].x && p.y === b.points[i].y);

/** Brings the drawing of `prev` (on screen) to `next`. */
export function patchGraph(prev: Layout, next: Layout): void {
  const before = new Map(prev.nodes.map((n) => [n.id, n]));
  const keep = new Set(next.nodes.map((n) => n.id));
  for (const [id, g] of ui.nodeEls) {
    if (keep.has(id)) continue;
    g.remove();
    ui.nodeEls.delete(id);
    ui.shown.delete(id);
  }
  for (const n of next.nodes) {
    const old = before.get(n.id);
    const g = ui.nodeEls.get(n.id);
    if (old && g && sameNode(old, n)) continue;
    const fresh = element(nodeMarkup(n));
    if (g) g.replaceWith(fresh);
    // a loop under the steps (its body draws on top of it)
    else if (n.kind === 'loop') nodeLayer.prepend(fresh);
    else nodeLayer.append(fresh);
    ui.nodeEls.set(n.id, fresh);
    ui.shown.set(n.id, fresh.getAttribute('data-status') ?? 'pending');
    if (ui.saved.run.steps[n.id] && ui.saved.run.steps[n.id].status !== 'pending') ui.dirty.add(n.id);
  }
  const edgesBefore = new Map(prev.edges.map((e) => [e.id, e]));
  const edgesNow = new Map(next.edges.map((e) => [e.id, e]));
  const drawn = new Map<string, Element>();
  for (const el of edgeLayer.children) drawn.set(el.getAttribute('data-edge') ?? '', el);
  for (const [id, el] of drawn) {
    const now = edgesNow.get(id);
    const old = edgesBefore.get(id);
    if (!now || !old || !sameEdge(old, now)) {
      el.remove();
      drawn.delete(id);
    }
  }
  for (const e of next.edges) if (!drawn.has(e.id) && e.points.length >= 2) edgeLayer.append(element(edgeMarkup(e)));
  canvas.setAttribute('data-nodes', String(next.nodes.length));
  ui.reportDirty = true;
  ui.minimapDirty = true;
  ui.headerDirty = true;
  ui.panelDirty = true;
}
