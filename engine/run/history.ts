// Earlier runs of a pipeline, from .orchestrator/ (run folders and evals' packed case runs): what predictions learn from.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import type { ResultDocument, StepResult } from './events';
import { readRunResult, runIds } from './runPacks';
import { runsDir } from './runFiles';

/** What a prediction reads of a step's earlier result (engine/run/predict.ts). */
export type HistoryStep = Pick<StepResult, 'status' | 'success' | 'cached' | 'duration_ms' | 'paused_ms' | 'cost_usd'>;

/** What a prediction reads of an earlier run: a result document has all of it. */
export interface HistoryRun {
  execution_id: string;
  pipeline_id: string;
  definitions?: Record<string, string>;
  steps: Record<string, HistoryStep | null | undefined>;
}

/**
 * How far back a prediction looks: the newest runs of the folder, whichever pipeline made them.
 * Every `orc run`, served run and editor run predicts itself, so this walk is part of each run's
 * start. Unbounded, a pipeline that had not run lately read every record of the folder: with 3,000
 * runs of other pipelines there, a one-step run took 183 ms instead of 15 (an every-second trigger
 * makes 86,400 runs a day).
 */
export const HISTORY_WINDOW = 200;

/**
 * What this process read of a run: its pipeline, and for a run of a folder of its own, what a
 * prediction reads of it, with its record's stamp when read.
 */
interface Known {
  pipeline: string;
  /** Its result record's modification time and size when it was read (a folder's record only). */
  stamp?: string;
  /** What a prediction learns from it: null when nothing (it recorded no step definitions). */
  run?: HistoryRun | null;
}

/**
 * The runs read so far, by workspace root and run id: a run's pipeline never changes, so a run of
 * another pipeline is not read again by this process; a run of the pipeline is read again only
 * when its record's stamp changed (a resumed run rewrites it), else what a prediction reads of it
 * is kept. Every run predicts itself from up to 20 earlier ones: reading and parsing their records
 * was 1.2 ms of a served one-step run's 6 ms (npm run bench serve's floor, a CPU profile,
 * 2026-11-29); a stat of each now, 0.2 ms for the 20. A run with no result yet (still going) is not remembered.
 * Bounded: only ids of the window are kept, each with the few figures of its steps.
 */
const pipelineOfRun = new Map<string, Map<string, Known>>();
/** Roots remembered at most (a long-lived process: the editor's, `orc serve`'s). */
const MAX_ROOTS = 16;

/**
 * The folder's run ids as last listed, by root, kept for LISTING_MS or 20 times what listing them
 * took, whichever is longer (at most a twentieth of a busy process's time goes to listing); the runs
 * this process starts are added as they start (`noteRunStarted`), so its own next run learns from
 * them at once, and a run another process started is seen within that time. A listing reads every
 * entry a run ever made there: 0.8 ms a run beside 2,000 runs here, and an every-second trigger of
 * `orc serve` makes a folder of 86,400 a day.
 */
const listed = new Map<string, { until: number; ids: string[] }>();
export const LISTING_MS = 1_000;

function listedRunIds(cwd: string): string[] {
  const hit = listed.get(cwd);
  if (hit && performance.now() < hit.until) return hit.ids;
  listed.delete(cwd);
  if (listed.size >= MAX_ROOTS) listed.delete(listed.keys().next().value!);
  const t0 = performance.now();
  const ids = runIds(cwd);
  const t1 = performance.now();
  listed.set(cwd, { until: t1 + Math.max(LISTING_MS, 20 * (t1 - t0)), ids });
  return ids;
}

/** A run this process started under `cwd`: listed for the predictions of the runs after it. */
export function noteRunStarted(cwd: string, runId: string): void {
  const hit = listed.get(cwd);
  if (!hit) return;
  // ids sort by when their runs started: a new one is last, or near it
  let at = hit.ids.length;
  while (at > 0 && hit.ids[at - 1] > runId) at--;
  if (hit.ids[at - 1] !== runId) hit.ids.splice(at, 0, runId);
}

/**
 * The stamp of a run's record in a folder of its own: its modification time and size, or null (no
 * such record: a packed run). One stat: a stamp only says whether what was kept of a record, read
 * through readRunResult and its checks (a folder that leads out of the runs is not read), is still
 * the record; a record that changed is read through them again.
 */
