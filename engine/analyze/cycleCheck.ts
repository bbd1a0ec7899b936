// Dependency cycles among a list's steps: found (Tarjan's strongly connected components) and reported
// as the chain of "depends on" edges that closes each, and the ancestor query for implied edges.
import { valueRange } from '../parse/yamlDocument';
import type { PlanEdge, Range, RelatedFinding } from '../spec/types';
import type { FindingSink } from './findingSink';
import type { StepIndexEntry } from './stepIndex';

/** Tarjan's strongly connected components; returns components of more than one step. */
export function cycles(ids: string[], edges: PlanEdge[]): string[][] {
  const adj = new Map<string, string[]>(ids.map((i) => [i, []]));
  for (const e of edges) adj.get(e.from)?.push(e.to);
  let counter = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    // iterative, so a 10,000-step chain cannot overflow the stack
    const work: { v: string; i: number }[] = [{ v, i: 0 }];
    idx.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    while (work.length) {
      const top = work[work.length - 1];
      const next = adj.get(top.v)!;
      if (top.i < next.length) {
        const w = next[top.i++];
        if (!idx.has(w)) {
          idx.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          on.add(w);
          work.push({ v: w, i: 0 });
        } else if (on.has(w)) low.set(top.v, Math.min(low.get(top.v)!, idx.get(w)!));
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].v;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
        }
        if (low.get(top.v) === idx.get(top.v)) {
          const comp: string[] = [];
          let w: string;
          do {
            w = stack.pop()!;
            on.delete(w);
            comp.push(w);
          } while (w !== top.v);
          if (comp.length > 1) out.push(comp);
        }
      }
    }
  };
  for (const i of ids) if (!idx.has(i)) strong(i);
  return out;
}

/** `isAncestor(a, b)`: does b depend on a through explicit edges? A direct parent is answered at once. */
export function ancestorQuery(ids: string[], edges: PlanEdge[]): (a: string, b: string) => boolean {
  // the parents of the steps that have any, each list made of its first parent (a list grown by
  // push from empty keeps room for 17): the last analysis keeps this query (stepMemo.ts), and at
  // 5,000 steps a list per step, empty or not, was 1.1 MiB of what the server holds
  const known = new Set(ids);
  const parents = new Map<string, string[]>();
  for (const e of edges) {
    if (!known.has(e.to)) continue;
    const list = parents.get(e.to);
    if (list) list.push(e.from);
    else parents.set(e.to, [e.from]);
  }
  return (a, b) => {
    const direct = parents.get(b);
    if (!direct || direct.length === 0) return false;
    if (direct.includes(a)) return true;
    const seen = new Set<string>([b]);
    const stack = [...direct];
    while (stack.length) {
      const x = stack.pop()!;
      if (x === a) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(...(parents.get(x) ?? []));
    }
    return false;
  };
}

/** Reports a cycle as the chain of "depends on" edges from its first step in the document, each edge at its range. */
export function reportCycle(comp: string[], edges: PlanEdge[], edgeRange: Map<string, { readonly range: Range }>, sink: FindingSink, index: Map<string, StepIndexEntry>): void {
  const members = new Set(comp);
  const docOrder = [...comp].sort((a, b) => index.get(a)!.step.path.join('.').localeCompare(index.get(b)!.step.path.join('.'), undefined, { numeric: true }));
  // walk "depends on" edges from the first step until we come back
  const parentsInCycle = new Map<string, string[]>();
  for (const e of edges) if (members.has(e.from) && members.has(e.to)) parentsInCycle.set(e.to, [...(parentsInCycle.get(e.to) ?? []), e.from]);
  const dependsOn = (id: string) => parentsInCycle.get(id) ?? [];
  const start = docOrder[0];
  const cycle: string[] = [start];
  const visited = new Set([start]);
  let cur = start;
  for (;;) {
    const nexts = dependsOn(cur);
    const back = nexts.find((n) => n === start);
    if (back && cycle.length > 1) break;
    const n = nexts.find((x) => !visited.has(x)) ?? back;
    if (!n || n === start) break;
    cycle.push(n);
    visited.add(n);
    cur = n;
  }
  const next = (i: number) => cycle[(i + 1) % cycle.length];
  const message = `Dependency cycle: '${cycle[0]}' depends on ${cycle.map((_, i) => `'${next(i)}'`).join(', which depends on ')}. No step of the cycle can start.`;
  const edgeAt = (to: string, from: string) => edgeRange.get(`${from}>${to}`)?.range ?? valueRange(sink.parsed, [...index.get(to)!.step.path, 'id']);
  const related: RelatedFinding[] = [];
  for (let i = 1; i < cycle.length; i++) {
    related.push({ message: `'${cycle[i]}' depends on '${next(i)}'`, range: edgeAt(cycle[i], next(i)) });
  }
  sink.add('step.cycle', message, edgeAt(cycle[0], cycle[1]), index.get(cycle[0])!.step.path, { step: cycle[0], related });
}
