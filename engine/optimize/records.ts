// An optimization's record, `.orchestrator/optimize/<id>/`: meta.json (what was searched, the
// outcome), runs.jsonl (every (assignment, case) result, appended as it comes, so a cancelled
// search keeps what it paid for) and trials.jsonl (every tried assignment's figures). A later
// optimization of the same eval and pipeline (both files' sha256 unchanged) takes the earlier runs
// instead of paying for them again.
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { STATE_DIR_NAME, makeStateDir } from '../toolkit/stateDir';
import { RecordIdError } from '../run/runFiles';
import { runKey, type Assignment, type Objective, type Outcome, type Trial } from './search';
import { readStateFile } from '../util/boundedRead';

export const OPTIMIZE_FORMAT = 1;

/**
 * The most of a record read back (engine/util/boundedRead.ts): a meta.json is a few kilobytes; a
 * runs.jsonl holds about 200 bytes a run. A record over its bound, or not a regular file (a link to
 * /dev/zero), is passed over: not listed, its runs made again.
 */
export const MAX_META_BYTES = 1024 * 1024;
export const MAX_RUNS_BYTES = 128 * 1024 * 1024;

export interface OptimizeMeta {
  format: number;
  optimize_id: string;
  eval_file: string;
  eval_sha256: string;
  pipeline_file: string;
  pipeline_sha256: string;
  /** The candidate models, cheapest first. */
  models: string[];
  steps: string[];
  cases: number;
  min_pass_rate: number;
  objective: Objective;
  budget_runs: number | null;
  status: 'running' | 'completed' | 'cancelled' | 'budget';
  started_at: string;
  ended_at: string | null;
  runs_used: number;
  runs_reused: number;
  brute_force_runs: number;
  chosen: Assignment | null;
}

/** One line of runs.jsonl. */
export interface RunLine extends Outcome {
  assignment: Assignment;
  case: string;
}

export function optimizeDir(root: string): string {
  return path.join(root, STATE_DIR_NAME, 'optimize');
}

const ONE_COMPONENT = /^\w[\w.-]*$/;

function recordDir(root: string, id: string): string {
  if (!ONE_COMPONENT.test(id)) throw new RecordIdError(`${JSON.stringify(id)} is not an optimization id: an id is one folder name (letters, digits, '_', '.' and '-', not starting with '.')`);
  return path.join(optimizeDir(root), id);
}

export class OptimizeRecord {
  readonly dir: string;

  constructor(root: string, readonly meta: OptimizeMeta) {
    this.dir = recordDir(root, meta.optimize_id);
  }

  static create(root: string, meta: OptimizeMeta): OptimizeRecord {
    const r = new OptimizeRecord(root, meta);
    makeStateDir(r.dir);
    writeFileSync(path.join(r.dir, 'runs.jsonl'), '');
    r.writeMeta();
    return r;
  }

  writeMeta(): void {
    writeFileSync(path.join(this.dir, 'meta.json'), JSON.stringify(this.meta, null, 2) + '\n');
  }

  appendRun(line: RunLine): void {
    appendFileSync(path.join(this.dir, 'runs.jsonl'), JSON.stringify(line) + '\n');
  }

  writeTrials(trials: Trial[]): void {
    writeFileSync(path.join(this.dir, 'trials.jsonl'), trials.map((t) => JSON.stringify(t) + '\n').join(''));
  }
}

function readMeta(file: string): OptimizeMeta | null {
  try {
    const m = JSON.parse(readStateFile(file, MAX_META_BYTES)) as OptimizeMeta;
    return m && m.format === OPTIMIZE_FORMAT && typeof m.optimize_id === 'string' ? m : null;
  } catch {
    return null;
  }
}

/** Every optimization recorded under `root`, newest first. */
export function listOptimizations(root: string): OptimizeMeta[] {
  const dir = optimizeDir(root);
  if (!existsSync(dir)) return [];
  const out: OptimizeMeta[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !ONE_COMPONENT.test(e.name)) continue;
    const m = readMeta(path.join(dir, e.name, 'meta.json'));
    if (m && m.optimize_id === e.name) out.push(m);
  }
  return out.sort((a, b) => b.started_at.localeCompare(a.started_at) || b.optimize_id.localeCompare(a.optimize_id));
}

/** The results of earlier optimizations of the same eval and pipeline texts, by runKey (a line that does not read is skipped). */
export function earlierRuns(root: string, evalSha: string, pipelineSha: string): Map<string, Outcome> {
  const known = new Map<string, Outcome>();
  for (const m of listOptimizations(root).reverse()) {
    if (m.eval_sha256 !== evalSha || m.pipeline_sha256 !== pipelineSha) continue;
    let text: string;
    try {
      text = readStateFile(path.join(optimizeDir(root), m.optimize_id, 'runs.jsonl'), MAX_RUNS_BYTES);
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as RunLine;
        if (r && typeof r.case === 'string' && r.assignment && typeof r.pass === 'boolean') known.set(runKey(r.assignment, r.case), { pass: r.pass, cost_usd: Number(r.cost_usd) || 0, latency_ms: Number(r.latency_ms) || 0 });
      } catch {
        // a line cut short by a crash: that run is simply made again
      }
    }
  }
  return known;
}
