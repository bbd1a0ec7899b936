// Python/Jinja2 semantics over plain JSON-like data: truthiness, str(), equality, ordering.
// Only plain data is ever reachable: own enumerable properties of plain objects, never a
// prototype, a constructor or a host function.

export class Undefined {
  constructor(
    /** What was missing, for the error message: `name 'x'` or `attribute 'y' of step.result`. */
    readonly what: string,
    readonly start: number,
    readonly end: number,
  ) {}
}

export class TemplateRuntimeError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
    readonly kind: 'undefined' | 'type' | 'limit' | 'value' = 'value',
  ) {
    super(message);
    this.name = kind === 'undefined' ? 'UndefinedError' : 'TemplateRuntimeError';
  }
}

/** Limits of one evaluation: no template can make the process run out of memory or time. */
export const LIMITS = {
  /** Characters of any string a template builds. */
  maxString: 5_000_000,
  /** Items of any list a template builds (range, repeat, concatenation). */
  maxList: 100_000,
  /** Iterations of all `{% for %}` loops of one render together. */
  maxLoopIterations: 1_000_000,
};

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Reads an own property of plain data; anything else is Undefined. */
export function getOwn(obj: unknown, key: string | number): { found: true; value: unknown } | { found: false } {
  if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) return { found: false };
  if (Array.isArray(obj)) {
    if (typeof key === 'number' || /^-?\d+$/.test(key)) {
      let i = Number(key);
      if (i < 0) i += obj.length;
      if (Number.isInteger(i) && i >= 0 && i < obj.length) return { found: true, value: obj[i] };
    }
    return { found: false };
  }
  if (typeof obj === 'string') {
    if (typeof key === 'number') {
      let i = key;
      if (i < 0) i += obj.length;
      if (Number.isInteger(i) && i >= 0 && i < obj.length) return { found: true, value: obj[i] };
    }
    return { found: false };
  }
  if (isPlainObject(obj)) {
    const k = String(key);
    if (Object.prototype.hasOwnProperty.call(obj, k)) return { found: true, value: obj[k] };
  }
  return { found: false };
}

export function truthy(v: unknown): boolean {
  if (v instanceof Undefined) return false;
  if (v === null || v === undefined || v === false) return false;
  if (v === true) return true;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return out + quote;
}

/** Python's repr() of plain data, as Jinja2 prints a list or a dict. */
export function repr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return reprString(v);
  if (Array.isArray(v)) return '[' + v.map(repr).join(', ') + ']';
  if (isPlainObject(v)) return '{' + Object.entries(v).map(([k, x]) => `${reprString(k)}: ${repr(x)}`).join(', ') + '}';
  return String(v);
}

/** Python's str(): what `{{ value }}` prints. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return formatNumber(v);
  return repr(v);
}

export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'boolean' && typeof b === 'number') return (a ? 1 : 0) === b;
  if (typeof a === 'number' && typeof b === 'boolean') return a === (b ? 1 : 0);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equals(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equals(a[k], b[k]));
  }
  return false;
}

export function typeName(v: unknown): string {
  if (v instanceof Undefined) return 'undefined';
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'list';
  if (isPlainObject(v)) return 'mapping';
  return 'object';
}

/** Python ordering for `<`, `sort`, `min`, `max`: numbers with numbers, strings with strings, lists lexicographically. */
export function compare(a: unknown, b: unknown): number {
  const na = typeof a === 'boolean' ? Number(a) : a;
  const nb = typeof b === 'boolean' ? Number(b) : b;
  if (typeof na === 'number' && typeof nb === 'number') return na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof na === 'string' && typeof nb === 'string') return na < nb ? -1 : na > nb ? 1 : 0;
  if (Array.isArray(na) && Array.isArray(nb)) {
    for (let i = 0; i < Math.min(na.length, nb.length); i++) {
      const c = compare(na[i], nb[i]);
      if (c) return c;
    }
    return na.length - nb.length;
  }
  throw new TypeError(`'<' is not supported between ${typeName(a)} and ${typeName(b)}`);
}

export function checkString(s: string, start: number, end: number): string {
  if (s.length > LIMITS.maxString) throw new TemplateRuntimeError(`String longer than ${LIMITS.maxString} characters`, start, end, 'limit');
  return s;
}

export function checkList<T>(l: T[], start: number, end: number): T[] {
  if (l.length > LIMITS.maxList) throw new TemplateRuntimeError(`List longer than ${LIMITS.maxList} items`, start, end, 'limit');
  return l;
}

/** Items a `for` loop or a filter iterates: list items, string characters, mapping keys. */
export function iterate(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  if (isPlainObject(v)) return Object.keys(v);
  return null;
}
