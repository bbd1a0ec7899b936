// The Review view: runs from service (`orc serve`'s requests, crons and webhooks) and imported
// traces (`orc traces import`), newest first, each with its inputs, outputs and transcript a hover
// or an Open away, and a person's label. Keyboard-first: in the view, G marks the selected run good
// and B bad (the selection moves on to the next unlabelled run), E writes the value it should have
// answered, N a note, Enter opens it. Make Cases turns the labelled runs into an eval's cases in one
// edit. Labels live in `.orchestrator/review/labels.jsonl` (engine/review/labels.ts), shared with
// `orc review`. A filter by run ids (a monitor's Open Failed Runs, client/monitorsView.ts) shows only
// those runs, named in the view's description and message, until Clear Review Filter.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { labelledRunsToCases, labelRun, labelsFile, loadCheckpoint, type ResultDocument, readRunResult, reviewQueue, type ReviewItem, type Verdict } from '../engine/api/index';
import { runFolder } from './configuration';
import type { RunsView } from './runsView';

export const REVIEW_VIEW = 'orchestrator.review';
export const REVIEW_COMMANDS = {
  refresh: 'orchestrator.review.refresh',
  good: 'orchestrator.review.good',
  bad: 'orchestrator.review.bad',
  expected: 'orchestrator.review.expected',
  note: 'orchestrator.review.note',
  open: 'orchestrator.review.open',
  makeCases: 'orchestrator.review.makeCases',
  clearFilter: 'orchestrator.review.clearFilter',
} as const;

/** Only these runs, and what they are (a monitor's alert: client/monitorsView.ts). */
export interface ReviewFilter {
  runIds: string[];
  title: string;
}

export interface ReviewNode {
  folder: string;
  item: ReviewItem;
}

const oneLine = (v: unknown, max = 80) => {
  const s = (typeof v === 'string' ? v : JSON.stringify(v) ?? '').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
};
/** A run id's last part (`20261127-161102-9e3be4` → `9e3be4`): enough to tell runs of one minute apart. */
const shortRunId = (id: string) => id.slice(id.lastIndexOf('-') + 1) || id;
/** Markdown of text from a model or a trace: shown as code, never as markup a trace could write. */
const fenced = (s: string) => `\`\`\`\n${s.replace(/```/g, '`\u200b``')}\n\`\`\``;

/** The messages of the run's steps, in order (agent and imported steps keep them in their results). */
function transcript(doc: ResultDocument): string[] {
  const out: string[] = [];
  for (const id of doc.execution_order) {
    const r = doc.steps[id]?.result as { messages?: Array<{ role?: unknown; content?: unknown }> } | undefined;
    for (const m of Array.isArray(r?.messages) ? r.messages : []) out.push(`${String(m.role ?? '?')}: ${oneLine(m.content, 400)}`);
  }
  return out;
}

