// Run records packed one line each in an append-only file, and the readers that find any run's
// record, whether it has a folder or a line.
//
// `orc run` leaves a folder per run (`.orchestrator/runs/<id>/`: its checkpoint while it runs, its
// result at its end). An eval's cases leave their records in one file per eval,
// `.orchestrator/evals/<eval_id>/runs.jsonl`, a line per run:
//   {"run_id":ID,"checkpoint":CHECKPOINT WITHOUT ITS STEPS,"result":THE RESULT DOCUMENT}
// A folder and two files per case cost the kernel 0.1 to 2 ms a case on this project's machines
// (more after many files were deleted), more than the rest of a case's own time; an eval of 100,000
// cases left 200,000 folders. A batch of lines is one append. The readers below (`runIds`,
// `readRunResult`, `loadCheckpoint` in checkpointReader.ts) see both, so `orc runs`, `orc report`,
// the stats, MCP's run resources and the editor's Runs view and Test Explorer read an eval's case
// runs as they read any run.
//
// A pack is indexed once per process by its lines' offsets, and the index grows as the pack does (a
// line is written whole, never changed in place). A line cut short by a killed eval is skipped; the
// writer starts the next line on a new one.
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { ResultDocument } from './events';
import { recordId, runsDir, STATE_DIR, type Checkpoint } from './runFiles';
import { isResultDocument, MAX_RESULT_BYTES, readResultRecord } from './runRecords';

/** The pack's file name in an eval's record folder. */
export const RUN_PACK = 'runs.jsonl';

export function runPackFile(root: string, evalId: string): string {
  return path.join(root, STATE_DIR, 'evals', recordId(evalId, 'eval'), RUN_PACK);
}

/** A pack's line for a run: its id first (what the index reads), then its checkpoint's head and its result, each compact JSON. */
export function packLine(runId: string, head: string, doc: string): string {
  return `{"run_id":${JSON.stringify(runId)},"checkpoint":${head},"result":${doc}}\n`;
}

/** A run read from a pack: its checkpoint (the steps are the result's) and its result document. */
export interface PackedRun {
  checkpoint: Checkpoint;
  result: ResultDocument;
}

interface Entry {
  offset: number;
  length: number;
}

interface PackIndex {
  ino: number;
  /** Where the next line to index starts (the end of the last whole line). */
  scanned: number;
  entries: Map<string, Entry>;
}

const indexes = new Map<string, PackIndex>();
const ID_PREFIX = /^\{"run_id":"([\w.-]+)"/;
const CHUNK = 1 << 20;

/** The packs under `root`, one per eval that has one. */
export function runPacks(root: string): string[] {
  const evals = path.join(root, STATE_DIR, 'evals');
  let names: string[];
  try {
    names = readdirSync(evals);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const f = path.join(evals, n, RUN_PACK);
    if (existsSync(f)) out.push(f);
  }
  return out;
}

/** The pack's index, brought up to its current end (null when it cannot be read). */
function indexOf(file: string): PackIndex | null {
  // unchanged since it was indexed: one stat, not an open (readers ask once per run they read)
  const known = indexes.get(file);
  if (known) {
    try {
      const st = lstatSync(file);
      if (st.isFile() && st.ino === known.ino && st.size === known.scanned) return known;
    } catch {
      indexes.delete(file);
      return null;
    }
  }
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    indexes.delete(file);
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    let ix = indexes.get(file);
    // replaced, or cut shorter (a run deleted from it): indexed again from its start
    if (!ix || ix.ino !== st.ino || st.size < ix.scanned) indexes.set(file, (ix = { ino: st.ino, scanned: 0, entries: new Map() }));
    if (st.size > ix.scanned) scan(fd, ix, st.size);
    return ix;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Indexes the whole lines from `ix.scanned` to `size`. */
function scan(fd: number, ix: PackIndex, size: number): void {
  const buf = Buffer.allocUnsafe(CHUNK);
  const head = Buffer.allocUnsafe(256);
  let lineStart = ix.scanned;
  let pos = ix.scanned;
  while (pos < size) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
    if (n <= 0) break;
    let from = 0;
    for (let nl = buf.indexOf(10, from); nl !== -1 && nl < n; nl = buf.indexOf(10, from)) {
      const end = pos + nl;
      // the line's first bytes: in this chunk, or read again when it began in an earlier one
      let prefix: string;
      if (lineStart >= pos) prefix = buf.toString('latin1', lineStart - pos, Math.min(n, lineStart - pos + 256));
      else prefix = head.toString('latin1', 0, readSync(fd, head, 0, 256, lineStart));
      const m = ID_PREFIX.exec(prefix);
      if (m) ix.entries.set(m[1], { offset: lineStart, length: end - lineStart });
      lineStart = end + 1;
      from = nl + 1;
    }
    pos += n;
  }
  ix.scanned = lineStart;
}

function readLine(file: string, e: Entry, maxBytes: number): PackedRun | 'unreadable' {
  if (e.length > maxBytes) return 'unreadable';
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return 'unreadable';
  }
  try {
    const buf = Buffer.allocUnsafe(e.length);
    let n = 0;
    for (let got = 1; got > 0 && n < e.length; n += got) got = readSync(fd, buf, n, e.length - n, e.offset + n);
    const v = JSON.parse(buf.toString('utf8', 0, n)) as { run_id?: unknown; checkpoint?: unknown; result?: unknown };
    const c = v.checkpoint;
    if (!isResultDocument(v.result) || !c || typeof c !== 'object' || Array.isArray(c)) return 'unreadable';
    return { checkpoint: { ...(c as Omit<Checkpoint, 'steps'>), steps: v.result.steps } as Checkpoint, result: v.result };
  } catch {
    return 'unreadable';
  } finally {
    closeSync(fd);
  }
}

