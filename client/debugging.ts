// Debugging in the editor: the `orchestrator` debug type (its adapter runs inline in the extension
// host), F5 on a pipeline with no launch.json, the launch.json snippet, "Debug Pipeline", the graph
// panel showing where the run is held, and "Deny Tool Call" while the run stands at an agent's call.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PipelineDebugSession, type LaunchArguments, type Launcher } from './debugAdapter';
import { DENY_TOOL_CALL, TOOL_CALL_EVENT, type ToolCallEventBody } from './debugToolCalls';
import { LANGUAGE_ID } from './languageClient';
import type { RunController } from './runController';
import type { WebviewHost } from './webviewHost';

export const DEBUG_TYPE = 'orchestrator';
export const DENY_TOOL_CALL_COMMAND = 'orchestrator.debug.denyToolCall';
/** The context key the debug toolbar and the Variables menu show Deny Tool Call by: a session stands at a tool call. */
const AT_TOOL_CALL = 'orchestrator.debug.atToolCall';

/** A launch configuration for a pipeline file. */
export function debugConfiguration(file: string): vscode.DebugConfiguration & LaunchArguments {
  return { type: DEBUG_TYPE, request: 'launch', name: `Debug ${path.basename(file)}`, pipeline: file };
}

function activePipeline(): vscode.Uri | undefined {
  const d = vscode.window.activeTextEditor?.document;
  return d && d.languageId === LANGUAGE_ID ? d.uri : undefined;
}

export function registerDebugging(context: vscode.ExtensionContext, runs: RunController, host: WebviewHost): void {
  // Restart Frame (args.fork): the stopped run forked at a step, debugged in its place
  const launcher: Launcher = (args, hooks, signal, listener) => (args.fork ? runs.debugFork(vscode.Uri.file(args.pipeline), args.fork, { hooks, signal, listener }, args.models) : runs.debug(vscode.Uri.file(args.pipeline), args.inputs, { hooks, signal, listener, maxParallel: args.maxParallel }, args.models, args.missingKeys));
  const onPause = (file: string, at: { step: string } | null) => host.paused(vscode.Uri.file(file), at?.step ?? null);

  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new PipelineDebugSession(launcher, onPause)),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      provideDebugConfigurations: () => [{ type: DEBUG_TYPE, request: 'launch', name: 'Debug the open pipeline', pipeline: '${file}' }],
      // F5 with no launch.json: debug the pipeline in the editor
      resolveDebugConfiguration: (_folder, config) => {
        if (!config.type && !config.request && !config.name) {
          const uri = activePipeline();
          if (!uri) {
            void vscode.window.showWarningMessage('Debug Pipeline: open a pipeline (*.pipeline.yaml) first.');
            return undefined;
          }
          return debugConfiguration(uri.fsPath);
        }
        if (!config.pipeline) {
          const uri = activePipeline();
          if (!uri) {
            void vscode.window.showErrorMessage('The launch configuration needs "pipeline": the pipeline file to debug.');
            return undefined;
          }
          config.pipeline = uri.fsPath;
        }
        return config;
      },
    }),
    // the adapter says where it stopped: at a tool call, Deny Tool Call is offered
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type === DEBUG_TYPE && e.event === TOOL_CALL_EVENT) void vscode.commands.executeCommand('setContext', AT_TOOL_CALL, Boolean((e.body as ToolCallEventBody).held));
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type === DEBUG_TYPE) void vscode.commands.executeCommand('setContext', AT_TOOL_CALL, false);
    }),
    vscode.commands.registerCommand(DENY_TOOL_CALL_COMMAND, (arg?: { sessionId?: string }) => denyToolCall(arg?.sessionId)),
  );
}

/** Deny Tool Call (debug toolbar, Variables menu): the call the session stands at is not run; the model is told a person denied it. */
async function denyToolCall(sessionId: string | undefined): Promise<void> {
  const active = vscode.debug.activeDebugSession;
  const session = sessionId && active?.id !== sessionId ? undefined : active;
  if (!session || session.type !== DEBUG_TYPE) {
    void vscode.window.showWarningMessage('Deny Tool Call: no pipeline is being debugged.');
    return;
  }
  const item = vscode.debug.activeStackItem;
  const threadId = item && item.session.id === session.id ? item.threadId : undefined;
  try {
    await session.customRequest(DENY_TOOL_CALL, threadId !== undefined ? { threadId } : {});
  } catch (e) {
    void vscode.window.showWarningMessage(`Deny Tool Call: ${(e as Error).message}`);
  }
}

/** Debug Pipeline: starts a debug session on the pipeline. */
export async function startDebugging(uri: vscode.Uri): Promise<boolean> {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return vscode.debug.startDebugging(folder, debugConfiguration(uri.fsPath));
}
