// The served endpoints of the Runs view: `orc serve` addresses added by hand (Add Served Endpoint…,
// kept in the window's global state; each token in VS Code's secret storage, keyed by the address,
// never in settings or a log) and the one "Serve Workspace Pipelines" started in this window (held in
// memory only, with the token it made). Each endpoint is a node of the Runs view listing its runs
// (`GET /runs`) beside the local ones; a run opens in the pipeline's panel, followed live
// (client/servedRunFollower.ts). Its monitors (`GET /monitors`) are listed first, with the runs and as
// often (client/monitorsView.ts).
import * as vscode from 'vscode';
import { monitorTreeItem, type ServedMonitorNode } from './monitorTreeItem';
import { describeServedRun, normalizeEndpoint, ServedClient, type ServedRun } from './servedApi';
import { spinningIcon } from './reducedMotion';

const STATE_KEY = 'orchestrator.servedEndpoints';
export const tokenKey = (url: string) => `orchestrator.servedEndpoint.token.${url}`;

export type EndpointNode = { kind: 'endpoint'; url: string };
export type ServedRunNode = { kind: 'served-run'; url: string; run: ServedRun };
/** `key`: which message of the endpoint (its runs' when none). */
export type ServedMessageNode = { kind: 'served-message'; url: string; text: string; error: boolean; key?: string };
export type { ServedMonitorNode };
export type ServedNode = EndpointNode | ServedRunNode | ServedMessageNode | ServedMonitorNode;

export const isServedNode = (n: unknown): n is ServedNode => typeof n === 'object' && n !== null && ['endpoint', 'served-run', 'served-message', 'served-monitor'].includes((n as { kind?: string }).kind ?? '');

const ICONS: Record<string, [string, string | undefined]> = {
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', undefined],
  running: ['sync', 'charts.blue'], // spinning unless motion is reduced (reducedMotion.ts)
};

/** How many runs an endpoint's node lists. */
const LIMIT = 50;

