// The filter registry: Jinja2's built-in filters plus the pipeline language's own (SPEC
// "Templates"). The analyzer reads names and arities from here; the evaluator calls `apply`.
import { checkList, checkString, compare, equals, getOwn, isPlainObject, iterate, repr, str, truthy, typeName } from './values';
import { table } from '../util/table';
import { compileRegex, findAll, RegexError, replace, search } from './regex';

export interface FilterContext {
  /** Applies a test by name (for select/reject). */
  test(name: string, value: unknown, args: unknown[]): boolean;
  /** Applies another filter by name (for map). */
  filter(name: string, value: unknown, args: unknown[]): unknown;
}

export interface FilterSpec {
  /** Positional arguments: minimum and maximum count. */
  minArgs: number;
  maxArgs: number;
  /** Keyword arguments accepted besides positional ones. */
  kwargs?: string[];
  /** Markdown shown in completions and hovers. */
  doc: string;
  /** Called even when the input is undefined (only `default`). */
  acceptsUndefined?: boolean;
  apply(value: unknown, args: unknown[], kwargs: Record<string, unknown>, ctx: FilterContext): unknown;
}

class FilterError extends Error {}
export { FilterError };

function needString(v: unknown, filter: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return str(v);
  throw new FilterError(`'${filter}' expects a string, got ${typeName(v)}`);
}
function needList(v: unknown, filter: string): unknown[] {
  const items = iterate(v);
  if (!items) throw new FilterError(`'${filter}' expects a list, got ${typeName(v)}`);
  return items;
}
function needNumber(v: unknown, filter: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  throw new FilterError(`'${filter}' expects a number, got ${typeName(v)}`);
}

function attrPath(item: unknown, path: string): unknown {
  let cur = item;
  for (const part of path.split('.')) {
    const r = getOwn(cur, /^\d+$/.test(part) ? Number(part) : part);
    if (!r.found) return undefined;
    cur = r.value;
  }
  return cur;
}

/** Runs a regex operation; a bad pattern or replacement is the filter's error. */
function withRegex<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RegexError) throw new FilterError(e.message);
    throw e;
  }
}
function regexFlags(kw: Record<string, unknown>) {
  return { ignorecase: truthy(kw.ignorecase), multiline: truthy(kw.multiline), dotall: truthy(kw.dotall) };
}

