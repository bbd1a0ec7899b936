// The validation tool: JSON Schema (draft-07 or 2020-12, from `$schema`) via ajv, in ContextLab's
// modes (strict, lenient, report_only), data as JSON or CSV text, and extraction of structured data
// from text through a model call.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from './data';
import { type ToolContext, type ToolDefinition, type ToolOutcome, ToolError } from '../toolkit/runtime';
import { TOOL_SPECS } from '../toolkit/toolSpecs';
import { ajvRegExp } from '../template/linearRegex';

export type ValidationMode = 'strict' | 'lenient' | 'report_only';
const MODES: ValidationMode[] = ['strict', 'lenient', 'report_only'];

export interface ValidationIssue {
  path: string;
  message: string;
  /** 1-based row, when the data is a list of rows. */
  row?: number;
  /** lenient: the value a mismatched one was converted to. */
  coerced_to?: unknown;
}

// a few common string formats, checked as ContextLab's validator does (others are not checked)
const FORMATS: Record<string, RegExp> = {
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  uri: /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
};

function compile(schema: unknown): ValidateFunction {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) throw new ToolError("'schema' must be a JSON Schema object", 'TypeError');
  const is2020 = String((schema as Record<string, unknown>).$schema ?? '').includes('2020-12');
  // a schema's `pattern` runs on RE2: no pattern can freeze the step (see linearRegex.ts)
  const opts = { allErrors: true, strict: false, logger: false as const, code: { regExp: ajvRegExp } };
  const ajv = is2020 ? new Ajv2020(opts) : new Ajv(opts);
  for (const [name, re] of Object.entries(FORMATS)) ajv.addFormat(name, re);
  try {
    return ajv.compile(schema);
  } catch (e) {
    throw new ToolError(`Invalid JSON Schema: ${(e as Error).message}`, 'SchemaError');
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const typesOf = (schema: Record<string, unknown>): unknown[] => (Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]);
const issues = (errors: ErrorObject[] | null | undefined): ValidationIssue[] => (errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message ?? e.keyword }));

/** ContextLab's reading of data given as text: JSON, else CSV rows (a header line, commas), with its
 * columns typed by an object schema's integer and number properties. Text an answer of type string
 * is meant to be stays text; text that is neither stays as it is. */
function readData(data: unknown, schema: Record<string, unknown>): unknown {
  if (typeof data !== 'string' || typesOf(schema).includes('string')) return data;
  try {
    return JSON.parse(data);
  } catch {
    /* not JSON */
  }
  if (!data.includes(',') || !data.includes('\n')) return data;
  const rows = parse(data, 'csv') as Record<string, unknown>[];
  const props = typesOf(schema).includes('object') && isRecord(schema.properties) ? schema.properties : {};
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) {
      const t = isRecord(props[k]) ? props[k].type : undefined;
      if (typeof v !== 'string' || v === '') continue;
      if (t === 'integer' && /^[+-]?\d+$/.test(v.trim())) row[k] = Number(v.trim());
      else if (t === 'number' && v.trim() !== '' && Number.isFinite(Number(v))) row[k] = Number(v);
    }
  }
  return rows;
}

