// The data-processing tool (ContextLab's): convert, filter, aggregate, transform, profile, pivot,
// clean and merge lists of records. Data comes as data, as JSON/CSV/YAML text, or as a file inside
// the workspace; it is read and written with the data tool's parser and writers. Every action's
// result has `processed_data`.
import { promises as fs } from 'node:fs';
import { cmp, convert, field, parse } from './data';
import { dataProcessingSpec } from '../toolkit/specs/dataProcessing';
import { resolvePath } from './filesystem';
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { ToolError } from '../toolkit/runtime';
import { evaluate, scopeOf, truthy } from '../template/index';

type Rec = Record<string, unknown>;
const FORMATS = ['json', 'csv', 'yaml'];
/** The largest data file read. */
export const MAX_DATA_FILE_BYTES = 64 * 1024 * 1024;
/** The most records a join may produce. */
const MAX_JOIN_ROWS = 1_000_000;

const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: Rec, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const bad = (message: string) => new ToolError(message, 'ValueError');

/** Python's name for what the data is (ContextLab reports `original_type`). */
function pyType(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return 'dict';
}

/** A number, from a number or text such as `1,200` or `$3.50`; null otherwise. */
export function numeric(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const t = v.replace(/[,$]/g, '').trim();
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : null;
}

const missing = (v: unknown) => v === undefined || v === null || v === '' || (typeof v === 'number' && Number.isNaN(v));

