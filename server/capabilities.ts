// What the server answers to the client's `initialize`: its capabilities and how it keeps open
// documents. Both are known before any feature is loaded, so the server's first bundle
// (server/server.ts) answers with them while the features (server/wireFeatures.ts) are still unloaded.
import { CodeActionKind, TextDocumentSyncKind, type SemanticTokensLegend, type ServerCapabilities } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';

/** The semantic token types lenses.ts paints, in the legend's order. */
export const TOKEN_TYPES = ['variable', 'parameter', 'function', 'class', 'property', 'macro', 'keyword'] as const;
export const TOKEN_LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [] };

/** What the server offers, answered to the client's initialize. */
export const CAPABILITIES: ServerCapabilities = {
  textDocumentSync: TextDocumentSyncKind.Incremental,
  completionProvider: { triggerCharacters: ['.', '|', ' ', '{', '[', ':', '-', "'"], resolveProvider: true },
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
