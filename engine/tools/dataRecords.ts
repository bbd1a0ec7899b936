// The records the data-processing tool works on: reading data in (given as data, as JSON/CSV/YAML
// text, or as a file inside the workspace), shaping it out in the asked format, and the helpers and
// statistics its actions share.
import { promises as fs } from 'node:fs';
import { convert, field, parse } from './data';
import { resolvePath } from './filesystem';
import type { ToolContext } from '../toolkit/runtime';
import { ToolError } from '../toolkit/runtime';

export type Rec = Record<string, unknown>;

export const FORMATS = ['json', 'csv', 'yaml'];
/** The largest data file read. */
export const MAX_DATA_FILE_BYTES = 64 * 1024 * 1024;

export const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);
export const has = (o: Rec, k: string) => Object.prototype.hasOwnProperty.call(o, k);
export const bad = (message: string) => new ToolError(message, 'ValueError');

/** Python's name for what the data is (ContextLab reports `original_type`). */
export function pyType(v: unknown): string {
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

export const missing = (v: unknown) => v === undefined || v === null || v === '' || (typeof v === 'number' && Number.isNaN(v));

/** Equal, with CSV's text matching a number or true/false written the same way. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && (typeof b === 'number' || typeof b === 'boolean')) return a === String(b);
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

export function looksLikeCsv(s: string): boolean {
  const t = s.trim();
  if (!t || t.startsWith('{') || t.startsWith('[')) return false;
  const lines = t.split('\n');
  const n = (lines[0].match(/,/g) ?? []).length;
  if (!n) return false;
  return lines.slice(1, 3).every((l) => !l.trim() || Math.abs((l.match(/,/g) ?? []).length - n) <= 1);
}

export function formatOf(v: unknown, name: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !FORMATS.includes(v.toLowerCase())) throw bad(`Unknown ${name} '${String(v)}': use json, csv or yaml`);
  return v.toLowerCase();
}

export function parseText(text: string, format: string): unknown {
  const fmt = format === 'json' && looksLikeCsv(text) ? 'csv' : format;
  if (!text.trim()) return [];
  try {
    return parse(text, fmt);
  } catch (e) {
    throw bad(`Could not parse the data as ${fmt}: ${(e as Error).message.replace(/^Could not parse the \w+: /, '')}`);
  }
}

/** A single-line text that may name a file. */
export const pathLike = (s: string) => s.length < 4096 && !/[\n{[]/.test(s) && /[/\\.]/.test(s) && !s.includes(',');

/** The data an action works on: given as data, as text in a format, or as a file inside the workspace. */
export async function readData(p: Rec, ctx: ToolContext): Promise<unknown> {
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

export function outFormat(p: Rec): string {
  return formatOf(p.output_format, 'output_format') ?? formatOf(p.input_format, 'input_format') ?? formatOf(p.format, 'format') ?? 'json';
}

export function records(data: unknown, action: string): Rec[] {
  if (!Array.isArray(data)) throw bad(`${action} needs a list of records, got ${pyType(data)}`);
  return data.map((r, i) => {
    if (!isRec(r)) throw bad(`${action} needs a list of records: item ${i + 1} is ${pyType(r)}`);
    return r;
  });
}

export function csvText(data: unknown): string {
  if (isRec(data)) return convert([data], 'csv');
  if (!Array.isArray(data)) throw bad(`CSV holds a list of records, not ${pyType(data)}`);
  return data.length ? convert(data, 'csv') : '';
}

/** Records as the output format asks: csv or yaml text, or the data itself (json). */
export function shaped(data: unknown, fmt: string): unknown {
  if (fmt === 'csv') return csvText(data);
  if (fmt === 'yaml') return convert(data, 'yaml');
  return data;
}

/** As `shaped`, with json as text too (convert and transform return text). */
export function asText(data: unknown, fmt: string): string {
  if (fmt === 'json') return typeof data === 'string' ? data : JSON.stringify(data, null, 2);
  return shaped(data, fmt) as string;
}

export function columnsOf(rows: Rec[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export function names(v: unknown, name: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw bad(`'${name}' must be a column name or a list of them`);
}

export function opObject(p: Rec): Rec {
  if (p.operation === undefined || p.operation === null) return {};
  if (!isRec(p.operation)) throw bad("'operation' must be a mapping");
  return p.operation;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const stdev = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
/** The q-th quantile with linear interpolation (pandas' default). */
export const quantile = (sorted: number[], q: number) => {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return lo + 1 < sorted.length ? sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - lo) : sorted[lo];
};

export const AGG_FUNCTIONS: Record<string, string> = { sum: 'sum', total: 'sum', avg: 'avg', mean: 'avg', average: 'avg', count: 'count', count_distinct: 'count_distinct', min: 'min', max: 'max', median: 'median' };

export function aggregateValues(rows: Rec[], column: string, fn: string): number | null {
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
export function groups(rows: Rec[], by: string[]): { key: Rec; rows: Rec[] }[] {
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

