// What a durable run keeps in its own folder (ROOT/.orchestrator/runs/<id>/), beside the checkpoint
// and result.json a local run writes there too: the events each execution of the workflow emitted
// (what `orc run --restate` follows), each start of each attempt (a start with no end is an attempt
// a dead process was running), and the results too large for the journal.
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runDir } from '../run/checkpointStore';
import type { ResultDocument, RunEvent } from '../run/events';
import type { OutputRef, ProgressPage } from './protocol';
import { MAX_RECORD_BYTES, openRegularFile, readBoundedText, readStateFile } from '../util/boundedRead';
import { MAX_RESULT_BYTES } from '../run/runRecords';

export const EVENTS_FILE = 'durable-events.jsonl';
export const STARTS_FILE = 'durable-starts.jsonl';
export const OUTPUTS_DIR = 'durable-outputs';
/** A result whose JSON is longer than this goes to a file; the journal keeps its name. */
export const JOURNAL_VALUE_LIMIT = 256 * 1024;
/** The longest piece of a step's output one event carries (characters); a longer one is cut into several. */
const OUTPUT_PIECE = 64 * 1024;
/**
 * A file held open to append is closed after between one and two of these without a write (ms): an
 * execution of the handler that Restate ends (suspended, or its connection gone) never reaches
 * close(), its awaits left pending for ever by the SDK, and must not keep its files open.
 */
const IDLE_CLOSE_MS = 1000;
/**
 * The most files the process's run logs hold open together: past it, a write opens and closes its
 * file as before. A worker running hundreds of runs at once keeps its descriptors for its steps'
 * own work (a process's soft limit is often 1,024).
 */
export const MAX_HELD_FILES = 128;
let heldFiles = 0;

/** How many files the process's run logs hold open now. */
export function filesHeldOpen(): number {
  return heldFiles;
}
/** How long an event waits to be written with the ones after it (ms). */
const FLUSH_MS = 20;
/** The most events one progress page carries. */
const PAGE_EVENTS = 2000;
/** The most bytes of the events file one progress page reads (a page holds at least one whole event). */
export const PAGE_BYTES = 1024 * 1024;
/** The events file is read in pieces from a byte offset, whatever its size: this only refuses what is not a file. */
const EVENTS_FILE_BOUND = Number.MAX_SAFE_INTEGER;

export class RunLog {
  readonly dir: string;
  private epochValue: number | null = null;
  /** Starts by attempt id, read from the file once. */
  private starts: Map<string, number> | null = null;
  /** Event lines not yet written: written together, soon (a line a write cost a step more than its journal entry). */
  private pending: string[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /**
   * The events and starts files, opened to append once and held until close() or a second or two
   * without a write (not held when the process holds MAX_HELD_FILES already): a start is written
   * before each attempt runs, and opening, appending and closing the file (with the folder made
   * again) each time cost 58 µs a step of a 200-step durable run, a fifth of its overhead over a
   * bare workflow side by side (docs/benchmarks.md, "the ninth evening").
   */
  private readonly fds = new Map<string, number>();
  /** close() was called: what comes after (a late event) is appended with a file opened and closed for it (as past MAX_HELD_FILES). */
  private closed = false;
  /** Something was appended since the idle timer last looked. */
  private wrote = false;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly root: string,
    readonly runId: string,
  ) {
    this.dir = runDir(root, runId);
  }

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  /** This execution of the workflow's handler: one more than the executions before it that emitted events. */
  epoch(): number {
    if (this.epochValue !== null) return this.epochValue;
    let last = 0;
    for (const line of this.lines(EVENTS_FILE)) {
      const e = Number((JSON.parse(line) as { epoch?: number }).epoch);
      if (e > last) last = e;
    }
    return (this.epochValue = last + 1);
  }

