// Where a session's conversation is kept between runs (`memory:` on an agent step): one small
// interface, and its default, a SQLite file in `.orchestrator/sessions/` through Node's built-in
// `node:sqlite`. A session is its messages in order (the provider-neutral ChatMessage form, secrets
// already redacted) and, once compacted, the summary that stands for the messages it replaced.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChatMessage } from '../models/provider';
import { SessionStoreError } from './sessionStoreError';

/** A session as it is read back: its summary (null until the first compaction) and its messages, oldest first. */
export interface StoredSession {
  summary: string | null;
  messages: ChatMessage[];
}

/** A value, or a promise of it: SQLite answers at once, a server's store (Redis: redisSessions.ts) over the network. */
export type Awaitable<T> = T | Promise<T>;

/** What the agent needs of a session store; another backend (a server's database) implements the same. */
export interface SessionStore {
  load(session: string): Awaitable<StoredSession>;
  /** Adds a run's messages at the end of the session. */
  append(session: string, messages: ChatMessage[], runId: string): Awaitable<void>;
  /** Replaces the whole session: its summary, and the messages it keeps (a compaction). */
  replace(session: string, stored: StoredSession, runId: string): Awaitable<void>;
  /**
   * The session as it was before run `runId` added its first message: its summary and the messages
   * stored before that one. Null when the session holds no message of that run (it added none, or a
   * compaction since replaced them). Optional: a store that keeps no run ids (Redis) has none, and a
   * fork of a run reads such a session as it is now (engine/agent/sessionMemory.ts).
   */
  loadBefore?(session: string, runId: string): Awaitable<StoredSession | null>;
  /** The session ids kept, most recently used first. */
  list(): Awaitable<{ session: string; messages: number; updated_at: string }[]>;
  close(): Awaitable<void>;
}

/** `.orchestrator/sessions/` of a working folder. */
export function sessionsDir(cwd: string): string {
  return path.join(cwd, '.orchestrator', 'sessions');
}

export const SESSIONS_FILE = 'sessions.sqlite';

type Sqlite = typeof import('node:sqlite');
let sqlite: Sqlite | null = null;

/**
 * `node:sqlite`, loaded on first use with its ExperimentalWarning silenced: the module is stable
 * enough for what we keep in it, and the warning would reach every `orc` user's terminal. Only the
 * warning this load raises is dropped; every other warning passes.
 */
function loadSqlite(): Sqlite {
  if (sqlite) return sqlite;
  const emit = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type ?? (warning instanceof Error ? warning.name : '');
    if (type === 'ExperimentalWarning' && /SQLite/i.test(text)) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    sqlite = process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
  return sqlite;
}

/** What to do about a SQLite failure, by its primary result code. */
function sqliteAdvice(code: number): string {
  switch (code & 0xff) {
    case 11: // SQLITE_CORRUPT
    case 26: // SQLITE_NOTADB
      return 'The file is damaged or is not a SQLite database: move it aside to start again with no sessions (a new store is made on the next run), or put back a copy from a backup; ORC_SESSION_STORE can name another store.';
    case 10: // SQLITE_IOERR
      return 'The disk could not be read or written: check the disk, and that the file is a regular file you can read and write, then run again.';
    case 13: // SQLITE_FULL
      return 'The disk is full: free some space, then run again.';
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
      return 'Another process holds it locked: run again when that process is done.';
    case 8: // SQLITE_READONLY
    case 14: // SQLITE_CANTOPEN
    case 23: // SQLITE_AUTH
      return 'Check that the folder and the file exist and can be written by you, then run again.';
    default:
      return 'Move the file aside to start again with no sessions, or set ORC_SESSION_STORE to another store.';
  }
}

