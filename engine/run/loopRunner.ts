// `for_each` and `while` steps: each iteration runs the body as its own step list, with the loop
// variables in scope; iterations of a for_each run up to `max_parallel` at a time.
import type { Step } from '../spec/types';
import { ConditionError, evaluateCondition, evaluateItems } from './conditions';
import { emptyStepResult, type IterationResult, type StepResult, type StepScope } from './events';
import type { ListOutcome, RunContext } from './runContext';
import { forEachVars, ListScope, whileVars } from './scope';

function iterationResult(index: number, item: unknown, o: ListOutcome): IterationResult {
  const steps = Object.fromEntries(o.results);
  const status = o.cancelled ? 'cancelled' : o.failed ? 'failed' : 'completed';
  return { index, item, status, steps };
}

/** The loop's `result`: one mapping per iteration, from body step id to that step's result. */
function loopValue(iterations: IterationResult[]): Record<string, unknown>[] {
  return iterations.map((it) => Object.fromEntries(Object.entries(it.steps).map(([id, r]) => [id, r.result])));
}

export async function runLoop(step: Step, scope: ListScope, ctx: RunContext, keyPrefix: string, scopePath: StepScope[]): Promise<StepResult> {
  const r = emptyStepResult('running');
  const t0 = Date.now();
  r.started_at = new Date(t0).toISOString();
  ctx.emitter.emit({ type: 'step-started', time: t0, step: step.id, scope: scopePath, attempt: 1, inputs: {} });
  r.attempts = 1;
  const plan = ctx.bodyPlans[step.id];
  const body = step.body ?? [];
  const iterations: IterationResult[] = [];
  const end = (status: StepResult['status'], success: boolean | null, error: string | null = null, errorType: string | null = null): StepResult => {
    const t1 = Date.now();
    Object.assign(r, { status, success, error, error_type: errorType, ended_at: new Date(t1).toISOString(), duration_ms: t1 - t0 });
    r.iterations = iterations.sort((a, b) => a.index - b.index);
    r.result = loopValue(r.iterations);
    for (const it of r.iterations) for (const s of Object.values(it.steps)) {
      r.tokens_in += s.tokens_in;
      r.tokens_out += s.tokens_out;
      r.cost_usd += s.cost_usd;
    }
    return r;
  };
  const runIteration = (index: number, vars: Record<string, unknown>): Promise<ListOutcome> => {
    const iterScope = new ListScope(scope, vars, scope.inputs);
    const prefix = `${keyPrefix}${step.id}[${index}]/`;
    return ctx.runList(body, plan, iterScope, prefix, [...scopePath, { loop: step.id, index }]);
  };
  const failure = (o: ListOutcome, index: number) => `iteration ${index}: step '${o.firstFailure?.step}' failed: ${o.firstFailure?.error}`;

  const loop = step.loop!;
  if (loop.kind === 'for_each') {
    let items: unknown[];
    try {
      items = evaluateItems(loop.items, scope);
    } catch (e) {
      return end('failed', false, `Could not evaluate for_each: ${(e as Error).message}`, e instanceof ConditionError ? 'TypeError' : (e as Error).name);
    }
    let next = 0;
    let firstFailure: string | null = null;
    const worker = async () => {
      while (next < items.length && !firstFailure && !ctx.signal.aborted) {
        const i = next++;
        const o = await runIteration(i, forEachVars(loop.loopVar, items[i], i, items.length));
        iterations.push(iterationResult(i, items[i], o));
        if (o.failed && !firstFailure) firstFailure = failure(o, i);
      }
    };
    await Promise.all(Array.from({ length: Math.min(loop.maxParallel, Math.max(1, items.length)) }, worker));
    if (ctx.signal.aborted) return end('cancelled', null, 'The run was cancelled', 'CancelledError');
    if (firstFailure) return end('failed', false, firstFailure, 'IterationFailed');
    return end('completed', true);
  }

  // while / until
  let lastScope: ListScope | null = null;
  for (let i = 0; ; i++) {
    const condScope = new ListScope(lastScope ?? scope, whileVars(i), scope.inputs);
    let go: boolean;
    try {
      go = evaluateCondition(loop.condition, condScope);
    } catch (e) {
      return end('failed', false, `Could not evaluate 'while': ${(e as Error).message}`, 'ConditionError');
    }
    if (!go) break;
    if (i >= loop.maxIterations) {
      ctx.emitter.emit({ type: 'warning', time: Date.now(), step: step.id, message: `Loop '${step.id}' stopped after max_iterations (${loop.maxIterations}) with its condition still true` });
      break;
    }
    const vars = whileVars(i);
    const iterScope = new ListScope(scope, vars, scope.inputs);
    const prefix = `${keyPrefix}${step.id}[${i}]/`;
    const o = await ctx.runList(body, plan, iterScope, prefix, [...scopePath, { loop: step.id, index: i }]);
    iterations.push(iterationResult(i, i, o));
    if (ctx.signal.aborted) return end('cancelled', null, 'The run was cancelled', 'CancelledError');
    if (o.failed) return end('failed', false, failure(o, i), 'IterationFailed');
    lastScope = iterScope;
    if (loop.until !== null && loop.until !== undefined) {
      let stop: boolean;
      try {
        stop = evaluateCondition(loop.until, new ListScope(iterScope, vars, scope.inputs));
      } catch (e) {
        return end('failed', false, `Could not evaluate 'until': ${(e as Error).message}`, 'ConditionError');
      }
      if (stop) break;
    }
  }
  return end('completed', true);
}
