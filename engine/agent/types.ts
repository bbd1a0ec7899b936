// What an agent step produces and tells as it runs: its result (SPEC "Agents": answer, stop_reason,
// turns, tool_calls) with the transcript turn by turn, the events of each turn and each call (the
// run's RunEvents carry them: engine/run/events.ts), and the error a limit ends it with.
import { ToolError } from '../toolkit/runtime';
import type { AgentLimit } from '../spec/types';
import type { HandoffRecord } from './handoffs';
import type { SessionRecord } from './sessionMemory';

export type { HandoffRecord } from './handoffs';
export type { SessionRecord } from './sessionMemory';

export type ToolCallStatus = 'ok' | 'error' | 'denied' | 'refused';
/** Why the loop ended: it answered, a limit ended it, the run was cancelled, or something failed (a provider, a replay miss). */
export type StopReason = 'answered' | AgentLimit | 'cancelled' | 'error';

/** One call the model asked for, and what became of it. */
export interface AgentToolCall {
  /** The provider's id of the call (ours, `call_N`, when the provider gave none). */
  id: string;
  /** As the allow-list spells it (`filesystem.read`, `mcp:files.list`, `pipeline:report.pipeline.yaml`, `agent:worker`), or the wire name the model used when it names nothing allowed. */
  tool: string;
  /** As the model gave them (secrets redacted); a text that was not JSON stays text. */
  arguments: unknown;
  /** `ok`: what the tool gave. */
  result?: unknown;
  /** `error`, `denied`, `refused`: why, as the model was told. */
  error?: string;
  status: ToolCallStatus;
  duration_ms: number;
  /** The turn that asked for it (1 first). */
  turn: number;
  /** The arguments were changed before the call ran (a person approving it, a debugger). */
  edited?: true;
  /** A named agent called as a tool: its own result (bounded as this one is). */
  agent?: AgentStepResult;
  /** A fork's call answered from the parent run's record: nothing ran. */
  from_record?: true;
}

/** One model call of the loop. */
export interface AgentTurn {
  turn: number;
  model: string;
  /** The model's text this turn (secrets redacted). */
  text: string;
  /** Ids of the calls it asked for, in order. */
  tool_calls: string[];
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  latency_ms: number;
  finish_reason?: string;
  /** Set when the provider's token counts could not be taken: which, and that they were counted as 0. */
  usage?: string;
  /** The last call after a limit (`on_limit: answer`), the call that shaped the answer into `vars`, or the call that compacted the session into a summary. */
  kind?: 'final' | 'structured' | 'summary';
  /** The agent whose instructions and tools were in force, once the conversation was handed off (absent: the step's own). */
  agent?: string;
  /** This turn handed the conversation to that agent (`transfer_to_NAME`). */
  handoff?: string;
  /** A fork's turn answered from the parent run's record: no model was asked (its figures are 0). */
  from_record?: true;
}

/** An agent step's `result`. */
export interface AgentStepResult {
  /** The final answer's text; null when a limit ended the loop without one. */
  answer: string | null;
  /** The final answer as the step's `vars`, when it declares them. */
  vars?: Record<string, unknown>;
  stop_reason: StopReason;
  /** Model calls made (the last call after a limit included). */
  turns: number;
  tool_calls: AgentToolCall[];
  /** Calls left out of `tool_calls` between its first and its latest ones (a very long loop). */
  tool_calls_omitted?: number;
  transcript: AgentTurn[];
  transcript_omitted?: number;
  /** The handoffs the conversation took, in order (absent: none). */
  handoffs?: HandoffRecord[];
  /** The session the conversation continued (`memory:`). */
  session?: SessionRecord;
  /** Tokens and cost of the whole loop, sub-agents included (the step's own figures hold them too). */
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
}

/** Which agent an event is about: the step's own (`path` empty), or a named agent a call started (`path`: the ids of the calls that lead to it). */
export interface AgentRef {
  name: string;
  path: string[];
}

/** A call as it is asked: what the model wrote, before anything runs. */
export interface PendingCall {
  id: string;
  tool: string;
  arguments: unknown;
}

/** What an agent tells as it runs; the run adds the step and its scope (RunEvent). */
export type AgentEvent =
  | { type: 'agent-turn-started'; agent: AgentRef; turn: number; model: string }
  | { type: 'agent-turn-ended'; agent: AgentRef; turn: AgentTurn; calls: PendingCall[] }
  | { type: 'tool-call-started'; agent: AgentRef; turn: number; call: PendingCall; /** It waits for a person's approval first. */ approval: boolean }
  | { type: 'tool-call-ended'; agent: AgentRef; call: AgentToolCall }
  | { type: 'agent-ended'; agent: AgentRef; stop_reason: StopReason; turns: number; tool_calls: number; answer: string | null }
  /** The conversation was handed from one agent to another (`transfer_to_NAME`). */
  | { type: 'agent-handoff'; agent: AgentRef; turn: number; from: string; to: string };

/** Whether a step's result (or a call's `agent`) is an agent's loop. */
export function isAgentResult(v: unknown): v is AgentStepResult {
  const r = v as Partial<AgentStepResult> | null;
  return Boolean(r && typeof r === 'object' && typeof r.stop_reason === 'string' && typeof r.turns === 'number' && Array.isArray(r.tool_calls) && Array.isArray(r.transcript));
}

/** The calls the model asked for, those a long loop's record left out included. */
export function toolCallCount(r: AgentStepResult): number {
  return r.tool_calls.length + (r.tool_calls_omitted ?? 0);
}

/** A copy of a loop's result (its lists copied, so the loop may go on), with another stop reason when given. */
export function copyOfResult(r: AgentStepResult, stop: StopReason = r.stop_reason): AgentStepResult {
  return { ...r, stop_reason: stop, tool_calls: [...r.tool_calls], transcript: [...r.transcript], ...(r.handoffs ? { handoffs: [...r.handoffs] } : {}) };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The message of a limit that ended an agent before it answered: `Agent step 'triage' stopped at its limit: max_turns (8 model calls) reached before it answered (8 turns, 14 tool calls, 20480 tokens, $0.0312)`. */
export function limitMessage(agent: AgentRef, limit: string, r: AgentStepResult): string {
  const who = agent.path.length ? `Agent '${agent.name}'` : `Agent step '${agent.name}'`;
  return `${who} stopped at its limit: ${limit} reached before it answered (${plural(r.turns, 'turn')}, ${plural(toolCallCount(r), 'tool call')}, ${r.tokens_in + r.tokens_out} tokens, $${r.cost_usd.toFixed(4)})`;
}

/** A limit ended the loop (`on_limit: fail`): the step fails, its result the loop so far. */
export class AgentLimitError extends ToolError {
  constructor(
    readonly limit: AgentLimit,
    message: string,
    /** The loop so far (stop_reason the limit): the step's result. */
    readonly partial: AgentStepResult,
  ) {
    super(message, 'AgentLimitError');
  }

  /** Another attempt would spend as much and stop at the same limit; a timeout may be the provider's slowness. */
  override get retryable(): boolean {
    return this.limit === 'timeout';
  }
}
