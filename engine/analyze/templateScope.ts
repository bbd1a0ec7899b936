// The names a template sees where it stands: the step ids of its list and every enclosing one,
// the pipeline's parameters, the loop variables of the loops around it, and the globals.
import type { Pipeline, Step } from '../spec/types';
import type { ScopeInfo } from './model';
import type { StepMemoContext } from './stepMemo';

/** Fields of a step in templates: the result document's per-step fields plus `vars`. */
export const STEP_FIELDS = [
  'result', 'status', 'success', 'error', 'error_type', 'vars', 'attempts', 'retries', 'timed_out',
  'started_at', 'ended_at', 'duration_ms', 'model', 'tokens_in', 'tokens_out', 'cost_usd',
];
/** What a loop step has besides a step's fields: each iteration's index, item, status and body results. */
export const LOOP_STEP_FIELDS = ['iterations'];

export const LOOP_VARIABLES = ['index', 'position', 'is_first', 'is_last', 'length'];
export const WHILE_VARIABLES = ['iteration'];

/** Names every template sees besides parameters and steps (`execution_id` and `execution_time`:
 * ContextLab's run gives them, `execution.id` and the seconds since the run started; see engine/run/scope.ts). */
export const GLOBAL_NAMES = ['inputs', 'parameters', 'steps', 'execution', 'pipeline_id', 'timestamp', 'output_path', 'variables', 'execution_id', 'execution_time'];
export const EXECUTION_FIELDS = ['id', 'started_at', 'timestamp', 'date', 'time'];

/** `include_file('PATH')` (ContextLab's `{{ file:PATH }}` reads as it) is the run's: see engine/run/scope.ts. */
export const BUILTIN_FUNCTIONS = ['range', 'dict', 'include_file'];

/** A list of steps and the loop around it (null at the top level). */
export interface StepListContext {
  steps: Step[];
  loop: Step | null;
  parent: StepListContext | null;
}

/** The steps a template in a list can see: each visible id and the list it stands in. */
export interface VisibleSteps {
  map: Map<string, StepListContext>;
  ids: string[];
}

/** The scope of one template site, and its loop variables as a set. */
export interface SiteScope {
  scope: ScopeInfo;
  loopSet: Set<string>;
}

/** The scopes of one pipeline's templates, each computed once per list and shared by its sites. */
export class TemplateScopes {
  readonly paramNames: string[];
  readonly paramSet: Set<string>;
  /** The names under the pipeline's `variables:`. */
  readonly variableNames: string[];
  /** Every loop variable name used anywhere, to tell 'used outside its loop' from 'unknown'. */
  readonly allLoopVarNames = new Set<string>(['item', 'iteration', ...LOOP_VARIABLES].flatMap((n) => [n, `$${n}`]));
  private readonly sharedParams: string[];
  private readonly visibleCache = new Map<StepListContext, VisibleSteps>();
  // the sites of a list outside loop conditions share one scope (read only, by completion)
  private readonly plainScopes = new Map<StepListContext, SiteScope>();

  constructor(pipeline: Pipeline, private readonly memo: StepMemoContext | undefined) {
    // the names in scope, one list per context (sites kept across analyses hold them)
    this.paramNames = pipeline.parameters.map((p) => p.name);
    this.paramSet = new Set(this.paramNames);
    this.variableNames = Object.keys(pipeline.variables ?? {});
    this.sharedParams = this.shared('parameter names', this.paramNames);
    this.collectLoopVars(pipeline.steps);
  }

  private shared<T>(name: string, value: T): T {
    return this.memo ? this.memo.canonical(name, value) : value;
  }

  private collectLoopVars(steps: Step[]): void {
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k];
      if (s.loop?.kind === 'for_each') this.allLoopVarNames.add(s.loop.loopVar).add(`$${s.loop.loopVar}`);
      if (s.body) this.collectLoopVars(s.body);
    }
  }

  /** The steps a template in a list can see: its list and every enclosing one (computed once a list). */
  visibleSteps(ctx: StepListContext, extra: StepListContext | null): VisibleSteps {
    let v = this.visibleCache.get(ctx);
    if (!v) {
      const map = new Map<string, StepListContext>();
      for (let c: StepListContext | null = ctx; c; c = c.parent) {
        for (let k = 0; k < c.steps.length; k++) if (!map.has(c.steps[k].id)) map.set(c.steps[k].id, c);
      }
      v = { map, ids: ctx.parent ? [...map.keys()] : this.shared('top-level step ids', [...map.keys()]) };
      this.visibleCache.set(ctx, v);
    }
    if (!extra) return v;
    const map = new Map(v.map);
    for (const s of extra.steps) if (!map.has(s.id)) map.set(s.id, extra);
    return { map, ids: [...map.keys()] };
  }

  /** The loop variables of the loops around a list, and of a step's own loop in its condition. */
  loopVarsOf(ctx: StepListContext | null, includeOwnLoop: Step | null): string[] {
    const names: string[] = [];
    const add = (loop: Step) => {
      if (loop.loop?.kind === 'for_each') {
        for (const n of [loop.loop.loopVar, ...LOOP_VARIABLES]) names.push(n, `$${n}`);
        if (loop.loop.loopVar !== 'item') names.push('item', '$item');
      } else if (loop.loop?.kind === 'while') {
        for (const n of WHILE_VARIABLES) names.push(n, `$${n}`);
      }
    };
    if (includeOwnLoop) add(includeOwnLoop);
    for (let c = ctx; c; c = c.parent) if (c.loop) add(c.loop);
    return [...new Set(names)];
  }

  /** The scope of a site in a list (extraStepScope and ownLoop for a loop's own condition). */
  siteScope(ctx: StepListContext, visibleIds: string[], extraStepScope: StepListContext | null, ownLoop: Step | null): SiteScope {
    const plainSite = !extraStepScope && !ownLoop;
    let scoped = plainSite ? this.plainScopes.get(ctx) : undefined;
    if (!scoped) {
      const names = this.loopVarsOf(ctx, ownLoop);
      scoped = { scope: { parameters: this.sharedParams, steps: visibleIds, loopVariables: names }, loopSet: new Set(names) };
      if (plainSite) this.plainScopes.set(ctx, scoped);
    }
    return scoped;
  }
}