export class ReviewView implements vscode.TreeDataProvider<ReviewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ReviewNode | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<ReviewNode>;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nodes: ReviewNode[] = [];
  private filter: ReviewFilter | undefined;
  /**
   * The labels files this view last wrote, by path: their size and time then. A label given here
   * refreshes the view at once; the watcher's news of that same write is not a change to show again.
   * Shown again, it re-rendered the list a few hundred milliseconds after G or B, when the person's
   * next key may be on its way: on a busy machine that key (B after G) reached no command.
   */
  private readonly ownWrites = new Map<string, string>();

  constructor(private readonly runs: RunsView) {
    this.view = vscode.window.createTreeView(REVIEW_VIEW, { treeDataProvider: this, showCollapseAll: false });
    // a run's folder, not only its result.json: a run folder made and filled at once (a served run's)
    // may reach the watcher as the folder's creation alone, which `runs/*/result.json` does not match
    const watchers = ['**/.orchestrator/runs/**', '**/.orchestrator/review/labels.jsonl', '**/.orchestrator/review/flags.jsonl'].map((g) => vscode.workspace.createFileSystemWatcher(g));
    const soon = (uri?: vscode.Uri) => {
      if (uri && this.ownWrite(uri.fsPath)) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.refresh(), 300);
    };
    // and whenever a served endpoint lists its runs again (a run served from this folder has ended)
    this.disposables.push(this.view, ...watchers, ...watchers.flatMap((w) => [w.onDidCreate(soon), w.onDidChange(soon), w.onDidDelete(soon)]), runs.served.onDidChange(() => soon()), this.changed);
  }

  /** A file's size and time, or null when it cannot be read. */
  private static stamp(file: string): string | null {
    try {
      const st = statSync(file);
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return null;
    }
  }

  /** Whether `file` is as this view last wrote it (a labels file another writer touched is not). */
  private ownWrite(file: string): boolean {
    const mine = this.ownWrites.get(file);
    if (mine === undefined) return false;
    if (ReviewView.stamp(file) === mine) return true;
    this.ownWrites.delete(file);
    return false;
  }

  refresh(): void {
    this.changed.fire();
  }

  private folders(): string[] {
    return [...new Set((vscode.workspace.workspaceFolders ?? []).map((f) => runFolder(f.uri)))];
  }

  /** Every run to review, newest first (the tests read the view through this). */
  items(): ReviewNode[] {
    return this.folders().flatMap((folder) => {
      try {
        return reviewQueue(folder).map((item) => ({ folder, item }));
      } catch (e) {
        void vscode.window.showWarningMessage(`The review labels of ${folder} cannot be read: ${(e as Error).message}`);
        return [];
      }
    });
  }

  getChildren(node?: ReviewNode): ReviewNode[] {
    if (node) return [];
    this.nodes = this.items();
    const f = this.filter;
    if (f) {
      const ids = new Set(f.runIds);
      this.nodes = this.nodes.filter((n) => ids.has(n.item.run.execution_id));
      const away = f.runIds.length - this.nodes.length;
      this.view.message = `Showing ${f.title}${away ? ` (${away} of them not among this workspace's runs from service: on the server's machine)` : ''}. Clear Review Filter, in the title bar, shows every run.`;
    }
    return this.nodes;
  }

  /** Shows only the runs given (undefined: every run again). */
  setFilter(f: ReviewFilter | undefined): void {
    this.filter = f ? { runIds: [...new Set(f.runIds)], title: f.title } : undefined;
    this.view.description = this.filter ? `filtered: ${this.filter.runIds.length} run${this.filter.runIds.length === 1 ? '' : 's'}` : undefined;
    this.view.message = undefined;
    void vscode.commands.executeCommand('setContext', 'orchestrator.review.filtered', Boolean(this.filter));
    this.refresh();
  }

  /** The filter shown, if any (the tests read the view through this). */
  filtered(): ReviewFilter | undefined {
    return this.filter && { ...this.filter, runIds: [...this.filter.runIds] };
  }

  /** The runs shown, filtered as the view shows them (the tests read the view through this). */
  shown(): ReviewNode[] {
    return this.getChildren();
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(n: ReviewNode): vscode.TreeItem {
    const { run, label } = n.item;
    const doc = readRunResult(n.folder, run.execution_id);
    const result = typeof doc === 'string' ? null : doc;
    // what it was asked: the first input (a served request's body, an imported trace's first user message)
    const inputs = (() => {
      try {
        return Object.values(loadCheckpoint(n.folder, run.execution_id, { journal: false }).inputs);
      } catch {
        return [];
      }
    })();
    // what it was asked first (a narrow sidebar cuts the rest), then the label, where it came from and when;
    // a fork (`orc fork`) asks what its parent asked: its fork point leads its row, and its own id ends it,
    // so forks of one run are told apart where the sidebar cuts the rest
    const fork = run.trigger?.kind === 'fork' ? run.trigger : null;
    const asked = inputs.length ? oneLine(inputs[0], fork ? 40 : 60) : run.execution_id;
    const t = new vscode.TreeItem(fork ? `fork at ${fork.at ?? fork.name.slice(fork.name.lastIndexOf('@') + 1)} · ${asked}` : asked);
    t.id = `${n.folder}\u0000${run.execution_id}`;
    // a monitor's flag (monitor:NAME) beside the label; a flagged `orc run --monitor` run has no trigger
    const from = fork ? `fork ${shortRunId(run.execution_id)} of ${shortRunId(fork.parent ?? fork.name.slice(0, fork.name.lastIndexOf('@')))}` : run.trigger ? `${run.trigger.kind}${run.trigger.name ? ` ${run.trigger.name}` : ''}` : 'orc run';
    t.description = [label ? label.verdict : 'unlabelled', ...(n.item.flags ?? []), run.pipeline_id, from, run.started_at.replace('T', ' ').slice(0, 16)].join(' · ');
    t.iconPath = label ? new vscode.ThemeIcon(label.verdict === 'good' ? 'thumbsup' : 'thumbsdown', new vscode.ThemeColor(label.verdict === 'good' ? 'testing.iconPassed' : 'testing.iconFailed')) : new vscode.ThemeIcon('circle-large-outline');
    t.contextValue = `review.${label?.verdict ?? 'unlabelled'}`;
    const md = new vscode.MarkdownString(undefined, false);
    md.appendMarkdown(`**${run.pipeline_id}** — \`${run.execution_id}\`, ${run.status}, from ${run.trigger?.kind ?? 'orc run'}${fork ? ` of run \`${fork.parent ?? fork.name}\` at \`${fork.at ?? ''}\`` : ''}${n.item.flags?.length ? `, flagged ${n.item.flags.join(', ')}` : ''}\n\n`);
    if (inputs.length) md.appendMarkdown(`**Asked**\n\n${fenced(oneLine(inputs[0], 2000))}\n\n`);
    if (result) {
      md.appendMarkdown('**Outputs**\n\n');
      md.appendMarkdown(fenced(JSON.stringify(result.outputs, null, 2).slice(0, 4000)));
      const lines = transcript(result);
      if (lines.length) md.appendMarkdown(`\n\n**Transcript**\n\n${fenced(lines.join('\n').slice(0, 4000))}`);
    }
    if (label?.expected !== undefined) md.appendMarkdown(`\n\n**Expected**\n\n${fenced(oneLine(label.expected, 2000))}`);
    if (label?.note) md.appendMarkdown(`\n\n**Note**\n\n${fenced(label.note)}`);
    t.tooltip = md;
    // a click selects (to label it); Enter or Open Reviewed Run opens it in its pipeline's panel
    return t;
  }

  selected(n?: ReviewNode): ReviewNode | undefined {
    return n && 'item' in n ? n : this.view.selection[0];
  }

  /** Labels the run (keeping what else its label said), then selects the next unlabelled one. */
  async label(n: ReviewNode, verdict: Verdict | null, o: { expected?: unknown; note?: string } = {}): Promise<void> {
    const prev = n.item.label;
    const v = verdict ?? prev?.verdict ?? 'bad';
    labelRun(n.folder, n.item.run.execution_id, v, {
      ...(o.expected !== undefined ? { expected: o.expected } : prev?.expected !== undefined ? { expected: prev.expected } : {}),
      ...(o.note !== undefined ? { note: o.note } : prev?.note ? { note: prev.note } : {}),
    });
    const file = labelsFile(n.folder);
    const stamp = ReviewView.stamp(file);
    if (stamp) this.ownWrites.set(file, stamp);
    const at = this.nodes.findIndex((x) => x.folder === n.folder && x.item.run.execution_id === n.item.run.execution_id);
    this.refresh();
    if (verdict === null) return;
    const fresh = this.getChildren();
    const next = [...fresh.slice(at + 1), ...fresh.slice(0, Math.max(0, at))].find((x) => !x.item.label);
    if (next) await this.view.reveal(next, { select: true, focus: true });
  }

  async open(n: ReviewNode): Promise<boolean> {
    const item = this.runs.items().find((r) => r.folder === n.folder && r.runId === n.item.run.execution_id);
    return item ? this.runs.open(item) : false;
  }

  /** Make Cases: the labelled runs of an eval's pipeline appended to it (an eval file picked when not given). */
  async makeCases(evalUri?: vscode.Uri): Promise<{ added: number; written: string | null } | undefined> {
    let uri = evalUri;
    if (!uri) {
      const files = await vscode.workspace.findFiles('**/*.eval.{yaml,yml}', '**/node_modules/**', 200);
      const pick = await vscode.window.showQuickPick(
        files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })),
        { title: 'Add the labelled runs to which eval?', placeHolder: 'an eval of the runs’ pipeline' },
      );
      uri = pick?.uri;
    }
    if (!uri) return undefined;
    const folder = runFolder(uri);
    const r = labelledRunsToCases(folder, uri.fsPath);
    if (r.added.length) {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: false });
      void vscode.window.showInformationMessage(`${r.added.length} labelled run${r.added.length === 1 ? '' : 's'} added to ${path.basename(uri.fsPath)} as cases${r.left.length ? ` (${r.left.length} left out: already there or of another pipeline)` : ''}.`);
    } else void vscode.window.showInformationMessage(`No labelled run to add to ${path.basename(uri.fsPath)}${r.left.length ? `: ${r.left[0].why}` : ''}.`);
    return { added: r.added.length, written: r.written };
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

/** `--expected`-like input: a JSON object is outputs by name, anything else the one output's text. */
function parseExpected(s: string): unknown {
  if (!s.trimStart().startsWith('{')) return s;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export function registerReviewView(context: vscode.ExtensionContext, runs: RunsView): ReviewView {
  const view = new ReviewView(runs);
  const reg = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown));
  reg(REVIEW_COMMANDS.refresh, () => view.refresh());
  reg(REVIEW_COMMANDS.good, async (n?: ReviewNode) => ((n = view.selected(n)) ? view.label(n, 'good') : undefined));
  reg(REVIEW_COMMANDS.bad, async (n?: ReviewNode) => ((n = view.selected(n)) ? view.label(n, 'bad') : undefined));
  reg(REVIEW_COMMANDS.expected, async (n?: ReviewNode, given?: unknown) => {
    n = view.selected(n);
    if (!n) return undefined;
    const prev = n.item.label?.expected;
    const text = typeof given === 'string' ? given : await vscode.window.showInputBox({ title: `What should run ${n.item.run.execution_id} have answered?`, prompt: 'The text of its output, or a JSON object of outputs by name', value: prev === undefined ? '' : typeof prev === 'string' ? prev : JSON.stringify(prev) });
    // a run a person corrects was answered wrong: bad, unless already labelled
    return text === undefined ? undefined : view.label(n, null, { expected: parseExpected(text) });
  });
  reg(REVIEW_COMMANDS.note, async (n?: ReviewNode, given?: unknown) => {
    n = view.selected(n);
    if (!n) return undefined;
    const text = typeof given === 'string' ? given : await vscode.window.showInputBox({ title: `A note on run ${n.item.run.execution_id}`, value: n.item.label?.note ?? '' });
    return text === undefined ? undefined : view.label(n, null, { note: text });
  });
  reg(REVIEW_COMMANDS.open, async (n?: ReviewNode) => ((n = view.selected(n)) ? view.open(n) : false));
  reg(REVIEW_COMMANDS.makeCases, async (uri?: vscode.Uri) => view.makeCases(uri instanceof vscode.Uri ? uri : undefined));
  reg(REVIEW_COMMANDS.clearFilter, () => view.setFilter(undefined));
  context.subscriptions.push(view);
  return view;
}
