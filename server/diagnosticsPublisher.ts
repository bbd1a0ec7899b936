// When a document's diagnostics are published: at once for the first change after a quiet moment,
// gathered for a burst of changes.
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { toDiagnostics } from './diagnostics';
import type { AnalysisCache } from './documents';
import { isEvalDocument, type EvalCache } from './evalDocuments';
import { safely } from './features';
import type { IdleCollector } from './idleMemory';
import type { WorkspaceWebhooks } from './workspaceWebhooks';
import type { Finding } from '../engine/spec/types';
import { readBySections } from '../engine/parse/yamlDocument';

/** A document's findings with those about other files (sorted by position, as an analysis's are). */
function withWorkspaceFindings(own: Finding[], more: Finding[]): Finding[] {
  if (!more.length) return own;
  return [...own, ...more].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** A change that comes while another's diagnostics are still waiting waits this long after it, so
 * the changes of one edit (a paste, a multi-cursor edit, a rename) are analyzed once. The first
 * change after a quiet moment is analyzed at once: a keystroke's diagnostics do not wait. */
export const DIAGNOSTICS_DEBOUNCE_MS = 10;

export class DiagnosticsPublisher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The documents whose diagnostics were published since they opened (see lineOffsetsLater). */
  private readonly published = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly cache: AnalysisCache,
    private readonly evals: EvalCache,
    private readonly idle: IdleCollector,
    /** Webhook names declared by other pipelines under the same root (`triggers:`). */
    private readonly webhooks?: WorkspaceWebhooks,
  ) {}

  /** Publishes the document's diagnostics after delay (at once when nothing is waiting). */
  schedule(uri: string, delay: number): void {
    const waiting = this.timers.get(uri);
    clearTimeout(waiting);
    // leading edge: nothing waiting, so no burst to gather; the messages already read go first anyway
    if (waiting === undefined) delay = 0;
    this.timers.set(uri, setTimeout(() => {
      this.timers.delete(uri);
      this.publish(uri);
    }, delay));
  }

  /** The document was closed: nothing more is published for it, and its diagnostics are cleared. */
  closed(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.published.delete(uri);
    this.cache.delete(uri);
    this.evals.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    // its file on disk counts now, as it is saved: the others are checked against that
    if (this.webhooks?.changed(uri, null)) this.recheckWebhooks(uri);
  }

  /** The other open documents with webhooks are published again (a name they share may have come or gone). */
  recheckWebhooks(except: string | null): void {
    for (const other of this.webhooks?.othersWithWebhooks(except ?? '') ?? []) this.schedule(other, 0);
  }

  private publish(uri: string): void {
    const doc = this.documents.get(uri);
    if (!doc) return;
    const version = doc.version;
    safely(this.connection, 'diagnostics', undefined, () => {
      if (isEvalDocument(doc)) {
        const e = this.evals.get(doc).eval;
        this.idle.touch();
        if (this.documents.get(uri)?.version === version) void this.connection.sendDiagnostics({ uri, version, diagnostics: toDiagnostics(e.findings, uri) });
        return;
      }
      const a = this.cache.get(doc);
      this.idle.touch();
      // a newer version arrived while this one was analyzed: its own publish will follow
      if (this.documents.get(uri)?.version !== version) return;
      const findings = withWorkspaceFindings(a.findings, this.webhooks?.findings(doc, a) ?? []);
      void this.connection.sendDiagnostics({ uri, version, diagnostics: toDiagnostics(findings, uri) });
      if (this.webhooks?.changed(uri, a)) this.recheckWebhooks(uri);
      if (!this.published.has(uri)) {
        this.published.add(uri);
        if (readBySections(a.parsed)) this.lineOffsetsLater(uri);
      }
    });
  }

  // Right after an open's diagnostics are out, the document's line offsets are found. The LSP
  // library finds them when an edit first needs them, a character at a time: the first edit of a
  // 2,000-step document spent 7 of its 39 ms there (a server's profile, the edit made 1 s after the
  // open), where later edits spend 0.4 ms moving them. Only for a document read by sections (one of
  // many lines): a pipeline written on one line is read by position in its own analysis, and its
  // offsets (100-150 ms for 4.9 MB) wait for an edit that needs them, rather than holding the
  // hover that follows the open.
  private lineOffsetsLater(uri: string): void {
    setImmediate(() => void this.documents.get(uri)?.lineCount);
  }
}
