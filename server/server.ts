// The language server: wires the connection to the feature modules. Each feature is a thin function
// from the engine's analysis to LSP types; an exception in any of them is logged and answered with
// an empty result, so no text can take the server down.
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { idleCollector } from './idleMemory';
import {
  CodeActionKind,
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { readAutoLock } from '../engine/auto/lockFile';
import { registerCodeActions } from './codeActions';
import { registerCompletion } from './completion';
import { DiagnosticsPublisher, DIAGNOSTICS_DEBOUNCE_MS } from './diagnosticsPublisher';
import { AnalysisCache, VERSIONED_DOCUMENTS } from './documents';
import { safely, type ServerFeatures } from './features';
import { registerFormatting } from './formatting';
import { registerGraphRequest } from './graphRequest';
import { registerHover } from './hover';
import { registerLenses, TOKEN_LEGEND } from './lenses';
import { registerNavigation } from './navigation';
import { registerOutline } from './outline';
import { WORKSPACE_TRUSTED_NOTIFICATION } from './protocol';
import { EvalCache, isEvalDocument, registerEvalChecks } from './evalDocuments';

export { DIAGNOSTICS_DEBOUNCE_MS, PRIME_MS } from './diagnosticsPublisher';

/** What the server offers, answered to the client's initialize. */
const CAPABILITIES: ServerCapabilities = {
  textDocumentSync: TextDocumentSyncKind.Incremental,
  completionProvider: { triggerCharacters: ['.', '|', ' ', '{', '[', ':', '-', "'"], resolveProvider: false },
  hoverProvider: true,
  definitionProvider: true,
  referencesProvider: true,
  documentHighlightProvider: true,
  renameProvider: { prepareProvider: true },
  documentSymbolProvider: true,
  foldingRangeProvider: true,
  selectionRangeProvider: true,
  codeLensProvider: { resolveProvider: false },
  inlayHintProvider: true,
  semanticTokensProvider: { legend: TOKEN_LEGEND, full: true },
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.Refactor, CodeActionKind.RefactorMove], resolveProvider: true },
  documentFormattingProvider: true,
};

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(VERSIONED_DOCUMENTS);
  // an MCP server's tools listed in the background: the document's diagnostics are published again
  // (only when the client says the workspace is trusted: listing starts the servers' commands)
  let trusted = false;
  const cache = new AnalysisCache((uri) => publisher.schedule(uri, 0), () => trusted);
  // eval files (`*.eval.yaml`) have their own analysis; pipeline-only features answer nothing for them
  const evals = new EvalCache();

  // code lenses name commands the client implements; a client says which in its initializationOptions
  let clientCommands = new Set<string>();
  connection.onInitialize((params) => {
    const opts = params.initializationOptions as { commands?: unknown; trusted?: unknown } | undefined;
    clientCommands = new Set(Array.isArray(opts?.commands) ? opts!.commands.map(String) : []);
    trusted = opts?.trusted === true;
    // how long the process had run when it answered (Node's start and the server's load), for the
    // activation bench's account of where activation's time goes
    return { capabilities: CAPABILITIES, serverInfo: { name: 'orchestrator-language-server', version: '0.1.0' }, processUptimeMs: Math.round(process.uptime() * 1000) };
  });

  const publisher = new DiagnosticsPublisher(connection, documents, cache, evals, idleCollector());
  // trust granted later: MCP servers may be listed now, so every open document is checked again
  connection.onNotification(WORKSPACE_TRUSTED_NOTIFICATION, () => {
    trusted = true;
    for (const d of documents.all()) {
      cache.delete(d.uri);
      publisher.schedule(d.uri, 0);
    }
  });
  documents.onDidOpen((e) => publisher.schedule(e.document.uri, 0));
  documents.onDidChangeContent((e) => publisher.schedule(e.document.uri, DIAGNOSTICS_DEBOUNCE_MS));
  documents.onDidClose((e) => publisher.closed(e.document.uri));

  // one handler for the files the client watches, told to every feature that cares
  const watchers: ((uris: string[]) => void)[] = [];
  connection.onDidChangeWatchedFiles((p) => {
    const uris = p.changes.map((c) => c.uri);
    for (const w of watchers) w(uris);
  });

  const features: ServerFeatures = {
    connection,
    onWatchedFiles: (fn) => void watchers.push(fn),
    withDoc: (uri, name, fallback, fn) => {
      const doc = documents.get(uri);
      if (!doc || isEvalDocument(doc)) return fallback;
      return safely(connection, name, fallback, () => fn(cache.get(doc), doc));
    },
    withEval: (uri, name, fallback, fn) => {
      const doc = documents.get(uri);
      if (!doc || !isEvalDocument(doc)) return undefined;
      return safely(connection, name, fallback, () => fn(evals.get(doc), doc));
    },
    lockOf: (uri) => (uri.startsWith('file:') ? readAutoLock(fileURLToPath(uri)) : null),
    clientCommands: () => clientCommands,
  };
  for (const register of [registerCompletion, registerHover, registerNavigation, registerOutline, registerLenses, registerCodeActions, registerFormatting, registerGraphRequest]) register(features);
  registerEvalChecks(features.onWatchedFiles, documents, evals, publisher);

  documents.listen(connection);
  connection.listen();
}

/**
 * Heap settings the server sets on itself (V8 reads them at its next collections):
 * - the old generation may grow by half its live size between full collections (V8 lets it grow
 *   up to 4x on a machine with much memory). Every analysis outlives a few young collections and
 *   so lands in the old generation, where it is garbage once the next edit's analysis replaces it:
 *   with the default, RSS on a 2,000-step document climbed from 127 MiB after open to 254 MiB
 *   after 200 edits; with this, to 165 MiB, for about 10 % more time per edit;
 * - the young generation does not grow: V8 doubles it to 2 x 16 MiB on the first analysis, whatever
 *   the document's size, and keeps it. Without that growth RSS is about 20 MiB lower (2,000 steps:
 *   159 -> 139 MiB after a session) for about 5 ms more per edit (16 -> 21 ms; yaml-language-server
 *   takes about 380).
 */
const HEAP_FLAGS = ['--heap-growing-percent=50', '--semi-space-growth-factor=1'];

/** Serves this process's client (over --stdio or --node-ipc, as the client asks): what dist/server.js
 * (server/entry.ts) calls once the compile cache is on. */
export function serveProcess(): void {
  for (const flag of HEAP_FLAGS) setFlagsFromString(flag);
  startServer(createConnection(ProposedFeatures.all));
}

if (require.main === module) serveProcess();
