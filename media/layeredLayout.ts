// A layered layout of our own for big graphs (ELK takes about a second at 1,000 steps and several at
// 5,000; this takes a few milliseconds): every list of steps is layered by longest path over its
// dependencies (jumps go forward and do not pull the layering), the nodes of a layer ordered once by
// the mean position of their predecessors, loops sized by their laid-out bodies, and edges drawn as
// one straight line or a three-segment elbow. Pure: the same Layout the ELK adapter gives.
import type { GraphDocument, GraphNode } from '../engine/plan/graph';
import { edgeId, isJump, LOOP_HEADER, NODE_HEIGHT, NODE_WIDTH, type ElkPoint, type Layout, type PlacedEdge, type PlacedNode } from './layout';
import type { GraphDirection } from './protocol';

const PADDING = 16;
const BODY_PADDING = 12;
const NODE_GAP = 28;
const LAYER_GAP = 56;

interface Box {
  node: GraphNode;
  width: number;
  height: number;
  /** Relative to the list's origin. */
  x: number;
  y: number;
  /** The laid-out body of a loop (relative to the loop's box). */
  body: ListLayout | null;
}
interface ListLayout {
  width: number;
  height: number;
  boxes: Box[];
  edges: { id: string; from: string; to: string; kind: PlacedEdge['kind']; points: ElkPoint[] }[];
}

function detailOf(n: GraphNode): string {
  if (n.kind === 'loop') return 'loop';
  return [n.tool, n.action].filter(Boolean).join('.') || (n.action ?? '');
}

/** Longest-path layers over dependency edges (a cycle, which the planner rejects anyway, keeps its
 * nodes at the layer they had reached). */
function layersOf(g: GraphDocument): number[] {
  const index = new Map(g.nodes.map((n, i) => [n.id, i]));
  const out: number[][] = g.nodes.map(() => []);
  const indeg = new Array<number>(g.nodes.length).fill(0);
  for (const e of g.edges) {
    if (isJump(e.kind)) continue;
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    out[a].push(b);
    indeg[b]++;
  }
  const layer = new Array<number>(g.nodes.length).fill(0);
  const queue: number[] = [];
  for (let i = 0; i < indeg.length; i++) if (indeg[i] === 0) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const a = queue[head];
    for (const b of out[a]) {
      if (layer[a] + 1 > layer[b]) layer[b] = layer[a] + 1;
      if (--indeg[b] === 0) queue.push(b);
    }
  }
  return layer;
}

/** Every step a list holds, bodies included. */
function countSteps(g: GraphDocument): number {
  return g.nodes.reduce((n, c) => n + 1 + (c.children ? countSteps(c.children) : 0), 0);
}

