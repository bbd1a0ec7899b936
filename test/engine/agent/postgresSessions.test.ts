// The PostgreSQL session store (ORC_SESSION_STORE=postgres://...) against a real PostgreSQL the test
// starts: its tables made on first use (by two stores at once too), messages appended in order and
// kept byte for byte, replaced with a summary, sessions listed, read as they were before a run's
// messages (loadBefore, what a fork reads); and two agent runs in different
// folders sharing one conversation through it (nothing in either folder's .orchestrator/sessions/).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startPostgres, type PgServer } from '../../helpers/postgresServer';
import { PostgresSessionStore, postgresDisplay } from '../../../engine/agent/postgresSessions';
import { openSessionStore } from '../../../engine/agent/sessionStores';
import { analyze, createModelRunner, runPipeline } from '../../../engine/api/index';
import type { ChatMessage } from '../../../engine/models/provider';
import { loopbackEnv, tempDir, useLoopback } from '../../helpers/agentRun';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const said = (text: string): ChatMessage => ({ role: 'assistant', text, toolCalls: [{ id: 'c1', name: 'x', arguments: { b: 1, a: 'é' }, argumentsText: '{"b":1,"a":"é"}' }] });

/** An agent with memory: the session parameter names its conversation (shared by the session tests). */
const SUPPORT = fs.readFileSync(path.join(__dirname, '../../fixtures/agents', 'support-session.pipeline.yaml'), 'utf8');

describe('sessions in PostgreSQL', function () {
  this.timeout(60_000);
  const srv = useLoopback();
  let pgs: PgServer;
  const dirs: string[] = [];
  before(async function () {
    this.timeout(900_000); // the first run may install PostgreSQL
    pgs = await startPostgres();
  });
  after(() => {
    pgs?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('makes its tables (two stores at once), appends, replaces with a summary, lists', async () => {
    const [a, b] = await Promise.all([PostgresSessionStore.open(pgs.urlWithPassword), PostgresSessionStore.open(pgs.urlWithPassword)]);
    try {
      assert.deepEqual(await a.load('none'), { summary: null, messages: [] });
      await a.append('s1', [user('one'), said('two')], 'run-1');
      await b.append('s1', [user('three')], 'run-2');
      await b.append('s2', [user('other')], 'run-3');
      assert.deepEqual(await a.load('s1'), { summary: null, messages: [user('one'), said('two'), user('three')] });
      await a.replace('s1', { summary: 'Counted to three.', messages: [user('three')] }, 'run-4');
      assert.deepEqual(await b.load('s1'), { summary: 'Counted to three.', messages: [user('three')] });
      assert.deepEqual((await b.list()).map((s) => [s.session, s.messages]), [['s1', 1], ['s2', 1]]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    assert.equal(postgresDisplay(pgs.urlWithPassword), pgs.url.replace('//orc@', '//orc:***@'));
    const chosen = await openSessionStore('/nowhere', { ORC_SESSION_STORE: pgs.urlWithPassword });
    assert.ok(chosen instanceof PostgresSessionStore);
    await chosen.close();
  });

  it("loadBefore: the summary and the messages stored before a run's first one (a fork reads the session so); null when the run has none there", async () => {
    const store = await PostgresSessionStore.open(pgs.urlWithPassword);
    try {
      await store.append('f1', [user('one'), said('two')], 'run-1');
      await store.append('f2', [user('elsewhere')], 'run-2');
      await store.append('f1', [user('three'), said('four')], 'run-2');
      await store.append('f1', [user('five')], 'run-3');
      assert.deepEqual(await store.loadBefore('f1', 'run-1'), { summary: null, messages: [] });
      assert.deepEqual(await store.loadBefore('f1', 'run-2'), { summary: null, messages: [user('one'), said('two')] });
      assert.deepEqual(await store.loadBefore('f1', 'run-3'), { summary: null, messages: [user('one'), said('two'), user('three'), said('four')] });
      assert.deepEqual(await store.loadBefore('f2', 'run-2'), { summary: null, messages: [] });
      assert.equal(await store.loadBefore('f1', 'run-9'), null);
      // a compaction since: the earlier runs' messages are gone
      await store.replace('f1', { summary: 'Counted to five.', messages: [user('five')] }, 'run-4');
      assert.equal(await store.loadBefore('f1', 'run-2'), null);
      await store.append('f1', [user('six')], 'run-5');
      assert.deepEqual(await store.loadBefore('f1', 'run-5'), { summary: 'Counted to five.', messages: [user('five')] });
    } finally {
      await store.close();
    }
  });

  it('two runs in different folders share one conversation through it', async () => {
    srv.responder = (body) => ({ text: `heard ${(body.messages as { role: string; content: string }[]).filter((m) => m.role === 'user').map((m) => m.content).join(' / ')}` });
    const saved = process.env.ORC_SESSION_STORE;
    process.env.ORC_SESSION_STORE = pgs.urlWithPassword;
    try {
      const run = (dir: string, message: string) => runPipeline(analyze(SUPPORT), { cwd: dir, source: SUPPORT, inputs: { message, session: 'ada' }, models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }) });
      const [d1, d2] = [tempDir('orc-pg-session-'), tempDir('orc-pg-session-')];
      dirs.push(d1, d2);
      assert.equal((await run(d1, 'My name is Ada.')).outputs.answer, 'heard My name is Ada.');
      assert.equal((await run(d2, 'What is my name?')).outputs.answer, 'heard My name is Ada. / What is my name?');
      for (const d of [d1, d2]) assert.equal(fs.existsSync(path.join(d, '.orchestrator', 'sessions')), false);
    } finally {
      if (saved === undefined) delete process.env.ORC_SESSION_STORE;
      else process.env.ORC_SESSION_STORE = saved;
    }
  });
});
