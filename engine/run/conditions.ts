// Evaluating `condition`, `while`, `until` and `for_each` at run time.
import { evaluate, hasTemplateSyntax, renderValue, truthy, type Scope } from '../template/index';

export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

const TRUE_TEXT = new Set(['true', 'yes', 'on', '1']);
const FALSE_TEXT = new Set(['false', 'no', 'off', '0', '', 'none', 'null']);

/**
 * A condition's truth. A template's typed value counts by its truthiness; a template that renders
 * text must render a plain true/false word; anything else cannot be evaluated and throws.
 */
export function evaluateCondition(value: unknown, scope: Scope): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return false;
  if (typeof value !== 'string') return truthy(value);
  if (!hasTemplateSyntax(value)) return truthy(evaluate(value, scope));
  const v = renderValue(value, scope);
  if (typeof v !== 'string') return truthy(v);
  const t = v.trim().toLowerCase();
  if (TRUE_TEXT.has(t)) return true;
  if (FALSE_TEXT.has(t)) return false;
  throw new ConditionError(`the condition rendered to ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v)}, which is neither true nor false`);
}

/** The items of a `for_each`: a YAML list, a template's typed value, or an expression. */
export function evaluateItems(value: unknown, scope: Scope): unknown[] {
  let v = value;
  if (typeof value === 'string') v = hasTemplateSyntax(value) ? renderValue(value, scope) : evaluate(value, scope);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    // a template that renders a JSON list (`{{ x | to_json }}`) still loops
    try {
      const parsed = JSON.parse(v);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // not JSON
    }
  }
  const kind = v === null || v === undefined ? 'none' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'mapping' : typeof v;
  throw new ConditionError(`for_each needs a list, got ${kind}`);
}
