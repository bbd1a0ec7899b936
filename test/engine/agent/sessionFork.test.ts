// A fork's session (`orc fork` of a run whose agent step has `memory:`): the store's `loadBefore`
// (the session as it was before a run's first message: SQLite here, PostgreSQL in
// postgresSessions.test.ts), SessionMemory.forked reading it as the parent read it and adding
// nothing, and each case where the store cannot say, read as it is now with the warning that says
// why (Redis, which keeps no run ids: redisSessions.test.ts); then a real fork of a real run whose session was compacted since: the warning event, the
// request asked with the session as it is now, and the session left as it was.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SqliteSessionStore, type SessionStore } from '../../../engine/agent/sessions';
import { SessionMemory, type SessionRecord } from '../../../engine/agent/sessionMemory';
import type { AgentStepResult } from '../../../engine/agent/types';
import { analyze, createModelRunner, runPipeline, type RunEvent } from '../../../engine/api/index';
import { forkCheckpoint, forkSessions, forkSource } from '../../../engine/run/fork';
import type { ChatMessage } from '../../../engine/models/provider';
import type { MemoryDecl, Pipeline } from '../../../engine/spec/types';
import { Redactor } from '../../../engine/toolkit/redact';
import { loopbackEnv, runAgentPipeline, tempDir, useLoopback } from '../../helpers/agentRun';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const said = (text: string): ChatMessage => ({ role: 'assistant', text, toolCalls: [] });
const DECL: MemoryDecl = { session: '{{ session }}', maxMessages: 50 } as MemoryDecl;
const SUPPORT = fs.readFileSync(path.join(__dirname, '../../fixtures/agents', 'support-session.pipeline.yaml'), 'utf8');

