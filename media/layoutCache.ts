// Layouts kept by the graph's shape (the steps, their nesting and kinds, the edges, the direction;
// not labels or source ranges): an edit that does not change the shape, the same graph sent again,
// a direction toggled back, or the panel re-opened (the last layout is saved with the panel, in a
// compact form) never lays the graph out again. Pure: no DOM.
import type { GraphDocument, GraphNode } from '../engine/plan/graph';
import type { ElkPoint, Layout, PlacedNode } from './layout';
import type { GraphDirection } from './protocol';

/** The shape a layout depends on, as one string. */
export function shapeKey(graph: GraphDocument, direction: GraphDirection): string {
  const parts: string[] = [direction];
  const walk = (g: GraphDocument) => {
    parts.push('[');
    for (const n of g.nodes) {
      parts.push(`${n.id.length}:${n.id}${n.kind[0]}`);
      if (n.children) walk(n.children);
    }
    parts.push('|');
    for (const e of g.edges) parts.push(`${e.from.length}:${e.from}>${e.to.length}:${e.to}${e.kind}`);
    parts.push(']');
  };
  walk(graph);
  return parts.join(',');
}

/** A short digest of a shape key (FNV-1a, 2 × 32 bits, and the length) for the saved state. */
export function digest(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return `${a.toString(36)}.${b.toString(36)}.${key.length.toString(36)}`;
}

/** The labels and details of a cached layout are the current graph's (they may have been edited). */
export function relabel(layout: Layout, graph: GraphDocument): Layout {
  const info = new Map<string, GraphNode>();
  const walk = (g: GraphDocument) => g.nodes.forEach((n) => (info.set(n.id, n), n.children && walk(n.children)));
  walk(graph);
  const nodes = layout.nodes.map((n) => {
    const g = info.get(n.id);
    if (!g) return n;
    const detail = g.kind === 'loop' ? 'loop' : [g.tool, g.action].filter(Boolean).join('.') || (g.action ?? '');
    return g.label === n.label && detail === n.detail ? n : { ...n, label: g.label, detail };
  });
  return { ...layout, nodes };
}

/** A layout as the panel saves it: numbers only (labels come back from the saved graph). */
export interface SavedLayout {
  key: string;
  width: number;
  height: number;
  /** Per node: x, y, width, height, in the layout's order. */
  boxes: number[];
  ids: string[];
  parents: (string | null)[];
  kinds: PlacedNode['kind'][];
  /** Per node: the steps a collapsed loop hides (0: none). */
  hidden?: number[];
  /** Per edge: its points flattened (x, y, x, y, …), in the layout's order. */
  points: number[][];
  edges: { id: string; from: string; to: string; kind: Layout['edges'][number]['kind'] }[];
}

const round = (v: number) => Math.round(v * 10) / 10;

export function toSaved(key: string, l: Layout): SavedLayout {
  return {
    key,
    width: l.width,
    height: l.height,
    boxes: l.nodes.flatMap((n) => [round(n.x), round(n.y), round(n.width), round(n.height)]),
    ids: l.nodes.map((n) => n.id),
    parents: l.nodes.map((n) => n.parent),
    kinds: l.nodes.map((n) => n.kind),
    hidden: l.nodes.map((n) => n.hidden ?? 0),
    points: l.edges.map((e) => e.points.flatMap((p) => [round(p.x), round(p.y)])),
    edges: l.edges.map((e) => ({ id: e.id, from: e.from, to: e.to, kind: e.kind })),
  };
}

export function fromSaved(s: SavedLayout, graph: GraphDocument): Layout {
  const nodes: PlacedNode[] = s.ids.map((id, i) => ({ id, label: id, detail: '', kind: s.kinds[i], x: s.boxes[4 * i], y: s.boxes[4 * i + 1], width: s.boxes[4 * i + 2], height: s.boxes[4 * i + 3], parent: s.parents[i], ...(s.hidden?.[i] ? { hidden: s.hidden[i] } : {}) }));
  const edges = s.edges.map((e, i) => {
    const pts: ElkPoint[] = [];
    const flat = s.points[i] ?? [];
    for (let j = 0; j + 1 < flat.length; j += 2) pts.push({ x: flat[j], y: flat[j + 1] });
    return { ...e, points: pts };
  });
  return relabel({ width: s.width, height: s.height, nodes, edges }, graph);
}

/** The last few layouts, by shape digest (most recent last). */
export class LayoutCache {
  private readonly entries = new Map<string, Layout>();
  constructor(private readonly size = 4) {}
  get(key: string): Layout | undefined {
    const l = this.entries.get(key);
    if (l) {
      this.entries.delete(key);
      this.entries.set(key, l);
    }
    return l;
  }
  set(key: string, l: Layout): void {
    this.entries.delete(key);
    this.entries.set(key, l);
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value as string);
  }
}