  /** Appends an event (already redacted by the run's emitter); written within a few milliseconds, or by flush(). */
  event(event: RunEvent): void {
    // a long piece of a step's output stays output: it is written as several events of its text
    if (event.type === 'step-output' && event.chunk.length > OUTPUT_PIECE) {
      for (let at = 0; at < event.chunk.length; at += OUTPUT_PIECE) this.event({ ...event, chunk: event.chunk.slice(at, at + OUTPUT_PIECE) });
      return;
    }
    const line = JSON.stringify({ epoch: this.epoch(), event });
    // a line as long as the journal's limit holds a run's value too large to page out: it is kept lean
    this.pending.push(`${line.length <= JOURNAL_VALUE_LIMIT ? line : JSON.stringify({ epoch: this.epoch(), event: this.leanEvent(event) })}\n`);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Writes the events not yet written (a lost tail is emitted again by the next execution's replay). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.length) return;
    const text = this.pending.join('');
    this.pending = [];
    this.append(EVENTS_FILE, text);
  }

  /** Appends `text` to one of the run's files (O_APPEND: whole writes from several processes stay whole). */
  private append(file: string, text: string): void {
    let fd = this.fds.get(file);
    if (fd === undefined) {
      this.ensureDir();
      const where = path.join(this.dir, file);
      // after close(), or while the process holds as many as it may: opened and closed for this write
      if (this.closed || heldFiles >= MAX_HELD_FILES) return appendFileSync(where, text);
      fd = openSync(where, 'a');
      this.fds.set(file, fd);
      heldFiles++;
    }
    // (given a descriptor, appendFileSync writes all of the text, however many writes it takes)
    appendFileSync(fd, text);
    this.wrote = true;
    if (!this.idleTimer) this.closeWhenIdle();
  }

  /** Closes the files held open once a tick of IDLE_CLOSE_MS passes without a write; they open again on the next. */
  private closeWhenIdle(): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (!this.wrote) return this.closeFiles();
      this.wrote = false;
      this.closeWhenIdle();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  private closeFiles(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    for (const fd of this.fds.values()) closeSync(fd);
    heldFiles -= this.fds.size;
    this.fds.clear();
  }

  /** Writes what is pending and lets go of the files held open (the handler's execution is over). */
  close(): void {
    this.flush();
    this.closed = true;
    this.closeFiles();
  }

  /** Records a start of an attempt; returns how many times it has started, this one included. */
  started(attemptId: string): number {
    if (!this.starts) {
      this.starts = new Map();
      for (const l of this.lines(STARTS_FILE)) {
        const id = (JSON.parse(l) as { id: string }).id;
        this.starts.set(id, (this.starts.get(id) ?? 0) + 1);
      }
    }
    const n = (this.starts.get(attemptId) ?? 0) + 1;
    this.starts.set(attemptId, n);
    this.append(STARTS_FILE, `${JSON.stringify({ id: attemptId, pid: process.pid, at: new Date().toISOString() })}\n`);
    return n;
  }

  /** Writes a large result (its JSON) beside the run; returns its name relative to the run's folder. */
  writeOutput(attemptId: string, json: string): string {
    // one file an attempt: its id (`loop[2]/step#1`) escaped into one file name, never two ids in one
    const name = `${OUTPUTS_DIR}/${encodeURIComponent(attemptId).replace(/\./g, '%2E')}.json`;
    mkdirSync(path.join(this.dir, OUTPUTS_DIR), { recursive: true });
    writeFileSync(path.join(this.dir, name), json);
    return name;
  }

  readOutput(name: string): unknown {
    if (name.includes('..')) throw new Error(`Not an output of this run: ${name}`);
    // read only when a regular file of at most the bound: a link to /dev/zero in its place is an error, not an endless read
    return JSON.parse(readStateFile(path.join(this.dir, name), MAX_RECORD_BYTES));
  }

  /**
   * A value as a durable run's events and result document carry it: the same value when its JSON
   * is at most JOURNAL_VALUE_LIMIT long; otherwise its large parts (an object's or array's members,
   * two levels down) each replaced by a reference to a file of the run's folder that holds them
   * (OutputRef), or the whole value when that is not enough.
   */
  lean<T>(value: T): T {
    return this.leanAt(value, 0) as T;
  }

  private leanAt(value: unknown, depth: number): unknown {
    if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean') return value;
    let json: string;
    try {
      json = JSON.stringify(value);
    } catch {
      return value; // not JSON: left as it is (the journal refuses it where it matters)
    }
    if (json === undefined || json.length <= JOURNAL_VALUE_LIMIT) return value;
    if (depth < 2 && typeof value === 'object' && !isOutputRef(value)) {
      const parts = Array.isArray(value) ? value.map((v) => this.leanAt(v, depth + 1)) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.leanAt(v, depth + 1)]));
      if (JSON.stringify(parts).length <= JOURNAL_VALUE_LIMIT) return parts;
    }
    return typeof value === 'string' ? this.keep(value, 'txt', 'text/plain') : this.keep(json, 'json', 'application/json');
  }

  /** Writes `text` once under its hash (the same text is one file however often it is referred to). */
  private keep(text: string, ext: 'txt' | 'json', mediaType: OutputRef['media_type']): OutputRef {
    const bytes = Buffer.from(text, 'utf8');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const name = `${OUTPUTS_DIR}/${sha256}.${ext}`;
    const file = path.join(this.dir, name);
    if (!existsSync(file)) {
      mkdirSync(path.join(this.dir, OUTPUTS_DIR), { recursive: true });
      // written whole under another name first: a reader never finds half of it
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, file);
    }
    return { $ref: name, media_type: mediaType, bytes: bytes.length, sha256 };
  }

  /** A result document with its large step results and outputs by reference (lean). */
  leanDocument(doc: ResultDocument): ResultDocument {
    const steps = Object.fromEntries(Object.entries(doc.steps).map(([id, r]) => [id, r && JSON.stringify(r).length > JOURNAL_VALUE_LIMIT ? this.lean(r) : r]));
    return { ...doc, outputs: this.lean(doc.outputs), steps };
  }

  /** An event as the events file keeps it: what it carries of a run's values (a step's result, its inputs, the result document) lean. */
  leanEvent(event: RunEvent): RunEvent {
    switch (event.type) {
      case 'step-ended':
        return { ...event, result: this.lean(event.result) };
      case 'step-started':
        return { ...event, inputs: this.lean(event.inputs) };
      case 'run-ended':
        return { ...event, result: this.leanDocument(event.result) };
      default:
        return this.lean(event);
    }
  }

  /**
   * Events from byte `from` of the events file on (at most PAGE_EVENTS events and about PAGE_BYTES
   * bytes: a page is bounded however large the run's output), and the result document when the
   * page reaches the end of what is written.
   */
  page(from: number): ProgressPage {
    const file = path.join(this.dir, EVENTS_FILE);
    const events: ProgressPage['events'] = [];
    let next = Math.max(0, Math.floor(from));
    let atEnd = true;
    const opened = openRegularFile(file, EVENTS_FILE_BOUND);
    if (typeof opened === 'object') {
      try {
        next = Math.min(next, opened.size);
        let buf = Buffer.alloc(Math.min(PAGE_BYTES, opened.size - next));
        let n = readSync(opened.fd, buf, 0, buf.length, next);
        // one event longer than a page (written before events were lean): read on to its end
        while (n === buf.length && buf.indexOf(0x0a) < 0 && next + n < opened.size) {
          const more = Buffer.alloc(Math.min(PAGE_BYTES, opened.size - next - n));
          const got = readSync(opened.fd, more, 0, more.length, next + n);
          if (got <= 0) break;
          buf = Buffer.concat([buf.subarray(0, n), more.subarray(0, got)]);
          n += got;
        }
        const text = buf.subarray(0, n);
        // whole lines only: a line still being written (or cut short by a process that died) waits
        const end = text.lastIndexOf(0x0a) + 1;
        let at = 0;
        while (at < end && events.length < PAGE_EVENTS) {
          const nl = text.indexOf(0x0a, at);
          const line = text.subarray(at, nl).toString('utf8');
          at = nl + 1;
          try {
            if (line) events.push(JSON.parse(line) as ProgressPage['events'][number]);
          } catch {
            // a line cut short by a process that died mid-write: left out
          }
        }
        // the end of what is written: every whole line read, and the read reached the file's end
        atEnd = at >= end && next + n >= opened.size;
        next += at;
      } finally {
        closeSync(opened.fd);
      }
    }
    let result = null;
    if (atEnd) {
      const text = readBoundedText(path.join(this.dir, 'result.json'), MAX_RESULT_BYTES);
      try {
        result = text === 'missing' || text === 'unreadable' ? null : JSON.parse(text);
      } catch {
        result = null;
      }
    }
    return { events, next, result };
  }

  private lines(file: string): string[] {
    const text = readBoundedText(path.join(this.dir, file), MAX_RECORD_BYTES);
    if (text === 'missing' || text === 'unreadable') return [];
    // a line cut short by a process that died mid-write is left out
    return text.split('\n').filter((l) => {
      if (!l) return false;
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    });
  }
}

/** Whether a value is a reference to a large value kept in the run's folder. */
export function isOutputRef(v: unknown): v is OutputRef {
  return typeof v === 'object' && v !== null && typeof (v as OutputRef).$ref === 'string' && typeof (v as OutputRef).sha256 === 'string';
}
