// `orc fork RUN_ID --at STEP[.TURN] [-i STEP=VALUE]... [-i NAME=VALUE]... [--json] [--record | --replay
// [--cassette PATH] [--live IDS] [--replay-tools]]`: a new run from a
// past one (engine/run/fork.ts): the steps upstream of STEP answered from its record, STEP and what
// follows run again (STEP may be `loop[2]`, `loop[2]/step`; `.TURN` on an agent step answers its
// turns before TURN from the record too). `-i` names an upstream step (its result replaced; a step
// in a loop's body by its key, `loop[0]/step`) or a parameter (the steps that run again see it).
// The past run's record is only read. The cassette flags are `orc run`'s (the default cassette is
// the pipeline's NAME.cassette.jsonl). Agent steps with `memory:` read their sessions as the past
// run read them and add nothing to them (engine/run/fork.ts `forkSessions`).
import { CheckpointError, findRunsRoot, ForkError, forkCheckpoint, forkPoint, forkSessions, forkSource, forkTurns, parseInputArg, type Pipeline, withLockedAutoAnswers } from '../api/index';
import { cassetteOptions, unknownLiveSteps, type CassetteFlags } from './cassetteFlags';
import { compileOrReport } from './compile';
import type { Style } from './findingFormat';
import { UsageError } from './input';
import { EXIT, execute, type RunIO } from './runCommand';

export async function forkCommand(runId: string, at: string, inputArgs: string[], json: boolean, style: Style, io: RunIO, tape?: CassetteFlags): Promise<number> {
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  let src;
  try {
    src = forkSource(root, runId);
  } catch (e) {
    if (e instanceof ForkError || e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
  const cassette = cassetteOptions(tape, src.file, undefined);
  const compiled = compileOrReport(src.file, style, io.err, src.source, '; nothing ran');
  if (!compiled || !compiled.pipeline) return EXIT.compile;
  const a = withLockedAutoAnswers(src.file, src.source, compiled);
  const steps = new Set(a.plan?.steps ?? []);
  const edits: { steps: Record<string, unknown>; inputs: Record<string, unknown> } = { steps: {}, inputs: {} };
  let record;
  let turns;
  try {
    for (const arg of inputArgs) {
      const [k, v] = parseInputArg(arg);
      (steps.has(k) || /[[/]/.test(k) ? edits.steps : edits.inputs)[k] = v;
    }
    const analysis = a as typeof a & { pipeline: Pipeline };
    record = forkCheckpoint(src.checkpoint, analysis, at, edits);
    turns = forkTurns(src.checkpoint, forkPoint(analysis, at));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const upstream = Object.keys(record.steps).length;
  const replayed = turns ? `, and ${turns.turn - 1} turn${turns.turn === 2 ? '' : 's'} of '${turns.key}'` : '';
  io.err(`fork ${record.execution_id} of run ${runId} at ${turns ? 'turn' : 'step'} '${at}': ${upstream} step result${upstream === 1 ? '' : 's'}${replayed} from its record`);
  const liveWarning = unknownLiveSteps(cassette, a.pipeline?.steps ?? []);
  if (liveWarning) io.err(`orc: ${liveWarning}`);
  return execute(a, { cwd: root, pipelineFile: src.checkpoint.pipeline_file, source: src.source, resume: record, cassette, forkSessions: forkSessions(src.checkpoint), ...(turns ? { forkTurns: turns } : {}) }, json, style, io);
}