/** Equal, with CSV's text matching a number or true/false written the same way. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && (typeof b === 'number' || typeof b === 'boolean')) return a === String(b);
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

function looksLikeCsv(s: string): boolean {
  const t = s.trim();
  if (!t || t.startsWith('{') || t.startsWith('[')) return false;
  const lines = t.split('\n');
  const n = (lines[0].match(/,/g) ?? []).length;
  if (!n) return false;
  return lines.slice(1, 3).every((l) => !l.trim() || Math.abs((l.match(/,/g) ?? []).length - n) <= 1);
}

function formatOf(v: unknown, name: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !FORMATS.includes(v.toLowerCase())) throw bad(`Unknown ${name} '${String(v)}': use json, csv or yaml`);
  return v.toLowerCase();
}

function parseText(text: string, format: string): unknown {
  const fmt = format === 'json' && looksLikeCsv(text) ? 'csv' : format;
  if (!text.trim()) return [];
  try {
    return parse(text, fmt);
  } catch (e) {
    throw bad(`Could not parse the data as ${fmt}: ${(e as Error).message.replace(/^Could not parse the \w+: /, '')}`);
  }
}

/** A single-line text that may name a file. */
const pathLike = (s: string) => s.length < 4096 && !/[\n{[]/.test(s) && /[/\\.]/.test(s) && !s.includes(',');

/** The data an action works on: given as data, as text in a format, or as a file inside the workspace. */
async function readData(p: Rec, ctx: ToolContext): Promise<unknown> {
  let v = p.data ?? p.input_data;
  if (v === undefined || v === null) throw bad("No data: give 'data' (or 'input_data')");
  // a whole earlier data-processing result (`{{ step.result }}`) stands for its processed data
  if (isRec(v) && has(v, 'processed_data') && typeof v.action === 'string') v = v.processed_data;
  if (typeof v !== 'string') return v;
  const format = formatOf(p.input_format, 'input_format') ?? formatOf(p.format, 'format') ?? 'json';
  const given = v.trim();
  if (pathLike(given)) {
    const { real } = resolvePath(given, ctx);
    const st = await fs.stat(real).catch(() => null);
    if (st?.isFile()) {
      if (st.size > MAX_DATA_FILE_BYTES) throw bad(`The data file ${given} is ${st.size} bytes; the most read is ${MAX_DATA_FILE_BYTES}`);
      const ext = /\.(json|csv|ya?ml)$/i.exec(given)?.[1].toLowerCase();
      return parseText(await fs.readFile(real, 'utf8'), ext ? (ext === 'yml' ? 'yaml' : ext) : format);
    }
  }
  return parseText(v, format);
}

function outFormat(p: Rec): string {
  return formatOf(p.output_format, 'output_format') ?? formatOf(p.input_format, 'input_format') ?? formatOf(p.format, 'format') ?? 'json';
}

function records(data: unknown, action: string): Rec[] {
  if (!Array.isArray(data)) throw bad(`${action} needs a list of records, got ${pyType(data)}`);
  return data.map((r, i) => {
    if (!isRec(r)) throw bad(`${action} needs a list of records: item ${i + 1} is ${pyType(r)}`);
    return r;
  });
}

function csvText(data: unknown): string {
  if (isRec(data)) return convert([data], 'csv');
  if (!Array.isArray(data)) throw bad(`CSV holds a list of records, not ${pyType(data)}`);
  return data.length ? convert(data, 'csv') : '';
}

/** Records as the output format asks: csv or yaml text, or the data itself (json). */
function shaped(data: unknown, fmt: string): unknown {
  if (fmt === 'csv') return csvText(data);
  if (fmt === 'yaml') return convert(data, 'yaml');
  return data;
}

/** As `shaped`, with json as text too (convert and transform return text). */
function asText(data: unknown, fmt: string): string {
  if (fmt === 'json') return typeof data === 'string' ? data : JSON.stringify(data, null, 2);
  return shaped(data, fmt) as string;
}

function columnsOf(rows: Rec[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function names(v: unknown, name: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw bad(`'${name}' must be a column name or a list of them`);
}

function opObject(p: Rec): Rec {
  if (p.operation === undefined || p.operation === null) return {};
  if (!isRec(p.operation)) throw bad("'operation' must be a mapping");
  return p.operation;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stdev = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
/** The q-th quantile with linear interpolation (pandas' default). */
const quantile = (sorted: number[], q: number) => {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return lo + 1 < sorted.length ? sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - lo) : sorted[lo];
};

const AGG_FUNCTIONS: Record<string, string> = { sum: 'sum', total: 'sum', avg: 'avg', mean: 'avg', average: 'avg', count: 'count', count_distinct: 'count_distinct', min: 'min', max: 'max', median: 'median' };

function aggregateValues(rows: Rec[], column: string, fn: string): number | null {
  const having = rows.filter((r) => has(r, column));
  if (fn === 'count') return having.length;
  if (fn === 'count_distinct') return new Set(having.map((r) => r[column]).filter((v) => !missing(v)).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))).size;
  const nums = having.map((r) => numeric(r[column])).filter((v): v is number => v !== null);
  if (!nums.length) return null;
  if (fn === 'sum') return nums.reduce((a, b) => a + b, 0);
  if (fn === 'avg') return mean(nums);
  if (fn === 'min') return Math.min(...nums);
  if (fn === 'max') return Math.max(...nums);
  return median(nums);
}

/** Records grouped by the values of some columns, groups in the order they first appear. */
function groups(rows: Rec[], by: string[]): { key: Rec; rows: Rec[] }[] {
  const out = new Map<string, { key: Rec; rows: Rec[] }>();
  for (const r of rows) {
    const vals = by.map((c) => field(r, c) ?? null);
    const k = JSON.stringify(vals.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
    let g = out.get(k);
    if (!g) out.set(k, (g = { key: Object.fromEntries(by.map((c, i) => [c, vals[i]])), rows: [] }));
    g.rows.push(r);
  }
  return [...out.values()];
}

function aggregateAction(data: unknown, p: Rec): Rec {
  const op = opObject(p);
  const by = names(p.group_by ?? op.group_by, 'group_by');
  const aggs = p.aggregations ?? op.aggregations ?? {};
  if (!isRec(aggs)) throw bad("'aggregations' must be a mapping of names to {column, function} or to a function");
  const specs = Object.entries(aggs).map(([name, s]) => {
    const legacy = typeof s === 'string';
    if (!legacy && !isRec(s)) throw bad(`Aggregation '${name}' must be a function name or {column, function}`);
    const fnName = legacy ? s : String(s.function ?? 'sum');
    const fn = AGG_FUNCTIONS[fnName];
    if (!fn) throw bad(`Aggregation '${name}': unknown function '${fnName}': use sum, avg, mean, count, count_distinct, min, max or median`);
    const column = legacy ? name : String(s.column ?? name);
    return { name, legacy, fnName, fn, column };
  });
  const rows = records(data, 'aggregate');
  if (!by.length) {
    const out: Rec = {};
    for (const s of specs) out[s.legacy ? `${s.name}_${s.fnName}` : s.name] = aggregateValues(rows, s.column, s.fn);
    return { action: 'aggregate', processed_data: { count: rows.length, aggregations: out }, row_count: 1 };
  }
  const result = groups(rows, by).map((g) => ({ ...g.key, ...Object.fromEntries(specs.map((s) => [s.name, aggregateValues(g.rows, s.column, s.fn)])) }));
  return { action: 'aggregate', processed_data: shaped(result, outFormat(p)), row_count: result.length };
}

/** `DATE_FORMAT(column, '%Y-%m')` over dates written `YYYY-MM-DD[ HH:MM:SS]`. */
function dateFormat(value: unknown, format: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(String(value ?? ''));
  if (!m) return null;
  const parts: Record<string, string> = { Y: m[1], m: m[2], d: m[3], H: m[4] ?? '00', M: m[5] ?? '00', S: m[6] ?? '00', y: m[1].slice(2), '%': '%' };
  return format.replace(/%([YmdHMSy%])/g, (_, c: string) => parts[c]);
}

const TRANSFORMS = ['filter', 'rename_fields', 'add_field', 'deduplicate', 'cast', 'fill_missing', 'calculate', 'normalize', 'sort', 'select', 'aggregate'];

function transformAction(data: unknown, p: Rec): Rec {
  const op = opObject(p);
  const ops = p.operations ?? op.transformations ?? op.operations ?? (typeof op.type === 'string' ? [op] : []);
  if (!Array.isArray(ops)) throw bad("'operations' must be a list of {type, ...}");
  let cur: unknown = structuredClone(data);
  const list = (t: string): Rec[] => records(Array.isArray(cur) ? cur : isRec(cur) && Array.isArray(cur.records) ? cur.records : cur, `transform '${t}'`);
  const setList = (rows: Rec[]) => {
    cur = !Array.isArray(cur) && isRec(cur) && Array.isArray(cur.records) ? { ...cur, records: rows } : rows;
  };
  ops.forEach((o, i) => {
    if (!isRec(o) || typeof o.type !== 'string') throw bad(`Operation ${i + 1} must be a mapping with a 'type'`);
    const t = o.type;
    switch (t) {
      case 'filter': {
        if (typeof o.condition === 'string') {
          const cond = o.condition;
          setList(
            list(t).filter((r, n) => {
              try {
                return truthy(evaluate(cond, scopeOf({ ...r, item: r })));
              } catch (e) {
                throw bad(`filter condition '${cond}' on record ${n + 1}: ${(e as Error).message}`);
              }
            }),
          );
        } else {
          if (typeof o.field !== 'string') throw bad("A filter operation needs 'field' and 'value', or a 'condition'");
          const f = o.field;
          setList(list(t).filter((r) => same(field(r, f), o.value)));
        }
        break;
      }
      case 'rename_fields': {
        if (!isRec(o.mapping)) throw bad("rename_fields needs a 'mapping' of old to new names");
        const m = o.mapping;
        const rename = (r: Rec) => Object.fromEntries(Object.entries(r).map(([k, v]) => [has(m, k) ? String(m[k]) : k, v]));
        if (isRec(cur) && !Array.isArray(cur.records)) cur = rename(cur);
        else setList(list(t).map(rename));
        break;
      }
      case 'add_field': {
        if (typeof o.field !== 'string') throw bad("add_field needs a 'field'");
        const f = o.field;
        if (isRec(cur) && !Array.isArray(cur.records)) cur = { ...cur, [f]: o.value ?? '' };
        else setList(list(t).map((r) => ({ ...r, [f]: o.value ?? '' })));
        break;
      }
      case 'deduplicate': {
        const rows = list(t);
        const cols = o.columns === undefined ? columnsOf(rows) : names(o.columns, 'columns');
        const keyOf = (r: Rec) => JSON.stringify(cols.map((c) => r[c] ?? null));
        if (o.keep === 'last') {
          const last = new Map<string, number>();
          rows.forEach((r, n) => last.set(keyOf(r), n));
          setList(rows.filter((r, n) => last.get(keyOf(r)) === n));
        } else {
          const seen = new Set<string>();
          setList(rows.filter((r) => (seen.has(keyOf(r)) ? false : (seen.add(keyOf(r)), true))));
        }
        break;
      }
      case 'cast': {
        if (!isRec(o.columns)) throw bad("cast needs 'columns': {column: integer|float|string|boolean|datetime}");
        const casts = Object.entries(o.columns).map(([c, ty]) => {
          if (!['integer', 'int', 'float', 'number', 'string', 'str', 'boolean', 'bool', 'datetime', 'date'].includes(String(ty))) throw bad(`cast '${c}': unknown type '${String(ty)}': use integer, float, string, boolean or datetime`);
          return [c, String(ty)] as const;
        });
        setList(
          list(t).map((r) => {
            const out = { ...r };
            for (const [c, ty] of casts) {
              if (!has(out, c)) continue;
              const v = out[c];
              if (ty === 'integer' || ty === 'int' || ty === 'float' || ty === 'number') {
                const n = missing(v) || v === false ? 0 : v === true ? 1 : numeric(v);
                if (n !== null) out[c] = ty === 'integer' || ty === 'int' ? Math.trunc(n) : n;
              } else if (ty === 'boolean' || ty === 'bool') out[c] = typeof v === 'string' ? ['true', '1', 'yes', 'y'].includes(v.trim().toLowerCase()) : Boolean(v);
              else out[c] = v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v);
            }
            return out;
          }),
        );
        break;
      }
      case 'fill_missing': {
        if (!isRec(o.strategy)) throw bad("fill_missing needs a 'strategy': {column: value}");
        const s = o.strategy;
        setList(list(t).map((r) => ({ ...r, ...Object.fromEntries(Object.entries(s).filter(([c]) => missing(r[c]))) })));
        break;
      }
      case 'calculate': {
        if (!isRec(o.expressions)) throw bad("calculate needs 'expressions': {new_column: expression}");
        const exprs = Object.entries(o.expressions).map(([c, e]) => [c, String(e)] as const);
        setList(
          list(t).map((r, n) => {
            const out = { ...r };
            for (const [c, e] of exprs) {
              const date = /^\s*DATE_FORMAT\(\s*(\w+)\s*,\s*'([^']*)'\s*\)\s*$/.exec(e);
              if (date) {
                out[c] = dateFormat(out[date[1]], date[2]);
                continue;
              }
              // numbers written as text (CSV) count as numbers
              const scope = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, numeric(v) ?? v]));
              try {
                out[c] = evaluate(e, scopeOf({ ...scope, item: out }));
              } catch (x) {
                throw bad(`calculate '${c}' = ${e} on record ${n + 1}: ${(x as Error).message}`);
              }
            }
            return out;
          }),
        );
        break;
      }
      case 'normalize': {
        const rows = list(t);
        const method = String(o.method ?? 'min-max');
        if (!['min-max', 'minmax', 'z-score', 'zscore'].includes(method)) throw bad(`normalize: unknown method '${method}': use min-max or z-score`);
        const cols = o.columns === undefined ? columnsOf(rows).filter((c) => rows.some((r) => !missing(r[c])) && rows.every((r) => missing(r[c]) || numeric(r[c]) !== null)) : names(o.columns, 'columns');
        const out = rows.map((r) => ({ ...r }));
        for (const c of cols) {
          const nums = rows.map((r) => numeric(r[c])).filter((v): v is number => v !== null);
          if (!nums.length) continue;
          const [lo, hi, m] = [Math.min(...nums), Math.max(...nums), mean(nums)];
          const sd = nums.length > 1 ? stdev(nums) : 0;
          for (const r of out) {
            const v = numeric(r[c]);
            if (v === null) continue;
            r[c] = method.startsWith('z') ? (sd ? (v - m) / sd : 0) : hi > lo ? (v - lo) / (hi - lo) : 0;
          }
        }
        setList(out);
        break;
      }
      case 'sort': {
        const by = names(o.by, 'by');
        const rows = [...list(t)].sort((a, b) => {
          for (const c of by) {
            const d = cmp(field(a, c), field(b, c));
            if (d) return d;
          }
          return 0;
        });
        if (o.reverse === true) rows.reverse();
        setList(rows);
        break;
      }
      case 'select': {
        const cols = names(o.columns, 'columns');
        setList(list(t).map((r) => Object.fromEntries(cols.filter((c) => has(r, c)).map((c) => [c, r[c]]))));
        break;
      }
      case 'aggregate': {
        const rows = list(t);
        const fnName = String(o.operation ?? 'sum');
        const fn = AGG_FUNCTIONS[fnName];
        if (!fn || typeof o.field !== 'string') throw bad("An aggregate operation needs 'field' and 'operation': sum, avg, count, min, max or median");
        cur = { filtered_records: rows, aggregation: { operation: fnName, field: o.field, result: aggregateValues(rows, o.field, fn) } };
        break;
      }
      default:
        throw bad(`Unknown transform operation '${t}': use ${TRANSFORMS.join(', ')}`);
    }
  });
  const fmt = outFormat(p);
  const processed = fmt !== 'json' && !Array.isArray(cur) ? JSON.stringify(cur, null, 2) : asText(cur, fmt);
  return { action: 'transform', processed_data: processed, transformations: ops, row_count: Array.isArray(cur) ? cur.length : null };
}

