// Which steps are failure handlers: a step that another step names in `on_failure`, that no step
// depends on, and that no `on_success` or `on_false` names. A handler runs only when a step fails
// into it; when every step that names it has ended without failing, it is skipped. Any other
// `on_failure` target also runs on the normal path, once its own dependencies have ended.
import type { Plan, Step } from '../spec/types';

export interface FailureTargets {
  /** Handler id -> the steps whose `on_failure` names it. */
  handlers: Map<string, string[]>;
  /** Targets that also run on the normal path, with why: the steps that depend on them, or jump to them otherwise. */
  alsoNormal: Map<string, { sources: string[]; dependents: string[]; otherJumps: string[] }>;
}

/** `ids`: the steps' ids, when the caller has their set (the analysis, at every edit). */
export function failureTargets(steps: Step[], plan: Plan, ids: ReadonlySet<string> = new Set(steps.map((s) => s.id))): FailureTargets {
  const sources = new Map<string, string[]>();
  const otherJumps = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, k: string, v: string) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const s of steps) {
    if (s.onFailure.kind === 'jump' && ids.has(s.onFailure.target) && s.onFailure.target !== s.id) add(sources, s.onFailure.target, s.id);
    // the two other jumps, read one by one (not a list of them made for each step)
    if (s.onSuccess !== null && ids.has(s.onSuccess)) add(otherJumps, s.onSuccess, s.id);
    if (s.onFalse !== null && ids.has(s.onFalse)) add(otherJumps, s.onFalse, s.id);
  }
  const dependents = new Map<string, string[]>();
  for (const e of plan.edges) if (sources.has(e.from)) add(dependents, e.from, e.to);
  const handlers = new Map<string, string[]>();
  const alsoNormal: FailureTargets['alsoNormal'] = new Map();
  for (const [target, from] of sources) {
    const deps = [...new Set(dependents.get(target) ?? [])];
    const others = otherJumps.get(target) ?? [];
    if (deps.length === 0 && others.length === 0) handlers.set(target, from);
    else alsoNormal.set(target, { sources: from, dependents: deps, otherJumps: others });
  }
  return { handlers, alsoNormal };
}
