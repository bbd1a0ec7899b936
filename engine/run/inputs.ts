// A run's inputs: `-i key=value` parsing, defaults, and checks against the declared parameters.
import type { ParameterDecl, ParamType } from '../spec/types';
import { didYouMean, suggest } from '../analyze/suggest';
import { hasType } from '../spec/values';
import { depthOf, MAX_RESULT_DEPTH } from './resultBounds';

export class InputError extends Error {}

/**
 * The parameter a conversation's message goes to (`orc chat`'s line, an A2A message's text, an
 * imported trace's first user message): the one required parameter besides `session`, else
 * `message`, else the only parameter there is; null when the pipeline has no such one.
 */
export function messageParameterOf(params: ParameterDecl[]): string | null {
  const own = params.filter((p) => p.name !== 'session');
  const required = own.filter((p) => p.required && !p.hasDefault);
  if (required.length === 1) return required[0].name;
  if (own.some((p) => p.name === 'message')) return 'message';
  if (!required.length && own.length === 1) return own[0].name;
  return null;
}

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** `key=value`: the value is parsed as JSON when it parses, else taken as a string. */
export function parseInputArg(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new InputError(`-i takes key=value, got '${arg}'`);
  const key = arg.slice(0, eq).trim();
  // set on a plain object, these would change its prototype instead of adding an input
  if (RESERVED.has(key)) throw new InputError(`'${key}' cannot be an input name`);
  const raw = arg.slice(eq + 1);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

/** A value given for a string parameter that JSON read as a number or boolean is meant as text. */
function coerce(type: ParamType | null, v: unknown, given: boolean): unknown {
  if (given && type === 'string' && (typeof v === 'number' || typeof v === 'boolean' || v === null)) return String(v);
  return v;
}

/**
 * Inputs given as JSON (an HTTP request's body) checked as they are: a value of another type than its
 * parameter's (`{"name": 5}` for a string) is refused, never coerced. Only a command line's
 * `-i name=5` is read as text for a string parameter, since a command line cannot say "text".
 */
export function checkInputTypes(params: ParameterDecl[], given: Record<string, unknown>): void {
  for (const p of params) {
    if (!p.type || !Object.prototype.hasOwnProperty.call(given, p.name)) continue;
    const v = given[p.name];
    if (v === null || hasType(v, p.type)) continue;
    const shown = JSON.stringify(v) ?? String(v);
    throw new InputError(`Input '${p.name}' must be ${p.type}, got ${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}.`);
  }
}

/** The inputs of a run: given values checked against the declarations, defaults filled in. */
export function resolveInputs(params: ParameterDecl[], given: Record<string, unknown>): Record<string, unknown> {
  const names = params.map((p) => p.name);
  const proto = Object.getPrototypeOf(given);
  if (proto !== Object.prototype && proto !== null) throw new InputError("The inputs' prototype was changed (an input named '__proto__'?)");
  for (const key of Object.keys(given)) {
    if (RESERVED.has(key)) throw new InputError(`'${key}' cannot be an input name`);
    if (!names.includes(key)) {
      const s = suggest(key, names);
      throw new InputError(`Unknown input '${key}'.${didYouMean(s)}${names.length ? ` The pipeline's parameters: ${names.join(', ')}.` : ' The pipeline takes no parameters.'}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const p of params) {
    const has = Object.prototype.hasOwnProperty.call(given, p.name);
    if (!has && !p.hasDefault) {
      if (p.required) throw new InputError(`Missing required input '${p.name}'${p.description ? ` (${p.description})` : ''}: give it with -i ${p.name}=...`);
      out[p.name] = null;
      continue;
    }
    const v = coerce(p.type, has ? given[p.name] : p.default, has);
    if (depthOf(v) > MAX_RESULT_DEPTH) throw new InputError(`Input '${p.name}' is nested deeper than ${MAX_RESULT_DEPTH} levels.`);
    if (p.type && v !== null && !hasType(v, p.type)) throw new InputError(`Input '${p.name}' must be ${p.type}, got ${JSON.stringify(v)}.`);
    if (p.enum && !p.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) throw new InputError(`Input '${p.name}' must be one of ${p.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(v)}.`);
    out[p.name] = v;
  }
  return out;
}
