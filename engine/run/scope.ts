// What names a template sees at run time: parameters, step results, loop variables, execution.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Scope } from '../template/index';
import { confinedPath, type Confinement } from '../toolkit/workspacePath';
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

/** Folders `include_file` (and ContextLab's `{{ file:PATH }}`) looks in, in order, under the run's working directory: ContextLab's. */
export const INCLUDE_FOLDERS = ['.', 'prompts', 'templates', 'includes', 'content'];
/** The largest file `include_file` reads (ContextLab's limit). */
export const INCLUDE_MAX_BYTES = 10 * 1024 * 1024;

/**
 * `include_file(path)`: the text of a file, read when the step runs, from the first of
 * INCLUDE_FOLDERS that has it. Every candidate resolves through the workspace boundary (links
 * followed); a regular file of at most INCLUDE_MAX_BYTES only.
 */
export function includeFile(c: Confinement): (given: unknown) => string {
  return (given) => {
    if (typeof given !== 'string' || !given.trim()) throw new Error('include_file() takes the path of a file');
    const candidates = path.isAbsolute(given) ? [given] : INCLUDE_FOLDERS.map((d) => (d === '.' ? given : path.join(d, given)));
    for (const candidate of candidates) {
      const { real } = confinedPath(candidate, c, 'read', 'An included file');
      let st;
      try {
        st = statSync(real);
      } catch {
        continue;
      }
      if (!st.isFile()) throw new Error(`An included file is not a regular file: ${given}`);
      if (st.size > INCLUDE_MAX_BYTES) throw new Error(`An included file is larger than ${INCLUDE_MAX_BYTES / 1024 / 1024} MiB: ${given}`);
      return readFileSync(real, 'utf8');
    }
    throw new Error(`An included file was not found: ${given} (looked in ${INCLUDE_FOLDERS.map((d) => (d === '.' ? './' : `${d}/`)).join(', ')})`);
  };
}

/** The outermost scope: parameters and execution facts (and `include_file` when the run gives where files are read). */
export function rootScope(inputs: Record<string, unknown>, pipelineId: string, execution: ExecutionInfo, variables: Record<string, unknown> = {}, files?: Confinement): Scope {
  const globals: Record<string, unknown> = { inputs, parameters: inputs, execution, pipeline_id: pipelineId };
  if (files) globals.include_file = includeFile(files);
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
      // ContextLab's run gives these too (its PipelineExecutionState and RuntimeContext): the run's
      // id, and the seconds since it started, read when the template renders
      if (name === 'execution_id') return { found: true, value: execution.id };
      if (name === 'execution_time') return { found: true, value: (Date.now() - Date.parse(execution.started_at)) / 1000 };
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
