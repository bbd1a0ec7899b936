// The language server's features, wired to a connection that has answered `initialize`: the
// analysis cache, the diagnostics publisher, eval files and every feature module's handlers. It is
// the server's second bundle (dist/serverFeatures.js, with the engine's analysis): server/server.ts
// loads it once the client has its answer, so the editor's client is ready while it loads.
import { fileURLToPath } from 'node:url';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { readAutoLock } from '../engine/auto/lockFile';
import { registerCodeActions } from './codeActions';
import { registerCompletion } from './completion';
import { DiagnosticsPublisher, DIAGNOSTICS_DEBOUNCE_MS } from './diagnosticsPublisher';
import { AnalysisCache } from './documents';
import { EvalCache, isEvalDocument, registerEvalChecks } from './evalDocuments';
import { safely, type ServerFeatures } from './features';
import { registerFormatting } from './formatting';
import { registerGraphRequest } from './graphRequest';
import { registerHover } from './hover';
import { idleCollector } from './idleMemory';
import { registerLenses } from './lenses';
import { registerNavigation } from './navigation';
import { registerOutline } from './outline';
import { WORKSPACE_TRUSTED_NOTIFICATION } from './protocol';
import { WorkspaceWebhooks } from './workspaceWebhooks';

/** What the client said in `initialize`, kept by server/server.ts; the trust may change later. */
export interface ClientState {
  /** The commands the client implements: code lenses name only those. */
  commands: Set<string>;
  /** Whether the workspace is trusted: listing an MCP server's tools starts its command. */
  trusted: boolean;
  /** The workspace folders' paths (from `initialize`): the roots pipelines are served from. */
  roots?: string[];
}

/** Wires every feature to the connection. Documents opened before this (none, when the client
 * keeps to the protocol: it opens them after `initialized`) are checked at once. */
export function wireFeatures(connection: Connection, documents: TextDocuments<TextDocument>, client: ClientState): void {
  // an MCP server's tools listed in the background: the document's diagnostics are published again
  // (only when the client says the workspace is trusted: listing starts the servers' commands)
  const cache = new AnalysisCache((uri) => publisher.schedule(uri, 0), () => client.trusted);
  // eval files (`*.eval.yaml`) have their own analysis; pipeline-only features answer nothing for them
  const evals = new EvalCache();
  // webhook names are unique among the pipelines under one root (`orc serve` serves them together)
  // (a root's files are read in the background: then the open documents with webhooks are checked again)
  const webhooks = new WorkspaceWebhooks(() => client.roots ?? [], { all: () => documents.all().filter((d) => !isEvalDocument(d)), analysis: (d) => cache.get(d) }, () => publisher.recheckWebhooks(null));
  const publisher = new DiagnosticsPublisher(connection, documents, cache, evals, idleCollector(), webhooks);
  // trust granted later: MCP servers may be listed now, so every open document is checked again
  connection.onNotification(WORKSPACE_TRUSTED_NOTIFICATION, () => {
    client.trusted = true;
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
    clientCommands: () => client.commands,
  };
  for (const register of [registerCompletion, registerHover, registerNavigation, registerOutline, registerLenses, registerCodeActions, registerFormatting, registerGraphRequest]) register(features);
  registerEvalChecks(features.onWatchedFiles, documents, evals, publisher);
  // a pipeline file changed on disk: the webhook names under its root are read again, and the open
  // pipelines that name it (an agent's `pipeline: FILE`) are checked again
  features.onWatchedFiles((uris) => {
    if (uris.some((u) => /\.ya?ml$/i.test(u))) {
      webhooks.filesChanged(uris);
      publisher.recheckWebhooks(null);
    }
    const names = uris.map((u) => /([^/]+\.pipeline\.ya?ml)$/i.exec(decodeURIComponent(u))?.[1]).filter((n): n is string => !!n);
    if (!names.length) return;
    for (const d of documents.all()) {
      if (isEvalDocument(d) || !names.some((n) => d.getText().includes(n))) continue;
      cache.delete(d.uri);
      publisher.schedule(d.uri, 0);
    }
  });
  for (const d of documents.all()) publisher.schedule(d.uri, 0);
}