/** Where a packed run's line is (null: in no pack). */
function findPacked(root: string, runId: string): { file: string; entry: Entry } | null {
  for (const file of runPacks(root)) {
    const entry = indexOf(file)?.entries.get(runId);
    if (entry) return { file, entry };
  }
  return null;
}

/** A run recorded in a pack under `root`: 'missing' when no pack has it. */
export function readPackedRun(root: string, runId: string, maxBytes = MAX_RESULT_BYTES): PackedRun | 'missing' | 'unreadable' {
  const at = findPacked(root, runId);
  return at ? readLine(at.file, at.entry, maxBytes) : 'missing';
}

/** The ids of the runs in the packs under `root`. */
export function packedRunIds(root: string): string[] {
  const out: string[] = [];
  for (const file of runPacks(root)) {
    const ix = indexOf(file);
    if (ix) for (const id of ix.entries.keys()) out.push(id);
  }
  return out;
}

/** Every run under `root`, sorted by id (an id starts with when the run started): the folders of `.orchestrator/runs/` and the runs packed in evals' records. */
export function runIds(root: string): string[] {
  const ids = new Set<string>();
  try {
    for (const id of readdirSync(runsDir(root))) ids.add(id);
  } catch {
    // no runs folder yet
  }
  for (const id of packedRunIds(root)) ids.add(id);
  return [...ids].sort();
}

/** A run's result document: its folder's result.json, else its line in an eval's pack. */
export function readRunResult(root: string, runId: string, maxBytes = MAX_RESULT_BYTES): ResultDocument | 'missing' | 'unreadable' {
  try {
    recordId(runId, 'run');
  } catch {
    return 'missing';
  }
  // a run folder that is a link out of the runs (to another workspace's run) is not this workspace's record
  if (runFolderLeadsOut(root, runId)) return 'unreadable';
  const doc = readResultRecord(path.join(runsDir(root), runId, 'result.json'), maxBytes);
  if (doc !== 'missing') return doc;
  const packed = readPackedRun(root, runId, maxBytes);
  return typeof packed === 'string' ? packed : packed.result;
}

/**
 * Where a run's folder really is when it is a link that leads out of the workspace's runs folder,
 * else null (no folder, a folder, or a link to another run folder beside it). One lstat for a run
 * folder that is not a link; the check is on the real path (docs/security.md).
 */
export function runFolderLeadsOut(root: string, runId: string): string | null {
  const dir = path.join(runsDir(root), runId);
  try {
    if (!lstatSync(dir).isSymbolicLink()) return null;
    const real = realpathSync(dir);
    return path.dirname(real) === realpathSync(runsDir(root)) ? null : real;
  } catch {
    // a link to nothing: read as missing by every reader
    return null;
  }
}

/**
 * Deletes a run's record: its folder, and its line when a pack holds it (the pack is written again
 * without it, beside itself, and renamed over). True when there was one.
 */
export function deleteRunRecord(root: string, runId: string): boolean {
  recordId(runId, 'run');
  const dir = path.join(runsDir(root), runId);
  const had = existsSync(dir);
  rmSync(dir, { recursive: true, force: true });
  const at = findPacked(root, runId);
  if (!at) return had;
  const tmp = `${at.file}.${process.pid}.tmp`;
  const src = openSync(at.file, 'r');
  const out = openSync(tmp, 'w');
  try {
    const size = fstatSync(src).size;
    const buf = Buffer.allocUnsafe(CHUNK);
    const copy = (from: number, to: number) => {
      for (let p = from; p < to; ) {
        const n = readSync(src, buf, 0, Math.min(CHUNK, to - p), p);
        if (n <= 0) break;
        writeSync(out, buf, 0, n);
        p += n;
      }
    };
    copy(0, at.entry.offset);
    copy(at.entry.offset + at.entry.length + 1, size);
  } finally {
    closeSync(src);
    closeSync(out);
  }
  renameSync(tmp, at.file);
  indexes.delete(at.file);
  return true;
}
