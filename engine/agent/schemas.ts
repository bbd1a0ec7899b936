// Argument schemas: a built-in action's parameters as the JSON Schema a model is given (aliases left
// out, every array with `items`, which OpenAI requires), and the check of a call's arguments against
// the schema before anything runs. An MCP tool's inputSchema is given as the server wrote it.
import Ajv, { type ValidateFunction } from 'ajv';
import type { ParameterDecl } from '../spec/types';
import type { ActionSpec, ParamSpec } from '../toolkit/toolSpecs';
import { ajvRegExp } from '../template/linearRegex';

export type JsonSchema = Record<string, unknown>;

function typeSchema(t: ParamSpec['type'] | ParameterDecl['type']): JsonSchema {
  if (t === 'any' || t === null) return {};
  const types = Array.isArray(t) ? t : [t];
  const s: JsonSchema = { type: types.length === 1 ? types[0] : types };
  if (types.includes('array')) s.items = {};
  return s;
}

/** Each action's schema, made once: the same object every run, so its validator is found at once. */
const actionSchemas = new WeakMap<ActionSpec, JsonSchema>();

/** The JSON Schema of an action's parameters (its aliases are not offered: one name per parameter). */
export function actionSchema(spec: ActionSpec): JsonSchema {
  let schema = actionSchemas.get(spec);
  if (!schema) actionSchemas.set(spec, (schema = schemaOfAction(spec)));
  return schema;
}

function schemaOfAction(spec: ActionSpec): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, p] of Object.entries(spec.parameters)) {
    if (p.aliasOf) continue;
    const s: JsonSchema = { ...typeSchema(p.type), description: p.description };
    if (p.enum) s.enum = p.enum;
    if (p.default !== undefined) s.default = p.default;
    properties[name] = s;
    if (p.required) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

/** The JSON Schema of a pipeline's parameters (a pipeline as a tool). */
export function parametersSchema(params: ParameterDecl[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const p of params) {
    const s: JsonSchema = { ...typeSchema(p.type), ...(p.description ? { description: p.description } : {}) };
    if (p.enum) s.enum = p.enum;
    if (p.hasDefault && p.default !== undefined && !p.secret) s.default = p.default;
    properties[p.name] = s;
    if (p.required && !p.hasDefault) required.push(p.name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

/** An MCP tool's input schema as a model is given it: an object schema (a server's empty or odd one made one). */
export function mcpSchema(input: Record<string, unknown> | undefined): JsonSchema {
  if (!input || typeof input !== 'object') return { type: 'object', properties: {} };
  if (input.type === 'object' || input.type === undefined) return { ...input, type: 'object', ...(input.properties ? {} : { properties: {} }) };
  return { type: 'object', properties: {} };
}

/** Made at the first tool schema checked: a process that runs no agent never makes one (making it
 * was about 5 ms of every `orc run` and `orc eval` that loads this module). */
let ajvInstance: Ajv | null = null;
const ajvOf = () => (ajvInstance ??= new Ajv({ allErrors: false, strict: false, validateFormats: false, code: { regExp: ajvRegExp } }));
const compiled = new WeakMap<JsonSchema, ValidateFunction | null>();
/**
 * Validators by the schema's text: every run builds its catalog anew, so the same tool's schema is
 * a new object each run; it is compiled once per process, and Ajv is made to forget it (Ajv keeps
 * every schema object it compiled, which grew the heap by each run's schemas). The oldest go past
 * the bound.
 */
const byText = new Map<string, ValidateFunction | null>();
const MAX_VALIDATORS = 500;

function compileOnce(schema: JsonSchema): ValidateFunction | null {
  // a server's schema may name a draft this validator does not load: checked as the one it has
  const { $schema: _draft, $id: _id, ...rest } = schema;
  const text = JSON.stringify(rest);
  let v = byText.get(text);
  if (v !== undefined) return v;
  try {
    v = ajvOf().compile(rest);
  } catch {
    v = null;
  }
  ajvOf().removeSchema(rest);
  if (byText.size >= MAX_VALIDATORS) byText.delete(byText.keys().next().value!);
  byText.set(text, v);
  return v;
}

/** A schema's validator, compiled once (null when the schema does not compile). */
export function validatorFor(schema: JsonSchema): ValidateFunction | null {
  let v = compiled.get(schema);
  if (v === undefined) {
    v = compileOnce(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Why the arguments do not fit the schema, or null when they do (or the schema cannot be compiled: then the tool judges them). */
export function argumentProblem(schema: JsonSchema, args: unknown): string | null {
  const v = validatorFor(schema);
  if (!v || v(args)) return null;
  const e = v.errors?.[0];
  if (!e) return 'the arguments do not match the schema';
  const where = e.instancePath ? `'${e.instancePath.slice(1).replace(/\//g, '.')}'` : 'the arguments';
  if (e.keyword === 'required') return `${where} must have '${String((e.params as { missingProperty?: string }).missingProperty)}'`;
  if (e.keyword === 'additionalProperties') return `${where} has '${String((e.params as { additionalProperty?: string }).additionalProperty)}', which the tool does not take`;
  if (e.keyword === 'enum') return `${where} must be one of ${JSON.stringify((e.params as { allowedValues?: unknown[] }).allowedValues)}`;
  return `${where} ${e.message ?? 'is not valid'}`;
}
