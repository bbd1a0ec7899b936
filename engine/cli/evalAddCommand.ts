// `orc eval add FILE.eval.yaml RUN_ID [--expect] [--step ID]` (or `--step ID --from-run RUN_ID`): a real run (or one step of it: freezeStep.ts) becomes a case. Its inputs are
// appended to the eval's cases (the inline list, or the .jsonl / .json / .csv dataset file); with
// --expect, its outputs too, as the values the case expects. The rules are the engine's
// (engine/eval/editorAdd.ts), shared with the editor's Add to Eval.
import * as path from 'node:path';
import { addRunToEval, CheckpointError, EvalAddError, findRunsRoot } from '../api/index';
import { UsageError } from './input';
import { compileEval, type EvalIO } from './evalCompile';

export async function evalAddCommand(argv: string[], io: EvalIO): Promise<number> {
  const positional: string[] = [];
  let step: string | undefined;
  let fromRun: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--step' || x === '--from-run') {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new UsageError(`${x} needs a value`);
      if (x === '--step') step = v;
      else fromRun = v;
    } else if (x.startsWith('--') && x !== '--expect') throw new UsageError(`unknown option ${x} for 'orc eval add'`);
    else if (!x.startsWith('--')) positional.push(x);
  }
  // `--step ID --from-run RUN` names the run by flag; RUN_ID may be given in its place
  if (fromRun) positional.push(fromRun);
  if (positional.length !== 2) throw new UsageError("'orc eval add' takes an eval file and a run id: orc eval add NAME.eval.yaml RUN_ID [--step ID] (or --step ID --from-run RUN_ID)");
  if (fromRun && !step) throw new UsageError('--from-run goes with --step (the step the case runs alone)');
  const [file, runId] = positional;
  const expect = argv.includes('--expect');
  // the eval's findings, printed like a compiler's, before anything is written
  const compiled = compileEval(file, { color: false }, io.err);
  if (!compiled) return 2;
  const cases = compiled.analysis.eval!.cases;
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  let added = runId;
  try {
    added = addRunToEval(path.resolve(file), root, runId, expect, step).caseId;
  } catch (e) {
    if (e instanceof EvalAddError || e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
  io.out(`added ${step ? 'step case' : 'case'} '${added}' to ${cases.kind === 'inline' ? file : cases.written}${expect ? (step ? " with the step's result as its expected value" : ' with its outputs as expected values') : ''}`);
  return 0;
}
