// The Runs view's "Prompt improvements" group: the searches Improve Prompts… and `orc improve` wrote
// under each folder's `.orchestrator/improve/` (listImproveRecords), newest first; selecting one
// reopens its panel from the record (client/improvePrompts.ts). The group is there only when a
// folder has a search.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listImproveRecords } from '../engine/api/index';
import { STOPPED_WORDS } from '../media/improveProtocol';
import { IMPROVE_COMMANDS } from './improvePrompts';

type Record = ReturnType<typeof listImproveRecords>[number];
export type ImproveNode = { kind: 'improve-group'; records: { folder: string; record: Record }[] } | { kind: 'improve-record'; folder: string; record: Record };

export const isImproveNode = (n: object): n is ImproveNode => 'kind' in n && (n.kind === 'improve-group' || n.kind === 'improve-record');

const pct = (x: number) => `${(x * 100).toFixed(x === 1 || x === 0 ? 0 : 1)} %`;

/** The group node of these folders' searches, or none when there is none. */
export function improveGroup(folders: string[]): ImproveNode[] {
  const records = folders.flatMap((folder) => {
    try {
      return listImproveRecords(folder).map((record) => ({ folder, record }));
    } catch {
      return [];
    }
  });
  records.sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt));
  return records.length ? [{ kind: 'improve-group', records }] : [];
}

export function improveChildren(n: ImproveNode): ImproveNode[] {
  return n.kind === 'improve-group' ? n.records.map((r) => ({ kind: 'improve-record', ...r })) : [];
}

export function improveTreeItem(n: ImproveNode): vscode.TreeItem {
  if (n.kind === 'improve-group') {
    const item = new vscode.TreeItem('Prompt improvements', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = 'improve';
    item.description = `${n.records.length} search${n.records.length === 1 ? '' : 'es'}`;
    item.tooltip = 'The searches of Improve Prompts… and `orc improve` (.orchestrator/improve/): select one to reopen its panel';
    item.iconPath = new vscode.ThemeIcon('sparkle');
    item.contextValue = 'improve';
    return item;
  }
  const r = n.record;
  const item = new vscode.TreeItem(path.basename(r.evalFile), vscode.TreeItemCollapsibleState.None);
  item.resourceUri = vscode.Uri.file(path.resolve(n.folder, r.evalFile));
  item.id = `improve\n${n.folder}\n${r.id}`;
  const figures = r.train ? `train ${pct(r.train.before)} → ${pct(r.train.after)}` : 'no result';
  item.description = [figures, r.stopped ? (STOPPED_WORDS[r.stopped] ?? r.stopped) : 'running, or stopped before its end', r.startedAt.replace('T', ' ').slice(0, 16)].join(' · ');
  item.tooltip = new vscode.MarkdownString(`**${path.basename(r.evalFile)}**: search \`${r.id}\`\n\nstarted ${r.startedAt}${r.stopped ? `, stopped: ${r.stopped}` : ''}\n\n${figures}\n\n${r.dir}`);
  item.iconPath = new vscode.ThemeIcon(r.train ? (r.train.after > r.train.before ? 'arrow-up' : 'dash') : 'history');
  item.contextValue = 'improve.record';
  // the record names its eval relative to the folder holding .orchestrator/
  item.command = { command: IMPROVE_COMMANDS.open, title: 'Open Prompt Improvement', arguments: [{ dir: r.dir, evalFile: path.resolve(n.folder, r.evalFile) }] };
  return item;
}
