// The graph after an edit, without laying it out again: every step that survives keeps its box where
// it was (so nothing the person was looking at jumps), a new step goes beside its neighbour (after
// the step it depends on, else before the one that depends on it, else below the list's last step)
// in the first free place, a loop grows to hold a new body step, and edges whose ends moved are routed
// again as right-angled lines. Pure and fast (no ELK): the full layout stays one click away (Tidy).
import type { GraphDocument, GraphNode } from '../engine/plan/graph';
import { edgeId, isJump, LOOP_HEADER, NODE_HEIGHT, NODE_WIDTH, type ElkPoint, type Layout, type PlacedEdge, type PlacedNode } from './layout';
import type { GraphDirection } from './protocol';

const GAP_ALONG = 56;
const GAP_ACROSS = 28;
const PAD = 12;

interface Entry {
  node: GraphNode;
  parent: string | null;
  list: GraphDocument;
}

function detailOf(n: GraphNode): string {
  if (n.kind === 'loop') return 'loop';
  return [n.tool, n.action].filter(Boolean).join('.') || (n.action ?? '');
}

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }) =>
  a.x < b.x + b.width + 8 && b.x < a.x + a.width + 8 && a.y < b.y + b.height + 8 && b.y < a.y + a.height + 8;

/** The new graph placed on the previous layout; null when too much is new for that to read well (or a
 * new loop with a body arrives): then the caller lays it out in full. */
export function placeIncrementally(prev: Layout, graph: GraphDocument, direction: GraphDirection): Layout | null {
  const entries: Entry[] = [];
  const walk = (g: GraphDocument, parent: string | null) => {
    for (const n of g.nodes) {
      entries.push({ node: n, parent, list: g });
      if (n.children) walk(n.children, n.id);
    }
  };
  walk(graph, null);
  const before = new Map(prev.nodes.map((n) => [n.id, n]));
  const kept = (e: Entry) => {
    const p = before.get(e.node.id);
    return p && p.parent === e.parent && p.kind === e.node.kind ? p : undefined;
  };
  const fresh = entries.filter((e) => !kept(e));
  if (fresh.length > Math.max(20, entries.length / 2)) return null;
  if (fresh.some((e) => e.node.kind === 'loop' && e.node.children?.nodes.some((c) => !before.has(c.id)))) return null;

  const placed = new Map<string, PlacedNode>();
  for (const e of entries) {
    const p = kept(e);
    if (p) placed.set(e.node.id, { ...p, label: e.node.label, detail: detailOf(e.node) });
  }
  const down = direction === 'DOWN';
  for (const e of fresh) {
    const width = e.node.kind === 'loop' ? NODE_WIDTH + 2 * PAD : NODE_WIDTH;
    const height = e.node.kind === 'loop' ? NODE_HEIGHT + LOOP_HEADER + PAD : NODE_HEIGHT;
    const at = (x: number, y: number): PlacedNode => ({ id: e.node.id, label: e.node.label, detail: detailOf(e.node), kind: e.node.kind, x, y, width, height, parent: e.parent });
    const deps = e.list.edges.filter((x) => x.to === e.node.id && !isJump(x.kind)).map((x) => placed.get(x.from)).filter((x): x is PlacedNode => !!x);
    const dependents = e.list.edges.filter((x) => x.from === e.node.id && !isJump(x.kind)).map((x) => placed.get(x.to)).filter((x): x is PlacedNode => !!x);
    const siblings = e.list.nodes.map((n) => placed.get(n.id)).filter((x): x is PlacedNode => !!x);
    let box: PlacedNode;
    if (deps.length) {
      const a = deps.reduce((m, d) => (down ? (d.y + d.height > m.y + m.height ? d : m) : d.x + d.width > m.x + m.width ? d : m));
      box = down ? at(a.x, a.y + a.height + GAP_ALONG) : at(a.x + a.width + GAP_ALONG, a.y);
    } else if (dependents.length) {
      const a = dependents[0];
      box = down ? at(a.x, a.y - height - GAP_ALONG) : at(a.x - width - GAP_ALONG, a.y);
    } else if (siblings.length) {
      const last = siblings[siblings.length - 1];
      box = down ? at(last.x + last.width + GAP_ACROSS, last.y) : at(last.x, last.y + last.height + GAP_ACROSS);
    } else {
      const owner = e.parent ? placed.get(e.parent) : undefined;
      box = owner ? at(owner.x + PAD, owner.y + LOOP_HEADER) : at(16, 16);
    }
    // the first free place across the flow: nothing drawn moves to make room
    const others = [...placed.values()].filter((n) => n.kind !== 'loop' || n.id !== e.parent);
    for (let guard = 0; guard < 10_000 && others.some((o) => !isAncestor(placed, o.id, box) && overlaps(o, box)); guard++) {
      if (down) box.x += NODE_WIDTH + GAP_ACROSS;
      else box.y += NODE_HEIGHT + GAP_ACROSS;
    }
    placed.set(e.node.id, box);
  }
  // a loop holds its body: grown (never shrunk) to the body's extent, the innermost first
  const loops = entries.filter((e) => e.node.kind === 'loop').reverse();
  for (const l of loops) {
    const box = placed.get(l.node.id)!;
    for (const c of l.node.children?.nodes ?? []) {
      const b = placed.get(c.id)!;
      box.width = Math.max(box.width, b.x + b.width + PAD - box.x);
      box.height = Math.max(box.height, b.y + b.height + PAD - box.y);
    }
  }
  const nodes = entries.map((e) => placed.get(e.node.id)!);
  const previousEdges = new Map(prev.edges.map((e) => [e.id, e]));
  const edges: PlacedEdge[] = [];
  const walkEdges = (g: GraphDocument) => {
    for (const e of g.edges) {
      const id = edgeId(e);
      const from = placed.get(e.from)!;
      const to = placed.get(e.to)!;
      const old = previousEdges.get(id);
      const still = old && same(before.get(e.from), from) && same(before.get(e.to), to);
      edges.push({ id, from: e.from, to: e.to, kind: e.kind, points: still ? old.points : route(from, to, down, nodes.filter((n) => n.parent === from.parent && n !== from && n !== to)) });
    }
    for (const n of g.nodes) if (n.children) walkEdges(n.children);
  };
  walkEdges(graph);
  let width = 0;
  let height = 0;
  for (const n of nodes) {
    width = Math.max(width, n.x + n.width + 16);
    height = Math.max(height, n.y + n.height + 16);
  }
  return { width, height, nodes, edges };
}

