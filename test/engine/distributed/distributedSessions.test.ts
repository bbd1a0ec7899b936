// Agent steps on `orc worker`s with conversations and handoffs: a session kept in Redis
// (ORC_SESSION_STORE=redis://...) is shared by a worker and a run elsewhere (the second run, in
// another folder and process, carries the first one's messages; nothing in either folder's
// .orchestrator/sessions/), `orc serve` with the same store continues it over HTTP, and a handoff
// made on a worker reaches the coordinator's listeners as an `agent-handoff` event, like the
// agent's turns and calls. Redis is Debian's redis-server on a free port, started by the test; the
// provider is the loopback OpenAI server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RedisServer, WorkerProcess } from '../../helpers/redisServer';
import { startServe } from '../../helpers/serveProcess';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { loopbackEnv, turnOf } from '../../helpers/agentRun';
import { analyze, createModelRunner, runPipeline, type AgentStepResult, type RunEvent } from '../../../engine/api/index';
import { sha256 } from '../../../engine/run/checkpointStore';
import { RemoteAttempts } from '../../../engine/distributed/coordinator';
import { RedisSessionStore } from '../../../engine/agent/redisSessions';

/** An agent with memory: the session parameter names its conversation (shared by the session tests). */
const SUPPORT = fs.readFileSync(path.join(__dirname, '../../fixtures/agents', 'support-session.pipeline.yaml'), 'utf8');

const DESK = `id: desk
model: openai:gpt-4o-mini
agents:
  billing:
    description: Answers questions about charges and refunds.
    instructions: You are the billing specialist.
steps:
  - id: triage
    action: agent
    handoffs: [billing]
    parameters:
      instructions: You triage support requests.
      prompt: I was charged twice.
      stream: false
`;

type Body = { messages: { role: string; content: string }[] };
const usersOf = (body: Record<string, unknown>) => (body as unknown as Body).messages.filter((m) => m.role === 'user').map((m) => m.content);

