// The DAG of a compiled pipeline, with its jumps and nested loop bodies: what `orc graph` prints
// and what the language server answers to `orchestrator/graph`. Built from steps and plans only;
// the analysis adds source ranges (engine/analyze/graph.ts).
import type { Plan, Range, Step } from '../spec/types';

export interface GraphNode {
  id: string;
  label: string;
  kind: 'step' | 'loop';
  tool: string | null;
  action: string | null;
  level: number;
  /** The step's whole entry in the source, and its `id` value (for reveal and highlight). */
  range: Range | null;
  selectionRange: Range | null;
  children: GraphDocument | null;
  /** The document's errors in this step (not in a step of its loop body), when it has any: the
   * graph is drawn for a document with errors, these steps marked (engine/analyze/graph.ts). */
  errors?: GraphNodeError[];
}
/** One error of a step, as the graph shows it: its finding's code and message, and where it is. */
export interface GraphNodeError {
  code: string;
  message: string;
  range: Range;
}
export interface GraphEdge {
  from: string;
  to: string;
  kind: 'explicit' | 'implied' | 'on_success' | 'on_false' | 'on_failure';
}
export interface GraphDocument {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export type RangeLookup = (stepId: string) => { range: Range; selectionRange: Range } | undefined;

export function graphOf(steps: Step[], plan: Plan, bodyPlans: Record<string, Plan>, ranges: RangeLookup = () => undefined): GraphDocument {
  const level = new Map<string, number>();
  plan.levels.forEach((l, i) => l.forEach((id) => level.set(id, i)));
  const nodes: GraphNode[] = steps.map((s) => {
    const r = ranges(s.id);
    return {
      id: s.id,
      label: s.name ?? s.id,
      kind: s.loop ? 'loop' : 'step',
      tool: s.tool,
      action: s.action,
      level: level.get(s.id) ?? -1,
      range: r?.range ?? null,
      selectionRange: r?.selectionRange ?? null,
      children: s.body && bodyPlans[s.id] ? graphOf(s.body, bodyPlans[s.id], bodyPlans, ranges) : null,
    };
  });
  const edges: GraphEdge[] = plan.edges.map((e) => ({ from: e.from, to: e.to, kind: e.kind }));
  for (const s of steps) {
    if (s.onSuccess) edges.push({ from: s.id, to: s.onSuccess, kind: 'on_success' });
    if (s.onFalse) edges.push({ from: s.id, to: s.onFalse, kind: 'on_false' });
    if (s.onFailure.kind === 'jump') edges.push({ from: s.id, to: s.onFailure.target, kind: 'on_failure' });
  }
  return { nodes, edges };
}
