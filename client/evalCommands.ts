// The eval commands: Run Eval (the lens on an eval file, its editor title button, a variant's
// lens), Estimate Eval (the predicted cost and duration, no call made), Show Eval Results (the
// panel), and the panel's own actions (open a case's run in the graph panel, run a cell or a row again).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeEval, DatasetError, estimateEvalRuns, type EvalEstimate, evalHasErrors, EvalInputError, registryOrShipped } from '../engine/api/index';
import { runFolder } from './configuration';
import type { EvalPanels } from './evalPanel';
import type { EvalOutcomeView, EvalTests } from './evalTests';
import { EVAL_LANGUAGE_ID } from './languageClient';
import type { Log } from './log';

export const EVAL_COMMAND_IDS = {
  run: 'orchestrator.runEval',
  estimate: 'orchestrator.estimateEval',
  showPanel: 'orchestrator.showEvalPanel',
  /** client/optimizeModels.ts */
  optimize: 'orchestrator.optimizeModels',
  /** client/improvePrompts.ts */
  improve: 'orchestrator.improvePrompts',
} as const;

/** The commands an eval file's lenses may name. */
export const EVAL_LENS_COMMANDS = [EVAL_COMMAND_IDS.run, EVAL_COMMAND_IDS.estimate, EVAL_COMMAND_IDS.optimize, EVAL_COMMAND_IDS.improve];

function evalTarget(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return arg.includes('://') ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  const d = vscode.window.activeTextEditor?.document;
  if (d && (d.languageId === EVAL_LANGUAGE_ID || /\.eval\.ya?ml$/i.test(d.fileName))) return d.uri;
  void vscode.window.showWarningMessage('Open an eval file (*.eval.yaml) first.');
  return undefined;
}

/** Estimate Eval: per variant, the runs, the predicted cost and duration (the lines `orc eval --estimate` prints). */
export async function estimateLines(uri: vscode.Uri): Promise<{ lines: string[]; rows: EvalEstimate[] } | { problem: string }> {
  const text = (await vscode.workspace.openTextDocument(uri)).getText();
  const a = analyzeEval(text, uri.fsPath);
  if (evalHasErrors(a)) return { problem: `${path.basename(uri.fsPath)} does not compile: fix its errors (Problems view) to estimate it.` };
  try {
    const { cases, rows } = await estimateEvalRuns(a, runFolder(uri), registryOrShipped());
    const lines = rows.map((r) => `${r.variant}: ${r.runs} run${r.runs === 1 ? '' : 's'}, about $${r.cost_usd.toFixed(4)}, ${(r.makespan_ms / 1000).toFixed(1)} s a run${r.unknown.length ? ` (unknown: ${r.unknown.join(', ')})` : ''}`);
    return { lines: [`${cases} case${cases === 1 ? '' : 's'} × ${rows.length} variant${rows.length === 1 ? '' : 's'}`, ...lines], rows };
  } catch (e) {
    if (e instanceof EvalInputError || e instanceof DatasetError) return { problem: e.message };
    throw e;
  }
}

export function registerEvalCommands(context: vscode.ExtensionContext, tests: EvalTests, panels: EvalPanels, log: Log): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg(EVAL_COMMAND_IDS.run, async (arg?: unknown, only?: unknown): Promise<EvalOutcomeView | undefined> => {
    const uri = evalTarget(arg);
    if (!uri) return undefined;
    // `replay: true`: the Test Explorer's Run (replay) profile, every model call answered from the eval's cassette
    const o = (only ?? {}) as { variant?: string; case?: string; replay?: boolean; coverage?: boolean };
    const outcome = await tests.runEvalFile(uri, { variant: typeof o.variant === 'string' ? o.variant : undefined, case: typeof o.case === 'string' ? o.case : undefined, replay: o.replay === true, coverage: o.coverage === true });
    if (outcome) panels.update(outcome, true);
    return outcome;
  });

  reg(EVAL_COMMAND_IDS.estimate, async (arg?: unknown) => {
    const uri = evalTarget(arg);
    if (!uri) return undefined;
    const r = await estimateLines(uri);
    if ('problem' in r) {
      void vscode.window.showWarningMessage(`Estimate Eval: ${r.problem}`);
      return r;
    }
    for (const l of r.lines) log.line(`estimate ${path.basename(uri.fsPath)}: ${l}`);
    void vscode.window.showInformationMessage(`Estimate of ${path.basename(uri.fsPath)}: ${r.lines.join('; ')}`);
    return r;
  });

  reg(EVAL_COMMAND_IDS.showPanel, (arg?: unknown) => {
    const uri = evalTarget(arg);
    if (!uri) return undefined;
    panels.show(uri);
    const last = tests.lastOutcome(uri);
    if (last) panels.update(last, false);
    return true;
  });

  // every eval that ends shows in its panel, if one is open
  context.subscriptions.push(tests.onDidFinish((o) => panels.update(o, false)));
}
