// The floor of the activation bench: a language server that only answers `initialize` (on the same
// library, started the same way, over node IPC), put in a copy of the extension in place of ours.
// What activate() to the client ready takes with it is what any server in its own process costs
// in that workbench: the process's start, the library's load and the round trip.
import { createConnection, ProposedFeatures, TextDocumentSyncKind } from 'vscode-languageserver/node';

const connection = createConnection(ProposedFeatures.all);
connection.onInitialize(() => ({ capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental }, processUptimeMs: Math.round(process.uptime() * 1000) }));
connection.listen();
