// A Jinja2 parser: the same precedence as Jinja2's own, every node with its offsets, no eval.
import { TemplateSyntaxError, type BinaryOp, type Expr, type Kwarg, type Target, type TemplateAst, type TemplateNode } from './ast';
import { lexExpression, type Token } from './lexer';

/** Upper bound of expression nesting, so `((((...` cannot exhaust the stack. */
export const MAX_NESTING = 100;

class ExprParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }
  next(): Token {
    const t = this.tokens[this.i];
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  isOp(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' && t.value === value;
  }
  isName(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'name' && t.value === value;
  }
  expectOp(value: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.value !== value) throw this.unexpected(`'${value}'`);
    return this.next();
  }
  expectName(): Token {
    const t = this.peek();
    if (t.kind !== 'name') throw this.unexpected('a name');
    return this.next();
  }
  expectKeyword(value: string): Token {
    if (!this.isName(value)) throw this.unexpected(`'${value}'`);
    return this.next();
  }
  atEnd(): boolean {
    return this.peek().kind === 'end';
  }
  unexpected(expected: string): TemplateSyntaxError {
    const t = this.peek();
    const got = t.kind === 'end' ? 'the end of the expression' : `'${t.kind === 'string' ? JSON.stringify(t.value) : t.value}'`;
    return new TemplateSyntaxError(`Expected ${expected}, found ${got}`, t.start, Math.max(t.end, t.start + 1));
  }
  expectEnd(): void {
    if (!this.atEnd()) throw this.unexpected('the end of the expression');
  }

  private enter(start: number): void {
    if (++this.depth > MAX_NESTING) throw new TemplateSyntaxError(`Expression nested deeper than ${MAX_NESTING} levels`, start, start + 1);
  }
  private leave(): void {
    this.depth--;
  }

  /** expression := or ('if' or ('else' expression)?)? */
  expression(withConditional = true): Expr {
    this.enter(this.peek().start);
    let expr = this.or();
    while (withConditional && this.isName('if')) {
      this.next();
      const test = this.or();
      let otherwise: Expr | null = null;
      if (this.isName('else')) {
        this.next();
        otherwise = this.expression();
      }
      expr = { type: 'Conditional', test, then: expr, otherwise, start: expr.start, end: (otherwise ?? test).end };
    }
    this.leave();
    return expr;
  }

  private binary(left: Expr, op: BinaryOp, right: Expr): Expr {
    return { type: 'Binary', op, left, right, start: left.start, end: right.end };
  }

  private or(): Expr {
    let left = this.and();
    while (this.isName('or')) {
      this.next();
      left = this.binary(left, 'or', this.and());
    }
    return left;
  }
  private and(): Expr {
    let left = this.not();
    while (this.isName('and')) {
      this.next();
      left = this.binary(left, 'and', this.not());
    }
    return left;
  }
  private not(): Expr {
    if (this.isName('not')) {
      const t = this.next();
      this.enter(t.start);
      const operand = this.not();
      this.leave();
      return { type: 'Unary', op: 'not', operand, start: t.start, end: operand.end };
    }
    return this.compare();
  }
  private compare(): Expr {
    let left = this.math1();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.value)) {
        this.next();
        left = this.binary(left, t.value as BinaryOp, this.math1());
      } else if (this.isName('in')) {
        this.next();
        left = this.binary(left, 'in', this.math1());
      } else if (this.isName('not') && this.isName('in', 1)) {
        this.next();
        this.next();
        left = this.binary(left, 'not in', this.math1());
      } else return left;
    }
  }
  private math1(): Expr {
    let left = this.concat();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().value as BinaryOp;
      left = this.binary(left, op, this.concat());
    }
    return left;
  }
  private concat(): Expr {
    let left = this.math2();
    while (this.isOp('~')) {
      this.next();
      left = this.binary(left, '~', this.math2());
    }
    return left;
  }
  private math2(): Expr {
    let left = this.pow();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next().value as BinaryOp;
      left = this.binary(left, op, this.pow());
    }
    return left;
  }
  private pow(): Expr {
    let left = this.unary();
    while (this.isOp('**')) {
      this.next();
      left = this.binary(left, '**', this.unary());
    }
    return left;
  }
  private unary(withFilter = true): Expr {
    let node: Expr;
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      this.enter(t.start);
      const operand = this.unary(false);
      this.leave();
      node = { type: 'Unary', op: t.value as '-' | '+', operand, start: t.start, end: operand.end };
    } else {
      node = this.postfix(this.primary());
    }
    return withFilter ? this.filterAndTests(node) : node;
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'name') {
      this.next();
      switch (t.value) {
        case 'true': case 'True': return { type: 'Literal', value: true, start: t.start, end: t.end };
        case 'false': case 'False': return { type: 'Literal', value: false, start: t.start, end: t.end };
        case 'none': case 'None': return { type: 'Literal', value: null, start: t.start, end: t.end };
      }
      return { type: 'Name', name: t.value, start: t.start, end: t.end };
    }
    if (t.kind === 'string') {
      this.next();
      let value = t.value;
      let end = t.end;
      while (this.peek().kind === 'string') {
        const more = this.next(); // adjacent literals concatenate, as in Jinja2
        value += more.value;
        end = more.end;
      }
      return { type: 'Literal', value, start: t.start, end };
    }
    if (t.kind === 'number') {
      this.next();
      const text = t.value.replace(/_/g, '');
      return { type: 'Literal', value: Number(text), start: t.start, end: t.end };
    }
    if (t.kind === 'op') {
      if (t.value === '(') {
        this.next();
        this.enter(t.start);
        if (this.isOp(')')) {
          const close = this.next();
          this.leave();
          return { type: 'Tuple', items: [], start: t.start, end: close.end };
        }
        const first = this.expression();
        if (this.isOp(',')) {
          const items = [first];
          while (this.isOp(',')) {
            this.next();
            if (this.isOp(')')) break;
            items.push(this.expression());
          }
          const close = this.expectOp(')');
          this.leave();
          return { type: 'Tuple', items, start: t.start, end: close.end };
        }
        this.expectOp(')');
        this.leave();
        return first;
      }
      if (t.value === '[') {
        this.next();
        this.enter(t.start);
        const items: Expr[] = [];
        while (!this.isOp(']')) {
          items.push(this.expression());
          if (!this.isOp(',')) break;
          this.next();
        }
        const close = this.expectOp(']');
        this.leave();
        return { type: 'List', items, start: t.start, end: close.end };
      }
      if (t.value === '{') {
        this.next();
        this.enter(t.start);
        const entries: [Expr, Expr][] = [];
        while (!this.isOp('}')) {
          const key = this.expression();
          this.expectOp(':');
          entries.push([key, this.expression()]);
          if (!this.isOp(',')) break;
          this.next();
        }
        const close = this.expectOp('}');
        this.leave();
        return { type: 'Dict', entries, start: t.start, end: close.end };
      }
    }
    throw this.unexpected('an expression');
  }

  private postfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const t = this.peek();
        if (t.kind === 'name') {
          this.next();
          node = { type: 'GetAttr', object: node, name: t.value, nameSpan: { start: t.start, end: t.end }, start: node.start, end: t.end };
        } else if (t.kind === 'number' && /^\d+$/.test(t.value)) {
          this.next(); // `list.0`, as Jinja2 allows
          node = { type: 'GetItem', object: node, index: { type: 'Literal', value: Number(t.value), start: t.start, end: t.end }, start: node.start, end: t.end };
        } else throw this.unexpected('an attribute name');
      } else if (this.isOp('[')) {
        const open = this.next();
        this.enter(open.start);
        node = this.subscript(node);
        this.leave();
      } else if (this.isOp('(')) {
        const { args, kwargs, end } = this.callArgs();
        node = { type: 'Call', callee: node, args, kwargs, start: node.start, end };
      } else return node;
    }
  }

  private subscript(object: Expr): Expr {
    const parts: (Expr | null)[] = [];
    let isSlice = false;
    let current: Expr | null = null;
    while (!this.isOp(']')) {
      if (this.isOp(':')) {
        this.next();
        parts.push(current);
        current = null;
        isSlice = true;
        continue;
      }
      if (current) throw this.unexpected("']'");
      current = this.expression();
    }
    parts.push(current);
    const close = this.expectOp(']');
    if (!isSlice) {
      if (!parts[0]) throw new TemplateSyntaxError('Expected an index', close.start, close.end);
      return { type: 'GetItem', object, index: parts[0], start: object.start, end: close.end };
    }
    if (parts.length > 3) throw new TemplateSyntaxError('A slice has at most three parts', object.start, close.end);
    return { type: 'Slice', object, lower: parts[0] ?? null, upper: parts[1] ?? null, step: parts[2] ?? null, start: object.start, end: close.end };
  }

  private callArgs(): { args: Expr[]; kwargs: Kwarg[]; end: number } {
    const open = this.expectOp('(');
    this.enter(open.start);
    const args: Expr[] = [];
    const kwargs: Kwarg[] = [];
    while (!this.isOp(')')) {
      if (this.peek().kind === 'name' && this.isOp('=', 1)) {
        const name = this.next();
        this.next();
        const value = this.expression();
        kwargs.push({ name: name.value, value, start: name.start, end: value.end });
      } else {
        if (kwargs.length) throw new TemplateSyntaxError('A positional argument cannot follow a keyword argument', this.peek().start, this.peek().end);
        args.push(this.expression());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    const close = this.expectOp(')');
    this.leave();
    return { args, kwargs, end: close.end };
  }

  private filterAndTests(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) {
        this.next();
        const name = this.expectName();
        let args: Expr[] = [];
        let kwargs: Kwarg[] = [];
        let end = name.end;
        if (this.isOp('(')) ({ args, kwargs, end } = this.callArgs());
        node = { type: 'Filter', input: node, name: name.value, nameSpan: { start: name.start, end: name.end }, args, kwargs, start: node.start, end };
      } else if (this.isName('is')) {
        this.next();
        let negated = false;
        if (this.isName('not')) {
          this.next();
          negated = true;
        }
        const name = this.expectName();
        let args: Expr[] = [];
        let end = name.end;
        if (this.isOp('(')) {
          const call = this.callArgs();
          args = call.args;
          end = call.end;
        } else {
          // `x is divisibleby 3`, `x is sameas none`: one bare argument, as Jinja2 allows
          const t = this.peek();
          if ((t.kind === 'number' || t.kind === 'string' || (t.kind === 'name' && !['and', 'or', 'else', 'if', 'is', 'in', 'not'].includes(t.value))) && !this.atEnd()) {
            const arg = this.primary();
            args = [arg];
            end = arg.end;
          }
        }
        node = { type: 'Test', input: node, name: name.value, nameSpan: { start: name.start, end: name.end }, args, negated, start: node.start, end };
      } else return node;
    }
  }

  /** Assignment targets of `for` and `set`: `a` or `a, b`. */
  targets(): Target[] {
    const out: Target[] = [];
    const paren = this.isOp('(');
    if (paren) this.next();
    for (;;) {
      const t = this.expectName();
      out.push({ name: t.value, start: t.start, end: t.end });
      if (!this.isOp(',')) break;
      this.next();
    }
    if (paren) this.expectOp(')');
    return out;
  }
}

