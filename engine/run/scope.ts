// What names a template sees at run time: parameters, step results, loop variables, execution.
import type { Scope } from '../template/index';
import { fallThrough, printsAs } from '../template/values';
import type { StepResult } from './events';

export interface ExecutionInfo {
  id: string;
  started_at: string;
  timestamp: string;
  date: string;
  time: string;
}

export function executionInfo(id: string, started: Date): ExecutionInfo {
  const iso = started.toISOString();
  return { id, started_at: iso, timestamp: iso, date: iso.slice(0, 10), time: iso.slice(11, 19) };
}

/**
 * Marks a step result for templates: `step.field` reads the result's field when the step itself has
 * none (`search.total_results`), and `{{ step }}` prints (and, used whole, is) the step's result, as
 * ContextLab renders a bare step id. Done where a result becomes visible to templates (a list's `steps`,
 * a loop's `iterations`), not for every result: the mark costs more than a short step's scheduling.
 */
export function markStepResult(r: StepResult): StepResult {
  return printsAs(fallThrough(r, 'result'), 'result');
}

/** Names of one step list: its steps' results so far, and its loop variables. */
export class ListScope implements Scope {
  private readonly view: Record<string, StepResult> = Object.create(null) as Record<string, StepResult>;
  /** Results not yet in the view, in the order they came: most runs never read a step by name, and a
   * keyed insert per step costs more than a short step's scheduling, so they go in when first read. */
  private readonly pendingIds: string[] = [];
  private readonly pendingResults: StepResult[] = [];
  constructor(
    readonly parent: Scope,
    /** This iteration's loop variables (empty at the top level). */
    readonly loopVars: Record<string, unknown>,
    /** The run's inputs: a parameter wins over a step of the same name, as in the analyzer. */
    readonly inputs: Record<string, unknown>,
  ) {}

  /** `steps` as templates see it: grows as steps end (never rebuilt); no prototype, so any id is a key. */
  get stepsView(): Record<string, StepResult> {
    const ids = this.pendingIds;
    if (ids.length) {
      const results = this.pendingResults;
      for (let k = 0; k < ids.length; k++) this.view[ids[k]] = markStepResult(results[k]);
      ids.length = 0;
      results.length = 0;
    }
    return this.view;
  }

  setStep(id: string, r: StepResult): void {
    this.pendingIds.push(id);
    this.pendingResults.push(r);
  }

  lookup(name: string): { found: true; value: unknown } | { found: false } {
    if (Object.prototype.hasOwnProperty.call(this.loopVars, name)) return { found: true, value: this.loopVars[name] };
    if (Object.prototype.hasOwnProperty.call(this.inputs, name)) return { found: true, value: this.inputs[name] };
    const view = this.stepsView;
    if (name in view) return { found: true, value: view[name] };
    if (name === 'steps') {
      // this list's steps and every enclosing list's
      const outer = this.parent.lookup('steps');
      const merged = outer.found && outer.value && typeof outer.value === 'object' && Object.keys(outer.value).length ? Object.assign(Object.create(null), outer.value, view) : view;
      return { found: true, value: merged };
    }
    return this.parent.lookup(name);
  }
}

/** `output_path` when no parameter of that name is given: `-i output_path=DIR` chooses another folder. */
export const DEFAULT_OUTPUT_PATH = 'output';

/** The outermost scope: parameters and execution facts. */
export function rootScope(inputs: Record<string, unknown>, pipelineId: string, execution: ExecutionInfo, variables: Record<string, unknown> = {}): Scope {
  const globals: Record<string, unknown> = { inputs, parameters: inputs, execution, pipeline_id: pipelineId };
  // ContextLab's top-level `variables:` (a parameter of that name wins, as for the other globals)
  if (!Object.prototype.hasOwnProperty.call(inputs, 'variables')) globals.variables = variables;
  return {
    lookup(name) {
      if (Object.prototype.hasOwnProperty.call(globals, name)) return { found: true, value: globals[name] };
      if (Object.prototype.hasOwnProperty.call(inputs, name)) return { found: true, value: inputs[name] };
      // ContextLab's global (a parameter of that name wins): when the run started, as ISO 8601
      if (name === 'timestamp') return { found: true, value: execution.timestamp };
      // what ContextLab's runner passes for its `-o`: the folder a pipeline writes its files in
      if (name === 'output_path') return { found: true, value: DEFAULT_OUTPUT_PATH };
      if (name === 'steps') return { found: true, value: {} };
      return { found: false };
    },
  };
}

/** Loop variables of one iteration, with their `$` forms. */
export function forEachVars(loopVar: string, item: unknown, index: number, length: number): Record<string, unknown> {
  const v: Record<string, unknown> = { [loopVar]: item, item, index, position: index + 1, is_first: index === 0, is_last: index === length - 1, length };
  for (const [k, x] of Object.entries(v)) v[`$${k}`] = x;
  return v;
}

/** A while loop's variables; its own id names the loop as it runs (`<loop>.iteration`, ContextLab's form). */
export function whileVars(iteration: number, loopId?: string): Record<string, unknown> {
  const v: Record<string, unknown> = { iteration, $iteration: iteration };
  if (loopId !== undefined && loopId !== 'iteration' && loopId !== '$iteration') v[loopId] = { iteration };
  return v;
}
