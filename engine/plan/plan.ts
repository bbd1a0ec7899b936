// The plan of one list of steps: the DAG, its dependency levels, an execution order and the
// critical path. Levels match ContextLab's `execution_levels`: a step's level is one more than its
// deepest dependency's; within a level, steps keep their document order.
import type { Plan, PlanEdge } from '../spec/types';

export interface PlanInput {
  /** Step ids in document order. */
  steps: string[];
  /** Edges from a dependency to its dependent; edges naming unknown steps are ignored. */
  edges: PlanEdge[];
}

export function buildPlan(input: PlanInput): Plan {
  const index = new Map<string, number>();
  // indexed loops: they run cold on a document's open, where each for-of turn allocates
  for (let k = 0; k < input.steps.length; k++) if (!index.has(input.steps[k])) index.set(input.steps[k], index.size);
  const ids = [...index.keys()];
  const n = ids.length;
  const parents: number[][] = Array.from({ length: n }, () => []);
  const children: number[][] = Array.from({ length: n }, () => []);
  const edges: PlanEdge[] = [];
  const seen = new Set<string>();
  for (let k = 0; k < input.edges.length; k++) {
    const e = input.edges[k];
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    const key = `${a}>${b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push(e);
    parents[b].push(a);
    children[a].push(b);
  }

  // Kahn's algorithm; a step's level is 1 + the max level of its parents
  const indegree = parents.map((p) => p.length);
  const level = new Array<number>(n).fill(0);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) queue.push(i);
  const done = new Array<boolean>(n).fill(false);
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q];
    done[i] = true;
    const cs = children[i];
    for (let k = 0; k < cs.length; k++) {
      const c = cs[k];
      if (level[i] + 1 > level[c]) level[c] = level[i] + 1;
      if (--indegree[c] === 0) queue.push(c);
    }
  }
  const levels: string[][] = [];
  for (let i = 0; i < n; i++) {
    if (!done[i]) continue;
    (levels[level[i]] ??= []).push(ids[i]);
  }
  // each level cut to its length: one filled by push keeps room for 16 ids, and a chain of 5,000
  // steps has 5,000 levels of one (0.65 of the 0.9 MiB its plan held in the language server)
  for (let l = 0; l < levels.length; l++) if (levels[l]) levels[l] = levels[l].slice();
  const cyclic = ids.filter((_, i) => !done[i]);

  // critical path: the longest chain, by step count; ties go to the earliest step in the document
  const best = new Array<number>(n).fill(1);
  const next = new Array<number>(n).fill(-1);
  const order = [...queue].reverse();
  for (let q = 0; q < order.length; q++) {
    const i = order[q];
    const cs = children[i];
    for (let k = 0; k < cs.length; k++) {
      const c = cs[k];
      if (!done[c]) continue;
      if (best[c] + 1 > best[i] || (best[c] + 1 === best[i] && next[i] > c)) {
        best[i] = best[c] + 1;
        next[i] = c;
      }
    }
  }
  let start = -1;
  for (let i = 0; i < n; i++) if (done[i] && parents[i].length === 0 && (start < 0 || best[i] > best[start])) start = i;
  const criticalPath: string[] = [];
  for (let i = start; i >= 0; i = next[i]) criticalPath.push(ids[i]);

  return { steps: ids, edges, levels: levels.filter(Boolean), executionOrder: levels.flat(), criticalPath, cyclic };
}
