// `orc serve --a2a` and conversations: an A2A conversation (the messages' contextId) is the
// pipeline's session, so a second message of one conversation reaches the model with the first one
// before it, and a message of another conversation without it. The A2A project's own client, the
// built CLI, a loopback OpenAI server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Role, TaskState, type Message, type Task } from '@a2a-js/sdk';
import { ClientFactory, type Client } from '@a2a-js/sdk/client';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { tempDir } from '../../helpers/agentRun';
import { startServe, type ServeProcess } from '../../helpers/serveProcess';

/** An agent with memory: the session parameter names its conversation (shared by the session tests). */
const SUPPORT = fs.readFileSync(path.join(__dirname, '../../fixtures/agents', 'support-session.pipeline.yaml'), 'utf8');

function userMessage(text: string, id: string, contextId: string): Message {
  return { messageId: id, contextId, taskId: '', role: Role.ROLE_USER, parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata: undefined, extensions: [], referenceTaskIds: [] };
}

const textOf = (m: Message | undefined) => (m?.parts ?? []).flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join('\n');
type Body = { messages: { role: string; content: string }[] };

describe('orc serve --a2a: an A2A conversation is the pipeline\'s session', function () {
  this.timeout(60_000);
  let srv: LoopbackProviders;
  let dir: string;
  let s: ServeProcess;
  let client: Client;

  before(async () => {
    srv = await new LoopbackProviders().start();
    srv.responder = (body) => ({ text: `heard ${(body as unknown as Body).messages.filter((m) => m.role === 'user').map((m) => m.content).join(' / ')}` });
    dir = tempDir('orc-a2a-sessions-');
    fs.writeFileSync(path.join(dir, 'support.pipeline.yaml'), SUPPORT);
    s = await startServe(dir, ['--a2a'], { OPENAI_API_KEY: 'sk-loopback-a2a-sessions-0001', OPENAI_BASE_URL: `${srv.origin}/v1` });
    client = await new ClientFactory().createFromUrl(`${s.url}/a2a/support/.well-known/agent-card.json`, '');
  });

  after(async () => {
    await s?.stop();
    await srv?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const send = async (text: string, id: string, contextId: string) => {
    const task = (await client.sendMessage({ tenant: '', message: userMessage(text, id, contextId), configuration: undefined, metadata: undefined })) as Task;
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED, textOf(task.status?.message));
    return textOf(task.status?.message);
  };

  it('without tokens the card names no security scheme and no requirement, in either protocol\'s fields', async () => {
    const card = (await (await fetch(`${s.url}/a2a/support/.well-known/agent-card.json`)).json()) as Record<string, unknown>;
    assert.deepEqual([card.url, card.preferredTransport, card.protocolVersion], [`${s.url}/a2a/support`, 'JSONRPC', '0.3.0']);
    assert.deepEqual(['securitySchemes', 'security', 'securityRequirements'].filter((k) => k in card), []);
  });

  it('the second message of a conversation carries the first; another conversation does not', async () => {
    assert.equal(await send('My name is Ada.', 'm1', 'ctx-ada'), 'heard My name is Ada.');
    assert.equal(await send('What is my name?', 'm2', 'ctx-ada'), 'heard My name is Ada. / What is my name?');
    assert.equal(await send('What is my name?', 'm3', 'ctx-bob'), 'heard What is my name?');
    const runs = (await (await fetch(`${s.url}/runs?session=ctx-ada`)).json()) as { runs: { pipeline_id: string; session: string }[] };
    assert.deepEqual(runs.runs.map((r) => [r.pipeline_id, r.session]), [['support', 'ctx-ada'], ['support', 'ctx-ada']]);
  });
});
