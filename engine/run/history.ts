// Earlier runs of a pipeline, from .orchestrator/ (run folders and evals' packed case runs): what predictions learn from.
import type { ResultDocument } from './events';
import { readRunResult, runIds } from './runPacks';

/** The latest `limit` finished runs of `pipelineId` that recorded their step definitions, newest first. */
export function loadHistory(cwd: string, pipelineId: string, limit = 20): ResultDocument[] {
  const out: ResultDocument[] = [];
  // the run folders and the runs packed in evals' records, newest first
  for (const id of runIds(cwd).reverse()) {
    if (out.length >= limit) break;
    // an unreadable record teaches nothing; it is listed by `orc runs`
    const doc = readRunResult(cwd, id);
    if (typeof doc !== 'string' && doc.pipeline_id === pipelineId && doc.definitions) out.push(doc);
  }
  return out;
}
