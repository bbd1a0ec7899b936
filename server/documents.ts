// The analysis of each open document, computed once per version and shared by every feature.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis } from '../engine/analyze/index';

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
