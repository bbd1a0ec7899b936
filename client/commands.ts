// The commands in the palette, the editor title and the server's code lenses.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type GraphDocument, type ResultDocument } from '../engine/api/index';
import { runFolder } from './configuration';
import { startDebugging } from './debugging';
import { resolveAutoCommand, type AutoSummary } from './autoTags';
import { explainPipeline, newPipeline } from './intelligence';
import { canRun } from './trust';
import type { Log } from './log';
import { LANGUAGE_ID } from './languageClient';
import type { RunController, RunRequest } from './runController';
import { topLevelAt } from './stepAt';
import type { WebviewHost } from './webviewHost';
import type { ModelAccess } from './models';
import { askAndStoreConnectionSecret, pipelineOf } from './connectionSecrets';
import { showAllowedTools } from './allowedToolsPick';

export const COMMAND_IDS = {
  run: 'orchestrator.run',
  runFromHere: 'orchestrator.runFromHere',
  cancelRun: 'orchestrator.cancelRun',
  resumeRun: 'orchestrator.resumeRun',
  showGraph: 'orchestrator.showGraph',
  setApiKey: 'orchestrator.setApiKey',
  setConnectionSecret: 'orchestrator.setConnectionSecret',
  debug: 'orchestrator.debug',
  resolveAuto: 'orchestrator.resolveAuto',
  explain: 'orchestrator.explain',
  newPipeline: 'orchestrator.newPipeline',
  /** Only from the lens above an agent (it passes the resolved allow-list): not in the palette. */
  showAllowedTools: 'orchestrator.showAllowedTools',
} as const;

/** The commands the language server's code lenses may name. */
export const LENS_COMMANDS = [COMMAND_IDS.run, COMMAND_IDS.debug, COMMAND_IDS.showGraph, COMMAND_IDS.runFromHere, COMMAND_IDS.resolveAuto, COMMAND_IDS.showAllowedTools];

/** A command's target: the URI it was given (string or Uri), else the active pipeline editor, else
 * the document of the focused pipeline panel. */
function targetUri(arg: unknown, host: WebviewHost): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return arg.includes('://') ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  const editor = vscode.window.activeTextEditor;
  if (editor && (editor.document.languageId === LANGUAGE_ID || /\.ya?ml$/i.test(editor.document.fileName))) return editor.document.uri;
  return host.activePanelUri();
}

function noTarget(what: string): undefined {
  void vscode.window.showWarningMessage(`${what}: open a pipeline (*.pipeline.yaml) first.`);
  return undefined;
}

export function registerCommands(
  context: vscode.ExtensionContext,
  runs: RunController,
  host: WebviewHost,
  graphOf: (uri: vscode.Uri) => Promise<{ graph: GraphDocument | null }>,
  models: ModelAccess,
  log: Log,
): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg(COMMAND_IDS.run, (arg?: unknown, request?: unknown): Promise<ResultDocument | undefined> | undefined => {
    const uri = targetUri(arg, host);
    if (!uri) return noTarget('Run Pipeline');
    return runs.run(uri, (request ?? {}) as RunRequest);
  });

  reg(COMMAND_IDS.debug, (arg?: unknown): Promise<boolean> | undefined => {
    const uri = targetUri(arg, host);
    if (!uri) return noTarget('Debug Pipeline');
    return startDebugging(uri);
  });

  reg(COMMAND_IDS.resolveAuto, async (arg?: unknown, options?: unknown): Promise<AutoSummary | undefined> => {
    const uri = targetUri(arg, host);
    if (!uri) return noTarget('Resolve AUTO Tags');
    // the answers come from a model the workspace's file directs, with the user's keys
    if (!canRun(() => undefined)) return undefined;
    return resolveAutoCommand(uri, Boolean((options as { refresh?: unknown } | undefined)?.refresh), () => models.forRun(), log);
  });

  reg(COMMAND_IDS.explain, (arg?: unknown) => {
    const uri = targetUri(arg, host);
    if (!uri) return noTarget('Explain Pipeline');
    if (!canRun(() => undefined)) return undefined;
    return explainPipeline(uri, () => models.forRun(), host, log);
  });

  reg(COMMAND_IDS.newPipeline, (given?: unknown) => {
    if (!canRun(() => undefined)) return undefined;
    return newPipeline(() => models.forRun(), log, (given ?? undefined) as { description?: string; model?: string } | undefined);
  });

  reg(COMMAND_IDS.runFromHere, async (arg?: unknown, step?: unknown): Promise<ResultDocument | undefined> => {
    const uri = targetUri(arg, host);
    if (!uri) return noTarget('Run From Here');
    let stepId = typeof step === 'string' ? step : undefined;
    if (!stepId) {
      // from the palette: the step under the cursor, else a pick
      const { graph } = await graphOf(uri);
      const editor = vscode.window.activeTextEditor;
      if (graph && editor?.document.uri.toString() === uri.toString()) {
        stepId = topLevelAt(graph, editor.selection.active.line, editor.selection.active.character)?.id;
      }
      if (!stepId && graph) stepId = (await vscode.window.showQuickPick(graph.nodes.map((n) => ({ label: n.id, description: n.label !== n.id ? n.label : undefined })), { title: 'Run from which step?' }))?.label;
      if (!stepId) return undefined;
    }
    return runs.runFromHere(uri, stepId);
  });

  // resolves true when a run was cancelled (it ends `cancelled` soon after; its Run promise says when)
  reg(COMMAND_IDS.cancelRun, (arg?: unknown): boolean => {
    const uri = targetUri(arg, host);
    if (uri && runs.cancel(uri)) return true;
    void vscode.window.showInformationMessage('No run of this pipeline is in progress.');
    return false;
  });

  reg(COMMAND_IDS.resumeRun, async (arg?: unknown): Promise<ResultDocument | undefined> => {
    const anchor = vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!anchor) return noTarget('Resume Run');
    const folder = runFolder(anchor);
    let runId = typeof arg === 'string' ? arg : undefined;
    if (!runId) {
      const items = runs
        .pickableRuns(folder)
        .filter((r): r is Extract<typeof r, { status: string }> => 'status' in r && r.status !== 'completed')
        .map((r) => ({ label: r.execution_id, description: `${r.pipeline_id} · ${r.status}`, detail: `${path.basename(r.pipeline_file)} · started ${r.started_at} · ${r.steps_completed} step(s) completed` }));
      if (!items.length) {
        void vscode.window.showInformationMessage(`No stopped run to resume in ${path.join(folder, '.orchestrator', 'runs')}.`);
        return undefined;
      }
      runId = (await vscode.window.showQuickPick(items, { title: 'Resume which run?' }))?.label;
      if (!runId) return undefined;
    }
    return runs.resume(runId, folder);
  });

  reg(COMMAND_IDS.showGraph, (arg?: unknown) => {
    const uri = targetUri(arg, host);
    if (!uri) return noTarget('Show Graph');
    host.show(uri, false);
  });

  // Treat File as Pipeline and Treat File as Plain YAML: languageSwitch.ts (they are remembered per file)

  reg(COMMAND_IDS.showAllowedTools, (uri?: unknown, list?: unknown) => showAllowedTools(uri, list));
  reg(COMMAND_IDS.setApiKey, () => models.askAndStore());
  reg(COMMAND_IDS.setConnectionSecret, () => askAndStoreConnectionSecret(context.secrets, pipelineOf(vscode.window.activeTextEditor?.document)));

}
