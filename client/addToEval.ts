// "Add to Eval…" on a run in the Runs view: picks an eval of the run's pipeline (the workspace's
// `*.eval.yaml` files whose `pipeline:` is that file) and whether the run's outputs become the
// values the case expects, then appends the run as a case (engine/eval/editorAdd.ts: what
// `orc eval add FILE RUN_ID [--expect]` does). The eval's Test Explorer items follow the file.
// "Freeze Step as Test…" makes one step of the run a step case instead (`orc eval add … --step ID`):
// that step alone, on the values its upstream steps gave it in the run, its tool results as mocks,
// its result as what the case expects.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { addRunToEval, analyzeEval, CheckpointError, EvalAddError, readRunResult } from '../engine/api/index';
import type { RunItem, RunsView } from './runsView';

export const ADD_TO_EVAL_COMMAND = 'orchestrator.runs.addToEval';
export const FREEZE_STEP_COMMAND = 'orchestrator.runs.freezeStep';

/** The eval files of the workspace that run this pipeline file. */
async function evalsOf(pipelineFile: string): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles('**/*.eval.{yaml,yml}', '**/{node_modules,.orchestrator}/**');
  const out: vscode.Uri[] = [];
  for (const f of files) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(f)).toString('utf8');
    if (analyzeEval(text, f.fsPath).eval?.pipeline === path.resolve(pipelineFile)) out.push(f);
  }
  return out.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

/** An eval of the run's pipeline: the one given, else picked (null: none, or the person backed out). */
async function pickEval(pipelineFile: string, runId: string, given?: string): Promise<string | null> {
  if (given) return given;
  const evals = await evalsOf(pipelineFile);
  if (!evals.length) {
    void vscode.window.showWarningMessage(`No eval file in the workspace runs ${path.basename(pipelineFile)}: create NAME.eval.yaml with 'pipeline: ${path.basename(pipelineFile)}' first.`);
    return null;
  }
  const pick = await vscode.window.showQuickPick(evals.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })), { title: `Add run ${runId} to which eval?` });
  return pick?.uri.fsPath ?? null;
}

/** Freeze Step as Test…: a step of the run (given, else picked among those that completed) as a step case. */
async function freezeStep(view: RunsView, given?: RunItem, options?: { evalFile?: string; step?: string }): Promise<{ caseId: string; written: string } | undefined> {
  const r = given ?? view.selectedRun();
  if (!r?.summary) return undefined;
  const doc = readRunResult(r.folder, r.runId);
  if (typeof doc === 'string') {
    void vscode.window.showWarningMessage(`Run ${r.runId} has no result to freeze a step of (${doc}).`);
    return undefined;
  }
  let step = options?.step;
  if (!step) {
    const steps = doc.execution_order.filter((id) => doc.steps[id]?.status === 'completed');
    const pick = await vscode.window.showQuickPick(
      steps.map((id) => ({ label: id, description: doc.steps[id].model ?? undefined })),
      { title: `Freeze which step of run ${r.runId} as a test?`, placeHolder: 'the step runs alone, on what its upstream steps gave it in this run' },
    );
    step = pick?.label;
  }
  if (!step) return undefined;
  const evalFile = await pickEval(path.resolve(r.folder, r.summary.pipeline_file), r.runId, options?.evalFile);
  if (!evalFile) return undefined;
  try {
    const added = addRunToEval(evalFile, r.folder, r.runId, true, step);
    void vscode.window.showInformationMessage(`Froze step '${step}' of run ${r.runId} as case '${added.caseId}' in ${vscode.workspace.asRelativePath(added.written)}.`);
    return added;
  } catch (e) {
    if (e instanceof EvalAddError || e instanceof CheckpointError) {
      void vscode.window.showErrorMessage(`Freeze Step as Test: ${e.message}`);
      return undefined;
    }
    throw e;
  }
}

export function registerAddToEval(context: vscode.ExtensionContext, view: RunsView): void {
  context.subscriptions.push(vscode.commands.registerCommand(FREEZE_STEP_COMMAND, (given?: RunItem, options?: { evalFile?: string; step?: string }) => freezeStep(view, given, options)));
  context.subscriptions.push(
    vscode.commands.registerCommand(ADD_TO_EVAL_COMMAND, async (given?: RunItem, options?: { evalFile?: string; expect?: boolean }) => {
      const r = given ?? view.selectedRun();
      if (!r?.summary) return undefined;
      const pipelineFile = path.resolve(r.folder, r.summary.pipeline_file);
      const evalFile = await pickEval(pipelineFile, r.runId, options?.evalFile);
      if (!evalFile) return undefined;
      let expect = options?.expect;
      if (expect === undefined) {
        const how = await vscode.window.showQuickPick(
          [
            { label: 'Its inputs', expect: false, detail: 'The case runs with the run\'s inputs; the eval\'s assertions judge it.' },
            { label: 'Its inputs, and its outputs as the expected values', expect: true, detail: 'Inline cases get an equals assertion per output; a dataset gets an expected column.' },
          ],
          { title: `Add run ${r.runId} as a case with…` },
        );
        if (!how) return undefined;
        expect = how.expect;
      }
      try {
        const added = addRunToEval(evalFile, r.folder, r.runId, expect);
        void vscode.window.showInformationMessage(`Added case '${added.caseId}' to ${vscode.workspace.asRelativePath(added.written)}${expect ? ' with its outputs as expected values' : ''}.`);
        return added;
      } catch (e) {
        if (e instanceof EvalAddError || e instanceof CheckpointError) {
          void vscode.window.showErrorMessage(`Add to Eval: ${e.message}`);
          return undefined;
        }
        throw e;
      }
    }),
  );
}
