// A model step's guards around its call: the input guards over the rendered prompt before the
// provider is called (a blocked prompt is never sent), the output guards over the answer before
// anyone sees it (its streamed text is held until they pass, then given on as checked), and `retry`
// answered to the model within `repair.max_attempts`. Tool results of agent steps: `toolResultGuard`.
import type { ModelRequest, ModelResponse, ModelRunner } from '../models/modelRunner';
import type { GuardrailsDecl } from '../spec/types';
import type { Interaction } from '../toolkit/interaction';
import { runStage, type StageRun } from './apply';
import type { GuardHost } from './checks';
import { checkGuard } from './checks';
import { JUDGE_SCHEMA, judgeMessages } from './judgePrompt';
import type { GuardrailLine } from './types';

/** What a step's guards need of its run. */
export interface StepGuards {
  guardrails: GuardrailsDecl;
  stepId: string;
  /** More calls a `retry` may make (`repair.max_attempts`, default 1). */
  repairAttempts: number;
  /** Runs a `pipeline:` guard's file (relative to the pipeline) with `{text}`; its outputs `pass` and `reason` decide. */
  runPipeline(file: string, inputs: Record<string, unknown>, signal: AbortSignal): Promise<{ outputs: Record<string, unknown>; success: boolean; error?: string | null }>;
  interaction?: Interaction;
  record(line: GuardrailLine, ms: number): void;
  /** The calls of an answer its guards then stopped: counted in the step's tokens and cost all the same (they were made and paid for). */
  spent?(figures: { model: string; tokens_in: number; tokens_out: number; cost_usd: number; latency_ms: number; wait_ms: number }): void;
}

/** The fields of a request that are its input (the rendered prompt, the text analysed, the condition and its context). */
const INPUT_FIELDS = ['prompt', 'text', 'condition', 'context'] as const;

/** The host a step's judge and pipeline guards call out through: the run's models (so its budget), the step's model by default. */
export function guardHost(models: ModelRunner, model: string, g: Pick<StepGuards, 'stepId' | 'runPipeline'>): GuardHost {
  return {
    async judge(rubric, text, judgeModel, signal) {
      const asked = judgeMessages(rubric, text);
      const res = await models.run({ model: judgeModel ?? model, action: 'generate_structured', params: { prompt: asked.prompt, temperature: 0 }, system: asked.system, schema: JUDGE_SCHEMA as unknown as Record<string, unknown>, signal, onText: () => undefined, stepId: g.stepId });
      const v = res.value as { score: number; reason: string };
      return { score: v.score, reason: v.reason };
    },
    async pipeline(file, text, signal) {
      const res = await g.runPipeline(file, { text }, signal);
      if (!res.success) return { pass: false, reason: `the guard pipeline ${file} failed: ${res.error ?? 'no reason given'}` };
      const pass = res.outputs.pass === true || res.outputs.pass === 'true';
      return { pass, reason: typeof res.outputs.reason === 'string' ? res.outputs.reason : null };
    },
  };
}

/** A structured answer's string leaves, each through the guards that redact (the JSON text decided that one must). */
async function redactLeaves(value: unknown, run: StageRun): Promise<unknown> {
  if (typeof value === 'string') {
    let text = value;
    for (const g of run.guards) {
      if (g.onFail !== 'redact') continue;
      const out = await checkGuard(g, text, run.host, run.signal);
      if (!out.passed && out.redacted !== undefined) text = out.redacted;
    }
    return text;
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => redactLeaves(v, run)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await redactLeaves(v, run);
    return out;
  }
  return value;
}

/** The request run with its step's guards: input checked (and maybe redacted) first, output checked before it is given on. */
export async function guardedRun(models: ModelRunner, req: ModelRequest, g: StepGuards): Promise<ModelResponse> {
  const host = guardHost(models, req.model, g);
  const stage = (s: 'input' | 'output', canRetry: boolean): StageRun => ({ stage: s, guards: s === 'input' ? g.guardrails.input : g.guardrails.output, host, signal: req.signal, record: g.record, interaction: g.interaction, stepId: g.stepId, canRetry });
  let params = req.params;
  if (g.guardrails.input.length) {
    params = { ...params };
    for (const f of INPUT_FIELDS) {
      const v = params[f];
      if (typeof v === 'string') params[f] = (await runStage(stage('input', false), v)).text;
    }
  }
  const output = g.guardrails.output;
  if (!output.length) return models.run({ ...req, params });
  // the streamed text is held until the answer has passed its guards (no one sees a blocked answer)
  const totals = { tokens_in: 0, tokens_out: 0, cost_usd: 0, latency_ms: 0, wait_ms: 0 };
  const prompt = typeof params.prompt === 'string' ? params.prompt : '';
  for (let attempt = 0; ; attempt++) {
    const res = await models.run({ ...req, params, onText: () => undefined });
    totals.tokens_in += res.tokens_in;
    totals.tokens_out += res.tokens_out;
    totals.cost_usd += res.cost_usd;
    totals.latency_ms += res.latency_ms ?? 0;
    totals.wait_ms += res.wait_ms ?? 0;
    const structured = typeof res.value !== 'string';
    const text = structured ? (JSON.stringify(res.value) ?? 'null') : (res.value as string);
    const run = stage('output', attempt < g.repairAttempts);
    let out;
    try {
      out = await runStage(run, text);
    } catch (e) {
      g.spent?.({ model: res.model, ...totals });
      throw e;
    }
    if (out.retry !== null) {
      params = { ...params, prompt: `${prompt}\n\nYour previous answer was rejected by ${out.retry}. Answer again.` };
      continue;
    }
    const value = !structured ? out.text : out.text === text ? res.value : await redactLeaves(res.value, run);
    if (!structured && out.text) req.onText(out.text);
    return { ...res, value, ...totals };
  }
}

/** An agent step's `tool_results` guards over one result's text, before the model sees it. */
export function toolResultGuard(models: ModelRunner, model: string, g: StepGuards, signal: AbortSignal): (content: string) => Promise<string> {
  const host = guardHost(models, model, g);
  return async (content) => (await runStage({ stage: 'tool_results', guards: g.guardrails.toolResults, host, signal, record: g.record, interaction: g.interaction, stepId: g.stepId, canRetry: false }, content)).text;
}

/** One stage's guards over one text, with no retry (an agent step's prompt, and its final answer). */
export async function guardText(models: ModelRunner, model: string, g: StepGuards, stage: 'input' | 'output', text: string, signal: AbortSignal): Promise<string> {
  const guards = stage === 'input' ? g.guardrails.input : g.guardrails.output;
  if (!guards.length) return text;
  return (await runStage({ stage, guards, host: guardHost(models, model, g), signal, record: g.record, interaction: g.interaction, stepId: g.stepId, canRetry: false }, text)).text;
}
