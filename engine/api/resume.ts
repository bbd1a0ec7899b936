// What `orc resume` and the editor's Resume Run both check before a stopped run goes on: the run's
// checkpoint, whether it already completed, whether its pipeline is still there and unchanged, and
// the AUTO answers the run started with. Each face words the problems its own way.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, type Analysis } from '../analyze/index';
import { readAutoLock } from '../auto/lockFile';
import { orchestratorOf } from '../auto/orchestrator';
import { lockedAnswers } from '../auto/resolve';
import { CheckpointError, loadCheckpoint, runsDir, sha256, type Checkpoint } from '../run/checkpointStore';
import { checkpointMismatch, isEmptyRunFolder, MAX_RESULT_BYTES } from '../run/runRecords';
import { readRunResult } from '../run/runPacks';
import { readStateFile } from '../util/boundedRead';

export type ResumeCheck =
  /** The run's folder is there and empty: it was stopped before its first record. */
  | { kind: 'never-recorded' }
  /** The checkpoint names another run (changed by hand): resuming it would write elsewhere. */
  | { kind: 'mismatch'; checkpoint: Checkpoint; message: string }
  /** The run completed: nothing to resume; `resultJson` is its result document's text when it is there. */
  | { kind: 'completed'; checkpoint: Checkpoint; resultJson: string | null }
  /** The pipeline file the run ran is not there (null: the run read standard input). */
  | { kind: 'pipeline-gone'; checkpoint: Checkpoint; file: string | null }
  /** The pipeline file changed since the run started: resuming would mix two pipelines. */
  | { kind: 'pipeline-changed'; checkpoint: Checkpoint; file: string }
  | { kind: 'resumable'; checkpoint: Checkpoint; file: string; source: string };

/** Loads run `runId` under `root` and checks it can go on; a missing or unreadable checkpoint throws CheckpointError. */
export function checkResume(root: string, runId: string, readSource: (file: string) => string = (f) => readFileSync(f, 'utf8')): ResumeCheck {
  let checkpoint: Checkpoint;
  try {
    checkpoint = loadCheckpoint(root, runId);
  } catch (e) {
    if (e instanceof CheckpointError && isEmptyRunFolder(runsDir(root), runId)) return { kind: 'never-recorded' };
    throw e;
  }
  const mismatch = checkpointMismatch(runId, checkpoint);
  if (mismatch) return { kind: 'mismatch', checkpoint, message: mismatch };
  if (checkpoint.status === 'completed') {
    const result = path.join(root, '.orchestrator', 'runs', runId, 'result.json');
    if (existsSync(result)) return { kind: 'completed', checkpoint, resultJson: readStateFile(result, MAX_RESULT_BYTES) };
    // an eval's case: its result is a line of the eval's pack, shown as its folder's file would be
    const doc = readRunResult(root, runId);
    return { kind: 'completed', checkpoint, resultJson: typeof doc === 'string' ? null : JSON.stringify(doc, null, 2) };
  }
  const file = checkpoint.pipeline_file && path.resolve(root, checkpoint.pipeline_file);
  if (!file || !existsSync(file)) return { kind: 'pipeline-gone', checkpoint, file: file || null };
  const source = readSource(file);
  if (sha256(source) !== checkpoint.pipeline_sha256) return { kind: 'pipeline-changed', checkpoint, file };
  return { kind: 'resumable', checkpoint, file, source };
}

/** `compiled` with the AUTO answers of the pipeline's lock file (no model call): what a resumed run ran with. */
export function withLockedAutoAnswers(file: string, source: string, compiled: Analysis): Analysis {
  const answers = compiled.pipeline ? lockedAnswers(compiled, readAutoLock(file), orchestratorOf(compiled.pipeline)) : new Map<string, unknown>();
  return answers.size ? analyze(source, { autoAnswers: answers }) : compiled;
}
