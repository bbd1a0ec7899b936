// PostgreSQL through `pg`: one pool per connection per run (closed when the run ends). Queries that
// keep their rows stream them through row events and keep at most `max_rows`; `to_file` reads
// through a cursor in batches, so a file of any size is written in bounded memory with backpressure.
// A cancelled step or a passed step timeout cancels the statement on the server (pg_cancel_backend
// from a second connection); `timeout` sets the server's statement_timeout for the call.
import pg from 'pg';
import Cursor from 'pg-cursor';
import { abortError, ToolError } from '../../toolkit/runtime';
import type { Target } from './connections';
import type { CallOptions, SqlDriver, Statement } from './driver';
import { bindParameters } from './placeholders';
import { pgColumns, pgTypes } from './postgresTypes';
import { FileRows, jsonValue, type QueryResult, type RowSink } from './rows';

type PgTarget = Extract<Target, { kind: 'postgres' }>;
const CURSOR_BATCH = 1000;

function hide(message: string, secrets: string[]): string {
  let out = message;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** A pg failure as the step's error: its type says whether a retry may help. */
function pgError(e: unknown, target: PgTarget, options: CallOptions, timedOut: boolean): Error {
  if (e instanceof ToolError) return e;
  if (options.signal.aborted) return abortError(options.signal);
  const err = e as Error & { code?: string };
  const code = err.code ?? '';
  const text = hide(err.message ?? String(e), target.secrets);
  const where = `PostgreSQL (${target.label})`;
  if (code === '57014') return new ToolError(timedOut ? `${where}: the statement ran past its timeout (${options.timeoutMs} ms) and was cancelled` : `${where}: ${text}`, 'TimeoutError');
  if (code === '28P01' || code === '28000' || code === '3D000') return new ToolError(`${where}: ${text}`, 'ConfigurationError');
  if (/^(22|23|42)/.test(code)) return new ToolError(`${where}: ${text}${code ? ` (SQLSTATE ${code})` : ''}`, 'ValueError');
  if (/^(08|57P)/.test(code) || /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|terminated|Connection ended|timeout exceeded when trying to connect/i.test(`${code} ${text}`)) {
    return new ToolError(`${where}: the connection failed or was lost (${text}); the statement may not have completed`, 'DatabaseConnectionError');
  }
  return new ToolError(`${where}: ${text}${code ? ` (SQLSTATE ${code})` : ''}`, 'DatabaseError');
}

function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  try {
    const u = new URL(url);
    u.password = encodeURIComponent(password);
    return u.toString();
  } catch {
    throw new ToolError('The PostgreSQL connection URL is not a valid URL', 'ConfigurationError');
  }
}

export class PostgresDriver implements SqlDriver {
  private readonly pool: pg.Pool;
  private readonly config: pg.PoolConfig;
  /** The backends each signal's statements run on: one abort listener a signal, not one a statement
   * (adding and removing a listener on an AbortSignal cost 2 µs of a 60 µs query). */
  private readonly running = new WeakMap<AbortSignal, Set<number>>();

  constructor(private readonly target: PgTarget) {
    // pg lets the URL's fields override `password`: the password goes into the URL, in memory only
    this.config = { connectionString: withPassword(target.url, target.password), connectionTimeoutMillis: 10_000, types: pgTypes };
    this.pool = new pg.Pool({ ...this.config, max: 4, idleTimeoutMillis: 30_000 });
    // an idle client whose server went away: the pool drops it; the next call opens a new one
    this.pool.on('error', () => undefined);
  }

