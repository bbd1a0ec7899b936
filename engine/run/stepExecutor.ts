// One action step: render its parameters, then attempts (bounded by the global and per-tool limits)
// with a timeout each, retries with backoff, the cache, and the tool or model call.
import { inlineDocumentParams } from '../tools/specs';
import { isAutoSelect } from '../analyze/autoTags';
import type { Step } from '../spec/types';
import { renderValue, withRenderDeadline, type Scope } from '../template/index';
import { ToolError, type ToolContext, type ToolOutcome } from '../tools/runtime';
import { BUILTIN_ACTIONS } from '../tools/specs';
import { emptyStepResult, type StepEdit, type StepResult, type StepScope } from './events';
import { effectiveRetry, retryDelayMs } from './retryPolicy';
import { sleep, type AttemptExecutor, type AttemptRequest, type RunContext, type Semaphore } from './runContext';
import { cacheKey } from './stepCache';
import { resultProblem } from './resultBounds';
import { setLongTimeout, type LongTimer } from '../util/longTimer';
import type { ModelCallRecord } from '../models/modelRunner';
import { writeProducts } from '../models/products';
import { hasAutoTags, resolveRuntimeTags } from '../auto/runtime';
import { runDir } from './checkpointStore';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { createToolModels, type ToolModels } from '../tools/toolModels';

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
  const limitS = step.timeout ?? ctx.pipeline.context.timeout;
  // an inline document (a sub-pipeline's own text) is passed as written: its templates are its own
  const spec = step.tool && step.action ? ctx.tools[step.tool]?.spec.actions[step.action] : undefined;
  const verbatim = inlineDocumentParams(spec, step.parameters);
  const toRender = verbatim.length ? Object.fromEntries(Object.entries(step.parameters).filter(([k]) => !verbatim.includes(k))) : step.parameters;
  const rendered = withRenderDeadline(limitS ? limitS * 1000 : null, `Rendering the parameters took longer than the step's timeout (${limitS} s)`, () => renderParams(toRender, scope)) as Record<string, unknown>;
  for (const k of verbatim) rendered[k] = step.parameters[k];
  return rendered;
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

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The model a step runs on: its own, its expert's, or the pipeline's default. */
export function modelFor(step: Step, ctx: Pick<ActionContext, 'pipeline' | 'defaultModel'>): string | null {
  if (step.model) return step.model;
  if (step.expert && Object.prototype.hasOwnProperty.call(ctx.pipeline.experts, step.expert)) return ctx.pipeline.experts[step.expert];
  return ctx.pipeline.model ?? ctx.defaultModel;
}

export type { AttemptExecutor, AttemptRequest };

/**
 * What one attempt of a tool or model action needs from its run: a local run passes its RunContext;
 * a worker (engine/distributed/worker.ts) builds one from the job and its own environment.
 */
export interface ActionContext {
  pipeline: Pick<RunContext['pipeline'], 'experts' | 'model' | 'selectionSchema' | 'personalities'>;
  tools: RunContext['tools'];
  models: RunContext['models'];
  emitter: RunContext['emitter'];
  redactor: RunContext['redactor'];
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
  pipelineFile: string | null;
  runNested: RunContext['runNested'];
  interaction?: RunContext['interaction'];
  defaultModel: string | null;
}

/** Model calls a tool makes for its step: chosen, streamed and counted as a model action's are. */
function toolModelsFor(step: Step, ctx: ActionContext, signal: AbortSignal, scopePath: StepScope[], r: StepResult, output: (stream: 'text', chunk: string) => void): ToolModels {
  return createToolModels({
    runner: ctx.models,
    stepId: step.id,
    stepModel: modelFor(step, ctx),
    requiresModel: step.requiresModel,
    selectionSchema: ctx.pipeline.selectionSchema,
    signal,
    output,
    onCall: (c: ModelCallRecord) => ctx.emitter.emit({ type: 'model-call', time: Date.now(), step: step.id, scope: scopePath, ...c }),
    record: (res, reason) => {
      r.model = res.model;
      if (reason) r.model_reason = reason;
      if (res.latency_ms !== undefined) r.latency_ms = (r.latency_ms ?? 0) + res.latency_ms;
      if (res.wait_ms !== undefined) r.limiter_wait_ms = (r.limiter_wait_ms ?? 0) + res.wait_ms;
      r.tokens_in += res.tokens_in;
      r.tokens_out += res.tokens_out;
      r.cost_usd += res.cost_usd;
    },
  });
}

