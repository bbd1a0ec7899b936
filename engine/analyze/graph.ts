// The graph of an analyzed document: the plan's DAG with each step's source ranges from the outline.
// A document with errors has a graph too, of what its structure allows: each step whose id is known
// (the first of two with the same id), each dependency and jump between steps of the same list, and
// each step's errors on its node (the editor's panel marks them).
import { graphOf, type GraphDocument, type GraphNode, type GraphNodeError } from '../plan/graph';
import type { Finding, Range } from '../spec/types';
import type { Analysis, PipelineSymbol } from './index';

/** At most this many errors are kept on one node (the editor's Problems view has them all). */
export const MAX_NODE_ERRORS = 20;

export function graphDocument(a: Analysis): GraphDocument & { pipeline_id: string } {
  return graphOfAnalysis(a).graph;
}

/** The graph, and the errors of the document that are in no step (on no node). */
export function graphOfAnalysis(a: Analysis): { graph: GraphDocument & { pipeline_id: string }; errors: number; outside: Finding[] } {
  const ranges = new Map<string, { range: Range; selectionRange: Range }>();
  const walk = (symbols: PipelineSymbol[]) => {
    for (const s of symbols) {
      if ((s.kind === 'step' || s.kind === 'loop') && !ranges.has(s.name)) ranges.set(s.name, { range: s.range, selectionRange: s.selectionRange });
      walk(s.children);
    }
  };
  walk(a.symbols.find((s) => s.kind === 'section' && s.name === 'steps')?.children ?? []);
  const errors = a.findings.filter((f) => f.severity === 'error');
  const g = graphOf(a.pipeline!.steps, a.plan!, a.bodyPlans, (id) => ranges.get(id));
  if (!errors.length) return { graph: { pipeline_id: a.pipeline!.id, ...g }, errors: 0, outside: [] };
  const outside: Finding[] = [];
  return { graph: { pipeline_id: a.pipeline!.id, ...withErrors(drawable(g, new Set()), errors, outside) }, errors: errors.length, outside };
}

/** The graph without what cannot be drawn: a second node of an id drawn already, an edge whose
 * end is not a node of its list (a dependency or jump that names no step, or one of another list). */
function drawable(g: GraphDocument, seen: Set<string>): GraphDocument {
  const nodes: GraphNode[] = [];
  for (const n of g.nodes) {
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    nodes.push(n.children ? { ...n, children: drawable(n.children, seen) } : n);
  }
  const here = new Set(nodes.map((n) => n.id));
  return { nodes, edges: g.edges.filter((e) => here.has(e.from) && here.has(e.to) && e.from !== e.to) };
}

/** Each error on the node of its step: the step the finding names, else the innermost step whose
 * lines hold it. Errors outside every step (the pipeline's own keys) are on no node. */
function withErrors(g: GraphDocument, errors: Finding[], outside: Finding[]): GraphDocument {
  const byStep = new Map<string, GraphNodeError[]>();
  const ids = new Set<string>();
  const collect = (d: GraphDocument) => d.nodes.forEach((n) => (ids.add(n.id), n.children && collect(n.children)));
  collect(g);
  const placed = new Map<GraphDocument, GraphNode[]>();
  for (const f of errors) {
    const id = f.step !== null && ids.has(f.step) ? f.step : innermostHolding(g, f.range.start, placed)?.id;
    if (!id) {
      outside.push(f);
      continue;
    }
    const list = byStep.get(id) ?? [];
    if (list.length < MAX_NODE_ERRORS) list.push({ code: f.code, message: f.message, range: f.range });
    byStep.set(id, list);
  }
  const mark = (d: GraphDocument): GraphDocument => ({
    nodes: d.nodes.map((n) => {
      const e = byStep.get(n.id);
      if (!e && !n.children) return n;
      return { ...n, children: n.children && mark(n.children), ...(e ? { errors: e } : {}) };
    }),
    edges: d.edges,
  });
  return mark(g);
}

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character <= b.character);
const strictlyBefore = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);

/** The innermost step whose lines hold a position: in each list of steps (in the document's order)
 * the last that starts at or before it, if it has not ended, then within its loop body. A search per
 * list, not a look at every step: a long document's thousands of errors stay cheap. */
function innermostHolding(d: GraphDocument, at: Range['start'], placed: Map<GraphDocument, GraphNode[]>): GraphNode | undefined {
  let list = placed.get(d);
  if (!list) placed.set(d, (list = d.nodes.filter((n) => n.range)));
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (before(list[mid].range!.start, at)) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const n = found >= 0 ? list[found] : undefined;
  if (!n || !strictlyBefore(at, n.range!.end)) return undefined;
  return (n.children && innermostHolding(n.children, at, placed)) ?? n;
}
