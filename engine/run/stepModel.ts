// A model step's model and system prompt: its own, its expert's, the pipeline's or the host's
// default model, or one the registry selects (`requires_model`, a bare `<AUTO>`); the system prompt
// from its parameters or its personality (a personality's file read beside the pipeline).
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { isAutoSelect } from '../analyze/autoTags';
import type { Step } from '../spec/types';
import { ToolError } from '../toolkit/runtime';
import type { StepResult } from './events';
import type { ActionContext } from './runContext';

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The model a step runs on: its own, its expert's, or the pipeline's default. */
export function modelFor(step: Step, ctx: Pick<ActionContext, 'pipeline' | 'defaultModel'>): string | null {
  if (step.model) return step.model;
  if (step.expert && Object.prototype.hasOwnProperty.call(ctx.pipeline.experts, step.expert)) return ctx.pipeline.experts[step.expert];
  return ctx.pipeline.model ?? ctx.defaultModel;
}

/** ContextLab's `model:` inside parameters, then the step's own choice, then selection; a step with none fails here. */
export async function chooseModel(step: Step, params: Record<string, unknown>, ctx: ActionContext, r: StepResult): Promise<string> {
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
  return model;
}

/** A personality's system prompt (its file read beside the pipeline); null when there is no such personality. */
export function personalityPrompt(name: string, ctx: Pick<ActionContext, 'pipeline' | 'pipelineFile' | 'cwd'>): string | null {
  const personality = Object.prototype.hasOwnProperty.call(ctx.pipeline.personalities, name) ? ctx.pipeline.personalities[name] : undefined;
  if (!personality) return null;
  if ('prompt' in personality) return personality.prompt;
  const file = path.resolve(ctx.pipelineFile ? path.dirname(ctx.pipelineFile) : ctx.cwd, personality.file);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ToolError(`Could not read personality '${name}' from '${personality.file}': ${message(e)}`, 'ConfigurationError');
  }
}

/** The step's system prompt: `parameters.system` (an agent's `instructions`), else its personality's. */
export function systemPrompt(step: Step, params: Record<string, unknown>, ctx: ActionContext): string | null {
  const given = step.agent ? params.instructions ?? params.system : params.system;
  if (typeof given === 'string') return given;
  return step.personality ? personalityPrompt(step.personality, ctx) : null;
}

/** The JSON Schema of a structured answer: the step's `vars`, else `parameters.schema`. */
export function answerSchema(step: Step, params: Record<string, unknown>): Record<string, unknown> | null {
  if (step.vars.length) return { type: 'object', properties: Object.fromEntries(step.vars.map((v) => [v.name, v.schema])), required: step.vars.filter((v) => v.required).map((v) => v.name), additionalProperties: false };
  return (params.schema as Record<string, unknown> | undefined) ?? null;
}
