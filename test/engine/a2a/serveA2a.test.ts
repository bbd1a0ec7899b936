// `orc serve --a2a` driven by the A2A project's own clients, as other vendors' agents would: the
// 1.x SDK's ClientFactory over JSON-RPC, and the 0.3 SDK's A2AClient.fromCardUrl and ClientFactory
// (devDependency a2a-sdk-03); the built CLI with a bearer token, pipelines with agent steps answered
// by a loopback OpenAI server. A pipeline with an agent step is an agent: its card (the A2A
// specification's JSON, 1.0 and 0.3 fields side by side, readable without a token) names its
// JSON-RPC endpoint (with or without a trailing slash) and how to send the token; a message's text
// goes to its parameter; message/send (and SendMessage) give the completed task with the run's
// answer, the stream gives its states, a task can be cancelled, and every method needs the token.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Role, TaskState, type Message, type Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import type { AgentCard as AgentCard03, Message as Message03, Task as Task03 } from 'a2a-sdk-03';
import { A2AClient as A2AClient03, ClientFactory as ClientFactory03, ClientFactoryOptions as ClientFactoryOptions03, JsonRpcTransportFactory as JsonRpcTransportFactory03, createAuthenticatingFetchWithRetry as createAuthenticatingFetchWithRetry03 } from 'a2a-sdk-03/client';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { call } from '../../fixtures/agents/cliTriage';
import { tempDir, turnOf } from '../../helpers/agentRun';
import { startServe, type ServeProcess } from '../../helpers/serveProcess';
import { until } from '../../helpers/processes';

const TOKEN = 'tok-a2a-0123456789abcdef';
const KEY = 'sk-loopback-a2a-0001';

const ASK = `id: ask
name: Asker
description: Answers a question.
model: openai:gpt-4o-mini
parameters:
  question: {type: string, required: true}
steps:
  - id: answer
    action: agent
    parameters:
      prompt: "{{ question }}"
outputs:
  answer: "{{ steps.answer.result.answer }}"
`;

const SLOW = `id: slow
model: openai:gpt-4o-mini
parameters:
  message: {type: string}
steps:
  - id: work
    action: agent
    tools: [terminal.execute]
    parameters:
      prompt: "{{ message }}"
`;

const PLAIN = `id: plain
parameters:
  message: {type: string}
steps:
  - id: echo
    tool: data
    action: convert
    parameters: {data: "{{ message }}", format: json}
`;

function userMessage(text: string, id: string): Message {
  return { messageId: id, contextId: '', taskId: '', role: Role.ROLE_USER, parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata: undefined, extensions: [], referenceTaskIds: [] };
}

const textOf = (m: Message | undefined) => (m?.parts ?? []).flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join('\n');

function message03(text: string, messageId: string): Message03 {
  return { kind: 'message', messageId, role: 'user', parts: [{ kind: 'text', text }] };
}

/** A fetch that authenticates as the agent's card says (read without a token), as a 0.3 client's AuthenticationHandler does: its security requirement's scheme must be HTTP bearer. */
async function authorizedAsTheCardSays(cardUrl: string): Promise<typeof fetch> {
  const card = (await (await fetch(cardUrl)).json()) as AgentCard03;
  const required = (card.security ?? []).flatMap((r) => Object.keys(r));
  assert.deepEqual(required, ['bearer']);
  const scheme = card.securitySchemes?.[required[0]];
  assert.ok(scheme?.type === 'http' && scheme.scheme.toLowerCase() === 'bearer', JSON.stringify(scheme));
  return createAuthenticatingFetchWithRetry03(fetch, { headers: async () => ({ authorization: `Bearer ${TOKEN}` }), shouldRetryWithHeaders: async () => undefined });
}