function layoutList(g: GraphDocument, down: boolean, collapsed: (loop: string) => boolean): ListLayout {
  const boxes: Box[] = g.nodes.map((node) => {
    if (node.children && node.children.nodes.length && !collapsed(node.id)) {
      const body = layoutList(node.children, down, collapsed);
      return { node, body, x: 0, y: 0, width: Math.max(NODE_WIDTH, body.width - 2 * PADDING + 2 * BODY_PADDING), height: body.height - 2 * PADDING + LOOP_HEADER + BODY_PADDING };
    }
    return { node, body: null, x: 0, y: 0, width: NODE_WIDTH, height: NODE_HEIGHT };
  });
  const layer = layersOf(g);
  const byId = new Map(boxes.map((b) => [b.node.id, b]));
  const layers: Box[][] = [];
  boxes.forEach((b, i) => (layers[layer[i]] ??= []).push(b));
  // one ordering pass: each layer by the mean rank of its predecessors in the layer before it
  const rank = new Map<string, number>();
  const preds = new Map<string, string[]>();
  for (const e of g.edges) if (!isJump(e.kind)) (preds.get(e.to) ?? preds.set(e.to, []).get(e.to)!).push(e.from);
  for (const list of layers) {
    if (!list) continue;
    const key = new Map<Box, number>();
    list.forEach((b, i) => {
      const ranks = (preds.get(b.node.id) ?? []).map((p) => rank.get(p)).filter((r): r is number => r !== undefined);
      key.set(b, ranks.length ? ranks.reduce((s, r) => s + r, 0) / ranks.length : i);
    });
    list.sort((a, b) => key.get(a)! - key.get(b)!);
    list.forEach((b, i) => rank.set(b.node.id, i));
  }
  // along: the layer's position in the flow; across: the node's position within its layer
  let along = 0;
  let across = 0;
  for (const list of layers) {
    if (!list) continue;
    const depth = Math.max(...list.map((b) => (down ? b.height : b.width)));
    let pos = 0;
    for (const b of list) {
      if (down) {
        b.x = pos;
        b.y = along;
        pos += b.width + NODE_GAP;
      } else {
        b.x = along;
        b.y = pos;
        pos += b.height + NODE_GAP;
      }
    }
    across = Math.max(across, pos - NODE_GAP);
    along += depth + LAYER_GAP;
  }
  along = Math.max(0, along - LAYER_GAP);
  // center each layer across the widest one, so a chain is a straight line
  for (const list of layers) {
    if (!list) continue;
    const last = list[list.length - 1];
    const span = down ? last.x + last.width : last.y + last.height;
    const shift = (across - span) / 2;
    for (const b of list) down ? (b.x += shift) : (b.y += shift);
  }
  const edges: ListLayout['edges'] = [];
  for (const e of g.edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!a || !b) continue;
    edges.push({ id: edgeId(e), from: e.from, to: e.to, kind: e.kind, points: route(a, b, down) });
  }
  for (const b of boxes) {
    b.x += PADDING;
    b.y += PADDING;
  }
  for (const e of edges) for (const p of e.points) (p.x += PADDING), (p.y += PADDING);
  return { boxes, edges, width: (down ? across : along) + 2 * PADDING, height: (down ? along : across) + 2 * PADDING };
}

/** From the side of `a` facing the flow to the side of `b` facing back: straight when they line up,
 * else an elbow whose middle segment runs halfway between them. */
function route(a: Box, b: Box, down: boolean): ElkPoint[] {
  if (down) {
    const s = { x: a.x + a.width / 2, y: a.y + a.height };
    const t = { x: b.x + b.width / 2, y: b.y };
    if (Math.abs(s.x - t.x) < 1) return [s, t];
    const mid = t.y - LAYER_GAP / 2;
    return [s, { x: s.x, y: mid }, { x: t.x, y: mid }, t];
  }
  const s = { x: a.x + a.width, y: a.y + a.height / 2 };
  const t = { x: b.x, y: b.y + b.height / 2 };
  if (Math.abs(s.y - t.y) < 1) return [s, t];
  const mid = t.x - LAYER_GAP / 2;
  return [s, { x: mid, y: s.y }, { x: mid, y: t.y }, t];
}

/** The graph laid out in layers; the same shape of answer as the ELK adapter's `fromElk`. A loop
 * `collapsed` says so is one node-sized box, its body neither laid out nor drawn. */
export function layeredLayout(graph: GraphDocument, direction: GraphDirection, collapsed: (loop: string) => boolean = () => false): Layout {
  const top = layoutList(graph, direction === 'DOWN', collapsed);
  const nodes: PlacedNode[] = [];
  const edges: PlacedEdge[] = [];
  const place = (list: ListLayout, ox: number, oy: number, parent: string | null) => {
    for (const b of list.boxes) {
      const x = ox + b.x;
      const y = oy + b.y;
      const hidden = b.node.children && !b.body ? countSteps(b.node.children) : 0;
      nodes.push({ id: b.node.id, label: b.node.label, detail: detailOf(b.node), kind: b.node.kind, x, y, width: b.width, height: b.height, parent, ...(hidden ? { hidden } : {}) });
      if (b.body) place(b.body, x + BODY_PADDING - PADDING, y + LOOP_HEADER - PADDING, b.node.id);
    }
    for (const e of list.edges) edges.push({ ...e, points: e.points.map((p) => ({ x: ox + p.x, y: oy + p.y })) });
  };
  place(top, 0, 0, null);
  return { width: top.width, height: top.height, nodes, edges };
}
