// JSON Schema findings: ajv (compiled once) checks the value; each error becomes a finding on the
// exact key or value it is about, with did-you-mean for unknown keys and enum values.
import type { ErrorObject, ValidateFunction } from 'ajv';
import schema from '../spec/pipeline.schema.json';
import generatedValidator from '../spec/generated/pipelineValidator';
import { exactSpan } from '../parse/yamlDocument';
import type { ValuePath } from '../spec/types';
import { TYPE_WORDS, valueAt } from '../spec/values';
import type { FindingSink } from './findingSink';
import { didYouMean, suggest } from './suggest';

/** The schema compiled by ajv at build time (scripts/generateValidator.mjs), with all errors and verbose. */
export function pipelineValidator(): ValidateFunction {
  return generatedValidator;
}

export const PIPELINE_SCHEMA = schema as Record<string, unknown>;

function decodePointer(pointer: string): ValuePath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function describeValue(v: unknown): string {
  const t = jsonType(v);
  if (t === 'string') return `'${String(v).length > 40 ? String(v).slice(0, 40) + '…' : v}'`;
  if (t === 'integer' || t === 'number' || t === 'boolean') return String(v);
  if (t === 'null') return 'an empty value';
  return TYPE_WORDS[t];
}

/** What the object an error is about is called in messages: the schema's `title` says. */
function placeName(parentSchema: unknown, path: ValuePath): string {
  const title = (parentSchema as { title?: unknown } | undefined)?.title;
  if (title === (schema as { title: string }).title) return 'the pipeline';
  if (typeof title === 'string') return title;
  const parent = path.length ? path[path.length - 1] : '';
  return parent === '' ? 'the pipeline' : `'${parent}'`;
}

const AUTO_TITLE = 'an <AUTO> tag';

interface BranchInfo {
  types: string[];
  auto: boolean;
}
function branchInfo(branch: Record<string, unknown>): BranchInfo {
  if (branch.$ref === '#/$defs/auto') return { types: ['string'], auto: true };
  // a branch that is a definition (an allowed tool's options): the definition's type
  const def = typeof branch.$ref === 'string' && branch.$ref.startsWith('#/$defs/') ? (schema as { $defs: Record<string, Record<string, unknown>> }).$defs[branch.$ref.slice(8)] : undefined;
  if (def) return branchInfo(def);
  if (Array.isArray(branch.enum)) return { types: [...new Set(branch.enum.map(jsonType))], auto: false };
  const t = branch.type;
  return { types: Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [], auto: false };
}
function typeMatches(types: string[], actual: string): boolean {
  return types.includes(actual) || (actual === 'integer' && types.includes('number'));
}

/**
 * Top-level step values in which the schema found nothing, when checked by an analysis that keeps
 * step results: the section parse shares a step's value between analyses exactly when its text is
 * unchanged, and the schema says the same of the same value, so an edit validates only the steps
 * not known clean (at 2,000 steps, validating every step was a tenth of an edit).
 */
let cleanSteps = new WeakSet<object>();

/** Makes every step be validated again (with `forgetStepMemo`, for a reference analysis in tests). */
export function forgetCleanSteps(): void {
  cleanSteps = new WeakSet();
}

/**
 * The value to validate: `value` itself, or, when `reuse` and some top-level steps are known clean,
 * a copy whose `steps` leaves them out, with the index in `value.steps` of each step it holds. A step
 * is checked on its own: nothing in the schema relates one step to another, and the list's own
 * rule (at least one step) is kept by holding one step when all are clean.
 */
function withoutCleanSteps(value: unknown, reuse: boolean): { checked: unknown; steps: unknown[] | null; held: number[] | null } {
  const steps = reuse && value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>).steps : undefined;
  if (!Array.isArray(steps)) return { checked: value, steps: null, held: null };
  const held: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (!(s && typeof s === 'object' && cleanSteps.has(s))) held.push(i);
  }
  if (held.length === steps.length) return { checked: value, steps, held: null };
  if (!held.length) held.push(0);
  // a spread defines each key as the document's own (a key named `__proto__` too), in its order
  return { checked: { ...(value as Record<string, unknown>), steps: held.map((i) => steps[i]) }, steps, held };
}

/** A pointer into a top-level step: `/steps/<index>` and what follows. */
const IN_STEP = /^\/steps\/(\d+)(?=\/|$)/;

/** `/steps/<k>…` of the copy's k-th step as the path in the document (`held[k]`). */
function inDocument(pointer: string, held: number[]): string {
  const m = IN_STEP.exec(pointer);
  return m ? `/steps/${held[Number(m[1])]}${pointer.slice(m[0].length)}` : pointer;
}

