// Sessions in PostgreSQL (`ORC_SESSION_STORE=postgres://USER:PASSWORD@HOST:PORT/DB`): the store
// several machines share, as Redis is (redisSessions.ts), for a team that runs PostgreSQL already.
// Two tables, made on first use: `orc_sessions` (id, summary, updated_at) and
// `orc_session_messages` (session, seq, run_id, message as JSON text, kept byte for byte). A run's
// messages are added, and a compaction replaces a session, in one transaction each; the session's
// row is locked first, so runs of one session at once add theirs one after the other.
import pg from 'pg';
import type { ChatMessage } from '../models/provider';
import { SessionStoreError } from './redisSessions';
import type { SessionStore, StoredSession } from './sessions';

/** A PostgreSQL URL without its password, for messages. */
export function postgresDisplay(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** The tables, made by one store at a time: two `CREATE TABLE IF NOT EXISTS` at once can both find the
 * table missing, and the second then fails on the catalog's unique index (23505) with its other
 * statement undone, so its next query met a table the first had not committed yet. A transaction
 * lock (released at COMMIT) makes the second wait for the first and then find both tables. */
const SCHEMA_LOCK = 7_241_604;
const SCHEMA = `BEGIN;
SELECT pg_advisory_xact_lock(${SCHEMA_LOCK});
CREATE TABLE IF NOT EXISTS orc_sessions (id TEXT PRIMARY KEY, summary TEXT, updated_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS orc_session_messages (session TEXT NOT NULL, seq BIGINT NOT NULL, run_id TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (session, seq));
COMMIT;`;

export class PostgresSessionStore implements SessionStore {
  private constructor(
    private readonly client: pg.Client,
    readonly display: string,
  ) {}

  /** Connects (a bounded wait) and makes the tables when missing. */
  static async open(url: string, timeoutMs = 5000): Promise<PostgresSessionStore> {
    const display = postgresDisplay(url);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
    client.on('error', () => {}); // a dropped connection fails the next query, which says so
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => {});
      throw new SessionStoreError(`Could not reach the session store at ${display}: ${(e as Error).message}`);
    }
    const store = new PostgresSessionStore(client, display);
    try {
      await client.query(SCHEMA);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      // a process of an older release making the tables at once, without the lock: the other one's are there
      if (!['23505', '42P07', '42710'].includes((e as { code?: string }).code ?? '')) {
        await store.close();
        throw new SessionStoreError(`The session store at ${display} could not make its tables: ${(e as Error).message}`);
      }
    }
    return store;
  }

  async load(session: string): Promise<StoredSession> {
    const meta = await this.query<{ summary: string | null }>('SELECT summary FROM orc_sessions WHERE id = $1', [session]);
    const rows = await this.query<{ message: string }>('SELECT message FROM orc_session_messages WHERE session = $1 ORDER BY seq', [session]);
    return { summary: meta[0]?.summary ?? null, messages: rows.map((r) => JSON.parse(r.message) as ChatMessage) };
  }

  async loadBefore(session: string, runId: string): Promise<StoredSession | null> {
    const first = await this.query<{ seq: string | null }>('SELECT MIN(seq) AS seq FROM orc_session_messages WHERE session = $1 AND run_id = $2', [session, runId]);
    if (first[0]?.seq == null) return null;
    const meta = await this.query<{ summary: string | null }>('SELECT summary FROM orc_sessions WHERE id = $1', [session]);
    const rows = await this.query<{ message: string }>('SELECT message FROM orc_session_messages WHERE session = $1 AND seq < $2 ORDER BY seq', [session, first[0].seq]);
    return { summary: meta[0]?.summary ?? null, messages: rows.map((r) => JSON.parse(r.message) as ChatMessage) };
  }

  async append(session: string, messages: ChatMessage[], runId: string): Promise<void> {
    await this.transaction(async () => {
      await this.query('INSERT INTO orc_sessions (id, summary, updated_at) VALUES ($1, NULL, now()) ON CONFLICT (id) DO UPDATE SET updated_at = now()', [session]);
      const last = await this.query<{ n: string | null }>('SELECT MAX(seq) AS n FROM orc_session_messages WHERE session = $1', [session]);
      await this.insert(session, messages, runId, Number(last[0]?.n ?? 0) + 1);
    });
  }

  async replace(session: string, stored: StoredSession, runId: string): Promise<void> {
    await this.transaction(async () => {
      await this.query('INSERT INTO orc_sessions (id, summary, updated_at) VALUES ($1, $2, now()) ON CONFLICT (id) DO UPDATE SET summary = excluded.summary, updated_at = now()', [session, stored.summary]);
      await this.query('DELETE FROM orc_session_messages WHERE session = $1', [session]);
      await this.insert(session, stored.messages, runId, 1);
    });
  }

  async list(): Promise<{ session: string; messages: number; updated_at: string }[]> {
    const rows = await this.query<{ session: string; messages: string; updated_at: Date }>('SELECT s.id AS session, COUNT(m.seq) AS messages, s.updated_at FROM orc_sessions s LEFT JOIN orc_session_messages m ON m.session = s.id GROUP BY s.id ORDER BY s.updated_at DESC, s.id');
    return rows.map((r) => ({ session: r.session, messages: Number(r.messages), updated_at: new Date(r.updated_at).toISOString() }));
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }

  private async insert(session: string, messages: ChatMessage[], runId: string, from: number): Promise<void> {
    for (let i = 0; i < messages.length; i++) await this.query('INSERT INTO orc_session_messages (session, seq, run_id, message) VALUES ($1, $2, $3, $4)', [session, from + i, runId, JSON.stringify(messages[i])]);
  }

  private async transaction(work: () => Promise<void>): Promise<void> {
    await this.query('BEGIN');
    try {
      await work();
      await this.query('COMMIT');
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  private async query<R extends object = object>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.client.query(text, values)).rows as R[];
    } catch (e) {
      if (e instanceof SessionStoreError) throw e;
      throw new SessionStoreError(`The session store at ${this.display} failed: ${(e as Error).message}`);
    }
  }
}
