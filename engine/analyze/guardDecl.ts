// `guardrails:`, `repair:` and `budget:` as written → the engine's GuardrailsDecl, repair count and
// BudgetDecl (engine/spec/types.ts). Tolerant of invalid input: the schema pass reports what is wrong.
import type { BudgetDecl, GuardDecl, GuardKind, GuardrailsDecl, ValuePath } from '../spec/types';

type Obj = Record<string, unknown>;

export const GUARD_KINDS: readonly GuardKind[] = ['deny', 'allow', 'pii', 'max_chars', 'schema', 'judge', 'pipeline'];
const ON_FAIL = ['block', 'redact', 'retry', 'ask'] as const;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nonNegative(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

function guardList(v: unknown, path: ValuePath): GuardDecl[] {
  if (!Array.isArray(v)) return [];
  const out: GuardDecl[] = [];
  v.forEach((g, i) => {
    if (!isObj(g)) return;
    const kind = GUARD_KINDS.find((k) => Object.prototype.hasOwnProperty.call(g, k));
    if (!kind) return;
    const onFail = ON_FAIL.find((a) => a === g.on_fail) ?? 'block';
    out.push({ kind, name: typeof g.name === 'string' && g.name ? g.name : kind, value: g[kind], onFail, path: path.concat(i) });
  });
  return out;
}

/** A step's `guardrails:` (undefined: none written). */
export function guardrailsOf(v: unknown, path: ValuePath): GuardrailsDecl | undefined {
  if (!isObj(v)) return undefined;
  return { input: guardList(v.input, [...path, 'input']), output: guardList(v.output, [...path, 'output']), toolResults: guardList(v.tool_results, [...path, 'tool_results']) };
}

/** `repair.max_attempts` (undefined: not written). */
export function repairAttemptsOf(v: unknown): number | undefined {
  if (!isObj(v)) return undefined;
  const n = v.max_attempts;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** A `budget:` mapping (undefined: not written, or it sets nothing). */
export function budgetOf(v: unknown): BudgetDecl | undefined {
  if (!isObj(v)) return undefined;
  const b: BudgetDecl = { maxCostUsd: nonNegative(v.max_cost_usd), maxTokens: nonNegative(v.max_tokens), maxDuration: nonNegative(v.max_duration) };
  return b.maxCostUsd === null && b.maxTokens === null && b.maxDuration === null ? undefined : b;
}
