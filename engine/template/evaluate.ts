// Renders a parsed template over plain data. No eval, no host objects: names resolve in a scope
// of plain values, attributes are own properties, calls are a short list of safe methods.
import type { Expr, TemplateAst, TemplateNode } from './ast';
import { FILTERS, FilterError, UNDEF_MARK } from './filters';
import { contains, TESTS } from './tests';
import { table } from '../util/table';
import {
  checkList, checkSize, checkString, compare, measure, equals, getOwn, isPlainObject, iterate, LIMITS, repr, str, TemplateRuntimeError, truthy, typeName, Undefined,
} from './values';

/** Where names come from: a lookup, so a scope can be computed lazily (step results). */
export interface Scope {
  lookup(name: string): { found: true; value: unknown } | { found: false };
}

export function scopeOf(vars: Record<string, unknown>): Scope {
  return { lookup: (name) => (Object.prototype.hasOwnProperty.call(vars, name) ? { found: true, value: vars[name] } : { found: false }) };
}

class Frame implements Scope {
  /** Made at the first `set`: most renders set nothing (one Map each was most of a short render's garbage). */
  private locals: Map<string, unknown> | null = null;
  constructor(private readonly parent: Scope) {}
  set(name: string, value: unknown): void {
    (this.locals ??= new Map()).set(name, value);
  }
  lookup(name: string): { found: true; value: unknown } | { found: false } {
    if (this.locals?.has(name)) return { found: true, value: this.locals.get(name) };
    return this.parent.lookup(name);
  }
}

interface State {
  iterations: number;
  /** Characters rendered so far: the output is bounded while it grows, not only at the end. */
  outChars: number;
}

function describe(e: Expr, src: string): string {
  return src.slice(e.start, e.end);
}

/** Throws if a value is Undefined: using a missing value is an error (strict undefined). */
function defined(v: unknown): unknown {
  if (v instanceof Undefined) throw new TemplateRuntimeError(`${v.what} is undefined`, v.start, v.end, 'undefined');
  return v;
}

const STRING_METHODS: Record<string, (s: string, args: unknown[]) => unknown> = table({
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, [c]) => (c === undefined ? s.trim() : FILTERS.trim.apply(s, [c], {}, null as never)),
  lstrip: (s) => s.replace(/^\s+/, ''),
  rstrip: (s) => s.replace(/\s+$/, ''),
  title: (s) => FILTERS.title.apply(s, [], {}, null as never),
  capitalize: (s) => FILTERS.capitalize.apply(s, [], {}, null as never),
  split: (s, args) => FILTERS.split.apply(s, args, {}, null as never),
  replace: (s, args) => FILTERS.replace.apply(s, args, {}, null as never),
  startswith: (s, [p]) => typeof p === 'string' && s.startsWith(p),
  endswith: (s, [p]) => typeof p === 'string' && s.endsWith(p),
  join: (s, [l]) => { const items = iterate(l); if (!items) throw new FilterError("'join' expects a list"); return items.map(str).join(s); },
  count: (s, [p]) => (typeof p === 'string' && p ? s.split(p).length - 1 : 0),
  find: (s, [p]) => (typeof p === 'string' ? s.indexOf(p) : -1),
  isdigit: (s) => /^\d+$/.test(s),
  splitlines: (s) => s.split(/\r?\n/),
});
const MAPPING_METHODS: Record<string, (m: Record<string, unknown>, args: unknown[]) => unknown> = table({
  items: (m) => Object.entries(m),
  keys: (m) => Object.keys(m),
  values: (m) => Object.values(m),
  get: (m, [k, d = null]) => (typeof k === 'string' && Object.prototype.hasOwnProperty.call(m, k) ? m[k] : d),
});
const LIST_METHODS: Record<string, (l: unknown[], args: unknown[]) => unknown> = table({
  index: (l, [x]) => { const i = l.findIndex((y) => equals(x, y)); if (i < 0) throw new FilterError(`${repr(x)} is not in list`); return i; },
  count: (l, [x]) => l.filter((y) => equals(x, y)).length,
});

/** Names of the methods a template may call on a value, for completion and analysis. */
export const METHOD_NAMES = { string: Object.keys(STRING_METHODS), mapping: Object.keys(MAPPING_METHODS), list: Object.keys(LIST_METHODS) };
export const GLOBAL_FUNCTIONS = ['range', 'dict', 'include_file'];

/** A deadline over several renders (a step's parameters under its timeout); renders are synchronous, so one at a time. */
let outerDeadline: { at: number; message: string } | null = null;

