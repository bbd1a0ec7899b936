// Editing the pipeline in the graph: drag from a node's handle to another node to connect them, click
// an edge and press Delete to disconnect it, Delete on a selected step to remove it, keys for the other
// graph commands (A add a step after the selected one, C connect, F2 rename, D duplicate), and the
// context a right-click gives the node's menu (data-vscode-context). The panel edits nothing itself:
// it posts the gesture with the version of the document it drew, and the extension makes the edit
// (or says in the notice why not). Drawing is left to drawing.ts; this module only adds on top.
import { boundsOf, culledEdgeBounds } from './drawing';
import { canvas, canvasOrigin, edgeLayer, el, fitBtn, graphPane, nodeLayer, notice, svg, viewport } from './page';
import type { PlacedEdge, PlacedNode } from './layout';
import { isJump } from './layout';
import type { GraphCommand, GraphMenuContext, ToWebview } from './protocol';
import { ui, vscode } from './viewState';

/** The document version the drawn graph is of (gestures name it; the host refuses a stale one). */
let version: number | null = null;
let selectedEdge: string | null = null;
let handleFor: string | null = null;
let drag: { from: string; start: { x: number; y: number }; over: Element | null } | null = null;

const handle = svg('circle', { class: 'connect-handle', r: 7, 'data-testid': 'connect-handle', visibility: 'hidden' });
handle.append(svg('title'));
const rubber = svg('path', { class: 'rubber-band', visibility: 'hidden' });
export const tidyBtn = el('button', { 'data-testid': 'tidy', title: 'Lay the whole graph out again (after edits, steps keep their places)' }, 'Tidy');

const nodeOf = (id: string | null): PlacedNode | undefined => (id ? ui.layout?.nodes.find((n) => n.id === id) : undefined);

/** A point of the page in the graph's coordinates. */
function toGraph(e: { clientX: number; clientY: number }): { x: number; y: number } {
  const r = canvasOrigin();
  return { x: (e.clientX - r.left - ui.view.x) / ui.view.k, y: (e.clientY - r.top - ui.view.y) / ui.view.k };
}

function handlePoint(n: PlacedNode): { x: number; y: number } {
  return ui.saved.direction === 'DOWN' ? { x: n.x + n.width / 2, y: n.y + n.height } : { x: n.x + n.width, y: n.y + (n.kind === 'loop' ? 15 : n.height / 2) };
}

function placeHandle(id: string | null): void {
  const n = nodeOf(id);
  handleFor = n ? n.id : null;
  if (!n) {
    handle.setAttribute('visibility', 'hidden');
    return;
  }
  const p = handlePoint(n);
  handle.setAttribute('cx', String(p.x));
  handle.setAttribute('cy', String(p.y));
  handle.setAttribute('data-step-id', n.id);
  handle.firstChild!.textContent = `Drag to the step that waits for '${n.id}'`;
  handle.setAttribute('visibility', 'visible');
}

function say(text: string): void {
  notice.hidden = false;
  notice.dataset.level = 'warning';
  notice.textContent = text;
}

function post(op: Parameters<typeof vscode.postMessage>[0]): void {
  vscode.postMessage(op);
}

function command(name: GraphCommand, stepId: string | null): void {
  post({ type: 'command', command: name, stepId });
}

/** Each edge's box, once per layout (the layout's edges are new objects when it changes). */
const edgeBoxes = new WeakMap<PlacedEdge, ReturnType<typeof boundsOf>>();
function edgeBox(e: PlacedEdge): ReturnType<typeof boundsOf> {
  let b = edgeBoxes.get(e);
  if (!b) edgeBoxes.set(e, (b = boundsOf(e.points)));
  return b;
}

/** Distance from a point to the nearest segment of an edge's polyline. */
function distance(e: PlacedEdge, p: { x: number; y: number }): number {
  let best = Infinity;
  for (let i = 0; i + 1 < e.points.length; i++) {
    const a = e.points[i];
    const b = e.points[i + 1];
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len)) : 0;
    best = Math.min(best, Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy)));
  }
  return best;
}

