// The agent room's door for the run: an `action: agent` step's loop, started from its step's
// settings, with what it has done so far kept where the step can read it if the loop is stopped
// from outside (its timeout, a cancelled run).
import { AgentLoop } from './loop';
import type { AgentHost, AgentRun } from './host';
import { Spend } from './spend';
import { copyOfResult, type AgentStepResult } from './types';

export { AgentLimitError, isAgentResult, limitMessage, toolCallCount, type AgentEvent, type AgentRef, type AgentStepResult, type AgentToolCall, type AgentTurn, type PendingCall, type StopReason, type ToolCallStatus } from './types';
export { MAX_AGENT_DEPTH } from './loop';
export type { AgentHost, AgentRun } from './host';
export type { McpAccess } from './catalog';

const soFar = new WeakMap<object, AgentStepResult>();

/** Runs an agent step's loop; `key` (the step's result record) finds what it did if it is stopped from outside. */
export function runAgent(run: AgentRun, host: AgentHost, signal: AbortSignal, key: object): Promise<AgentStepResult> {
  const loop = new AgentLoop(run, host, signal, new Spend(run.decl.budget), new Map());
  soFar.set(key, loop.state);
  return loop.start();
}

/** The loop so far of the agent step whose result record is `key` (undefined: no agent ran for it). */
export function agentSoFar(key: object): AgentStepResult | undefined {
  const s = soFar.get(key);
  return s && copyOfResult(s);
}
