// What a feature file gets to register its LSP handlers: the connection, and a way to answer from
// an open document's analysis in which an exception is logged and answered with a fallback.
import type { Connection } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { AutoLock } from '../engine/auto/lockFile';
import type { AnalysisCache } from './documents';
import type { EvalDocument } from './evalDocuments';

export type DocumentAnalysis = ReturnType<AnalysisCache['get']>;

export interface ServerFeatures {
  connection: Connection;
  /** Runs fn on the open document's analysis; answers fallback when it is not open or fn throws
   * (a rename error the user must hear about is thrown on). */
  withDoc<T>(uri: string, name: string, fallback: T, fn: (a: DocumentAnalysis, doc: TextDocument) => T): T;
  /** Runs fn on an open eval file's analysis (`*.eval.yaml`); undefined when the document is not an
   * eval, so a handler answers for pipelines instead. The pipeline features' withDoc answers its
   * fallback for eval files. */
  withEval<T>(uri: string, name: string, fallback: T, fn: (d: EvalDocument, doc: TextDocument) => T): T | undefined;
  /** The AUTO lock file of a document on disk (`<file>.auto.lock.json`), if it has one. */
  lockOf(uri: string): AutoLock | null;
  /** Told the files the client watches (pipelines, datasets, lock files) that changed on disk. */
  onWatchedFiles(fn: (uris: string[]) => void): void;
  /** The commands the client implements (from its initializationOptions): lenses name only those. */
  clientCommands(): ReadonlySet<string>;
}

/** Runs fn; an exception is logged and answered with fallback, except a rename error (code -32602) the user must hear about. */
export function safely<T>(connection: Connection, name: string, fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if ((e as { code?: number })?.code === -32602) throw e; // a rename the user must hear about
    connection.console.error(`${name} failed: ${(e as Error)?.stack ?? e}`);
    return fallback;
  }
}
