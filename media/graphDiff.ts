// A graph after an edit, posted to the panel as what changed since the graph the panel holds: the
// host (client/webviewHost.ts) diffs, the panel (media/hostMessages.ts) applies. An edit touches a
// step or two, but every step below it moves down a few lines, so a kept step is sent as a run of the
// panel's own steps with the lines they moved by, and only the steps that changed are sent whole (at
// 2,000 steps the whole graph is 0.7 MB of JSON through two process hops; its diff is a few hundred
// bytes). Pure: both bundles import it.
import type { GraphDocument, GraphEdge, GraphNode } from '../engine/plan/graph';
import type { GraphDiff, GraphDiffMessage, GraphMessage, KeptEdges, KeptNodes } from './protocol';

type Range = NonNullable<GraphNode['range']>;

const shiftRange = (r: Range | null, lines: number): Range | null =>
  r && { start: { line: r.start.line + lines, character: r.start.character }, end: { line: r.end.line + lines, character: r.end.character } };

/** The node as it reads `lines` lines further down (its loop body's steps too). */
export function shiftNode(n: GraphNode, lines: number): GraphNode {
  if (!lines) return n;
  const moved: GraphNode = { ...n, range: shiftRange(n.range, lines), selectionRange: shiftRange(n.selectionRange, lines), children: n.children && { nodes: n.children.nodes.map((c) => shiftNode(c, lines)), edges: n.children.edges } };
  if (n.errors) moved.errors = n.errors.map((e) => ({ ...e, range: shiftRange(e.range, lines)! }));
  return moved;
}

const sameRange = (a: Range | null, b: Range | null, lines: number) =>
  a === null || b === null ? a === b : a.start.line + lines === b.start.line && a.start.character === b.start.character && a.end.line + lines === b.end.line && a.end.character === b.end.character;
const sameErrors = (a: GraphNode['errors'], b: GraphNode['errors'], lines: number) =>
  !a || !b ? !a === !b : a.length === b.length && a.every((e, i) => e.code === b[i].code && e.message === b[i].message && sameRange(e.range, b[i].range, lines));
const sameEdge = (a: GraphEdge, b: GraphEdge) => a.from === b.from && a.to === b.to && a.kind === b.kind;

/** Whether `b` is `a` moved down `lines` lines and otherwise the same (its loop body included). */
function sameNode(a: GraphNode, b: GraphNode, lines: number): boolean {
  if (a.id !== b.id || a.label !== b.label || a.kind !== b.kind || a.tool !== b.tool || a.action !== b.action || a.level !== b.level) return false;
  if (!sameRange(a.range, b.range, lines) || !sameRange(a.selectionRange, b.selectionRange, lines)) return false;
  if (!sameErrors(a.errors, b.errors, lines)) return false;
  if (!a.children || !b.children) return a.children === b.children;
  const x = a.children;
  const y = b.children;
  return x.nodes.length === y.nodes.length && x.edges.length === y.edges.length && x.nodes.every((n, i) => sameNode(n, y.nodes[i], lines)) && x.edges.every((e, i) => sameEdge(e, y.edges[i]));
}

const linesMoved = (a: GraphNode, b: GraphNode) => (a.range && b.range ? b.range.start.line - a.range.start.line : 0);

/** What turns `base` into `next`: runs of `base`'s nodes (moved by some lines) and edges kept as they are, the rest whole. */
export function diffGraph(base: GraphDocument, next: GraphDocument): GraphDiff {
  const at = new Map(base.nodes.map((n, i) => [n.id, i]));
  const nodes: GraphDiff['nodes'] = [];
  let run: KeptNodes | null = null;
  for (const n of next.nodes) {
    const i = at.get(n.id);
    const lines = i === undefined ? 0 : linesMoved(base.nodes[i], n);
    if (i === undefined || !sameNode(base.nodes[i], n, lines)) {
      nodes.push(n);
      run = null;
    } else if (run && run.keep + run.count === i && run.lines === lines) run.count++;
    else nodes.push((run = { keep: i, count: 1, lines }));
  }
  const edgeAt = new Map(base.edges.map((e, i) => [`${e.kind}:${e.from}->${e.to}`, i]));
  const edges: GraphDiff['edges'] = [];
  let erun: KeptEdges | null = null;
  for (const e of next.edges) {
    const i = edgeAt.get(`${e.kind}:${e.from}->${e.to}`);
    if (i === undefined) {
      edges.push(e);
      erun = null;
    } else if (erun && erun.keep + erun.count === i) erun.count++;
    else edges.push((erun = { keep: i, count: 1 }));
  }
  return { nodes, edges };
}

/** The graph `diff` makes of `base` (its kept nodes shared with `base`, or moved copies of them). */
export function applyGraphDiff(base: GraphDocument, diff: GraphDiff): GraphDocument {
  const nodes: GraphNode[] = [];
  for (const d of diff.nodes) {
    if ('id' in d) nodes.push(d);
    else for (let i = d.keep; i < d.keep + d.count; i++) nodes.push(shiftNode(base.nodes[i], d.lines));
  }
  const edges: GraphEdge[] = [];
  for (const d of diff.edges) {
    if ('from' in d) edges.push(d);
    else for (let i = d.keep; i < d.keep + d.count; i++) edges.push(base.edges[i]);
  }
  return { nodes, edges };
}

/**
 * What the host posts a panel for each graph: the whole graph the first time (and after the panel
 * says it lost track: a reload, a diff on a graph it does not hold), then the diff against the last
 * graph posted. The benchmark posts through the same class.
 */
export class GraphPoster {
  private last: { uri: string; seq: number; graph: GraphDocument } | null = null;
  private seq = 0;

  /** The panel holds no graph of ours any more: the next post is whole. */
  reset(): void {
    this.last = null;
  }

  next(msg: Omit<GraphMessage, 'seq'>): GraphMessage | GraphDiffMessage {
    // no graph (the document does not compile): the panel keeps the one it holds
    if (!msg.graph) return { ...msg };
    const seq = ++this.seq;
    const last = this.last;
    this.last = { uri: msg.uri, seq, graph: msg.graph };
    if (!last || last.uri !== msg.uri) return { ...msg, seq };
    return { type: 'graph-diff', uri: msg.uri, pipelineId: msg.pipelineId, problem: msg.problem, version: msg.version, base: last.seq, seq, diff: diffGraph(last.graph, msg.graph) };
  }
}