interface OpenBlock {
  kind: 'if' | 'for' | 'set' | 'root';
  start: number;
}

/**
 * How deep an expression's tree may be, counting chains: `1 + 1 + ...` and `x | f | g | ...` parse
 * in a loop but build a tree as deep as the chain, which every walker over it (evaluator,
 * analyzer, completion) would recurse through.
 */
export const MAX_EXPRESSION_DEPTH = 500;
/** How deep `{% if %}`, `{% for %}` and `{% set %}` blocks may nest. */
export const MAX_BLOCK_DEPTH = 100;

/** Refuses an expression tree deeper than MAX_EXPRESSION_DEPTH, walking it without recursion. */
function checkDepth(expr: Expr): Expr {
  const stack: [unknown, number][] = [[expr, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (Array.isArray(x)) {
      for (const y of x) if (y && typeof y === 'object') stack.push([y, d]);
      continue;
    }
    const node = x as Record<string, unknown>;
    const depth = typeof node.type === 'string' ? d + 1 : d;
    if (depth > MAX_EXPRESSION_DEPTH) {
      throw new TemplateSyntaxError(`Expression nested deeper than ${MAX_EXPRESSION_DEPTH} levels: split it with {% set %}`, expr.start, Math.max(expr.end, expr.start + 1));
    }
    for (const v of Object.values(node)) if (v && typeof v === 'object') stack.push([v, depth]);
  }
  return expr;
}

/** Parses a template. Throws TemplateSyntaxError with the offsets of the first problem. */
/** ContextLab's file inclusion, `{{ file:PATH }}` (its pattern: no `}` in the path). */
const FILE_INCLUSION = /\s*(file):\s*([^}]*[^}\s])\s*\}\}/iy;