export class ServedEndpoints implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EndpointNode | undefined>();
  /** An endpoint's node changed (its runs to be listed again); undefined: the list of endpoints. */
  readonly onDidChange = this.changed.event;
  /** The endpoint "Serve Workspace Pipelines" started here, with its token (memory only). */
  private readonly local = new Map<string, string>();
  /** One node object per endpoint: the tree refreshes a node by the object it was given. */
  private readonly nodes = new Map<string, EndpointNode>();
  /** Each endpoint's next listing, while the view is visible: soon while a run runs, else now and then. */
  private readonly polls = new Map<string, ReturnType<typeof setTimeout>>();
  /** Whether the Runs view is on screen (set by the view). */
  visible: () => boolean = () => true;
  /** The run ids each endpoint listed last: a served run whose record is in this workspace (the
   * endpoint serves this folder) is listed under its endpoint only, not again among the local runs. */
  private readonly listed = new Map<string, Set<string>>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
  ) {}

  private stored(): string[] {
    const v = this.state.get<unknown>(STATE_KEY, []);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  /** Every endpoint: the one served here first, then those added, in the order they were. */
  urls(): string[] {
    return [...new Set([...this.local.keys(), ...this.stored()])];
  }

  isLocal(url: string): boolean {
    return this.local.has(url);
  }

  /** Adds (or updates the token of) an endpoint; '' as the token: none (a loopback server without tokens). */
  async add(url: string, token: string): Promise<string> {
    const u = normalizeEndpoint(url);
    if (token) await this.secrets.store(tokenKey(u), token);
    else await this.secrets.delete(tokenKey(u));
    if (!this.stored().includes(u)) await this.state.update(STATE_KEY, [...this.stored(), u]);
    this.changed.fire(undefined);
    return u;
  }

  async remove(url: string): Promise<boolean> {
    const had = this.stored().includes(url) || this.local.has(url);
    await this.state.update(STATE_KEY, this.stored().filter((x) => x !== url));
    await this.secrets.delete(tokenKey(url));
    this.local.delete(url);
    this.nodes.delete(url);
    this.listed.delete(url);
    this.changed.fire(undefined);
    return had;
  }

  /** The endpoint "Serve Workspace Pipelines" started (until it stops). */
  addLocal(url: string, token: string): void {
    this.local.set(url, token);
    this.changed.fire(undefined);
  }

  removeLocal(url: string): void {
    if (!this.local.delete(url)) return;
    if (!this.stored().includes(url)) {
      this.nodes.delete(url);
      // its runs are listed among the local ones again
      this.listed.delete(url);
    }
    this.changed.fire(undefined);
  }

  async token(url: string): Promise<string | undefined> {
    return this.local.get(url) ?? (await this.secrets.get(tokenKey(url))) ?? undefined;
  }

  async client(url: string): Promise<ServedClient> {
    return new ServedClient(url, await this.token(url));
  }

  /** The endpoint's runs listed again (after a run it started or followed ended). */
  refresh(url?: string): void {
    const node = url ? this.nodes.get(url) : undefined;
    this.changed.fire(node);
  }

  /** Every run id an endpoint of the view lists (the local rows leave them out). */
  servedRunIds(): ReadonlySet<string> {
    return new Set([...this.listed.values()].flatMap((ids) => [...ids]));
  }

  /** Notes the runs an endpoint listed; a run not listed by any endpoint before: the view's local
   * rows are listed again without it (a root refresh, which lists this endpoint again: no new run then). */
  private note(url: string, runs: ServedRun[]): void {
    const before = this.servedRunIds();
    this.listed.set(url, new Set(runs.map((r) => r.run_id)));
    if (runs.some((r) => !before.has(r.run_id))) this.changed.fire(undefined);
  }

  roots(): EndpointNode[] {
    return this.urls().map((url) => {
      let n = this.nodes.get(url);
      if (!n) this.nodes.set(url, (n = { kind: 'endpoint', url }));
      return n;
    });
  }

  /** An endpoint's monitors and runs, or why they cannot be listed (a server without monitors: its runs). */
  async children(n: ServedNode): Promise<ServedNode[]> {
    if (n.kind !== 'endpoint') return [];
    try {
      const client = await this.client(n.url);
      const [runs, monitors] = await Promise.all([client.runs(LIMIT), client.monitors().then((m) => m ?? [], (e: Error) => e)]);
      this.poll(n, runs.some((r) => r.status === 'running') ? 3000 : 15_000);
      this.note(n.url, runs);
      const lines: ServedNode[] = monitors instanceof Error ? [{ kind: 'served-message', url: n.url, text: `Monitors: ${monitors.message}`, error: true, key: 'monitors' }] : monitors.map((monitor) => ({ kind: 'served-monitor', url: n.url, monitor }));
      if (!runs.length) return [...lines, { kind: 'served-message', url: n.url, text: 'No runs yet', error: false }];
      return [...lines, ...runs.map((run): ServedNode => ({ kind: 'served-run', url: n.url, run }))];
    } catch (e) {
      return [{ kind: 'served-message', url: n.url, text: (e as Error).message, error: true }];
    }
  }

  private poll(n: EndpointNode, ms: number): void {
    clearTimeout(this.polls.get(n.url));
    const t = setTimeout(() => {
      this.polls.delete(n.url);
      if (this.visible() && this.nodes.get(n.url) === n) this.changed.fire(n);
    }, ms);
    this.polls.set(n.url, t);
  }

  treeItem(n: ServedNode): vscode.TreeItem {
    if (n.kind === 'endpoint') {
      const local = this.isLocal(n.url);
      const item = new vscode.TreeItem(n.url.replace(/^https?:\/\//, ''), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `served\n${n.url}`;
      item.description = local ? 'served from this workspace' : 'served endpoint';
      item.iconPath = new vscode.ThemeIcon(local ? 'radio-tower' : 'cloud');
      item.contextValue = local ? 'served.endpoint.local' : 'served.endpoint';
      item.tooltip = `${n.url}\nThe monitors and runs of this orc serve endpoint (newest ${LIMIT}); open a run to follow it live.`;
      return item;
    }
    if (n.kind === 'served-monitor') return monitorTreeItem(n);
    if (n.kind === 'served-message') {
      const item = new vscode.TreeItem(n.text, vscode.TreeItemCollapsibleState.None);
      item.id = `served\n${n.url}\nmessage${n.key ? `\n${n.key}` : ''}`;
      item.iconPath = new vscode.ThemeIcon(n.error ? 'warning' : 'info');
      item.contextValue = 'served.message';
      return item;
    }
    const r = n.run;
    const item = new vscode.TreeItem(r.pipeline_id, vscode.TreeItemCollapsibleState.None);
    item.id = `served\n${n.url}\n${r.run_id}`;
    item.description = describeServedRun(r);
    const [still, color] = ICONS[r.status] ?? ['circle-outline', undefined];
    const icon = r.status === 'running' ? spinningIcon(still) : still;
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = `served.run.${r.status}`;
    item.tooltip = new vscode.MarkdownString(`**${r.pipeline_id}** — run \`${r.run_id}\` on ${n.url}\n\n${r.status}, started ${r.started_at}${r.ended_at ? `, ended ${r.ended_at}` : ''}${r.trigger ? `\n\nstarted by ${r.trigger.kind}${r.trigger.name ? ` ${r.trigger.name}` : ''}` : ''}`);
    item.command = { command: SERVED_COMMANDS.open, title: 'Follow Served Run', arguments: [n] };
    return item;
  }

  dispose(): void {
    for (const t of this.polls.values()) clearTimeout(t);
    this.changed.dispose();
  }
}

export const SERVED_COMMANDS = {
  add: 'orchestrator.runs.addEndpoint',
  remove: 'orchestrator.runs.removeEndpoint',
  open: 'orchestrator.runs.openServed',
  cancel: 'orchestrator.runs.cancelServed',
} as const;

/** Add Served Endpoint…: the address, then the token in a password box (both may come as arguments). */
export async function askAndAddEndpoint(endpoints: ServedEndpoints, url?: unknown, token?: unknown): Promise<string | undefined> {
  let address = typeof url === 'string' ? url : undefined;
  address ??= await vscode.window.showInputBox({
    title: 'Add Served Endpoint: address',
    prompt: 'The address orc serve printed (listening on http://HOST:PORT)',
    placeHolder: 'http://127.0.0.1:8420',
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        normalizeEndpoint(v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  if (!address) return undefined;
  let secret = typeof token === 'string' ? token : undefined;
  secret ??= await vscode.window.showInputBox({ title: 'Add Served Endpoint: token', prompt: "A token of the server (ORC_SERVE_TOKENS or --token-file), kept in VS Code's secret storage; empty for a loopback server without tokens.", password: true, ignoreFocusOut: true });
  if (secret === undefined) return undefined;
  try {
    return await endpoints.add(address, secret);
  } catch (e) {
    void vscode.window.showErrorMessage(`Add Served Endpoint: ${(e as Error).message}`);
    return undefined;
  }
}