const PROFILE_OPTIONS = ['missing_values', 'data_types', 'statistical_summary', 'outlier_detection', 'duplicate_detection'];

function profileAction(data: unknown, p: Rec): Rec {
  const rows = records(data, 'profile');
  const opts = p.profiling_options === undefined || p.profiling_options === null ? [] : names(p.profiling_options, 'profiling_options');
  for (const o of opts) if (!PROFILE_OPTIONS.includes(o)) throw bad(`Unknown profiling option '${o}': use ${PROFILE_OPTIONS.join(', ')}`);
  const on = (o: string) => !opts.length || opts.includes(o);
  if (!rows.length) return { action: 'profile', processed_data: { row_count: 0, column_count: 0, columns: {}, message: 'No data to profile' } };
  const cols = Object.keys(rows[0]);
  const columns: Rec = {};
  for (const c of cols) {
    const values = rows.map((r) => r[c]);
    const prof: Rec = { name: c };
    if (on('missing_values')) {
      const n = values.filter((v) => missing(v) || v === 'null').length;
      prof.missing_count = n;
      prof.missing_percentage = (n / values.length) * 100;
    }
    if (on('data_types')) {
      const nums = values.filter((v) => !missing(v)).map(numeric).filter((v): v is number => v !== null);
      const dates = values.filter((v) => typeof v === 'string' && /[-/]/.test(v)).length;
      prof.data_type = nums.length > values.length * 0.8 ? 'numeric' : dates > values.length * 0.8 ? 'date' : 'string';
      if (on('statistical_summary') && nums.length) {
        prof.min = Math.min(...nums);
        prof.max = Math.max(...nums);
        prof.mean = mean(nums);
        if (nums.length > 1) {
          prof.median = median(nums);
          prof.std_dev = stdev(nums);
        }
        if (on('outlier_detection') && nums.length > 3) {
          const s = [...nums].sort((a, b) => a - b);
          const [q1, q3] = [s[s.length >> 2], s[(3 * s.length) >> 2]];
          const iqr = q3 - q1;
          const n = nums.filter((v) => v < q1 - 1.5 * iqr || v > q3 + 1.5 * iqr).length;
          prof.outlier_count = n;
          prof.outlier_percentage = (n / nums.length) * 100;
        }
      }
    }
    const unique = new Set(values.filter((v) => !missing(v)).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
    prof.unique_count = unique.size;
    prof.unique_percentage = (unique.size / values.length) * 100;
    columns[c] = prof;
  }
  const out: Rec = { row_count: rows.length, column_count: cols.length, columns };
  if (on('duplicate_detection')) {
    const keys = rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => r[k])));
    const dup = keys.length - new Set(keys).size;
    out.duplicate_rows = dup;
    out.duplicate_percentage = (dup / rows.length) * 100;
  }
  return { action: 'profile', processed_data: out };
}

