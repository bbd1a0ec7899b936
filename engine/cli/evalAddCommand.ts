// `orc eval add FILE.eval.yaml RUN_ID [--expect]`: a real run becomes a case. Its inputs are
// appended to the eval's cases (the inline list, or the .jsonl / .json / .csv dataset file); with
// --expect, its outputs too, as the values the case expects. The rules are the engine's
// (engine/eval/editorAdd.ts), shared with the editor's Add to Eval.
import * as path from 'node:path';
import { addRunToEval, CheckpointError, EvalAddError, findRunsRoot } from '../api/index';
import { UsageError } from './input';
import { compileEval, type EvalIO } from './evalCompile';

export async function evalAddCommand(argv: string[], io: EvalIO): Promise<number> {
  const positional = argv.filter((x) => !x.startsWith('--'));
  for (const f of argv.filter((x) => x.startsWith('--'))) if (f !== '--expect') throw new UsageError(`unknown option ${f} for 'orc eval add'`);
  if (positional.length !== 2) throw new UsageError("'orc eval add' takes an eval file and a run id: orc eval add NAME.eval.yaml RUN_ID");
  const [file, runId] = positional;
  const expect = argv.includes('--expect');
  // the eval's findings, printed like a compiler's, before anything is written
  const compiled = compileEval(file, { color: false }, io.err);
  if (!compiled) return 2;
  const cases = compiled.analysis.eval!.cases;
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  try {
    addRunToEval(path.resolve(file), root, runId, expect);
  } catch (e) {
    if (e instanceof EvalAddError || e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
  io.out(`added case '${runId}' to ${cases.kind === 'inline' ? file : cases.written}${expect ? ' with its outputs as expected values' : ''}`);
  return 0;
}