/** The default store: `.orchestrator/sessions/sessions.sqlite` under `cwd` (made on first use). */
export class SqliteSessionStore implements SessionStore {
  private readonly db: import('node:sqlite').DatabaseSync;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { DatabaseSync } = loadSqlite();
    this.db = this.guarded('opened', () => new DatabaseSync(file));
    try {
      this.guarded('opened', () =>
        this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, summary TEXT, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS messages (session TEXT NOT NULL, seq INTEGER NOT NULL, run_id TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (session, seq));`),
      );
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** SQLite's own failure (`file is not a database`, `disk I/O error`) as one that names this store, its file and what to do; the file is left as it is. */
  private guarded<T>(doing: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      const err = e as { code?: string; errcode?: number; errstr?: string; message?: string };
      if (err?.code !== 'ERR_SQLITE_ERROR') throw e;
      throw new SessionStoreError(`The session store ${this.file} could not be ${doing}: ${err.errstr ?? err.message} (SQLite error ${err.errcode}). ${sqliteAdvice(err.errcode ?? 0)}`);
    }
  }

  static in(cwd: string): SqliteSessionStore {
    return new SqliteSessionStore(path.join(sessionsDir(cwd), SESSIONS_FILE));
  }

  load(session: string): StoredSession {
    return this.guarded('read', () => this.loadNow(session));
  }

  private loadNow(session: string): StoredSession {
    const row = this.db.prepare('SELECT summary FROM sessions WHERE id = ?').get(session) as { summary: string | null } | undefined;
    const rows = this.db.prepare('SELECT message FROM messages WHERE session = ? ORDER BY seq').all(session) as { message: string }[];
    return { summary: row?.summary ?? null, messages: rows.map((r) => JSON.parse(r.message) as ChatMessage) };
  }

  loadBefore(session: string, runId: string): StoredSession | null {
    return this.guarded('read', () => {
      const first = this.db.prepare('SELECT MIN(seq) AS seq FROM messages WHERE session = ? AND run_id = ?').get(session, runId) as { seq: number | null };
      if (first.seq === null) return null;
      const row = this.db.prepare('SELECT summary FROM sessions WHERE id = ?').get(session) as { summary: string | null } | undefined;
      const rows = this.db.prepare('SELECT message FROM messages WHERE session = ? AND seq < ? ORDER BY seq').all(session, first.seq) as { message: string }[];
      return { summary: row?.summary ?? null, messages: rows.map((r) => JSON.parse(r.message) as ChatMessage) };
    });
  }

  append(session: string, messages: ChatMessage[], runId: string): void {
    this.transaction('written', () => {
      const last = this.db.prepare('SELECT MAX(seq) AS n FROM messages WHERE session = ?').get(session) as { n: number | null };
      this.touch(session, undefined);
      this.insert(session, messages, runId, (last.n ?? 0) + 1);
    });
  }

  replace(session: string, stored: StoredSession, runId: string): void {
    this.transaction('written', () => {
      this.db.prepare('DELETE FROM messages WHERE session = ?').run(session);
      this.touch(session, stored.summary);
      this.insert(session, stored.messages, runId, 1);
    });
  }

  list(): { session: string; messages: number; updated_at: string }[] {
    return this.guarded('read', () => this.listNow());
  }

  private listNow(): { session: string; messages: number; updated_at: string }[] {
    return (this.db.prepare('SELECT s.id AS session, COUNT(m.seq) AS messages, s.updated_at AS updated_at FROM sessions s LEFT JOIN messages m ON m.session = s.id GROUP BY s.id ORDER BY s.updated_at DESC').all() as { session: string; messages: number; updated_at: string }[]).map((r) => ({ ...r }));
  }

  close(): void {
    if (this.db?.isOpen) this.db.close();
  }

  private touch(session: string, summary: string | null | undefined): void {
    const now = new Date().toISOString();
    if (summary === undefined) this.db.prepare('INSERT INTO sessions (id, summary, updated_at) VALUES (?, NULL, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at').run(session, now);
    else this.db.prepare('INSERT INTO sessions (id, summary, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET summary = excluded.summary, updated_at = excluded.updated_at').run(session, summary, now);
  }

  private insert(session: string, messages: ChatMessage[], runId: string, from: number): void {
    const put = this.db.prepare('INSERT INTO messages (session, seq, run_id, message) VALUES (?, ?, ?, ?)');
    messages.forEach((m, i) => put.run(session, from + i, runId, JSON.stringify(m)));
  }

  private transaction(doing: string, f: () => void): void {
    this.guarded(doing, () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        f();
        this.db.exec('COMMIT');
      } catch (e) {
        // a failed write may have ended the transaction already (SQLite rolls back on some errors): the write's own error is the one told
        try {
          this.db.exec('ROLLBACK');
        } catch {
          // no transaction left to roll back
        }
        throw e;
      }
    });
  }
}