/** lenient: the conversions ContextLab makes for a type mismatch (undefined: none). */
function coerce(type: string, v: unknown): unknown {
  if (typeof v === 'string') {
    const s = v.trim();
    if (type === 'number' && s !== '' && Number.isFinite(Number(s))) return Number(s);
    if (type === 'integer' && /^[+-]?\d+$/.test(s)) return Number(s);
    if (type === 'boolean') {
      if (['true', 'yes', '1'].includes(s.toLowerCase())) return true;
      if (['false', 'no', '0'].includes(s.toLowerCase())) return false;
    }
  }
  if (type === 'string' && typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

const unescape = (seg: string) => seg.replace(/~1/g, '/').replace(/~0/g, '~');

function getAt(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const seg of pointer.split('/').slice(1).map(unescape)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function setAt(root: unknown, pointer: string, value: unknown): unknown {
  const segs = pointer.split('/').slice(1).map(unescape);
  if (!segs.length) return value;
  let cur = root as Record<string, unknown>;
  for (const seg of segs.slice(0, -1)) cur = cur[seg] as Record<string, unknown>;
  Object.defineProperty(cur, segs[segs.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return root;
}

interface Checked {
  valid: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
  data: unknown;
}

function check(validate: ValidateFunction, value: unknown, mode: ValidationMode): Checked {
  if (validate(value)) return { valid: true, errors: [], warnings: [], data: value };
  const errors = issues(validate.errors);
  if (mode !== 'lenient') return { valid: false, errors, warnings: [], data: value };
  // lenient: convert what converts safely, then check again
  const first = validate.errors ?? [];
  let copy: unknown = structuredClone(value);
  const warnings: ValidationIssue[] = [];
  for (const e of first) {
    const want = (e.params as { type?: unknown }).type;
    if (e.keyword !== 'type' || typeof want !== 'string') continue;
    const to = coerce(want, getAt(copy, e.instancePath));
    if (to === undefined) continue;
    copy = setAt(copy, e.instancePath, to);
    warnings.push({ path: e.instancePath || '/', message: e.message ?? e.keyword, coerced_to: to });
  }
  if (!warnings.length) return { valid: false, errors, warnings, data: value };
  if (validate(copy)) return { valid: true, errors: [], warnings, data: copy };
  return { valid: false, errors: issues(validate.errors), warnings, data: value };
}

const describe = (list: ValidationIssue[]) => list.map((e) => `${e.row !== undefined ? `row ${e.row}: ` : ''}${e.path} ${e.message}`).join('; ');

function validateAction(p: Record<string, unknown>): ToolOutcome {
  if (p.data === undefined) throw new ToolError("validation.validate needs 'data'", 'ValueError');
  const validate = compile(p.schema);
  const schema = p.schema as Record<string, unknown>;
  const warnings: ValidationIssue[] = [];
  const given = p.mode === undefined || p.mode === null ? 'strict' : p.mode;
  let mode: ValidationMode = 'strict';
  if (MODES.includes(given as ValidationMode)) mode = given as ValidationMode;
  else warnings.push({ path: '/', message: `Unknown mode '${String(given)}': validated in strict mode (modes: ${MODES.join(', ')})` });
  const data = readData(p.data, schema);
  const asArray = typesOf(schema).includes('array') || schema.items !== undefined || schema.prefixItems !== undefined;
  let result: Record<string, unknown>;
  let errors: ValidationIssue[];
  if (Array.isArray(data) && !asArray && data.every(isRecord)) {
    // a list of rows (CSV, JSON records): each row against the schema
    errors = [];
    const out: unknown[] = [];
    data.forEach((row, i) => {
      const c = check(validate, row, mode);
      for (const e of c.errors) errors.push({ ...e, row: i + 1 });
      for (const w of c.warnings) warnings.push({ ...w, row: i + 1 });
      out.push(c.data);
    });
    result = { valid: errors.length === 0, errors, warnings, data: out, mode, rows_validated: data.length };
  } else {
    const c = check(validate, data, mode);
    errors = c.errors;
    warnings.push(...c.warnings);
    result = { valid: c.valid, errors, warnings, data: c.data, mode };
  }
  if (result.valid || mode === 'report_only') return { success: true, result };
  return { success: false, result, error: `Data does not match the schema: ${describe(errors)}` };
}

/** The schema as a strict structured-output schema: every property required (the optional ones may
 * be null), no others; formats left to our own check. */
function strictSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(strictSchema);
  if (!isRecord(s)) return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'format') continue;
    if (k === 'properties' && isRecord(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, strictSchema(sub)]));
    else if (k === 'items' || k === 'anyOf' || k === 'oneOf' || k === 'allOf' || k === 'prefixItems' || k === 'additionalProperties') out[k] = strictSchema(v);
    else out[k] = v;
  }
  if (isRecord(out.properties)) {
    const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
    for (const [name, sub] of Object.entries(out.properties)) {
      if (required.has(name) || !isRecord(sub)) continue;
      const t = typesOf(sub);
      if (t.length && !t.includes('null')) sub.type = [...t, 'null'];
    }
    out.required = Object.keys(out.properties);
    out.additionalProperties = false;
  }
  return out;
}

/** Drops the nulls a strict answer gave for properties the schema leaves optional. */
function dropOptionalNulls(data: unknown, schema: unknown): unknown {
  if (!isRecord(schema)) return data;
  if (Array.isArray(data)) return data.map((x) => dropOptionalNulls(x, schema.items));
  if (!isRecord(data) || !isRecord(schema.properties)) return data;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === null && !required.has(k)) continue;
    Object.defineProperty(out, k, { value: dropOptionalNulls(v, schema.properties[k]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

async function extractAction(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (typeof p.text !== 'string' || !p.text.trim()) throw new ToolError("validation.extract_structured needs 'text': the text to extract from", 'ValueError');
  const validate = compile(p.schema);
  if (!ctx.models) throw new ToolError('validation.extract_structured calls a model: it runs only inside a pipeline run', 'ConfigurationError');
  const model = typeof p.model === 'string' && p.model.trim() ? p.model.trim() : null;
  const prompt = `Extract structured data from the text below. Use only what the text states; leave out (or set to null) what it does not say. Answer with a JSON object that matches the schema.\n\nText:\n${p.text}`;
  const answer = await ctx.models.generate({
    prompt,
    system: 'You extract structured data from text, exactly and without invention.',
    schema: strictSchema(p.schema) as Record<string, unknown>,
    model,
  });
  const data = dropOptionalNulls(answer.value, p.schema);
  const c = check(validate, data, 'strict');
  const result = { valid: c.valid, data, errors: c.errors, warnings: [] as ValidationIssue[], model_used: answer.model };
  if (c.valid) return { success: true, result };
  return { success: false, result, error: `The extracted data does not match the schema: ${describe(c.errors)}` };
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (action === 'validate') return validateAction(p);
  if (action === 'extract_structured') return extractAction(p, ctx);
  throw new ToolError(`validation has no action '${action}'`, 'ValueError');
}

export const validationTool: ToolDefinition = { spec: TOOL_SPECS.validation, run };