function stampOf(cwd: string, id: string): string | null {
  try {
    const st = statSync(path.join(runsDir(cwd), id, 'result.json'), { throwIfNoEntry: false });
    return st ? `${st.mtimeMs}:${st.size}` : null;
  } catch {
    return null;
  }
}

/** What a prediction reads of a result document (the rest of it is not kept). */
function historyRun(doc: ResultDocument): HistoryRun {
  const steps: Record<string, HistoryStep | null> = {};
  for (const [id, r] of Object.entries(doc.steps)) steps[id] = r ? { status: r.status, success: r.success, duration_ms: r.duration_ms, cost_usd: r.cost_usd, ...(r.cached !== undefined ? { cached: r.cached } : {}), ...(r.paused_ms !== undefined ? { paused_ms: r.paused_ms } : {}) } : null;
  return { execution_id: doc.execution_id, pipeline_id: doc.pipeline_id, definitions: doc.definitions, steps };
}

/**
 * The latest `limit` finished runs of `pipelineId` that recorded their step definitions, newest
 * first, among the folder's newest HISTORY_WINDOW runs: their whole result documents (a run's
 * report reads their step times, for how often each step was on the critical path).
 */
export function loadHistory(cwd: string, pipelineId: string, limit = 20): ResultDocument[] {
  return walkHistory(cwd, pipelineId, limit, (id, known) => {
    // an unreadable record teaches nothing; it is listed by `orc runs`
    const doc = readRunResult(cwd, id);
    if (typeof doc === 'string') return null;
    return { doc, known: known ?? { pipeline: doc.pipeline_id } };
  });
}

/**
 * What a prediction reads of the same runs as loadHistory's (a run's start predicts it: `orc run`,
 * a served run, the editor's run, `orc plan`, an eval's estimate), kept by this process while each
 * record's stamp is the same.
 */
export function predictionHistory(cwd: string, pipelineId: string, limit = 20): HistoryRun[] {
  return walkHistory(cwd, pipelineId, limit, (id, known) => {
    // stamped before the read: a record rewritten after it is read again next time
    const stamp = stampOf(cwd, id);
    if (known?.run !== undefined && stamp !== null && known.stamp === stamp) return known.run ? { doc: known.run, known } : { doc: null, known };
    const doc = readRunResult(cwd, id);
    if (typeof doc === 'string') return null;
    const run = doc.pipeline_id === pipelineId && doc.definitions ? historyRun(doc) : null;
    return { doc: run, known: { pipeline: doc.pipeline_id, ...(stamp !== null && doc.pipeline_id === pipelineId ? { stamp, run } : {}) } };
  });
}

/**
 * The walk of both: the folder's newest runs, newest first, skipping those known to be another
 * pipeline's; `read` gives a run's document (null: none, or it teaches nothing) and what is known
 * of it now (null: nothing, it is not remembered).
 */
function walkHistory<T extends { pipeline_id: string; definitions?: Record<string, string> }>(cwd: string, pipelineId: string, limit: number, read: (id: string, known: Known | undefined) => { doc: T | null; known: Known } | null): T[] {
  const out: T[] = [];
  const known = pipelineOfRun.get(cwd) ?? new Map<string, Known>();
  pipelineOfRun.delete(cwd);
  if (pipelineOfRun.size >= MAX_ROOTS) pipelineOfRun.delete(pipelineOfRun.keys().next().value!);
  // the run folders and the runs packed in evals' records, newest first
  const window = listedRunIds(cwd).slice(-HISTORY_WINDOW).reverse();
  for (const id of window) {
    if (out.length >= limit) break;
    const k = known.get(id);
    if (k !== undefined && k.pipeline !== pipelineId) continue;
    const r = read(id, k);
    if (!r) continue;
    known.set(id, r.known);
    if (r.doc && r.doc.pipeline_id === pipelineId && r.doc.definitions) out.push(r.doc);
  }
  // the ids that left the window are forgotten
  if (known.size > HISTORY_WINDOW) {
    const inWindow = new Set(window);
    for (const id of known.keys()) if (!inWindow.has(id)) known.delete(id);
  }
  pipelineOfRun.set(cwd, known);
  return out;
}
