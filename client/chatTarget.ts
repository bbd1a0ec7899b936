// The graph panel's chat input (media/chatInput.ts): whether a pipeline can continue a conversation
// — an agent step (top level or in a loop's body) with `memory:` and a parameter for the message —
// and the inputs of its next run: the message in its parameter (engine/run/inputs.ts's
// messageParameterOf, the rule `orc chat` follows), the session the panel's run had (so the message
// continues that conversation), and the other inputs that run was given (secret ones are never
// recorded: a run that needs them asks as Run Pipeline does). No vscode here: tested on its own.
import { randomUUID } from 'node:crypto';
import { messageParameterOf, type Pipeline, type Step } from '../engine/api/index';
import type { ChatTarget } from '../media/protocol';

function agentWithMemory(steps: Step[]): Step | null {
  for (const s of steps) {
    if (s.agent?.memory) return s;
    const inner = s.body ? agentWithMemory(s.body) : null;
    if (inner) return inner;
  }
  return null;
}

/** A session id for a conversation not started yet (as `orc chat` makes one). */
export function newSessionId(): string {
  return `chat-${randomUUID().slice(0, 8)}`;
}

/**
 * What the chat input offers for this pipeline (null: no agent step keeps a session, or no parameter
 * takes the message). `previous`: the inputs of the run the panel shows (its record's), whose
 * session the message continues; without one, the `session` parameter's default, else `fresh`.
 */
export function chatTarget(pipeline: Pipeline | null, previous: Record<string, unknown> | null, fresh: () => string = newSessionId): ChatTarget | null {
  if (!pipeline) return null;
  const step = agentWithMemory(pipeline.steps);
  const messageParam = messageParameterOf(pipeline.parameters);
  if (!step || !messageParam) return null;
  const decl = pipeline.parameters.find((p) => p.name === 'session');
  let session: string | null = null;
  if (decl) {
    const before = previous?.session;
    session = typeof before === 'string' && before.trim() ? before : decl.hasDefault && typeof decl.default === 'string' && decl.default ? decl.default : fresh();
  }
  return { step: step.id, messageParam, session };
}

/** The inputs of the run a chat message starts: the earlier run's (not its message, not a secret), the session, the message. */
export function chatInputs(pipeline: Pipeline, target: ChatTarget, message: string, previous: Record<string, unknown> | null): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const p of pipeline.parameters) {
    if (p.secret || p.name === target.messageParam || p.name === 'session') continue;
    if (previous && Object.prototype.hasOwnProperty.call(previous, p.name)) inputs[p.name] = previous[p.name];
  }
  if (target.session !== null) inputs.session = target.session;
  inputs[target.messageParam] = message;
  return inputs;
}
