// The thread a SQLite database runs on (started by sqlite.ts): it opens the file, runs the driver's
// statements and sends a query's rows back in batches, a few batches ahead of the driver at most. A
// statement runs here from start to end without a break, so the driver, whose thread stays free,
// stops one that runs too long, or is cancelled, by terminating this thread (sqliteProtocol.ts says
// how what it leaves open is cleaned up). Bundled on its own as dist/sqliteWorker.js.
import fs = require('node:fs');
import { parentPort, workerData } from 'node:worker_threads';
import { Database, type Statement } from 'node-sqlite3-wasm';
import { BATCH_BYTES, BATCH_ROWS, BATCHES_AHEAD, LOCK_OWNER, removeStaleLock, writeHeld, type Bound, type Reply, type Request, type Row } from './sqliteProtocol';

const { file, held: heldBuf } = workerData as { file: string; held: SharedArrayBuffer };
const port = parentPort!;
const send = (r: Reply) => port.postMessage(r);

// node-sqlite3-wasm reaches the file system through this module's functions, looked up at each call:
// the descriptors it opens and the lock folders it makes are recorded as they change. A descriptor is
// recorded once open and forgotten before it closes, a lock recorded once made and forgotten once
// removed: stopped in between, the driver closes nothing another file now uses.
const fds = new Set<number>();
const locks = new Set<string>();
/** A lock folder being made: recorded before the mkdir, so a thread stopped just after it returns leaves it recorded. */
let making: string | null = null;
const publish = () => writeHeld(heldBuf, { fds: [...fds], locks: [...locks], making: making ? [making] : [] });
const { openSync, closeSync, mkdirSync, rmdirSync } = fs;
fs.openSync = ((...args: Parameters<typeof openSync>) => {
  const fd = openSync(...args);
  fds.add(fd);
  publish();
  return fd;
}) as typeof openSync;
fs.closeSync = (fd: number) => {
  fds.delete(fd);
  publish();
  closeSync(fd);
};
/** How long an opener waits for a lock another connection holds before the database is busy. */
const BUSY_WAIT_MS = 5000;
const napCell = new Int32Array(new SharedArrayBuffer(4));
/**
 * The lock folder made and recorded, waiting while another live connection holds it. The wait is
 * here, asleep (Atomics.wait blocks this thread without using a core; a stop still ends it), and not
 * SQLite's: its busy handler sleeps through the WebAssembly build's clock in a loop, a core kept busy
 * for the whole wait (5 s of CPU for a database held 5 s), so its busy_timeout is 0 (`open`). A lock
 * whose process was killed (SIGKILL, a crash) is taken back; past the wait, the EEXIST that SQLite
 * reports as "database is locked" (a DatabaseBusy to the step).
 */
function takeLock(p: string, options?: fs.MakeDirectoryOptions): string | undefined {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (let napMs = 1; ; napMs = Math.min(napMs * 2, 50)) {
    let busy: unknown;
    // `making` around the mkdir alone: a stop takes effect when the mkdir returns, before the lock is
    // recorded, and a lock made then was left on disk and the next opener waited for it forever
    // (seen once on a busy machine). Not during the nap: a stop then would remove, as if it were
    // this thread's, an empty lock folder another connection has just made or another program holds
    making = p;
    publish();
    try {
      const made = mkdirSync(p, options);
      locks.add(p);
      return made;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      busy = e;
    } finally {
      making = null;
      publish();
    }
    if (removeStaleLock(p)) continue;
    const left = deadline - Date.now();
    if (left <= 0) throw busy;
    Atomics.wait(napCell, 0, 0, Math.min(napMs, left));
  }
}

fs.mkdirSync = ((p: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
  if (typeof p !== 'string' || !p.endsWith('.lock')) return mkdirSync(p, options);
  const made = takeLock(p, options);
  // the lock names its process, so one left by a killed process is known for what it is
  try {
    fs.writeFileSync(`${p}/${LOCK_OWNER}`, String(process.pid));
  } catch {
    // a lock without its owner is only never taken back
  }
  return made;
}) as typeof mkdirSync;
fs.rmdirSync = (p: fs.PathLike, options?: fs.RmDirOptions) => {
  if (typeof p === 'string' && locks.has(p)) fs.rmSync(`${p}/${LOCK_OWNER}`, { force: true });
  rmdirSync(p, options);
  if (typeof p === 'string' && locks.delete(p)) publish();
};
// Whether another connection holds the file's reserved lock is asked as "does `<file>.lock` exist",
// and node-sqlite3-wasm's lock folder stands for every level of lock, its own shared lock included:
// so it always answered yes to itself, never saw a journal left by an interrupted transaction as hot,
// and read (then overwrote) a half-written file. Its own lock is no other connection's.
const { accessSync } = fs;
fs.accessSync = (p: fs.PathLike, mode?: number) => {
  if (typeof p === 'string' && locks.has(p)) {
    const e = new Error(`ENOENT: ${p} is this connection's own lock`) as NodeJS.ErrnoException;
    e.code = 'ENOENT';
    throw e;
  }
  accessSync(p, mode);
};

let db: Database | null = null;

/**
 * A process or thread stopped before its transaction's journal was first synced leaves a journal
 * whose header SQLite has not filled in yet (its magic number is still zeros, or the file is still
 * empty, as a process killed on a busy machine right after making it leaves it): nothing in the
 * database was changed, so it is not a hot journal, SQLite rolls nothing back and leaves the file
 * beside the database. It is removed here, when the database is opened and after a stopped thread,
 * under the write lock (BEGIN IMMEDIATE), so no writer can be making its own journal meanwhile;
 * when another connection holds the lock, the journal is left for a later open.
 */