function pivotAction(data: unknown, p: Rec): Rec {
  const index = names(p.index, 'index');
  const colCols = names(p.columns, 'columns');
  const values = names(p.values, 'values');
  if (!index.length || !values.length) throw bad("pivot needs 'index' and 'values'");
  const aggfunc = String(p.aggfunc ?? 'sum');
  const fns: Record<string, (xs: number[]) => number> = { sum: (xs) => xs.reduce((a, b) => a + b, 0), mean, count: (xs) => xs.length, min: (xs) => Math.min(...xs), max: (xs) => Math.max(...xs) };
  if (!fns[aggfunc]) throw bad(`Unknown aggfunc '${aggfunc}': use sum, mean, count, min or max`);
  const fill = p.fill_value === undefined ? 0 : p.fill_value;
  const rows = records(data, 'pivot');
  const colKey = (r: Rec) => (colCols.length ? colCols.map((c) => String(field(r, c) ?? '')).join('_') : null);
  const colKeys = [...new Set(rows.map(colKey))];
  const result = groups(rows, index).map((g) => {
    const row: Rec = { ...g.key };
    for (const ck of colKeys) {
      for (const v of values) {
        const name = ck === null ? v : values.length === 1 ? ck : `${ck}_${v}`;
        const nums = g.rows.filter((r) => colKey(r) === ck).map((r) => numeric(field(r, v))).filter((x): x is number => x !== null);
        row[name] = nums.length ? fns[aggfunc](nums) : fill;
      }
    }
    return row;
  });
  return { action: 'pivot', processed_data: shaped(result, outFormat(p)), row_count: result.length };
}

