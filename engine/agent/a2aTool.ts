// `tools: [{a2a: URL, token_env: NAME}]`: a remote agent, another vendor's or another `orc serve
// --a2a`, as one tool of an agent step. Its card is read when the step starts (its name, description
// and skills describe the tool); a call sends the model's message through the A2A project's own
// client (@a2a-js/sdk, JSON-RPC or REST as the card offers) and the answer — a message, or the task's
// artifacts and final status — is the call's result, data like any tool's. The bearer token comes
// from the environment variable `token_env` names and is never in an error, a result or an event.
import { randomUUID } from 'node:crypto';
import { Role, TaskState, type AgentCard, type Message, type Part, type Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory, RestTransportFactory, type Client } from '@a2a-js/sdk/client';
import { ToolError, type ToolOutcome } from '../toolkit/runtime';

/** At most this much of an answer's text is the result (as other tools' results are bounded). */
const MAX_ANSWER = 64_000;

export interface RemoteAgent {
  card: AgentCard;
  /** Sends one message; the answer's text and what else it carried. */
  ask(message: string, signal: AbortSignal): Promise<ToolOutcome>;
}

/** The card's URL: a URL ending in `.json` is the card itself, else the agent's base (its card at `/.well-known/agent-card.json` beneath it). */
function cardLocation(url: string): string {
  return /\.json$/i.test(new URL(url).pathname) ? url : `${url.replace(/\/+$/, '')}/.well-known/agent-card.json`;
}

/** A fetch that adds the bearer token, and whose failures never carry it. */
function tokenFetch(token: string | null): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
}

/** The text parts' text (URLs of file parts too, a line each). */
const textOfParts = (parts: Part[] | undefined) =>
  (parts ?? [])
    .flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : p.content?.$case === 'url' ? [p.content.value] : []))
    .join('\n');
/** The first structured (data) part's value, if any. */
const dataOfParts = (parts: Part[] | undefined): unknown => (parts ?? []).find((p) => p.content?.$case === 'data')?.content?.value;
const cut = (s: string) => (s.length > MAX_ANSWER ? `${s.slice(0, MAX_ANSWER)}… [cut at ${MAX_ANSWER} characters]` : s);

/** What a task's state says, and whether it failed (made when first asked: the SDK loads with its first use). */
function stateWord(state: TaskState): { word?: string; failed: boolean } {
  switch (state) {
    case TaskState.TASK_STATE_FAILED:
      return { word: 'failed', failed: true };
    case TaskState.TASK_STATE_CANCELED:
      return { word: 'was cancelled', failed: true };
    case TaskState.TASK_STATE_REJECTED:
      return { word: 'rejected the task', failed: true };
    case TaskState.TASK_STATE_INPUT_REQUIRED:
      return { word: 'asks for more input', failed: false };
    case TaskState.TASK_STATE_AUTH_REQUIRED:
      return { word: 'asks for authentication', failed: false };
    default:
      return { failed: false };
  }
}

/** What a call answers the model: the text, and the task's state and id when the agent made a task. */
export function answerOf(agentName: string, r: Message | Task): ToolOutcome {
  if ('messageId' in r) {
    const data = dataOfParts(r.parts);
    return { success: true, result: { text: cut(textOfParts(r.parts)), ...(data !== undefined ? { data } : {}) } };
  }
  const state = r.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
  const said = textOfParts(r.status?.message?.parts);
  // the answer is the task's first artifact with text; else what its final status says
  const artifact = r.artifacts.find((a) => textOfParts(a.parts)) ?? r.artifacts[0];
  const text = cut(textOfParts(artifact?.parts) || said);
  const data = r.artifacts.map((a) => dataOfParts(a.parts)).find((d) => d !== undefined);
  const result = { text, ...(data !== undefined ? { data } : {}), task_id: r.id, state: TaskState[state] ?? String(state) };
  const { word, failed } = stateWord(state);
  if (failed) return { success: false, result, error: `The A2A agent '${agentName}' ${word}${said ? `: ${cut(said)}` : ''}` };
  if (word) return { success: true, result: { ...result, text: text || `The agent ${word}.` } };
  return { success: true, result };
}

/** Reads the card and makes the client; a card that cannot be read fails the step with why. */
export async function remoteAgent(url: string, tokenEnv: string | null, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<RemoteAgent> {
  let token: string | null = null;
  if (tokenEnv) {
    token = env[tokenEnv] ?? null;
    if (!token) throw new ToolError(`The agent's tool 'a2a:${url}' takes its token from ${tokenEnv}, which is not set`, 'ConfigurationError');
  }
  const fetchImpl = tokenFetch(token);
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }),
  );
  let client: Client;
  try {
    if (signal.aborted) throw signal.reason;
    // the whole card URL, and no path for the SDK to add (it would replace the agent's own path)
    client = await factory.createFromUrl(cardLocation(url), '');
  } catch (e) {
    if (signal.aborted) throw e;
    // the SDK's message may quote a response body; never the token, which only a header carried
    throw new ToolError(`The A2A agent at ${url} could not be reached or its card read: ${(e as Error).message.split('\n')[0].slice(0, 300)}`, 'ConfigurationError');
  }
  const card = await client.getAgentCard();
  return {
    card,
    async ask(message, callSignal) {
      const msg: Message = { messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, parts: [{ content: { $case: 'text', value: message }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata: undefined, extensions: [], referenceTaskIds: [] };
      try {
        const r = await client.sendMessage({ tenant: '', message: msg, configuration: undefined, metadata: undefined }, { signal: callSignal });
        return answerOf(card.name, r as Message | Task);
      } catch (e) {
        if (callSignal.aborted) throw e;
        return { success: false, result: null, error: `The A2A agent '${card.name}' answered with an error: ${(e as Error).message.split('\n')[0].slice(0, 500)}` };
      }
    },
  };
}
