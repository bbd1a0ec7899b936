// Generated graph documents for the graph panel's benchmark and tests: blocks of 8 steps (a head,
// then 7 steps that need it and run side by side, all needed by the next head), a for_each (3 body
// steps) every 40 steps, a jump every 25.
import type { GraphDocument, GraphEdge, GraphNode } from '../engine/plan/graph';

export function generateGraph(n: number): { graph: GraphDocument; ids: string[] } {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const ids: string[] = [];
  const node = (id: string, level: number, children: GraphDocument | null = null): GraphNode => ({ id, label: id, kind: children ? 'loop' : 'step', tool: children ? null : 'terminal', action: children ? null : 'execute', level, range: null, selectionRange: null, children });
  let count = 0;
  for (let i = 0; count < n; i++) {
    const id = `s${i}`;
    if (i % 40 === 39) {
      const body = [0, 1, 2].map((k) => node(`${id}_b${k}`, k));
      ids.push(id, ...body.map((b) => b.id));
      nodes.push(node(id, i, { nodes: body, edges: [{ from: body[0].id, to: body[1].id, kind: 'explicit' }, { from: body[1].id, to: body[2].id, kind: 'explicit' }] }));
      count += 4;
    } else {
      nodes.push(node(id, i));
      ids.push(id);
      count += 1;
    }
    if (i > 0 && i % 8 === 0) for (let k = 1; k < 8; k++) edges.push({ from: `s${i - k}`, to: id, kind: k === 1 ? 'explicit' : 'implied' });
    else if (i % 8) edges.push({ from: `s${i - (i % 8)}`, to: id, kind: 'explicit' });
    if (i >= 3 && i % 25 === 0) edges.push({ from: `s${i - 3}`, to: id, kind: i % 50 === 0 ? 'on_failure' : 'on_success' });
  }
  return { graph: { nodes, edges }, ids };
}
