// Activation: the language server, the run controller, the panels, the status bar and the commands.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { OrchestratorApi } from './api';
import { LENS_COMMANDS, registerCommands } from './commands';
import { onSettingsChanged, runFolder } from './configuration';
import { registerDebugging } from './debugging';
import { registerRunsView } from './runsView';
import { requestGraph, startLanguageClient } from './languageClient';
import { Log } from './log';
import { ModelAccess } from './models';
import { RunController } from './runController';
import { RunStatusBar } from './statusBar';
import { WebviewHost } from './webviewHost';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<OrchestratorApi> {
  const log = new Log();
  const status = new RunStatusBar();
  const clientReady = startLanguageClient(context, LENS_COMMANDS).then((c) => (client = c));
  let runs: RunController | undefined;
  // the graph comes from the language server; a panel restored after a reload may ask before the
  // server is up, or for a document no editor has open yet (the server knows only open documents)
  const graphOf = async (uri: vscode.Uri) => {
    const c = await clientReady;
    await vscode.workspace.openTextDocument(uri);
    return requestGraph(c, uri);
  };
  const host = new WebviewHost(context.extensionUri, graphOf, log, (uri) => void runs?.run(uri), (uri) => runs?.cancel(uri));
  const models = new ModelAccess(context.secrets);
  runs = new RunController(host, log, status, models);
  const controller0 = runs;
  host.predictor = (uri) => controller0.predict(uri);
  context.subscriptions.push(log, status, host, runs, onSettingsChanged(() => host.settingsChanged()));
  registerCommands(context, runs, host, graphOf, models, log);
  registerDebugging(context, runs, host);
  const runsView = registerRunsView(context, runs, host);
  await clientReady;
  const controller = runs;
  return {
    lastResult: (uri) => controller.lastResult(uri),
    isRunning: (uri) => controller.isRunning(uri),
    lastRefusal: () => controller.lastRefusal(),
    panelRendered: (uri) => host.rendered(uri),
    stepText: (uri, step) => host.stepText(uri, step),
    listedRuns: () => runsView.items().map((r) => ({ runId: r.runId, pipelineId: r.summary?.pipeline_id ?? null, status: r.summary?.status ?? null, tokens: r.summary?.tokens ?? null })),
    runStateFolder: (uri) => runFolder(vscode.Uri.parse(uri)),
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