/** Runs `fn` with every render in it ending by `ms` from now, with `message` when it does not. */
export function withRenderDeadline<T>(ms: number | null | undefined, message: string, fn: () => T): T {
  if (!ms || !Number.isFinite(ms)) return fn();
  const saved = outerDeadline;
  outerDeadline = { at: Date.now() + ms, message };
  try {
    return fn();
  } finally {
    outerDeadline = saved;
  }
}

class Evaluator {
  readonly state: State = { iterations: 0, outChars: 0 };
  private readonly deadline = Math.min(Date.now() + LIMITS.maxRenderMs, outerDeadline?.at ?? Infinity);
  constructor(private readonly src: string) {}

  /** Ends a render that has run past its time budget (checked at every loop iteration and filter). */
  private tick(at: { start: number; end: number }): void {
    if (Date.now() <= this.deadline) return;
    if (outerDeadline && this.deadline === outerDeadline.at) this.fail(outerDeadline.message, at, 'limit');
    this.fail(`Template took longer than ${LIMITS.maxRenderMs / 1000} s to render`, at, 'limit');
  }

  private fail(message: string, e: { start: number; end: number }, kind: TemplateRuntimeError['kind'] = 'type'): never {
    throw new TemplateRuntimeError(message, e.start, e.end, kind);
  }

  expr(e: Expr, scope: Scope): unknown {
    switch (e.type) {
      case 'Literal':
        return e.value;
      case 'Name': {
        const r = scope.lookup(e.name);
        return r.found ? r.value : new Undefined(`'${e.name}'`, e.start, e.end);
      }
      case 'List':
        return checkList(e.items.map((x) => defined(this.expr(x, scope))), e.start, e.end);
      case 'Tuple':
        return e.items.map((x) => defined(this.expr(x, scope)));
      case 'Dict': {
        const out: Record<string, unknown> = Object.create(null);
        for (const [k, v] of e.entries) {
          const key = defined(this.expr(k, scope));
          if (typeof key !== 'string' && typeof key !== 'number') this.fail('A mapping key must be a string or a number', k);
          if (key === '__proto__') this.fail("'__proto__' is not allowed as a key", k);
          out[String(key)] = defined(this.expr(v, scope));
        }
        return checkSize({ ...out }, e.start, e.end);
      }
      case 'GetAttr': {
        const obj = defined(this.expr(e.object, scope));
        const r = getOwn(obj, e.name);
        return r.found ? r.value : new Undefined(`'${describe(e.object, this.src)}' has no attribute '${e.name}', so '${describe(e, this.src)}'`, e.start, e.end);
      }
      case 'GetItem': {
        const obj = defined(this.expr(e.object, scope));
        const idx = defined(this.expr(e.index, scope));
        if (typeof idx !== 'string' && typeof idx !== 'number') this.fail(`An index must be a string or a number, got ${typeName(idx)}`, e.index);
        const r = getOwn(obj, idx);
        return r.found ? r.value : new Undefined(`'${describe(e, this.src)}'`, e.start, e.end);
      }
      case 'Slice': {
        const obj = defined(this.expr(e.object, scope));
        const num = (x: Expr | null) => {
          if (!x) return undefined;
          const v = defined(this.expr(x, scope));
          if (v === null) return undefined;
          if (typeof v !== 'number' || !Number.isInteger(v)) this.fail('Slice bounds must be integers', x);
          return v;
        };
        const [lo, hi, step] = [num(e.lower), num(e.upper), num(e.step)];
        const items = typeof obj === 'string' ? Array.from(obj) : Array.isArray(obj) ? obj : this.fail(`Cannot slice ${typeName(obj)}`, e.object);
        const out = pySlice(items, lo, hi, step ?? 1, e, (m) => this.fail(m, e));
        return typeof obj === 'string' ? out.join('') : out;
      }
      case 'Call':
        return this.call(e, scope);
      case 'Filter':
        return this.filter(e, scope);
      case 'Test': {
        const spec = TESTS[e.name];
        if (!spec) this.fail(`Unknown test '${e.name}'`, e.nameSpan);
        const input = this.expr(e.input, scope);
        const args = e.args.map((a) => defined(this.expr(a, scope)));
        if (!(e.name === 'defined' || e.name === 'undefined')) defined(input);
        let r: boolean;
        try {
          r = spec.apply(input, args);
        } catch (err) {
          this.fail((err as Error).message, e);
        }
        return e.negated ? !r : r;
      }
      case 'Unary': {
        const v = defined(this.expr(e.operand, scope));
        if (e.op === 'not') return !truthy(v);
        if (typeof v !== 'number' && typeof v !== 'boolean') this.fail(`Unary '${e.op}' needs a number, got ${typeName(v)}`, e);
        return e.op === '-' ? -Number(v) : Number(v);
      }
      case 'Binary':
        return this.binary(e, scope);
      case 'Conditional': {
        if (truthy(defined(this.expr(e.test, scope)))) return this.expr(e.then, scope);
        return e.otherwise ? this.expr(e.otherwise, scope) : new Undefined(`the 'else' of '${describe(e, this.src)}'`, e.start, e.end);
      }
    }
  }

