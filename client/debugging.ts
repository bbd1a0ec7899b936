// Debugging in the editor: the `orchestrator` debug type (its adapter runs inline in the extension
// host), F5 on a pipeline with no launch.json, the launch.json snippet, "Debug Pipeline", and the
// graph panel showing where the run is held.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PipelineDebugSession, type LaunchArguments, type Launcher } from './debugAdapter';
import { LANGUAGE_ID } from './languageClient';
import type { RunController } from './runController';
import type { WebviewHost } from './webviewHost';

export const DEBUG_TYPE = 'orchestrator';

/** A launch configuration for a pipeline file. */
export function debugConfiguration(file: string): vscode.DebugConfiguration & LaunchArguments {
  return { type: DEBUG_TYPE, request: 'launch', name: `Debug ${path.basename(file)}`, pipeline: file };
}

function activePipeline(): vscode.Uri | undefined {
  const d = vscode.window.activeTextEditor?.document;
  return d && d.languageId === LANGUAGE_ID ? d.uri : undefined;
}

export function registerDebugging(context: vscode.ExtensionContext, runs: RunController, host: WebviewHost): void {
  const launcher: Launcher = (args, hooks, signal, listener) => runs.debug(vscode.Uri.file(args.pipeline), args.inputs, { hooks, signal, listener, maxParallel: args.maxParallel });
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
  );
}

/** Debug Pipeline: starts a debug session on the pipeline. */
export async function startDebugging(uri: vscode.Uri): Promise<boolean> {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return vscode.debug.startDebugging(folder, debugConfiguration(uri.fsPath));
}
