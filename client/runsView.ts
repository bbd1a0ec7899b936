// The Runs view (the Orchestrator view container): every run in the workspace folders'
// `.orchestrator/runs/`, from the editor and from `orc` alike, newest first, with status, start,
// duration, tokens and cost. Open replays a run's record in its pipeline's graph panel (statuses,
// results, timings, the timeline); Resume finishes a stopped one; Delete removes a record; Compare
// Runs shows two runs side by side per step. A collapsed Statistics node first lists each pipeline
// with what `orc stats` prints for it (runs, success rate, p50/p95 duration, cost, tokens); Show Run
// Statistics opens the whole of it (steps, days, the slowest, most expensive and flakiest steps).
// Served endpoints (`orc serve`, added by hand or started by Serve Workspace Pipelines) come first,
// each listing its runs; opening one follows it live in the panel (client/servedEndpoints.ts). A run
// an endpoint lists is not listed again among the local runs (an endpoint serving this folder writes
// its records here): it shows once, where it is live.
// A fork is listed under the run it was forked from, labelled with its fork point; a session's runs
// are one thread node (client/runTree.ts), which opens the conversation as one page (threadHtml.ts).
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { buildReport, deleteRunRecord, loadCheckpoint, messageParameterOf, analyze, figureDistribution, figureMs, figureRate, figureTokens, figureUsd, listRuns, loadHistory, pipelineFigures, type PipelineStats, type ResultDocument, readRunResult, runStats, type RunStats, type RunSummary } from '../engine/api/index';
import { makeNonce } from './panelHtml';
import { compareHtml } from './compareHtml';
import { runFolder } from './configuration';
import type { RunController } from './runController';
import { askAndAddEndpoint, isServedNode, SERVED_COMMANDS, type ServedEndpoints, type ServedNode, type ServedRunNode } from './servedEndpoints';
import type { ServedRunFollower } from './servedRunFollower';
import { compareRuns, eventsOfRecord, type ComparedStep } from './runRecords';
import { runStatsHtml } from './runStatsHtml';
import { forkLabel, forksOf, type RunTree, runTree, threadLabel, type ThreadNode } from './runTree';
import { improveChildren, improveGroup, improveTreeItem, type ImproveNode, isImproveNode } from './improveRecords';
import { threadHtml, type ThreadRun } from './threadHtml';
import type { WebviewHost } from './webviewHost';

export const RUNS_VIEW = 'orchestrator.runs';
export const RUN_COMMANDS = {
  refresh: 'orchestrator.runs.refresh',
  open: 'orchestrator.runs.open',
  resume: 'orchestrator.runs.resume',
  delete: 'orchestrator.runs.delete',
  compare: 'orchestrator.runs.compare',
  stats: 'orchestrator.runs.stats',
  openThread: 'orchestrator.runs.openThread',
} as const;

export interface RunItem {
  folder: string;
  runId: string;
  summary: RunSummary | null;
  error?: string;
  /** Its place in a session's thread (1: the first run of the session). */
  turn?: number;
}

/** The Statistics node, and under it one node per pipeline with finished runs. */
export type StatsNode = { kind: 'stats' } | { kind: 'pipeline-stats'; folder: string; stats: PipelineStats };
/** A local run, the Statistics node and its pipelines, or a served endpoint's node (client/servedEndpoints.ts). */
export type Node = RunItem | StatsNode | ServedNode | ThreadNode<RunItem> | ImproveNode;
const isStats = (n: Node): n is StatsNode => 'kind' in n && (n.kind === 'stats' || n.kind === 'pipeline-stats');
const isRun = (n: Node): n is RunItem => !('kind' in n);
const isThread = (n: Node): n is ThreadNode<RunItem> => 'kind' in n && n.kind === 'thread';

/** A pipeline's figures as the tooltip of its node: the line of the panel, and its steps. */
function statsTooltip(p: PipelineStats): vscode.MarkdownString {
  const rows = p.steps.map((t) => `| ${t.step} | ${t.runs} | ${figureRate(t.success_rate)} | ${figureMs(t.duration_ms.p50)} | ${figureMs(t.duration_ms.p95)} | ${t.retries} | ${t.failed} | ${figureUsd(t.cost_usd)} | ${figureTokens(t.tokens_in, t.tokens_out)} |`);
  return new vscode.MarkdownString(
    [
      `**${p.pipeline_id}**: ${p.runs} runs (${p.completed} completed, ${p.failed} failed, ${p.cancelled} cancelled), success ${figureRate(p.success_rate)}`,
      '',
      `duration ${figureDistribution(p.duration_ms)} · cost ${figureUsd(p.cost_usd)} · tokens ${figureTokens(p.tokens_in, p.tokens_out)}`,
      '',
      '| step | runs | success | p50 | p95 | retries | failed | cost | tokens |',
      '| --- | --: | --: | --: | --: | --: | --: | --: | --: |',
      ...rows,
    ].join('\n'),
  );
}

