// Checks on a run's record that a command makes before trusting it: a checkpoint names the run it is
// in (a changed `execution_id` such as `../../x` would make a resume write outside the workspace), a
// result document is an object of the result's shape, and a run folder left empty by a kill before
// its first write is recognised as such (not "unreadable", nothing to resume).
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { ResultDocument } from './events';
import { readBoundedText } from '../util/boundedRead';

/** Why a checkpoint cannot be resumed as run `runId`, or null when it can. */
export function checkpointMismatch(runId: string, checkpoint: { execution_id?: unknown }): string | null {
  if (checkpoint.execution_id === runId) return null;
  return `the checkpoint of run ${runId} names another run (${JSON.stringify(checkpoint.execution_id)}): it was changed by hand, and resuming it would write elsewhere; nothing ran`;
}

/** A parsed result.json that has the shape of a result document (steps, each an object; levels; a status). */
export function isResultDocument(v: unknown): v is ResultDocument {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const d = v as Record<string, unknown>;
  if (typeof d.status !== 'string' || !d.steps || typeof d.steps !== 'object' || Array.isArray(d.steps)) return false;
  if (!Object.values(d.steps).every((r) => !!r && typeof r === 'object' && !Array.isArray(r))) return false;
  return Array.isArray(d.execution_levels) && d.execution_levels.every((l) => Array.isArray(l));
}

/** The largest result document the readers of many records read (a bigger one is counted unreadable). */
export const MAX_RESULT_BYTES = 20 * 1024 * 1024;

/**
 * A record file's text, read only when it is a regular file of at most `maxBytes` (not a link, say to
 * /dev/zero, nor a pipe), and never more than that: 'missing' when there is none, 'unreadable' otherwise.
 */
export function readRecordText(file: string, maxBytes = MAX_RESULT_BYTES): string | 'missing' | 'unreadable' {
  return readBoundedText(file, maxBytes);
}

/** A run's result.json, when it is a readable result document. */
export function readResultRecord(file: string, maxBytes = MAX_RESULT_BYTES): ResultDocument | 'missing' | 'unreadable' {
  const text = readRecordText(file, maxBytes);
  if (text === 'missing' || text === 'unreadable') return text;
  try {
    const v: unknown = JSON.parse(text);
    return isResultDocument(v) ? v : 'unreadable';
  } catch {
    return 'unreadable';
  }
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
