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
  /**
   * Items of a value a template builds, counted through nested lists and mappings (a list that
   * holds the same list twice counts it twice: that is what printing it costs).
   */
  maxElements: 1_000_000,
  /** Characters of the strings inside such a value, counted the same way. */
  maxValueChars: 50_000_000,
  /** Milliseconds one render may take: the work is synchronous, so no timeout could stop it. */
  maxRenderMs: 10_000,
};

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Marks a mapping whose missing attributes are looked up in one of its own fields next: a step's
 * result fields read as `step.field` as well as `step.result.field` (ContextLab's result shapes).
 * A symbol, so the mark is never data: not a key, not serialized, not in a checkpoint. */
export const FALLTHROUGH = Symbol('fallthrough');

/** Marks a mapping that prints as one of its fields: a step's record prints as its result
 * (`{{ search }}` is `{{ search.result }}`, as in ContextLab), while `search.status` and the other
 * fields still read. A symbol, like FALLTHROUGH: never data. */
export const PRINTS_AS = Symbol('prints as');

export function printsAs<T extends object>(obj: T, field: string): T {
  if (!Object.prototype.hasOwnProperty.call(obj, PRINTS_AS)) Object.defineProperty(obj, PRINTS_AS, { value: field });
  return obj;
}

/** The value a marked mapping stands for when printed or used whole; anything else as it is. */
export function printedValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const via = (v as { [PRINTS_AS]?: string })[PRINTS_AS];
  return via === undefined ? v : (v as Record<string, unknown>)[via];
}

export function fallThrough<T extends object>(obj: T, field: string): T {
  if (!Object.prototype.hasOwnProperty.call(obj, FALLTHROUGH)) Object.defineProperty(obj, FALLTHROUGH, { value: field });
  return obj;
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
    const via = (obj as { [FALLTHROUGH]?: string })[FALLTHROUGH];
    if (via !== undefined) {
      const inner = obj[via];
      if (isPlainObject(inner) && Object.prototype.hasOwnProperty.call(inner, k)) return { found: true, value: inner[k] };
    }
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
  if (isPlainObject(v)) {
    // a step's record tests as its result (`{% if check %}`, `condition: check`), as it prints
    const printed = printedValue(v);
    return printed !== v ? truthy(printed) : Object.keys(v).length > 0;
  }
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

/** Python's repr() of plain data, as Jinja2 prints a list or a dict; longer than `limit` is an error. */
export function repr(v: unknown, limit = LIMITS.maxString): string {
  if (Array.isArray(v) || isPlainObject(v)) {
    // built piece by piece with a running length: a list holding one big list many times would
    // otherwise be expanded in full before any check
    const parts: string[] = [];
    let size = 0;
    const put = (t: string) => {
      size += t.length;
      if (size > limit) throw new TemplateRuntimeError(`Printed value longer than ${limit} characters`, 0, 0, 'limit');
      parts.push(t);
    };
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) {
        put('[');
        x.forEach((y, i) => {
          if (i) put(', ');
          walk(y);
        });
        put(']');
      } else if (isPlainObject(x)) {
        put('{');
        let first = true;
        for (const [k, y] of Object.entries(x)) {
          put(`${first ? '' : ', '}${reprString(k)}: `);
          first = false;
          walk(y);
        }
        put('}');
      } else put(repr(x, limit));
    };
    walk(v);
    return parts.join('');
  }
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return reprString(v);
  return String(v);
}

/** Python's str(): what `{{ value }}` prints. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  v = printedValue(v);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return formatNumber(v);
  return repr(v);
}

export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // a step's record compares as its result (`check == false`)
  a = printedValue(a);
  b = printedValue(b);
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
  checkSize(l, start, end);
  return l;
}

/**
 * The size of a value, through nested lists and mappings: items and string characters. Counting
 * stops as soon as a limit is passed, so it costs at most the limits, however big the value is.
 */
export function measure(v: unknown, maxElements = LIMITS.maxElements, maxChars = LIMITS.maxValueChars): { elements: number; chars: number; over: boolean } {
  let elements = 0;
  let chars = 0;
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'string') chars += x.length;
    else if (Array.isArray(x)) {
      elements += x.length;
      if (elements <= maxElements) for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    } else if (isPlainObject(x)) {
      const keys = Object.keys(x);
      elements += keys.length;
      if (elements <= maxElements) for (const k of keys) {
        chars += k.length;
        stack.push(x[k]);
      }
    }
    if (elements > maxElements || chars > maxChars) return { elements, chars, over: true };
  }
  return { elements, chars, over: false };
}

/** Refuses a value bigger than the limits (items or characters, nested). */
export function checkSize<T>(v: T, start: number, end: number): T {
  const m = measure(v);
  if (m.elements > LIMITS.maxElements) throw new TemplateRuntimeError(`Value with more than ${LIMITS.maxElements} items (counting nested lists and mappings)`, start, end, 'limit');
  if (m.chars > LIMITS.maxValueChars) throw new TemplateRuntimeError(`Value holding more than ${LIMITS.maxValueChars} characters of text`, start, end, 'limit');
  return v;
}

/** Items a `for` loop or a filter iterates: list items, string characters, mapping keys. */
export function iterate(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  if (isPlainObject(v)) return Object.keys(v);
  return null;
}