/** One attempt of a step's tool or model action, in this process. */
export async function callAction(step: Step, params: Record<string, unknown>, ctx: ActionContext, signal: AbortSignal, scopePath: StepScope[], r: StepResult): Promise<ToolOutcome> {
  const output = (stream: 'stdout' | 'stderr' | 'text', chunk: string) => ctx.emitter.emit({ type: 'step-output', time: Date.now(), step: step.id, scope: scopePath, stream, chunk: ctx.redactor.text(chunk) });
  if (step.tool) {
    const tool = ctx.tools[step.tool];
    if (!tool) throw new ToolError(`Unknown tool '${step.tool}'`, 'ConfigurationError');
    const tctx: ToolContext = {
      cwd: ctx.cwd,
      workspace: ctx.workspace,
      allowOutsideWorkspace: ctx.allowOutsideWorkspace,
      signal,
      pipelineFile: ctx.pipelineFile,
      output,
      runNested: ctx.runNested,
      interaction: ctx.interaction ? { host: ctx.interaction, step: step.id, label: [...scopePath.map((s) => `${s.loop}[${s.index}]`), step.id].join(' › ') } : undefined,
      models: toolModelsFor(step, ctx, signal, scopePath, r, output),
    };
    return tool.run(step.action!, params, tctx);
  }
  if (step.action && Object.prototype.hasOwnProperty.call(BUILTIN_ACTIONS, step.action)) {
    // ContextLab's `model:` inside parameters, then the step's own choice, then selection
    let model = typeof params.model === 'string' && params.model ? params.model : modelFor(step, ctx);
    // a bare `<AUTO>` (ContextLab's form) is a model chosen from the registry, as with `requires_model`
    const autoSelect = isAutoSelect(model);
    if (autoSelect) model = null;
    if (!model && (step.requiresModel || autoSelect) && ctx.models.select) {
      const chosen = await ctx.models.select(step.requiresModel ?? {}, ctx.pipeline.selectionSchema);
      model = chosen.model;
      r.model_reason = chosen.reason;
    }
    if (!model) throw new ToolError(`Step '${step.id}' needs a model: give it 'model:', an 'expert:', 'requires_model:', or a top-level 'model:'`, 'ConfigurationError');
    const personality = step.personality ? ctx.pipeline.personalities[step.personality] : undefined;
    let system = typeof params.system === 'string' ? params.system : personality && 'prompt' in personality ? personality.prompt : null;
    if (system === null && personality && 'file' in personality) {
      const file = path.resolve(ctx.pipelineFile ? path.dirname(ctx.pipelineFile) : ctx.cwd, personality.file);
      try {
        system = readFileSync(file, 'utf8');
      } catch (e) {
        throw new ToolError(`Could not read personality '${step.personality}' from '${personality.file}': ${message(e)}`, 'ConfigurationError');
      }
    }
    const schema = step.vars.length
      ? { type: 'object', properties: Object.fromEntries(step.vars.map((v) => [v.name, v.schema])), required: step.vars.filter((v) => v.required).map((v) => v.name), additionalProperties: false }
      : ((params.schema as Record<string, unknown> | undefined) ?? null);
    const onCall = (c: ModelCallRecord) => ctx.emitter.emit({ type: 'model-call', time: Date.now(), step: step.id, scope: scopePath, ...c });
    const res = await ctx.models.run({ model, action: step.action, params, system, schema, signal, onText: (c) => output('text', c), onCall });
    r.model = res.model;
    if (res.latency_ms !== undefined) r.latency_ms = (r.latency_ms ?? 0) + res.latency_ms;
    if (res.wait_ms !== undefined) r.limiter_wait_ms = (r.limiter_wait_ms ?? 0) + res.wait_ms;
    r.tokens_in += res.tokens_in;
    r.tokens_out += res.tokens_out;
    r.cost_usd += res.cost_usd;
    return { success: true, result: res.value };
  }
  throw new ToolError(`Unknown action '${step.action}'`, 'ConfigurationError');
}

