// The graph editor's edits in the editor: an operation of engine/edit (through the api door) made on
// the document's text and applied as ONE WorkspaceEdit, so Ctrl+Z undoes a gesture in one step. A
// document changed since its graph was drawn is drawn again instead of edited; a read-only one is
// refused; a refused operation is said in the panel (or a notification when no panel is open); a
// removal a template still reads is offered in a modal with the errors it will cause.
import * as vscode from 'vscode';
import { EditAnalyses, editPipeline, graphDocument, hasErrors, type EditOperation, type EditResult } from '../engine/api/index';
import type { Log } from './log';
import type { WebviewHost } from './webviewHost';

/** What an edit came to: made, refused (and why), or dropped because the graph was stale or the person said no. */
export type EditOutcome = { made: true; summary: string } | { made: false; reason: string };

/** A placeholder the engine writes for a required parameter, turned into a snippet tab stop. */
const PLACEHOLDER = (name: string, n: number) => `__orc_placeholder_${n}_${name}__`;
const PLACEHOLDER_RE = /__orc_placeholder_(\d+)_[A-Za-z0-9_]+__/g;

/** The new text as a snippet: `$`, `}` and `\` escaped, each placeholder a tab stop inside quotes. */
export function snippetOf(newText: string): string {
  return newText.replace(/[$}\\]/g, (c) => `\\${c}`).replace(PLACEHOLDER_RE, (_m, n: string) => `"\${${n}}"`);
}

export class GraphEditor {
  /** The last outcome (the extension's test API reads it). */
  last: EditOutcome | null = null;
  /** The analyses of the texts the last gesture started from and made (engine/edit/analyses.ts): the
   * next gesture on either starts from it instead of analyzing the same text again. Made with the first
   * gesture: the engine loads on first use, never at activation. */
  private kept: EditAnalyses | null = null;
  private get analyses(): EditAnalyses {
    return (this.kept ??= new EditAnalyses());
  }

  constructor(
    private readonly host: WebviewHost,
    private readonly log: Log,
  ) {}

  /** Makes `op` on the document. `drawnVersion`: the version the gesture's graph was drawn from (null: a command, no graph involved). */
  async apply(uri: vscode.Uri, op: EditOperation, drawnVersion: number | null = null): Promise<EditOutcome> {
    const outcome = await this.make(uri, op, drawnVersion);
    this.last = outcome;
    if (outcome.made) this.log.line(`graph edit of ${uri.fsPath}: ${outcome.summary}`);
    return outcome;
  }

  private async make(uri: vscode.Uri, op: EditOperation, drawnVersion: number | null): Promise<EditOutcome> {
    const doc = await vscode.workspace.openTextDocument(uri);
    if (drawnVersion !== null && doc.version !== drawnVersion) {
      await this.host.refreshGraph(uri);
      return this.refuse(uri, 'The document changed since the graph was drawn: the graph is drawn again, nothing was edited. Try once more.');
    }
    if (vscode.workspace.fs.isWritableFileSystem(uri.scheme) === false) {
      return this.refuse(uri, `${uri.scheme === 'file' ? uri.fsPath : uri.toString()} is read-only: the graph cannot edit it.`);
    }
    const text = doc.getText();
    const analysis = this.analyses.of(text);
    let r: EditResult = editPipeline(text, op.op === 'add-step' ? { ...op, placeholder: PLACEHOLDER } : op, analysis);
    if (!r.ok && op.op === 'remove-step') {
      // offered with the findings it will cause: the person decides
      const forced = editPipeline(text, op, analysis, { force: true });
      if (forced.ok) {
        const findings = forced.caused.map((f) => `line ${f.range.start.line + 1}: ${f.message}`);
        const choice = await vscode.window.showWarningMessage(
          `Remove step '${op.id}'? ${r.reason}.`,
          { modal: true, detail: `After the removal the pipeline has ${findings.length} error${findings.length === 1 ? '' : 's'}:\n${findings.join('\n')}` },
          'Remove Anyway',
        );
        if (choice !== 'Remove Anyway') return { made: false, reason: 'cancelled' };
        r = forced;
      }
    }
    if (!r.ok) return this.refuse(uri, `${r.reason}${r.findings.length ? `: ${r.findings.map((f) => f.message).join('; ')}` : ''}`);
    const edit = new vscode.WorkspaceEdit();
    const range = (start: number, end: number) => new vscode.Range(doc.positionAt(start), doc.positionAt(end));
    if (op.op === 'add-step' && r.edits.length === 1 && r.edits[0].newText.includes('__orc_placeholder_')) {
      const e = r.edits[0];
      edit.set(uri, [vscode.SnippetTextEdit.replace(range(e.start, e.end), new vscode.SnippetString(snippetOf(e.newText)))]);
    } else {
      // no placeholder left to fill: plain text (a placeholder the snippet did not get stays `""`)
      for (const e of r.edits) edit.replace(uri, range(e.start, e.end), e.newText.replace(PLACEHOLDER_RE, '""'));
    }
    if (!(await vscode.workspace.applyEdit(edit))) return this.refuse(uri, 'The editor did not accept the edit (is the file read-only?).');
    // the graph follows at once, from the edit's own analysis of the text it made (no second analysis
    // of it); the server's graph follows the change as for any other (a snippet's placeholders, written
    // as `""`, leave the same steps and edges)
    const after = doc.getText();
    if (after === r.text) this.analyses.keep(after, r.analysis);
    if (r.analysis.pipeline && r.analysis.plan && !hasErrors(r.analysis.findings)) {
      const { pipeline_id, ...graph } = graphDocument(r.analysis);
      this.host.editedGraph(uri, { pipelineId: pipeline_id, graph }, doc.version);
    } else void this.host.refreshGraph(uri);
    this.host.notice(uri, 'info', `${capitalize(r.summary)}. Ctrl+Z in the editor undoes it.`);
    return { made: true, summary: r.summary };
  }

  private refuse(uri: vscode.Uri, reason: string): EditOutcome {
    if (this.host.isOpen(uri)) this.host.notice(uri, 'warning', reason);
    else void vscode.window.showWarningMessage(reason);
    return { made: false, reason };
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
