// `for_each` and `while` steps: each iteration runs the body as its own step list, with the loop
// variables in scope; iterations of a for_each run up to `max_parallel` at a time.
import type { Step } from '../spec/types';
import { renderValue } from '../template/index';
import { ConditionError, evaluateCondition, evaluateItems } from './conditions';
import { emptyStepResult, type IterationResult, type StepResult, type StepScope } from './events';
import type { ListOutcome, RunContext } from './runContext';
import type { CompactedIterations } from './runFiles';
import { isoAt } from '../util/isoTime';
import { forEachVars, ListScope, markStepResult, whileVars } from './scope';

/** Iterations whose body results `iterations` keeps in full; later ones keep index, item and status. */
export const ITERATION_DETAIL_LIMIT = 1000;
/**
 * A `while` loop keeps its first ITERATION_DETAIL_LIMIT iterations and its latest WHILE_TAIL
 * (their `iterations` entries and their values in `result`); those between are dropped and
 * counted in `iterations_omitted`. A for_each's items are all in memory anyway and capped before
 * it starts; a while loop's count is known only as it runs, and kept whole it grew about 1 KB an
 * iteration to a heap overflow near a million (issue 24, item 10). The checkpoint's journal drops
 * them too: one line stands for the dropped iterations (done, with their tokens and cost), so a
 * resumed run does not run them again and the journal stays bounded (journalCompaction.ts).
 */
export const WHILE_TAIL = 1000;
/** The hard cap on the iterations of one loop, whatever `max_iterations` says or however long the list. */
export const DEFAULT_ITERATION_CAP = 100_000;
/** A loop lets timers and signals (Ctrl-C) in at least this often, in milliseconds. */
const YIELD_EVERY_MS = 10;

/** The iteration cap of a run: RunOptions, else ORC_MAX_ITERATIONS, else the default. */
export function iterationCap(given?: number): number {
  if (given !== undefined && Number.isInteger(given) && given > 0) return given;
  const env = Number(process.env.ORC_MAX_ITERATIONS);
  return Number.isInteger(env) && env > 0 ? env : DEFAULT_ITERATION_CAP;
}

function iterationResult(index: number, item: unknown, o: ListOutcome): IterationResult {
  const status = o.cancelled ? 'cancelled' : o.failed ? 'failed' : 'completed';
  if (index >= ITERATION_DETAIL_LIMIT) return { index, item, status, steps: {}, summarized: true };
  // templates read these results (`loop.iterations[0].steps.body.total`) as they read `steps`
  const steps = Object.fromEntries(Array.from(o.results, ([id, r]) => [id, markStepResult(r)]));
  return { index, item, status, steps };
}

/** One iteration's entry in the loop's `result`: body step id to that step's result. */
function iterationValue(o: ListOutcome): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, r] of o.results) out[id] = r.result;
  return out;
}

/** Lets the event loop run (signals, timers, I/O) when the loop has held it for a while. */
function yielder(): () => Promise<void> | void {
  let last = Date.now();
  return () => {
    if (Date.now() - last < YIELD_EVERY_MS) return;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        last = Date.now();
        resolve();
      }),
    );
  };
}

