// Run state in .orchestrator/runs/<execution_id>/: the checkpoint, written atomically (temp file,
// fsync, rename, fsync of the folder) after every step end, coalesced so that at most one write is
// in flight and the next carries the newest state; and the final result document.
import { createHash } from 'node:crypto';
import { promises as fsp, readFileSync, readdirSync, existsSync, openSync, fsyncSync, closeSync, writeSync, renameSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { ResultDocument, RunStatus, StepResult } from './events';

export const STATE_DIR = '.orchestrator';
export const CHECKPOINT_FORMAT = 1;

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
  /** Step results by key: a step id, or `loop[2]/body_step` for a step of an iteration. */
  steps: Record<string, StepResult>;
}

export function runsDir(cwd: string): string {
  return path.join(cwd, STATE_DIR, 'runs');
}

export function runDir(cwd: string, executionId: string): string {
  return path.join(runsDir(cwd), executionId);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
  const dir = await fsp.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The same, synchronously: for the last write when the process is about to exit. */
export function atomicWriteSync(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dfd = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

export class CheckpointStore {
  readonly dir: string;
  readonly file: string;
  private writing: Promise<void> | null = null;
  private dirty = false;
  private writes = 0;
  /** Each step's JSON, kept: a write joins them instead of serializing every result again. */
  private readonly stepJson = new Map<string, string>();
  private completed = 0;

  constructor(
    cwd: string,
    private readonly state: Checkpoint,
    private readonly onWritten: (path: string, completed: number) => void = () => undefined,
  ) {
    this.dir = runDir(cwd, state.execution_id);
    this.file = path.join(this.dir, 'checkpoint.json');
    mkdirSync(this.dir, { recursive: true });
    // a process killed mid-write leaves its temp file; checkpoint.json itself is always whole
    for (const f of readdirSync(this.dir)) if (f.endsWith('.tmp')) rmSync(path.join(this.dir, f), { force: true });
    for (const [k, r] of Object.entries(state.steps)) this.remember(k, r);
  }

  private remember(key: string, r: StepResult): void {
    const before = this.state.steps[key];
    if (before?.status === 'completed' && this.stepJson.has(key)) this.completed--;
    this.stepJson.set(key, `${JSON.stringify(key)}:${JSON.stringify(r)}`);
    if (r.status === 'completed') this.completed++;
  }

  get checkpoint(): Checkpoint {
    return this.state;
  }

  get writeCount(): number {
    return this.writes;
  }

  record(key: string, result: StepResult): void {
    this.remember(key, result);
    this.state.steps[key] = result;
    this.schedule();
  }

  setStatus(status: RunStatus): void {
    this.state.status = status;
    this.schedule();
  }

  private serialize(): string {
    this.state.updated_at = new Date().toISOString();
    const { steps: _steps, ...head } = this.state;
    const text = JSON.stringify(head);
    return `${text.slice(0, -1)},"steps":{${[...this.stepJson.values()].join(',')}}}`;
  }

  /** Writes soon; a write already in flight is followed by one more with the newest state. */
  schedule(): void {
    this.dirty = true;
    if (this.writing) return;
    this.writing = (async () => {
      while (this.dirty) {
        this.dirty = false;
        await atomicWrite(this.file, this.serialize());
        this.writes++;
        this.onWritten(this.file, this.completed);
      }
    })().finally(() => {
      this.writing = null;
    });
  }

  /** Waits until everything recorded so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.dirty) {
      this.schedule();
      await this.writing;
    }
  }

  /** Writes now, synchronously (an interrupted process on its way out). */
  flushSync(): void {
    atomicWriteSync(this.file, this.serialize());
    this.writes++;
  }

  async writeResult(doc: ResultDocument): Promise<void> {
    await atomicWrite(path.join(this.dir, 'result.json'), JSON.stringify(doc, null, 2));
  }
}

export class CheckpointError extends Error {}

export function loadCheckpoint(cwd: string, executionId: string): Checkpoint {
  if (!/^[\w.-]+$/.test(executionId)) throw new CheckpointError(`'${executionId}' is not a run id`);
  const file = path.join(runDir(cwd, executionId), 'checkpoint.json');
  if (!existsSync(file)) {
    const known = existsSync(runsDir(cwd)) ? readdirSync(runsDir(cwd)) : [];
    throw new CheckpointError(`No run '${executionId}' in ${path.join(STATE_DIR, 'runs')}${known.length ? ` (runs: ${known.slice(-5).join(', ')}${known.length > 5 ? ', ...' : ''})` : ''}`);
  }
  let data: Checkpoint;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`The checkpoint of run '${executionId}' cannot be read: ${(e as Error).message}`);
  }
  if (data.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`The checkpoint of run '${executionId}' has format ${data.format}; this version reads format ${CHECKPOINT_FORMAT}`);
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
  cost_usd: number;
}

/** Past runs, newest first. A folder whose checkpoint cannot be read is listed as unreadable, not skipped. */
export function listRuns(cwd: string): (RunSummary | { execution_id: string; error: string })[] {
  const dir = runsDir(cwd);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .reverse()
    .map((id) => {
      try {
        const c = loadCheckpoint(cwd, id);
        let total: number | null = null;
        let cost = 0;
        const resultFile = path.join(dir, id, 'result.json');
        if (existsSync(resultFile)) {
          const doc = JSON.parse(readFileSync(resultFile, 'utf8')) as ResultDocument;
          total = Object.keys(doc.steps).length;
          cost = doc.cost_usd;
        } else cost = Object.values(c.steps).reduce((a, s) => a + (s.cost_usd ?? 0), 0);
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
          cost_usd: cost,
        };
      } catch (e) {
        return { execution_id: id, error: (e as Error).message };
      }
    });
}
