// One bound for the whole tree of agents of a step. Each agent's own limits hold, but named agents
// that call themselves or each other, several calls a turn, multiply them: under the default limits
// (10 turns, 4 levels) a tree made more than 60,000 model calls. The tree of one step now shares one
// count of model calls and tool calls, bounded at TREE_FACTOR times the step's own max_turns and
// max_tool_calls: a step alone never reaches it, only the agents it calls and the agents they call
// together. Cost is bounded by the step's budget (a sub-agent's spending counts in every agent
// above it, spend.ts), depth by MAX_AGENT_DEPTH (loop.ts).
import type { AgentDecl } from '../spec/types';

export const TREE_FACTOR = 10;

export class TreeBound {
  modelCalls = 0;
  toolCalls = 0;

  constructor(
    readonly maxModelCalls: number,
    readonly maxToolCalls: number,
  ) {}

  /** The bound of the tree under a step's agent. */
  static of(decl: Pick<AgentDecl, 'maxTurns' | 'maxToolCalls'>): TreeBound {
    return new TreeBound(TREE_FACTOR * Math.max(1, decl.maxTurns), TREE_FACTOR * Math.max(1, decl.maxToolCalls));
  }

  /** No agent of the tree may make another model call. */
  modelCallsSpent(): boolean {
    return this.modelCalls >= this.maxModelCalls;
  }

  /** No agent of the tree may make another tool call. */
  toolCallsSpent(): boolean {
    return this.toolCalls >= this.maxToolCalls;
  }

  /** The limit in words, for the failure and the last turn's message. */
  words(): string {
    return `the bound of its whole tree of agents (${this.maxModelCalls} model calls, ${this.maxToolCalls} tool calls: ${TREE_FACTOR} times its max_turns and max_tool_calls, over every agent it calls and the agents they call)`;
  }
}