function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9\s_-]/g, '')
    .trim()
    .replace(/[\s_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function toDate(v: unknown): Date {
  if (typeof v === 'number') return new Date(v > 1e11 ? v : v * 1000);
  if (typeof v === 'string') {
    const d = v === 'now' ? new Date() : new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new FilterError(`'date' expects an ISO date string or a timestamp, got ${repr(v)}`);
}

/** strftime in UTC (run timestamps are UTC). */
function strftime(d: Date, fmt: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const doy = Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1;
  return fmt.replace(/%([%YmdHMSyBbAajfpIZz])/g, (_, c: string) => {
    switch (c) {
      case '%': return '%';
      case 'Y': return String(d.getUTCFullYear());
      case 'y': return pad(d.getUTCFullYear() % 100);
      case 'm': return pad(d.getUTCMonth() + 1);
      case 'd': return pad(d.getUTCDate());
      case 'H': return pad(d.getUTCHours());
      case 'I': return pad(((d.getUTCHours() + 11) % 12) + 1);
      case 'p': return d.getUTCHours() < 12 ? 'AM' : 'PM';
      case 'M': return pad(d.getUTCMinutes());
      case 'S': return pad(d.getUTCSeconds());
      case 'f': return pad(d.getUTCMilliseconds() * 1000, 6);
      case 'B': return MONTHS[d.getUTCMonth()];
      case 'b': return MONTHS[d.getUTCMonth()].slice(0, 3);
      case 'A': return DAYS[d.getUTCDay()];
      case 'a': return DAYS[d.getUTCDay()].slice(0, 3);
      case 'j': return pad(doy, 3);
      case 'Z': return 'UTC';
      case 'z': return '+0000';
    }
    return c;
  });
}

function toInt(v: unknown, fallback: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : fallback;
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'string') {
    const t = v.trim().replace(/_/g, '');
    if (/^[-+]?\d+$/.test(t)) return parseInt(t, 10);
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Math.trunc(Number(t));
  }
  return fallback;
}
function toFloat(v: unknown, fallback: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (/^[-+]?(\d+\.?\d*|\.\d+)([e][-+]?\d+)?$/.test(t)) return Number(t);
    if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
    if (t === '-inf' || t === '-infinity') return -Infinity;
    if (t === 'nan') return NaN;
  }
  return fallback;
}

function pyRound(n: number, digits: number, method: string): number {
  const m = Math.pow(10, digits);
  const x = n * m;
  if (method === 'ceil') return Math.ceil(x) / m;
  if (method === 'floor') return Math.floor(x) / m;
  // banker's rounding, as Python's round()
  const r = Math.round(x);
  const isHalf = Math.abs(x % 1) === 0.5;
  return (isHalf ? (r % 2 === 0 ? r : r - 1) : r) / m;
}

/**
 * JSON text as Python's json.dumps writes it: `, ` and `: ` separators, or `indent` spaces.
 * Unlike json.dumps, non-ASCII characters are kept as they are (prompts read better).
 */
function toJson(v: unknown, indent?: unknown, sortKeys = false): string {
  const seen = new Set<unknown>();
  const pad = typeof indent === 'number' && indent > 0 ? ' '.repeat(indent) : null;
  const write = (x: unknown, depth: number): string => {
    if (x === undefined || x === null || x === UNDEF_MARK) return 'null';
    if (typeof x === 'number') return Number.isFinite(x) ? String(x) : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
    if (typeof x !== 'object') return JSON.stringify(x);
    if (seen.has(x)) throw new FilterError("'to_json' cannot serialize a circular value");
    seen.add(x);
    const inner = pad ? '\n' + pad.repeat(depth + 1) : '';
    const close = pad ? '\n' + pad.repeat(depth) : '';
    const sep = pad ? ',' + inner : ', ';
    let out: string;
    if (Array.isArray(x)) out = x.length ? `[${inner}${x.map((y) => write(y, depth + 1)).join(sep)}${close}]` : '[]';
    else {
      const keys = Object.keys(x as object);
      if (sortKeys) keys.sort();
      out = keys.length ? `{${inner}${keys.map((k) => `${JSON.stringify(k)}: ${write((x as Record<string, unknown>)[k], depth + 1)}`).join(sep)}${close}}` : '{}';
    }
    seen.delete(x);
    return out;
  };
  return write(v, 0);
}

/** Jinja2's `tojson`: sorted keys, and `< > & '` escaped so the text is safe inside HTML. */
function jinjaToJson(v: unknown, indent?: unknown): string {
  return toJson(v, indent, true).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
}

/** A text that two values share exactly when `equals` holds between them (1 and true, mappings in any key order). */
function equalityKey(v: unknown): string {
  if (v === null || v === undefined || v === UNDEF_MARK) return 'z';
  if (typeof v === 'boolean' || typeof v === 'number') return `n${Number(v)}`;
  if (typeof v === 'string') return `s${JSON.stringify(v)}`;
  if (Array.isArray(v)) return `[${v.map(equalityKey).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${equalityKey(v[k])}`).join(',')}}`;
  return `o${String(v)}`;
}

function sortKey(kwargs: Record<string, unknown>) {
  const attribute = kwargs.attribute;
  const caseSensitive = truthy(kwargs.case_sensitive);
  return (x: unknown) => {
    let k = typeof attribute === 'string' ? attrPath(x, attribute) : x;
    if (typeof k === 'string' && !caseSensitive) k = k.toLowerCase();
    return k;
  };
}

export const FILTERS: Record<string, FilterSpec> = table<FilterSpec>({
  abs: { minArgs: 0, maxArgs: 0, doc: 'Absolute value of a number.', apply: (v) => Math.abs(needNumber(v, 'abs')) },
  attr: { minArgs: 1, maxArgs: 1, doc: 'Attribute of an object by name: `x | attr("name")`.', apply: (v, [a]) => attrPath(v, String(a)) },
  basename: { minArgs: 0, maxArgs: 0, doc: 'Last segment of a path: `"a/b/c.md" | basename` is `c.md`.', apply: (v) => needString(v, 'basename').replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '' },
  batch: {
    minArgs: 1, maxArgs: 2, doc: 'Splits a list into lists of `n` items, the last one padded with the fill value if given.',
    apply: (v, [n, fill]) => {
      const items = needList(v, 'batch');
      const size = Math.max(1, Math.trunc(needNumber(n, 'batch')));
      const out: unknown[][] = [];
      for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
      if (fill !== undefined && out.length && out[out.length - 1].length < size) while (out[out.length - 1].length < size) out[out.length - 1].push(fill);
      return out;
    },
  },
  capitalize: { minArgs: 0, maxArgs: 0, doc: 'First character upper case, the rest lower case.', apply: (v) => { const s = needString(v, 'capitalize'); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); } },
  center: { minArgs: 0, maxArgs: 1, doc: 'Centers the string in a field of the given width (default 80).', apply: (v, [w]) => { const s = needString(v, 'center'); const width = typeof w === 'number' ? w : 80; const pad = Math.max(0, width - s.length); const left = Math.floor(pad / 2); return checkString(' '.repeat(left) + s + ' '.repeat(pad - left), 0, 0); } },
  default: {
    minArgs: 0, maxArgs: 2, kwargs: ['boolean'], acceptsUndefined: true,
    doc: 'The value, or the given default when the value is undefined (or, with `true` as second argument, false-ish): `x | default("none")`.',
    apply: (v, [d = '', boolean], kw) => (v === UNDEF_MARK || ((truthy(boolean) || truthy(kw.boolean)) && !truthy(v)) ? d : v),
  },
  dictsort: {
    minArgs: 0, maxArgs: 3, kwargs: ['case_sensitive', 'by', 'reverse'],
    doc: 'The items of a mapping as `[key, value]` pairs, sorted by key (or `by="value"`).',
    apply: (v, args, kw) => {
      if (!isPlainObject(v)) throw new FilterError(`'dictsort' expects a mapping, got ${typeName(v)}`);
      const by = (kw.by ?? args[1] ?? 'key') === 'value' ? 1 : 0;
      const cs = truthy(kw.case_sensitive ?? args[0]);
      const items = Object.entries(v);
      items.sort((a, b) => { let x = a[by]; let y = b[by]; if (!cs && typeof x === 'string' && typeof y === 'string') { x = x.toLowerCase(); y = y.toLowerCase(); } return compare(x, y); });
      if (truthy(kw.reverse ?? args[2])) items.reverse();
      return items;
    },
  },
  dirname: { minArgs: 0, maxArgs: 0, doc: 'A path without its last segment: `"a/b/c.md" | dirname` is `a/b`.', apply: (v) => { const s = needString(v, 'dirname'); const i = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')); return i < 0 ? '' : s.slice(0, i); } },
  escape: { minArgs: 0, maxArgs: 0, doc: 'Escapes `& < > " \'` for HTML.', apply: (v) => needString(v, 'escape').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;') },
  first: { minArgs: 0, maxArgs: 0, doc: 'The first item of a list (or character of a string).', apply: (v) => { const l = needList(v, 'first'); return l.length ? l[0] : UNDEF_MARK; } },
  float: { minArgs: 0, maxArgs: 1, kwargs: ['default'], doc: 'The value as a number; the default (0.0) when it is not one.', apply: (v, [d], kw) => toFloat(v, d ?? kw.default ?? 0) },
  from_json: {
    minArgs: 0, maxArgs: 0, doc: 'Parses a JSON string into data: `step.result | from_json`.',
    apply: (v) => {
      const s = needString(v, 'from_json');
      try {
        return JSON.parse(s);
      } catch (e) {
        throw new FilterError(`'from_json' could not parse its input: ${(e as Error).message}`);
      }
    },
  },
  groupby: {
    minArgs: 1, maxArgs: 1, kwargs: ['default'],
    doc: 'Groups a list of objects by an attribute: a list of `{grouper, list}`, sorted by grouper.',
    apply: (v, [attribute], kw) => {
      const groups = new Map<string, { grouper: unknown; list: unknown[] }>();
      for (const item of needList(v, 'groupby')) {
        const g = attrPath(item, String(attribute)) ?? kw.default ?? null;
        const k = repr(g);
        if (!groups.has(k)) groups.set(k, { grouper: g, list: [] });
        groups.get(k)!.list.push(item);
      }
      return [...groups.values()].sort((a, b) => compare(a.grouper, b.grouper));
    },
  },
  indent: {
    minArgs: 0, maxArgs: 3, kwargs: ['width', 'first', 'blank'],
    doc: 'Indents every line but the first by `width` spaces (default 4).',
    apply: (v, args, kw) => {
      const s = needString(v, 'indent');
      const w = kw.width ?? args[0] ?? 4;
      const pad = typeof w === 'string' ? w : ' '.repeat(needNumber(w, 'indent'));
      const first = truthy(kw.first ?? args[1]);
      const blank = truthy(kw.blank ?? args[2]);
      const lines = s.split('\n');
      return checkString(lines.map((l, i) => ((i > 0 || first) && (blank || l.length) ? pad + l : l)).join('\n'), 0, 0);
    },
  },
  int: { minArgs: 0, maxArgs: 2, kwargs: ['default', 'base'], doc: 'The value as an integer; the default (0) when it is not one.', apply: (v, [d, base], kw) => { const b = kw.base ?? base; if (typeof v === 'string' && typeof b === 'number' && b !== 10) { const n = parseInt(v.trim(), b); return Number.isNaN(n) ? d ?? kw.default ?? 0 : n; } return toInt(v, d ?? kw.default ?? 0); } },
  items: { minArgs: 0, maxArgs: 0, doc: 'The `[key, value]` pairs of a mapping.', apply: (v) => { if (!isPlainObject(v)) throw new FilterError(`'items' expects a mapping, got ${typeName(v)}`); return Object.entries(v); } },
  join: {
    minArgs: 0, maxArgs: 2, kwargs: ['attribute'],
    doc: 'Joins the items of a list with a separator: `list | join(", ")`.',
    apply: (v, [sep = '', attribute], kw) => {
      const a = kw.attribute ?? attribute;
      const items = needList(v, 'join').map((x) => str(typeof a === 'string' ? attrPath(x, a) : x));
      return checkString(items.join(str(sep)), 0, 0);
    },
  },
  last: { minArgs: 0, maxArgs: 0, doc: 'The last item of a list.', apply: (v) => { const l = needList(v, 'last'); return l.length ? l[l.length - 1] : UNDEF_MARK; } },
  length: { minArgs: 0, maxArgs: 0, doc: 'Number of items of a list or mapping, or characters of a string.', apply: (v) => { if (typeof v === 'string') return Array.from(v).length; const l = iterate(v); if (!l) throw new FilterError(`'length' expects a string, list or mapping, got ${typeName(v)}`); return l.length; } },
  list: { minArgs: 0, maxArgs: 0, doc: 'The value as a list: the characters of a string, the keys of a mapping.', apply: (v) => [...needList(v, 'list')] },
  lower: { minArgs: 0, maxArgs: 0, doc: 'Lower case.', apply: (v) => needString(v, 'lower').toLowerCase() },
  map: {
    minArgs: 0, maxArgs: 10, kwargs: ['attribute', 'default'],
    doc: 'Applies a filter to every item (`map("upper")`) or takes an attribute of every item (`map(attribute="name")`).',
    apply: (v, args, kw, ctx) => {
      const items = needList(v, 'map');
      if (typeof kw.attribute === 'string') return items.map((x) => attrPath(x, kw.attribute as string) ?? kw.default ?? null);
      if (typeof args[0] !== 'string') throw new FilterError("'map' needs a filter name or attribute=");
      return items.map((x) => ctx.filter(args[0] as string, x, args.slice(1)));
    },
  },
  max: { minArgs: 0, maxArgs: 0, kwargs: ['attribute', 'case_sensitive'], doc: 'The largest item.', apply: (v, _a, kw) => { const l = needList(v, 'max'); const key = sortKey(kw); return l.length ? l.reduce((m, x) => (compare(key(x), key(m)) > 0 ? x : m)) : UNDEF_MARK; } },
  min: { minArgs: 0, maxArgs: 0, kwargs: ['attribute', 'case_sensitive'], doc: 'The smallest item.', apply: (v, _a, kw) => { const l = needList(v, 'min'); const key = sortKey(kw); return l.length ? l.reduce((m, x) => (compare(key(x), key(m)) < 0 ? x : m)) : UNDEF_MARK; } },
  regex_findall: { minArgs: 1, maxArgs: 1, kwargs: ['ignorecase', 'multiline', 'dotall'], doc: 'Every match of a regular expression: `text | regex_findall("\\\\d+")`. RE2 syntax (no backreferences or lookaround), matched in linear time.', apply: (v, [p], kw) => { const s = needString(v, 'regex_findall'); return checkList(withRegex(() => findAll(compileRegex(String(p), regexFlags(kw)), s)), 0, 0); } },
  regex_replace: { minArgs: 2, maxArgs: 2, kwargs: ['ignorecase', 'multiline', 'dotall', 'count'], doc: 'Replaces every match of a regular expression: `x | regex_replace("\\\\s+", " ")`; `\\\\1` or `\\\\g<name>` names a group. RE2 syntax, matched in linear time.', apply: (v, [p, r], kw) => { const s = needString(v, 'regex_replace'); const n = typeof kw.count === 'number' && kw.count > 0 ? kw.count : Infinity; return checkString(withRegex(() => replace(compileRegex(String(p), regexFlags(kw)), s, str(r), n)), 0, 0); } },
  regex_search: { minArgs: 1, maxArgs: 1, kwargs: ['ignorecase', 'multiline', 'dotall'], doc: 'The first match of a regular expression, or none. RE2 syntax, matched in linear time.', apply: (v, [p], kw) => { const s = needString(v, 'regex_search'); return withRegex(() => search(compileRegex(String(p), regexFlags(kw)), s)); } },
  replace: { minArgs: 2, maxArgs: 3, doc: 'Replaces every occurrence of a substring (at most `count` times).', apply: (v, [a, b, count]) => { const s = needString(v, 'replace'); const from = str(a); const to = str(b); let n = typeof count === 'number' ? count : Infinity; if (!from) return s; let out = ''; let i = 0; for (;;) { const j = s.indexOf(from, i); if (j < 0 || n-- <= 0) break; out += s.slice(i, j) + to; i = j + from.length; if (out.length > 5_000_000) break; } return checkString(out + s.slice(i), 0, 0); } },
  reject: { minArgs: 0, maxArgs: 10, doc: 'Items for which a test fails: `list | reject("none")`.', apply: (v, [t, ...args], _kw, ctx) => needList(v, 'reject').filter((x) => (t === undefined ? !truthy(x) : !ctx.test(String(t), x, args))) },
  rejectattr: { minArgs: 1, maxArgs: 10, doc: 'Items whose attribute fails a test (or is false-ish).', apply: (v, [a, t, ...args], _kw, ctx) => needList(v, 'rejectattr').filter((x) => { const y = attrPath(x, String(a)); return t === undefined ? !truthy(y) : !ctx.test(String(t), y, args); }) },
  reverse: { minArgs: 0, maxArgs: 0, doc: 'The items (or characters) in reverse order.', apply: (v) => (typeof v === 'string' ? Array.from(v).reverse().join('') : [...needList(v, 'reverse')].reverse()) },
  round: { minArgs: 0, maxArgs: 2, kwargs: ['precision', 'method'], doc: 'Rounds a number: `x | round(2)`; method `common` (default), `ceil` or `floor`.', apply: (v, [p, m], kw) => pyRound(needNumber(v, 'round'), Number(kw.precision ?? p ?? 0), String(kw.method ?? m ?? 'common')) },
  select: { minArgs: 0, maxArgs: 10, doc: 'Items for which a test passes: `list | select("odd")`.', apply: (v, [t, ...args], _kw, ctx) => needList(v, 'select').filter((x) => (t === undefined ? truthy(x) : ctx.test(String(t), x, args))) },
  selectattr: { minArgs: 1, maxArgs: 10, doc: 'Items whose attribute passes a test (or is true-ish): `list | selectattr("done")`.', apply: (v, [a, t, ...args], _kw, ctx) => needList(v, 'selectattr').filter((x) => { const y = attrPath(x, String(a)); return t === undefined ? truthy(y) : ctx.test(String(t), y, args); }) },
  shell_quote: {
    minArgs: 0, maxArgs: 0,
    doc: 'Quotes a value as one word for `/bin/sh`: `echo {{ text | shell_quote }}` passes the text as it is, whatever quotes, `$`, `;` or newlines it holds. A list becomes its items, each quoted, separated by spaces.',
    apply: (v) => {
      const quote = (x: unknown) => {
        const t = typeof x === 'string' ? x : str(x);
        return /^[\w@%+=:,./-]+$/.test(t) ? t : `'${t.replace(/'/g, `'"'"'`)}'`;
      };
      if (Array.isArray(v)) return checkString(v.map(quote).join(' '), 0, 0);
      return checkString(quote(v), 0, 0);
    },
  },
  slugify: { minArgs: 0, maxArgs: 0, doc: 'Lower-case words joined by hyphens, safe in a file name: `"Hello, World!" | slugify` is `hello-world`.', apply: (v) => slugify(needString(v, 'slugify')) },
  sort: {
    minArgs: 0, maxArgs: 2, kwargs: ['reverse', 'case_sensitive', 'attribute'],
    doc: 'The items sorted: `sort(reverse=true, attribute="name")`.',
    apply: (v, [rev, cs], kw) => {
      const key = sortKey({ ...kw, case_sensitive: kw.case_sensitive ?? cs });
      const out = [...needList(v, 'sort')].sort((a, b) => compare(key(a), key(b)));
      return truthy(kw.reverse ?? rev) ? out.reverse() : out;
    },
  },
  split: { minArgs: 0, maxArgs: 2, doc: 'Splits a string: on runs of white space, or on the given separator.', apply: (v, [sep, max]) => { const s = needString(v, 'split'); const limit = typeof max === 'number' && max >= 0 ? max : Infinity; if (sep === undefined || sep === null) { const parts = s.trim().split(/\s+/).filter(Boolean); return limit < parts.length ? [...parts.slice(0, limit), parts.slice(limit).join(' ')] : parts; } const sp = str(sep); if (!sp) throw new FilterError("'split' got an empty separator"); const parts = s.split(sp); return limit < parts.length - 1 ? [...parts.slice(0, limit), parts.slice(limit).join(sp)] : parts; } },
  string: { minArgs: 0, maxArgs: 0, doc: 'The value as a string.', apply: (v) => str(v) },
  sum: { minArgs: 0, maxArgs: 1, kwargs: ['attribute', 'start'], doc: 'The sum of the items (or of an attribute of each).', apply: (v, [start], kw) => needList(v, 'sum').reduce<number>((acc, x) => acc + needNumber(typeof kw.attribute === 'string' ? attrPath(x, kw.attribute) : x, 'sum'), Number(kw.start ?? start ?? 0)) },
  title: { minArgs: 0, maxArgs: 0, doc: 'Every word capitalized.', apply: (v) => needString(v, 'title').replace(/([^\s\-([{]+)/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()) },
  to_json: { minArgs: 0, maxArgs: 1, kwargs: ['indent'], doc: 'The value as JSON text, as Python\'s json.dumps writes it: `x | to_json`, `x | to_json(indent=2)`.', apply: (v, [i], kw) => toJson(v, kw.indent ?? i) },
  tojson: { minArgs: 0, maxArgs: 1, kwargs: ['indent'], doc: 'Jinja2\'s `tojson`: JSON with sorted keys, safe inside HTML.', apply: (v, [i], kw) => jinjaToJson(v, kw.indent ?? i) },
  json: { minArgs: 0, maxArgs: 1, kwargs: ['indent'], doc: 'ContextLab\'s name for `to_json`: `x | json`.', apply: (v, [i], kw) => toJson(v, kw.indent ?? i) },
  json_encode: { minArgs: 0, maxArgs: 1, kwargs: ['indent'], doc: 'ContextLab\'s name for `to_json`: `x | json_encode`.', apply: (v, [i], kw) => toJson(v, kw.indent ?? i) },
  trim: { minArgs: 0, maxArgs: 1, doc: 'Removes white space (or the given characters) at both ends.', apply: (v, [chars]) => { const s = needString(v, 'trim'); if (chars === undefined) return s.trim(); const set = str(chars); let a = 0; let b = s.length; while (a < b && set.includes(s[a])) a++; while (b > a && set.includes(s[b - 1])) b--; return s.slice(a, b); } },
  truncate: {
    minArgs: 0, maxArgs: 4, kwargs: ['length', 'killwords', 'end', 'leeway'],
    doc: 'Shortens a string to `length` characters (default 255), ending with `...`.',
    apply: (v, args, kw) => {
      const s = needString(v, 'truncate');
      const length = Number(kw.length ?? args[0] ?? 255);
      const killwords = truthy(kw.killwords ?? args[1]);
      const end = str(kw.end ?? args[2] ?? '...');
      const leeway = Number(kw.leeway ?? args[3] ?? 5);
      if (s.length <= length + leeway) return s;
      if (killwords) return s.slice(0, length - end.length) + end;
      const cut = s.slice(0, length - end.length);
      const i = cut.lastIndexOf(' ');
      return (i > 0 ? cut.slice(0, i) : cut) + end;
    },
  },
  truncate_words: { minArgs: 1, maxArgs: 2, doc: 'The first `n` words, followed by `...` (or the given end) when words were dropped.', apply: (v, [n, end = '...']) => { const words = needString(v, 'truncate_words').trim().split(/\s+/).filter(Boolean); const k = Math.max(0, Math.trunc(needNumber(n, 'truncate_words'))); return words.length > k ? words.slice(0, k).join(' ') + str(end) : words.join(' '); } },
  date: { minArgs: 0, maxArgs: 1, doc: 'Formats a date (ISO string, timestamp, or `"now"`) with strftime codes, in UTC: `execution.timestamp | date("%Y-%m-%d")`.', apply: (v, [fmt = '%Y-%m-%d']) => strftime(toDate(v), str(fmt)) },
  unique: { minArgs: 0, maxArgs: 0, kwargs: ['attribute', 'case_sensitive'], doc: 'The items without repeats, first occurrence kept.', apply: (v, _a, kw) => { const key = sortKey(kw); const out: unknown[] = []; const seen = new Set<string>(); for (const x of needList(v, 'unique')) { const k = equalityKey(key(x)); if (!seen.has(k)) { seen.add(k); out.push(x); } } return out; } },
  upper: { minArgs: 0, maxArgs: 0, doc: 'Upper case.', apply: (v) => needString(v, 'upper').toUpperCase() },
  urlencode: { minArgs: 0, maxArgs: 0, doc: 'Percent-encodes a string (or a mapping as a query string).', apply: (v) => (isPlainObject(v) ? Object.entries(v).map(([k, x]) => `${encodeURIComponent(k)}=${encodeURIComponent(str(x))}`).join('&') : encodeURIComponent(needString(v, 'urlencode')).replace(/%2F/g, '/')) },
  wordcount: { minArgs: 0, maxArgs: 0, doc: 'Number of words.', apply: (v) => (needString(v, 'wordcount').match(/\w+/g) ?? []).length },
});

/** Marks an absent value inside filters (first of an empty list, an unset default). */
export const UNDEF_MARK: unknown = Object.freeze({ __undefined: true });

const ALIASES: Record<string, string> = { d: 'default', e: 'escape', count: 'length', strip: 'trim', fromjson: 'from_json' };
for (const [alias, target] of Object.entries(ALIASES)) FILTERS[alias] = FILTERS[target];

export function filterNames(): string[] {
  return Object.keys(FILTERS).sort();
}