/** `reuse`: an analysis that keeps step results, which skips the steps an earlier one found clean (see `cleanSteps`). */
export function checkSchema(value: unknown, sink: FindingSink, stepIdAt: (path: ValuePath) => string | null, reuse = false): void {
  const validate = pipelineValidator();
  const { checked, steps, held } = withoutCleanSteps(value, reuse);
  const valid = validate(checked);
  const errors = valid ? [] : held ? (validate.errors ?? []).map((e) => ({ ...e, instancePath: inDocument(e.instancePath, held) })) : [...(validate.errors ?? [])];
  if (steps) {
    // the steps validated now in which nothing was found are clean from now on
    const faulty = new Set<number>();
    for (const e of errors) {
      const m = IN_STEP.exec(e.instancePath);
      if (m) faulty.add(Number(m[1]));
    }
    for (let k = 0; k < (held ? held.length : steps.length); k++) {
      const i = held ? held[k] : k;
      const s = steps[i];
      if (!faulty.has(i) && s && typeof s === 'object') cleanSteps.add(s);
    }
  }
  if (valid) return;
  const dropped = new Set<ErrorObject>();
  const extra: { path: ValuePath; message: string }[] = [];

  // anyOf: keep the errors of the branch the value's type chose, or say which types were allowed
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const a of anyOfs) {
    if (dropped.has(a)) continue;
    dropped.add(a);
    const branches = (a.schema as Record<string, unknown>[]).map(branchInfo);
    const children = errors.filter((e) => e !== a && e.schemaPath.startsWith(a.schemaPath + '/'));
    const path = decodePointer(a.instancePath);
    const v = valueAt(value, path);
    const actual = jsonType(v);
    let keep = -1;
    if (actual === 'string' && /<AUTO/.test(String(v)) && branches.some((b) => b.auto)) {
      keep = -2; // an AUTO tag that is malformed: the AUTO pass reports it
    } else {
      keep = branches.findIndex((b) => !b.auto && typeMatches(b.types, actual));
    }
    for (const c of children) {
      const idx = Number(c.schemaPath.slice(a.schemaPath.length + 1).split('/')[0]);
      if (idx !== keep) dropped.add(c);
    }
    // errors of a $ref'ed branch carry the referenced schema's path: the AUTO branch's are these
    const autoIndex = branches.findIndex((b) => b.auto);
    if (autoIndex !== keep) for (const c of errors) if ((c.parentSchema as { title?: string })?.title === AUTO_TITLE && c.instancePath === a.instancePath) dropped.add(c);
    if (keep === -1) {
      const allowed = [...new Set(branches.flatMap((b) => (b.auto ? ['an <AUTO> tag'] : b.types.map((t) => TYPE_WORDS[t] ?? t))))];
      const isEnum = (a.schema as Record<string, unknown>[]).find((b) => Array.isArray(b.enum));
      const list = isEnum ? [`one of ${(isEnum.enum as unknown[]).map((x) => `'${x}'`).join(', ')}`, ...allowed.filter((x) => x === 'an <AUTO> tag')] : allowed;
      extra.push({ path, message: `Expected ${list.slice(0, -1).join(', ')}${list.length > 1 ? ' or ' : ''}${list[list.length - 1]}, got ${describeValue(v)}.` });
    }
  }

  for (const e of errors) {
    if (dropped.has(e)) continue;
    const path = decodePointer(e.instancePath);
    const step = stepIdAt(path);
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        // a list or mapping used as a key is already reported by the parser
        if (/^[[{]/.test(key) && sink.findings.some((f) => f.code === 'yaml.complex-key')) break;
        const allowed = Object.keys(((e.parentSchema as Record<string, unknown>).properties as Record<string, unknown>) ?? {});
        const suggestions = suggest(key, allowed);
        sink.atKey('schema.unknown-key', `Unknown key '${key}' in ${placeName(e.parentSchema, path)}.${didYouMean(suggestions)}${underParameters(value, path, key, suggestions)}`, [...path, key], { step, suggestions });
        break;
      }
      case 'required': {
        const key = String((e.params as { missingProperty: string }).missingProperty);
        const obj = valueAt(value, path);
        const firstKey = obj && typeof obj === 'object' && !Array.isArray(obj) ? Object.keys(obj)[0] : undefined;
        const at = firstKey !== undefined && (exactSpan(sink.parsed, [...path, firstKey])?.keyStart ?? -1) >= 0 ? [...path, firstKey] : path;
        const where = placeName(e.parentSchema, path);
        const message = key === 'steps' && path.length === 0 ? "A pipeline needs 'steps': a list of at least one step." : `Missing required key '${key}' in ${where}.`;
        sink.atKey('schema.missing-key', message, at, { step });
        break;
      }
      case 'type': {
        const want = (e.params as { type: string | string[] }).type;
        const wants = (Array.isArray(want) ? want : String(want).split(',')).map((t) => TYPE_WORDS[t] ?? t);
        const v = valueAt(value, path);
        const msg = path.length === 0 ? `A pipeline must be a mapping with 'steps', got ${describeValue(v)}.` : `Expected ${wants.slice(0, -1).join(', ')}${wants.length > 1 ? ' or ' : ''}${wants[wants.length - 1]}, got ${describeValue(v)}.`;
        sink.atValue('schema.type', msg, path, { step });
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        const v = valueAt(value, path);
        const suggestions = typeof v === 'string' ? suggest(v, allowed) : [];
        sink.atValue('schema.enum', `${describeValue(v)} is not allowed: use one of ${allowed.map((x) => `'${x}'`).join(', ')}.${didYouMean(suggestions)}`, path, { step, suggestions });
        break;
      }
      case 'pattern': {
        const v = valueAt(value, path);
        const last = path[path.length - 1];
        let message: string;
        if (e.propertyName !== undefined) break; // reported with propertyNames
        if (last === 'version') message = `Version ${describeValue(v)} must be MAJOR.MINOR.PATCH, e.g. "1.2.3".`;
        else if (last === 'id' && path.length > 1) message = `Step id ${describeValue(v)} must start with a letter or '_' and hold only letters, digits, '_' and '-'.`;
        else if (last === 'id') message = `Pipeline id ${describeValue(v)} must start with a letter and hold only letters, digits, '_' and '-'.`;
        else if (last === 'loop_var') message = `Loop variable ${describeValue(v)} must be a name: letters, digits and '_'.`;
        else if (last === 'name' && path[0] === 'monitors' && path.length === 3) message = `Monitor name ${describeValue(v)} must start with a letter and hold only letters, digits, '_' and '-': its checks are written to .orchestrator/monitors/NAME.jsonl.`;
        else message = `${describeValue(v)} does not have the required form.`;
        sink.atValue('schema.pattern', message, path, { step });
        break;
      }
      case 'propertyNames': {
        const name = String((e.params as { propertyName: string }).propertyName);
        sink.atKey('schema.pattern', `'${name}' is not a valid name here: use letters, digits and '_', starting with a letter or '_'.`, [...path, name], { step });
        break;
      }
      case 'minItems': {
        const msg =
          path[path.length - 1] === 'steps' ? (path.length === 1 ? 'A pipeline needs at least one step.' : 'A loop body needs at least one step.')
          : path[0] === 'monitors' && path[2] === 'assert' && path.length === 3 ? 'A monitor needs at least one assertion: a run passes its check when every one passes.'
          : `Expected at least ${(e.params as { limit: number }).limit} items.`;
        sink.atValue('schema.range', msg, path, { step });
        break;
      }
      case 'minimum':
      case 'exclusiveMinimum':
      case 'maximum':
      case 'exclusiveMaximum': {
        const v = valueAt(value, path);
        const p = e.params as { comparison: string; limit: number };
        const words: Record<string, string> = { '>=': 'at least', '>': 'more than', '<=': 'at most', '<': 'less than' };
        const key = path[path.length - 1];
        sink.atValue('schema.range', `'${key}' must be ${words[p.comparison] ?? p.comparison} ${p.limit}, got ${describeValue(v)}.`, path, { step });
        break;
      }
      case 'if':
        break; // the `then` errors say what is wrong
      default:
        // a keyword this schema does not use today; say what ajv says rather than drop it
        sink.atValue('schema.type', `Invalid value: ${e.message ?? e.keyword}.`, path, { step });
    }
  }
  for (const x of extra) sink.atValue('schema.type', x.message, x.path, { step: stepIdAt(x.path) });
}

/** A top-level key that looks like a parameter declaration (`{type: …}` or `{default: …}`) next to a
 * `parameters:` mapping was most likely under-indented out of it. */
function underParameters(value: unknown, path: (string | number)[], key: string, suggestions: string[]): string {
  if (path.length !== 0 || suggestions.length || !value || typeof value !== 'object') return '';
  const doc = value as Record<string, unknown>;
  const decl = doc[key];
  const params = doc.parameters;
  if (!params || typeof params !== 'object' || Array.isArray(params)) return '';
  if (!decl || typeof decl !== 'object' || Array.isArray(decl) || !('type' in decl || 'default' in decl)) return '';
  return ' Did you mean to indent it under `parameters`?';
}
