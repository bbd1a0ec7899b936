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

/**
 * Writes the run records of an eval's cases on the thread pool: the case's slot waits for its own
 * record (when a result is reported, its run's record is on disk: the Test Explorer reads it), but
 * the event loop does not, so the other cases go on meanwhile. The runs folder is made once, and
 * the pipeline's hash computed once per text.
 */

export class RunRecordWriter {
  private made = false;
  private readonly shas = new Map<string, string>();

  constructor(private readonly root: string) {}

  async write(doc: ResultDocument, o: RunRecordFacts): Promise<void> {
    let sha = this.shas.get(o.source);
    if (sha === undefined) this.shas.set(o.source, (sha = sha256(o.source)));
    const files = recordFiles(doc, o, sha);
    if (!this.made) {
      await fsp.mkdir(runsDir(this.root), { recursive: true });
      this.made = true;
    }
    const dir = runDir(this.root, doc.execution_id);
    try {
      await fsp.mkdir(dir);
    } catch (e) {
      // the runs folder was removed under the eval (made again), or the run's folder is there (kept)
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') await fsp.mkdir(dir, { recursive: true });
    }
    await Promise.all([fsp.writeFile(path.join(dir, 'checkpoint.json'), files.checkpoint), fsp.writeFile(path.join(dir, 'result.json'), files.result)]);
  }
}
