// The pipeline panels: one per document, its HTML from client/panelHtml.ts, the graph from the language
// server (following the document as it is edited), run events forwarded in batches, the editor's
// cursor highlighted in the graph, and a click on a node revealing the step in the editor. Panels are
// restored after a window reload by a serializer.
import * as vscode from 'vscode';
import { type EditOperation, type GraphDocument, type Prediction, type RunEvent, type RunReport } from '../engine/api/index';
import { makeNonce, webviewHtml } from './panelHtml';
import { GraphPoster } from '../media/graphDiff';
import type { ChatTarget, ExplanationMessage, FromWebview, ReportMessage, ToWebview } from '../media/protocol';
import { previewParts } from './partPreviews';
import type { PanelRendered } from './api';
import { runFolder, settings } from './configuration';
import type { Log } from './log';
import { findNode, innermostAt } from './stepAt';

export const VIEW_TYPE = 'orchestrator.pipelineGraph';

/** The graph of a document, from the language server; null when it does not compile. */
export type GraphSource = (uri: vscode.Uri) => Promise<{ pipelineId: string | null; graph: GraphDocument | null; problem: string | null }>;

interface Panel {
  uri: string;
  panel: vscode.WebviewPanel;
  graph: GraphDocument | null;
  rendered: PanelRendered | undefined;
  ready: boolean;
  /** The step last clicked in the panel (graph commands act on it when the panel has focus). */
  selected: string | null;
  /** Posts each graph as its diff from the last one the panel holds (media/graphDiff.ts). */
  poster: GraphPoster;
  /** The newest document version whose graph was posted. */
  drawnVersion: number | null;
  /** Armed while a page is loading: fires if its script has not said it is ready (see READY_MS). */
  readyWatch?: ReturnType<typeof setTimeout>;
  /** Times the page was loaded again because it never said it was ready. */
  reloads: number;
  /** A failed graph request was asked again (once). */
  graphRetried?: boolean;
}

/** A page whose script has not said it is ready this long after it was loaded, while the panel is on
 * screen, is loaded again (at most MAX_RELOADS times): on a busy machine a webview's resources were
 * once not served in time, and the panel stayed blank ("not run", no graph) for the whole run.
 * 45 s, not 15: two workbenches at load 8 took longer than 15 s to load a page that was only slow,
 * and the reload threw its progress away (the F5 test then waited 20 s for a pause the panel drew
 * just after). A page that loads never needs this long; one that is stuck still gets its reload. */
const READY_MS = 45_000;
const MAX_RELOADS = 2;

/** A run's events as the panel needs them again after a reload or a reopen (bounded). */
interface RunLog {
  runId: string;
  reused: string[];
  events: RunEvent[];
  /** The step the run was opened with selected, until a panel that was not ready yet has been told. */
  select?: string;
  /** The `orc serve` address of a run followed from its server (the panel's "served" badge). */
  served?: string;
}
const MAX_REPLAY_EVENTS = 20_000;

