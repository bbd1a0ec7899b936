// What the code lens above an agent opens: a quick pick of the tools its allow-list lets the model
// call (as the language server resolved it: server/agentLens.ts), those whose calls wait for a
// person first; picking one selects the `tools:` entry that allows it in the editor.
import * as vscode from 'vscode';
import type { AllowedToolsList, AllowedToolView } from '../server/protocol';

interface Item extends vscode.QuickPickItem {
  tool?: AllowedToolView;
}

function itemOf(t: AllowedToolView): Item {
  const description = t.unlistedServer ? 'MCP server: its tools are listed when the run starts it' : t.approve ? 'each call waits for your approval' : 'runs without asking';
  const line = t.range.start.line + 1;
  return { label: `${t.approve ? '$(shield) ' : ''}${t.tool}`, description, detail: t.entry === t.tool ? `line ${line}` : `allowed by ${t.entry}, line ${line}`, tool: t };
}

/** Shows the list; resolves with the tool picked (its entry then selected in the editor), or undefined. */
export async function showAllowedTools(uriArg: unknown, listArg: unknown): Promise<string | undefined> {
  const list = listArg as AllowedToolsList | undefined;
  if (typeof uriArg !== 'string' || !list || !Array.isArray(list.tools)) {
    void vscode.window.showInformationMessage("Use the lens above an agent's `tools:` to list what it may call.");
    return undefined;
  }
  const approve = list.tools.filter((t) => t.approve);
  const free = list.tools.filter((t) => !t.approve);
  const items: Item[] = [];
  if (approve.length) items.push({ label: 'Wait for approval', kind: vscode.QuickPickItemKind.Separator }, ...approve.map(itemOf));
  if (free.length) items.push({ label: 'Run without asking', kind: vscode.QuickPickItemKind.Separator }, ...free.map(itemOf));
  const picked = await vscode.window.showQuickPick(items, { title: `What ${list.owner} may call`, placeHolder: list.tools.length ? 'Pick a tool to go to the entry that allows it' : 'Its allow-list is empty: the model only answers', matchOnDescription: true });
  if (!picked?.tool) return undefined;
  const r = picked.tool.range;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uriArg));
  const editor = await vscode.window.showTextDocument(doc, { preserveFocus: false });
  editor.selection = new vscode.Selection(r.start.line, r.start.character, r.end.line, r.end.character);
  editor.revealRange(editor.selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return picked.tool.tool;
}
