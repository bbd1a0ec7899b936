// The run record of an eval's case, written once when its run ends. A case's run writes no
// checkpoint while it runs (its fsyncs were 35 ms a run, more than the model call it wraps): an
// interrupted case runs again whole on `orc eval --resume`, so it needs none. `orc runs`,
// `orc report` and the editor's Runs view read these records like any other.
//
// An eval's cases go into its pack, a line each (RunRecordWriter, `engine/run/runPacks.ts`). A case
// run without the eval's writer (an optimization's) leaves a folder as `orc run` does:
// `.orchestrator/runs/<run_id>/checkpoint.json` and `result.json` (writeRunRecord).
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { runDir, sha256, type Checkpoint } from '../run/checkpointStore';
import { packLine } from '../run/runPacks';
import type { ResultDocument, RunTrigger } from '../run/events';

export interface RunRecordFacts {
  inputs: Record<string, unknown>;
  pipelineFile: string;
  source: string;
  maxParallel: number;
  /** What started the run (an imported trace's service, for `orc traces import`). */
  trigger?: RunTrigger;
}

/** A case's checkpoint without its steps (which are the result document's). */
function recordHead(doc: ResultDocument, o: RunRecordFacts, sourceSha: string): Omit<Checkpoint, 'steps'> {
  return {
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
    ...(o.trigger ? { trigger: o.trigger } : {}),
  };
}

/** Writes a case's run folder now, as `orc run` leaves one: its checkpoint and its result document, indented (awaited by its caller). */
export async function writeRunRecord(root: string, doc: ResultDocument, o: RunRecordFacts): Promise<void> {
  const dir = runDir(root, doc.execution_id);
  await fsp.mkdir(dir, { recursive: true });
  const checkpoint = { ...recordHead(doc, o, sha256(o.source)), steps: doc.steps };
  await Promise.all([fsp.writeFile(path.join(dir, 'checkpoint.json'), JSON.stringify(checkpoint)), fsp.writeFile(path.join(dir, 'result.json'), JSON.stringify(doc, null, 2))]);
}

/**
 * Writes the run records of an eval's cases into the eval's pack (`runPacks.ts`), a batch of lines
 * at a time: the case's result waits for its own line (when a result is reported, its run's record
 * is on disk: the Test Explorer reads it), but the event loop does not, and the kernel makes one
 * append per batch instead of a folder and two files per case. The pipeline's hash is computed
 * once per text.
 */
export class RunRecordWriter {
  private readonly shas = new Map<string, string>();
  private queued: { line: string; done: Settle }[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The appends, one after another (each batch's lines go after the last's). */
  private chain: Promise<void> = Promise.resolve();
  private file: fsp.FileHandle | null = null;

  constructor(private readonly pack: string) {}

  write(doc: ResultDocument, o: RunRecordFacts): Promise<void> {
    let sha = this.shas.get(o.source);
    if (sha === undefined) this.shas.set(o.source, (sha = sha256(o.source)));
    // the line holds the compact document: a reader indents it when it shows it
    const line = packLine(doc.execution_id, JSON.stringify(recordHead(doc, o, sha)), JSON.stringify(doc));
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ line, done: { resolve, reject } });
      if (this.queued.length >= BATCH_ITEMS) this.flush();
      // the cases that end within a few milliseconds go in one append (no case's slot waits for it)
      else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
    });
  }

  /** Every record queued is written, and the pack closed (the eval has ended). */
  async close(): Promise<void> {
    this.flush();
    await this.chain;
    const f = this.file;
    this.file = null;
    await f?.close();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queued;
    this.queued = [];
    if (!batch.length) return;
    const text = batch.length === 1 ? batch[0].line : batch.map((b) => b.line).join('');
    this.chain = this.chain.then(async () => {
      try {
        await (await this.open()).appendFile(text);
        for (const b of batch) b.done.resolve();
      } catch (e) {
        for (const b of batch) b.done.reject(e as Error);
      }
    });
  }

  /** The pack, opened once to append. A line a killed eval cut short goes first: the pack holds whole lines only, and the next starts on its own. */
  private async open(): Promise<fsp.FileHandle> {
    if (this.file) return this.file;
    await fsp.mkdir(path.dirname(this.pack), { recursive: true });
    const f = await fsp.open(this.pack, 'a+');
    try {
      const { size } = await f.stat();
      if (size > 0) await cutTornLine(f, size);
    } catch (e) {
      await f.close();
      throw e;
    }
    return (this.file = f);
  }
}

/** Cuts the pack after its last whole line (a line ends with a newline). */
async function cutTornLine(f: fsp.FileHandle, size: number): Promise<void> {
  const buf = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const from = Math.max(0, end - buf.length);
    const { bytesRead } = await f.read(buf, 0, end - from, from);
    const nl = buf.lastIndexOf(10, bytesRead - 1);
    if (nl !== -1) {
      if (from + nl + 1 < size) await f.truncate(from + nl + 1);
      return;
    }
    end = from;
  }
  await f.truncate(0);
}

/** A batch is appended at this many records, or this long after its first (at 5 ms, an eval of
 * 1,000 cases × 2 variants made 417 appends, each a round trip through the thread pool that the
 * event loop pays for between the cases' model calls). */
const BATCH_ITEMS = 256;
const BATCH_MS = 25;

interface Settle {
  resolve: () => void;
  reject: (e: Error) => void;
}