function cleanAction(data: unknown, p: Rec): Rec {
  let rows = records(isRec(data) ? [data] : data, 'clean').map((r) => ({ ...r }));
  const cols = columnsOf(rows);
  const before = { rows: rows.length, columns: cols.length };
  if (p.remove_duplicates !== false) {
    const seen = new Set<string>();
    rows = rows.filter((r) => {
      const k = JSON.stringify(cols.map((c) => r[c] ?? null));
      return seen.has(k) ? false : (seen.add(k), true);
    });
  }
  const numericCols = cols.filter((c) => rows.some((r) => !missing(r[c])) && rows.every((r) => missing(r[c]) || numeric(r[c]) !== null));
  const how = String(p.handle_missing ?? 'drop');
  if (how === 'drop') rows = rows.filter((r) => cols.every((c) => !missing(r[c])));
  else if (how === 'forward_fill' || how === 'backward_fill') {
    const order = how === 'forward_fill' ? rows : [...rows].reverse();
    for (const c of cols) {
      let last: unknown;
      for (const r of order) {
        if (!missing(r[c])) last = r[c];
        else if (last !== undefined) r[c] = last;
      }
    }
  } else if (how === 'mean') {
    for (const c of numericCols) {
      const nums = rows.map((r) => numeric(r[c])).filter((v): v is number => v !== null);
      for (const r of rows) if (missing(r[c])) r[c] = mean(nums);
    }
  } else if (how === 'interpolate') {
    for (const c of numericCols) {
      const known = rows.map((r, i) => [i, numeric(r[c])] as const).filter((x): x is readonly [number, number] => x[1] !== null);
      rows.forEach((r, i) => {
        if (!missing(r[c])) return;
        const prev = [...known].reverse().find(([j]) => j < i);
        const next = known.find(([j]) => j > i);
        // leading gaps stay; trailing gaps take the last value (pandas' linear interpolation)
        if (prev && next) r[c] = prev[1] + ((next[1] - prev[1]) * (i - prev[0])) / (next[0] - prev[0]);
        else if (prev) r[c] = prev[1];
      });
    }
  } else if (how !== 'none') throw bad(`Unknown handle_missing '${how}': use drop, forward_fill, backward_fill, interpolate, mean or none`);
  if (p.remove_outliers === true) {
    for (const c of numericCols) {
      const nums = rows.map((r) => numeric(r[c])).filter((v): v is number => v !== null).sort((a, b) => a - b);
      if (!nums.length) continue;
      const [q1, q3] = [quantile(nums, 0.25), quantile(nums, 0.75)];
      const [lo, hi] = [q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)];
      rows = rows.filter((r) => {
        const v = numeric(r[c]);
        return v === null || (v >= lo && v <= hi);
      });
    }
  }
  return {
    action: 'clean',
    processed_data: shaped(rows, outFormat(p)),
    original_shape: before,
    cleaned_shape: { rows: rows.length, columns: columnsOf(rows).length },
    rows_removed: before.rows - rows.length,
  };
}