export class WebviewHost implements vscode.Disposable {
  private readonly panels = new Map<string, Panel>();
  private readonly runs = new Map<string, RunLog>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly graphTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly pausedAt = new Map<string, string | null>();
  /** The latest report and explanation of each document, for a panel that opens or reloads later. */
  private readonly insights = new Map<string, { report?: ReportMessage; explanation?: ExplanationMessage }>();
  /** Makes a gesture's edit (client/graphEdits.ts; set by the extension). */
  onEdit: ((uri: vscode.Uri, op: EditOperation, version: number | null) => Promise<unknown>) | null = null;
  /** What the next run of a document is predicted to take (set by the run controller). */
  predictor: ((uri: vscode.Uri) => Promise<Prediction | null>) | null = null;
  /** Whether the document's panel offers its chat input, for the run it shows (client/sessionChat.ts). */
  chatTargetOf: ((uri: vscode.Uri, runId: string | undefined) => Promise<ChatTarget | null>) | null = null;
  /** The chat input's message: the session's next run (resolves when it ended, or did not start). */
  onChat: ((uri: vscode.Uri, message: string) => Promise<unknown>) | null = null;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly graphOf: GraphSource,
    private readonly log: Log,
    private readonly onRun: (uri: vscode.Uri) => void,
    private readonly onCancel: (uri: vscode.Uri) => void,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const uri = (state as { uri?: unknown } | undefined)?.uri;
          if (typeof uri !== 'string') {
            panel.dispose();
            return;
          }
          this.adopt(uri, panel);
        },
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.panels.has(e.document.uri.toString()) && e.contentChanges.length) this.refreshGraphSoon(e.document.uri);
      }),
      // a language change (Treat File as Pipeline) closes and reopens the document
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (this.panels.has(d.uri.toString())) this.refreshGraphSoon(d.uri);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.followCursor(e.textEditor)),
      // a saved document may have gained or lost its session (`memory:`): the chat input follows
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (this.panels.has(d.uri.toString())) void this.sendChatTarget(d.uri);
      }),
    );
  }

  /** Opens (or reveals) the document's panel. */
  show(uri: vscode.Uri, preserveFocus = true): void {
    const key = uri.toString();
    const existing = this.panels.get(key);
    if (existing) {
      existing.panel.reveal(existing.panel.viewColumn ?? vscode.ViewColumn.Beside, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, this.titleOf(uri), { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.options());
    this.adopt(key, panel);
  }

  /** The document of the panel that has focus, if a panel has it. */
  activePanelUri(): vscode.Uri | undefined {
    for (const p of this.panels.values()) if (p.panel.active) return vscode.Uri.parse(p.uri);
    return undefined;
  }

  /** The step last clicked in the document's panel. */
  selectedStep(uri: vscode.Uri): string | undefined {
    return this.panels.get(uri.toString())?.selected ?? undefined;
  }

  isOpen(uri: vscode.Uri): boolean {
    return this.panels.has(uri.toString());
  }

  rendered(uri: string): PanelRendered | undefined {
    return this.panels.get(uri)?.rendered;
  }

  /** A new run of this document: statuses cleared but for the steps an earlier run supplies; `select`:
   * a step the panel selects as the run opens (a run opened from an eval's cell: its agent step). */
  runStarted(uri: vscode.Uri, runId: string, reused: string[], select?: string, served?: string): void {
    const key = uri.toString();
    const p = this.panels.get(key);
    // a panel still loading is told when it is ready (once: a reload later keeps the person's own selection)
    this.runs.set(key, { runId, reused, events: [], ...(select && !p?.ready ? { select } : {}), ...(served ? { served } : {}) });
    if (p && select) p.selected = select;
    this.post(key, { type: 'run-reset', runId, reused, ...(select ? { selectStep: select } : {}), ...(served ? { served } : {}) });
    void this.sendChatTarget(uri);
  }

  /** Tells the document's panel whether it offers its chat input, and for which session. */
  private async sendChatTarget(uri: vscode.Uri, ended = false): Promise<void> {
    const key = uri.toString();
    if (!this.chatTargetOf || !this.panels.has(key)) return;
    try {
      this.post(key, { type: 'chat', target: await this.chatTargetOf(uri, this.runs.get(key)?.runId), ...(ended ? { ended: true as const } : {}) });
    } catch (e) {
      this.log.line(`chat input of ${uri.fsPath}: ${(e as Error).message}`);
    }
  }

  /** The run the document's panel shows (the latest started), if any. */
  runIdOf(uri: vscode.Uri): string | undefined {
    return this.runs.get(uri.toString())?.runId;
  }

  /** The debugger holds the document's run at this step (null: it goes on); the panel opens to show it. */
  paused(uri: vscode.Uri, stepId: string | null): void {
    if (stepId) this.show(uri);
    this.pausedAt.set(uri.toString(), stepId);
    this.post(uri.toString(), { type: 'paused-step', stepId });
  }

  /** The text a step streamed in the document's latest run (model output, command output). */
  stepText(uri: string, step: string): string {
    const log = this.runs.get(uri);
    return (log?.events ?? []).map((e) => (e.type === 'step-output' && e.stepId === step ? e.chunk : '')).join('');
  }

  /** A finished run's bottleneck report: the panel's timeline. */
  report(uri: vscode.Uri, runId: string, report: RunReport): void {
    const m: ReportMessage = { type: 'report', runId, report };
    this.insights.set(uri.toString(), { ...this.insights.get(uri.toString()), report: m });
    this.post(uri.toString(), m);
    void this.sendPrediction(uri);
  }

  /** The pipeline's intention and architecture; the panel opens to show them. */
  explanation(uri: vscode.Uri, m: Omit<ExplanationMessage, 'type'>): void {
    const msg: ExplanationMessage = { type: 'explanation', ...m };
    this.insights.set(uri.toString(), { ...this.insights.get(uri.toString()), explanation: msg });
    this.show(uri, false);
    this.post(uri.toString(), msg);
  }

  private async sendPrediction(uri: vscode.Uri): Promise<void> {
    if (!this.predictor || !this.panels.has(uri.toString())) return;
    try {
      this.post(uri.toString(), { type: 'prediction', prediction: await this.predictor(uri) });
    } catch (e) {
      this.log.line(`prediction of ${uri.fsPath} failed: ${(e as Error).message}`);
    }
  }

  /** Tells the person something in the document's panel, when it is open. */
  notice(uri: vscode.Uri, level: 'info' | 'warning' | 'error', text: string): void {
    this.post(uri.toString(), { type: 'notice', level, text });
  }

  runEvents(uri: vscode.Uri, runId: string, events: RunEvent[]): void {
    const key = uri.toString();
    const log = this.runs.get(key);
    if (log && log.runId === runId && log.events.length < MAX_REPLAY_EVENTS) log.events.push(...events);
    this.post(key, { type: 'run-events', runId, events });
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
  }

  private titleOf(uri: vscode.Uri): string {
    return `Pipeline: ${uri.path.split('/').pop() ?? uri.path}`;
  }

  private adopt(key: string, panel: vscode.WebviewPanel): void {
    const uri = vscode.Uri.parse(key);
    panel.title = this.titleOf(uri);
    panel.webview.options = this.options();
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const load = () => {
      panel.webview.html = webviewHtml({
        scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
        styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
        nonce: makeNonce(),
        cspSource: panel.webview.cspSource,
        title: panel.title,
      });
    };
    load();
    const entry: Panel = { uri: key, panel, graph: null, rendered: undefined, ready: false, selected: null, poster: new GraphPoster(), drawnVersion: null, reloads: 0 };
    this.panels.set(key, entry);
    const watch = () => {
      clearTimeout(entry.readyWatch);
      entry.readyWatch = setTimeout(() => {
        entry.readyWatch = undefined;
        if (this.panels.get(key) !== entry || !panel.visible) return;
        if (entry.reloads >= MAX_RELOADS) {
          this.log.line(`panel of ${uri.fsPath}: its page has not loaded after ${MAX_RELOADS} tries; close the panel and open it again`);
          return;
        }
        entry.reloads++;
        this.log.line(`panel of ${uri.fsPath}: its page did not say it was ready within ${READY_MS / 1000} s; loading it again (${entry.reloads} of ${MAX_RELOADS})`);
        load();
        watch();
      }, READY_MS);
    };
    watch();
    // hidden, the page is let go (retainContextWhenHidden is off): shown again, it loads anew
    let visible = panel.visible;
    panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.visible && !visible) watch();
      visible = e.webviewPanel.visible;
    });
    panel.webview.onDidReceiveMessage((m: FromWebview) => {
      if (m.type === 'ready') {
        clearTimeout(entry.readyWatch);
        entry.readyWatch = undefined;
        entry.reloads = 0;
      }
      return this.onMessage(entry, m);
    });
    panel.onDidDispose(() => {
      clearTimeout(entry.readyWatch);
      if (this.panels.get(key) === entry) this.panels.delete(key);
    });
  }

  private async onMessage(p: Panel, m: FromWebview): Promise<void> {
    const uri = vscode.Uri.parse(p.uri);
    switch (m.type) {
      case 'ready': {
        p.ready = true;
        // a new page (opened, shown again, reloaded): it holds no graph of ours
        p.poster.reset();
        this.post(p.uri, { type: 'settings', direction: settings(uri).direction });
        await this.refreshGraph(uri);
        const run = this.runs.get(p.uri);
        if (run) {
          if (run.select) p.selected = run.select;
          this.post(p.uri, { type: 'run-reset', runId: run.runId, reused: run.reused, ...(run.select ? { selectStep: run.select } : {}), ...(run.served ? { served: run.served } : {}) });
          delete run.select;
          if (run.events.length) this.post(p.uri, { type: 'run-events', runId: run.runId, events: run.events });
        }
        const held = this.pausedAt.get(p.uri);
        if (held) this.post(p.uri, { type: 'paused-step', stepId: held });
        const seen = this.insights.get(p.uri);
        if (seen?.report) this.post(p.uri, seen.report);
        if (seen?.explanation) this.post(p.uri, seen.explanation);
        void this.sendPrediction(uri);
        void this.sendChatTarget(uri);
        const editor = vscode.window.activeTextEditor;
        if (editor?.document.uri.toString() === p.uri) this.followCursor(editor);
        break;
      }
      case 'graph-stale':
        p.poster.reset();
        await this.refreshGraph(uri);
        break;
      case 'reveal-step':
        p.selected = m.stepId;
        await this.reveal(p, m.stepId);
        break;
      case 'edit':
        await this.onEdit?.(uri, m.op, m.version);
        break;
      case 'command':
        await vscode.commands.executeCommand(`orchestrator.graph.${m.command}`, { webviewSection: m.stepId ? 'step' : 'graph', uri: p.uri, stepId: m.stepId ?? undefined });
        break;
      case 'run':
        this.onRun(uri);
        break;
      case 'cancel-run':
        this.onCancel(uri);
        break;
      case 'parts-wanted': {
        // as an editor run resolves them: in its run folder, which is its workspace (nothing outside it)
        const cwd = runFolder(uri);
        this.post(p.uri, { type: 'parts', parts: previewParts(m.parts, { cwd, workspace: cwd }) });
        break;
      }
      case 'chat-send':
        if (this.onChat) await this.onChat(uri, m.message);
        // the input comes back: its session may have a new id, and a run that did not start frees it
        await this.sendChatTarget(uri, true);
        break;
      case 'rendered':
        p.rendered = { runId: m.runId, nodes: m.nodes, statuses: m.statuses, paused: m.paused, critical: m.critical };
        break;
      case 'error':
        this.log.line(`panel: ${m.message}`);
        break;
    }
  }

  settingsChanged(): void {
    for (const p of this.panels.values()) this.post(p.uri, { type: 'settings', direction: settings(vscode.Uri.parse(p.uri)).direction });
  }

  private refreshGraphSoon(uri: vscode.Uri): void {
    const key = uri.toString();
    const t = this.graphTimers.get(key);
    if (t) clearTimeout(t);
    this.graphTimers.set(
      key,
      setTimeout(() => {
        this.graphTimers.delete(key);
        void this.refreshGraph(uri);
      }, 250),
    );
  }

  async refreshGraph(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    const p = this.panels.get(key);
    if (!p) return;
    try {
      // the version asked about: the server answers for the text it has, which is at least this one
      const version = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key)?.version ?? null;
      const g = await this.graphOf(uri);
      const now = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key)?.version ?? null;
      // the graph of the text as it is now was posted meanwhile (a graph edit's own): this answer is older
      if (now !== version && now !== null && p.drawnVersion === now) return;
      // changed while the server answered: the graph may be of either text, so a gesture on it is refused
      this.showGraph(p, g, now === version ? version : -1);
    } catch (e) {
      this.log.line(`graph of ${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
      // a panel with no graph yet asks once more (the language server restarting, a request cut off)
      if (!p.graph && !p.graphRetried) {
        p.graphRetried = true;
        this.refreshGraphSoon(uri);
      }
    }
  }

  /** The graph of the text a graph edit made (client/graphEdits.ts), from the edit's own analysis of it:
   * drawn at once, with no second analysis of the same text. */
  editedGraph(uri: vscode.Uri, g: { pipelineId: string | null; graph: GraphDocument }, version: number): void {
    const p = this.panels.get(uri.toString());
    if (p) this.showGraph(p, { ...g, problem: null }, version);
  }

  private showGraph(p: Panel, g: { pipelineId: string | null; graph: GraphDocument | null; problem: string | null }, version: number | null): void {
    if (g.graph) p.graph = g.graph;
    if (version !== null && version >= 0) p.drawnVersion = version;
    this.post(p.uri, p.poster.next({ type: 'graph', uri: p.uri, pipelineId: g.pipelineId, graph: g.graph, problem: g.problem, version }));
  }

  private async reveal(p: Panel, stepId: string): Promise<void> {
    const node = p.graph ? findNode(p.graph, stepId) : undefined;
    if (!node?.range) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(p.uri));
    // where the document is shown; else beside the panel, never over it (a run opened from the Runs
    // view has the panel alone in its group: the step's panel stays in view as its lines are shown)
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === p.uri)?.viewColumn;
    const column = shown ?? (p.panel.viewColumn === undefined || p.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One);
    const r = node.range;
    // the step's lines, from its `id:` to its last line with content (the range ends on the next line)
    let endLine = r.end.character === 0 ? r.end.line - 1 : r.end.line;
    while (endLine > r.start.line && doc.lineAt(endLine).isEmptyOrWhitespace) endLine--;
    const end = endLine === r.end.line ? new vscode.Position(r.end.line, r.end.character) : new vscode.Position(endLine, doc.lineAt(endLine).text.length);
    // anchored at the end, so the cursor stands on the step's `id:`; a step with errors: its first error
    const e = node.errors?.[0]?.range;
    const selection = e
      ? new vscode.Selection(new vscode.Position(e.start.line, e.start.character), new vscode.Position(e.end.line, e.end.character))
      : new vscode.Selection(end, new vscode.Position(r.start.line, r.start.character));
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: false });
    editor.selection = selection;
    editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private followCursor(editor: vscode.TextEditor): void {
    const key = editor.document.uri.toString();
    const p = this.panels.get(key);
    if (!p?.graph) return;
    const pos = editor.selection.active;
    const hit = innermostAt(p.graph, pos.line, pos.character);
    this.post(key, { type: 'highlight-step', stepId: hit?.id ?? null });
  }

  private post(key: string, msg: ToWebview): void {
    const p = this.panels.get(key);
    if (p) void p.panel.webview.postMessage(msg);
  }

  dispose(): void {
    for (const t of this.graphTimers.values()) clearTimeout(t);
    for (const p of this.panels.values()) p.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
