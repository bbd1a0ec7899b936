// What a durable run keeps in its own folder (ROOT/.orchestrator/runs/<id>/), beside the checkpoint
// and result.json a local run writes there too: the events each execution of the workflow emitted
// (what `orc run --restate` follows), each start of each attempt (a start with no end is an attempt
// a dead process was running), and the results too large for the journal.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runDir } from '../run/checkpointStore';
import type { RunEvent } from '../run/events';
import type { ProgressPage } from './protocol';
import { MAX_RECORD_BYTES, readBoundedText, readStateFile } from '../util/boundedRead';
import { MAX_RESULT_BYTES } from '../run/runRecords';

export const EVENTS_FILE = 'durable-events.jsonl';
export const STARTS_FILE = 'durable-starts.jsonl';
export const OUTPUTS_DIR = 'durable-outputs';
/** A result whose JSON is longer than this goes to a file; the journal keeps its name. */
export const JOURNAL_VALUE_LIMIT = 256 * 1024;
/** How long an event waits to be written with the ones after it (ms). */
const FLUSH_MS = 20;
/** The most events one progress page carries. */
const PAGE_EVENTS = 2000;

export class RunLog {
  readonly dir: string;
  private epochValue: number | null = null;
  /** Starts by attempt id, read from the file once. */
  private starts: Map<string, number> | null = null;
  /** Event lines not yet written: written together, soon (a line a write cost a step more than its journal entry). */
  private pending: string[] = [];
  private flushTimer: NodeJS.Timeout | null = null;

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
    this.pending.push(`${JSON.stringify({ epoch: this.epoch(), event })}\n`);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Writes the events not yet written (a lost tail is emitted again by the next execution's replay). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.length) return;
    const text = this.pending.join('');
    this.pending = [];
    this.ensureDir();
    appendFileSync(path.join(this.dir, EVENTS_FILE), text);
  }

  /** Records a start of an attempt; returns how many times it has started, this one included. */
  started(attemptId: string): number {
    this.ensureDir();
    if (!this.starts) {
      this.starts = new Map();
      for (const l of this.lines(STARTS_FILE)) {
        const id = (JSON.parse(l) as { id: string }).id;
        this.starts.set(id, (this.starts.get(id) ?? 0) + 1);
      }
    }
    const n = (this.starts.get(attemptId) ?? 0) + 1;
    this.starts.set(attemptId, n);
    appendFileSync(path.join(this.dir, STARTS_FILE), `${JSON.stringify({ id: attemptId, pid: process.pid, at: new Date().toISOString() })}\n`);
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

  /** Events from line `from` on, and the result document when the run has ended. */
  page(from: number): ProgressPage {
    const lines = this.lines(EVENTS_FILE);
    const start = Math.max(0, Math.min(from, lines.length));
    const take = lines.slice(start, start + PAGE_EVENTS);
    let result = null;
    if (start + take.length >= lines.length) {
      const text = readBoundedText(path.join(this.dir, 'result.json'), MAX_RESULT_BYTES);
      try {
        result = text === 'missing' || text === 'unreadable' ? null : JSON.parse(text);
      } catch {
        result = null;
      }
    }
    return { events: take.map((l) => JSON.parse(l)), next: start + take.length, result };
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