  private binary(e: Extract<Expr, { type: 'Binary' }>, scope: Scope): unknown {
    if (e.op === 'and') {
      const l = defined(this.expr(e.left, scope));
      return truthy(l) ? defined(this.expr(e.right, scope)) : l;
    }
    if (e.op === 'or') {
      const l = defined(this.expr(e.left, scope));
      return truthy(l) ? l : defined(this.expr(e.right, scope));
    }
    const l = defined(this.expr(e.left, scope));
    const r = defined(this.expr(e.right, scope));
    const bad = (): never => this.fail(`'${e.op}' is not supported between ${typeName(l)} and ${typeName(r)}`, e);
    const n = (x: unknown) => (typeof x === 'boolean' ? Number(x) : x);
    const ln = n(l);
    const rn = n(r);
    switch (e.op) {
      case '==': return equals(l, r);
      case '!=': return !equals(l, r);
      case '<': case '<=': case '>': case '>=': {
        let c: number;
        try {
          c = compare(l, r);
        } catch {
          return bad();
        }
        return e.op === '<' ? c < 0 : e.op === '<=' ? c <= 0 : e.op === '>' ? c > 0 : c >= 0;
      }
      case 'in': case 'not in': {
        let c: boolean;
        try {
          c = contains(r, l);
        } catch {
          return bad();
        }
        return e.op === 'in' ? c : !c;
      }
      case '~':
        return checkString(str(l) + str(r), e.start, e.end);
      case '+':
        if (typeof ln === 'number' && typeof rn === 'number') return ln + rn;
        if (typeof l === 'string' && typeof r === 'string') return checkString(l + r, e.start, e.end);
        if (Array.isArray(l) && Array.isArray(r)) return checkList([...l, ...r], e.start, e.end);
        return bad();
      case '-':
        if (typeof ln === 'number' && typeof rn === 'number') return ln - rn;
        return bad();
      case '*':
        if (typeof ln === 'number' && typeof rn === 'number') return ln * rn;
        if ((typeof l === 'string' || Array.isArray(l)) && typeof r === 'number') return this.repeat(l, r, e);
        if ((typeof r === 'string' || Array.isArray(r)) && typeof l === 'number') return this.repeat(r, l, e);
        return bad();
      case '/':
        if (typeof ln === 'number' && typeof rn === 'number') {
          if (rn === 0) this.fail('Division by zero', e, 'value');
          return ln / rn;
        }
        return bad();
      case '//':
        if (typeof ln === 'number' && typeof rn === 'number') {
          if (rn === 0) this.fail('Division by zero', e, 'value');
          return Math.floor(ln / rn);
        }
        return bad();
      case '%':
        if (typeof ln === 'number' && typeof rn === 'number') {
          if (rn === 0) this.fail('Division by zero', e, 'value');
          return ((ln % rn) + rn) % rn;
        }
        return bad();
      case '**':
        if (typeof ln === 'number' && typeof rn === 'number') return Math.pow(ln, rn);
        return bad();
    }
    return bad();
  }

  private repeat(v: string | unknown[], times: number, e: Expr): unknown {
    const k = Math.max(0, Math.trunc(times));
    if (typeof v === 'string') {
      if (v.length * k > LIMITS.maxString) this.fail(`String longer than ${LIMITS.maxString} characters`, e, 'limit');
      return v.repeat(k);
    }
    if (v.length * k > LIMITS.maxList) this.fail(`List longer than ${LIMITS.maxList} items`, e, 'limit');
    // the nested size grows k times: check before building
    const m = measure(v);
    if (m.over || m.elements * k > LIMITS.maxElements) this.fail(`Value with more than ${LIMITS.maxElements} items (counting nested lists and mappings)`, e, 'limit');
    if (m.chars * k > LIMITS.maxValueChars) this.fail(`Value holding more than ${LIMITS.maxValueChars} characters of text`, e, 'limit');
    const out: unknown[] = [];
    for (let i = 0; i < k; i++) for (const x of v) out.push(x);
    return out;
  }

