// Earlier runs of a pipeline, from .orchestrator/runs/: what predictions learn from.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { runsDir } from './checkpointStore';
import type { ResultDocument } from './events';
import { readResultRecord } from './runRecords';

/** The latest `limit` finished runs of `pipelineId` that recorded their step definitions, newest first. */
export function loadHistory(cwd: string, pipelineId: string, limit = 20): ResultDocument[] {
  const dir = runsDir(cwd);
  if (!existsSync(dir)) return [];
  const out: ResultDocument[] = [];
  for (const id of readdirSync(dir).sort().reverse()) {
    if (out.length >= limit) break;
    // an unreadable record teaches nothing; it is listed by `orc runs`
    const doc = readResultRecord(path.join(dir, id, 'result.json'));
    if (typeof doc !== 'string' && doc.pipeline_id === pipelineId && doc.definitions) out.push(doc);
  }
  return out;
}
