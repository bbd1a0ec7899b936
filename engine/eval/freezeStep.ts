// Freeze as Test: one step of a real run becomes a step case (`orc eval add FILE RUN_ID --step ID`).
// The case runs that step alone on what it saw in the run: the results of the top-level steps that
// ended before it, as `upstream` values (kept in the case, so it outlives the run's record), the run's
// inputs, and, for an agent step, each tool call's recorded result (or error) as a mock, so the step
// calls no tool when the case runs. With --expect, what the step gave is what it must give
// (frozenExpectation).
import type { AgentToolCall, ResultDocument } from '../run/events';
import type { Analysis } from '../analyze/index';

/** The step case's keys for `step` of run `doc`; a message when the step cannot be frozen. */
export function frozenStep(doc: ResultDocument, a: Analysis, step: string): Record<string, unknown> | string {
  const ids = a.pipeline!.steps.map((s) => s.id);
  if (!ids.includes(step)) return `the pipeline has no top-level step '${step}' (${ids.join(', ')})`;
  const r = doc.steps[step];
  if (!r || !r.started_at) return `step '${step}' did not run in run ${doc.execution_id}: there is nothing to freeze`;
  const upstream: Record<string, unknown> = {};
  for (const id of doc.execution_order) {
    if (id === step) break;
    const u = doc.steps[id];
    if (u && u.status === 'completed' && u.success === true) upstream[id] = u.result;
  }
  const out: Record<string, unknown> = { step, upstream };
  const calls = (r.result as { tool_calls?: AgentToolCall[] } | null)?.tool_calls;
  if (Array.isArray(calls)) {
    const mocks = calls.filter((c) => c.status === 'ok' || c.status === 'error').map((c) => ({ tool: c.tool, args: c.arguments, ...(c.status === 'ok' ? { result: c.result ?? null } : { error: c.error ?? 'error' }) }));
    if (mocks.length) out.mocks = mocks;
  }
  return out;
}

/**
 * What a frozen step case expects (--expect): a plain step's recorded result, equal; an agent step,
 * whose result holds timings that never repeat, completed with the tools it ran in that order.
 */
export function frozenExpectation(doc: ResultDocument, step: string): Record<string, unknown>[] {
  const r = doc.steps[step];
  const calls = (r.result as { tool_calls?: AgentToolCall[] } | null)?.tool_calls;
  if (!Array.isArray(calls)) return [{ step, equals: JSON.parse(JSON.stringify(r.result ?? null)) as unknown }];
  const ran = calls.filter((c) => c.status === 'ok').map((c) => c.tool);
  return [{ step, status: 'completed' }, ...(ran.length ? [{ step, tool_sequence: ran }] : [])];
}
