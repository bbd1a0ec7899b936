// The data tool: parse and convert JSON, CSV and YAML; filter, map, sort, group and aggregate
// lists of records. Expressions (`where`, `expression`) are template expressions over `item`.
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { parseDocument as parseYamlDocument, stringify as stringifyYaml } from 'yaml';
import { evaluate, scopeOf, truthy } from '../template/index';
import type { ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { ToolError } from '../toolkit/runtime';
import { TOOL_SPECS } from '../toolkit/toolSpecs';
import { tooDeepAt, tooDeepMessage } from '../parse/nestingDepth';

function list(v: unknown, name = 'data'): unknown[] {
  if (!Array.isArray(v)) throw new ToolError(`'${name}' must be a list, got ${v === null ? 'none' : typeof v}`, 'TypeError');
  return v;
}

export function field(item: unknown, path: string): unknown {
  let cur = item;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function cmp(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/** Records grouped by a field's value (keys as text; a record without the field goes under 'null'). */
function groupBy(rows: unknown[], by: string): Record<string, unknown[]> {
  const groups: Record<string, unknown[]> = {};
  for (const item of rows) {
    const key = String(field(item, by) ?? 'null');
    if (!Object.prototype.hasOwnProperty.call(groups, key)) Object.defineProperty(groups, key, { value: [], enumerable: true, writable: true });
    groups[key].push(item);
  }
  return groups;
}

export function parse(content: string, format: string): unknown {
  try {
    if (format === 'json') return JSON.parse(content);
    // prettyErrors off: its error snippet can exhaust memory on deeply nested input
    if (format === 'yaml') {
      // known tags off: `!!binary`, `!!set`, `!!timestamp` would become bytes, a Set or a Date
      // uniqueKeys off: the parser's duplicate check is quadratic in a mapping's keys (a later key wins, as in Python)
      // nested so deep that the parser would abort the process (engine/parse/nestingDepth.ts)
      if (tooDeepAt(content) >= 0) throw new Error(tooDeepMessage());
      const doc = parseYamlDocument(content, { prettyErrors: false, resolveKnownTags: false, logLevel: 'error', uniqueKeys: false });
      if (doc.errors.length) throw doc.errors[0];
      const tag = doc.warnings.map((w) => /tag:yaml\.org,2002:(\w+)/.exec(w.message)?.[1]).find(Boolean);
      if (tag) throw new Error(`the tag '!!${tag}' is not supported (the data would not be plain data)`);
      return doc.toJS({ maxAliasCount: 1000 });
    }
    if (format === 'csv') return parseCsv(content, { columns: true, skip_empty_lines: true, trim: true });
  } catch (e) {
    throw new ToolError(`Could not parse the ${format}: ${(e as Error).message.split('\n')[0]}`, 'ParseError');
  }
  throw new ToolError(`Unknown format '${format}': use json, csv or yaml`, 'ValueError');
}

export function convert(data: unknown, format: string): string {
  if (format === 'json') return JSON.stringify(data, null, 2);
  if (format === 'yaml') return stringifyYaml(data);
  if (format === 'csv') {
    const rows = list(data);
    const columns = [...new Set(rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : [])))];
    return stringifyCsv(rows as Record<string, unknown>[], { header: true, columns });
  }
  throw new ToolError(`Unknown format '${format}': use json, csv or yaml`, 'ValueError');
}

function aggregate(rows: unknown[], fieldName: string | undefined, ops: string[]): Record<string, number | null> {
  const values = fieldName ? rows.map((r) => field(r, fieldName)).filter((v): v is number => typeof v === 'number') : [];
  const out: Record<string, number | null> = {};
  for (const op of ops) {
    if (op === 'count') out.count = rows.length;
    else if (!fieldName) throw new ToolError(`'${op}' needs a 'field'`, 'ValueError');
    else if (op === 'sum') out.sum = values.reduce((a, b) => a + b, 0);
    else if (op === 'avg') out.avg = values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    else if (op === 'min') out.min = values.length ? Math.min(...values) : null;
    else if (op === 'max') out.max = values.length ? Math.max(...values) : null;
    else throw new ToolError(`Unknown operation '${op}': use count, sum, avg, min, max`, 'ValueError');
  }
  return out;
}

async function run(action: string, p: Record<string, unknown>): Promise<ToolOutcome> {
  switch (action) {
    case 'parse':
      if (typeof p.content !== 'string') throw new ToolError("'content' must be text", 'TypeError');
      return { success: true, result: { data: parse(p.content, String(p.format)) } };
    case 'convert':
      return { success: true, result: { content: convert(p.data, String(p.format)) } };
    case 'filter': {
      const where = String(p.where);
      const data = list(p.data).filter((item) => truthy(evaluate(where, scopeOf({ item }))));
      return { success: true, result: { data, count: data.length } };
    }
    case 'map': {
      const expression = String(p.expression);
      const data = list(p.data).map((item) => evaluate(expression, scopeOf({ item })));
      return { success: true, result: { data, count: data.length } };
    }
    case 'sort': {
      const by = typeof p.by === 'string' ? p.by : null;
      const data = [...list(p.data)].sort((a, b) => cmp(by ? field(a, by) : a, by ? field(b, by) : b));
      if (p.reverse === true) data.reverse();
      return { success: true, result: { data, count: data.length } };
    }
    case 'group': {
      const groups = groupBy(list(p.data), String(p.by));
      return { success: true, result: { groups, count: Object.keys(groups).length } };
    }
    case 'aggregate': {
      const fieldName = typeof p.field === 'string' ? p.field : undefined;
      // without a field only a count makes sense; operations asked for explicitly are checked
      const ops = Array.isArray(p.operations) ? p.operations.map(String) : fieldName ? ['count', 'sum', 'avg', 'min', 'max'] : ['count'];
      const rows = list(p.data);
      if (typeof p.by === 'string') {
        const groups = groupBy(rows, p.by);
        return { success: true, result: { result: Object.fromEntries(Object.entries(groups).map(([k, g]) => [k, aggregate(g, fieldName, ops)])) } };
      }
      return { success: true, result: { result: aggregate(rows, fieldName, ops) } };
    }
  }
  throw new ToolError(`data has no action '${action}'`, 'ValueError');
}

export const dataTool: ToolDefinition = { spec: TOOL_SPECS.data, run };
