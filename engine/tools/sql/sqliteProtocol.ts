// What the SQLite driver (sqlite.ts) and its worker thread (sqliteWorker.ts) say to each other, and
// the record of what the worker holds open. A worker that is terminated in the middle of a statement
// runs no cleanup of its own: the file descriptors it opened stay open (they belong to the process)
// and node-sqlite3-wasm's lock (a folder `<file>.lock`) stays on disk, so every later opener would
// find the database locked. The worker keeps a record of both in memory it shares with the driver,
// written before any change it could be stopped in the middle of is visible, and the driver closes
// and removes what the record names once the worker has exited.
import * as fs from 'node:fs';

export type SqlValue = null | number | bigint | string | Uint8Array;
export type Row = Record<string, SqlValue>;
export interface Bound {
  text: string;
  values: SqlValue[] | Record<string, SqlValue> | undefined;
}

export type Request =
  | { id: number; op: 'query'; statement: Bound }
  /** The driver has taken a batch of rows: the worker may send another. */
  | { id: number; op: 'more' }
  /** The driver wants no more rows: the worker ends the statement and says `done`. */
  | { id: number; op: 'stop' }
  | { id: number; op: 'execute'; statement: Bound }
  | { id: number; op: 'transaction'; statements: Bound[] }
  /** Opens the file (rolling back a transaction an earlier worker left half done) and closes it. */
  | { id: number; op: 'recover' }
  | { id: number; op: 'close' };

export type Reply =
  | { id: number; kind: 'rows'; rows: Row[] }
  | { id: number; kind: 'done'; changes?: number[] }
  /** A transaction starts its statement `statement` (0-based): the timeout counts from here. */
  | { id: number; kind: 'step'; statement: number }
  /** `open`: the file could not be opened; `statement`: which statement of a transaction failed (0-based). */
  | { id: number; kind: 'error'; message: string; open?: boolean; statement?: number };

/** Rows a batch holds at most, and the bytes of text and blobs it holds at most (a single bigger row goes alone). */
export const BATCH_ROWS = 256;
export const BATCH_BYTES = 1 << 20;
/** Batches the worker sends ahead of the driver's `more`: the rows in memory stay a few batches. */
export const BATCHES_AHEAD = 2;

const SLOT = 32 * 1024;

/** The shared record: a header saying which of two slots is current, each slot a length and the JSON of what is held. */
export function heldBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(8 + 2 * SLOT);
}

export interface Held {
  fds: number[];
  locks: string[];
  /** A lock folder the worker was making when it was stopped: its own if it is there and still empty. */
  making?: string[];
}

/** Writes the record into the slot not in use, then makes it current: a reader never sees half a record. */
export function writeHeld(buf: SharedArrayBuffer, held: Held): void {
  const header = new Int32Array(buf, 0, 2);
  const next = 1 - Atomics.load(header, 0);
  const bytes = new TextEncoder().encode(JSON.stringify(held));
  if (bytes.length > SLOT - 4) return;
  const base = 8 + next * SLOT;
  new Uint8Array(buf, base + 4, SLOT - 4).set(bytes);
  new DataView(buf, base, 4).setInt32(0, bytes.length);
  Atomics.store(header, 0, next);
  Atomics.store(header, 1, 1);
}

export function readHeld(buf: SharedArrayBuffer): Held {
  const header = new Int32Array(buf, 0, 2);
  if (Atomics.load(header, 1) === 0) return { fds: [], locks: [], making: [] };
  const base = 8 + Atomics.load(header, 0) * SLOT;
  const length = new DataView(buf, base, 4).getInt32(0);
  // a copy: TextDecoder reads no shared memory
  return JSON.parse(new TextDecoder().decode(new Uint8Array(buf, base + 4, length).slice())) as Held;
}

/** Closes the descriptors and removes the locks a terminated worker held. */
export function releaseHeld(buf: SharedArrayBuffer): void {
  const held = readHeld(buf);
  for (const fd of held.fds) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
  for (const lock of held.locks) {
    try {
      fs.rmSync(`${lock}/${LOCK_OWNER}`, { force: true });
      fs.rmdirSync(lock);
    } catch {
      // already gone
    }
  }
  // a lock being made when the worker was stopped: made by it only if the folder is there and empty
  // (an owner's lock holds its owner file; rmdir removes no folder with anything in it)
  for (const lock of held.making ?? []) {
    try {
      fs.rmdirSync(lock);
    } catch {
      // not made, or another's
    }
  }
  writeHeld(buf, { fds: [], locks: [], making: [] });
}

/** The file in a lock folder naming the process that holds it (its pid). */
export const LOCK_OWNER = 'owner.pid';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: a process of another user's, alive
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes back a lock folder its process left when it was killed (SIGKILL, a crash, a power cut: no
 * cleanup ran): true when the lock names a process that no longer runs and is removed. A lock that
 * names no process (made by another program) or a live one is left alone. The folder is renamed
 * away first and its owner read again there, so a lock another opener has just taken is put back.
 */
export function removeStaleLock(lock: string): boolean {
  let owner: number;
  try {
    owner = Number(fs.readFileSync(`${lock}/${LOCK_OWNER}`, 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || alive(owner)) return false;
  const away = `${lock}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(lock, away);
  } catch {
    return false;
  }
  let still: number;
  try {
    still = Number(fs.readFileSync(`${away}/${LOCK_OWNER}`, 'utf8'));
  } catch {
    still = NaN;
  }
  if (still !== owner) {
    // another opener took the lock between the two reads: it is theirs
    try {
      fs.renameSync(away, lock);
    } catch {
      // they made a new one meanwhile
    }
    return false;
  }
  fs.rmSync(away, { recursive: true, force: true });
  return true;
}
