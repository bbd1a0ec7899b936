// Activation: the language server, the run controller, the panels, the status bar and the commands.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { OrchestratorApi } from './api';
import { LENS_COMMANDS, registerCommands } from './commands';
import { EVAL_LENS_COMMANDS, registerEvalCommands } from './evalCommands';
import { registerOptimizeModels } from './optimizeModels';
import { registerImprovePrompts } from './improvePrompts';
import { EvalPanels } from './evalPanel';
import { EvalTests } from './evalTests';
import { registerAddToEval } from './addToEval';
import { onSettingsChanged, runFolder } from './configuration';
import { registerDebugging } from './debugging';
import { registerRunsView } from './runsView';
import { registerReviewView } from './reviewView';
import { registerMonitors } from './monitorsView';
import { killServerProcess, requestGraph, startLanguageClient } from './languageClient';
import { Log } from './log';
import { ModelAccess } from './models';
import { RunController } from './runController';
import { SessionChat } from './sessionChat';
import { RunStatusBar } from './statusBar';
import { WebviewHost } from './webviewHost';
import { ActivationClock } from './activationTiming';
import { GraphEditor } from './graphEdits';
import { registerGraphCommands } from './graphCommands';
import { LanguageSwitch } from './languageSwitch';
import { LanguageStatusBar } from './languageStatus';
import { registerAgentTools } from './languageModelTools';
import { ServedEndpoints } from './servedEndpoints';
import { ServedRunFollower } from './servedRunFollower';
import { registerServe, SERVE_COMMANDS, WorkspaceServer } from './serveWorkspace';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<OrchestratorApi> {
  const clock = new ActivationClock(context.extensionPath);
  // first: the server's process boots on the other core while the rest of activate() runs
  // (a trigger's lens serves the workspace: the server names the command only when it is listed)
  const clientReady = startLanguageClient(context, [...LENS_COMMANDS, ...EVAL_LENS_COMMANDS, SERVE_COMMANDS.serve], clock).then((c) => {
    clock.clientReady(c.initializeResult);
    return (client = c);
  });
  // a YAML file that is a pipeline or an eval switches to our language as it opens (the one whose
  // opening activated the extension too), before anything waits on the server
  const languages = new LanguageSwitch(context.workspaceState);
  const languageStatus = new LanguageStatusBar(languages);
  context.subscriptions.push(languages, languageStatus);
  const log = new Log();
  const status = new RunStatusBar();
  // hidden (not in the palette): what activation cost, for the activation bench and the tests
  context.subscriptions.push(vscode.commands.registerCommand('orchestrator.activationTiming', () => clock.timing()));
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
  // the panel's chat input: a session's next run (client/sessionChat.ts)
  const chat = new SessionChat(controller0);
  host.chatTargetOf = (uri, runId) => chat.targetOf(uri, runId);
  host.onChat = (uri, message) => chat.send(uri, host.runIdOf(uri), message);
  context.subscriptions.push(log, status, host, runs, onSettingsChanged(() => host.settingsChanged()));
  registerCommands(context, runs, host, graphOf, models, log);
  const graphEditor = new GraphEditor(host, log);
  host.onEdit = (uri, op, version) => graphEditor.apply(uri, op, version);
  registerGraphCommands(context, host, graphEditor, graphOf);
  registerDebugging(context, runs, host);
  // the pipelines as agent-mode tools and as an MCP server entry (trusted workspaces only)
  registerAgentTools(context, runs, log, models);
  // served endpoints (orc serve): listed in the Runs view, their runs followed live in the panel
  const served = new ServedEndpoints(context.secrets, context.globalState);
  const follower = new ServedRunFollower(host, runs, served, log);
  context.subscriptions.push(served, follower);
  registerServe(context, new WorkspaceServer(context.extensionPath, log, served));
  const runsView = registerRunsView(context, runs, host, served, follower);
  // runs from service and imported traces, labelled by a person and made into eval cases
  const reviewView = registerReviewView(context, runsView);
  // the served endpoints' monitors: their alerts a warning that opens the failed runs in the Review view
  registerMonitors(context, served, reviewView, log);
  // evals: the Test Explorer's items and runs, the eval panel, the eval commands
  const evalTests = new EvalTests(models, log);
  // a case's run opened as the Runs view opens it (the eval panel's cells, the Test Explorer's Open Run)
  const openRun = async (_root: string, runId: string, step?: string) => {
    const item = runsView.items().find((r) => r.runId === runId);
    if (item) return runsView.open(item, step);
    void vscode.window.showWarningMessage(`Run ${runId} is not in the Runs view's folders.`);
    return false;
  };
  evalTests.actions.register(context, openRun);
  const evalPanels = new EvalPanels(context.extensionUri, {
    openRun,
    rerun: async (uri, only) => vscode.commands.executeCommand('orchestrator.runEval', uri, only),
  });
  context.subscriptions.push(evalTests, evalPanels);
  registerEvalCommands(context, evalTests, evalPanels, log);
  registerOptimizeModels(context, evalPanels, models, log);
  // Improve Prompts…: the prompt search of `orc improve`, its panel, its candidates' diffs (client/improvePrompts.ts)
  registerImprovePrompts(context, models, log);
  registerAddToEval(context, runsView);
  clock.syncDone();
  await clientReady;
  const controller = runs;
  return {
    lastResult: (uri) => controller.lastResult(uri),
    languageStatus: () => languageStatus.shown(),
    isRunning: (uri) => controller.isRunning(uri),
    lastRefusal: () => controller.lastRefusal(),
    panelRendered: (uri) => host.rendered(uri),
    stepText: (uri, step) => host.stepText(uri, step),
    lastGraphEdit: () => graphEditor.last,
    listedRuns: () => runsView.items().map((r) => ({ runId: r.runId, pipelineId: r.summary?.pipeline_id ?? null, status: r.summary?.status ?? null, tokens: r.summary?.tokens ?? null })),
    runStateFolder: (uri) => runFolder(vscode.Uri.parse(uri)),
    evalOutcome: (uri) => {
      const o = evalTests.lastOutcome(vscode.Uri.parse(uri));
      return o ? { evalId: o.meta.eval_id, results: o.results.map((r) => ({ case: r.case, variant: r.variant, status: r.status, runId: r.run_id })), coverage: o.coverage ? o.coverage.statements.map((st) => ({ line: st.line, executed: st.executed })) : null } : undefined;
    },
    evalPanelRendered: (uri) => evalPanels.rendered(uri),
    evalTestMessages: (uri) => evalTests.testMessages(vscode.Uri.parse(uri)),
    evalTesting: () => ({ controller: evalTests.controller, replayProfile: evalTests.replayProfile, replayCoverageProfile: evalTests.replayCoverageProfile, messages: (itemId) => evalTests.actions.messages(itemId), continuous: () => ({ active: evalTests.continuous.active, runs: evalTests.continuous.runs.map((r) => ({ ...r })) }) }),
    evalTestItems: async () => {
      await evalTests.ready();
      const out: string[] = [];
      const walk = (i: vscode.TestItem, prefix: string) => {
        out.push(prefix + i.label);
        i.children.forEach((c) => walk(c, `${prefix}${i.label} > `));
      };
      evalTests.controller.items.forEach((i) => walk(i, ''));
      return out.sort();
    },
  };
}

export async function deactivate(): Promise<void> {
  try {
    await client?.stop();
  } finally {
    killServerProcess();
  }
}
