// The template language: parse once (cached), render to a string or, for a value that is exactly
// one `{{ expr }}`, to a typed value.
import type { Expr, TemplateAst } from './ast';
import { TemplateSyntaxError } from './ast';
import { evaluateExpression, renderTemplate, type Scope } from './evaluate';
import { printedValue } from './values';
import { hasTemplateSyntax, parseExpression, parseTemplate } from './parser';

export { TemplateSyntaxError } from './ast';
export type { Expr, TemplateAst } from './ast';
export { TemplateRuntimeError, Undefined, LIMITS, str, truthy } from './values';
export { scopeOf, withRenderDeadline, type Scope } from './evaluate';
export { hasTemplateSyntax, parseExpression, parseTemplate } from './parser';
export { collectReferences, type NameRef, type TemplateReferences } from './references';
export { FILTERS, filterNames } from './filters';
export { TESTS } from './tests';

export interface CompiledTemplate {
  source: string;
  ast: TemplateAst;
  /** Set when the whole source is one `{{ expr }}`: the value keeps its type. */
  single: Expr | null;
}

const cache = new Map<string, CompiledTemplate>();
const CACHE_LIMIT = 20_000;

/** Parses a template, with a bounded cache (the same text in many steps parses once). */
export function compileTemplate(source: string): CompiledTemplate {
  const hit = cache.get(source);
  if (hit) return hit;
  const ast = parseTemplate(source);
  const only = ast.body.length === 1 && ast.body[0].type === 'Output' ? ast.body[0] : null;
  const single = only && only.start === 0 && only.end === source.length ? (only as { expr: Expr }).expr : null;
  const compiled = { source, ast, single };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, compiled);
  return compiled;
}

/** Renders a string value: typed when it is exactly one `{{ expr }}`, else a string. */
export function renderValue(source: string, scope: Scope): unknown {
  if (!hasTemplateSyntax(source)) return source;
  const t = compileTemplate(source);
  // a step's record used whole is its result, as it prints (`data: "{{ load }}"`)
  if (t.single) return printedValue(evaluateExpression(t.single, source, scope));
  return renderTemplate(t.ast, source, scope);
}

/** Evaluates a bare expression (a condition written without braces). */
export function evaluate(source: string, scope: Scope): unknown {
  return evaluateExpression(parseExpression(source), source, scope);
}

export function isTemplateSyntaxError(e: unknown): e is TemplateSyntaxError {
  return e instanceof TemplateSyntaxError;
}