/** A dataset's records: a list, one record, a mapping of columns to equal-length lists, or text. */
function datasetRows(v: unknown, name: string): Rec[] | null {
  if (typeof v === 'string') v = parseText(v, 'json');
  if (Array.isArray(v)) return v.map((r) => (isRec(r) ? r : { value: r }));
  if (!isRec(v)) return null;
  const vals = Object.values(v);
  if (!vals.length) return [];
  if (vals.every((x) => Array.isArray(x))) {
    const n = (vals[0] as unknown[]).length;
    if (!vals.every((x) => (x as unknown[]).length === n)) throw bad(`Dataset '${name}': its columns are lists of different lengths`);
    return Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(v as Rec).map(([k, x]) => [k, (x as unknown[])[i]])));
  }
  return [v];
}

function join(left: Rec[], right: Rec[], on: string | null, how: string): Rec[] {
  const lc = columnsOf(left);
  const rc = columnsOf(right);
  const both = new Set(lc.filter((c) => c !== on && rc.includes(c)));
  const rename = (r: Rec, suffix: string) => Object.fromEntries(Object.entries(r).map(([k, v]) => [both.has(k) ? `${k}${suffix}` : k, v]));
  const out: Rec[] = [];
  const push = (r: Rec) => {
    if (out.length >= MAX_JOIN_ROWS) throw bad(`The join gives more than ${MAX_JOIN_ROWS} records`);
    out.push(r);
  };
  if (on === null) {
    const n = how === 'inner' ? Math.min(left.length, right.length) : how === 'left' ? left.length : how === 'right' ? right.length : Math.max(left.length, right.length);
    for (let i = 0; i < n; i++) push({ ...(left[i] ? rename(left[i], '_x') : {}), ...(right[i] ? rename(right[i], '_y') : {}) });
    return out;
  }
  const key = (r: Rec) => (has(r, on) ? JSON.stringify(r[on]) : null);
  const index = new Map<string, Rec[]>();
  for (const r of right) {
    const k = key(r);
    if (k !== null) index.set(k, [...(index.get(k) ?? []), r]);
  }
  const matched = new Set<Rec>();
  if (how === 'right') {
    const lindex = new Map<string, Rec[]>();
    for (const l of left) {
      const k = key(l);
      if (k !== null) lindex.set(k, [...(lindex.get(k) ?? []), l]);
    }
    for (const r of right) {
      const ls = lindex.get(key(r) ?? '') ?? [];
      if (!ls.length) push(rename(r, '_y'));
      for (const l of ls) push({ ...rename(l, '_x'), ...rename(r, '_y') });
    }
    return out;
  }
  for (const l of left) {
    const rs = index.get(key(l) ?? '') ?? [];
    for (const r of rs) {
      matched.add(r);
      push({ ...rename(l, '_x'), ...rename(r, '_y') });
    }
    if (!rs.length && how !== 'inner') push(rename(l, '_x'));
  }
  if (how === 'outer') for (const r of right) if (!matched.has(r)) push(rename(r, '_y'));
  return out;
}

