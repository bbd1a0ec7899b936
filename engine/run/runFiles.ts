// Where a run's state lives (.orchestrator/runs/<execution_id>/), the names of its files, and the
// checkpoint's shape: what the checkpoint store writes and its reader reads back.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { RunStatus, StepResult } from './events';

export const STATE_DIR = '.orchestrator';
export const CHECKPOINT_FORMAT = 1;
export const JOURNAL_FILE = 'journal.jsonl';
/** The subfolder of a run's folder that `products` are written in: never beside the run's own state. */
export const PRODUCTS_DIR = 'products';

/** The format of the header line a run's recent and journal files start with. */
export const FILE_HEADER_FORMAT = 1;

/** The first line of a run's recent and journal files: it names the run, so a file copied from another run is not taken. */
export function fileHeader(executionId: string): string {
  return `${JSON.stringify({ run: executionId, format: FILE_HEADER_FORMAT })}\n`;
}

/** The file of results recorded after the whole checkpoint of this generation. */
export function recentFile(dir: string, generation: number): string {
  return path.join(dir, `recent-${generation}.jsonl`);
}

export interface Checkpoint {
  format: number;
  execution_id: string;
  pipeline_id: string;
  pipeline_file: string;
  pipeline_sha256: string;
  inputs: Record<string, unknown>;
  max_parallel: number;
  status: RunStatus;
  started_at: string;
  updated_at: string;
  /** The process running the run (a resume looks for commands it left). */
  pid?: number;
  /** Which recent-<n>.jsonl holds the results recorded after this file was written (absent: none). */
  generation?: number;
  /** Set when this run's recent and journal files start with fileHeader (absent in runs written before headers: their files are read without). */
  file_header?: number;
  /** The W3C traceparent of the run's first trace (when it was traced): a resumed run's trace links to it. */
  traceparent?: string;
  /** Step results by key: a step id, or `loop[2]/body_step` for a step of an iteration. */
  steps: Record<string, StepResult>;
}

export function runsDir(cwd: string): string {
  return path.join(cwd, STATE_DIR, 'runs');
}

/** A record's id is one path component: it names a folder under `.orchestrator/` and nothing else. */
const ONE_COMPONENT = /^\w[\w.-]*$/;

/** An id read from a record, the command line or a file, checked as one path component before it names a folder; throws otherwise. */
export function recordId(id: unknown, what: 'run' | 'eval'): string {
  if (typeof id !== 'string' || !ONE_COMPONENT.test(id)) throw new RecordIdError(`${JSON.stringify(id)} is not ${what === 'eval' ? 'an eval' : 'a run'} id: an id is one folder name (letters, digits, '_', '.' and '-', not starting with '.')`);
  return id;
}

export class RecordIdError extends Error {
  override name = 'RecordIdError';
}

export function runDir(cwd: string, executionId: string): string {
  return path.join(runsDir(cwd), recordId(executionId, 'run'));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
