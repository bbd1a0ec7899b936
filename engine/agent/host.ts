// What an agent's loop is given: by the run (the host: models, tools, servers, the person to ask,
// where to tell what happens), and for each agent it runs (the step's own, or a named agent).
import type { AgentDecl, Pipeline } from '../spec/types';
import type { ChatResponse, ModelCallRecord, ModelRunner } from '../models/modelRunner';
import type { ToolTape } from '../models/cassette';
import type { ToolContext, ToolDefinition } from '../toolkit/runtime';
import type { StepInteraction } from '../toolkit/interaction';
import type { Redactor } from '../toolkit/redact';
import type { McpAccess } from './catalog';
import type { JsonSchema } from './schemas';
import type { AgentEvent, AgentRef, AgentStepResult } from './types';
import type { SessionMemory } from './sessionMemory';
import type { TurnReplay } from './turnReplay';
import type { ContentPart } from '../models/contentParts';

/** A call the loop is about to run, as a debugger is shown it before the turn's calls start. */
export interface HeldCall {
  agent: AgentRef;
  turn: number;
  id: string;
  /** As the allow-list spells it (`filesystem.write`, `agent:worker`). */
  tool: string;
  /** What it would run with, not redacted (the debugger is the person's own process; records are redacted). A copy: changing it changes nothing. */
  arguments: Record<string, unknown>;
  /** The tool's argument JSON Schema, which edited arguments must fit. */
  schema: JsonSchema;
  /** The conversation so far: a copy of the loop's result (its transcript, and the calls of the turns before this one). */
  conversation: AgentStepResult;
}

/** A handoff just taken, as a debugger is shown it before the agent it went to takes its first turn. */
export interface HeldHandoff {
  agent: AgentRef;
  turn: number;
  from: string;
  to: string;
  /** The conversation so far: a copy of the loop's result (its handoffs with this one). */
  conversation: AgentStepResult;
}

/** How a held call goes on: as the model asked, with other arguments (checked against the schema), or not at all (the model is told a person denied it). */
export type CallDecision = { action: 'run' } | { action: 'edit'; arguments: Record<string, unknown> } | { action: 'deny' };

/** What the run gives an agent: its models, tools and servers, the person to ask, where to tell what happens. */
export interface AgentHost {
  stepId: string;
  pipeline: Pick<Pipeline, 'agents' | 'experts' | 'personalities' | 'model'>;
  models: ModelRunner;
  tools: Record<string, ToolDefinition>;
  mcp?: McpAccess;
  redactor: Redactor;
  interaction?: StepInteraction;
  /** The run's cassette, for the tool calls (record them, or answer them under --replay-tools). */
  tape?: ToolTape;
  pipelineFile: string | null;
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
  defaultModel: string | null;
  /** A tool's context for one call, on the call's own signal. */
  toolContext(signal: AbortSignal): ToolContext;
  emit(e: AgentEvent): void;
  onText(chunk: string): void;
  onCall(c: ModelCallRecord): void;
  /** A turn's figures, added to the step's (tokens, cost, latency, the model that answered). */
  spent(res: ChatResponse): void;
  /** The step's `tool_results` guards: a result's text as the model may see it (redacted), or a GuardrailError. */
  checkToolResult?(content: string): Promise<string>;
  /** A personality's system prompt (its file read), for named agents that name one. */
  personality(name: string): string | null;
  /** Present when a debugger is attached: asked before each call the loop will run, one at a time in the order asked, before any call of the turn starts. The call waits for the answer (cancelling the run ends the wait); nothing returned: it runs as asked. */
  beforeCall?(call: HeldCall, signal: AbortSignal): Promise<CallDecision | void> | CallDecision | void;
  /** Present when a debugger is attached: told of each handoff once it is recorded, before the agent it went to takes its first turn, which waits for it. */
  atHandoff?(handoff: HeldHandoff, signal: AbortSignal): Promise<void> | void;
}

/** One agent's run: the step's own, or a named agent a call started. */
export interface AgentRun {
  ref: AgentRef;
  /** `provider:model`, then the models that stand in for it when a turn fails for a reason another could fix. */
  models: string[];
  system: string | null;
  prompt: string;
  decl: AgentDecl;
  /** The final answer's JSON Schema (the step's `vars`). */
  schema: Record<string, unknown> | null;
  maxTokens: number | null;
  temperature: number | null;
  stream: boolean;
  depth: number;
  /** Images, files and audio sent with the prompt (the step's `images:`, `files:`, `audio:`). */
  parts?: ContentPart[];
  /** The session the conversation continues (`memory:`): its messages go before the prompt, and the run's are added to it. */
  session?: SessionMemory;
  /** A fork at a turn of this loop: the turns before it answered from the parent run's record (engine/agent/turnReplay.ts). */
  replay?: TurnReplay;
}

