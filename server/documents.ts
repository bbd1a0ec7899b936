// The open documents and the analysis of each, computed once per version and shared by every feature.
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis } from '../engine/analyze/index';

/**
 * How open documents are created and changed. A change whose version is not newer than the
 * document's (a late or repeated `didChange`) is ignored: applying it would put old text over new
 * and publish diagnostics of the past after those of the present.
 */
export const VERSIONED_DOCUMENTS = {
  create: TextDocument.create,
  update(doc: TextDocument, changes: TextDocumentContentChangeEvent[], version: number): TextDocument {
    if (version <= doc.version) return doc;
    return TextDocument.update(doc, changes, version);
  },
};

export class AnalysisCache {
  private readonly byUri = new Map<string, { version: number; analysis: Analysis }>();

  get(doc: TextDocument): Analysis {
    const hit = this.byUri.get(doc.uri);
    if (hit && hit.version === doc.version) return hit.analysis;
    const analysis = analyze(doc.getText());
    this.byUri.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
  }
}