function isAncestor(placed: Map<string, PlacedNode>, id: string, box: PlacedNode): boolean {
  for (let p = box.parent; p; p = placed.get(p)?.parent ?? null) if (p === id) return true;
  return false;
}

const same = (a: PlacedNode | undefined, b: PlacedNode) => !!a && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

/** Whether a right-angled line passes through a box. */
const crosses = (pts: ElkPoint[], n: PlacedNode) =>
  pts.some((p, i) => {
    const q = pts[i + 1];
    return !!q && Math.min(p.x, q.x) < n.x + n.width && Math.max(p.x, q.x) > n.x && Math.min(p.y, q.y) < n.y + n.height && Math.max(p.y, q.y) > n.y;
  });

/** A right-angled line from a box's outgoing side to the other's incoming side; around the boxes in
 * between (`obstacles`: the list's other boxes) when the direct line would cross one, and around both
 * ends when it goes back. */
export function route(a: PlacedNode, b: PlacedNode, down: boolean, obstacles: PlacedNode[] = []): ElkPoint[] {
  if (!down) {
    const s = { x: a.x + a.width, y: a.y + a.height / 2 };
    const t = { x: b.x, y: b.y + b.height / 2 };
    if (t.x - s.x >= 20) {
      const mx = (s.x + t.x) / 2;
      const direct = [s, { x: mx, y: s.y }, { x: mx, y: t.y }, t];
      const hit = obstacles.filter((n) => crosses(direct, n));
      if (!hit.length) return direct;
      const over = Math.min(a.y, b.y, ...hit.map((n) => n.y)) - 14;
      return [s, { x: s.x + 10, y: s.y }, { x: s.x + 10, y: over }, { x: t.x - 10, y: over }, { x: t.x - 10, y: t.y }, t];
    }
    const top = Math.min(a.y, b.y) - 14;
    return [s, { x: s.x + 10, y: s.y }, { x: s.x + 10, y: top }, { x: t.x - 10, y: top }, { x: t.x - 10, y: t.y }, t];
  }
  const s = { x: a.x + a.width / 2, y: a.y + a.height };
  const t = { x: b.x + b.width / 2, y: b.y };
  if (t.y - s.y >= 20) {
    const my = (s.y + t.y) / 2;
    const direct = [s, { x: s.x, y: my }, { x: t.x, y: my }, t];
    const hit = obstacles.filter((n) => crosses(direct, n));
    if (!hit.length) return direct;
    const beside = Math.min(a.x, b.x, ...hit.map((n) => n.x)) - 14;
    return [s, { x: s.x, y: s.y + 10 }, { x: beside, y: s.y + 10 }, { x: beside, y: t.y - 10 }, { x: t.x, y: t.y - 10 }, t];
  }
  const left = Math.min(a.x, b.x) - 14;
  return [s, { x: s.x, y: s.y + 10 }, { x: left, y: s.y + 10 }, { x: left, y: t.y - 10 }, { x: t.x, y: t.y - 10 }, t];
}

/** Whether a step new in `next` (not in `prev`) stands outside the pane as the view shows it: the
 * panel then fits the graph, so the step the person just added is on screen. */
export function newStepOutOfView(prev: Layout, next: Layout, view: { x: number; y: number; k: number }, width: number, height: number): boolean {
  const had = new Set(prev.nodes.map((n) => n.id));
  return next.nodes.some((n) => {
    if (had.has(n.id)) return false;
    const x = view.x + n.x * view.k;
    const y = view.y + n.y * view.k;
    return x < 0 || y < 0 || x + n.width * view.k > width || y + n.height * view.k > height;
  });
}
