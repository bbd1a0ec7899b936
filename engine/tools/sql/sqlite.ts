// SQLite through node-sqlite3-wasm: SQLite compiled to WebAssembly that reads and writes the real file
// through Node's fs (no compiler, no native binary, the same on every platform and Node 20). Calls are
// synchronous, so a query yields to the event loop every few hundred rows: cancellation and timeouts
// are checked there, and a statement that runs long without returning rows finishes before they are.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { Database, type SQLiteValue } from 'node-sqlite3-wasm';
import { abortError, ToolError } from '../../toolkit/runtime';
import type { CallOptions, SqlDriver, Statement } from './driver';
import { bindParameters } from './placeholders';
import { jsonValue, type Column, type QueryResult, type RowSink } from './rows';

const YIELD_EVERY = 256;

function typeOf(v: SQLiteValue): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'real';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'string') return 'text';
  return 'blob';
}

function sqliteError(e: unknown): ToolError {
  if (e instanceof ToolError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const type = /syntax error|no such (table|column)|has no column|datatype mismatch|constraint failed|UNIQUE|NOT NULL|CHECK/i.test(message) ? 'ValueError' : /locked|busy/i.test(message) ? 'DatabaseBusy' : 'DatabaseError';
  return new ToolError(`SQLite: ${message}`, type);
}

export class SqliteDriver implements SqlDriver {
  private db: Database | null = null;

  constructor(private readonly file: string) {}

  private open(): Database {
    if (!this.db) {
      try {
        if (this.file !== ':memory:') mkdirSync(path.dirname(this.file), { recursive: true });
        this.db = new Database(this.file);
        this.db.exec('PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON');
      } catch (e) {
        throw new ToolError(`SQLite: cannot open ${this.file} (${e instanceof Error ? e.message : String(e)})`, 'ConfigurationError');
      }
    }
    return this.db;
  }

  async query(statement: Statement, sink: RowSink, options: CallOptions): Promise<QueryResult> {
    if (options.signal.aborted) throw abortError(options.signal);
    const db = this.open();
    const bound = bindParameters(statement.sql, statement.params, 'sqlite');
    const deadline = options.timeoutMs === null ? Infinity : Date.now() + options.timeoutMs;
    let stmt;
    try {
      stmt = db.prepare(bound.text);
    } catch (e) {
      throw sqliteError(e);
    }
    try {
      let columns: Column[] | null = null;
      let seen = 0;
      for (const raw of stmt.iterate(bound.values as SQLiteValue[])) {
        const row = raw as Record<string, SQLiteValue>;
        if (!columns) {
          columns = Object.keys(row).map((name) => ({ name, type: 'null' }));
          sink.setColumns(columns);
        }
        const out: Record<string, unknown> = {};
        for (let i = 0; i < columns.length; i++) {
          const v = row[columns[i].name];
          if (columns[i].type === 'null' && v !== null) columns[i].type = typeOf(v);
          out[columns[i].name] = jsonValue(v);
        }
        const added = sink.add(out);
        const more = typeof added === 'boolean' ? added : await added;
        if (!more) break;
        if (++seen % YIELD_EVERY === 0) {
          await new Promise<void>((r) => setImmediate(r));
          if (options.signal.aborted) throw abortError(options.signal);
          if (Date.now() > deadline) throw new ToolError(`SQLite: the query ran past its timeout (${options.timeoutMs} ms)`, 'TimeoutError');
        }
      }
      if (!columns) sink.setColumns([]);
      return await sink.finish();
    } catch (e) {
      await sink.abandon();
      throw e instanceof Error && e.name === 'AbortError' ? e : sqliteError(e);
    } finally {
      stmt.finalize();
    }
  }

  async execute(statement: Statement, options: CallOptions): Promise<{ rows_affected: number }> {
    if (options.signal.aborted) throw abortError(options.signal);
    const db = this.open();
    const bound = bindParameters(statement.sql, statement.params, 'sqlite');
    try {
      return { rows_affected: db.run(bound.text, bound.values as SQLiteValue[]).changes };
    } catch (e) {
      throw sqliteError(e);
    }
  }

  async transaction(statements: Statement[], options: CallOptions): Promise<{ rows_affected: number }[]> {
    if (options.signal.aborted) throw abortError(options.signal);
    const db = this.open();
    const bound = statements.map((s) => bindParameters(s.sql, s.params, 'sqlite'));
    const out: { rows_affected: number }[] = [];
    if (!bound.length) return out;
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      throw sqliteError(e);
    }
    try {
      for (const [i, b] of bound.entries()) {
        try {
          out.push({ rows_affected: db.run(b.text, b.values as SQLiteValue[]).changes });
        } catch (e) {
          const err = sqliteError(e);
          err.message = `Statement ${i + 1} of ${bound.length} failed, nothing was applied: ${err.message}`;
          throw err;
        }
      }
      db.exec('COMMIT');
      return out;
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e instanceof ToolError ? e : sqliteError(e);
    }
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    if (db?.isOpen) db.close();
  }
}
