// Where in the pipeline a failed eval case went wrong, as the Test Explorer's stack trace of its
// failure: the tool call, the step that made it and the pipeline, each at its line of the pipeline
// file. Innermost first, as any stack trace reads (VS Code's peek lists the frames in this order):
// `tool lookup_order` (the entry of the agent's `tools:` the call was allowed by, or a tool step's
// `tool:` line), `step reply` (the step's `id:`), `pipeline support` (the pipeline's `id:`).
// Which step: the one the run failed at; else the step the assertion looked at (`step: ID`, or the
// step an output is made from, the last of them to run). Which call of an agent: the call of the
// tool a tool_called / tool_not_called names, else its last call that did not succeed, else its
// last call. No vscode: test/client/evalStackFrames.test.ts.
import { type Analysis, exactSpan, type ResultDocument, type AssertionResult } from '../engine/api/index';

/** One frame: its label and its 0-based position in the pipeline file (null: not found in it). */
export interface EvalStackFrame {
  label: string;
  at: { line: number; character: number } | null;
}

interface AgentCall {
  tool: string;
  status: string;
}

/** The step the failure is placed at (null: the run as a whole). */
export function failureStep(pipeline: Analysis, doc: ResultDocument | null, a: Pick<AssertionResult, 'target'> | null): string | null {
  if (doc?.failed_steps.length) return doc.failed_steps[0];
  const m = a ? /^(output|step) (.+)$/.exec(a.target) : null;
  if (!m) return null;
  if (m[1] === 'step') return m[2];
  const from = pipeline.references.filter((r) => r.fromStep === null && r.path[0] === 'outputs' && r.path[1] === m[2]).map((r) => r.stepId);
  if (!from.length) return null;
  const order = doc?.execution_order ?? [];
  return [...from].sort((x, y) => order.indexOf(x) - order.indexOf(y)).pop()!;
}

function callsOf(result: unknown): AgentCall[] {
  const calls = (result as { tool_calls?: unknown } | null)?.tool_calls;
  return Array.isArray(calls) ? (calls as AgentCall[]).filter((c) => c && typeof c.tool === 'string') : [];
}

/** The agent's call the failure is about (see the header). */
function agentCall(calls: AgentCall[], a: Pick<AssertionResult, 'kind' | 'expected'> | null): AgentCall | undefined {
  if (a && (a.kind === 'tool_called' || a.kind === 'tool_not_called') && typeof a.expected === 'string') {
    const named = calls.filter((c) => c.tool === a.expected);
    if (named.length) return named[named.length - 1];
  }
  const bad = calls.filter((c) => c.status !== 'ok');
  return bad.length ? bad[bad.length - 1] : calls[calls.length - 1];
}

/** The frames of a failure of this case's run (`a`: the failed assertion, null: the run itself). */
export function failureFrames(pipeline: Analysis | null | undefined, doc: ResultDocument | null, a: Pick<AssertionResult, 'kind' | 'target' | 'expected'> | null): EvalStackFrame[] {
  if (!pipeline?.pipeline) return [];
  const at = (p: (string | number)[], key: boolean): EvalStackFrame['at'] => {
    const span = exactSpan(pipeline.parsed, p);
    if (!span) return null;
    const pos = pipeline.parsed.lines.position(key && span.keyStart >= 0 ? span.keyStart : span.start);
    return { line: pos.line, character: pos.character };
  };
  const frames: EvalStackFrame[] = [];
  const id = failureStep(pipeline, doc, a);
  const step = id ? pipeline.stepIndex.get(id)?.step : undefined;
  if (id && step) {
    if (step.agent) {
      const call = agentCall(callsOf(doc?.steps[id]?.result), a);
      if (call) {
        // the allow-list entry that let the call through: its own spelling, or its whole tool's
        const entry = step.agent.tools.find((t) => t.spelling === call.tool) ?? step.agent.tools.find((t) => call.tool.startsWith(`${t.spelling}.`));
        frames.push({ label: `tool ${call.tool}`, at: entry ? at(entry.path, false) : null });
      }
    } else if (step.tool) {
      frames.push({ label: `tool ${step.action ? `${step.tool}.${step.action}` : step.tool}`, at: at([...step.path, 'tool'], true) });
    }
    frames.push({ label: `step ${id}`, at: at([...step.path, 'id'], true) });
  } else if (id) frames.push({ label: `step ${id}`, at: null });
  frames.push({ label: `pipeline ${pipeline.pipeline.id}`, at: at(['id'], true) ?? { line: 0, character: 0 } });
  return frames;
}
