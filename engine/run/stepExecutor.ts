// One action step: render its parameters, then attempts (bounded by the global and per-tool limits)
// with a timeout each, retries with backoff, the cache, and the tool or model call.
import { inlineDocumentParams } from '../toolkit/toolSpecs';
import type { Step } from '../spec/types';
import { renderValue, withRenderDeadline, type Scope } from '../template/index';
import { SESSION_PARAM } from '../agent/sessionMemory';
import { ToolError, type ToolOutcome } from '../toolkit/runtime';
import { emptyStepResult, type StepEdit, type StepResult, type StepScope } from './events';
import { effectiveRetry, retryDelayMs } from './retryPolicy';
import type { RetryPolicy } from '../spec/types';
import { sleep, type AttemptExecutor, type AttemptRequest, type RunContext, type Semaphore } from './runContext';
import { cacheKey } from './stepCache';
import { resultProblem } from './resultBounds';
import { setLongTimeout, type LongTimer } from '../util/longTimer';
import { isoAt } from '../util/isoTime';
import type { ModelCallRecord, ModelTry } from '../models/modelRunner';
import { fallbacksFor, ModelChainError } from '../models/fallback';
import { writeProducts } from '../models/products';
import { hasAutoTags, resolveRuntimeTags } from '../auto/runtime';
import { runDir } from './checkpointStore';
import { PRODUCTS_DIR } from './runFiles';
import * as path from 'node:path';
import { AttemptSignal, cancellationOf } from './attemptSignal';
import { callAction, message, modelFor } from './actionCall';
import { AgentLimitError, agentSoFar, limitMessage, type AgentStepResult } from '../agent/index';

