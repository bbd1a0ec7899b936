// Where a run's state lives (.orchestrator/runs/<execution_id>/), the names of its files, and the
// checkpoint's shape: what the checkpoint store writes and its reader reads back.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { RunStatus, RunTrigger, StepResult } from './events';

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
  /** What started it, for a run `orc serve` started. */
  trigger?: RunTrigger;
  /** Step results by key: a step id, or `loop[2]/body_step` for a step of an iteration. */
  steps: Record<string, StepResult>;
  /** Iterations of long `while` loops that completed and whose results the journal no longer holds,
   * by the loop's key (`loop`, `outer[3]/inner`). Read from the journal, never written into checkpoint.json. */
  compacted?: Record<string, CompactedIterations>;
}

/**
 * A journal line standing for iterations `from`..`to` of a `while` loop, all completed, whose own
 * lines were taken out of the journal: the result document keeps a long loop's first and latest
 * iterations only, so the ones between are needed on resume only as "done" and their tokens and cost.
 */
export interface CompactedIterations {
  compacted: string;
  from: number;
  to: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
}

const count = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A compacted-iterations line, checked field by field (null for a line of another shape). */
export function compactedLine(x: unknown): CompactedIterations | null {
  if (x === null || typeof x !== 'object' || Array.isArray(x) || !('compacted' in x)) return null;
  const c = x as Record<string, unknown>;
  if (typeof c.compacted !== 'string' || !c.compacted || !Number.isInteger(c.from) || !Number.isInteger(c.to) || (c.from as number) < 0 || (c.to as number) < (c.from as number)) return null;
  if (!count(c.tokens_in) || !count(c.tokens_out) || !count(c.cost_usd)) return null;
  return { compacted: c.compacted, from: c.from as number, to: c.to as number, tokens_in: c.tokens_in as number, tokens_out: c.tokens_out as number, cost_usd: c.cost_usd as number };
}

export function runsDir(cwd: string): string {
  if (lastRunsDir && cwd === lastRunsDir[0]) return lastRunsDir[1];
  const dir = path.join(cwd, STATE_DIR, 'runs');
  lastRunsDir = [cwd, dir];
  return dir;
}
/** The last folder asked and its runs folder: an eval's runs all ask for the same one. */
let lastRunsDir: [string, string] | null = null;

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
  // an id is one path component, never '.' or '..', and runsDir() is normalized without a trailing separator: path.join's answer without its normalizing
  return `${runsDir(cwd)}${path.sep}${recordId(executionId, 'run')}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
