// An LSP client as an editor drives a server: spawns dist/server.js over stdio or node IPC,
// initializes, opens and edits documents, and waits for the diagnostics of a given version.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { ROOT } from './cli';
import { SERVER_EXEC_ARGV } from '../../server/launch';

export const SERVER = path.join(ROOT, 'dist', 'server.js');
/** The server with the V8 settings the editor starts it with (server/launch.ts). */
const AS_STARTED = [...SERVER_EXEC_ARGV, SERVER];

export class LspClient {
  readonly proc: ChildProcess;
  readonly connection: ProtocolConnection;
  private readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  private readonly waiters: (() => void)[] = [];
  readonly logs: string[] = [];
  private versions = new Map<string, number>();

  /** `args`: Node's flags, then the server's module (the shipped server, started as the editor starts it, by default). */
  constructor(transport: 'stdio' | 'ipc', command = process.execPath, args: string[] = AS_STARTED, env: NodeJS.ProcessEnv = process.env) {
    if (transport === 'stdio') {
      this.proc = spawn(command, [...args, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
      this.connection = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    } else {
      this.proc = fork(args[args.length - 1], ['--node-ipc'], { execArgv: args.slice(0, -1), stdio: ['pipe', 'pipe', 'pipe', 'ipc'], env });
      this.connection = createProtocolConnection(new IPCMessageReader(this.proc), new IPCMessageWriter(this.proc));
    }
    this.proc.stderr?.on('data', (c) => this.logs.push(String(c)));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, [...(this.diagnostics.get(p.uri) ?? []), p]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
    });
    this.connection.onRequest('workspace/configuration', () => []);
    this.connection.listen();
  }

  async initialize(initializationOptions?: unknown): Promise<Record<string, unknown>> {
    const r = await this.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, initializationOptions, capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } } } });
    await this.connection.sendNotification('initialized', {});
    return r as Record<string, unknown>;
  }

  open(uri: string, text: string, languageId = 'orchestrator-pipeline'): void {
    this.versions.set(uri, 1);
    void this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Incremental edits, as an editor sends them. Returns the new version. */
  change(uri: string, changes: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }[]): number {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    void this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  /** The diagnostics published for exactly this version of the document. */
  diagnosticsFor(uri: string, version: number, timeoutMs = 10_000): Promise<Diagnostic[]> {
    return this.diagnosticsWhere(uri, (p) => p.version === version, `version ${version}`, timeoutMs);
  }

  /** The first diagnostics published for the document that `match` accepts (a later publication of the same version, say). */
  async diagnosticsWhere(uri: string, match: (p: PublishDiagnosticsParams) => boolean, what: string, timeoutMs = 10_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = (this.diagnostics.get(uri) ?? []).find(match);
      if (hit) return hit.diagnostics;
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri} ${what}; logs: ${this.logs.join('')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  /** Shuts the server down and returns once its process is gone (killed after 2 s), so that it
   * takes no CPU from what comes next: a benchmark's next server, the next test. */
  async stop(): Promise<void> {
    const gone = this.proc.exitCode !== null || this.proc.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => this.proc.once('exit', () => r()));
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // already gone
    }
    this.connection.dispose();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
    if (this.proc.exitCode === null) this.proc.kill();
    await gone;
    clearTimeout(timer);
  }
}