export { callAction, modelFor, type ActionContext } from './actionCall';

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Renders every string of a parameters tree; a value that is one `{{ expr }}` keeps its type. */
export function renderParams(v: unknown, scope: Scope): unknown {
  if (typeof v === 'string') return renderValue(v, scope);
  if (Array.isArray(v)) return v.map((x) => renderParams(x, scope));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: renderParams(x, scope), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** A step's parameters, rendered; template work is synchronous, so the step's timeout bounds it through a render deadline. */
export function renderStepParams(step: Step, scope: Scope, ctx: RunContext): Record<string, unknown> {
  // no parameters: nothing to render, nothing passed verbatim (what the general path gives, sooner)
  if (!hasOwnKeys(step.parameters)) return {};
  const limitS = step.timeout ?? ctx.pipeline.context.timeout;
  // an inline document (a sub-pipeline's own text) is passed as written: its templates are its own
  const spec = step.tool && step.action ? ctx.tools[step.tool]?.spec.actions[step.action] : undefined;
  const verbatim = inlineDocumentParams(spec, step.parameters);
  const toRender = verbatim.length ? Object.fromEntries(Object.entries(step.parameters).filter(([k]) => !verbatim.includes(k))) : step.parameters;
  const rendered = (limitS ? withRenderDeadline(limitS * 1000, `Rendering the parameters took longer than the step's timeout (${limitS} s)`, () => renderParams(toRender, scope)) : renderParams(toRender, scope)) as Record<string, unknown>;
  for (const k of verbatim) rendered[k] = step.parameters[k];
  // an agent step's session id (`memory.session`) is a template too, rendered with its parameters
  if (step.agent?.memory) rendered[SESSION_PARAM] = renderValue(step.agent.memory.session, scope);
  return rendered;
}

function hasOwnKeys(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}

/** Inputs a debugger has seen (and may have changed) before the step runs. */
export interface GivenInputs {
  params: Record<string, unknown>;
  edits?: StepEdit[];
}

function errorTypeOf(e: unknown): string {
  if (e instanceof ToolError) return e.errorType;
  if (e instanceof Error) return e.name && e.name !== 'Error' ? e.name : 'Error';
  return 'Error';
}

export type { AttemptExecutor, AttemptRequest };

/** The checkpoint key of a step in a scope: `loop[2]/inner[0]/step`. */
export function stepKey(stepId: string, scopePath: StepScope[]): string {
  return scopePath.map((s) => `${s.loop}[${s.index}]/`).join('') + stepId;
}

/** One attempt: on the run's attempt executor when it takes the step (a distributed run), else here. */
function attemptAction(step: Step, params: Record<string, unknown>, ctx: RunContext, signal: AbortSignal | AttemptSignal, scopePath: StepScope[], r: StepResult, attempt: number, timeoutS: number | null): Promise<ToolOutcome> {
  if (ctx.attempts?.handles(step)) return ctx.attempts.attempt({ step, key: stepKey(step.id, scopePath), params, attempt, timeoutS, scopePath, cancellation: cancellationOf(signal), result: r, run: ctx });
  return callAction(step, params, ctx, signal, scopePath, r);
}

/** Picks the declared `vars` out of a structured result. */
function varsOf(step: Step, result: unknown): Record<string, unknown> | undefined {
  if (!step.vars.length) return undefined;
  const obj = result && typeof result === 'object' && !Array.isArray(result) ? (result as Record<string, unknown>) : {};
  const vars: Record<string, unknown> = {};
  for (const v of step.vars) vars[v.name] = Object.prototype.hasOwnProperty.call(obj, v.name) ? obj[v.name] : null;
  return vars;
}

/**
 * Runs an action step and hands its result to `onEnd`. `priority` is the step's longest remaining
 * path: slots go to the highest first. The last attempt's slots are released only after `onEnd`
 * has run, so the steps its end makes ready compete for the slot it frees. What the run throws
 * after its first wait (an engine bug) goes to `onCrash`; before it, it is thrown from here.
 */
export function executeStep(
  step: Step,
  scope: Scope,
  ctx: RunContext,
  scopePath: StepScope[],
  priority: number,
  onEnd: (step: Step, r: StepResult) => void,
  onCrash: (step: Step, e: unknown) => void,
  given?: GivenInputs,
): void {
  new StepRun(step, scope, ctx, scopePath, priority, onEnd, onCrash, given).run();
}

/** Leaves the attempt loop: the step has ended. */
const ENDED = -1;

/**
 * One step's run. Its state lives in fields, not in closures, and the common case (one attempt
 * that gets a slot at once) runs with no async function at all: a suspended async function keeps
 * its whole frame, and that frame was most of what a no-op step allocated. Waiting for slots,
 * timeouts and retries go through the async attempt loop.
 */
class StepRun {
  private readonly r = emptyStepResult('running');
  private readonly t0 = Date.now();
  private holding = false;
  private toolSlots: Semaphore | undefined = undefined;
  private queuedMs = 0;
  private retryMs = 0;
  private params: Record<string, unknown> = {};
  private key: string | null = null;
  private timeoutS: number | null = null;
  private policy: RetryPolicy | null = null;
  private attemptFrom = 0;
  private attemptCtl: AbortController | null = null;
  private lazySignal: AttemptSignal | null = null;
  private timer: LongTimer | null = null;
  /** Nothing has run since `t0` was read: no parameters to render, no cache to look in. */
  private idleSinceStart = false;

  constructor(
    private readonly step: Step,
    private readonly scope: Scope,
    private readonly ctx: RunContext,
    private readonly scopePath: StepScope[],
    private readonly priority: number,
    private readonly onEnd: (step: Step, r: StepResult) => void,
    private readonly onCrash: (step: Step, e: unknown) => void,
    private readonly given: GivenInputs | undefined,
  ) {
    if (given?.edits?.length) this.r.edits = given.edits.map((e) => ({ ...e, value: ctx.redactor.value(e.value) }));
    this.r.started_at = isoAt(this.t0);
  }

  run(): void {
    if (!this.prepare()) return;
    // run-time AUTO tags: their questions are rendered now; the orchestrator model answers them
    if (hasAutoTags(this.params)) return this.guard(this.resolveAutoTags().then((ok) => void (ok && this.firstAttempt())));
    this.firstAttempt();
  }

  /** What an async part of the run throws goes to the scheduler. */
  private guard(p: Promise<unknown> | undefined): void {
    if (p) p.catch((e: unknown) => this.onCrash(this.step, e));
  }

  /**
   * The first attempt. The common case (a slot free now, no tool limit, no timeout) starts it here
   * and handles its outcome in a callback, without an async frame; the others go to `attempts`.
   */
  private firstAttempt(): void {
    const { ctx, step } = this;
    const policy = (this.policy = effectiveRetry(step, ctx.pipeline.context));
    this.timeoutS = step.timeout ?? ctx.pipeline.context.timeout;
    this.toolSlots = step.tool ? ctx.toolSlots.get(step.tool) : undefined;
    if (this.timeoutS || this.toolSlots || ctx.signal.aborted || policy.maxAttempts < 1) return this.guard(this.attempts(1));
    // one clock reading for the wait and the attempt: a free slot is taken at once, without a turn
    // of the event loop, so the step queued for no time (a reading costs a few hundred ns on some
    // machines, a no-op step's whole scheduling on the floor); none when nothing ran since the
    // step's start was read
    const now = this.idleSinceStart ? this.t0 : Date.now();
    const got = ctx.slots.acquire(ctx.signal, this.priority);
    if (got !== true) return this.guard(this.attempts(1, got, now));
    let running: Promise<ToolOutcome>;
    try {
      running = this.startAttempt(1, now, now);
    } catch (e) {
      return this.after(1, null, e);
    }
    running.then(
      (outcome) => this.after(1, outcome, null),
      (failure: unknown) => this.after(1, null, failure),
    );
  }

  /** The first attempt settled (in a callback of the tool's promise: what this throws goes to the scheduler). */
  private after(attempt: number, outcome: ToolOutcome | null, failure: unknown): void {
    let next: Promise<void> | undefined;
    try {
      next = this.settled(attempt, outcome, failure);
    } catch (e) {
      return this.onCrash(this.step, e);
    }
    this.guard(next);
  }

  /** An attempt has settled: the step ends, or the next attempt follows its backoff. */
  private settled(attempt: number, outcome: ToolOutcome | null, failure: unknown): Promise<void> | undefined {
    this.attemptOver();
    const delay = this.afterAttempt(attempt, outcome, failure);
    return delay === ENDED ? undefined : this.retryAfter(delay, attempt + 1);
  }

  /** A retry's backoff: the attempt executor's (a durable timer on Restate), else a timer here. */
  private backoff(ms: number, next: number): Promise<boolean> {
    const { ctx, step } = this;
    if (ctx.attempts?.backoff && ctx.attempts.handles(step)) return ctx.attempts.backoff({ key: stepKey(step.id, this.scopePath), attempt: next, ms }, ctx.signal);
    return sleep(ms, ctx.signal);
  }

  private async retryAfter(delay: number, next: number): Promise<void> {
    const slept = await this.backoff(delay, next);
    this.retryMs += Date.now() - this.attemptFrom;
    if (!slept) return this.cancelled();
    return this.attempts(next);
  }

  /**
   * The attempts from `first` on: waiting for slots and tool limits, timeouts, retries. `asked` is
   * a slot the first of them asked for already (at `askedAt`).
   */
  private async attempts(first: number, asked?: Promise<boolean> | boolean, askedAt = 0): Promise<void> {
    const { ctx } = this;
    const policy = this.policy!;
    for (let attempt = first; attempt <= policy.maxAttempts; attempt++) {
      let got: Promise<boolean> | boolean;
      let waitFrom: number;
      if (asked !== undefined) {
        got = asked;
        waitFrom = askedAt;
        asked = undefined;
      } else {
        if (ctx.signal.aborted) return this.cancelled();
        waitFrom = Date.now();
        got = ctx.slots.acquire(ctx.signal, this.priority);
      }
      if (got !== true && got !== false) got = await got;
      if (!got) continue;
      let gotTool = this.toolSlots ? this.toolSlots.acquire(ctx.signal, this.priority) : true;
      if (gotTool !== true && gotTool !== false) gotTool = await gotTool;
      if (!gotTool) {
        ctx.slots.release();
        continue;
      }
      let outcome: ToolOutcome | null = null;
      let failure: unknown = null;
      try {
        outcome = await this.startAttempt(attempt, waitFrom);
      } catch (e) {
        failure = e;
      } finally {
        this.attemptOver();
      }
      const delay = this.afterAttempt(attempt, outcome, failure);
      if (delay === ENDED) return;
      const slept = await this.backoff(delay, attempt + 1);
      this.retryMs += Date.now() - this.attemptFrom;
      if (!slept) return this.cancelled();
    }
    return this.cancelled();
  }

  /** Renders the parameters and looks in the cache; false when that ended the step. */
  private prepare(): boolean {
    const { step, ctx, r } = this;
    // parameters render before any side effect; an unresolved reference fails the step here
    try {
      this.params = this.given?.params ?? renderStepParams(step, this.scope, ctx);
    } catch (e) {
      r.error = `Could not render the parameters: ${message(e)}`;
      r.error_type = errorTypeOf(e);
      this.end('failed', false);
      return false;
    }
    this.idleSinceStart = !this.given && !step.cache && !hasOwnKeys(step.parameters);
    const modelName = step.tool ? null : modelFor(step, ctx);
    const key = (this.key = step.cache ? cacheKey(step.raw, this.params, modelName) : null);
    if (key) {
      const hit = ctx.cache.get(key);
      if (hit) {
        Object.assign(r, hit, { cached: true });
        this.end('completed', true);
        return false;
      }
    }
    return true;
  }

  /** False when that failed the step. */
  private async resolveAutoTags(): Promise<boolean> {
    const { ctx, r } = this;
    try {
      const auto = await resolveRuntimeTags(this.params, { models: ctx.models, model: ctx.orchestrator, pipeline: ctx.pipeline, step: this.step.id, signal: ctx.signal });
      this.params = auto.params;
      r.auto = auto.answers;
      r.tokens_in += auto.tokens_in;
      r.tokens_out += auto.tokens_out;
      r.cost_usd += auto.cost_usd;
      return true;
    } catch (e) {
      r.error = message(e);
      r.error_type = 'AutoError';
      this.end('failed', false);
      return false;
    }
  }

  /** The slots are held: start the attempt. */
  private startAttempt(attempt: number, waitFrom: number, now = Date.now()): Promise<ToolOutcome> {
    const { ctx, step, r, scopePath, params } = this;
    const attemptFrom = (this.attemptFrom = now);
    this.queuedMs += attemptFrom - waitFrom;
    this.holding = true;
    r.attempts = attempt;
    if (ctx.emitter.listening) ctx.emitter.emit({ type: 'step-started', time: Date.now(), stepId: step.id, scope: scopePath, attempt, inputs: params, tool: step.tool ?? null, action: step.action ?? null });
    // every attempt gets its own signal, which cancellation aborts; one with a timeout also ends at
    // the timeout even if the tool ignores it
    const timeoutS = this.timeoutS;
    if (timeoutS) {
      const ctl = (this.attemptCtl = new AbortController());
      ctx.inflight.add(ctl);
      if (ctx.signal.aborted) ctl.abort(ctx.signal.reason);
      const maxAttempts = this.policy!.maxAttempts;
      this.timer = setLongTimeout(() => ctl.abort(new TimeoutError(`Step '${step.id}' timed out after ${timeoutS} s (attempt ${attempt} of ${maxAttempts})`)), timeoutS * 1000);
      return Promise.race([
        attemptAction(step, params, ctx, ctl.signal, scopePath, r, attempt, timeoutS),
        new Promise<never>((_, reject) => {
          if (ctl.signal.aborted) reject(ctl.signal.reason);
          else ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true });
        }),
      ]);
    }
    // its own signal too, which the run's cancellation aborts: the tool's listeners go on it and
    // go with it, so parallel attempts never pile listeners on the run's signal (made only if the
    // tool asks for it)
    const lazy = (this.lazySignal = new AttemptSignal(ctx.signal, ctx.inflight));
    return attemptAction(step, params, ctx, lazy, scopePath, r, attempt, timeoutS);
  }

  /** The attempt's timer and signal go with it. */
  private attemptOver(): void {
    if (this.timer) this.timer.clear();
    if (this.attemptCtl) this.ctx.inflight.delete(this.attemptCtl);
    if (this.lazySignal) this.lazySignal.end();
    this.timer = null;
    this.attemptCtl = null;
    this.lazySignal = null;
  }

  /** Records an attempt's outcome: ENDED when the step has ended, else the delay before the next attempt. */
  private afterAttempt(attempt: number, outcome: ToolOutcome | null, failure: unknown): number {
    const { ctx, step, r, scopePath } = this;
    if (outcome && outcome.success) {
      r.result = outcome.result;
      r.error = null;
      r.error_type = null;
      r.timed_out = false;
      const vars = varsOf(step, step.agent ? (outcome.result as AgentStepResult | null)?.vars : outcome.result);
      if (vars) r.vars = vars;
      if (vars && Object.keys(step.products).length) {
        try {
          const dir = runDir(ctx.cwd, ctx.executionId);
          const files = Object.fromEntries(Object.entries(step.products).map(([v, rel]) => [v, String(renderValue(rel, this.scope))]));
          // in their own subfolder: a model's answer is never written where the run's state lives
          r.products = writeProducts(path.join(dir, PRODUCTS_DIR), files, vars).map((f) => path.relative(dir, f));
        } catch (e) {
          Object.assign(r, { result: null, error: ctx.redactor.text(message(e)), error_type: errorTypeOf(e) });
          delete r.vars;
          this.end('failed', false);
          return ENDED;
        }
      }
      this.end('completed', true);
      if (this.key) ctx.cache.put(this.key, r);
      return ENDED;
    }
    if (ctx.signal.aborted) {
      this.cancelled();
      return ENDED;
    }
    if (outcome) {
      r.result = outcome.result;
      r.error = ctx.redactor.text(outcome.error ?? 'The tool reported a failure');
      r.error_type = null;
      r.timed_out = false;
    } else {
      r.result = null;
      r.error = ctx.redactor.text(message(failure));
      r.error_type = errorTypeOf(failure);
      r.timed_out = r.error_type === 'TimeoutError';
      if (step.agent) this.agentFailed(failure);
    }
    const permanent = failure instanceof ToolError && !failure.retryable;
    const policy = this.policy!;
    if (attempt < policy.maxAttempts && !permanent) {
      this.release(); // nobody waits on a slot through a backoff
      const delay = retryDelayMs(policy, attempt + 1, ctx.random);
      ctx.emitter.emit({ type: 'attempt-failed', time: Date.now(), stepId: step.id, scope: scopePath, attempt, error: r.error, errorType: r.error_type ?? 'ReportedFailure', retryInMs: delay });
      return delay;
    }
    ctx.emitter.emit({ type: 'attempt-failed', time: Date.now(), stepId: step.id, scope: scopePath, attempt, error: r.error, errorType: r.error_type ?? 'ReportedFailure', retryInMs: null });
    // a reported failure completes without succeeding; a raised one fails
    if (outcome) this.end('completed', false);
    else this.end('failed', false);
    return ENDED;
  }

  private cancelled(): void {
    this.r.error = 'The run was cancelled';
    this.r.error_type = 'CancelledError';
    // an agent stopped by the cancel: what it did until then
    const soFar = this.step.agent ? agentSoFar(this.r) : undefined;
    if (soFar) this.r.result = { ...soFar, stop_reason: 'cancelled' };
    this.end('cancelled', null);
  }

  /** An agent's failed attempt keeps the loop so far as its result; its step's timeout is the agent's limit, named as the others are. */
  private agentFailed(failure: unknown): void {
    const { r, step } = this;
    if (failure instanceof AgentLimitError) {
      r.result = failure.partial;
      return;
    }
    const soFar = agentSoFar(r);
    if (r.timed_out) {
      r.error_type = 'AgentLimitError';
      r.error = limitMessage({ name: step.id, path: [] }, `the step's timeout (${this.timeoutS} s)`, soFar ?? { answer: null, stop_reason: 'timeout', turns: 0, tool_calls: [], transcript: [], tokens_in: 0, tokens_out: 0, cost_usd: 0 });
      if (soFar) r.result = { ...soFar, stop_reason: 'timeout' };
    } else if (soFar) r.result = { ...soFar, stop_reason: 'error' };
  }

  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    if (this.toolSlots) this.toolSlots.release();
    this.ctx.slots.release();
  }

  private end(status: StepResult['status'], success: boolean | null): void {
    const { r, ctx } = this;
    const t1 = Date.now();
    r.status = status;
    r.success = success;
    r.ended_at = isoAt(t1);
    r.duration_ms = t1 - this.t0;
    r.retries = Math.max(0, r.attempts - 1);
    if (r.attempts > 0) {
      r.queued_ms = this.queuedMs;
      r.retry_ms = this.retryMs;
    }
    // the one point where a step's result is produced: nothing too deep to record, no secret goes on from here
    const problem = resultProblem(r.result) ?? (r.vars ? resultProblem(r.vars) : null);
    if (problem) {
      Object.assign(r, { status: 'failed', success: false, result: null, error: problem, error_type: 'LimitError' });
      delete r.vars;
    }
    r.result = ctx.redactor.value(r.result);
    if (r.error) r.error = ctx.redactor.text(r.error);
    if (r.vars) r.vars = ctx.redactor.value(r.vars);
    try {
      this.onEnd(this.step, r);
    } finally {
      this.release();
    }
  }
}
