// Static reading of a template: every free name with the attribute chain that follows it, every
// filter and test, with offsets. The analyzer turns these into scope and step-reference checks.
import { TemplateSyntaxError, type Expr, type TemplateAst, type TemplateNode } from './ast';
import { parseExpression, parseTemplate } from './parser';
import { simpleTemplateReferences } from './simpleReferences';
import { kept, NONE } from '../util/none';
import type { AttrStep, CallableRef, NameRef, TemplateReferences } from './referenceTypes';

export type { AttrStep, CallableRef, NameRef, TemplateReferences } from './referenceTypes';

/** Unwraps `a.b['c'][0]` into the root name and its chain, or null if the root is not a name. */
function chainOf(e: Expr): { root: Extract<Expr, { type: 'Name' }>; chain: AttrStep[] } | null {
  const chain: AttrStep[] = [];
  let cur: Expr = e;
  for (;;) {
    if (cur.type === 'GetAttr') {
      chain.unshift({ key: cur.name, start: cur.nameSpan.start, end: cur.nameSpan.end });
      cur = cur.object;
    } else if (cur.type === 'GetItem' && cur.index.type === 'Literal' && (typeof cur.index.value === 'string' || typeof cur.index.value === 'number')) {
      // the inner characters of a string key: `steps['a-b']` points at a-b
      const isString = typeof cur.index.value === 'string';
      chain.unshift({ key: cur.index.value, start: cur.index.start + (isString ? 1 : 0), end: cur.index.end - (isString ? 1 : 0) });
      cur = cur.object;
    } else if (cur.type === 'GetItem' || cur.type === 'Slice') {
      // a dynamic index ends the static chain
      chain.length = 0;
      cur = cur.object;
    } else break;
  }
  return cur.type === 'Name' ? { root: cur, chain } : null;
}

export function collectReferences(ast: TemplateAst | { expr: Expr }): TemplateReferences {
  const refs: TemplateReferences = { names: [], filters: [], tests: [], calls: [] };
  const scopes: Set<string>[] = [new Set()];
  const bound = (n: string) => scopes.some((s) => s.has(n));

  const visit = (e: Expr, guarded = false): void => {
    switch (e.type) {
      case 'Literal':
        return;
      case 'Name':
        if (!bound(e.name)) refs.names.push({ name: e.name, chain: NONE, guarded, start: e.start, end: e.end });
        return;
      case 'GetAttr':
      case 'GetItem':
      case 'Slice': {
        const c = chainOf(e);
        if (c && !bound(c.root.name)) {
          refs.names.push({ name: c.root.name, chain: c.chain, guarded, start: c.root.start, end: c.root.end });
        } else if (!c || bound(c.root.name)) {
          // visit the object part for names inside (`x[y]`)
          if (e.type === 'GetAttr') visit(e.object, guarded);
        }
        if (e.type === 'GetItem') {
          if (!c) visit(e.object, guarded);
          visit(e.index);
        } else if (e.type === 'Slice') {
          if (!c) visit(e.object, guarded);
          for (const x of [e.lower, e.upper, e.step]) if (x) visit(x);
        }
        return;
      }
      case 'List':
      case 'Tuple':
        e.items.forEach((x) => visit(x));
        return;
      case 'Dict':
        e.entries.forEach(([k, v]) => {
          visit(k);
          visit(v);
        });
        return;
      case 'Call':
        if (e.callee.type === 'Name' && !bound(e.callee.name)) {
          refs.calls.push({ name: e.callee.name, argCount: e.args.length, kwargNames: kept(e.kwargs.map((k) => k.name)), start: e.callee.start, end: e.callee.end });
        } else if (e.callee.type === 'GetAttr') {
          // a method call: the object is a value, the method name is not a reference
          visit(e.callee.object);
        } else visit(e.callee);
        e.args.forEach((x) => visit(x));
        e.kwargs.forEach((k) => visit(k.value));
        return;
      case 'Filter':
        refs.filters.push({ name: e.name, argCount: e.args.length, kwargNames: kept(e.kwargs.map((k) => k.name)), start: e.nameSpan.start, end: e.nameSpan.end });
        visit(e.input, guarded || e.name === 'default' || e.name === 'd');
        e.args.forEach((x) => visit(x));
        e.kwargs.forEach((k) => visit(k.value));
        return;
      case 'Test':
        refs.tests.push({ name: e.name, argCount: e.args.length, kwargNames: NONE, start: e.nameSpan.start, end: e.nameSpan.end });
        visit(e.input, guarded || e.name === 'defined' || e.name === 'undefined');
        e.args.forEach((x) => visit(x));
        return;
      case 'Unary':
        visit(e.operand, guarded);
        return;
      case 'Binary':
        visit(e.left);
        visit(e.right);
        return;
      case 'Conditional':
        visit(e.test);
        visit(e.then, guarded);
        if (e.otherwise) visit(e.otherwise, guarded);
        return;
    }
  };

  const visitNodes = (nodes: TemplateNode[]): void => {
    for (const n of nodes) {
      switch (n.type) {
        case 'Text':
          break;
        case 'Output':
          visit(n.expr);
          break;
        case 'If':
          for (const b of n.branches) {
            visit(b.test);
            visitNodes(b.body);
          }
          if (n.otherwise) visitNodes(n.otherwise);
          break;
        case 'For':
          visit(n.iter);
          scopes.push(new Set([...n.targets.map((t) => t.name), 'loop']));
          if (n.filter) visit(n.filter);
          visitNodes(n.body);
          scopes.pop();
          if (n.otherwise) visitNodes(n.otherwise);
          break;
        case 'Set':
          visit(n.value);
          for (const t of n.targets) scopes[scopes.length - 1].add(t.name);
          break;
        case 'SetBlock':
          visitNodes(n.body);
          scopes[scopes.length - 1].add(n.target.name);
          break;
      }
    }
  };

  if ('expr' in ast) visit(ast.expr);
  else visitNodes(ast.body);
  // kept with the analysis: an empty list is the shared one
  return { names: kept(refs.names), filters: kept(refs.filters), tests: kept(refs.tests), calls: kept(refs.calls) };
}

/** What a template or expression source refers to; parsed once per distinct source (bounded caches,
 * one per kind, keyed by the source itself: a key made from it would be one more string to keep). */
const referenceCaches = { template: new Map<string, TemplateReferences | TemplateSyntaxError>(), expression: new Map<string, TemplateReferences | TemplateSyntaxError>() };
const REFERENCE_CACHE_LIMIT = 50_000;

export function referencesOf(source: string, kind: 'template' | 'expression'): TemplateReferences {
  const referenceCache = referenceCaches[kind];
  let hit = referenceCache.get(source);
  if (!hit) {
    try {
      hit = (kind === 'template' ? simpleTemplateReferences(source) : null) ?? collectReferences(kind === 'expression' ? { expr: parseExpression(source) } : parseTemplate(source));
    } catch (e) {
      if (!(e instanceof TemplateSyntaxError)) throw e;
      hit = e;
    }
    if (referenceCache.size >= REFERENCE_CACHE_LIMIT) referenceCache.clear();
    referenceCache.set(source, hit);
  }
  if (hit instanceof TemplateSyntaxError) throw hit;
  return hit;
}