  /** A client of the pool for one call, with the statement timeout set and a cancel on abort. */
  private async withClient<T>(options: CallOptions, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (options.signal.aborted) throw abortError(options.signal);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw pgError(e, this.target, options, false);
    }
    let broken: Error | undefined;
    let timedOut = false;
    const onError = (e: Error) => (broken = e);
    client.on('error', onError);
    const pid = (client as unknown as { processID: number }).processID;
    const pids = this.watch(options.signal);
    pids.add(pid);
    try {
      // cancelled while a connection was found: an aborted signal calls no listener added after it
      if (options.signal.aborted) throw abortError(options.signal);
      if (options.timeoutMs !== null) {
        timedOut = true;
        await client.query(`SET statement_timeout = ${Math.max(1, options.timeoutMs)}`);
      }
      return await work(client);
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code !== '57014') timedOut = false;
      if (!(e instanceof ToolError) && (err.code === undefined || /^(08|57P)/.test(err.code))) broken ??= err;
      throw pgError(e, this.target, options, timedOut && !options.signal.aborted);
    } finally {
      pids.delete(pid);
      client.off('error', onError);
      if (!broken && options.timeoutMs !== null) await client.query('RESET statement_timeout').catch((e: Error) => (broken = e));
      client.release(broken ?? (options.signal.aborted ? true : undefined));
    }
  }

  /** The backends running a statement under `signal`, each cancelled if it aborts. */
  private watch(signal: AbortSignal): Set<number> {
    let pids = this.running.get(signal);
    if (!pids) {
      const mine = new Set<number>();
      signal.addEventListener('abort', () => mine.forEach((pid) => void this.cancel(pid)), { once: true });
      this.running.set(signal, mine);
      pids = mine;
    }
    return pids;
  }

  /** Cancels what a backend runs, from a connection of its own. */
  private async cancel(pid: number): Promise<void> {
    const c = new pg.Client(this.config);
    try {
      await c.connect();
      await c.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // the statement ends with the step anyway: the connection is dropped when released
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async query(statement: Statement, sink: RowSink, options: CallOptions): Promise<QueryResult> {
    const bound = bindParameters(statement.sql, statement.params, 'postgres');
    try {
      return await this.withClient(options, (client) => (sink instanceof FileRows ? this.cursorRows(client, bound.text, bound.values as unknown[], sink) : this.eventRows(client, bound.text, bound.values as unknown[], sink)));
    } catch (e) {
      await sink.abandon();
      throw e;
    }
  }

  /** Rows as they arrive; those past the sink's bound are dropped as they come. */
  private eventRows(client: pg.PoolClient, text: string, values: unknown[], sink: RowSink): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      const q = new pg.Query({ text, values, rowMode: 'array' } as pg.QueryArrayConfig);
      let open = true;
      let names: string[] | null = null;
      q.on('row', (row: unknown[], result?: { fields: pg.FieldDef[] }) => {
        if (!open) return;
        if (!names) {
          const columns = pgColumns(result?.fields ?? []);
          sink.setColumns(columns);
          names = columns.map((c) => c.name);
        }
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) out[names[i]] = jsonValue(row[i]);
        open = sink.add(out) as boolean;
      });
      q.on('end', (result: pg.QueryResult) => {
        if (!names) sink.setColumns(pgColumns(result.fields ?? []));
        sink.finish().then(resolve, reject);
      });
      q.on('error', reject);
      client.query(q);
    });
  }

  /** Every row through a cursor, a batch at a time, waiting for the sink. */
  private async cursorRows(client: pg.PoolClient, text: string, values: unknown[], sink: RowSink): Promise<QueryResult> {
    const cursor = client.query(new Cursor(text, values, { rowMode: 'array' }));
    try {
      let names: string[] | null = null;
      for (;;) {
        const rows = (await cursor.read(CURSOR_BATCH)) as unknown[][];
        if (!names) {
          const fields = (cursor as unknown as { _result?: pg.QueryResult })._result?.fields ?? [];
          const columns = pgColumns(fields);
          sink.setColumns(columns);
          names = columns.map((c) => c.name);
        }
        for (const row of rows) {
          const out: Record<string, unknown> = {};
          for (let i = 0; i < names.length; i++) out[names[i]] = jsonValue(row[i]);
          const added = sink.add(out);
          if (typeof added !== 'boolean') await added;
        }
        if (rows.length < CURSOR_BATCH) break;
      }
    } finally {
      await cursor.close().catch(() => undefined);
    }
    return sink.finish();
  }

  async execute(statement: Statement, options: CallOptions): Promise<{ rows_affected: number }> {
    const bound = bindParameters(statement.sql, statement.params, 'postgres');
    return this.withClient(options, async (client) => ({ rows_affected: (await client.query({ text: bound.text, values: bound.values as unknown[] })).rowCount ?? 0 }));
  }

  async transaction(statements: Statement[], options: CallOptions): Promise<{ rows_affected: number }[]> {
    const bound = statements.map((s) => bindParameters(s.sql, s.params, 'postgres'));
    if (!bound.length) return [];
    return this.withClient(options, async (client) => {
      await client.query('BEGIN');
      const out: { rows_affected: number }[] = [];
      try {
        for (const [i, b] of bound.entries()) {
          try {
            out.push({ rows_affected: (await client.query({ text: b.text, values: b.values as unknown[] })).rowCount ?? 0 });
          } catch (e) {
            const err = pgError(e, this.target, options, options.timeoutMs !== null && (e as { code?: string }).code === '57014');
            err.message = `Statement ${i + 1} of ${bound.length} failed, nothing was applied: ${err.message}`;
            throw err;
          }
        }
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