describe('sessions and handoffs on orc worker', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let srv: LoopbackProviders;
  let base: string;
  let worker: WorkerProcess;
  const saved = process.env.ORC_SESSION_STORE;

  before(async function () {
    this.timeout(600_000); // the first run may install redis-server
    redis = await RedisServer.start();
    srv = await new LoopbackProviders().start();
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-dist-sessions-')));
    worker = await WorkerProcess.start(redis.url, { cwd: base, root: base, env: { ...loopbackEnv(srv), ORC_SESSION_STORE: `${redis.url}/2` } });
  });
  after(async () => {
    if (saved === undefined) delete process.env.ORC_SESSION_STORE;
    else process.env.ORC_SESSION_STORE = saved;
    await worker?.kill();
    await redis?.stop();
    await srv?.stop();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });
  beforeEach(() => {
    srv.requests.length = 0;
    srv.responder = null;
  });

  async function onWorker(source: string, dir: string, inputs: Record<string, unknown> = {}) {
    const a = analyze(source);
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
    const remote = await RemoteAttempts.open({ url: redis.url, pipelineSha256: sha256(source), steps: a.pipeline!.steps });
    const events: RunEvent[] = [];
    try {
      const doc = await runPipeline(a, { cwd: dir, source, inputs, attempts: remote, listeners: [(e) => events.push(e)] });
      return { doc, events };
    } finally {
      await remote.close();
    }
  }

  it('a session in Redis: begun on a worker, continued by a run in another folder; its messages in Redis, none on disk', async () => {
    srv.responder = (body) => ({ text: `heard ${usersOf(body).join(' / ')}` });
    const first = fs.mkdtempSync(path.join(base, 'first-'));
    const { doc } = await onWorker(SUPPORT, first, { message: 'My name is Ada.', session: 'ada' });
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.chat));
    assert.equal(doc.outputs.answer, 'heard My name is Ada.');
    assert.ok(await worker.says(new RegExp(`${doc.execution_id} chat \\(attempt 1\\): done`)), worker.log);

    // another folder, this process (no worker): the same store, the same conversation
    process.env.ORC_SESSION_STORE = `${redis.url}/2`;
    const second = fs.mkdtempSync(path.join(base, 'second-'));
    const a = analyze(SUPPORT);
    const local = await runPipeline(a, { cwd: second, source: SUPPORT, inputs: { message: 'What is my name?', session: 'ada' }, models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }) });
    delete process.env.ORC_SESSION_STORE;
    assert.equal(local.outputs.answer, 'heard My name is Ada. / What is my name?');
    assert.deepEqual((local.steps.chat.result as AgentStepResult).session, { id: 'ada', loaded: 2, stored: 4 });

    const store = await RedisSessionStore.open(`${redis.url}/2`);
    try {
      const kept = await store.load('ada');
      assert.deepEqual(kept.messages.map((m) => (m.role === 'user' ? `user: ${m.content}` : m.role === 'assistant' ? `assistant: ${m.text}` : m.role)), ['user: My name is Ada.', 'assistant: heard My name is Ada.', 'user: What is my name?', 'assistant: heard My name is Ada. / What is my name?']);
      assert.deepEqual((await store.list()).map((s) => [s.session, s.messages]), [['ada', 4]]);
    } finally {
      await store.close();
    }
    for (const d of [first, second, base]) assert.equal(fs.existsSync(path.join(d, '.orchestrator', 'sessions')), false, d);
  });

  it('orc serve with the same store continues a conversation a worker began (the built CLI)', async () => {
    srv.responder = (body) => ({ text: `heard ${usersOf(body).join(' / ')}` });
    const dir = fs.mkdtempSync(path.join(base, 'served-'));
    const { doc } = await onWorker(SUPPORT, dir, { message: 'I ordered a lamp.', session: 'bo' });
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.chat));
    fs.writeFileSync(path.join(dir, 'support.pipeline.yaml'), SUPPORT);
    const s = await startServe(dir, [], { ...loopbackEnv(srv), ORC_SESSION_STORE: `${redis.url}/2` });
    try {
      const r = await fetch(`${s.url}/pipelines/support/runs`, { method: 'POST', body: JSON.stringify({ message: 'Where is it?', session: 'bo' }), headers: { prefer: 'wait=20' } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('orc-session'), 'bo');
      const served = (await r.json()) as { outputs: Record<string, unknown> };
      assert.equal(served.outputs.answer, 'heard I ordered a lamp. / Where is it?');
    } finally {
      await s.stop();
    }
    assert.equal(fs.existsSync(path.join(dir, '.orchestrator', 'sessions')), false);
  });

  it('a handoff made on a worker reaches the run as an agent-handoff event, between the turns it joins', async () => {
    srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [{ id: 'call_t1', name: 'transfer_to_billing', arguments: {} }] } : { text: 'Refunded.' });
    const dir = fs.mkdtempSync(path.join(base, 'desk-'));
    const { doc, events } = await onWorker(DESK, dir);
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.triage));
    assert.ok(await worker.says(new RegExp(`${doc.execution_id} triage \\(attempt 1\\): done`)), worker.log);
    const agentEvents = events.filter((e) => e.type.startsWith('agent-') || e.type.startsWith('tool-call-')).map((e) => e.type);
    assert.deepEqual(agentEvents, ['agent-turn-started', 'agent-turn-ended', 'tool-call-started', 'tool-call-ended', 'agent-handoff', 'agent-turn-started', 'agent-turn-ended', 'agent-ended']);
    const handoff = events.find((e): e is Extract<RunEvent, { type: 'agent-handoff' }> => e.type === 'agent-handoff')!;
    assert.deepEqual([handoff.stepId, handoff.turn, handoff.from, handoff.to, handoff.agent], ['triage', 1, 'triage', 'billing', { name: 'triage', path: [] }]);
    assert.deepEqual((doc.steps.triage.result as AgentStepResult).handoffs, [{ to: 'billing', turn: 1 }]);
  });

  it('a session store that cannot be reached fails the step with a message naming it (its password not)', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'down-'));
    process.env.ORC_SESSION_STORE = 'redis://ada:sekrit@127.0.0.1:1/0';
    try {
      const a = analyze(SUPPORT);
      const doc = await runPipeline(a, { cwd: dir, source: SUPPORT, inputs: { message: 'hi', session: 'x' }, models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }) });
      assert.equal(doc.steps.chat.status, 'failed');
      assert.equal(doc.steps.chat.error_type, 'ConfigurationError');
      assert.match(doc.steps.chat.error!, /^Could not reach the session store at redis:\/\/ada:\*\*\*@127\.0\.0\.1:1\/0: /);
      assert.ok(!JSON.stringify(doc).includes('sekrit'));
      process.env.ORC_SESSION_STORE = 'mysql://x';
      const bad = await runPipeline(a, { cwd: dir, source: SUPPORT, inputs: { message: 'hi', session: 'x' }, models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }) });
      assert.equal(bad.steps.chat.error, "ORC_SESSION_STORE names where sessions are kept: sqlite (the default, .orchestrator/sessions/), a Redis URL (redis://HOST:PORT[/DB], rediss:// for TLS) or a PostgreSQL one (postgres://USER:PASSWORD@HOST:PORT/DB); got 'mysql://x'");
      assert.equal(srv.requests.length, 0);
    } finally {
      delete process.env.ORC_SESSION_STORE;
    }
  });
});