/** The edge within a few pixels of the pointer (edges are thin: the pointer need not be on the line). */
function edgeNear(e: { clientX: number; clientY: number }): PlacedEdge | undefined {
  const p = toGraph(e);
  let best: PlacedEdge | undefined;
  let bestD = 7 / ui.view.k;
  const known = culledEdgeBounds();
  const edges = ui.layout?.edges ?? [];
  for (let i = 0; i < edges.length; i++) {
    const edge = edges[i];
    // an edge whose box is farther than the best so far is passed over without its segments (a
    // 5,000-step graph's edges have millions of points: measuring them all took 40 ms a click)
    const b = known?.[i] ?? edgeBox(edge);
    if (p.x < b.x0 - bestD || p.x > b.x1 + bestD || p.y < b.y0 - bestD || p.y > b.y1 + bestD) continue;
    const d = distance(edge, p);
    if (d < bestD) {
      bestD = d;
      best = edge;
    }
  }
  return best;
}

function edgeEl(id: string): Element | null {
  return edgeLayer.querySelector(`g[data-edge="${CSS.escape(id)}"]`);
}

export function selectEdge(id: string | null): void {
  if (selectedEdge) edgeEl(selectedEdge)?.removeAttribute('data-selected');
  selectedEdge = id;
  graphPane.setAttribute('data-selected-edge', id ?? '');
  if (id) {
    edgeEl(id)?.setAttribute('data-selected', 'true');
    graphPane.focus();
  }
}

function deleteEdge(e: PlacedEdge): void {
  if (isJump(e.kind)) {
    say(`'${e.from}' jumps to '${e.to}' by its ${e.kind}: a jump is not a dependency; change the step's ${e.kind} in the editor.`);
    return;
  }
  // an implied edge goes to the host too: its refusal names the template that implies it
  post({ type: 'edit', op: { op: 'disconnect', from: e.from, to: e.to }, version });
}

function menuContext(section: GraphMenuContext['webviewSection'], extra: Partial<GraphMenuContext>): string {
  return JSON.stringify({ webviewSection: section, uri: ui.saved.uri, ...extra, preventDefaultContextMenuItems: true });
}