/** `{{ file:PATH }}` at `open`, read as `{{ include_file('PATH') }}`: the file's text when the step runs. */
function fileInclusion(src: string, open: number, inner: number): TemplateNode | null {
  FILE_INCLUSION.lastIndex = inner;
  const m = FILE_INCLUSION.exec(src);
  if (!m) return null;
  const end = FILE_INCLUSION.lastIndex;
  const kw = src.indexOf(m[1], inner);
  const at = src.indexOf(m[2], kw + m[1].length + 1);
  const expr: Expr = {
    type: 'Call',
    callee: { type: 'Name', name: 'include_file', start: kw, end: kw + m[1].length },
    args: [{ type: 'Literal', value: m[2], start: at, end: at + m[2].length }],
    kwargs: [],
    start: kw,
    end: at + m[2].length,
  };
  return { type: 'Output', expr, start: open, end };
}

export function parseTemplate(src: string): TemplateAst {
  type Frame = { block: OpenBlock; node: TemplateNode | null; target: TemplateNode[] };
  const root: TemplateNode[] = [];
  const stack: Frame[] = [{ block: { kind: 'root', start: 0 }, node: null, target: root }];
  let pos = 0;
  let trimNext = false;
  const n = src.length;

  const pushText = (from: number, to: number, trimLeft: boolean, trimRight: boolean) => {
    let a = from;
    let b = to;
    if (trimLeft) while (a < b && /\s/.test(src[a])) a++;
    if (trimRight) while (b > a && /\s/.test(src[b - 1])) b--;
    if (b > a) stack[stack.length - 1].target.push({ type: 'Text', value: src.slice(a, b), start: a, end: b });
  };

  while (pos < n) {
    const open = findOpen(src, pos);
    if (open < 0) {
      pushText(pos, n, trimNext, false);
      break;
    }
    const kind = src[open + 1];
    const trimLeftOfTag = src[open + 2] === '-';
    pushText(pos, open, trimNext, trimLeftOfTag);
    const inner = open + 2 + (trimLeftOfTag || src[open + 2] === '+' ? 1 : 0);
    if (kind === '#') {
      const close = src.indexOf('#}', inner);
      if (close < 0) throw new TemplateSyntaxError("Missing '#}' to close the comment", open, open + 2);
      trimNext = src[close - 1] === '-';
      pos = close + 2;
      continue;
    }
    if (kind === '{') {
      const inclusion = fileInclusion(src, open, inner);
      if (inclusion) {
        stack[stack.length - 1].target.push(inclusion);
        trimNext = false;
        pos = inclusion.end;
        continue;
      }
      const { tokens, next, trimRight } = lexExpression(src, inner, '}}');
      const p = new ExprParser(tokens);
      if (p.atEnd()) throw new TemplateSyntaxError('Empty expression', open, next);
      const expr = checkDepth(p.expression());
      p.expectEnd();
      stack[stack.length - 1].target.push({ type: 'Output', expr, start: open, end: next });
      trimNext = trimRight;
      pos = next;
      continue;
    }
    // a tag
    const { tokens, next, trimRight } = lexExpression(src, inner, '%}');
    const p = new ExprParser(tokens);
    const head = p.peek();
    if (head.kind !== 'name') throw new TemplateSyntaxError('Expected a tag name', head.start, Math.max(head.end, head.start + 1));
    p.next();
    const frame = stack[stack.length - 1];
    if (stack.length > MAX_BLOCK_DEPTH && (head.value === 'if' || head.value === 'for' || head.value === 'set')) {
      throw new TemplateSyntaxError(`Blocks nested deeper than ${MAX_BLOCK_DEPTH} levels`, open, next);
    }
    const tagSpan = { start: open, end: next };
    switch (head.value) {
      case 'if': {
        const test = checkDepth(p.expression());
        p.expectEnd();
        const node: TemplateNode = { type: 'If', branches: [{ test, body: [] }], otherwise: null, ...tagSpan };
        frame.target.push(node);
        stack.push({ block: { kind: 'if', start: open }, node, target: node.branches[0].body });
        break;
      }
      case 'elif': {
        if (frame.block.kind !== 'if' || frame.node?.type !== 'If' || frame.node.otherwise) throw new TemplateSyntaxError("'elif' outside an 'if' block", open, next);
        const test = checkDepth(p.expression());
        p.expectEnd();
        const branch = { test, body: [] as TemplateNode[] };
        frame.node.branches.push(branch);
        frame.target = branch.body;
        break;
      }
      case 'else': {
        p.expectEnd();
        if (frame.node?.type === 'If' && !frame.node.otherwise) {
          frame.node.otherwise = [];
          frame.target = frame.node.otherwise;
        } else if (frame.node?.type === 'For' && !frame.node.otherwise) {
          frame.node.otherwise = [];
          frame.target = frame.node.otherwise;
        } else throw new TemplateSyntaxError("'else' outside an 'if' or 'for' block", open, next);
        break;
      }
      case 'endif':
      case 'endfor':
      case 'endset': {
        p.expectEnd();
        const want = head.value === 'endif' ? 'if' : head.value === 'endfor' ? 'for' : 'set';
        if (frame.block.kind !== want) throw new TemplateSyntaxError(`'${head.value}' without an open '${want}' block`, open, next);
        if (frame.node) frame.node.end = next;
        stack.pop();
        break;
      }
      case 'for': {
        const targets = p.targets();
        p.expectKeyword('in');
        const iter = checkDepth(p.expression(false));
        let filter: Expr | null = null;
        if (p.isName('if')) {
          p.next();
          filter = checkDepth(p.expression(false));
        }
        p.expectEnd();
        const node: TemplateNode = { type: 'For', targets, iter, filter, body: [], otherwise: null, ...tagSpan };
        frame.target.push(node);
        stack.push({ block: { kind: 'for', start: open }, node, target: node.body });
        break;
      }
      case 'set': {
        const targets = p.targets();
        if (p.atEnd() && targets.length === 1) {
          const node: TemplateNode = { type: 'SetBlock', target: targets[0], body: [], ...tagSpan };
          frame.target.push(node);
          stack.push({ block: { kind: 'set', start: open }, node, target: node.body });
          break;
        }
        p.expectOp('=');
        const value = checkDepth(p.expression());
        p.expectEnd();
        frame.target.push({ type: 'Set', targets, value, ...tagSpan });
        break;
      }
      case 'raw': {
        p.expectEnd();
        const m = /\{%-?\s*endraw\s*-?%\}/.exec(src.slice(next));
        if (!m) throw new TemplateSyntaxError("Missing '{% endraw %}'", open, next);
        const endRaw = next + m.index;
        pushText(next, endRaw, trimRight, m[0].startsWith('{%-'));
        trimNext = m[0].endsWith('-%}');
        pos = endRaw + m[0].length;
        continue;
      }
      default:
        throw new TemplateSyntaxError(`Unknown tag '${head.value}' (supported: if, elif, else, for, set, raw)`, head.start, head.end);
    }
    trimNext = trimRight;
    pos = next;
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1].block;
    throw new TemplateSyntaxError(`Unclosed '${open.kind}' block: missing '{% end${open.kind} %}'`, open.start, Math.min(n, open.start + 2));
  }
  return { body: root };
}

function findOpen(src: string, from: number): number {
  for (let i = src.indexOf('{', from); i >= 0 && i < src.length - 1; i = src.indexOf('{', i + 1)) {
    const c = src[i + 1];
    if (c === '{' || c === '%' || c === '#') return i;
  }
  return -1;
}

/** Parses a bare expression (a `condition:` written without braces). */
export function parseExpression(src: string): Expr {
  // lexExpression needs a closing delimiter: give it one past the text
  const { tokens } = lexExpression(src + ' }}', 0, '}}');
  const p = new ExprParser(tokens);
  if (p.atEnd()) throw new TemplateSyntaxError('Empty expression', 0, Math.max(1, src.length));
  const expr = checkDepth(p.expression());
  p.expectEnd();
  return expr;
}

/** True when a string holds template syntax at all (`{{`, `{%` or `{#`). */
export function hasTemplateSyntax(s: string): boolean {
  return findOpen(s, 0) >= 0;
}
