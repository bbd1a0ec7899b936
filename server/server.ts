// The language server: wires the connection to the feature modules. Each feature is a thin function
// from the engine's analysis to LSP types; an exception in any of them is logged and answered with
// an empty result, so no text can take the server down.
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { idleCollector } from './idleMemory';
import { orchestratorOf } from '../engine/auto/orchestrator';
import { readCachedExplanation } from '../engine/intel/explain';
import { findRunsRoot } from '../engine/cli/workspaceRoot';
import {
  CodeActionKind,
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { graphDocument } from '../engine/analyze/graph';
import { hasErrors } from '../engine/analyze/index';
import { readAutoLock } from '../engine/auto/lockFile';
import { statsFor } from './modelStatsCache';
import { fileURLToPath } from 'node:url';
import { codeActions } from './codeActions';
import { completions } from './completion';
import { toDiagnostic } from './diagnostics';
import { AnalysisCache, VERSIONED_DOCUMENTS } from './documents';
import { format } from './formatting';
import { hover } from './hover';
import { codeLenses, inlayHints, semanticTokens, TOKEN_LEGEND } from './lenses';
import { definition, highlights, prepareRename, references, rename } from './navigation';
import { documentSymbols, foldingRanges, selectionRanges } from './outline';
import { GRAPH_REQUEST, WORKSPACE_TRUSTED_NOTIFICATION, type GraphParams, type GraphResult } from './protocol';

/** A change that comes while another's diagnostics are still waiting waits this long after it, so
 * the changes of one edit (a paste, a multi-cursor edit, a rename) are analyzed once. The first
 * change after a quiet moment is analyzed at once: a keystroke's diagnostics do not wait. */
export const DIAGNOSTICS_DEBOUNCE_MS = 10;

/** How long after a document's open diagnostics its per-step results are kept (see primeLater). */
export const PRIME_MS = 300;

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(VERSIONED_DOCUMENTS);
  const timers = new Map<string, NodeJS.Timeout>();
  // an MCP server's tools listed in the background: the document's diagnostics are published again
  // (only when the client says the workspace is trusted: listing starts the servers' commands)
  let trusted = false;
  const cache = new AnalysisCache((uri) => schedule(uri, 0), () => trusted);

  /** The AUTO lock file of a document on disk (`<file>.auto.lock.json`), if it has one. */
  const lockOf = (uri: string) => (uri.startsWith('file:') ? readAutoLock(fileURLToPath(uri)) : null);

  /** On the pipeline's `name:` line: its intention and architecture, when `Explain Pipeline` (or `orc explain`) has written them for this very text. */
  const explanationHover = (a: ReturnType<AnalysisCache['get']>, uri: string, line: number) => {
    if (!uri.startsWith('file:') || !a.pipeline || !/^(name|id)\s*:/.test(a.text.split('\n', line + 1)[line] ?? '')) return null;
    const model = orchestratorOf(a.pipeline);
    const file = fileURLToPath(uri);
    const root = findRunsRoot(path.dirname(file));
    if (!model || !root) return null;
    const x = readCachedExplanation(root, a.text, model);
    if (!x) return null;
    const lines = [`**Intention** (${model})`, '', x.intention, '', '**Architecture**', '', x.architecture];
    if (x.findings.length) lines.push('', '**Contradictions**', '', ...x.findings.map((f) => `- ${f.step ? `\`${f.step}\`: ` : ''}${f.message}`));
    return { contents: { kind: 'markdown' as const, value: lines.join('\n') } };
  };

  const safe = <T>(name: string, fallback: T, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if ((e as { code?: number })?.code === -32602) throw e; // a rename the user must hear about
      connection.console.error(`${name} failed: ${(e as Error)?.stack ?? e}`);
      return fallback;
    }
  };
  const withDoc = <T>(uri: string, name: string, fallback: T, fn: (a: ReturnType<AnalysisCache['get']>, doc: TextDocument) => T): T => {
    const doc = documents.get(uri);
    if (!doc) return fallback;
    return safe(name, fallback, () => fn(cache.get(doc), doc));
  };

  // code lenses name commands the client implements; a client says which in its initializationOptions
  let clientCommands = new Set<string>();
  connection.onInitialize((params) => {
    const opts = params.initializationOptions as { commands?: unknown; trusted?: unknown } | undefined;
    clientCommands = new Set(Array.isArray(opts?.commands) ? opts!.commands.map(String) : []);
    trusted = opts?.trusted === true;
    return {
    capabilities: {
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
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      documentFormattingProvider: true,
    },
    serverInfo: { name: 'orchestrator-language-server', version: '0.1.0' },
    };
  });

  const idle = idleCollector();
  // A long document's open keeps no per-step results (server/documents.ts), so its diagnostics come
  // sooner. PRIME_MS after they are out, unless an edit came first, the same analysis runs once
  // more keeping them, so that the first edit re-checks only what it can affect (without this, it
  // checks every step: 250 ms rather than 60 at 5,000 steps).
  const primers = new Map<string, NodeJS.Timeout>();
  const primeLater = (uri: string) => {
    clearTimeout(primers.get(uri));
    primers.set(
      uri,
      setTimeout(() => {
        primers.delete(uri);
        const doc = documents.get(uri);
        if (doc) safe('prime', undefined, () => void (cache.prime(doc) && idle.touch()));
      }, PRIME_MS),
    );
  };
  const publish = (uri: string) => {
    const doc = documents.get(uri);
    if (!doc) return;
    const version = doc.version;
    safe('diagnostics', undefined, () => {
      const a = cache.get(doc);
      idle.touch();
      // a newer version arrived while this one was analyzed: its own publish will follow
      if (documents.get(uri)?.version !== version) return;
      void connection.sendDiagnostics({ uri, version, diagnostics: a.findings.map((f) => toDiagnostic(f, uri)) });
      if (cache.unprimed(doc)) primeLater(uri);
    });
  };
  const schedule = (uri: string, delay: number) => {
    const waiting = timers.get(uri);
    clearTimeout(waiting);
    // leading edge: nothing waiting, so no burst to gather; the messages already read go first anyway
    if (waiting === undefined) delay = 0;
    timers.set(uri, setTimeout(() => {
      timers.delete(uri);
      publish(uri);
    }, delay));
  };

  // trust granted later: MCP servers may be listed now, so every open document is checked again
  connection.onNotification(WORKSPACE_TRUSTED_NOTIFICATION, () => {
    trusted = true;
    for (const d of documents.all()) {
      cache.delete(d.uri);
      schedule(d.uri, 0);
    }
  });
  documents.onDidOpen((e) => schedule(e.document.uri, 0));
  documents.onDidChangeContent((e) => schedule(e.document.uri, DIAGNOSTICS_DEBOUNCE_MS));
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    clearTimeout(primers.get(e.document.uri));
    primers.delete(e.document.uri);
    cache.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onCompletion((p) => withDoc(p.textDocument.uri, 'completion', [], (a, doc) => completions(a, a.parsed.lines.offset(p.position))));
  connection.onHover((p) => withDoc(p.textDocument.uri, 'hover', null, (a, doc) => explanationHover(a, doc.uri, p.position.line) ?? hover(a, a.parsed.lines.offset(p.position), lockOf(doc.uri), doc.uri.startsWith('file:') ? (m) => statsFor(fileURLToPath(doc.uri), m) : undefined)));
  connection.onDefinition((p) => withDoc(p.textDocument.uri, 'definition', null, (a, doc) => definition(a, doc.uri, a.parsed.lines.offset(p.position))));
  connection.onReferences((p) => withDoc(p.textDocument.uri, 'references', [], (a, doc) => references(a, doc.uri, a.parsed.lines.offset(p.position), p.context.includeDeclaration)));
  connection.onDocumentHighlight((p) => withDoc(p.textDocument.uri, 'highlight', [], (a, doc) => highlights(a, a.parsed.lines.offset(p.position))));
  connection.onPrepareRename((p) => withDoc(p.textDocument.uri, 'prepareRename', null, (a, doc) => prepareRename(a, a.parsed.lines.offset(p.position))));
  connection.onRenameRequest((p) => withDoc(p.textDocument.uri, 'rename', null, (a, doc) => rename(a, doc.uri, a.parsed.lines.offset(p.position), p.newName)));
  connection.onDocumentSymbol((p) => withDoc(p.textDocument.uri, 'symbols', [], (a) => documentSymbols(a)));
  connection.onFoldingRanges((p) => withDoc(p.textDocument.uri, 'folding', [], (a) => foldingRanges(a)));
  connection.onSelectionRanges((p) => withDoc(p.textDocument.uri, 'selectionRanges', [], (a, doc) => selectionRanges(a, p.positions.map((x) => a.parsed.lines.offset(x)))));
  connection.onCodeLens((p) => withDoc(p.textDocument.uri, 'codeLens', [], (a, doc) => codeLenses(a, doc.uri, lockOf(doc.uri)).filter((l) => l.command && clientCommands.has(l.command.command))));
  connection.languages.inlayHint.on((p) => withDoc(p.textDocument.uri, 'inlayHints', [], (a, doc) => inlayHints(a, p.range.start.line, p.range.end.line, lockOf(doc.uri))));
  connection.languages.semanticTokens.on((p) => withDoc(p.textDocument.uri, 'semanticTokens', { data: [] }, (a) => semanticTokens(a)));
  connection.onCodeAction((p) => withDoc(p.textDocument.uri, 'codeActions', [], (a, doc) => codeActions(a, doc.uri, p.context.diagnostics)));
  connection.onDocumentFormatting((p) => withDoc(p.textDocument.uri, 'formatting', [], (a) => format(a, p.options.tabSize)));
  connection.onRequest(GRAPH_REQUEST, (p: GraphParams): GraphResult | null => withDoc(p.uri, 'graph', null, (a) => (a.pipeline && a.plan && !hasErrors(a.findings) ? graphDocument(a) : null)));

  // a lock file was written (Resolve AUTO tags, orc auto): the inline answers and lenses change
  connection.onDidChangeWatchedFiles((p) => {
    if (!p.changes.some((c) => c.uri.endsWith('.auto.lock.json'))) return;
    void connection.languages.inlayHint.refresh().catch(() => undefined);
    void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  });

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

if (require.main === module) {
  for (const flag of HEAP_FLAGS) setFlagsFromString(flag);
  // --stdio or --node-ipc, as the client asks
  startServer(createConnection(ProposedFeatures.all));
}