  private call(e: Extract<Expr, { type: 'Call' }>, scope: Scope): unknown {
    this.tick(e);
    const args = e.args.map((a) => defined(this.expr(a, scope)));
    const kwargs = Object.fromEntries(e.kwargs.map((k) => [k.name, defined(this.expr(k.value, scope))]));
    const named = e.callee.type === 'Name' ? scope.lookup(e.callee.name) : null;
    // a function the run provides (`include_file`): parameters and results are data, never functions
    if (named?.found && typeof named.value === 'function') {
      let out: unknown;
      try {
        out = (named.value as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        if (err instanceof TemplateRuntimeError) throw err;
        this.fail((err as Error).message, e, 'value');
      }
      if (typeof out === 'string') checkString(out, e.start, e.end);
      return out;
    }
    if (e.callee.type === 'Name' && !named!.found) {
      if (e.callee.name === 'range') {
        const nums = args.map((a) => (typeof a === 'number' && Number.isInteger(a) ? a : this.fail('range() takes integers', e)));
        const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 1];
        if (step === 0) this.fail('range() step must not be zero', e, 'value');
        const count = Math.max(0, Math.ceil((stop - start) / step));
        if (count > LIMITS.maxList) this.fail(`range() longer than ${LIMITS.maxList} items`, e, 'limit');
        return Array.from({ length: count }, (_, i) => start + i * step);
      }
      if (e.callee.name === 'dict') return { ...kwargs };
      this.fail(`'${e.callee.name}' is not a function`, e.callee, 'undefined');
    }
    if (e.callee.type === 'GetAttr') {
      const obj = defined(this.expr(e.callee.object, scope));
      const name = e.callee.name;
      try {
        let out: unknown = undefined;
        if (typeof obj === 'string' && STRING_METHODS[name]) out = STRING_METHODS[name](obj, args);
        else if (isPlainObject(obj) && MAPPING_METHODS[name] && !Object.prototype.hasOwnProperty.call(obj, name)) out = MAPPING_METHODS[name](obj, args);
        else if (Array.isArray(obj) && LIST_METHODS[name]) out = LIST_METHODS[name](obj, args);
        if (out !== undefined) {
          if (typeof out === 'string') checkString(out, e.start, e.end);
          if (Array.isArray(out)) checkList(out, e.start, e.end);
          return out;
        }
      } catch (err) {
        if (err instanceof TemplateRuntimeError) throw err;
        this.fail((err as Error).message, e);
      }
      this.fail(`${typeName(obj)} has no method '${name}'`, e.callee.nameSpan);
    }
    return this.fail(`'${describe(e.callee, this.src)}' is not callable`, e.callee);
  }

  filter(e: Extract<Expr, { type: 'Filter' }>, scope: Scope): unknown {
    this.tick(e);
    const spec = FILTERS[e.name];
    if (!spec) this.fail(`Unknown filter '${e.name}'`, e.nameSpan, 'undefined');
    let input = this.expr(e.input, scope);
    if (input instanceof Undefined) {
      if (!spec.acceptsUndefined) defined(input);
      input = UNDEF_MARK;
    }
    const args = e.args.map((a) => defined(this.expr(a, scope)));
    const kwargs = Object.fromEntries(e.kwargs.map((k) => [k.name, defined(this.expr(k.value, scope))]));
    let out: unknown;
    try {
      out = this.applyFilter(e.name, input, args, kwargs);
    } catch (err) {
      if (err instanceof TemplateRuntimeError) throw err;
      this.fail(`Filter '${e.name}': ${(err as Error).message.replace(/^'[^']+' /, '')}`, e, err instanceof FilterError ? 'value' : 'type');
    }
    if (out === UNDEF_MARK) return new Undefined(`'${describe(e, this.src)}'`, e.start, e.end);
    if (typeof out === 'string') checkString(out, e.start, e.end);
    if (Array.isArray(out)) checkList(out, e.start, e.end);
    return out;
  }

  private applyFilter(name: string, input: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
    const spec = FILTERS[name];
    if (!spec) throw new FilterError(`unknown filter '${name}'`);
    return spec.apply(input, args, kwargs, {
      test: (t, v, a) => {
        const ts = TESTS[t];
        if (!ts) throw new FilterError(`unknown test '${t}'`);
        return ts.apply(v, a);
      },
      filter: (f, v, a) => this.applyFilter(f, v, a, {}),
    });
  }

  nodes(nodes: TemplateNode[], scope: Frame, out: string[]): void {
    for (const node of nodes) this.node(node, scope, out);
  }

