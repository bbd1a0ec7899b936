// "Orchestrator: Serve Workspace Pipelines": `orc serve` for a workspace folder, run by the extension's
// own CLI bundle (dist/cli.js) with the extension host's Node, in its own process group. It listens on
// 127.0.0.1 with a token made for this session (ORC_SERVE_TOKENS, held in memory: Copy Token gives it
// to a person's curl); a status-bar item shows its port and offers Stop, Open OpenAPI, Copy URL and Copy
// Token; the Runs view lists its runs. Its output goes to the Orchestrator output channel (the
// token is never written there). Refused in Restricted Mode, as running is.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Log } from './log';
import type { ServedEndpoints } from './servedEndpoints';
import { canRun } from './trust';

export const SERVE_COMMANDS = {
  serve: 'orchestrator.serveWorkspace',
  stop: 'orchestrator.serve.stop',
  /** The status-bar item's click: not in the palette. */
  menu: 'orchestrator.serve.menu',
} as const;

interface Serving {
  proc: ChildProcess;
  url: string;
  token: string;
  folder: string;
}

/** What a line of the server's output may say of the token: nothing (it is cut out, should it appear). */
const hide = (line: string, token: string) => (token ? line.split(token).join('***') : line);

export class WorkspaceServer implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('orchestrator.serve', vscode.StatusBarAlignment.Left, 49);
  private serving: Serving | undefined;
  private starting: Promise<string | undefined> | undefined;
  private readonly killOnExit = () => this.kill('SIGKILL');

  constructor(
    private readonly extensionPath: string,
    private readonly log: Log,
    private readonly endpoints: ServedEndpoints,
  ) {
    this.item.name = 'Orchestrator serve';
    process.once('exit', this.killOnExit);
  }

  /** The URL served, while serving. */
  url(): string | undefined {
    return this.serving?.url;
  }

  /** Starts serving the folder (the only workspace folder, or one picked); resolves with the URL, or
   * undefined when it did not start. Already serving: the status-bar item's menu. */
  async serve(options: { folder?: string; port?: number } = {}): Promise<string | undefined> {
    if (this.serving) {
      await this.menu();
      return this.serving?.url;
    }
    if (this.starting) return this.starting;
    if (!canRun(() => undefined)) return undefined;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    let folder = options.folder;
    if (!folder) {
      if (folders.length <= 1) folder = folders[0]?.uri.fsPath;
      else folder = (await vscode.window.showQuickPick(folders.map((f) => ({ label: f.name, description: f.uri.fsPath, path: f.uri.fsPath })), { title: 'Serve the pipelines of which folder?' }))?.path;
    }
    if (!folder) {
      if (!folders.length) void vscode.window.showWarningMessage('Serve Workspace Pipelines: open a folder first.');
      return undefined;
    }
    const port = options.port ?? vscode.workspace.getConfiguration('orchestrator').get<number>('serve.port', 0) ?? 0;
    this.starting = this.start(folder, port).finally(() => (this.starting = undefined));
    return this.starting;
  }

  private start(folder: string, port: number): Promise<string | undefined> {
    const token = randomBytes(24).toString('base64url');
    const cli = path.join(this.extensionPath, 'dist', 'cli.js');
    const args = [cli, 'serve', '--root', folder, '--host', '127.0.0.1', '--port', String(port)];
    this.log.line(`serve: starting orc serve --root ${folder} --host 127.0.0.1 --port ${port}`);
    const proc = spawn(process.execPath, args, {
      cwd: folder,
      // its own process group: Stop ends it and whatever it started
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ORC_SERVE_TOKENS: token },
    });
    return new Promise((resolve) => {
      let url: string | undefined;
      let tail: string[] = [];
      const lines = (stream: NodeJS.ReadableStream, first: boolean) => {
        let rest = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          rest += chunk;
          const parts = rest.split(/\r?\n/);
          rest = parts.pop() ?? '';
          for (const raw of parts) {
            const line = hide(raw, token);
            const m = first && !url ? /^listening on (https?:\/\/\S+)/.exec(line) : null;
            if (m) {
              url = m[1].replace(/\/+$/, '');
              this.started({ proc, url, token, folder });
              resolve(url);
            }
            if (line.trim()) this.log.line(`serve: ${line}`);
            tail = [...tail.slice(-9), line];
          }
        });
      };
      lines(proc.stdout!, true);
      lines(proc.stderr!, false);
      const timer = setTimeout(() => {
        if (url) return;
        this.log.line('serve: orc serve did not say where it listens within 60 s; stopped');
        this.killProc(proc, 'SIGKILL');
      }, 60_000);
      proc.on('error', (e) => {
        this.log.line(`serve: could not start: ${e.message}`);
        void vscode.window.showErrorMessage(`Serve Workspace Pipelines: could not start orc serve: ${e.message}`);
        resolve(undefined);
      });
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        const was = this.serving?.proc === proc ? this.serving : undefined;
        this.log.line(`serve: orc serve ended (${signal ?? `exit code ${code}`})`);
        if (was) this.stopped(was);
        if (!url) {
          void vscode.window.showErrorMessage(`Serve Workspace Pipelines: orc serve ended before listening (${signal ?? `exit code ${code}`}).${tail.length ? ` ${tail.filter(Boolean).slice(-3).join(' ')}` : ''}`, 'Show Log').then((pick) => {
            if (pick) this.log.show();
          });
          resolve(undefined);
        } else if (was && !signal) {
          void vscode.window.showWarningMessage(`orc serve (${was.url}) ended by itself (exit code ${code}).`, 'Show Log').then((pick) => {
            if (pick) this.log.show();
          });
        }
      });
    });
  }

  private started(s: Serving): void {
    this.serving = s;
    const port = new URL(s.url).port;
    this.item.text = `$(radio-tower) Serving :${port}`;
    this.item.tooltip = `orc serve: the pipelines of ${s.folder} at ${s.url}. Click to stop it, open its OpenAPI document or copy its URL.`;
    this.item.command = { title: 'Serving', command: SERVE_COMMANDS.menu };
    this.item.show();
    this.endpoints.addLocal(s.url, s.token);
    void vscode.commands.executeCommand('setContext', 'orchestrator.serving', true);
  }

  private stopped(s: Serving): void {
    if (this.serving !== s) return;
    this.serving = undefined;
    this.item.hide();
    this.endpoints.removeLocal(s.url);
    void vscode.commands.executeCommand('setContext', 'orchestrator.serving', false);
  }

  /** The status-bar item's menu: Stop, Open OpenAPI, Copy URL, Copy Token. */
  async menu(): Promise<void> {
    const s = this.serving;
    if (!s) return;
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(debug-stop) Stop', id: 'stop', description: `stop orc serve on ${s.url}` },
        { label: '$(json) Open OpenAPI', id: 'openapi', description: 'the OpenAPI 3.1 document of the served pipelines' },
        { label: '$(copy) Copy URL', id: 'url', description: s.url },
        { label: '$(key) Copy Token', id: 'token', description: "this session's bearer token (for curl)" },
      ],
      { title: `Serving ${path.basename(s.folder)} at ${s.url}` },
    );
    if (!pick || this.serving !== s) return;
    if (pick.id === 'stop') this.stop();
    else if (pick.id === 'url') await vscode.env.clipboard.writeText(s.url);
    else if (pick.id === 'token') await vscode.env.clipboard.writeText(s.token);
    else await this.openApi();
  }

  /** The server's OpenAPI document in an editor (fetched with the token: the server asks for it). */
  async openApi(): Promise<vscode.TextDocument | undefined> {
    const s = this.serving;
    if (!s) return undefined;
    try {
      const res = await fetch(`${s.url}/openapi.json`, { headers: { authorization: `Bearer ${s.token}` }, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(await res.json(), null, 2) });
      await vscode.window.showTextDocument(doc, { preview: false });
      return doc;
    } catch (e) {
      void vscode.window.showErrorMessage(`Open OpenAPI: ${s.url}/openapi.json: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Stops serving (the whole process group); false when nothing was served. */
  stop(): boolean {
    const s = this.serving;
    if (!s) return false;
    this.log.line(`serve: stopping orc serve on ${s.url}`);
    this.killProc(s.proc, 'SIGTERM');
    // a server that does not end within 3 s is killed
    setTimeout(() => this.killProc(s.proc, 'SIGKILL'), 3000).unref();
    this.stopped(s);
    return true;
  }

  private killProc(proc: ChildProcess, signal: NodeJS.Signals): void {
    if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) return;
    try {
      process.kill(-proc.pid, signal);
    } catch {
      // already gone
    }
  }

  private kill(signal: NodeJS.Signals): void {
    if (this.serving) this.killProc(this.serving.proc, signal);
  }

  dispose(): void {
    process.removeListener('exit', this.killOnExit);
    this.stop();
    this.item.dispose();
  }
}

export function registerServe(context: vscode.ExtensionContext, server: WorkspaceServer): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg(SERVE_COMMANDS.serve, (options?: unknown) => {
    const o = (typeof options === 'object' && options !== null ? options : {}) as { folder?: unknown; port?: unknown };
    return server.serve({ folder: typeof o.folder === 'string' ? o.folder : undefined, port: typeof o.port === 'number' ? o.port : undefined });
  });
  reg(SERVE_COMMANDS.stop, () => {
    if (server.stop()) return true;
    void vscode.window.showInformationMessage('Orchestrator is not serving this workspace.');
    return false;
  });
  reg(SERVE_COMMANDS.menu, () => server.menu());
  context.subscriptions.push(server);
}
