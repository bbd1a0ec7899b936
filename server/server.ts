// The language server: answers the client's `initialize` from this small first bundle
// (dist/languageServer.js: the LSP library and the capabilities), then loads the features and the
// engine's analysis (server/wireFeatures.ts, dist/serverFeatures.js) when the client says
// `initialized`. The client is ready as soon as it has the answer, and the protocol has it send
// nothing else before `initialized`, so no message reaches a handler that is not there yet. Each
// feature is a thin function from the engine's analysis to LSP types; an exception in any of them is
// logged and answered with an empty result, so no text can take the server down.
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { createConnection, ProposedFeatures, TextDocuments, type Connection } from 'vscode-languageserver/node';
import { CAPABILITIES, VERSIONED_DOCUMENTS } from './capabilities';
import { EXPOSE_GC_FLAG } from './idleMemory';
import type { ClientState } from './wireFeatures';

/** The LSP library, for the features' bundle: it uses this copy, so that a ResponseError a feature
 * throws is the one the connection knows (esbuild.mjs's `shellLibrary`). */
export * as library from 'vscode-languageserver/node';

/** The features' bundle, loaded when the client says `initialized`: by default with `require`; the
 * built server's entry (server/entry.ts) passes one that reads its compiled code from the cache. */
export type FeaturesLoader = () => typeof import('./wireFeatures');

// in the build, './wireFeatures' is the features' own bundle (dist/serverFeatures.js)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFeatures: FeaturesLoader = () => require('./wireFeatures') as typeof import('./wireFeatures');

export function startServer(connection: Connection, loadFeatures: FeaturesLoader = requireFeatures): void {
  const documents = new TextDocuments(VERSIONED_DOCUMENTS);
  // code lenses name commands the client implements; a client says which in its initializationOptions
  const client: ClientState = { commands: new Set(), trusted: false };
  connection.onInitialize((params) => {
    const opts = params.initializationOptions as { commands?: unknown; trusted?: unknown } | undefined;
    client.commands = new Set(Array.isArray(opts?.commands) ? opts!.commands.map(String) : []);
    client.trusted = opts?.trusted === true;
    // the workspace folders: pipelines under one are served together (webhook names are unique there)
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    client.roots = folders.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
    // how long the process had run when it answered (Node's start and the server's load), for the
    // activation bench's account of where activation's time goes
    return { capabilities: CAPABILITIES, serverInfo: { name: 'orchestrator-language-server', version: '0.1.0' }, processUptimeMs: Math.round(process.uptime() * 1000) };
  });
  connection.onInitialized(() => loadFeatures().wireFeatures(connection, documents, client));
  documents.listen(connection);
  connection.listen();
}

/**
 * Heap settings the server sets on itself (V8 reads them at its next collections):
 * - the young generation does not grow: V8 doubles it to 2 x 16 MiB on the first analysis, whatever
 *   the document's size, and keeps it. Without that growth RSS is about 20 MiB lower (2,000 steps:
 *   159 -> 139 MiB after a session) for about 5 ms more per edit (16 -> 21 ms; yaml-language-server
 *   takes about 380). It stays at the size the process starts with: 2 x 8 MiB, given where the
 *   server is started (server/launch.ts, SERVER_EXEC_ARGV), where V8's own start of 2 x 1 MiB made an
 *   edit of 2,000 steps four scavenges.
 */
const HEAP_FLAGS = ['--semi-space-growth-factor=1'];
// The old generation grows as V8 likes. It was held to grow by half its live size between full
// collections (`--heap-growing-percent=50`) so that a session's RSS stayed low; since the server
// collects and compacts once it is idle (server/idleMemory.ts), RSS read when the editor is quiet is
// the same without it (75-78 MiB at 2,000 steps after 40 edits), and the frequent full collections
// it caused were more than a third of an edit's time (2,000 steps: 34-40 -> 19-25 ms per edit).

/**
 * Compiler settings the server sets on itself: TurboFan inlines no function into another. Without
 * it the open and the first edits are faster and a later edit is no slower (2,000 steps, fresh
 * servers, interleaved: open 216-240 -> 172-205 ms, the first edit at once 105-127 -> 78-100 ms, a
 * later edit 10-12 ms both ways; 5,000 steps: open 313-352 -> 286-308, first edit 285-314 ->
 * 241-252); on Node 24, which also has Maglev (code-server's; the editor forks the server with its
 * own Node), at 2,000 steps: open 205-249 -> 175-212 ms, the first edit 103-116 -> 89-105, a later
 * edit 11.8-12.9 -> 11.0-12.6. The likely reason is the optimizing compiler's own work on large
 * inlined functions, which took the core the open runs on.
 */
const COMPILER_FLAGS = ['--no-turbo-inlining'];

/** Serves this process's client (over --stdio or --node-ipc, as the client asks): what dist/server.js
 * (server/entry.ts) calls once the compile cache is on. */
export function serveProcess(loadFeatures?: FeaturesLoader): void {
  // every flag the server sets on itself, before its features load: V8 reads a code cache only under
  // the flags it was made with, and the features' cache is made after they have run (server/entry.ts),
  // when the idle collection has set its own (server/idleMemory.ts)
  for (const flag of [...HEAP_FLAGS, ...COMPILER_FLAGS, EXPOSE_GC_FLAG]) setFlagsFromString(flag);
  startServer(createConnection(ProposedFeatures.all), loadFeatures);
}

if (require.main === module) serveProcess();
