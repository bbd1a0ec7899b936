// Checks on a run's record that a command makes before trusting it: a checkpoint names the run it is
// in (a changed `execution_id` such as `../../x` would make a resume write outside the workspace), a
// result document is an object of the result's shape, and a run folder left empty by a kill before
// its first write is recognised as such (not "unreadable", nothing to resume).
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { ResultDocument } from './events';

/** Why a checkpoint cannot be resumed as run `runId`, or null when it can. */
export function checkpointMismatch(runId: string, checkpoint: { execution_id?: unknown }): string | null {
  if (checkpoint.execution_id === runId) return null;
  return `the checkpoint of run ${runId} names another run (${JSON.stringify(checkpoint.execution_id)}): it was changed by hand, and resuming it would write elsewhere; nothing ran`;
}

/** A parsed result.json that has the shape of a result document (steps, levels, a status). */
export function isResultDocument(v: unknown): v is ResultDocument {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const d = v as Record<string, unknown>;
  return typeof d.status === 'string' && !!d.steps && typeof d.steps === 'object' && !Array.isArray(d.steps) && Array.isArray(d.execution_levels) && d.execution_levels.every((l) => Array.isArray(l));
}

/** True when the run's folder exists and holds nothing: the run was stopped before its first record. */
export function isEmptyRunFolder(runsDir: string, runId: string): boolean {
  const dir = path.join(runsDir, runId);
  try {
    return existsSync(dir) && readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}
