// Run state read back: a run's checkpoint with its recent results and journal merged in (a torn
// last line, from a crash mid-append, is ignored), and the list of past runs.
import { readdirSync, existsSync, closeSync, readSync } from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { RunStatus, RunTrigger, StepResult } from './events';
import { CHECKPOINT_FORMAT, compactedLine, type CompactedIterations, FILE_HEADER_FORMAT, JOURNAL_FILE, recentFile, recordId, runDir, runsDir, STATE_DIR, type Checkpoint } from './runFiles';
import { readPackedRun, readRunResult, RUN_PACK, runIds } from './runPacks';
import { MAX_RECORD_BYTES, openRegularFile, readStateFile } from '../util/boundedRead';

const STATUSES = new Set(['pending', 'running', 'completed', 'skipped', 'failed', 'cancelled']);

/** `[key, result]` as the checkpoint store appends it: a step key and a result with a known status, `success` and `attempts`. */
function isResultLine(x: unknown): x is [string, StepResult] {
  if (!Array.isArray(x) || x.length !== 2 || typeof x[0] !== 'string' || !x[0]) return false;
  const r = x[1] as Record<string, unknown> | null;
  return r !== null && typeof r === 'object' && !Array.isArray(r) && STATUSES.has(r.status as string) && 'success' in r && typeof r.attempts === 'number';
}

/** The header a run's recent and journal files start with (`{"run": id, "format": 1}`), or null for a line that is not one. */
function headerOf(x: unknown): { run: unknown; format: unknown } | null {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && 'run' in x ? (x as { run: unknown; format: unknown }) : null;
}

/**
 * Reads journal lines in chunks (the file may be bigger than one string can be). The first line
 * names the run (`headed`: the checkpoint says its files have one); a file without it is read as
 * runs before headers wrote it. A line that is not a step's result, or a header naming another
 * run, refuses the file, naming it and the line.
 */
function readJournal(file: string, into: Record<string, StepResult>, runId: string, headed: boolean, compacted?: Record<string, CompactedIterations>): void {
  const name = path.basename(file);
  // a link (say to /dev/zero) or a pipe in its place is refused, and no more than the file held when opened is read
  const opened = openRegularFile(file, MAX_RECORD_BYTES);
  if (opened === 'missing') return;
  if (opened === 'unreadable') throw new Error(`${name} is not a regular file of at most ${MAX_RECORD_BYTES} bytes: not read`);
  const { fd, size } = opened;
  let left = size;
  try {
    const buf = Buffer.alloc(1 << 20);
    // a character split between two chunks is joined, not read as two broken halves
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let n = 0;
    for (;;) {
      const got = left > 0 ? readSync(fd, buf, 0, Math.min(buf.length, left), null) : 0;
      if (got === 0) break;
      left -= got;
      const text = rest + decoder.write(buf.subarray(0, got));
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        n++;
        if (!line) continue;
        const entry = JSON.parse(line) as unknown;
        if (n === 1) {
          const header = headerOf(entry);
          if (header) {
            if (header.run !== runId) throw new Error(`${name} line 1 names run ${JSON.stringify(header.run)}, not this run: a file copied from another run is not taken`);
            if (header.format !== FILE_HEADER_FORMAT) throw new Error(`${name} line 1 has header format ${JSON.stringify(header.format)}; this version reads format ${FILE_HEADER_FORMAT}`);
            continue;
          }
          // a line of no result's shape is reported as such; a step's result without the header is another run's, or forged
          if (headed && isResultLine(entry)) throw new Error(`${name} line 1 is not the header naming this run (${JSON.stringify(line.slice(0, 80))}): the file was not written by this run`);
        }
        // iterations of a long loop taken out of the journal, counted as done (the journal only)
        const range = compacted && compactedLine(entry);
        if (range) {
          compacted[range.compacted] = range;
          continue;
        }
        // run state is recognised by its shape, not only by its file's name: a step's key and its result
        if (!isResultLine(entry)) throw new Error(`${name} holds a line that is not a step's result: line ${n}, ${JSON.stringify(line.slice(0, 80))}`);
        into[entry[0]] = entry[1];
      }
    }
    // a last line without its newline was torn by a crash mid-append: it never counted
  } finally {
    closeSync(fd);
  }
}

export class CheckpointError extends Error {}

