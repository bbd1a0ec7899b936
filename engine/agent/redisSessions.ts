// Sessions in Redis (`ORC_SESSION_STORE=redis://HOST:PORT[/DB]`): one store that several
// machines share — the servers of `orc serve` and the BullMQ workers — behind the same interface as
// the SQLite file (sessions.ts). A session is a list of its messages (JSON, oldest first) and a hash
// of its summary and when it was last used; an index of every session by that time lists them.
// A run's messages are added, and a compaction replaces a session, in one MULTI each. It keeps no
// run ids, so it has no `loadBefore`: a fork of a run reads a Redis session as it is now (and warns).
import IORedis from 'ioredis';
import type { ChatMessage } from '../models/provider';
import type { SessionStore, StoredSession } from './sessions';
import { SessionStoreError } from './sessionStoreError';

/** Where every key of the sessions begins (the queue's keys begin `orc:` and another word). */
export const SESSION_KEY_PREFIX = 'orc:session';

const messagesKey = (session: string) => `${SESSION_KEY_PREFIX}:${session}:messages`;
const metaKey = (session: string) => `${SESSION_KEY_PREFIX}:${session}:meta`;
const indexKey = `${SESSION_KEY_PREFIX}s`;

/** A Redis URL without its password, for messages. */
export function redisDisplay(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

export { SessionStoreError };

export class RedisSessionStore implements SessionStore {
  private constructor(
    private readonly client: IORedis,
    readonly display: string,
  ) {}

  /** Connects (a bounded wait: an unreachable Redis is an error naming it, without the password). */
  static async open(url: string, timeoutMs = 5000): Promise<RedisSessionStore> {
    const display = redisDisplay(url);
    let client: IORedis;
    try {
      client = new IORedis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
    } catch (e) {
      throw new SessionStoreError(`ORC_SESSION_STORE is not a Redis URL (${display}): ${(e as Error).message}`);
    }
    let cause: Error | null = null;
    client.on('error', (e: Error) => (cause ??= e));
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      throw new SessionStoreError(`Could not reach the session store at ${display}: ${(cause ?? (e as Error)).message}`);
    }
    return new RedisSessionStore(client, display);
  }

  async load(session: string): Promise<StoredSession> {
    const res = await this.client.multi().hget(metaKey(session), 'summary').lrange(messagesKey(session), 0, -1).exec();
    const [summary, messages] = this.results(res) as [string | null, string[]];
    return { summary: summary ?? null, messages: messages.map((m) => JSON.parse(m) as ChatMessage) };
  }

  async append(session: string, messages: ChatMessage[], _runId: string): Promise<void> {
    const now = Date.now();
    const m = this.client.multi();
    if (messages.length) m.rpush(messagesKey(session), ...messages.map((x) => JSON.stringify(x)));
    this.results(await m.hset(metaKey(session), 'updated_at', new Date(now).toISOString()).zadd(indexKey, now, session).exec());
  }

  async replace(session: string, stored: StoredSession, _runId: string): Promise<void> {
    const now = Date.now();
    const m = this.client.multi().del(messagesKey(session));
    if (stored.messages.length) m.rpush(messagesKey(session), ...stored.messages.map((x) => JSON.stringify(x)));
    if (stored.summary === null) m.hdel(metaKey(session), 'summary');
    else m.hset(metaKey(session), 'summary', stored.summary);
    this.results(await m.hset(metaKey(session), 'updated_at', new Date(now).toISOString()).zadd(indexKey, now, session).exec());
  }

  async list(): Promise<{ session: string; messages: number; updated_at: string }[]> {
    const flat = await this.client.zrevrange(indexKey, 0, -1, 'WITHSCORES');
    const ids: { session: string; at: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) ids.push({ session: flat[i], at: Number(flat[i + 1]) });
    if (!ids.length) return [];
    const m = this.client.multi();
    for (const { session } of ids) m.llen(messagesKey(session));
    const counts = this.results(await m.exec()) as number[];
    return ids.map(({ session, at }, i) => ({ session, messages: counts[i], updated_at: new Date(at).toISOString() }));
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  /** A MULTI's replies, or its first error. */
  private results(res: [Error | null, unknown][] | null): unknown[] {
    if (!res) throw new SessionStoreError(`The session store at ${this.display} dropped a transaction`);
    const failed = res.find(([e]) => e);
    if (failed) throw new SessionStoreError(`The session store at ${this.display} refused a command: ${failed[0]!.message}`);
    return res.map(([, v]) => v);
  }
}
