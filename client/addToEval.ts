// "Add to Eval…" on a run in the Runs view: picks an eval of the run's pipeline (the workspace's
// `*.eval.yaml` files whose `pipeline:` is that file) and whether the run's outputs become the
// values the case expects, then appends the run as a case (engine/eval/editorAdd.ts: what
// `orc eval add FILE RUN_ID [--expect]` does). The eval's Test Explorer items follow the file.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { addRunToEval, analyzeEval, CheckpointError, EvalAddError } from '../engine/api/index';
import type { RunItem, RunsView } from './runsView';

export const ADD_TO_EVAL_COMMAND = 'orchestrator.runs.addToEval';

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

export function registerAddToEval(context: vscode.ExtensionContext, view: RunsView): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(ADD_TO_EVAL_COMMAND, async (given?: RunItem, options?: { evalFile?: string; expect?: boolean }) => {
      const r = given ?? view.selectedRun();
      if (!r?.summary) return undefined;
      const pipelineFile = path.resolve(r.folder, r.summary.pipeline_file);
      let evalFile = options?.evalFile;
      if (!evalFile) {
        const evals = await evalsOf(pipelineFile);
        if (!evals.length) {
          void vscode.window.showWarningMessage(`No eval file in the workspace runs ${path.basename(pipelineFile)}: create NAME.eval.yaml with 'pipeline: ${path.basename(pipelineFile)}' first.`);
          return undefined;
        }
        const pick = await vscode.window.showQuickPick(evals.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })), { title: `Add run ${r.runId} to which eval?` });
        if (!pick) return undefined;
        evalFile = pick.uri.fsPath;
      }
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
