// One attempt of a step's tool or model action, in this process: what the tool sees of its attempt
// (signal, output, model calls, made when first read), and a model action's call with its model,
// system prompt and schema. A local run calls it from its steps; a worker from its jobs.
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { isAutoSelect } from '../analyze/autoTags';
import type { Step } from '../spec/types';
import { ToolError, type ToolContext, type ToolOutcome } from '../toolkit/runtime';
import { BUILTIN_ACTIONS } from '../toolkit/toolSpecs';
import type { StepResult, StepScope } from './events';
import type { RunContext } from './runContext';
import type { ModelCallRecord, ModelTry } from '../models/modelRunner';
import { fallbacksFor, ModelChainError } from '../models/fallback';
import { createToolModels } from '../models/toolModels';
import type { ToolModels } from '../toolkit/toolModels';
import { signalOf, type AttemptSignal } from './attemptSignal';

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The model a step runs on: its own, its expert's, or the pipeline's default. */
export function modelFor(step: Step, ctx: Pick<ActionContext, 'pipeline' | 'defaultModel'>): string | null {
  if (step.model) return step.model;
  if (step.expert && Object.prototype.hasOwnProperty.call(ctx.pipeline.experts, step.expert)) return ctx.pipeline.experts[step.expert];
  return ctx.pipeline.model ?? ctx.defaultModel;
}

/**
 * What one attempt of a tool or model action needs from its run: a local run passes its RunContext;
 * a worker (engine/distributed/worker.ts) builds one from the job and its own environment.
 */
export interface ActionContext {
  pipeline: Pick<RunContext['pipeline'], 'experts' | 'model' | 'modelChain' | 'fallbacks' | 'selectionSchema' | 'personalities'>;
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
    onCall: (c: ModelCallRecord) => ctx.emitter.emit({ type: 'model-call', time: Date.now(), stepId: step.id, scope: scopePath, ...c }),
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

/**
 * One attempt of a step's tool or model action, in this process. `attemptSignal` is the attempt's
 * signal, or (a local run) its maker: a tool that never reads its signal or its model calls gets
 * neither made.
 */
export function callAction(step: Step, params: Record<string, unknown>, ctx: ActionContext, attemptSignal: AbortSignal | AttemptSignal, scopePath: StepScope[], r: StepResult): Promise<ToolOutcome> {
  if (!step.tool) return callModelAction(step, params, ctx, signalOf(attemptSignal), scopePath, r);
  // a tool's promise is handed on as it is (no async layer of our own); what it throws rejects
  try {
    const out = callTool(step, params, ctx, attemptSignal, scopePath, r);
    return out instanceof Promise ? out : Promise.resolve(out);
  } catch (e) {
    return Promise.reject(e);
  }
}

function stepOutput(step: Step, ctx: ActionContext, scopePath: StepScope[]): (stream: 'stdout' | 'stderr' | 'text', chunk: string) => void {
  return (stream, chunk) => ctx.emitter.emit({ type: 'step-output', time: Date.now(), stepId: step.id, scope: scopePath, stream, chunk: ctx.redactor.text(chunk) });
}

function callTool(step: Step, params: Record<string, unknown>, ctx: ActionContext, attemptSignal: AbortSignal | AttemptSignal, scopePath: StepScope[], r: StepResult): Promise<ToolOutcome> {
  const tool = ctx.tools[step.tool!];
  if (!tool) throw new ToolError(`Unknown tool '${step.tool}'`, 'ConfigurationError');
  return tool.run(step.action!, params, new AttemptToolContext(step, ctx, attemptSignal, scopePath, r));
}

/**
 * What a tool sees of its attempt. The signal, the output stream and the model calls are made when
 * the tool first reads them (a tool that reads none, like most quick ones, costs no AbortController
 * and no model plumbing). They are getters of the class: a tool that copies its context
 * (`{ ...ctx, cwd }`) keeps the plain fields only.
 */
class AttemptToolContext implements ToolContext {
  readonly cwd: string;
  readonly workspace: string;
  readonly allowOutsideWorkspace: boolean;
  readonly pipelineFile: string | null;
  readonly runNested: ToolContext['runNested'];
  readonly interaction: ToolContext['interaction'];
  #models: ToolModels | undefined = undefined;
  #output: ToolContext['output'] | undefined = undefined;

