// The language server, started over IPC, told which commands this extension implements (so its code
// lenses name only commands that exist), and asked for a document's graph.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { IPCMessageReader, IPCMessageWriter, LanguageClient, type LanguageClientOptions, type MessageTransports } from 'vscode-languageclient/node';
import { type GraphDocument } from '../engine/api/index';
import { GRAPH_REQUEST, WORKSPACE_TRUSTED_NOTIFICATION, type GraphParams, type GraphResult } from '../server/protocol';
import { SERVER_ENV, SERVER_EXEC_ARGV } from '../server/launch';

export const LANGUAGE_ID = 'orchestrator-pipeline';
/** Eval files (`*.eval.yaml`): their own language, checked by the same server. */
export const EVAL_LANGUAGE_ID = 'orchestrator-eval';

/** The server's process of this activation (a new one after a crash), stopped with the extension. */
let serverProcess: ChildProcess | undefined;

/**
 * Forks the server's process at once, first thing in activate(). The client's own launcher (a
 * module in its ServerOptions) first checks the working folder with an asynchronous `lstat`, which
 * put the fork behind activate()'s synchronous work and whatever else the host had queued: in
 * code-server, 20-40 ms after activate() began; forked here, 2-6 ms. The process then boots on the
 * other core while activate() makes the client and registers commands. The rest is what the
 * client's launcher does: IPC, the host's process id (the server exits if the host dies), Node
 * rather than Electron, the server's stderr and stdout to the output channel, and the inspector when
 * the host is being debugged.
 */
function forkServer(module: string, env: NodeJS.ProcessEnv, output: () => vscode.OutputChannel, watch: ServerWatch): MessageTransports {
  const debugging = process.execArgv.some((a) => /^--(inspect|debug)(-brk)?(=|$)/.test(a));
  const cwd = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  watch.serverForked();
  const child = fork(module, ['--node-ipc', `--clientProcessId=${process.pid}`], {
    env: { ...env, ELECTRON_RUN_AS_NODE: '1', ELECTRON_NO_ASAR: '1' },
    execArgv: [...SERVER_EXEC_ARGV, ...(debugging ? ['--nolazy', '--inspect=6009'] : [])],
    cwd,
    silent: true,
  });
  serverProcess = child;
  for (const stream of [child.stderr, child.stdout]) stream?.on('data', (d: Buffer) => output().append(d.toString()));
  return { reader: new IPCMessageReader(child), writer: new IPCMessageWriter(child) };
}

/** What the activation clock notes: each fork of the server's process, each batch of diagnostics
 * the server publishes (it keeps the first of each). */
export interface ServerWatch {
  serverForked(): void;
  diagnosticsPublished(): void;
}

export async function startLanguageClient(context: vscode.ExtensionContext, commands: string[], watch: ServerWatch): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/server.js');
  // Node's compile cache for the server (server/entry.ts), in this extension's own storage
  const env = { ...process.env, ...SERVER_ENV, ORCHESTRATOR_COMPILE_CACHE: path.join(context.globalStorageUri.fsPath, 'compile-cache') };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: LANGUAGE_ID }, { language: EVAL_LANGUAGE_ID }],
    // listing an MCP server's tools starts its command: only in a trusted workspace
    initializationOptions: { commands, trusted: vscode.workspace.isTrusted },
    // lock files the server reads for AUTO answers: a change refreshes inlay hints and lenses
    // and the pipelines and datasets eval files name: a change checks the open evals again
    synchronize: { fileEvents: [vscode.workspace.createFileSystemWatcher('**/*.auto.lock.json'), vscode.workspace.createFileSystemWatcher('**/*.{pipeline.yaml,pipeline.yml,jsonl,csv}')] },
    middleware: {
      handleDiagnostics: (uri, diagnostics, next) => {
        watch.diagnosticsPublished();
        next(uri, diagnostics);
      },
    },
  };
  // forked before the client is made (which takes the host some 20 ms); the client takes this
  // process when it starts, and forks a new one to restart a server that died (the client is made by
  // the time the process has anything to say on its output)
  const forkOne = (): MessageTransports => forkServer(module, env, () => client.outputChannel, watch);
  let first: MessageTransports | undefined = forkOne();
  const client: LanguageClient = new LanguageClient('orchestrator', 'Orchestrator Pipelines', () => {
    const transports = first ?? forkOne();
    first = undefined;
    return Promise.resolve(transports);
  }, clientOptions);
  await client.start();
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void client.sendNotification(WORKSPACE_TRUSTED_NOTIFICATION)));
  return client;
}

/** Stops the server's process if the client's `exit` did not (the client stops only servers it forked itself). */
export function killServerProcess(): void {
  if (serverProcess && serverProcess.exitCode === null && serverProcess.signalCode === null) serverProcess.kill();
}

/** The graph of a document, or why there is none. */
export async function requestGraph(client: LanguageClient, uri: vscode.Uri): Promise<{ pipelineId: string | null; graph: GraphDocument | null; problem: string | null }> {
  const params: GraphParams = { uri: uri.toString() };
  const g = await client.sendRequest<GraphResult | null>(GRAPH_REQUEST, params);
  if (g) {
    // drawn with errors: the steps with errors marked, and `problem` saying what is wrong
    const { pipeline_id, problem, ...graph } = g;
    return { pipelineId: pipeline_id, graph, problem: problem ?? null };
  }
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc && doc.languageId !== LANGUAGE_ID) {
    return { pipelineId: null, graph: null, problem: `This file is not in the pipeline language (it is ${doc.languageId}): run "Orchestrator: Treat File as Pipeline" to check and draw it.` };
  }
  // no graph: the text is not read as YAML (a syntax error), or is not a pipeline
  const errors = vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
  const first = errors.find((d) => d.code === 'yaml.syntax' || d.code === 'yaml.too-deep' || d.code === 'document.too-large') ?? errors[0];
  return {
    pipelineId: null,
    graph: null,
    problem: first
      ? `${first.code === 'yaml.syntax' ? 'The YAML does not parse' : 'The pipeline cannot be read'} (line ${first.range.start.line + 1}: ${first.message}). Fix it to see the graph.`
      : 'This document is not a pipeline the graph can be drawn for.',
  };
}
