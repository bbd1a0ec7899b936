// Where an agent step's time and money went, turn by turn (`orc report`): each model call's model,
// latency, tokens and cost, the tool calls it asked for with their durations and statuses (a named
// agent's own turns under its call), and how the loop stopped. Read from the step's result in the
// result document: its transcript and tool calls (bounded as the result is: a very long loop keeps
// its first and latest turns, and says how many it left out).
import type { AgentStepResult, AgentToolCall, AgentTurn, ResultDocument, StepResult, StopReason, ToolCallStatus } from './events';
import { isAgentResult, toolCallCount } from '../agent/index';

export interface AgentCallFigures {
  id: string;
  tool: string;
  status: ToolCallStatus;
  duration_ms: number;
  /** Why it was not ok (error, denial, refusal), as the model was told. */
  error?: string;
  /** A named agent called as a tool: its own turns. */
  agent?: AgentFigures;
}

export interface AgentTurnFigures {
  turn: number;
  model: string;
  latency_ms: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  finish_reason?: string;
  /** `final`: the call after a limit (`on_limit: answer`); `structured`: the one that shaped the answer into `vars`. */
  kind?: 'final' | 'structured' | 'summary';
  /** The calls it asked for, in the order asked. */
  calls: AgentCallFigures[];
}

export interface AgentFigures {
  stop_reason: StopReason;
  turns: number;
  tool_calls: number;
  /** Time in the model's turns (their latencies summed). */
  model_ms: number;
  /** Time in tool calls (their durations summed: the calls of one turn may have run at once). */
  tools_ms: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  transcript: AgentTurnFigures[];
  /** Turns and calls the result left out (a very long loop keeps its first and latest). */
  turns_omitted?: number;
  calls_omitted?: number;
  /** Calls whose turn the transcript left out. */
  calls_without_turn?: AgentCallFigures[];
}

export interface AgentReport extends AgentFigures {
  /** The step's key: its id, or `loop[2]/step` in a loop's iteration. */
  step: string;
  status: string;
  duration_ms: number | null;
  error: string | null;
}

/** Whether a step's result is an agent's loop (SPEC "Agents"). */

const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);

function callFigures(c: AgentToolCall): AgentCallFigures {
  return {
    id: c.id,
    tool: c.tool,
    status: c.status,
    duration_ms: num(c.duration_ms),
    ...(c.error !== undefined ? { error: c.error } : {}),
    ...(isAgentResult(c.agent) ? { agent: agentFigures(c.agent) } : {}),
  };
}

export function agentFigures(r: AgentStepResult): AgentFigures {
  const calls = r.tool_calls.map(callFigures);
  const placed = new Set<AgentCallFigures>();
  const transcript = r.transcript.map((t: AgentTurn): AgentTurnFigures => {
    // the calls the turn asked for, in its order; a repeated id (a provider's) by turn too
    const own = (t.tool_calls ?? []).map((id) => r.tool_calls.findIndex((c, i) => c.id === id && c.turn === t.turn && !placed.has(calls[i]))).filter((i) => i >= 0).map((i) => calls[i]);
    for (const c of own) placed.add(c);
    return {
      turn: t.turn,
      model: t.model,
      latency_ms: num(t.latency_ms),
      tokens_in: num(t.tokens_in),
      tokens_out: num(t.tokens_out),
      cost_usd: num(t.cost_usd),
      ...(t.finish_reason ? { finish_reason: t.finish_reason } : {}),
      ...(t.kind ? { kind: t.kind } : {}),
      calls: own,
    };
  });
  const unplaced = calls.filter((c) => !placed.has(c));
  return {
    stop_reason: r.stop_reason,
    turns: r.turns,
    tool_calls: toolCallCount(r),
    model_ms: round(transcript.reduce((t, x) => t + x.latency_ms, 0)),
    tools_ms: round(calls.reduce((t, c) => t + c.duration_ms, 0)),
    tokens_in: num(r.tokens_in),
    tokens_out: num(r.tokens_out),
    cost_usd: num(r.cost_usd),
    transcript,
    ...(r.transcript_omitted ? { turns_omitted: r.transcript_omitted } : {}),
    ...(r.tool_calls_omitted ? { calls_omitted: r.tool_calls_omitted } : {}),
    ...(unplaced.length ? { calls_without_turn: unplaced } : {}),
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** The agent steps of a run, top-level first, then those in loops' iterations (`loop[2]/step`), in the document's order. */
export function agentReports(doc: ResultDocument): AgentReport[] {
  const out: AgentReport[] = [];
  const walk = (steps: Record<string, StepResult>, prefix: string) => {
    for (const [id, r] of Object.entries(steps)) {
      if (isAgentResult(r.result)) out.push({ step: `${prefix}${id}`, status: r.status === 'completed' && r.success === false ? 'reported failure' : r.status, duration_ms: r.duration_ms, error: r.error, ...agentFigures(r.result) });
      for (const it of r.iterations ?? []) walk(it.steps, `${prefix}${id}[${it.index}]/`);
    }
  };
  walk(doc.steps, '');
  return out;
}

/** What the agent steps' figures suggest: a loop that stopped at a limit, calls the model kept getting wrong. */
export function agentSuggestions(agents: AgentReport[]): string[] {
  const out: string[] = [];
  for (const a of agents) {
    if (a.stop_reason === 'max_turns' || a.stop_reason === 'max_tool_calls' || a.stop_reason === 'budget') out.push(`Agent step '${a.step}' stopped at its ${a.stop_reason} limit after ${a.turns} turn${a.turns === 1 ? '' : 's'}: raise ${a.stop_reason === 'budget' ? 'its budget' : a.stop_reason}, or narrow its task or its tools.`);
    const all = [...a.transcript.flatMap((t) => t.calls), ...(a.calls_without_turn ?? [])];
    const wasted = all.filter((c) => c.status === 'error' || c.status === 'refused').length;
    if (wasted >= 3 && wasted * 2 >= all.length) out.push(`Agent step '${a.step}': ${wasted} of its ${all.length} tool calls failed or were refused: its instructions or the tools' descriptions may not say enough.`);
  }
  return out;
}