  constructor(
    private readonly step: Step,
    private readonly ctx: ActionContext,
    private readonly attemptSignal: AbortSignal | AttemptSignal,
    private readonly scopePath: StepScope[],
    private readonly r: StepResult,
  ) {
    this.cwd = ctx.cwd;
    this.workspace = ctx.workspace;
    this.allowOutsideWorkspace = ctx.allowOutsideWorkspace;
    this.pipelineFile = ctx.pipelineFile;
    this.runNested = (file, inputs, options) => ctx.runNested(file, inputs, options, { stepId: step.id, scope: scopePath });
    this.interaction = ctx.interaction ? { host: ctx.interaction, stepId: step.id, label: [...scopePath.map((s) => `${s.loop}[${s.index}]`), step.id].join(' › ') } : undefined;
  }

  get signal(): AbortSignal {
    return signalOf(this.attemptSignal);
  }

  /** Streams output as it comes (a function of its own: tools pass it on detached). */
  get output(): ToolContext['output'] {
    return (this.#output ??= stepOutput(this.step, this.ctx, this.scopePath));
  }

  get models(): ToolModels {
    return (this.#models ??= toolModelsFor(this.step, this.ctx, this.signal, this.scopePath, this.r, this.output));
  }
}

async function callModelAction(step: Step, params: Record<string, unknown>, ctx: ActionContext, signal: AbortSignal, scopePath: StepScope[], r: StepResult): Promise<ToolOutcome> {
  const output = stepOutput(step, ctx, scopePath);
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
    const onCall = (c: ModelCallRecord) => ctx.emitter.emit({ type: 'model-call', time: Date.now(), stepId: step.id, scope: scopePath, ...c });
    if (step.action === 'embed') return embedAction(model, params, ctx, signal, r, onCall);
    const fallbacks = fallbacksFor(model, model === step.model ? step.modelChain : model === ctx.pipeline.model ? ctx.pipeline.modelChain : undefined, ctx.pipeline.fallbacks);
    let res;
    try {
      res = await ctx.models.run({ model, ...(fallbacks ? { fallbacks } : {}), action: step.action, params, system, schema, signal, onText: (c) => output('text', c), onCall, stepId: step.id });
    } catch (e) {
      // a chain that ran out: every model tried and why, and what the calls that answered cost
      if (e instanceof ModelChainError) Object.assign(r, { models_tried: redactTried(e.tried, ctx), tokens_in: r.tokens_in + e.spent.tokens_in, tokens_out: r.tokens_out + e.spent.tokens_out, cost_usd: r.cost_usd + e.spent.cost_usd });
      throw e;
    }
    if (res.tried) r.models_tried = redactTried(res.tried, ctx);
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

/** The `embed` action: one model (no chain: vectors of different models do not compare), tokens and cost on the step. */
async function embedAction(model: string, params: Record<string, unknown>, ctx: ActionContext, signal: AbortSignal, r: StepResult, onCall: (c: ModelCallRecord) => void): Promise<ToolOutcome> {
  if (!ctx.models.embed) throw new ToolError(`Embeddings are not available from this host's models (model '${model}')`, 'ConfigurationError');
  const texts = typeof params.texts === 'string' ? [params.texts] : params.texts;
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) throw new ToolError("'texts' must be a list of strings, or one string", 'ValueError');
  const res = await ctx.models.embed(model, texts as string[], signal, onCall);
  r.model = res.model;
  r.tokens_in += res.tokensIn;
  r.cost_usd += res.costUsd;
  return { success: true, result: { vectors: res.vectors, dimensions: res.vectors[0]?.length ?? 0 } };
}

function redactTried(tried: ModelTry[], ctx: ActionContext): ModelTry[] {
  return tried.map((t) => (t.error === undefined ? t : { ...t, error: ctx.redactor.text(t.error) }));
}