function mergeAction(p: Rec): Rec {
  const datasets = p.datasets;
  if (!Array.isArray(datasets) || !datasets.length) throw bad("No datasets to merge: give 'datasets' as a list of {name, data}");
  const strategy = String(p.merge_strategy ?? 'combine');
  if (!['combine', 'concat', 'join'].includes(strategy)) throw bad(`Unknown merge_strategy '${strategy}': use combine, concat or join`);
  const how = String(p.join_type ?? 'inner');
  if (!['inner', 'outer', 'left', 'right'].includes(how)) throw bad(`Unknown join_type '${how}': use inner, outer, left or right`);
  const on = typeof p.join_on === 'string' && p.join_on ? p.join_on : null;
  const sets: Rec[][] = [];
  datasets.forEach((d, i) => {
    if (!isRec(d)) throw bad(`Dataset ${i + 1} must be a mapping {name, data}`);
    const name = typeof d.name === 'string' ? d.name : `dataset_${i}`;
    const rows = datasetRows(d.data, name);
    if (rows === null) return;
    sets.push(strategy === 'combine' ? rows.map((r) => ({ ...r, _source: name })) : rows);
  });
  if (!sets.length) throw bad('No dataset has data to merge (each needs records, a record, or JSON/CSV text)');
  const merged = strategy === 'join' ? sets.slice(1).reduce((acc, s) => join(acc, s, on, how), sets[0]) : sets.flat();
  const columns = columnsOf(merged);
  const rows = merged.map((r) => Object.fromEntries(columns.map((c) => [c, has(r, c) ? r[c] : null])));
  return { action: 'merge', processed_data: rows, datasets_merged: sets.length, total_rows: rows.length, total_columns: columns.length, columns };
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  let out: Rec;
  switch (action) {
    case 'convert': {
      const data = await readData(p, ctx);
      const target = outFormat(p);
      out = { action, processed_data: asText(data, target), target_format: target, original_type: pyType(data) };
      break;
    }
    case 'filter': {
      const op = opObject(p);
      const criteria = op.criteria ?? {};
      if (!isRec(criteria)) throw bad("'operation.criteria' must be a mapping of fields to values");
      const data = await readData(p, ctx);
      const keep = (r: unknown) => !isRec(r) || Object.entries(criteria).every(([k, v]) => has(r, k) && same(r[k], v));
      const kept = Array.isArray(data) ? data.filter(keep) : keep(data) ? data : null;
      out = {
        action,
        processed_data: Array.isArray(kept) ? shaped(kept, outFormat(p)) : kept,
        criteria,
        original_count: Array.isArray(data) ? data.length : 1,
        filtered_count: Array.isArray(kept) ? kept.length : kept === null ? 0 : 1,
      };
      break;
    }
    case 'aggregate':
      out = aggregateAction(await readData(p, ctx), p);
      break;
    case 'transform':
      out = transformAction(await readData(p, ctx), p);
      break;
    case 'profile':
      out = profileAction(await readData(p, ctx), p);
      break;
    case 'pivot':
      out = pivotAction(await readData(p, ctx), p);
      break;
    case 'clean':
      out = cleanAction(await readData(p, ctx), p);
      break;
    case 'merge':
      out = mergeAction(p);
      break;
    default:
      throw bad(`data-processing has no action '${action}': use ${Object.keys(dataProcessingSpec.actions).join(', ')}`);
  }
  return { success: true, result: { success: true, ...out } };
}

export const dataProcessingTool: ToolDefinition = { spec: dataProcessingSpec, run };
