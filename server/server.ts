// The language server: wires the connection to the feature modules. Each feature is a thin function
// from the engine's analysis to LSP types.
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from '../engine/analyze/index';
import { toDiagnostic } from './diagnostics';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

connection.onInitialize(() => ({
  capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
  serverInfo: { name: 'orchestrator-language-server', version: '0.1.0' },
}));

function publish(doc: TextDocument): void {
  try {
    const a = analyze(doc.getText());
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: a.findings.map((f) => toDiagnostic(f, doc.uri)) });
  } catch (e) {
    connection.console.error(`analysis failed for ${doc.uri}: ${(e as Error).stack ?? e}`);
  }
}

documents.onDidChangeContent((e) => publish(e.document));
documents.onDidClose((e) => void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }));
documents.listen(connection);
connection.listen();
