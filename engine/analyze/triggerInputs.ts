// The inputs of a trigger: each key a parameter of the pipeline, each required parameter given, and
// each string a template that reads only what exists when the trigger fires: `request.body`,
// `request.headers` and `request.query` of a webhook's request, and nothing of a run.
import { TemplateSyntaxError } from '../template/ast';
import { hasTemplateSyntax } from '../template/parser';
import { referencesOf, type NameRef } from '../template/references';
import { FILTERS } from '../template/filters';
import { TESTS } from '../template/tests';
import { stringOffsets, spanOf } from '../parse/yamlDocument';
import { offsetAt } from '../parse/scalarOffsets';
import type { Pipeline, ValuePath } from '../spec/types';
import type { FindingSink } from './findingSink';
import { didYouMean, suggest } from './suggest';
import { isAutoTag } from './autoTags';
import { BUILTIN_FUNCTIONS } from './templateScope';

/** The name a webhook's inputs read, and its fields. */
export const REQUEST_NAME = 'request';
export const REQUEST_FIELDS = ['body', 'headers', 'query'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The inputs of the trigger at `path` (`triggers[i]`), a webhook's when `webhook`. */
export function checkTriggerInputs(entry: Obj, path: ValuePath, webhook: boolean, pipeline: Pipeline, sink: FindingSink): void {
  const names = pipeline.parameters.map((p) => p.name);
  const inputs = isObj(entry.inputs) ? entry.inputs : {};
  for (const key of Object.keys(inputs)) {
    if (names.includes(key)) continue;
    const suggestions = suggest(key, names);
    const known = names.length ? `its parameters are ${names.map((n) => `'${n}'`).join(', ')}` : 'it takes no parameters';
    sink.atKey('trigger.unknown-input', `'${key}' is not a parameter of the pipeline: ${known}.${didYouMean(suggestions)}`, [...path, 'inputs', key], { suggestions });
  }
  const missing = pipeline.parameters.filter((p) => p.required && !p.hasDefault && !Object.prototype.hasOwnProperty.call(inputs, p.name));
  if (missing.length) {
    const kind = webhook ? 'webhook' : 'cron';
    const at = Object.prototype.hasOwnProperty.call(entry, 'inputs') ? [...path, 'inputs'] : [...path, kind];
    const list = missing.map((p) => `'${p.name}'`).join(', ');
    sink.atKey('trigger.missing-input', `The pipeline requires ${list} and this trigger's inputs do not give ${missing.length === 1 ? 'it' : 'them'}: every run it starts fails.`, at);
  }
  walk(inputs, [...path, 'inputs'], (p, source) => checkInputTemplate(p, source, webhook, sink));
}

function walk(v: unknown, p: ValuePath, visit: (p: ValuePath, s: string) => void): void {
  if (typeof v === 'string') visit(p, v);
  else if (Array.isArray(v)) v.forEach((x, i) => walk(x, p.concat(i), visit));
  else if (isObj(v)) for (const k of Object.keys(v)) walk(v[k], p.concat(k), visit);
}

/** One string of a trigger's inputs: its syntax, filters, tests, calls, and the names it reads. */
function checkInputTemplate(path: ValuePath, source: string, webhook: boolean, sink: FindingSink): void {
  if (!hasTemplateSyntax(source) || isAutoTag(source)) return;
  const parsed = sink.parsed;
  const offsets = stringOffsets(parsed, path, source);
  const docStart = (s: number) => (offsets === null ? spanOf(parsed, path)?.start ?? 0 : offsetAt(offsets, Math.min(s, source.length)));
  const docEnd = (s: number, e: number) => (offsets === null ? spanOf(parsed, path)?.end ?? 0 : e > s ? offsetAt(offsets, Math.min(e - 1, source.length)) + 1 : docStart(s));
  const at = (code: Parameters<FindingSink['atOffsets']>[0], message: string, s: number, e: number, suggestions: string[] = [], guarded = false) =>
    sink.atOffsets(code, message, docStart(s), Math.max(docEnd(s, e), docStart(s) + 1), path, { suggestions, ...(guarded ? { severity: 'warning' as const } : {}) });
  let refs;
  try {
    refs = referencesOf(source, 'template');
  } catch (e) {
    if (!(e instanceof TemplateSyntaxError)) throw e;
    at('template.syntax', `Template syntax error: ${e.message}.`, Math.min(e.start, source.length), Math.min(Math.max(e.end, e.start + 1), source.length));
    return;
  }
  for (const f of refs.filters) {
    if (FILTERS[f.name]) continue;
    const suggestions = suggest(f.name, Object.keys(FILTERS));
    at('template.unknown-filter', `Unknown filter '${f.name}'.${didYouMean(suggestions)}`, f.start, f.end, suggestions);
  }
  for (const t of refs.tests) {
    if (TESTS[t.name]) continue;
    const suggestions = suggest(t.name, Object.keys(TESTS));
    at('template.unknown-test', `Unknown test '${t.name}'.${didYouMean(suggestions)}`, t.start, t.end, suggestions);
  }
  for (const c of refs.calls) {
    if (BUILTIN_FUNCTIONS.includes(c.name)) continue;
    const suggestions = suggest(c.name, BUILTIN_FUNCTIONS);
    at('template.unknown-function', `'${c.name}' is not a function: templates can call range() and dict(), and methods of strings, lists and mappings.${didYouMean(suggestions)}`, c.start, c.end, suggestions);
  }
  for (const ref of refs.names) checkName(ref, webhook, at);
}

function checkName(ref: NameRef, webhook: boolean, at: (code: 'template.unknown-name', message: string, s: number, e: number, suggestions?: string[], guarded?: boolean) => unknown): void {
  if (ref.name === REQUEST_NAME && webhook) {
    const field = ref.chain[0];
    if (field && !REQUEST_FIELDS.includes(String(field.key))) {
      const suggestions = suggest(String(field.key), REQUEST_FIELDS);
      at('template.unknown-name', `'request' has no field '${field.key}': it has ${REQUEST_FIELDS.join(', ')}.${didYouMean(suggestions)}`, field.start, field.end, suggestions, ref.guarded);
    }
    return;
  }
  if (ref.name === REQUEST_NAME) {
    at('template.unknown-name', "A cron trigger has no request: 'request' is in scope only in a webhook trigger's inputs.", ref.start, ref.end, [], ref.guarded);
    return;
  }
  const scope = webhook ? "only 'request' (its body, headers and query) is in scope here" : 'a cron trigger\'s inputs are rendered before the run, with no names in scope';
  const suggestions = webhook ? suggest(ref.name, [REQUEST_NAME]) : [];
  at('template.unknown-name', `Unknown name '${ref.name}' in a trigger's inputs: ${scope}; parameters and steps do not exist until the run starts.${didYouMean(suggestions)}`, ref.start, ref.end, suggestions, ref.guarded);
}
