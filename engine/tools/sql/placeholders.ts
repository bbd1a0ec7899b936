// Bound parameters: `:name` with a mapping, `$1` or `?` with a list. The SQL is scanned outside its
// string literals, quoted identifiers and comments (and `::` casts), and the placeholders are
// rewritten into the form each database binds; values never enter the text.
import { ToolError } from '../../toolkit/runtime';

export type Dialect = 'sqlite' | 'postgres';

type Found = { kind: 'named'; name: string } | { kind: 'numbered'; n: number } | { kind: 'anonymous' };

/** Calls `on` for every placeholder outside literals and comments; returns the text with each replaced by what `on` returns. */
export function scanPlaceholders(sql: string, dialect: Dialect, on: (p: Found) => string): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    let end = i + 1;
    if (c === "'" || c === '"' || c === '`') {
      end = sql.indexOf(c, i + 1);
      while (end !== -1 && sql[end + 1] === c) end = sql.indexOf(c, end + 2);
      end = end === -1 ? n : end + 1;
    } else if (c === '-' && next === '-') {
      end = sql.indexOf('\n', i);
      end = end === -1 ? n : end;
    } else if (c === '/' && next === '*') {
      end = sql.indexOf('*/', i + 2);
      end = end === -1 ? n : end + 2;
    } else if (c === ':' && next === ':') {
      end = i + 2;
    } else if (c === ':' && next !== undefined && /[A-Za-z_]/.test(next) && sql[i - 1] !== ':') {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))!;
      out += on({ kind: 'named', name: m[0] });
      i += 1 + m[0].length;
      continue;
    } else if (c === '$' && next !== undefined && /[0-9]/.test(next)) {
      const m = /^[0-9]+/.exec(sql.slice(i + 1))!;
      out += on({ kind: 'numbered', n: Number(m[0]) });
      i += 1 + m[0].length;
      continue;
    } else if (c === '$' && dialect === 'postgres' && /[A-Za-z_$]/.test(next ?? '') && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        end = close === -1 ? n : close + tag[0].length;
      }
    } else if (c === '?') {
      const m = /^[0-9]*/.exec(sql.slice(i + 1))!;
      out += on(m[0] ? { kind: 'numbered', n: Number(m[0]) } : { kind: 'anonymous' });
      i += 1 + m[0].length;
      continue;
    }
    out += sql.slice(i, end);
    i = end;
  }
  return out;
}

/** A value as the drivers bind it: mappings and lists as JSON text. */
function bindable(v: unknown): unknown {
  if (v === undefined) return null;
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) return JSON.stringify(v);
  return v;
}

export interface Bound {
  text: string;
  /** Positional values (postgres, and sqlite's numbered form) or a mapping of `:name` to value (sqlite). */
  values: unknown[] | Record<string, unknown>;
}

/** How a statement's text binds: the rewritten text, and the `:name` of each position (mappings) or the count of positions (lists). */
interface Shape {
  text: string;
  order: string[];
  positions: number;
}

/** Statements seen lately, by dialect, form of params and text: a loop runs the same SQL many times. */
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 256;

/** The statement and its values in the form the database binds. */
export function bindParameters(sql: string, params: unknown, dialect: Dialect): Bound {
  const form = params === undefined || params === null ? 'none' : Array.isArray(params) ? 'list' : typeof params === 'object' ? 'map' : 'bad';
  if (form === 'list' || form === 'map') {
    const key = `${dialect}\u0000${form}\u0000${sql}`;
    const known = shapes.get(key);
    if (known) {
      if (form === 'list' && (params as unknown[]).length >= known.positions) return { text: known.text, values: (params as unknown[]).map(bindable) };
      if (form === 'map' && Object.keys(params as object).length === known.order.length && known.order.every((k) => Object.prototype.hasOwnProperty.call(params, k))) return { text: known.text, values: known.order.map((k) => bindable((params as Record<string, unknown>)[k])) };
    }
    const bound = bindNow(sql, params, dialect);
    if (shapes.size >= MAX_SHAPES) shapes.delete(shapes.keys().next().value!);
    shapes.set(key, { text: bound.text, order: bound.order, positions: bound.positions });
    return { text: bound.text, values: bound.values };
  }
  return bindNow(sql, params, dialect);
}

function bindNow(sql: string, params: unknown, dialect: Dialect): Bound & { order: string[]; positions: number } {
  if (params === undefined || params === null) {
    let count = 0;
    scanPlaceholders(sql, dialect, (p) => (count++, p.kind === 'named' ? `:${p.name}` : ''));
    if (count) throw new ToolError('The SQL has placeholders but no params were given', 'ValueError');
    return { text: sql, values: [], order: [], positions: 0 };
  }
  if (Array.isArray(params)) {
    let next = 0;
    let highest = 0;
    let named: string | null = null;
    const text = scanPlaceholders(sql, dialect, (p) => {
      if (p.kind === 'named') return (named ??= p.name), `:${p.name}`;
      const k = p.kind === 'numbered' ? p.n : ++next;
      highest = Math.max(highest, k);
      if (k < 1 || k > params.length) throw new ToolError(`The SQL refers to parameter ${k}, and params has ${params.length} value${params.length === 1 ? '' : 's'}`, 'ValueError');
      return dialect === 'postgres' ? `$${k}` : `?${k}`;
    });
    if (named) throw new ToolError(`The SQL has the named placeholder :${named}: give params as a mapping`, 'ValueError');
    return { text, values: params.map(bindable), order: [], positions: highest };
  }
  if (typeof params !== 'object') throw new ToolError('params must be a mapping (for :name) or a list (for $1 or ?)', 'ValueError');
  const given = params as Record<string, unknown>;
  const order: string[] = [];
  const text = scanPlaceholders(sql, dialect, (p) => {
    if (p.kind !== 'named') throw new ToolError('params is a mapping, so the SQL names its placeholders (:name); a list binds $1 and ?', 'ValueError');
    if (!Object.prototype.hasOwnProperty.call(given, p.name)) throw new ToolError(`The SQL uses :${p.name}, which params does not give (it has: ${Object.keys(given).join(', ') || 'nothing'})`, 'ValueError');
    let k = order.indexOf(p.name);
    if (k === -1) k = order.push(p.name) - 1;
    return dialect === 'postgres' ? `$${k + 1}` : `?${k + 1}`;
  });
  const unused = Object.keys(given).filter((k) => !order.includes(k));
  if (unused.length) throw new ToolError(`params gives ${unused.map((u) => `'${u}'`).join(', ')}, which the SQL does not use (placeholders are written :name)`, 'ValueError');
  return { text, values: order.map((k) => bindable(given[k])), order, positions: order.length };
}