  private node(node: TemplateNode, scope: Frame, out: string[]): void {
    switch (node.type) {
      case 'Text':
        this.emit(node.value, node, out);
        return;
      case 'Output': {
        const v = defined(this.expr(node.expr, scope));
        let text: string;
        try {
          text = str(v);
        } catch (err) {
          if (err instanceof TemplateRuntimeError && err.kind === 'limit') this.fail(err.message, node, 'limit');
          throw err;
        }
        this.emit(text, node, out);
        return;
      }
      case 'If':
        for (const b of node.branches) {
          if (truthy(defined(this.expr(b.test, scope)))) return this.nodes(b.body, scope, out);
        }
        if (node.otherwise) this.nodes(node.otherwise, scope, out);
        return;
      case 'Set': {
        const v = defined(this.expr(node.value, scope));
        this.assign(node.targets, v, scope, node);
        return;
      }
      case 'SetBlock': {
        const inner: string[] = [];
        this.nodes(node.body, scope, inner);
        scope.set(node.target.name, inner.join(''));
        return;
      }
      case 'For': {
        const iterable = defined(this.expr(node.iter, scope));
        let items = iterate(iterable);
        if (isPlainObject(iterable) && node.targets.length === 2) items = Object.entries(iterable);
        if (!items) this.fail(`Cannot loop over ${typeName(iterable)}`, node.iter);
        if (node.filter) {
          const filt = node.filter;
          items = items.filter((item) => {
            const f = new Frame(scope);
            this.assign(node.targets, item, f, node);
            return truthy(defined(this.expr(filt, f)));
          });
        }
        if (items.length === 0) {
          if (node.otherwise) this.nodes(node.otherwise, scope, out);
          return;
        }
        const length = items.length;
        items.forEach((item, i) => {
          if (++this.state.iterations > LIMITS.maxLoopIterations) this.fail(`More than ${LIMITS.maxLoopIterations} loop iterations`, node, 'limit');
          this.tick(node);
          const f = new Frame(scope);
          this.assign(node.targets, item, f, node);
          f.set('loop', {
            index: i + 1, index0: i, revindex: length - i, revindex0: length - i - 1,
            first: i === 0, last: i === length - 1, length,
            previtem: i > 0 ? items![i - 1] : null, nextitem: i < length - 1 ? items![i + 1] : null,
          });
          this.nodes(node.body, f, out);
        });
        return;
      }
    }
  }

  private emit(text: string, at: { start: number; end: number }, out: string[]): void {
    this.state.outChars += text.length;
    if (this.state.outChars > LIMITS.maxString) this.fail(`Rendered text longer than ${LIMITS.maxString} characters`, at, 'limit');
    out.push(text);
  }

  private assign(targets: { name: string }[], value: unknown, scope: Frame, at: { start: number; end: number }): void {
    if (targets.length === 1) {
      scope.set(targets[0].name, value);
      return;
    }
    const items = Array.isArray(value) ? value : this.fail(`Cannot unpack ${typeName(value)} into ${targets.length} names`, at);
    if (items.length !== targets.length) this.fail(`Cannot unpack ${items.length} values into ${targets.length} names`, at);
    targets.forEach((t, i) => scope.set(t.name, items[i]));
  }
}

function pySlice<T>(items: T[], lo: number | undefined, hi: number | undefined, step: number, _e: Expr, fail: (m: string) => never): T[] {
  if (step === 0) fail('Slice step must not be zero');
  const n = items.length;
  const norm = (x: number, dflt: number, min: number, max: number) => (x === undefined ? dflt : Math.min(max, Math.max(min, x < 0 ? x + n : x)));
  const out: T[] = [];
  if (step > 0) {
    const a = norm(lo as number, 0, 0, n);
    const b = norm(hi as number, n, 0, n);
    for (let i = a; i < b; i += step) out.push(items[i]);
  } else {
    const a = norm(lo as number, n - 1, -1, n - 1);
    const b = norm(hi as number, -1, -1, n - 1);
    for (let i = a; i > b; i += step) out.push(items[i]);
  }
  return out;
}

/** Renders a whole template to a string. Throws TemplateRuntimeError with offsets. */
export function renderTemplate(ast: TemplateAst, src: string, scope: Scope): string {
  const ev = new Evaluator(src);
  const out: string[] = [];
  ev.nodes(ast.body, new Frame(scope), out);
  let size = 0;
  for (const part of out) size += part.length;
  if (size > LIMITS.maxString) throw new TemplateRuntimeError(`Rendered text longer than ${LIMITS.maxString} characters`, 0, src.length, 'limit');
  return out.join('');
}

/** Evaluates one expression to a value (typed: a list stays a list). Undefined is an error. */
export function evaluateExpression(expr: Expr, src: string, scope: Scope): unknown {
  const ev = new Evaluator(src);
  return defined(ev.expr(expr, new Frame(scope)));
}