export function installGestures(): void {
  viewport.append(rubber, handle);
  fitBtn.after(tidyBtn);
  graphPane.setAttribute('data-vscode-context', menuContext('graph', {}));
  window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
    const m = event.data;
    if (m && m.type === 'graph-diff') version = m.version;
    if (m && m.type === 'graph') {
      version = m.version;
      if (!m.graph) {
        selectEdge(null);
        placeHandle(null);
      }
    }
  });
  // a graph drawn again (the host refreshes it after edits and saves): the handle and the selected
  // edge stay on their step and edge while these exist, at their new places
  ui.afterDraw = () => {
    placeHandle(handleFor);
    if (selectedEdge && !edgeEl(selectedEdge)) selectEdge(null);
    else if (selectedEdge) edgeEl(selectedEdge)?.setAttribute('data-selected', 'true');
  };

  nodeLayer.addEventListener('pointerover', (e) => {
    if (drag) return;
    const id = (e.target as Element).closest('.node')?.getAttribute('data-step-id');
    if (id && id !== handleFor) placeHandle(id);
  });
  nodeLayer.addEventListener('click', (e) => {
    const id = (e.target as Element).closest('.node')?.getAttribute('data-step-id');
    if (id) placeHandle(id);
  });
  nodeLayer.addEventListener('focusin', (e) => {
    const id = (e.target as Element).closest('.node')?.getAttribute('data-step-id');
    if (id) placeHandle(id);
  });

  handle.addEventListener('pointerdown', (e) => {
    if (!handleFor) return;
    e.stopPropagation();
    e.preventDefault();
    handle.setPointerCapture(e.pointerId);
    const n = nodeOf(handleFor)!;
    drag = { from: handleFor, start: handlePoint(n), over: null };
    rubber.setAttribute('d', `M${drag.start.x},${drag.start.y}`);
    rubber.setAttribute('visibility', 'visible');
    graphPane.setAttribute('data-connecting', handleFor);
  });
  handle.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const p = toGraph(e);
    rubber.setAttribute('d', `M${drag.start.x},${drag.start.y} L${p.x},${p.y}`);
    const over = document.elementFromPoint(e.clientX, e.clientY)?.closest('.node') ?? null;
    if (over !== drag.over) {
      drag.over?.removeAttribute('data-drop-target');
      if (over && over.getAttribute('data-step-id') !== drag.from) over.setAttribute('data-drop-target', 'true');
      drag.over = over;
    }
  });
  const endDrag = (e: PointerEvent, drop: boolean) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    d.over?.removeAttribute('data-drop-target');
    rubber.setAttribute('visibility', 'hidden');
    graphPane.removeAttribute('data-connecting');
    if (!drop) return;
    const to = document.elementFromPoint(e.clientX, e.clientY)?.closest('.node')?.getAttribute('data-step-id');
    if (to && to !== d.from) post({ type: 'edit', op: { op: 'connect', from: d.from, to }, version });
  };
  handle.addEventListener('pointerup', (e) => endDrag(e, true));
  handle.addEventListener('pointercancel', (e) => endDrag(e, false));

  // a click near an edge (not a drag of the background) selects it
  // a press that moved more than a few pixels was a drag (a pan), even one that came back to where
  // it started: its click selects nothing (and looking for an edge under it, right after a pan
  // redrew part of a big graph, took a 40 ms frame)
  let down: { x: number; y: number; dragged: boolean } | null = null;
  canvas.addEventListener('pointerdown', (e) => (down = { x: e.clientX, y: e.clientY, dragged: false }), true);
  canvas.addEventListener(
    'pointermove',
    (e) => {
      if (down && !down.dragged && Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4) down.dragged = true;
    },
    true,
  );
  canvas.addEventListener('click', (e) => {
    if ((e.target as Element).closest('.node, .connect-handle')) return;
    if (down && (down.dragged || Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4)) return;
    selectEdge(edgeNear(e)?.id ?? null);
  });

  graphPane.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const onNode = (e.target as Element).closest?.('.node')?.getAttribute('data-step-id') ?? null;
    const step = onNode ?? ui.saved.selected;
    if (e.key === 'Escape' && selectedEdge) {
      selectEdge(null);
      e.preventDefault();
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      const edge = selectedEdge ? ui.layout?.edges.find((x) => x.id === selectedEdge) : undefined;
      if (edge) deleteEdge(edge);
      else if (step) post({ type: 'edit', op: { op: 'remove-step', id: step }, version });
      else return;
      e.preventDefault();
    } else if (e.key === 'F2' && step) {
      command('renameStep', step);
      e.preventDefault();
    } else if (e.key === 'a' || e.key === 'A') {
      command('addStep', step);
      e.preventDefault();
    } else if ((e.key === 'c' || e.key === 'C') && step) {
      command('connect', step);
      e.preventDefault();
    } else if ((e.key === 'd' || e.key === 'D') && step) {
      command('duplicateStep', step);
      e.preventDefault();
    }
  });

  // the node's (or the edge's) context menu: VS Code reads data-vscode-context from the target up
  canvas.addEventListener('contextmenu', (e) => {
    const g = (e.target as Element).closest('.node');
    const id = g?.getAttribute('data-step-id');
    if (g && id) {
      const n = nodeOf(id);
      const siblings = ui.layout?.nodes.filter((x) => x.parent === (n?.parent ?? null)) ?? [];
      g.setAttribute('data-vscode-context', menuContext('step', { stepId: id, kind: n?.kind, inLoop: !!n?.parent, loopBeside: siblings.some((x) => x.kind === 'loop' && x.id !== id) }));
      return;
    }
    const edge = edgeNear(e);
    if (edge) selectEdge(edge.id);
    canvas.setAttribute('data-vscode-context', edge ? menuContext('edge', { from: edge.from, to: edge.to, kind: edge.kind }) : menuContext('graph', {}));
  });
}
