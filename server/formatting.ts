// Formatting through the YAML CST: comments and blank lines stay; a document with syntax errors is
// left alone. It prints the document the analysis already parsed (no second parse).
import type { TextEdit } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import type { ServerFeatures } from './features';

export function format(a: Analysis, tabSize: number): TextEdit[] {
  const doc = a.parsed.document;
  if (doc.errors.length || a.findings.some((f) => f.code === 'yaml.alias-limit')) return [];
  const formatted = doc.toString({ indent: Math.max(1, tabSize), indentSeq: true, lineWidth: 0, minContentWidth: 0, flowCollectionPadding: false });
  if (formatted === a.text) return [];
  return [{ range: a.parsed.lines.range(0, a.text.length), newText: formatted }];
}

/** Answers document formatting requests. */
export function registerFormatting({ connection, withDoc }: ServerFeatures): void {
  connection.onDocumentFormatting((p) => withDoc(p.textDocument.uri, 'formatting', [], (a) => format(a, p.options.tabSize)));
}
