// A durable run's record in its folder (ROOT/.orchestrator/runs/<id>/), for `orc runs`, `orc
// report` and the editor's Runs view: checkpoint.json as the run starts (status running), and the
// step results, the status and result.json as it ends. Not written after every step as a local
// run's checkpoint is: Restate's journal is what a durable run resumes from, and the checkpoint's
// fsync after each step, queueing behind Restate's own on the same disk, was the largest cost a
// step had beyond a bare workflow's (docs/durable.md, Figures).
import * as path from 'node:path';
import type { Analysis } from '../analyze/index';
import { CheckpointStore, sha256 } from '../run/checkpointStore';
import type { ResultDocument } from '../run/events';
import { DEFAULT_MAX_PARALLEL } from '../run/runPipeline';
import { recordedInputs } from '../run/secretInputs';
import type { RunSubmission } from './protocol';

export class DurableRunRecord {
  private constructor(private readonly store: CheckpointStore) {}

  /** Writes the first record; `startedAt` is the run's start as the journal keeps it (the same in every execution). */
  static open(root: string, runId: string, analysis: Analysis, sub: RunSubmission, startedAt: Date, warn: (message: string) => void, written: (file: string, completed: number) => void = () => {}): DurableRunRecord {
    const pipeline = analysis.pipeline!;
    const started = startedAt.toISOString();
    const store = new CheckpointStore(
      root,
      {
        format: 1,
        execution_id: runId,
        pipeline_id: pipeline.id,
        pipeline_file: sub.file ? path.resolve(root, sub.file) : '',
        pipeline_sha256: sha256(sub.source),
        inputs: recordedInputs(pipeline.parameters, sub.inputs),
        max_parallel: sub.maxParallel ?? pipeline.context.maxParallel ?? DEFAULT_MAX_PARALLEL,
        status: 'running',
        started_at: started,
        updated_at: new Date().toISOString(),
        pid: process.pid,
        steps: {},
        ...(sub.trigger ? { trigger: sub.trigger } : {}),
      },
      // (the first write, below, is before the run starts: a local run announces none either)
      (file, completed) => (opened ? written(file, completed) : undefined),
      (e) => warn(`Could not write the run's record: ${e.message}`),
    );
    let opened = false;
    try {
      store.flushSync();
    } catch (e) {
      warn(`Could not write the run's record: ${(e as Error).message}`);
    }
    opened = true;
    return new DurableRunRecord(store);
  }

  /** The run's end: its steps' results, its status and its result document. */
  async close(doc: ResultDocument): Promise<void> {
    for (const [id, r] of Object.entries(doc.steps)) this.store.record(id, r);
    this.store.setStatus(doc.status);
    await this.store.flush();
    await this.store.writeResult(doc);
  }

  /** The run stopped with an error (no result document). */
  abandon(): void {
    this.store.close();
  }
}
