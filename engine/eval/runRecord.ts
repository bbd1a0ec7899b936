// The run record of an eval's case: `.orchestrator/runs/<run_id>/checkpoint.json` and
// `result.json`, as `orc run` leaves them, written once when the run ends. A case's run writes no
// checkpoint while it runs (its fsyncs were 35 ms a run, more than the model call it wraps): an
// interrupted case runs again whole on `orc eval --resume`, so it needs none. `orc runs`,
// `orc report` and the editor's Runs view read these records like any other.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runDir, sha256, type Checkpoint } from '../run/checkpointStore';
import type { ResultDocument } from '../run/events';

export function writeRunRecord(root: string, doc: ResultDocument, o: { inputs: Record<string, unknown>; pipelineFile: string; source: string; maxParallel: number }): void {
  const dir = runDir(root, doc.execution_id);
  mkdirSync(dir, { recursive: true });
  const checkpoint: Checkpoint = {
    format: 1,
    execution_id: doc.execution_id,
    pipeline_id: doc.pipeline_id,
    pipeline_file: o.pipelineFile,
    pipeline_sha256: sha256(o.source),
    inputs: o.inputs,
    max_parallel: o.maxParallel,
    status: doc.status,
    started_at: doc.started_at,
    updated_at: doc.ended_at,
    pid: process.pid,
    steps: doc.steps,
  };
  writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify(checkpoint));
  writeFileSync(path.join(dir, 'result.json'), JSON.stringify(doc, null, 2));
}