function removeUnsyncedJournal(): void {
  const journal = `${file}-journal`;
  if (!zeroHeaded(journal) || fs.existsSync(`${file}.lock`)) return;
  const d = open();
  try {
    d.exec('BEGIN IMMEDIATE');
  } catch {
    return;
  }
  try {
    if (zeroHeaded(journal)) fs.rmSync(journal, { force: true });
  } finally {
    d.exec('COMMIT');
  }
}

/** Whether `journal` exists with no header written yet (empty, or zeros where the magic number goes). */
function zeroHeaded(journal: string): boolean {
  try {
    const fd = fs.openSync(journal, 'r');
    const head = Buffer.alloc(8);
    let got: number;
    try {
      got = fs.readSync(fd, head, 0, 8, 0);
    } finally {
      fs.closeSync(fd);
    }
    return head.subarray(0, got).every((b) => b === 0);
  } catch {
    // no journal, or one that cannot be read: SQLite's to deal with
    return false;
  }
}

class OpenError extends Error {}

function open(): Database {
  if (!db) {
    try {
      db = new Database(file);
      // the wait for a busy database is takeLock's, asleep: SQLite's own would keep a core busy
      db.exec('PRAGMA busy_timeout = 0; PRAGMA foreign_keys = ON');
    } catch (e) {
      throw new OpenError(e instanceof Error ? e.message : String(e));
    }
    removeUnsyncedJournal();
  }
  return db;
}

function fail(id: number, e: unknown, statement?: number): void {
  send({ id, kind: 'error', message: e instanceof Error ? e.message : String(e), ...(e instanceof OpenError ? { open: true } : {}), ...(statement === undefined ? {} : { statement }) });
}

interface Query {
  stmt: Statement;
  rows: Iterator<unknown>;
  credit: number;
}
const queries = new Map<number, Query>();

function sizeOf(row: Row): number {
  let n = 16;
  for (const v of Object.values(row)) n += typeof v === 'string' ? v.length * 2 : v instanceof Uint8Array ? v.byteLength : 8;
  return n;
}

function end(id: number, q: Query): void {
  queries.delete(id);
  try {
    q.stmt.finalize();
  } catch {
    // the error was the statement's, already sent
  }
}

/** Sends batches while the driver has room for them; the last says `done`. */
function pump(id: number, q: Query): void {
  try {
    while (q.credit > 0) {
      const rows: Row[] = [];
      let bytes = 0;
      let finished = false;
      while (rows.length < BATCH_ROWS && bytes < BATCH_BYTES) {
        const next = q.rows.next();
        if (next.done) {
          finished = true;
          break;
        }
        rows.push(next.value as Row);
        bytes += sizeOf(next.value as Row);
      }
      if (rows.length) {
        send({ id, kind: 'rows', rows });
        q.credit--;
      }
      if (finished) {
        end(id, q);
        send({ id, kind: 'done' });
        return;
      }
    }
  } catch (e) {
    end(id, q);
    fail(id, e);
  }
}

function query(id: number, b: Bound): void {
  let stmt: Statement;
  try {
    stmt = open().prepare(b.text);
  } catch (e) {
    fail(id, e);
    return;
  }
  const q: Query = { stmt, rows: null as unknown as Iterator<unknown>, credit: BATCHES_AHEAD };
  try {
    q.rows = stmt.iterate(b.values)[Symbol.iterator]();
  } catch (e) {
    end(id, q);
    fail(id, e);
    return;
  }
  queries.set(id, q);
  pump(id, q);
}

function transaction(id: number, statements: Bound[]): void {
  const d = open();
  d.exec('BEGIN IMMEDIATE');
  const changes: number[] = [];
  for (const [i, b] of statements.entries()) {
    send({ id, kind: 'step', statement: i });
    try {
      changes.push(d.run(b.text, b.values).changes);
    } catch (e) {
      if (d.inTransaction) d.exec('ROLLBACK');
      fail(id, e, i);
      return;
    }
  }
  try {
    d.exec('COMMIT');
  } catch (e) {
    if (d.inTransaction) d.exec('ROLLBACK');
    throw e;
  }
  send({ id, kind: 'done', changes });
}

port.on('message', (m: Request) => {
  try {
    if (m.op === 'query') query(m.id, m.statement);
    else if (m.op === 'more' || m.op === 'stop') {
      const q = queries.get(m.id);
      if (!q) return;
      if (m.op === 'stop') {
        end(m.id, q);
        send({ id: m.id, kind: 'done' });
      } else {
        q.credit++;
        pump(m.id, q);
      }
    } else if (m.op === 'execute') send({ id: m.id, kind: 'done', changes: [open().run(m.statement.text, m.statement.values).changes] });
    else if (m.op === 'transaction') transaction(m.id, m.statements);
    else if (m.op === 'recover') {
      // reading the schema takes the lock, which rolls back a journal an earlier worker left
      open().get('SELECT count(*) FROM sqlite_master');
      removeUnsyncedJournal();
      send({ id: m.id, kind: 'done' });
    } else if (m.op === 'close') {
      for (const [id, q] of queries) end(id, q);
      if (db?.isOpen) db.close();
      db = null;
      send({ id: m.id, kind: 'done' });
    }
  } catch (e) {
    fail(m.id, e);
  }
});
