// The eval's assertion kinds and what each takes as its operand: shared by eval files
// (engine/eval/evalFile.ts) and a pipeline's `monitors:` (engine/analyze/monitorCheck.ts), which
// write the same assertions.

export const ASSERTION_KINDS = [
  'equals', 'contains', 'icontains', 'not_contains', 'regex', 'is_json', 'json_schema', 'numeric', 'min_length', 'max_length',
  'max_cost_usd', 'max_latency_ms', 'status', 'llm_rubric', 'similar', 'expression',
  'tool_called', 'tool_not_called', 'tool_sequence', 'max_turns', 'max_tool_calls', 'handoff_to',
  'guardrail_tripped', 'guardrail_not_tripped',
] as const;
export type AssertionKind = (typeof ASSERTION_KINDS)[number];

const isMapping = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
const wholeAtLeast0 = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const named = (v: unknown): boolean => typeof v === 'string' && v.trim() !== '';

/** What KIND takes when OPERAND is not that ("a text (a template)"), or null when it is. */
export function assertionOperandProblem(kind: AssertionKind, operand: unknown): string | null {
  if (['contains', 'icontains', 'not_contains', 'regex', 'llm_rubric', 'similar', 'expression'].includes(kind)) return typeof operand === 'string' ? null : 'a text (a template)';
  if (['min_length', 'max_length', 'max_latency_ms', 'max_turns', 'max_tool_calls'].includes(kind)) return wholeAtLeast0(operand) ? null : 'a whole number of at least 0';
  switch (kind) {
    case 'max_cost_usd':
      return typeof operand === 'number' && operand >= 0 ? null : 'a number of at least 0';
    case 'numeric':
      return typeof operand === 'number' || typeof operand === 'string' ? null : 'a number (or a template giving one)';
    case 'status':
      return operand === 'completed' || operand === 'failed' ? null : "'completed' or 'failed'";
    case 'is_json':
      return operand === true ? null : 'true';
    case 'json_schema':
      return isMapping(operand) ? null : 'a JSON Schema (a mapping)';
    case 'tool_called':
    case 'tool_not_called':
      return named(operand) ? null : 'a tool as the allow-list spells it (`filesystem.read`, `mcp:files.list`, `agent:worker`)';
    case 'tool_sequence':
      return Array.isArray(operand) && operand.length && operand.every(named) ? null : 'a list of tools as the allow-list spells them, in the order they must be called';
    case 'handoff_to':
      return named(operand) ? null : "the name of a named agent (of the pipeline's `agents:`) the conversation was handed to";
    case 'guardrail_tripped':
    case 'guardrail_not_tripped':
      return named(operand) ? null : "a guard's name (its `name:`, else its kind: `pii`, `deny`, ...)";
    default:
      return null; // equals: any value
  }
}
