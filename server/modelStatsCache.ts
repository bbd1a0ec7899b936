// The run records' model figures for the hover (engine/models/modelStats.ts), read from the
// workspace of a pipeline file (the nearest folder up holding `.orchestrator/`) at most once every
// 30 s per workspace: a hover never reads hundreds of records twice in a row.
import * as path from 'node:path';
import { findRunsRoot } from '../engine/run/runsRoot';
import { modelStats, readRunRecords, type ModelStats } from '../engine/run/modelStats';

const TTL_MS = 30_000;
const cache = new Map<string, { at: number; byModel: Map<string, ModelStats> }>();

/** The figures of `model` in the records of the workspace holding `file`, or undefined. */
export function statsFor(file: string, model: string, now = Date.now()): ModelStats | undefined {
  const root = findRunsRoot(path.dirname(file));
  if (!root) return undefined;
  let hit = cache.get(root);
  if (!hit || now - hit.at > TTL_MS) {
    hit = { at: now, byModel: new Map(modelStats(readRunRecords(root, 200)).map((s) => [s.model, s])) };
    cache.set(root, hit);
  }
  return hit.byModel.get(model);
}