describe('a fork reads its session as the parent run read it, and adds nothing to it', function () {
  this.timeout(30_000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = tempDir('orc-session-fork-');
    dirs.push(d);
    return d;
  };

  it("SQLite loadBefore: the summary and the messages stored before a run's first one; null when the run has none there (none added, or compacted since)", () => {
    const store = SqliteSessionStore.in(dir());
    try {
      store.append('s', [user('one'), said('two')], 'run-1');
      store.append('other', [user('elsewhere')], 'run-2');
      store.append('s', [user('three'), said('four')], 'run-2');
      store.append('s', [user('five')], 'run-3');
      assert.deepEqual(store.loadBefore('s', 'run-1'), { summary: null, messages: [] });
      assert.deepEqual(store.loadBefore('s', 'run-2'), { summary: null, messages: [user('one'), said('two')] });
      assert.deepEqual(store.loadBefore('s', 'run-3'), { summary: null, messages: [user('one'), said('two'), user('three'), said('four')] });
      assert.deepEqual(store.loadBefore('other', 'run-2'), { summary: null, messages: [] });
      assert.equal(store.loadBefore('s', 'run-9'), null);
      assert.equal(store.loadBefore('none', 'run-1'), null);
      // a compaction keeps the latest messages as its own run's: the earlier runs' are gone
      store.replace('s', { summary: 'Counted to five.', messages: [user('five')] }, 'run-4');
      assert.equal(store.loadBefore('s', 'run-2'), null);
      assert.equal(store.loadBefore('s', 'run-3'), null);
      assert.deepEqual(store.loadBefore('s', 'run-4'), { summary: 'Counted to five.', messages: [] });
      store.append('s', [user('six')], 'run-5');
      assert.deepEqual(store.loadBefore('s', 'run-5'), { summary: 'Counted to five.', messages: [user('five')] });
    } finally {
      store.close();
    }
  });

  it("SessionMemory.forked: the parent's `loaded` latest messages from before its own, and save adds nothing", async () => {
    const store = SqliteSessionStore.in(dir());
    try {
      store.append('s', [user('one'), said('two'), user('three'), said('four')], 'run-1');
      store.append('s', [user('five'), said('six')], 'run-2');
      store.append('s', [user('seven'), said('eight')], 'run-3');
      // run 2 had read 2 of the 4 messages before it (a lower bound then)
      const record: SessionRecord = { id: 's', loaded: 2, stored: 6 };
      const { memory, warning } = await SessionMemory.forked('s', DECL, store, 'fork-1', new Redactor({}), { parent: 'run-2', record, shared: [] });
      assert.equal(warning, null);
      assert.deepEqual(memory.history, [user('three'), said('four')]);
      assert.equal(memory.system('Be brief.'), 'Be brief.');
      assert.deepEqual(memory.record, { id: 's', loaded: 2, stored: 8, forked: true, before_run: 'run-2' });
      await memory.save([user('what if'), said('then this')], async () => 'never asked');
      assert.equal(store.load('s').messages.length, 8);
      assert.equal(store.loadBefore('s', 'fork-1'), null);
    } finally {
      store.close();
    }
  });

  it('where the store cannot say, the session as it is now, with a warning that says why', async () => {
    const store = SqliteSessionStore.in(dir());
    const now = [user('one'), said('two'), user('three'), said('four')];
    store.append('s', now.slice(0, 2), 'run-1');
    store.append('s', now.slice(2), 'run-2');
    const rec: SessionRecord = { id: 's', loaded: 2, stored: 4 };
    const cases: [string, SessionStore, Partial<Parameters<typeof SessionMemory.forked>[5]>, string][] = [
      ['no record', store, { record: undefined }, "that run did not read session 's' at this step"],
      ['another session', store, { record: { ...rec, id: 't' } }, "that run read session 't' at this step, not 's'"],
      ['parent compacted', store, { record: { ...rec, compacted: true } }, 'that run compacted the session as it ran: the summary it wrote replaced the messages it had read'],
      ['shared', store, { shared: ['loop[0]/chat', 'loop[1]/chat'] }, "that run used the session in more than one step ('loop[0]/chat', 'loop[1]/chat' too), so the store cannot say which of its messages this step read"],
      ['a fork that read it as it was', store, { record: { ...rec, forked: true } }, 'that run was a fork which read the session as it was then, which the store cannot say'],
      ['fewer than read', store, { record: { ...rec, loaded: 3 } }, "the session holds 2 messages from before run run-2's, and that run read 3"],
      ['gone', store, { parent: 'run-0' }, 'the session holds no message of run run-0 any more: it was compacted or cleared since'],
      ['the parent step failed', store, { parent: 'run-0', ended: 'failed' }, 'the session holds no message of that run, whose step ended failed (an agent that did not answer adds nothing), so the store cannot say which messages came before it'],
    ];
    try {
      for (const [name, s, over, why] of cases) {
        const parent = over.parent ?? 'run-2';
        const { memory, warning } = await SessionMemory.forked('s', DECL, s, 'fork-1', new Redactor({}), { parent, record: rec, shared: [], ...over });
        assert.equal(warning, `session 's' is read as it is now, not as run ${parent} read it: ${why}. The conversation may differ from that run's; the fork adds nothing to the session`, name);
        assert.deepEqual(memory.history, now, name);
        assert.deepEqual(memory.record, { id: 's', loaded: 4, stored: 4, forked: true }, name);
        await memory.save([user('what if')], async () => null);
        assert.deepEqual(s.load('s'), { summary: null, messages: now }, name);
      }
    } finally {
      store.close();
    }
  });

  describe('a real fork of a run whose session was compacted since', () => {
    const srv = useLoopback();

    it("warns, asks with the session as it is now (the summary after the system prompt), and leaves the session as it was", async () => {
      const d = dir();
      srv.responder = (body) => ({ text: `heard ${(body.messages as { role: string; content: string }[]).filter((m) => m.role === 'user').map((m) => m.content).join(' / ')}` });
      const run = (message: string) => runAgentPipeline(srv, d, SUPPORT, { checkpoint: true, file: 'support.pipeline.yaml', inputs: { message, session: 'ada' } });
      await run('My name is Ada.');
      const second = await run('What is my name?');
      assert.equal(second.doc.outputs.answer, 'heard My name is Ada. / What is my name?');
      // a compaction since (as a later run's): a summary and the latest message, under that run's id
      const store = SqliteSessionStore.in(d);
      const compacted = { summary: 'The user is Ada.', messages: [user('What is my name?'), said('heard My name is Ada. / What is my name?')] };
      store.replace('ada', compacted, 'run-later');
      store.close();
      srv.requests.length = 0;

      const { checkpoint, file, source } = forkSource(d, second.doc.execution_id);
      const a = analyze(source) as ReturnType<typeof analyze> & { pipeline: Pipeline };
      const events: RunEvent[] = [];
      const doc = await runPipeline(a, { cwd: d, pipelineFile: file, source, resume: forkCheckpoint(checkpoint, a, 'chat'), forkSessions: forkSessions(checkpoint), listeners: [(e) => events.push(e)], models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }) });
      assert.equal(doc.status, 'completed');
      const warnings = events.filter((e) => e.type === 'warning').map((e) => (e as { stepId: string | null; message: string }));
      assert.deepEqual(warnings.map((w) => [w.stepId, w.message]), [
        ['chat', `Step 'chat' of this fork: session 'ada' is read as it is now, not as run ${second.doc.execution_id} read it: the session holds no message of run ${second.doc.execution_id} any more: it was compacted or cleared since. The conversation may differ from that run's; the fork adds nothing to the session`],
      ]);
      assert.equal(srv.requests.length, 1);
      const body = srv.requests[0].body as { messages: { role: string; content: string }[] };
      assert.deepEqual(body.messages.map((m) => [m.role, m.content]), [
        ['system', 'Summary of the conversation so far (earlier messages of this session):\nThe user is Ada.'],
        ['user', 'What is my name?'],
        ['assistant', 'heard My name is Ada. / What is my name?'],
        ['user', 'What is my name?'],
      ]);
      assert.deepEqual((doc.steps.chat.result as AgentStepResult).session, { id: 'ada', loaded: 2, stored: 2, forked: true });
      const after = SqliteSessionStore.in(d);
      try {
        assert.deepEqual(after.load('ada'), compacted);
      } finally {
        after.close();
      }
    });
  });
});