describe('orc serve --a2a: pipelines with agent steps as A2A agents (the SDK\'s own client)', function () {
  this.timeout(60_000);
  let srv: LoopbackProviders;
  let dir: string;
  let s: ServeProcess;
  let client: Client;

  const authFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${TOKEN}`);
    return fetch(input, { ...init, headers });
  };
  const factory = () => new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl: authFetch })], cardResolver: new DefaultAgentCardResolver() }));

  before(async () => {
    srv = await new LoopbackProviders().start();
    srv.responder = (body) => {
      const text = JSON.stringify(body);
      if (text.includes('Take your time')) return turnOf(body) === 0 ? { toolCalls: [call('terminal_execute', { command: 'echo slow >> slow-marks.txt; sleep 30' })] } : { text: 'Done.' };
      return { text: 'Forty-two.' };
    };
    dir = tempDir('orc-serve-a2a-');
    fs.writeFileSync(path.join(dir, 'ask.pipeline.yaml'), ASK);
    fs.writeFileSync(path.join(dir, 'slow.pipeline.yaml'), SLOW);
    fs.writeFileSync(path.join(dir, 'plain.pipeline.yaml'), PLAIN);
    s = await startServe(dir, ['--a2a'], { ORC_SERVE_TOKENS: TOKEN, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${srv.origin}/v1` });
    client = await factory().createFromUrl(`${s.url}/a2a/ask/.well-known/agent-card.json`, "");
  });

  after(async () => {
    await s?.stop();
    await srv?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves each agent\'s card in the A2A specification\'s JSON (1.0 and 0.3 fields side by side), readable without a token; its methods need the token; a pipeline without an agent step is no agent', async () => {
    const res = await fetch(`${s.url}/a2a/ask/.well-known/agent-card.json`);
    assert.equal(res.status, 200);
    const card = (await res.json()) as Record<string, unknown>;
    const endpoint = `${s.url}/a2a/ask`;
    const description = "orc serve's bearer token (ORC_SERVE_TOKENS or --token-file): Authorization: Bearer TOKEN";
    assert.deepEqual(card, {
      name: 'Asker',
      description: 'Answers a question.',
      // 1.0: the interfaces, the security in protobuf JSON
      supportedInterfaces: [
        { url: endpoint, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        { url: endpoint, protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
      ],
      version: card.version,
      capabilities: { streaming: true, pushNotifications: false },
      securitySchemes: { bearer: { httpAuthSecurityScheme: { description, scheme: 'bearer' }, type: 'http', scheme: 'bearer', description } },
      securityRequirements: [{ schemes: { bearer: { list: [] } } }],
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
      skills: [{ id: 'ask', name: 'Asker', description: 'Answers a question.', tags: ['pipeline'], inputModes: ['text/plain'], outputModes: ['text/plain'] }],
      // 0.3: the endpoint, its protocol and transport, the security requirement in its own form
      url: endpoint,
      protocolVersion: '0.3.0',
      preferredTransport: 'JSONRPC',
      security: [{ bearer: [] }],
    });
    assert.match(String(card.version), /^\d+\.\d+\.\d+/);
    assert.equal((await fetch(`${s.url}/a2a/plain/.well-known/agent-card.json`)).status, 404);
    for (const headers of [{}, { authorization: 'Bearer not-the-token' }] as Record<string, string>[]) {
      const rpc = await fetch(`${s.url}/a2a/ask`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      assert.equal(rpc.status, 401);
      assert.equal(rpc.headers.get('www-authenticate'), 'Bearer');
    }
    // only the cards are open: the server's other routes under /a2a and elsewhere are not
    assert.equal((await fetch(`${s.url}/a2a/ask/.well-known/other.json`)).status, 401);
    assert.equal((await fetch(`${s.url}/pipelines`)).status, 401);
    assert.ok(!(s.stdout() + s.stderr()).includes(TOKEN));
  });

  it('behind a TLS proxy the card\'s URLs are the ones the proxy forwards (X-Forwarded-Proto, X-Forwarded-Host); a malformed forwarded host is not taken', async () => {
    const cardVia = async (headers: Record<string, string>) => (await (await fetch(`${s.url}/a2a/ask/.well-known/agent-card.json`, { headers })).json()) as { url: string; supportedInterfaces: { url: string }[] };
    const proxied = await cardVia({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'agents.example.com' });
    assert.deepEqual([proxied.url, ...proxied.supportedInterfaces.map((i) => i.url)], Array(3).fill('https://agents.example.com/a2a/ask'));
    const bad = await cardVia({ 'x-forwarded-proto': 'gopher', 'x-forwarded-host': 'evil.example.com/path?x' });
    assert.equal(bad.url, `${s.url}/a2a/ask`);
  });

  it('the agent\'s URL with a trailing slash is its endpoint too; the card one folder up says which URL to give', async () => {
    const res = await authFetch(`${s.url}/a2a/ask/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 'slash', method: 'message/send', params: { message: { kind: 'message', messageId: 'm-slash', role: 'user', parts: [{ kind: 'text', text: 'Slash?' }] } } }) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { id: string; result: { status: { state: string } } };
    assert.deepEqual([body.id, body.result.status.state], ['slash', 'completed']);
    // the SDK's client given the base URL with its slash finds the card under it and talks to the agent
    const viaBase = await factory().createFromUrl(`${s.url}/a2a/ask/`);
    const task = (await viaBase.sendMessage({ tenant: '', message: userMessage('Base URL?', 'm-base'), configuration: undefined, metadata: undefined })) as Task;
    assert.equal(textOf(task.status?.message), 'Forty-two.');
    // without it, a client resolves the card one folder up: the answer says what to give instead
    const up = await fetch(`${s.url}/a2a/.well-known/agent-card.json`);
    assert.equal(up.status, 404);
    assert.deepEqual(await up.json(), { error: { code: 'unknown_agent', message: `An A2A agent's card is at /a2a/ID/.well-known/agent-card.json: give a client the agent's URL with a trailing slash (${s.url}/a2a/ID/) or its card's URL` } });
  });

  it('SendMessage: the message\'s text is the pipeline\'s parameter; the task completes with the run\'s answer as its message and artifact', async () => {
    const result = await client.sendMessage({ tenant: '', message: userMessage('What is six times seven?', 'm-send'), configuration: undefined, metadata: undefined });
    const task = result as Task;
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(textOf(task.status?.message), 'Forty-two.');
    assert.deepEqual(task.artifacts.map((a) => [a.name, a.parts[0].content]), [['outputs', { $case: 'text', value: 'Forty-two.' }]]);
    // the run is an ordinary served run, recorded under the root
    const runs = (await (await authFetch(`${s.url}/runs`)).json()) as { runs: { run_id: string; pipeline_id: string; status: string }[] };
    const mine = runs.runs.filter((r) => r.pipeline_id === 'ask');
    assert.ok(mine.length >= 1 && mine.every((r) => r.status === 'completed'), JSON.stringify(runs));
    const prompt = srv.requests.map((r) => JSON.stringify(r.body)).find((b) => b.includes('What is six times seven?'));
    assert.ok(prompt, 'the model was asked the message\'s text');
    const got = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
    assert.equal(got.status?.state, TaskState.TASK_STATE_COMPLETED);
  });

  it('SendStreamingMessage: the task, working, the artifact, then completed', async () => {
    const kinds: string[] = [];
    let last: TaskState | undefined;
    for await (const e of client.sendMessageStream({ tenant: '', message: userMessage('Again?', 'm-stream'), configuration: undefined, metadata: undefined })) {
      const p = e.payload;
      if (!p) continue;
      if (p.$case === 'statusUpdate') {
        last = p.value.status?.state;
        kinds.push(`status:${TaskState[last!]}`);
      } else kinds.push(p.$case);
    }
    assert.deepEqual(kinds, ['task', 'status:TASK_STATE_WORKING', 'artifactUpdate', 'status:TASK_STATE_COMPLETED']);
    assert.equal(last, TaskState.TASK_STATE_COMPLETED);
  });

  it('message/send of a 0.3 peer (plain JSON-RPC) is answered too', async () => {
    const res = await authFetch(`${s.url}/a2a/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'message/send', params: { message: { kind: 'message', messageId: 'm-legacy', role: 'user', parts: [{ kind: 'text', text: 'Old client here' }] } } }) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { id: number; result: { kind: string; status: { state: string; message: { parts: { kind: string; text: string }[] } } } };
    assert.equal(body.id, 7);
    assert.equal(body.result.kind, 'task');
    assert.equal(body.result.status.state, 'completed');
    assert.deepEqual(body.result.status.message.parts, [{ kind: 'text', text: 'Forty-two.' }]);
  });

  it('a 0.3 client (@a2a-js/sdk 0.3, A2AClient.fromCardUrl) reads the card without a token, sends the token as its securitySchemes say, sends a message and streams one', async () => {
    const cardUrl = `${s.url}/a2a/ask/.well-known/agent-card.json`;
    const fetchImpl = await authorizedAsTheCardSays(cardUrl);
    const client = await A2AClient03.fromCardUrl(cardUrl, { fetchImpl });
    const sent = await client.sendMessage({ message: message03('What is six times seven?', 'm03-send') });
    assert.ok(!('error' in sent), JSON.stringify(sent));
    const task = (sent as { result: Task03 }).result;
    assert.equal(task.kind, 'task');
    assert.equal(task.status.state, 'completed');
    assert.deepEqual(task.status.message?.parts, [{ kind: 'text', text: 'Forty-two.' }]);
    const kinds: string[] = [];
    for await (const e of client.sendMessageStream({ message: message03('Again?', 'm03-stream') })) kinds.push(e.kind === 'status-update' ? `status:${e.status.state}` : e.kind);
    assert.deepEqual(kinds, ['task', 'status:working', 'artifact-update', 'status:completed']);
  });

  it('a 0.3 client (@a2a-js/sdk 0.3, ClientFactory) given the agent\'s URL finds a JSON-RPC transport, sends a message and streams one with the token', async () => {
    const fetchImpl = await authorizedAsTheCardSays(`${s.url}/a2a/ask/.well-known/agent-card.json`);
    const factory03 = new ClientFactory03(ClientFactoryOptions03.createFrom(ClientFactoryOptions03.default, { transports: [new JsonRpcTransportFactory03({ fetchImpl })] }));
    const client = await factory03.createFromUrl(`${s.url}/a2a/ask/`);
    const task = (await client.sendMessage({ message: message03('What is six times seven?', 'm03f-send') })) as Task03;
    assert.equal(task.status.state, 'completed');
    assert.deepEqual(task.artifacts?.map((a) => [a.name, a.parts]), [['outputs', [{ kind: 'text', text: 'Forty-two.' }, { kind: 'data', data: { answer: 'Forty-two.' } }]]]);
    const kinds: string[] = [];
    for await (const e of client.sendMessageStream({ message: message03('Again?', 'm03f-stream') })) kinds.push(e.kind === 'status-update' ? `status:${e.status.state}` : e.kind);
    assert.deepEqual(kinds, ['task', 'status:working', 'artifact-update', 'status:completed']);
  });

  it('a task is cancelled: its run is cancelled (its running command stopped) and the task ends canceled', async () => {
    const slow = await factory().createFromUrl(`${s.url}/a2a/slow/.well-known/agent-card.json`, "");
    const stream = slow.sendMessageStream({ tenant: '', message: userMessage('Take your time.', 'm-cancel'), configuration: undefined, metadata: undefined });
    let taskId = '';
    const states: string[] = [];
    for await (const e of stream) {
      const p = e.payload;
      if (p?.$case === 'task') taskId = p.value.id;
      if (p?.$case === 'statusUpdate') {
        states.push(TaskState[p.value.status!.state]);
        if (p.value.status!.state === TaskState.TASK_STATE_WORKING) {
          await until(() => fs.existsSync(path.join(dir, 'slow-marks.txt')));
          const cancelled = await slow.cancelTask({ tenant: '', id: taskId, metadata: undefined });
          assert.ok([TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_WORKING].includes(cancelled.status!.state));
        }
      }
    }
    assert.equal(states[states.length - 1], 'TASK_STATE_CANCELED');
    // a pipeline added to the served folder makes the server list its pipelines again: the task outlives that
    // (the command's own file there lists them again too, but says nothing: what is served did not change)
    fs.writeFileSync(path.join(dir, 'later.pipeline.yaml'), 'id: later\nsteps:\n  - id: a\n    tool: data\n    action: convert\n    parameters: {data: 1, format: json}\n');
    await until(() => /the pipelines changed/.test(s.stderr()));
    const got = await slow.getTask({ tenant: '', id: taskId, historyLength: undefined });
    assert.equal(got.status?.state, TaskState.TASK_STATE_CANCELED);
    // its served run's record says so too
    const runs = (await (await authFetch(`${s.url}/runs`)).json()) as { runs: { pipeline_id: string; status: string }[] };
    assert.deepEqual(runs.runs.filter((r) => r.pipeline_id === 'slow').map((r) => r.status), ['cancelled']);
  });
});
