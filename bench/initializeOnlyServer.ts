// The floor of the activation bench: a language server that only answers `initialize`, with our
// server's capabilities (on the same library, started the same way, over node IPC), put in a copy of
// the extension in place of ours. What activate() to the client ready takes with it is what any
// server offering these features from its own process costs in that workbench: the process's
// start, the library's load, the round trip, and the client registering a provider for each
// capability before it is ready.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { CAPABILITIES } from '../server/capabilities';

const connection = createConnection(ProposedFeatures.all);
connection.onInitialize(() => ({ capabilities: CAPABILITIES, processUptimeMs: Math.round(process.uptime() * 1000) }));
connection.listen();
