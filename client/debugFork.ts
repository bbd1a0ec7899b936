// Restart Frame in the debugger: a paused run forked at a step, as `orc fork RUN --at STEP` forks it
// (engine/run/fork.ts): the run is stopped (its record kept), and a new run whose steps upstream of
// STEP are answered from that record — no model or tool called again — starts in its place, held
// before STEP. Its record names the run it was forked from and the step, so the Runs view lists it
// under its parent. A frame inside a loop forks at the top-level loop that holds it. Imports no `vscode`.
import * as path from 'node:path';
import { type Analysis, analyze, type Checkpoint, ForkError, forkCheckpoint, forkSessions, type ForkSessions, forkSource, hasErrors, type PausePoint, type Pipeline, withLockedAutoAnswers } from '../engine/api/index';

/** Where a fork of the debugged run starts: the run, and the top-level step. */
export interface ForkRequest {
  run: string;
  at: string;
}

/** The top-level step a held step's frame forks at: the step itself, or the loop whose iteration holds it. */
export function restartPoint(point: Pick<PausePoint, 'key'>): string {
  return point.key.split('/')[0].replace(/\[\d+\]$/, '');
}

/** The fork's pipeline (as it ran: the file must not have changed), the record it starts from, and the parent's sessions (its agents read them as the parent did, adding nothing); throws ForkError with why not. */
export function forkForDebugging(root: string, fork: ForkRequest): { analysis: Analysis & { pipeline: Pipeline }; record: Checkpoint; file: string; sessions: ForkSessions } {
  const src = forkSource(root, fork.run);
  const analysis = withLockedAutoAnswers(src.file, src.source, analyze(src.source));
  if (!analysis.pipeline || !analysis.plan || hasErrors(analysis.findings)) throw new ForkError(`${path.basename(src.file)} does not compile`);
  const a = analysis as Analysis & { pipeline: Pipeline };
  return { analysis: a, record: forkCheckpoint(src.checkpoint, a, fork.at), file: src.file, sessions: forkSessions(src.checkpoint) };
}
