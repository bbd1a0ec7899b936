// The run record of an eval's case: `.orchestrator/runs/<run_id>/checkpoint.json` and
// `result.json`, as `orc run` leaves them, written once when the run ends. A case's run writes no
// checkpoint while it runs (its fsyncs were 35 ms a run, more than the model call it wraps): an
// interrupted case runs again whole on `orc eval --resume`, so it needs none. `orc runs`,
// `orc report` and the editor's Runs view read these records like any other.
//
// The writes leave the case's slot: a folder and two files per case, written synchronously, held
// the event loop for most of an eval's own time on a busy disk (npm run bench eval: 3.6 of 6 s of
// CPU profile samples). RunRecordWriter writes them on the thread pool, a few at a time, while the
// next cases run; the eval waits for them before it ends.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { runDir, runsDir, sha256, type Checkpoint } from '../run/checkpointStore';
import type { ResultDocument } from '../run/events';

export interface RunRecordFacts {
  inputs: Record<string, unknown>;
  pipelineFile: string;
  source: string;
  maxParallel: number;
}

/** The two files of a case's run record, as text. */
function recordFiles(doc: ResultDocument, o: RunRecordFacts, sourceSha: string): { checkpoint: string; result: string } {
  const checkpoint: Checkpoint = {
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
    steps: doc.steps,
  };
  return { checkpoint: JSON.stringify(checkpoint), result: JSON.stringify(doc, null, 2) };
}

/** Writes a case's run record now (awaited by its caller). */
export async function writeRunRecord(root: string, doc: ResultDocument, o: RunRecordFacts): Promise<void> {
  const dir = runDir(root, doc.execution_id);
  await fsp.mkdir(dir, { recursive: true });
  const files = recordFiles(doc, o, sha256(o.source));
  await Promise.all([fsp.writeFile(path.join(dir, 'checkpoint.json'), files.checkpoint), fsp.writeFile(path.join(dir, 'result.json'), files.result)]);
}

/** Records in flight at most; a case that ends beyond them waits for one (memory stays bounded when the disk is slower than the cases). */
export const RECORDS_IN_FLIGHT = 8;

/**
 * Writes the run records of an eval's cases in the background: `write` returns once the record is
 * on its way (at once, unless RECORDS_IN_FLIGHT are), and `drain` waits for all of them and throws
 * the first write that failed.
 */
export class RunRecordWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | null = null;
  private made = false;
  private readonly shas = new Map<string, string>();

  constructor(private readonly root: string) {}

  async write(doc: ResultDocument, o: RunRecordFacts): Promise<void> {
    while (this.inFlight.size >= RECORDS_IN_FLIGHT) await Promise.race(this.inFlight);
    let sha = this.shas.get(o.source);
    if (sha === undefined) this.shas.set(o.source, (sha = sha256(o.source)));
    const files = recordFiles(doc, o, sha);
    const p = this.put(doc.execution_id, files)
      .catch((e: Error) => {
        this.failure ??= new Error(`The run record of ${doc.execution_id} could not be written: ${e.message}`);
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async put(id: string, files: { checkpoint: string; result: string }): Promise<void> {
    if (!this.made) {
      await fsp.mkdir(runsDir(this.root), { recursive: true });
      this.made = true;
    }
    const dir = runDir(this.root, id);
    try {
      await fsp.mkdir(dir);
    } catch (e) {
      // the runs folder was removed under the eval, or the id's folder is there: made again, or kept
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') await fsp.mkdir(dir, { recursive: true });
    }
    await Promise.all([fsp.writeFile(path.join(dir, 'checkpoint.json'), files.checkpoint), fsp.writeFile(path.join(dir, 'result.json'), files.result)]);
  }

  /** Waits for every record written so far; throws the first that failed. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }
}
