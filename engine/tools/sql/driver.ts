// What the `sql` tool asks of a database, whichever it is.
import type { RowSink, QueryResult } from './rows';

export interface Statement {
  sql: string;
  params?: unknown;
}

export interface CallOptions {
  signal: AbortSignal;
  /** Milliseconds the database may spend on one statement; null: no limit. */
  timeoutMs: number | null;
}

export interface SqlDriver {
  query(statement: Statement, sink: RowSink, options: CallOptions): Promise<QueryResult>;
  execute(statement: Statement, options: CallOptions): Promise<{ rows_affected: number }>;
  /** All the statements or none: a failure rolls back, then throws. */
  transaction(statements: Statement[], options: CallOptions): Promise<{ rows_affected: number }[]>;
  close(): Promise<void>;
}