export async function runLoop(step: Step, scope: ListScope, ctx: RunContext, keyPrefix: string, scopePath: StepScope[]): Promise<StepResult> {
  const r = emptyStepResult('running');
  const t0 = Date.now();
  r.started_at = isoAt(t0);
  ctx.emitter.emit({ type: 'step-started', time: t0, stepId: step.id, scope: scopePath, attempt: 1, inputs: {}, tool: step.loop?.kind ?? null, action: null });
  r.attempts = 1;
  const plan = ctx.bodyPlans[step.id];
  const body = step.body ?? [];
  const iterations: IterationResult[] = [];
  const values = new Map<number, Record<string, unknown>>();
  /** While loops: the latest iterations past the first ITERATION_DETAIL_LIMIT (a ring), and how many were dropped. */
  const tail: ({ it: IterationResult; value: Record<string, unknown>; tokens_in: number; tokens_out: number; cost_usd: number } | undefined)[] = [];
  let omitted = 0;
  const loopKey = keyPrefix + step.id;
  /** A resumed run's iterations its journal counts as done without their results. */
  const past = step.loop?.kind === 'while' ? ctx.compacted?.[loopKey] : undefined;
  /** The iterations dropped from the ring so far (one range: a while loop's iterations run in order). */
  let dropped: CompactedIterations | null = past ? { ...past } : null;
  const cap = ctx.iterationCap;
  const breathe = yielder();
  const end = (status: StepResult['status'], success: boolean | null, error: string | null = null, errorType: string | null = null): StepResult => {
    const t1 = Date.now();
    Object.assign(r, { status, success, error, error_type: errorType, ended_at: isoAt(t1), duration_ms: t1 - t0 });
    // time a debugger held steps of the body: part of duration_ms, but not of the loop's own work
    const paused = ctx.pauses.pausedIn(keyPrefix + step.id);
    if (paused) r.paused_ms = paused;
    for (const t of tail) {
      // a resumed run's ring may start part-way through
      if (!t) continue;
      iterations.push(t.it);
      values.set(t.it.index, t.value);
    }
    tail.length = 0;
    if (omitted) r.iterations_omitted = omitted;
    r.iterations = iterations.sort((a, b) => a.index - b.index);
    r.result = r.iterations.map((it) => values.get(it.index) ?? {});
    // a one-action loop (ContextLab's shorthand): its result is the action's result for each item
    const single = loop.kind === 'for_each' ? loop.single : undefined;
    if (single) r.result = r.results = (r.result as Record<string, unknown>[]).map((v) => v[single] ?? null);
    return r;
  };
  const runIteration = (index: number, vars: Record<string, unknown>): Promise<ListOutcome> => {
    const iterScope = new ListScope(scope, vars, scope.inputs);
    const prefix = `${keyPrefix}${step.id}[${index}]/`;
    return ctx.runList(body, plan, iterScope, prefix, [...scopePath, { loop: step.id, index }]);
  };
  /** Records an iteration: its entry (bounded), its value, and its cost. */
  const done = (index: number, item: unknown, o: ListOutcome) => {
    if (loop.kind === 'while' && index >= ITERATION_DETAIL_LIMIT) {
      // a ring: the entry WHILE_TAIL iterations back is replaced
      const slot = (index - ITERATION_DETAIL_LIMIT) % WHILE_TAIL;
      const out = tail[slot];
      if (out) {
        omitted++;
        dropped = {
          compacted: loopKey,
          from: dropped?.from ?? out.it.index,
          to: out.it.index,
          tokens_in: (dropped?.tokens_in ?? 0) + out.tokens_in,
          tokens_out: (dropped?.tokens_out ?? 0) + out.tokens_out,
          cost_usd: (dropped?.cost_usd ?? 0) + out.cost_usd,
        };
        ctx.checkpoint?.compactLoop(dropped);
      }
      let tokensIn = 0;
      let tokensOut = 0;
      let cost = 0;
      for (const s of o.results.values()) {
        tokensIn += s.tokens_in;
        tokensOut += s.tokens_out;
        cost += s.cost_usd;
      }
      tail[slot] = { it: iterationResult(index, item, o), value: iterationValue(o), tokens_in: tokensIn, tokens_out: tokensOut, cost_usd: cost };
    } else {
      iterations.push(iterationResult(index, item, o));
      values.set(index, iterationValue(o));
    }
    for (const s of o.results.values()) {
      r.tokens_in += s.tokens_in;
      r.tokens_out += s.tokens_out;
      r.cost_usd += s.cost_usd;
    }
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
    if (items.length > cap) {
      return end('failed', false, `for_each has ${items.length} items, more than the limit of ${cap} iterations per loop (raise it with ORC_MAX_ITERATIONS)`, 'LimitError');
    }
    let next = 0;
    let firstFailure: string | null = null;
    const worker = async () => {
      while (next < items.length && !firstFailure && !ctx.signal.aborted) {
        const i = next++;
        const o = await runIteration(i, forEachVars(loop.loopVar, items[i], i, items.length));
        done(i, items[i], o);
        if (o.failed && !firstFailure) firstFailure = failure(o, i);
        await breathe();
      }
    };
    // more iterations in flight than the run has slots would only wait for them, holding memory
    await Promise.all(Array.from({ length: Math.min(loop.maxParallel, Math.max(1, items.length), ctx.maxParallel) }, worker));
    if (ctx.signal.aborted) return end('cancelled', null, 'The run was cancelled', 'CancelledError');
    if (firstFailure) return end('failed', false, firstFailure, 'IterationFailed');
    return end('completed', true);
  }

  // while / until
  let maxIterations: number;
  if (typeof loop.maxIterations === 'string') {
    // a template (`"{{ max_attempts }}"`), rendered once as the loop starts
    let v: unknown;
    try {
      v = renderValue(loop.maxIterations, scope);
    } catch (e) {
      return end('failed', false, `Could not render 'max_iterations': ${(e as Error).message}`, 'TemplateError');
    }
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < 1) return end('failed', false, `'max_iterations' must be a whole number of at least 1, got ${JSON.stringify(v)}`, 'ValueError');
    maxIterations = n;
  } else maxIterations = loop.maxIterations;
  const limit = Math.min(maxIterations, cap);
  if (maxIterations > cap) {
    ctx.emitter.emit({ type: 'warning', time: Date.now(), stepId: step.id, message: `Loop '${step.id}': max_iterations ${maxIterations} is above the limit of ${cap} iterations per loop; it stops at ${cap} (raise the limit with ORC_MAX_ITERATIONS)` });
  }
  let lastScope: ListScope | null = null;
  for (let i = 0; ; i++) {
    await breathe();
    if (ctx.signal.aborted) return end('cancelled', null, 'The run was cancelled', 'CancelledError');
    if (past && i >= past.from && i <= past.to) {
      // ran before the run was resumed, and out of the record since: counted, not run again
      if (i === past.from) {
        r.tokens_in += past.tokens_in;
        r.tokens_out += past.tokens_out;
        r.cost_usd += past.cost_usd;
      }
      omitted++;
      continue;
    }
    // the iteration after those ran too: its condition held, and the scope it read is not kept
    if (!past || i !== past.to + 1) {
      const condScope = new ListScope(lastScope ?? scope, whileVars(i, step.id), scope.inputs);
      let go: boolean;
      try {
        go = evaluateCondition(loop.condition, condScope);
      } catch (e) {
        return end('failed', false, `Could not evaluate 'while': ${(e as Error).message}`, 'ConditionError');
      }
      if (!go) break;
    }
    if (i >= limit) {
      ctx.emitter.emit({ type: 'warning', time: Date.now(), stepId: step.id, message: `Loop '${step.id}' stopped after ${limit === maxIterations ? 'max_iterations' : 'the iteration limit'} (${limit}) with its condition still true` });
      break;
    }
    const vars = whileVars(i, step.id);
    const iterScope = new ListScope(scope, vars, scope.inputs);
    const prefix = `${keyPrefix}${step.id}[${i}]/`;
    const o = await ctx.runList(body, plan, iterScope, prefix, [...scopePath, { loop: step.id, index: i }]);
    done(i, i, o);
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
