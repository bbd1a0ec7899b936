// The Redis session store (ORC_SESSION_STORE=redis://...) against a real redis-server started by the
// test: a session's messages appended in order, replaced with a summary by a compaction (and the
// summary cleared), sessions listed by last use, one session apart from another; and a compaction
// through SessionMemory, the agent's own path, kept in Redis; a fork's read of a Redis session (as
// it is now, with a warning: Redis keeps no run ids).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { RedisServer } from '../../helpers/redisServer';
import { RedisSessionStore, redisDisplay } from '../../../engine/agent/redisSessions';
import { openSessionStore } from '../../../engine/agent/sessionStores';
import { SqliteSessionStore } from '../../../engine/agent/sessions';
import { SessionMemory } from '../../../engine/agent/sessionMemory';
import { Redactor } from '../../../engine/toolkit/redact';
import type { ChatMessage } from '../../../engine/models/provider';
import { tempDir } from '../../helpers/agentRun';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const said = (text: string): ChatMessage => ({ role: 'assistant', text, toolCalls: [] });

describe('sessions in Redis', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  before(async function () {
    this.timeout(600_000); // the first run may install redis-server
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis?.stop();
  });

  it('appends, replaces with a summary, clears it, and lists sessions by last use', async () => {
    const store = await RedisSessionStore.open(`${redis.url}/3`);
    try {
      assert.deepEqual(await store.load('none'), { summary: null, messages: [] });
      await store.append('a', [user('one'), said('two')], 'run-1');
      await store.append('b', [user('other')], 'run-2');
      await store.append('a', [user('three')], 'run-3');
      assert.deepEqual(await store.load('a'), { summary: null, messages: [user('one'), said('two'), user('three')] });
      await new Promise((r) => setTimeout(r, 5)); // the index's times are milliseconds: 'a' used last, by a clear margin
      await store.replace('a', { summary: 'They counted.', messages: [user('three')] }, 'run-4');
      assert.deepEqual(await store.load('a'), { summary: 'They counted.', messages: [user('three')] });
      assert.deepEqual((await store.list()).map((s) => [s.session, s.messages]), [['a', 1], ['b', 1]]);
      await store.replace('a', { summary: null, messages: [] }, 'run-5');
      assert.deepEqual(await store.load('a'), { summary: null, messages: [] });
      assert.deepEqual(await store.load('b'), { summary: null, messages: [user('other')] });
    } finally {
      await store.close();
    }
  });

  it('a compaction through SessionMemory: the oldest messages folded into the summary, kept in Redis', async () => {
    const store = await RedisSessionStore.open(`${redis.url}/4`);
    try {
      const decl = { session: '{{ session }}', maxMessages: 4, summarizeAfter: null };
      await store.append('s', [user('q1'), said('a1'), user('q2')], 'run-1');
      const memory = await SessionMemory.open('s', decl, store, 'run-2', new Redactor({}));
      assert.deepEqual(memory.history, [user('q1'), said('a1'), user('q2')]);
      let asked = '';
      await memory.save([said('a2'), user('q3'), said('a3')], async (request) => {
        asked = request;
        return 'Asked three questions.';
      });
      assert.match(asked, /User: q1\nAssistant: a1\nUser: q2\nAssistant: a2/);
      assert.deepEqual(await store.load('s'), { summary: 'Asked three questions.', messages: [user('q3'), said('a3')] });
      assert.deepEqual(memory.record, { id: 's', loaded: 3, stored: 2, compacted: true });
    } finally {
      await store.close();
    }
  });

  it("a fork's session in Redis (no run ids kept): read as it is now, a warning saying why, and nothing added", async () => {
    const store = await RedisSessionStore.open(`${redis.url}/5`);
    try {
      const decl = { session: '{{ session }}', maxMessages: 50, summarizeAfter: null };
      await store.append('s', [user('q1'), said('a1')], 'run-1');
      await store.append('s', [user('q2'), said('a2')], 'run-2');
      const { memory, warning } = await SessionMemory.forked('s', decl, store, 'fork-1', new Redactor({}), { parent: 'run-2', record: { id: 's', loaded: 2, stored: 4 }, shared: [] });
      assert.equal(warning, "session 's' is read as it is now, not as run run-2 read it: this session store keeps no run ids (Redis), so it cannot say which messages came before that run's. The conversation may differ from that run's; the fork adds nothing to the session");
      assert.deepEqual(memory.history, [user('q1'), said('a1'), user('q2'), said('a2')]);
      await memory.save([user('what if'), said('then')], async () => null);
      assert.equal((await store.load('s')).messages.length, 4);
      assert.deepEqual(memory.record, { id: 's', loaded: 4, stored: 4, forked: true });
    } finally {
      await store.close();
    }
  });

  it('ORC_SESSION_STORE chooses the store: unset or sqlite the folder\'s file, a Redis URL Redis, an unknown kind refused', async () => {
    const dir = tempDir('orc-session-store-');
    const sqlite = await openSessionStore(dir, {});
    assert.ok(sqlite instanceof SqliteSessionStore);
    await sqlite.close();
    const named = await openSessionStore(dir, { ORC_SESSION_STORE: 'sqlite' });
    assert.ok(named instanceof SqliteSessionStore);
    await named.close();
    const r = await openSessionStore(dir, { ORC_SESSION_STORE: redis.url });
    assert.ok(r instanceof RedisSessionStore);
    await r.close();
    await assert.rejects(openSessionStore(dir, { ORC_SESSION_STORE: 'mysql://u:pw@h/db' }), /got 'mysql:\/\/u:\*\*\*@h\/db'$/);
    assert.equal(redisDisplay('redis://user:secret@host:6379/1'), 'redis://user:***@host:6379/1');
    assert.equal(redisDisplay('redis://:secret@host'), 'redis://:***@host');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