/** The checkpoint key of a step in a scope: `loop[2]/inner[0]/step`. */
export function stepKey(stepId: string, scopePath: StepScope[]): string {
  return scopePath.map((s) => `${s.loop}[${s.index}]/`).join('') + stepId;
}

/** One attempt: on the run's attempt executor when it takes the step (a distributed run), else here. */
function attemptAction(step: Step, params: Record<string, unknown>, ctx: RunContext, signal: AbortSignal, scopePath: StepScope[], r: StepResult, attempt: number, timeoutS: number | null): Promise<ToolOutcome> {
  if (ctx.attempts?.handles(step)) return ctx.attempts.attempt({ step, key: stepKey(step.id, scopePath), params, attempt, timeoutS, scopePath, signal, result: r, run: ctx });
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
 * has run, so the steps its end makes ready compete for the slot it frees.
 */
export async function executeStep(step: Step, scope: Scope, ctx: RunContext, scopePath: StepScope[], priority: number, onEnd: (r: StepResult) => void, given?: GivenInputs): Promise<void> {
  const r = emptyStepResult('running');
  if (given?.edits?.length) r.edits = given.edits.map((e) => ({ ...e, value: ctx.redactor.value(e.value) }));
  const t0 = Date.now();
  r.started_at = new Date(t0).toISOString();
  let holding = false;
  let toolSlots: Semaphore | undefined;
  let queuedMs = 0;
  let retryMs = 0;
  const release = () => {
    if (!holding) return;
    holding = false;
    if (toolSlots) toolSlots.release();
    ctx.slots.release();
  };
  const end = (status: StepResult['status'], success: boolean | null): void => {
    const t1 = Date.now();
    r.status = status;
    r.success = success;
    r.ended_at = new Date(t1).toISOString();
    r.duration_ms = t1 - t0;
    r.retries = Math.max(0, r.attempts - 1);
    if (r.attempts > 0) {
      r.queued_ms = queuedMs;
      r.retry_ms = retryMs;
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
      onEnd(r);
    } finally {
      release();
    }
  };

  // parameters render before any side effect; an unresolved reference fails the step here
  let params: Record<string, unknown>;
  try {
    params = given?.params ?? renderStepParams(step, scope, ctx);
  } catch (e) {
    r.error = `Could not render the parameters: ${message(e)}`;
    r.error_type = errorTypeOf(e);
    return end('failed', false);
  }

  const modelName = step.tool ? null : modelFor(step, ctx);
  const key = step.cache ? cacheKey(step.raw, params, modelName) : null;
  if (key) {
    const hit = ctx.cache.get(key);
    if (hit) {
      Object.assign(r, hit, { cached: true });
      return end('completed', true);
    }
  }

  // run-time AUTO tags: their questions are rendered now; the orchestrator model answers them
  if (hasAutoTags(params)) {
    try {
      const auto = await resolveRuntimeTags(params, { models: ctx.models, model: ctx.orchestrator, pipeline: ctx.pipeline, step: step.id, signal: ctx.signal });
      params = auto.params;
      r.auto = auto.answers;
      r.tokens_in += auto.tokens_in;
      r.tokens_out += auto.tokens_out;
      r.cost_usd += auto.cost_usd;
    } catch (e) {
      r.error = message(e);
      r.error_type = 'AutoError';
      return end('failed', false);
    }
  }

  const policy = effectiveRetry(step, ctx.pipeline.context);
  const timeoutS = step.timeout ?? ctx.pipeline.context.timeout;
  toolSlots = step.tool ? ctx.toolSlots.get(step.tool) : undefined;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    if (ctx.signal.aborted) {
      r.error = 'The run was cancelled';
      r.error_type = 'CancelledError';
      return end('cancelled', null);
    }
    const waitFrom = Date.now();
    const got = await ctx.slots.acquire(ctx.signal, priority);
    if (!got) continue;
    const gotTool = toolSlots ? await toolSlots.acquire(ctx.signal, priority) : true;
    if (!gotTool) {
      ctx.slots.release();
      continue;
    }
    const attemptFrom = Date.now();
    queuedMs += attemptFrom - waitFrom;
    holding = true;
    r.attempts = attempt;
    ctx.emitter.emit({ type: 'step-started', time: Date.now(), step: step.id, scope: scopePath, attempt, inputs: params });
    // every attempt gets its own signal, which cancellation aborts; one with a timeout also ends at
    // the timeout even if the tool ignores it
    let outcome: ToolOutcome | null = null;
    let failure: unknown = null;
    let attemptCtl: AbortController | null = null;
    let timer: LongTimer | null = null;
    try {
      if (timeoutS) {
        const ctl = (attemptCtl = new AbortController());
        ctx.inflight.add(ctl);
        if (ctx.signal.aborted) ctl.abort(ctx.signal.reason);
        timer = setLongTimeout(() => ctl.abort(new TimeoutError(`Step '${step.id}' timed out after ${timeoutS} s (attempt ${attempt} of ${policy.maxAttempts})`)), timeoutS * 1000);
        outcome = await Promise.race([
          attemptAction(step, params, ctx, ctl.signal, scopePath, r, attempt, timeoutS),
          new Promise<never>((_, reject) => {
            if (ctl.signal.aborted) reject(ctl.signal.reason);
            else ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true });
          }),
        ]);
      } else {
        // its own signal too, which the run's cancellation aborts: the tool's listeners go on it and
        // go with it, so parallel attempts never pile listeners on the run's signal
        const ctl = (attemptCtl = new AbortController());
        ctx.inflight.add(ctl);
        if (ctx.signal.aborted) ctl.abort(ctx.signal.reason);
        outcome = await attemptAction(step, params, ctx, ctl.signal, scopePath, r, attempt, timeoutS);
      }
    } catch (e) {
      failure = e;
    } finally {
      if (timer) timer.clear();
      if (attemptCtl) ctx.inflight.delete(attemptCtl);
    }

    if (outcome && outcome.success) {
      r.result = outcome.result;
      r.error = null;
      r.error_type = null;
      r.timed_out = false;
      const vars = varsOf(step, outcome.result);
      if (vars) r.vars = vars;
      if (vars && Object.keys(step.products).length) {
        try {
          const dir = runDir(ctx.cwd, ctx.executionId);
          const files = Object.fromEntries(Object.entries(step.products).map(([v, rel]) => [v, String(renderValue(rel, scope))]));
          r.products = writeProducts(dir, files, vars).map((f) => path.relative(dir, f));
        } catch (e) {
          Object.assign(r, { result: null, error: ctx.redactor.text(message(e)), error_type: errorTypeOf(e) });
          delete r.vars;
          return end('failed', false);
        }
      }
      end('completed', true);
      if (key) ctx.cache.put(key, r);
      return;
    }
    if (ctx.signal.aborted) {
      r.error = 'The run was cancelled';
      r.error_type = 'CancelledError';
      return end('cancelled', null);
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
    }
    const permanent = failure instanceof ToolError && !failure.retryable;
    if (attempt < policy.maxAttempts && !permanent) {
      release(); // nobody waits on a slot through a backoff
      const delay = retryDelayMs(policy, attempt + 1, ctx.random);
      ctx.emitter.emit({ type: 'attempt-failed', time: Date.now(), step: step.id, scope: scopePath, attempt, error: r.error, errorType: r.error_type ?? 'ReportedFailure', retryInMs: delay });
      const slept = await sleep(delay, ctx.signal);
      retryMs += Date.now() - attemptFrom;
      if (!slept) {
        r.error = 'The run was cancelled';
        r.error_type = 'CancelledError';
        return end('cancelled', null);
      }
      continue;
    }
    ctx.emitter.emit({ type: 'attempt-failed', time: Date.now(), step: step.id, scope: scopePath, attempt, error: r.error, errorType: r.error_type ?? 'ReportedFailure', retryInMs: null });
    // a reported failure completes without succeeding; a raised one fails
    return outcome ? end('completed', false) : end('failed', false);
  }
  r.error = 'The run was cancelled';
  r.error_type = 'CancelledError';
  return end('cancelled', null);
}
