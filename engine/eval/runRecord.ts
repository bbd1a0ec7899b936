// The run record of an eval's case: `.orchestrator/runs/<run_id>/checkpoint.json` and
// `result.json`, as `orc run` leaves them, written once when the run ends. A case's run writes no
// checkpoint while it runs (its fsyncs were 35 ms a run, more than the model call it wraps): an
// interrupted case runs again whole on `orc eval --resume`, so it needs none. `orc runs`,
// `orc report` and the editor's Runs view read these records like any other.
//
// A folder and two files per case, written synchronously, held the event loop for most of an eval's
// own time on a busy disk (npm run bench eval: 3.6 of 6 s of CPU profile samples): they are written
// on the thread pool (RunRecordWriter), while the other cases run.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { runDir, sha256, type Checkpoint } from '../run/checkpointStore';
import type { ResultDocument } from '../run/events';

export interface RunRecordFacts {
  inputs: Record<string, unknown>;
  pipelineFile: string;
  source: string;
  maxParallel: number;
}

/** A case's run record as compact JSON: the result document, and its checkpoint without the steps (which are the document's). */
function recordItem(dir: string, doc: ResultDocument, o: RunRecordFacts, sourceSha: string): RecordItem {
  const head: Omit<Checkpoint, 'steps'> = {
    format: 1,
    execution_id: doc.execution_id,
    pipeline_id: doc.pipeline_id,
    pipeline_file: o.pipelineFile,
    pipeline_sha256: sourceSha,
    inputs: o.inputs,
    max_parallel: o.maxParallel,
    status: doc.status,
    started_at: doc.started_at,
    updated_at: doc.ended_at,
    pid: process.pid,
  };
  return { dir, head: JSON.stringify(head), doc: JSON.stringify(doc) };
}

/**
 * The two files of a case's run record: the checkpoint (its head, then the document's steps) and the
 * document, indented. The writer thread makes them the same way (WRITER_SOURCE below): the event loop
 * serializes the document once, compactly; the indented copy and the checkpoint are made off it.
 */
function recordFiles(r: RecordItem): { checkpoint: string; result: string } {
  const doc = JSON.parse(r.doc) as ResultDocument;
  return { checkpoint: JSON.stringify({ ...JSON.parse(r.head), steps: doc.steps }), result: JSON.stringify(doc, null, 2) };
}

/** Writes a case's run record now (awaited by its caller). */
export async function writeRunRecord(root: string, doc: ResultDocument, o: RunRecordFacts): Promise<void> {
  await writeItem(recordItem(runDir(root, doc.execution_id), doc, o, sha256(o.source)));
}

/**
 * Writes the run records of an eval's cases on a worker thread, in batches: the case's slot waits
 * for its own record (when a result is reported, its run's record is on disk: the Test Explorer
 * reads it), but the event loop does not. A folder and two files per case through `fs.promises`
 * cost the event loop more than the case's model call did (npm run bench eval: a third of the
 * profile's samples in open, writev, mkdir and close); one message per batch to a thread that
 * writes synchronously costs it almost nothing. Where no worker can start, the records go through
 * `fs.promises` as before. The pipeline's hash is computed once per text.
 */
export class RunRecordWriter {
  private readonly shas = new Map<string, string>();
  private worker: Worker | null = null;
  private broken = false;
  private queued: { item: RecordItem; done: Settle }[] = [];
  /** The batches posted to the worker, in order: it answers each with one message. */
  private readonly posted: { item: RecordItem; done: Settle }[][] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Records handed on and not yet written (or failed), and who waits for none to be left. */
  private outstanding = 0;
  private idle: (() => void) | null = null;

  constructor(private readonly root: string) {}

  write(doc: ResultDocument, o: RunRecordFacts): Promise<void> {
    let sha = this.shas.get(o.source);
    if (sha === undefined) this.shas.set(o.source, (sha = sha256(o.source)));
    const item = recordItem(runDir(this.root, doc.execution_id), doc, o, sha);
    if (this.broken) return writeItem(item);
    this.outstanding++;
    const settled = () => {
      if (--this.outstanding === 0) this.idle?.();
    };
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ item, done: { resolve: () => (settled(), resolve()), reject: (e) => (settled(), reject(e)) } });
      if (this.queued.length >= BATCH_ITEMS) this.flush();
      // the cases that end within a few milliseconds go in one message (no case's slot waits for it)
      else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
    });
  }

  /** Stops the thread (the eval has ended) once every record queued is written. */
  async close(): Promise<void> {
    this.flush();
    if (this.outstanding) await new Promise<void>((resolve) => (this.idle = resolve));
    this.idle = null;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queued;
    this.queued = [];
    if (!batch.length) return;
    const w = this.broken ? null : this.thread();
    if (!w) {
      for (const b of batch) writeItem(b.item).then(b.done.resolve, b.done.reject);
      return;
    }
    this.posted.push(batch);
    w.ref();
    w.postMessage(batch.map((b) => b.item));
  }

  private thread(): Worker | null {
    if (this.worker) return this.worker;
    try {
      const w = new Worker(WRITER_SOURCE, { eval: true });
      w.on('message', (errors: (string | null)[]) => {
        const batch = this.posted.shift() ?? [];
        batch.forEach((b, i) => (errors[i] === null ? b.done.resolve() : b.done.reject(new Error(errors[i]!))));
        if (!this.posted.length) w.unref();
      });
      w.on('error', () => this.fail());
      w.on('exit', () => {
        if (this.worker === w) this.fail();
      });
      return (this.worker = w);
    } catch {
      this.broken = true;
      return null;
    }
  }

  /** The thread died: what it had not answered is written through fs.promises (writing a record again is harmless). */
  private fail(): void {
    this.broken = true;
    this.worker = null;
    for (const batch of this.posted.splice(0)) for (const b of batch) writeItem(b.item).then(b.done.resolve, b.done.reject);
  }
}

/** A batch goes to the thread at this many records, or this long after its first. */
const BATCH_ITEMS = 64;
const BATCH_MS = 5;

interface RecordItem {
  dir: string;
  /** The checkpoint without its steps, as JSON. */
  head: string;
  /** The result document, as compact JSON. */
  doc: string;
}

interface Settle {
  resolve: () => void;
  reject: (e: Error) => void;
}

async function writeItem(r: RecordItem): Promise<void> {
  const files = recordFiles(r);
  await fsp.mkdir(r.dir, { recursive: true });
  await Promise.all([fsp.writeFile(path.join(r.dir, 'checkpoint.json'), files.checkpoint), fsp.writeFile(path.join(r.dir, 'result.json'), files.result)]);
}

/** The thread: plain Node, no imports of ours (it runs from this text in every bundle). */
const WRITER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
parentPort.on('message', (batch) => {
  const errors = [];
  for (const r of batch) {
    try {
      try { fs.mkdirSync(r.dir); } catch (e) { if (e.code !== 'EEXIST') fs.mkdirSync(r.dir, { recursive: true }); }
      // as recordFiles() above
      const doc = JSON.parse(r.doc);
      fs.writeFileSync(path.join(r.dir, 'checkpoint.json'), JSON.stringify({ ...JSON.parse(r.head), steps: doc.steps }));
      fs.writeFileSync(path.join(r.dir, 'result.json'), JSON.stringify(doc, null, 2));
      errors.push(null);
    } catch (e) {
      errors.push(String((e && e.message) || e));
    }
  }
  parentPort.postMessage(errors);
});
`;