/** A run's checkpoint with its recent results and its journal merged in (`journal: false` leaves out the long loops' journal: top-level steps are all there without it). */
export function loadCheckpoint(cwd: string, executionId: string, opts: { journal?: boolean } = {}): Checkpoint {
  try {
    recordId(executionId, 'run');
  } catch (e) {
    throw new CheckpointError((e as Error).message);
  }
  const file = path.join(runDir(cwd, executionId), 'checkpoint.json');
  if (!existsSync(file)) {
    // an eval's case: its record is a line of the eval's pack (runPacks.ts), written once it ended
    const packed = readPackedRun(cwd, executionId);
    if (packed === 'unreadable') throw new CheckpointError(`The record of run '${executionId}' in its eval's ${RUN_PACK} cannot be read`);
    if (packed !== 'missing') return packed.checkpoint;
    const known = existsSync(runsDir(cwd)) ? readdirSync(runsDir(cwd)) : [];
    throw new CheckpointError(`No run '${executionId}' in ${path.join(STATE_DIR, 'runs')}${known.length ? ` (runs: ${known.slice(-5).join(', ')}${known.length > 5 ? ', ...' : ''})` : ''}`);
  }
  let data: Checkpoint;
  try {
    data = JSON.parse(readStateFile(file, MAX_RECORD_BYTES));
  } catch (e) {
    throw new CheckpointError(`The checkpoint of run '${executionId}' cannot be read: ${(e as Error).message}`);
  }
  if (data.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`The checkpoint of run '${executionId}' has format ${data.format}; this version reads format ${CHECKPOINT_FORMAT}`);
  // results recorded after the whole write (bounded by its size, so read even for a summary)
  if (data.generation !== undefined) {
    try {
      readJournal(recentFile(path.dirname(file), data.generation), data.steps, executionId, data.file_header !== undefined);
    } catch (e) {
      throw new CheckpointError(`The recent results of run '${executionId}' cannot be read: ${(e as Error).message}`);
    }
  }
  if (opts.journal !== false) {
    try {
      const compacted: Record<string, CompactedIterations> = {};
      readJournal(path.join(path.dirname(file), JOURNAL_FILE), data.steps, executionId, data.file_header !== undefined, compacted);
      if (Object.keys(compacted).length) data.compacted = compacted;
      else delete data.compacted;
    } catch (e) {
      throw new CheckpointError(`The journal of run '${executionId}' cannot be read: ${(e as Error).message}`);
    }
  }
  return data;
}

export interface RunSummary {
  execution_id: string;
  pipeline_id: string;
  pipeline_file: string;
  status: RunStatus;
  started_at: string;
  updated_at: string;
  duration_ms: number;
  steps_completed: number;
  steps_total: number | null;
  /** Tokens in and out, over every model call of the run. */
  tokens: number;
  cost_usd: number;
  /** What started it, for a run `orc serve` started. */
  trigger?: RunTrigger;
  /** The session its agent conversation continued (`memory:`): the first top-level step's that has one. */
  session?: string;
}

/** The session of a run's steps: the first top-level agent step whose result names one. */
function sessionOf(steps: Record<string, StepResult>): string | undefined {
  for (const [k, s] of Object.entries(steps)) {
    const id = !k.includes('/') && s.result && typeof s.result === 'object' ? (s.result as { session?: { id?: unknown } }).session?.id : undefined;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

/** Past runs, newest first (by when they started; two runs of the same second by id). A folder whose
 * checkpoint cannot be read is listed as unreadable, not skipped. */
export function listRuns(cwd: string): (RunSummary | { execution_id: string; error: string })[] {
  const startedOf = (r: RunSummary | { execution_id: string; error: string }) => ('started_at' in r ? r.started_at : '');
  return runIds(cwd)
    .reverse()
    .map((id): RunSummary | { execution_id: string; error: string } => {
      try {
        const c = loadCheckpoint(cwd, id, { journal: false });
        let total: number | null = null;
        let cost = 0;
        let tokens = 0;
        const doc = readRunResult(cwd, id);
        if (doc === 'unreadable') throw new Error('its result.json is not a readable result document');
        if (doc !== 'missing') {
          total = Object.keys(doc.steps).length;
          cost = doc.cost_usd;
          tokens = (doc.tokens_in ?? 0) + (doc.tokens_out ?? 0);
        } else {
          cost = Object.values(c.steps).reduce((a, s) => a + (s.cost_usd ?? 0), 0);
          tokens = Object.entries(c.steps).reduce((a, [k, s]) => a + (k.includes('/') ? 0 : (s.tokens_in ?? 0) + (s.tokens_out ?? 0)), 0);
        }
        return {
          execution_id: c.execution_id,
          pipeline_id: c.pipeline_id,
          pipeline_file: c.pipeline_file,
          status: c.status,
          started_at: c.started_at,
          updated_at: c.updated_at,
          duration_ms: Date.parse(c.updated_at) - Date.parse(c.started_at),
          steps_completed: Object.entries(c.steps).filter(([k, s]) => !k.includes('/') && s.status === 'completed').length,
          steps_total: total,
          tokens,
          cost_usd: cost,
          ...(c.trigger ? { trigger: c.trigger } : {}),
          ...((session) => (session !== undefined ? { session } : {}))(sessionOf(doc !== 'missing' ? doc.steps : c.steps)),
        };
      } catch (e) {
        return { execution_id: id, error: (e as Error).message };
      }
    })
    .sort((a, b) => (startedOf(a) < startedOf(b) ? 1 : startedOf(a) > startedOf(b) ? -1 : a.execution_id < b.execution_id ? 1 : -1));
}
