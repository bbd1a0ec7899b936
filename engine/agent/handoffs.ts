// Handoffs: an agent (a step's, or a named agent) lists `handoffs: [NAME]`; the model is offered
// each as a tool `transfer_to_NAME`, and calling one hands the whole conversation to that named
// agent: from the next turn its instructions are the system prompt, its allow-list the tools, its
// handoffs the transfers offered, its model (when it names one) the model. The step's limits still
// bound the whole conversation, and the handoffs of one step are bounded too, so two agents that
// hand the conversation back and forth stop with the chain in the message.
import type { AgentDecl, NamedAgent } from '../spec/types';
import type { ToolDecl, WireToolCall } from '../models/provider';
import { ToolError } from '../toolkit/runtime';
import { MAX_WIRE_NAME } from './toolNames';

/** The most handoffs one step's conversation may take. */
export const MAX_HANDOFFS = 8;

/** A handoff the step's conversation took: to whom, at which turn. */
export interface HandoffRecord {
  to: string;
  turn: number;
}

/** The tool name a handoff is offered as. */
export function transferName(agent: string): string {
  const s = `transfer_to_${agent.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return s.slice(0, MAX_WIRE_NAME);
}

/** The agent whose instructions and tools are in force. */
export interface Speaker {
  /** The step's id for the step's own agent; a named agent's name. */
  name: string;
  system: string | null;
  decl: AgentDecl;
  /** Its own model, when it names one (a named agent). */
  model: string | null;
}

/** The transfers an agent offers: wire name → the named agent. A name that is not an agent of `agents:` fails the step (the analyzer reports it before a run). */
export function transfersOf(decl: AgentDecl, agents: Record<string, NamedAgent> | undefined, who: string): Map<string, NamedAgent> {
  const out = new Map<string, NamedAgent>();
  for (const name of decl.handoffs ?? []) {
    const agent = agents && Object.prototype.hasOwnProperty.call(agents, name) ? agents[name] : undefined;
    if (!agent) throw new ToolError(`${who} hands off to '${name}', which is no agent of 'agents:'`, 'ConfigurationError');
    out.set(transferName(name), agent);
  }
  return out;
}

/** The declarations of the transfers, as the model is given them. */
export function transferDecls(transfers: Map<string, NamedAgent>): ToolDecl[] {
  return [...transfers].map(([wire, a]) => ({
    name: wire,
    description: `Hand the conversation over to the agent '${a.name}'${a.description ? `: ${a.description}` : ''}. It takes over from here, with the whole conversation; call this alone, with no other tool.`,
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  }));
}

/** The first transfer a turn's calls ask for, if any. */
export function transferIn(calls: WireToolCall[], transfers: Map<string, NamedAgent>): { call: WireToolCall; agent: NamedAgent } | null {
  for (const c of calls) {
    const agent = transfers.get(c.name);
    if (agent) return { call: c, agent };
  }
  return null;
}

/** The message of a step whose conversation was handed over more than MAX_HANDOFFS times: the chain of agents, by name. */
export function handoffLimitMessage(step: string, start: string, handoffs: HandoffRecord[]): string {
  const chain = [start, ...handoffs.map((h) => h.to)].join(' → ');
  return `Agent step '${step}' stopped at its limit: handoffs (${MAX_HANDOFFS} in one step) reached: the conversation went ${chain}`;
}
