// The language server, started over IPC, told which commands this extension implements (so its code
// lenses name only commands that exist), and asked for a document's graph.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { type GraphDocument } from '../engine/api/index';
import { GRAPH_REQUEST, WORKSPACE_TRUSTED_NOTIFICATION, type GraphParams, type GraphResult } from '../server/protocol';
import { SERVER_ENV } from '../server/launch';

export const LANGUAGE_ID = 'orchestrator-pipeline';
/** Eval files (`*.eval.yaml`): their own language, checked by the same server. */
export const EVAL_LANGUAGE_ID = 'orchestrator-eval';

export async function startLanguageClient(context: vscode.ExtensionContext, commands: string[]): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/server.js');
  // Node's compile cache for the server (server/entry.ts), in this extension's own storage
  const env = { ...process.env, ...SERVER_ENV, ORCHESTRATOR_COMPILE_CACHE: path.join(context.globalStorageUri.fsPath, 'compile-cache') };
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { env } },
    debug: { module, transport: TransportKind.ipc, options: { env, execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: LANGUAGE_ID }, { language: EVAL_LANGUAGE_ID }],
    // listing an MCP server's tools starts its command: only in a trusted workspace
    initializationOptions: { commands, trusted: vscode.workspace.isTrusted },
    // lock files the server reads for AUTO answers: a change refreshes inlay hints and lenses
    // and the pipelines and datasets eval files name: a change checks the open evals again
    synchronize: { fileEvents: [vscode.workspace.createFileSystemWatcher('**/*.auto.lock.json'), vscode.workspace.createFileSystemWatcher('**/*.{pipeline.yaml,pipeline.yml,jsonl,csv}')] },
  };
  const client = new LanguageClient('orchestrator', 'Orchestrator Pipelines', serverOptions, clientOptions);
  await client.start();
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void client.sendNotification(WORKSPACE_TRUSTED_NOTIFICATION)));
  return client;
}

/** The graph of a document, or why there is none. */
export async function requestGraph(client: LanguageClient, uri: vscode.Uri): Promise<{ pipelineId: string | null; graph: GraphDocument | null; problem: string | null }> {
  const params: GraphParams = { uri: uri.toString() };
  const g = await client.sendRequest<GraphResult | null>(GRAPH_REQUEST, params);
  if (g) {
    const { pipeline_id, ...graph } = g;
    return { pipelineId: pipeline_id, graph, problem: null };
  }
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc && doc.languageId !== LANGUAGE_ID) {
    return { pipelineId: null, graph: null, problem: `This file is not in the pipeline language (it is ${doc.languageId}): run "Orchestrator: Treat File as Pipeline" to check and draw it.` };
  }
  const errors = vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
  const first = errors[0];
  return {
    pipelineId: null,
    graph: null,
    problem: errors.length
      ? `The pipeline does not compile: ${errors.length} error${errors.length === 1 ? '' : 's'} (line ${first.range.start.line + 1}: ${first.message}). Fix ${errors.length === 1 ? 'it' : 'them'} to see the graph.`
      : 'This document is not a pipeline the graph can be drawn for.',
  };
}
