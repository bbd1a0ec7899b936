// The Improve Prompts panel's host side: one webview per eval file (media/improveView.ts), drawn from
// the messages client/improvePrompts.ts posts while a search runs and after (or from a record the
// Runs view reopens). A point clicked, or Apply pressed, is handed back to client/improvePrompts.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FromImproveView, ImproveViewMessage } from '../media/improveProtocol';
import { makeNonce, webviewHtml } from './panelHtml';

export const IMPROVE_PANEL_TYPE = 'orchestrator.improvePrompts';

/** What the panel last drew (the in-host tests read it through a hidden command). */
export type ImproveRendered = Omit<Extract<FromImproveView, { type: 'rendered' }>, 'type'>;

interface Shown {
  panel: vscode.WebviewPanel;
  message: ImproveViewMessage | null;
  rendered: ImproveRendered | null;
}

export class ImprovePanels implements vscode.Disposable {
  private readonly shown = new Map<string, Shown>();
  /** A point (or its row's Diff) was clicked in the panel of this eval file. */
  onOpenCandidate: (evalUri: vscode.Uri, id: string) => void = () => undefined;
  /** Apply was pressed in the panel of this eval file. */
  onApply: (evalUri: vscode.Uri) => void = () => undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  rendered(evalUri: vscode.Uri): ImproveRendered | null {
    return this.shown.get(evalUri.toString())?.rendered ?? null;
  }

  isOpen(evalUri: vscode.Uri): boolean {
    return this.shown.has(evalUri.toString());
  }

  /** The panel of this eval file (opened beside when it is not), showing `m`. */
  post(evalUri: vscode.Uri, m: ImproveViewMessage): void {
    const s = this.shown.get(evalUri.toString()) ?? this.open(evalUri);
    s.message = m;
    void s.panel.webview.postMessage(m);
  }

  reveal(evalUri: vscode.Uri): void {
    this.shown.get(evalUri.toString())?.panel.reveal(undefined, true);
  }

  private open(evalUri: vscode.Uri): Shown {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const title = `Improve: ${path.basename(evalUri.fsPath)}`;
    const panel = vscode.window.createWebviewPanel(IMPROVE_PANEL_TYPE, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [dist] });
    panel.webview.html = webviewHtml({
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'improveView.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'improveView.css')).toString(),
      nonce: makeNonce(),
      cspSource: panel.webview.cspSource,
      title,
    });
    const s: Shown = { panel, message: null, rendered: null };
    panel.webview.onDidReceiveMessage((m: FromImproveView) => {
      if (m.type === 'ready') {
        if (s.message) void panel.webview.postMessage(s.message);
      } else if (m.type === 'open-candidate') this.onOpenCandidate(evalUri, m.id);
      else if (m.type === 'apply') this.onApply(evalUri);
      else if (m.type === 'rendered') s.rendered = { points: m.points, chosen: m.chosen, status: m.status, summary: m.summary, applyEnabled: m.applyEnabled };
    });
    panel.onDidDispose(() => this.shown.delete(evalUri.toString()));
    this.shown.set(evalUri.toString(), s);
    return s;
  }

  dispose(): void {
    for (const s of this.shown.values()) s.panel.dispose();
    this.shown.clear();
  }
}
