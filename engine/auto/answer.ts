// What an AUTO tag's answer must be, from where the tag stands: the JSON Schema the model is asked
// to fill, and the checks a schema cannot say (a model id in the registry, step ids of this
// pipeline, a known tool). An answer that fails is an error, never replaced by a default.
import type { Analysis } from '../analyze/index';
import type { AutoType } from '../analyze/model';
import { registryOrShipped } from '../models/registry';
import { BUILTIN_ACTIONS, TOOL_SPECS } from '../toolkit/toolSpecs';

export interface AnswerContext {
  /** `provider:model` ids of the registry. */
  models: string[];
  /** The pipeline's step ids. */
  steps: string[];
  tools: string[];
  actions: string[];
}

/** What an AUTO answer may name: registry models, this pipeline's steps, the tools and actions. */
export function answerContext(a: Analysis): AnswerContext {
  const actions = new Set(Object.keys(BUILTIN_ACTIONS));
  for (const t of Object.values(TOOL_SPECS)) for (const act of Object.keys(t.actions)) actions.add(act);
  return {
    models: registryOrShipped(process.env.ORC_MODEL_REGISTRY || undefined).map((m) => m.id),
    steps: [...a.stepIndex.keys()],
    tools: Object.keys(TOOL_SPECS),
    actions: [...actions].sort(),
  };
}

/** The schema of the structured answer: `{ "value": … }` of the wanted type. */
export function answerSchema(wants: AutoType): Record<string, unknown> {
  let value: Record<string, unknown>;
  switch (wants.kind) {
    case 'integer':
      value = { type: 'integer' };
      break;
    case 'number':
      value = { type: 'number' };
      break;
    case 'boolean':
      value = { type: 'boolean' };
      break;
    case 'list':
      value = { type: 'array', items: { type: 'string' } };
      break;
    case 'step-ids':
      value = { type: 'array', items: { type: 'string' } };
      break;
    default:
      value = { type: 'string' };
  }
  return { type: 'object', properties: { value }, required: ['value'], additionalProperties: false };
}

/** Says in words what the answer must be, for the question put to the model. */
export function describeWanted(wants: AutoType, ctx: AnswerContext): string {
  switch (wants.kind) {
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'list':
      return 'a list of strings';
    case 'model':
      return `one model id of: ${ctx.models.join(', ')}`;
    case 'step-ids':
      return `a list of step ids, each one of: ${ctx.steps.join(', ')}`;
    case 'tool':
      return `one tool of: ${ctx.tools.join(', ')}`;
    case 'action':
      return `one action of: ${ctx.actions.join(', ')}`;
    case 'enum':
      return `one of: ${wants.values.join(', ')}`;
    default:
      return 'a string';
  }
}

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

/** The answer's value when it is what the tag's position wants; else why not. */
export function checkAnswer(value: unknown, wants: AutoType, ctx: AnswerContext): { ok: true; value: unknown } | { ok: false; error: string } {
  const fail = (error: string) => ({ ok: false as const, error });
  switch (wants.kind) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? { ok: true, value } : fail(`${show(value)} is not an integer`);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { ok: true, value } : fail(`${show(value)} is not a number`);
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : fail(`${show(value)} is not true or false`);
    case 'list':
      return Array.isArray(value) ? { ok: true, value } : fail(`${show(value)} is not a list`);
    case 'model':
      if (typeof value !== 'string') return fail(`${show(value)} is not a model id`);
      return ctx.models.includes(value) ? { ok: true, value } : fail(`'${value}' is not a model in the registry (${ctx.models.join(', ')})`);
    case 'step-ids': {
      if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) return fail(`${show(value)} is not a list of step ids`);
      const unknown = (value as string[]).filter((x) => !ctx.steps.includes(x));
      return unknown.length ? fail(`${unknown.map((x) => `'${x}'`).join(', ')} ${unknown.length === 1 ? 'is not a step' : 'are not steps'} of this pipeline (${ctx.steps.join(', ')})`) : { ok: true, value };
    }
    case 'tool':
      return typeof value === 'string' && ctx.tools.includes(value) ? { ok: true, value } : fail(`${show(value)} is not a tool (${ctx.tools.join(', ')})`);
    case 'action':
      return typeof value === 'string' && ctx.actions.includes(value) ? { ok: true, value } : fail(`${show(value)} is not an action (${ctx.actions.join(', ')})`);
    case 'enum':
      return typeof value === 'string' && wants.values.includes(value) ? { ok: true, value } : fail(`${show(value)} is not one of ${wants.values.join(', ')}`);
    default:
      return typeof value === 'string' ? { ok: true, value } : fail(`${show(value)} is not a string`);
  }
}
