// Earlier runs of a pipeline, from .orchestrator/ (run folders and evals' packed case runs): what predictions learn from.
import type { ResultDocument } from './events';
import { readRunResult, runIds } from './runPacks';

/**
 * How far back a prediction looks: the newest runs of the folder, whichever pipeline made them.
 * Every `orc run`, served run and editor run predicts itself, so this walk is part of each run's
 * start. Unbounded, a pipeline that had not run lately read every record of the folder: with 3,000
 * runs of other pipelines there, a one-step run took 183 ms instead of 15 (an every-second trigger
 * makes 86,400 runs a day).
 */
export const HISTORY_WINDOW = 200;

/**
 * The pipeline of each run read so far, by workspace root and run id: a run's pipeline never
 * changes, so a run of another pipeline is not read again by this process. A run with no result
 * yet (still going) is not remembered. Bounded: only ids of the window are kept.
 */
const pipelineOfRun = new Map<string, Map<string, string>>();
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

/** The latest `limit` finished runs of `pipelineId` that recorded their step definitions, newest first, among the folder's newest HISTORY_WINDOW runs. */
export function loadHistory(cwd: string, pipelineId: string, limit = 20): ResultDocument[] {
  const out: ResultDocument[] = [];
  const known = pipelineOfRun.get(cwd) ?? new Map<string, string>();
  pipelineOfRun.delete(cwd);
  if (pipelineOfRun.size >= MAX_ROOTS) pipelineOfRun.delete(pipelineOfRun.keys().next().value!);
  // the run folders and the runs packed in evals' records, newest first
  const window = listedRunIds(cwd).slice(-HISTORY_WINDOW).reverse();
  for (const id of window) {
    if (out.length >= limit) break;
    const other = known.get(id);
    if (other !== undefined && other !== pipelineId) continue;
    // an unreadable record teaches nothing; it is listed by `orc runs`
    const doc = readRunResult(cwd, id);
    if (typeof doc === 'string') continue;
    known.set(id, doc.pipeline_id);
    if (doc.pipeline_id === pipelineId && doc.definitions) out.push(doc);
  }
  // the ids that left the window are forgotten
  if (known.size > HISTORY_WINDOW) {
    const inWindow = new Set(window);
    for (const id of known.keys()) if (!inWindow.has(id)) known.delete(id);
  }
  pipelineOfRun.set(cwd, known);
  return out;
}
