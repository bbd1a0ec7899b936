// `orc serve --a2a` driven by the A2A project's own client (@a2a-js/sdk's ClientFactory over
// JSON-RPC), as another vendor's agent would: the built CLI with a bearer token, pipelines with
// agent steps answered by a loopback OpenAI server. A pipeline with an agent step is an agent: its
// card names its JSON-RPC endpoint; a message's text goes to its parameter; message/send (and
// SendMessage) give the completed task with the run's answer, the stream gives its states, a task
// can be cancelled, and every request needs the server's token.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Role, TaskState, type Message, type Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
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
  const factory = () => new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl: authFetch })], cardResolver: new DefaultAgentCardResolver({ fetchImpl: authFetch }) }));

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

  it('serves each agent\'s card, its interface the JSON-RPC endpoint; a pipeline without an agent step is no agent; the token is needed', async () => {
    const res = await authFetch(`${s.url}/a2a/ask/.well-known/agent-card.json`);
    assert.equal(res.status, 200);
    const card = (await res.json()) as { name: string; description: string; supportedInterfaces: { url: string; protocolBinding: string; protocolVersion: string }[]; capabilities: { streaming: boolean }; skills: { id: string }[]; securitySchemes: Record<string, unknown> };
    assert.equal(card.name, 'Asker');
    assert.equal(card.description, 'Answers a question.');
    assert.deepEqual(card.supportedInterfaces.map((i) => [i.url, i.protocolBinding, i.protocolVersion]), [[`${s.url}/a2a/ask`, 'JSONRPC', '1.0'], [`${s.url}/a2a/ask`, 'JSONRPC', '0.3']]);
    assert.equal(card.capabilities.streaming, true);
    assert.deepEqual(card.skills.map((k) => k.id), ['ask']);
    assert.deepEqual(Object.keys(card.securitySchemes), ['bearer']);
    assert.equal((await authFetch(`${s.url}/a2a/plain/.well-known/agent-card.json`)).status, 404);
    assert.equal((await fetch(`${s.url}/a2a/ask/.well-known/agent-card.json`)).status, 401);
    const rpc = await fetch(`${s.url}/a2a/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(rpc.status, 401);
    assert.ok(!(s.stdout() + s.stderr()).includes(TOKEN));
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
    // the command's file in the served folder made the server list its pipelines again: the task outlives that
    await until(() => /the pipelines changed/.test(s.stderr()));
    const got = await slow.getTask({ tenant: '', id: taskId, historyLength: undefined });
    assert.equal(got.status?.state, TaskState.TASK_STATE_CANCELED);
    // its served run's record says so too
    const runs = (await (await authFetch(`${s.url}/runs`)).json()) as { runs: { pipeline_id: string; status: string }[] };
    assert.deepEqual(runs.runs.filter((r) => r.pipeline_id === 'slow').map((r) => r.status), ['cancelled']);
  });
});
