// One attempt of a step's tool or model action, in this process: a tool's call with what it sees of
// its attempt (engine/run/toolContext.ts), a model action's call with its model, system prompt and
// schema, an agent's loop (engine/run/agentStep.ts). A local run calls it from its steps; a worker
// from its jobs.
import type { Step } from '../spec/types';
import { ToolError, type ToolOutcome } from '../toolkit/runtime';
import { BUILTIN_ACTIONS } from '../toolkit/toolSpecs';
import type { StepResult, StepScope } from './events';
import type { ActionContext } from './runContext';
import type { ModelCallRecord, ModelRequest, ModelTry } from '../models/modelRunner';
import { fallbacksFor, ModelChainError } from '../models/fallback';
import { signalOf, type AttemptSignal } from './attemptSignal';
import { addModelFigures, AttemptToolContext, stepOutput } from './toolContext';
import { answerSchema, chooseModel, systemPrompt } from './stepModel';
import { agentAction } from './agentStep';
import { guardedRun } from '../guard/modelGuards';
import { stepGuards } from './stepGuards';
import { readParts } from '../models/contentParts';

export { message, modelFor } from './stepModel';
export type { ActionContext } from './runContext';

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

function callTool(step: Step, params: Record<string, unknown>, ctx: ActionContext, attemptSignal: AbortSignal | AttemptSignal, scopePath: StepScope[], r: StepResult): Promise<ToolOutcome> {
  const tool = ctx.tools[step.tool!];
  if (!tool) throw new ToolError(`Unknown tool '${step.tool}'`, 'ConfigurationError');
  const context = new AttemptToolContext(step, ctx, attemptSignal, scopePath, r);
  // with no secret to redact, the output holds nothing back: no promise more per step
  if (ctx.redactor.empty) return tool.run(step.action!, params, context);
  return tool.run(step.action!, params, context).finally(() => context.endOutput());
}

async function callModelAction(step: Step, params: Record<string, unknown>, ctx: ActionContext, signal: AbortSignal, scopePath: StepScope[], r: StepResult): Promise<ToolOutcome> {
  // no action: a ContextLab step kind this orchestrator does not run (create_parallel_queue, action_loop), a warning in its file
  if (!step.action) throw new ToolError(`Step '${step.id}' has no action: ContextLab's create_parallel_queue and action_loop steps are not run here`, 'ConfigurationError');
  if (!Object.prototype.hasOwnProperty.call(BUILTIN_ACTIONS, step.action)) throw new ToolError(`Unknown action '${step.action}'`, 'ConfigurationError');
  const output = stepOutput(step, ctx, scopePath);
  const model = await chooseModel(step, params, ctx, r);
  const system = systemPrompt(step, params, ctx);
  const schema = answerSchema(step, params);
  // the event is built only when someone listens
  // every call of the step's request, as paid for: a step that fails still carries them all (its record, its cost)
  const paid = { tokens_in: 0, tokens_out: 0, cost_usd: 0 };
  const onCall = (c: ModelCallRecord) => {
    paid.tokens_in += c.tokens_in;
    paid.tokens_out += c.tokens_out;
    paid.cost_usd += c.cost_usd;
    if (ctx.emitter.listening) ctx.emitter.emit({ type: 'model-call', time: Date.now(), stepId: step.id, scope: scopePath, ...c });
  };
  if (step.action === 'embed') return embedAction(model, params, ctx, signal, r, onCall, step.id);
  const fallbacks = fallbacksFor(model, model === step.model ? step.modelChain : model === ctx.pipeline.model ? ctx.pipeline.modelChain : undefined, ctx.pipeline.fallbacks);
  if (step.agent) return agentAction(step, params, ctx, signal, scopePath, r, { model, fallbacks: fallbacks ?? [], system, schema: step.vars.length ? schema : null, output, onCall }).finally(() => output.end());
  let res;
  const before = { tokens_in: r.tokens_in, tokens_out: r.tokens_out, cost_usd: r.cost_usd };
  try {
    const req: ModelRequest = { model, action: step.action, params, system, schema, signal, onText: (c) => output('text', c), onCall, stepId: step.id };
    // set after the literal: a spread inside it made the request a slow dictionary object, every call
    if (fallbacks) req.fallbacks = fallbacks;
    if (step.repairAttempts !== undefined) req.repairAttempts = step.repairAttempts;
    // images, files, audio: read here, in the workspace, so a path outside it is refused before any call
    const parts = readParts(params, ctx);
    if (parts.length) req.parts = parts;
    // guards: the prompt checked before the provider is called, the answer before anyone sees it
    res = step.guardrails ? await guardedRun(ctx.models, req, stepGuards(step, ctx, scopePath, r)) : await ctx.models.run(req);
  } catch (e) {
    // a chain that ran out: every model tried and why, and what the calls that answered cost
    if (e instanceof ModelChainError) r.models_tried = redactTried(e.tried, ctx);
    // what the failed request's calls cost, every one of them (a repaired answer's attempts, a chain's models, a guarded answer's retries)
    r.tokens_in = before.tokens_in + paid.tokens_in;
    r.tokens_out = before.tokens_out + paid.tokens_out;
    r.cost_usd = before.cost_usd + paid.cost_usd;
    if (paid.tokens_in + paid.tokens_out > 0) r.model ??= model;
    throw e;
  } finally {
    output.end();
  }
  if (res.tried) r.models_tried = redactTried(res.tried, ctx);
  addModelFigures(r, res);
  return { success: true, result: res.value };
}

/** The `embed` action: one model (no chain: vectors of different models do not compare), tokens and cost on the step. */
async function embedAction(model: string, params: Record<string, unknown>, ctx: ActionContext, signal: AbortSignal, r: StepResult, onCall: (c: ModelCallRecord) => void, stepId: string): Promise<ToolOutcome> {
  if (!ctx.models.embed) throw new ToolError(`Embeddings are not available from this host's models (model '${model}')`, 'ConfigurationError');
  const texts = typeof params.texts === 'string' ? [params.texts] : params.texts;
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) throw new ToolError("'texts' must be a list of strings, or one string", 'ValueError');
  // the step's id names it in a budget's messages, and its budget (the run's) counts every batch
  const res = await ctx.models.embed(model, texts as string[], signal, onCall, { stepId });
  r.model = res.model;
  r.tokens_in += res.tokensIn;
  r.cost_usd += res.costUsd;
  return { success: true, result: { vectors: res.vectors, dimensions: res.vectors[0]?.length ?? 0 } };
}

function redactTried(tried: ModelTry[], ctx: ActionContext): ModelTry[] {
  return tried.map((t) => (t.error === undefined ? t : { ...t, error: ctx.redactor.text(t.error) }));
}
