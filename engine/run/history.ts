// Earlier runs of a pipeline, from .orchestrator/runs/: what predictions learn from.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { runsDir } from './checkpointStore';
import type { ResultDocument } from './events';

/** Result documents bigger than this are not read for history (a huge loop's record). */
const MAX_RESULT_BYTES = 20 * 1024 * 1024;

/** The latest `limit` finished runs of `pipelineId` that recorded their step definitions, newest first. */
export function loadHistory(cwd: string, pipelineId: string, limit = 20): ResultDocument[] {
  const dir = runsDir(cwd);
  if (!existsSync(dir)) return [];
  const out: ResultDocument[] = [];
  for (const id of readdirSync(dir).sort().reverse()) {
    if (out.length >= limit) break;
    const file = path.join(dir, id, 'result.json');
    try {
      if (!existsSync(file) || statSync(file).size > MAX_RESULT_BYTES) continue;
      const doc = JSON.parse(readFileSync(file, 'utf8')) as ResultDocument;
      if (doc.pipeline_id === pipelineId && doc.definitions) out.push(doc);
    } catch {
      // an unreadable record teaches nothing; it is listed by `orc runs`
    }
  }
  return out;
}