const ICONS: Record<string, [string, string | undefined]> = {
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', undefined],
  running: ['sync', 'charts.blue'],
};

function describe(s: RunSummary): string {
  const started = s.started_at.replace('T', ' ').slice(0, 16);
  const secs = s.duration_ms >= 0 ? `${(s.duration_ms / 1000).toFixed(1)} s` : '';
  return [s.status, started, secs, `${s.tokens.toLocaleString('en-US')} tok`, `$${s.cost_usd.toFixed(s.cost_usd && s.cost_usd < 0.01 ? 6 : 4)}`].filter(Boolean).join(' · ');
}

/** A run's result document: its folder's result.json, or its line in an eval's pack. */
function readResult(folder: string, runId: string): ResultDocument | null {
  const doc = readRunResult(folder, runId);
  return typeof doc === 'string' ? null : doc;
}

export class RunsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  readonly view: vscode.TreeView<Node>;
  private statsPanel: vscode.WebviewPanel | undefined;
  private threadPanel: vscode.WebviewPanel | undefined;
  /** The shape of the runs as last listed: forks under their parents, sessions as threads. */
  private tree: RunTree<RunItem> = { roots: [], forks: new Map() };

  constructor(
    private readonly runs: RunController,
    private readonly host: WebviewHost,
    /** The served endpoints, listed first with their runs. */
    readonly served: ServedEndpoints,
  ) {
    this.view = vscode.window.createTreeView(RUNS_VIEW, { treeDataProvider: this, canSelectMany: true, showCollapseAll: false });
    // the run folders, and the packs an eval's cases are written to
    const watchers = ['**/.orchestrator/runs/**', '**/.orchestrator/evals/*/runs.jsonl', '**/.orchestrator/improve/**'].map((g) => vscode.workspace.createFileSystemWatcher(g));
    const soon = () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.refresh(), 300);
    };
    // the served endpoints' runs are listed again while the view is on screen (client/servedEndpoints.ts)
    served.visible = () => this.view.visible;
    this.disposables.push(this.view, served.onDidChange((n) => this.changed.fire(n)), this.view.onDidChangeVisibility((e) => e.visible && served.urls().length && served.refresh()), ...watchers, ...watchers.flatMap((w) => [w.onDidCreate(soon), w.onDidChange(soon), w.onDidDelete(soon)]), this.changed);
  }

  refresh(): void {
    this.changed.fire();
  }

  /** The run folders of the workspace (each folder's run state folder, once). */
  private folders(): string[] {
    return [...new Set((vscode.workspace.workspaceFolders ?? []).map((f) => runFolder(f.uri)))];
  }

  /** The run selected in the view (the first, when several are). */
  selectedRun(): RunItem | undefined {
    return this.view.selection.find(isRun);
  }

  /** Every run listed, newest first (the tests read the view through this). */
  items(): RunItem[] {
    return this.folders().flatMap((folder) => listRuns(folder).map((r) => ('error' in r ? { folder, runId: r.execution_id, summary: null, error: r.error } : { folder, runId: r.execution_id, summary: r })));
  }

  /** Each pipeline with finished runs and its figures (the Statistics node's children). */
  pipelineStats(): StatsNode[] {
    return this.folders().flatMap((folder) => runStats(folder).pipelines.map((stats): StatsNode => ({ kind: 'pipeline-stats', folder, stats })));
  }

  getChildren(element?: Node): Node[] | Promise<Node[]> {
    if (!element) {
      // a served run whose record is here (an endpoint serving this folder) is listed under its
      // endpoint, where it is followed live, and not again as a local row
      const servedIds = this.served.servedRunIds();
      const runs = servedIds.size ? this.items().filter((r) => !servedIds.has(r.runId)) : this.items();
      const served = this.served.roots();
      this.tree = runTree(runs);
      // the prompt searches (client/improveRecords.ts) after the statistics
      const improve = improveGroup(this.folders());
      return runs.some((r) => r.summary && r.summary.status !== 'running') ? [...served, { kind: 'stats' }, ...improve, ...this.tree.roots] : [...served, ...improve, ...this.tree.roots];
    }
    if (isServedNode(element)) return this.served.children(element);
    if (isImproveNode(element)) return improveChildren(element);
    if (isThread(element)) return element.runs.map((r, i) => ({ ...r, turn: i + 1 }));
    if (isRun(element)) return forksOf(this.tree, element);
    return isStats(element) && element.kind === 'stats' ? this.pipelineStats() : [];
  }

  getTreeItem(n: Node): vscode.TreeItem {
    if (isServedNode(n)) return this.served.treeItem(n);
    if (isImproveNode(n)) return improveTreeItem(n);
    if (isRun(n)) return this.runTreeItem(n);
    if (isThread(n)) return this.threadTreeItem(n);
    if (n.kind === 'stats') {
      const item = new vscode.TreeItem('Statistics', vscode.TreeItemCollapsibleState.Collapsed);
      item.id = 'stats';
      item.tooltip = 'Per pipeline, over its finished runs: what `orc stats` prints';
      item.iconPath = new vscode.ThemeIcon('graph');
      item.contextValue = 'stats';
      return item;
    }
    const item = new vscode.TreeItem(n.stats.pipeline_id, vscode.TreeItemCollapsibleState.None);
    item.id = `stats\n${n.folder}\n${n.stats.pipeline_id}`;
    item.description = pipelineFigures(n.stats);
    item.iconPath = new vscode.ThemeIcon('pulse');
    item.contextValue = 'stats.pipeline';
    item.tooltip = statsTooltip(n.stats);
    item.command = { command: RUN_COMMANDS.stats, title: 'Show Run Statistics', arguments: [n] };
    return item;
  }

  private threadTreeItem(t: ThreadNode<RunItem>): vscode.TreeItem {
    const item = new vscode.TreeItem(threadLabel(t), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `thread\n${t.folder}\n${t.session}`;
    const last = t.runs[t.runs.length - 1].summary;
    item.description = [...new Set(t.runs.map((r) => r.summary?.pipeline_id ?? r.runId))].join(', ') + (last ? ` · ${last.started_at.replace('T', ' ').slice(0, 16)}` : '');
    item.iconPath = new vscode.ThemeIcon('comment-discussion');
    item.contextValue = 'thread';
    item.tooltip = `Session ${t.session}: ${t.runs.length} run${t.runs.length === 1 ? '' : 's'} of its conversation, oldest first. Open it to read the thread.`;
    item.command = { command: RUN_COMMANDS.openThread, title: 'Open Thread', arguments: [t] };
    return item;
  }

  private runTreeItem(r: RunItem): vscode.TreeItem {
    const forked = r.summary ? forkLabel(r.summary) : null;
    const label = r.summary ? (forked ?? (r.turn ? `turn ${r.turn}` : r.summary.pipeline_id)) : r.runId;
    const item = new vscode.TreeItem(label, forksOf(this.tree, r).length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `${r.folder}\n${r.runId}`;
    if (!r.summary) {
      item.description = `unreadable: ${r.error}`;
      item.iconPath = new vscode.ThemeIcon('warning');
      item.contextValue = 'run.unreadable';
      item.tooltip = `${r.runId}\n${r.error}`;
      return item;
    }
    const s = r.summary;
    item.description = r.turn && !forked ? `${s.pipeline_id} · ${describe(s)}` : describe(s);
    const [icon, color] = ICONS[s.status] ?? ['circle-outline', undefined];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = `run.${s.status}`;
    const lineage = s.trigger?.kind === 'fork' ? `\n\nforked from run \`${s.trigger.parent ?? '?'}\` at \`${s.trigger.at ?? ''}\`` : s.session ? `\n\nsession \`${s.session}\`` : '';
    item.tooltip = new vscode.MarkdownString(`**${s.pipeline_id}** — run \`${s.execution_id}\`${lineage}\n\n${s.status}, started ${s.started_at}\n\n${s.steps_completed}${s.steps_total !== null ? ` of ${s.steps_total}` : ''} steps completed · ${s.tokens} tokens · $${s.cost_usd}\n\n${s.pipeline_file}`);
    item.command = { command: RUN_COMMANDS.open, title: 'Open Run', arguments: [r] };
    return item;
  }

  /** Open: the run's record in its pipeline's graph panel (`select`: a step selected, its panel shown). */
  async open(r: RunItem, select?: string): Promise<boolean> {
    const doc = readResult(r.folder, r.runId);
    if (!r.summary || !doc) {
      void vscode.window.showWarningMessage(r.summary ? `Run ${r.runId} has not finished (${r.summary.status}): there is no record to show yet. Resume it to finish it.` : `Run ${r.runId} cannot be read: ${r.error}`);
      return false;
    }
    const file = r.summary.pipeline_file;
    if (!file || !existsSync(file)) {
      void vscode.window.showWarningMessage(`Run ${r.runId} ran ${file || 'a pipeline from standard input'}, which is not there any more.`);
      return false;
    }
    const uri = vscode.Uri.file(file);
    this.host.show(uri, false);
    this.host.runStarted(uri, doc.execution_id, [], select);
    this.host.runEvents(uri, doc.execution_id, eventsOfRecord(doc));
    try {
      this.host.report(uri, doc.execution_id, buildReport({ doc, deps: null, maxParallel: Math.max(1, ...doc.execution_levels.map((l) => l.length)), widestLevel: Math.max(1, ...doc.execution_levels.map((l) => l.length)), history: loadHistory(r.folder, doc.pipeline_id) }));
    } catch {
      // the record is shown without its timeline
    }
    return true;
  }

  /** Open Thread: a session's runs as one conversation, oldest first. Resolves with the runs shown. */
  openThread(t: ThreadNode<RunItem>): ThreadRun[] {
    const runs = t.runs.map((r): ThreadRun => {
      const doc = readResult(r.folder, r.runId);
      let message: string | null = null;
      try {
        const c = loadCheckpoint(r.folder, r.runId, { journal: false });
        const file = r.summary?.pipeline_file;
        const params = file && existsSync(file) ? analyze(readFileSync(file, 'utf8')).pipeline?.parameters : undefined;
        const name = params ? messageParameterOf(params) : null;
        const v = name ? c.inputs[name] : undefined;
        message = v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);
      } catch {
        // shown without the person's message
      }
      return { runId: r.runId, doc, message, status: r.summary?.status ?? 'unreadable', started_at: r.summary?.started_at ?? '' };
    });
    const title = `Session ${t.session}`;
    if (!this.threadPanel) {
      this.threadPanel = vscode.window.createWebviewPanel('orchestrator.thread', title, vscode.ViewColumn.Active, { enableScripts: false });
      this.threadPanel.onDidDispose(() => (this.threadPanel = undefined));
    }
    this.threadPanel.title = title;
    this.threadPanel.webview.html = threadHtml(t.session, runs, { nonce: makeNonce(), cspSource: this.threadPanel.webview.cspSource });
    this.threadPanel.reveal();
    return runs;
  }

  /** Show Run Statistics: the figures of the node's pipeline (of a run's pipeline; of every pipeline
   * when none is given) in one panel. Resolves with the figures shown. */
  stats(n?: Node): RunStats | undefined {
    const folder = n && 'folder' in n ? n.folder : this.folders()[0];
    if (!folder) return undefined;
    const pipelineId = n && isStats(n) ? (n.kind === 'pipeline-stats' ? n.stats.pipeline_id : undefined) : n && isRun(n) ? n.summary?.pipeline_id : undefined;
    const stats = runStats(folder, { pipelineId });
    const title = pipelineId ? `Run Statistics: ${pipelineId}` : 'Run Statistics';
    if (!this.statsPanel) {
      this.statsPanel = vscode.window.createWebviewPanel('orchestrator.runStats', title, vscode.ViewColumn.Active, { enableScripts: false });
      this.statsPanel.onDidDispose(() => (this.statsPanel = undefined));
    }
    this.statsPanel.title = title;
    this.statsPanel.webview.html = runStatsHtml(stats, title, { nonce: makeNonce(), cspSource: this.statsPanel.webview.cspSource });
    this.statsPanel.reveal();
    return stats;
  }

  async resume(r: RunItem): Promise<ResultDocument | undefined> {
    return this.runs.resume(r.runId, r.folder);
  }

  async delete(r: RunItem): Promise<boolean> {
    if (this.runs.isRunningId(r.runId)) {
      void vscode.window.showWarningMessage(`Run ${r.runId} is running in this window: cancel it before deleting its record.`);
      return false;
    }
    const pick = await vscode.window.showWarningMessage(`Delete the record of run ${r.runId}${r.summary ? ` (${r.summary.pipeline_id}, ${r.summary.status})` : ''}? Its checkpoint and results go; files its steps wrote stay.`, { modal: true }, 'Delete');
    if (pick !== 'Delete') return false;
    // its folder, or its line in its eval's pack
    deleteRunRecord(r.folder, r.runId);
    this.refresh();
    return true;
  }

  /** Compare Runs: the two selected, or the one given and another picked. Resolves with the rows shown. */
  async compare(first?: RunItem, selected?: readonly Node[]): Promise<ComparedStep[] | undefined> {
    const runs = selected?.filter(isRun);
    let pair = runs && runs.length === 2 ? runs : undefined;
    if (!pair) {
      const a = first ?? this.selectedRun();
      if (!a) return undefined;
      const others = this.items().filter((x) => x.summary && x.runId !== a.runId && readResult(x.folder, x.runId));
      const pick = await vscode.window.showQuickPick(
        others.map((x) => ({ label: x.summary!.pipeline_id, description: describe(x.summary!), detail: x.runId, item: x })),
        { title: `Compare ${a.runId} with…` },
      );
      if (!pick) return undefined;
      pair = [a, pick.item];
    }
    const [a, b] = pair;
    const da = readResult(a.folder, a.runId);
    const db = readResult(b.folder, b.runId);
    if (!da || !db) {
      void vscode.window.showWarningMessage('Compare Runs needs two finished runs (with a result document).');
      return undefined;
    }
    const rows = compareRuns(da, db);
    const panel = vscode.window.createWebviewPanel('orchestrator.compareRuns', `Compare ${da.pipeline_id}: ${a.runId.slice(0, 15)} ↔ ${b.runId.slice(0, 15)}`, vscode.ViewColumn.Active, { enableScripts: false });
    panel.webview.html = compareHtml(rows, { a: `${da.pipeline_id} · ${da.execution_id}`, b: `${db.pipeline_id} · ${db.execution_id}` }, { nonce: makeNonce(), cspSource: panel.webview.cspSource });
    return rows;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.statsPanel?.dispose();
    this.threadPanel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

export function registerRunsView(context: vscode.ExtensionContext, runs: RunController, host: WebviewHost, served: ServedEndpoints, follower: ServedRunFollower): RunsView {
  const view = new RunsView(runs, host, served);
  const reg = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown));
  const selected = (r?: RunItem) => r ?? view.selectedRun();
  reg(RUN_COMMANDS.refresh, () => view.refresh());
  reg(RUN_COMMANDS.open, (r?: RunItem) => (selected(r) ? view.open(selected(r)!) : undefined));
  reg(RUN_COMMANDS.resume, (r?: RunItem) => (selected(r) ? view.resume(selected(r)!) : undefined));
  reg(RUN_COMMANDS.delete, (r?: RunItem) => (selected(r) ? view.delete(selected(r)!) : undefined));
  reg(RUN_COMMANDS.stats, (n?: Node) => view.stats(n));
  reg(RUN_COMMANDS.openThread, (t?: ThreadNode<RunItem>) => ((n) => (n && isThread(n) ? view.openThread(n) : undefined))(t ?? view.view.selection[0]));
  reg(RUN_COMMANDS.compare, (r?: RunItem, all?: Node[]) => view.compare(r, all));
  // served endpoints: Add (address, then token; both may be given as arguments), Remove, and a run followed live
  const servedSelection = (n?: ServedNode) => n ?? view.view.selection.find(isServedNode);
  reg(SERVED_COMMANDS.add, (url?: unknown, token?: unknown) => askAndAddEndpoint(served, url, token));
  reg(SERVED_COMMANDS.remove, async (n?: ServedNode | string) => {
    const url = typeof n === 'string' ? n : servedSelection(n)?.url ?? (await vscode.window.showQuickPick(served.urls(), { title: 'Remove which served endpoint?' }));
    return url ? served.remove(url) : false;
  });
  const servedRun = (n?: ServedRunNode | string, runId?: unknown) => (typeof n === 'string' ? (typeof runId === 'string' ? { url: n, runId } : undefined) : ((m) => (m?.kind === 'served-run' ? { url: m.url, runId: m.run.run_id } : undefined))(servedSelection(n)));
  reg(SERVED_COMMANDS.open, (n?: ServedRunNode | string, runId?: unknown) => {
    const r = servedRun(n, runId);
    return r ? follower.open(r.url, r.runId) : undefined;
  });
  reg(SERVED_COMMANDS.cancel, async (n?: ServedRunNode | string, runId?: unknown) => {
    const r = servedRun(n, runId);
    if (!r) return false;
    await (await served.client(r.url)).cancel(r.runId);
    served.refresh(r.url);
    return true;
  });
  context.subscriptions.push(view);
  return view;
}
