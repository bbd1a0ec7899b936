// What an agent's loop is given: by the run (the host: models, tools, servers, the person to ask,
// where to tell what happens), and for each agent it runs (the step's own, or a named agent).
import type { AgentDecl, Pipeline } from '../spec/types';
import type { ChatResponse, ModelCallRecord, ModelRunner } from '../models/modelRunner';
import type { ToolTape } from '../models/cassette';
import type { ToolContext, ToolDefinition } from '../toolkit/runtime';
import type { StepInteraction } from '../toolkit/interaction';
import type { Redactor } from '../toolkit/redact';
import type { McpAccess } from './catalog';
import type { AgentEvent, AgentRef } from './types';

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
  /** A personality's system prompt (its file read), for named agents that name one. */
  personality(name: string): string | null;
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
}

