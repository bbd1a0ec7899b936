// The layout adapter: a pipeline's GraphDocument as an ELK graph (loop bodies as compound nodes),
// and ELK's answer as positioned boxes and routed edges the renderer draws. Pure: no DOM, so unit
// tests check it exactly; the ELK instance is passed in.
import type { GraphDocument, GraphEdge, GraphNode } from '../engine/plan/graph';
import type { GraphDirection } from './protocol';

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 44;
/** Room above a loop's body for the loop's own title. */
export const LOOP_HEADER = 30;
/** Past this many steps ELK trades some crossing minimization for speed (the panel lays out graphs
 * this big with its own layered layout, layeredLayout.ts; the options stay for other callers). */
export const LARGE_GRAPH = 300;
/** What a large graph trades for speed: nodes in a layer keep the document's order (no crossing
 * minimization), layers by longest path instead of network simplex, simple node placement,
 * straight-line edge routing, and one graph rather than one per connected part (together about
 * half of ELK's time at 1,000 steps; small graphs keep the tidier defaults). */
export const LARGE_GRAPH_OPTIONS: Readonly<Record<string, string>> = {
  'elk.layered.crossingMinimization.strategy': 'NONE',
  'elk.separateConnectedComponents': 'false',
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.edgeRouting': 'POLYLINE',
};

export interface ElkPort {
  id: string;
}
export interface ElkNodeIn {
  id: string;
  width?: number;
  height?: number;
  labels?: { text: string }[];
  layoutOptions?: Record<string, string>;
  children?: ElkNodeIn[];
  edges?: ElkEdgeIn[];
}
export interface ElkEdgeIn {
  id: string;
  sources: string[];
  targets: string[];
}
export interface ElkPoint {
  x: number;
  y: number;
}
export interface ElkSection {
  startPoint: ElkPoint;
  endPoint: ElkPoint;
  bendPoints?: ElkPoint[];
}
export interface ElkNodeOut {
  id: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  children?: ElkNodeOut[];
  edges?: { id: string; sections?: ElkSection[]; container?: string }[];
}

export interface LayoutEngine {
  layout(graph: ElkNodeIn): Promise<ElkNodeOut>;
}

export type EdgeKind = GraphEdge['kind'];

export interface PlacedNode {
  id: string;
  label: string;
  detail: string;
  kind: GraphNode['kind'];
  /** Absolute position in the drawing. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The loop that holds this node, or null at the top level. */
  parent: string | null;
  /** A collapsed loop: how many steps its body holds (not drawn). */
  hidden?: number;
}

export interface PlacedEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  /** Absolute points: start, bends, end. */
  points: ElkPoint[];
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

/** Jumps are drawn apart from dependencies and do not pull the layering (they go forward anyway). */
export function isJump(kind: EdgeKind): boolean {
  return kind === 'on_success' || kind === 'on_false' || kind === 'on_failure';
}

export function edgeId(e: GraphEdge): string {
  return `${e.kind}:${e.from}->${e.to}`;
}

function detailOf(n: GraphNode): string {
  if (n.kind === 'loop') return 'loop';
  return [n.tool, n.action].filter(Boolean).join('.') || (n.action ?? '');
}

/** The ELK graph of a pipeline: every list of steps a layered graph of its own, edges declared in
 * the list that holds both ends (hierarchy handling is off: bodies are laid out inside their loop). */
export function toElk(graph: GraphDocument, direction: GraphDirection): ElkNodeIn {
  const convert = (g: GraphDocument): { children: ElkNodeIn[]; edges: ElkEdgeIn[] } => ({
    children: g.nodes.map((n) => {
      const base: ElkNodeIn = { id: n.id, labels: [{ text: n.label }] };
      if (n.children && n.children.nodes.length) {
        const inner = convert(n.children);
        return {
          ...base,
          layoutOptions: {
            'elk.algorithm': 'layered',
            'elk.direction': direction,
            'elk.padding': `[top=${LOOP_HEADER},left=12,bottom=12,right=12]`,
            'elk.spacing.nodeNode': '24',
            'elk.layered.spacing.nodeNodeBetweenLayers': '40',
          },
          children: inner.children,
          edges: inner.edges,
        };
      }
      return { ...base, width: NODE_WIDTH, height: NODE_HEIGHT };
    }),
    edges: g.edges.map((e) => ({ id: edgeId(e), sources: [e.from], targets: [e.to] })),
  });
  const top = convert(graph);
  let count = 0;
  const countNodes = (g: GraphDocument) => g.nodes.forEach((n) => (count++, n.children && countNodes(n.children)));
  countNodes(graph);
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': direction,
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.spacing.nodeNode': '28',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      ...(count > LARGE_GRAPH ? LARGE_GRAPH_OPTIONS : {}),
      'elk.padding': '[top=16,left=16,bottom=16,right=16]',
    },
    children: top.children,
    edges: top.edges,
  };
}

/** ELK's answer as absolute boxes and polylines. `graph` gives labels, kinds and edge kinds. */
export function fromElk(graph: GraphDocument, out: ElkNodeOut): Layout {
  const info = new Map<string, GraphNode>();
  const edgeInfo = new Map<string, GraphEdge>();
  const index = (g: GraphDocument) => {
    for (const n of g.nodes) {
      info.set(n.id, n);
      if (n.children) index(n.children);
    }
    for (const e of g.edges) edgeInfo.set(edgeId(e), e);
  };
  index(graph);
  const nodes: PlacedNode[] = [];
  const edges: PlacedEdge[] = [];
  const offsets = new Map<string, ElkPoint>([['root', { x: 0, y: 0 }]]);
  const walk = (n: ElkNodeOut, ox: number, oy: number, parent: string | null) => {
    for (const c of n.children ?? []) {
      const x = ox + (c.x ?? 0);
      const y = oy + (c.y ?? 0);
      offsets.set(c.id, { x, y });
      const g = info.get(c.id);
      nodes.push({ id: c.id, label: g?.label ?? c.id, detail: g ? detailOf(g) : '', kind: g?.kind ?? 'step', x, y, width: c.width ?? NODE_WIDTH, height: c.height ?? NODE_HEIGHT, parent });
      walk(c, x, y, c.id);
    }
    // edge coordinates are relative to the node that declares them (ELK's default for layered)
    const base = offsets.get(n.id) ?? { x: ox, y: oy };
    for (const e of n.edges ?? []) {
      const g = edgeInfo.get(e.id);
      if (!g) continue;
      const s = e.sections?.[0];
      const pts = s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: base.x + p.x, y: base.y + p.y })) : [];
      edges.push({ id: e.id, from: g.from, to: g.to, kind: g.kind, points: pts });
    }
  };
  walk(out, 0, 0, null);
  return { width: out.width ?? 0, height: out.height ?? 0, nodes, edges };
}

export async function layoutGraph(engine: LayoutEngine, graph: GraphDocument, direction: GraphDirection): Promise<Layout> {
  return fromElk(graph, await engine.layout(toElk(graph, direction)));
}

/** Every step id in a graph, loop bodies included. */
export function graphStepIds(graph: GraphDocument): string[] {
  const out: string[] = [];
  const walk = (g: GraphDocument) => {
    for (const n of g.nodes) {
      out.push(n.id);
      if (n.children) walk(n.children);
    }
  };
  walk(graph);
  return out;
}
