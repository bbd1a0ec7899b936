// SQLite through node-sqlite3-wasm: SQLite compiled to WebAssembly that reads and writes the real file
// through Node's fs (no compiler, no native binary, the same on every platform and Node 20). Its calls
// are synchronous and it has no sqlite3_interrupt nor progress handler, so a statement that never
// returns holds the thread it runs on: the database runs on a worker thread of its own
// (sqliteWorker.ts) and this thread stays free. A statement past the tool's timeout, a cancelled step
// (the step's timeout, Cancel, SIGINT, SIGTERM) terminates that thread at once; what it held open is
// released (sqliteProtocol.ts), SQLite's journal rolls back the half-done transaction when the file
// is next opened (at once, by a new thread), and the next statement opens the file again.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { abortError, ToolError } from '../../toolkit/runtime';
import type { CallOptions, SqlDriver, Statement } from './driver';
import { bindParameters } from './placeholders';
import { jsonValue, type Column, type QueryResult, type RowSink } from './rows';
import { heldBuffer, releaseHeld, type Bound, type Reply, type Request, type SqlValue } from './sqliteProtocol';

type Ask = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

function typeOf(v: SqlValue): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'real';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'string') return 'text';
  return 'blob';
}

function sqliteError(message: string): ToolError {
  const type = /syntax error|no such (table|column)|has no column|datatype mismatch|constraint failed|UNIQUE|NOT NULL|CHECK/i.test(message) ? 'ValueError' : /locked|busy/i.test(message) ? 'DatabaseBusy' : 'DatabaseError';
  return new ToolError(`SQLite: ${message}`, type);
}

function bind(s: Statement): Bound {
  const b = bindParameters(s.sql, s.params, 'sqlite');
  return { text: b.text, values: b.values as Bound['values'] };
}

/** The worker's entry: beside the bundle (dist/sqliteWorker.js), or run from the sources through tsx. */
function startWorker(workerData: { file: string; held: SharedArrayBuffer }): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(path.join(__dirname, 'sqliteWorker.js'), { workerData });
  // a name the bundler leaves alone: this branch never runs from dist/
  const tsx = require.resolve(['tsx', 'cjs', 'api'].join('/'));
  const entry = path.join(__dirname, 'sqliteWorker.ts');
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, { eval: true, workerData });
}

/** The replies to one request, in order; failed when the thread is stopped. */
class Channel {
  private readonly queue: Reply[] = [];
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private error: Error | null = null;

  push(r: Reply): void {
    if (this.waiting) {
      this.waiting.resolve(r);
      this.waiting = null;
    } else this.queue.push(r);
  }

  fail(e: Error): void {
    if (this.error) return;
    this.error = e;
    this.waiting?.reject(e);
    this.waiting = null;
  }

  next(): Promise<Reply> {
    if (this.error) return Promise.reject(this.error);
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }
}

/** One thread with the database open. */
class Connection {
  readonly held = heldBuffer();
  readonly worker: Worker;
  readonly channels = new Map<number, Channel>();
  private seq = 0;
  /** Set once the thread is stopped or has exited: resolves when what it held is released. */
  gone: Promise<void> | null = null;

  constructor(
    file: string,
    private readonly onGone: (c: Connection) => void,
  ) {
    this.worker = startWorker({ file, held: this.held });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => this.channels.get(r.id)?.push(r));
    // an error the thread did not catch ends it: 'exit' follows
    this.worker.on('error', () => undefined);
    this.worker.on('exit', (code) => this.stop(() => new ToolError(`SQLite: the database's thread stopped (exit code ${code})`, 'DatabaseError')));
  }

  open(): { id: number; channel: Channel; send: (ask: Ask) => void; end: () => void } {
    if (this.gone) throw new ToolError('SQLite: the database was closed', 'DatabaseError');
    const id = ++this.seq;
    const channel = new Channel();
    this.channels.set(id, channel);
    // the thread keeps the process alive only while it has work
    this.worker.ref();
    return {
      id,
      channel,
      send: (ask) => {
        if (!this.gone) this.worker.postMessage({ ...ask, id } as Request);
      },
      end: () => {
        this.channels.delete(id);
        if (!this.channels.size && !this.gone) this.worker.unref();
      },
    };
  }

  /** Terminates the thread, releases what it held, then fails each request still waiting, each with its reason. */
  stop(reason: (id: number) => Error): Promise<void> {
    if (this.gone) return this.gone;
    this.gone = (async () => {
      try {
        await this.worker.terminate();
        releaseHeld(this.held);
      } catch {
        // a thread that could not be ended or cleaned up leaves its lock: the next opener is told the database is busy
      }
      for (const [id, ch] of this.channels) ch.fail(reason(id));
    })();
    this.onGone(this);
    return this.gone;
  }
}

export class SqliteDriver implements SqlDriver {
  private conn: Connection | null = null;
  /** The last thread stopped: what it held is released before a new one opens the file. */
  private stopping: Promise<void> = Promise.resolve();
  /** A thread was stopped in the middle of its work and no thread has opened the file since. */
  private interrupted = false;
  /** The new thread's first work after a stop: opening the file, which rolls back the journal the stopped one left. */
  private recovering: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  private async connection(): Promise<Connection> {
    await this.stopping;
    if (this.conn) return this.conn;
    try {
      if (this.file !== ':memory:') mkdirSync(path.dirname(this.file), { recursive: true });
    } catch (e) {
      throw new ToolError(`SQLite: cannot open ${this.file} (${e instanceof Error ? e.message : String(e)})`, 'ConfigurationError');
    }
    const conn = new Connection(this.file, (c) => {
      if (this.conn === c) this.conn = null;
      this.stopping = c.gone!;
      if (this.file !== ':memory:') this.interrupted = true;
    });
    this.conn = conn;
    if (this.interrupted) this.recovering = this.recover(conn);
    return conn;
  }

  /** Opens the file on a new thread (its first request, so before any other), which rolls back what a stopped thread left half done. */
  private async recover(conn: Connection): Promise<void> {
    this.interrupted = false;
    const call = conn.open();
    try {
      call.send({ op: 'recover' });
      await call.channel.next();
    } catch {
      // the file is rolled back by whoever opens it next
    } finally {
      call.end();
    }
  }

  /** A request whose thread is stopped at the timeout or when the signal aborts. */
  private async begin(options: CallOptions, what: 'query' | 'statement' | 'transaction') {
    if (options.signal.aborted) throw abortError(options.signal);
    const conn = await this.connection();
    const call = conn.open();
    const stop = (reason: Error) => {
      // a request of the same thread fails with a reason of its own
      const others = new ToolError(`SQLite: the ${what} was stopped because another statement on the same database was (${reason.message})`, 'DatabaseError');
      void conn.stop((id) => (id === call.id ? reason : others));
    };
    // a transaction's timeout is each statement's, counted from the statement's start
    let current = '';
    const late = () => stop(new ToolError(`SQLite: ${current || `the ${what}`} ran past its timeout (${options.timeoutMs} ms)${what === 'transaction' ? ', nothing was applied' : ''}`, 'TimeoutError'));
    let timer = options.timeoutMs === null ? null : setTimeout(late, options.timeoutMs);
    const onAbort = () => stop(abortError(options.signal));
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) onAbort();
    return {
      next: () => call.channel.next(),
      /** The timeout starts again, for `label` (statement 2 of 5). */
      restart: (label: string) => {
        current = label;
        if (timer) {
          clearTimeout(timer);
          timer = setTimeout(late, options.timeoutMs!);
        }
      },
      send: call.send,
      end: () => {
        if (timer) clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        call.end();
      },
    };
  }

  private error(r: Extract<Reply, { kind: 'error' }>, count?: number): ToolError {
    if (r.open) return new ToolError(`SQLite: cannot open ${this.file} (${r.message})`, 'ConfigurationError');
    const err = sqliteError(r.message);
    if (r.statement !== undefined && count !== undefined) err.message = `Statement ${r.statement + 1} of ${count} failed, nothing was applied: ${err.message}`;
    return err;
  }

  async query(statement: Statement, sink: RowSink, options: CallOptions): Promise<QueryResult> {
    const bound = bind(statement);
    const call = await this.begin(options, 'query');
    try {
      call.send({ op: 'query', statement: bound });
      let columns: Column[] | null = null;
      let stopped = false;
      for (;;) {
        const r = await call.next();
        if (r.kind === 'error') throw this.error(r);
        if (r.kind === 'done') break;
        if (r.kind !== 'rows') continue;
        // rows already on their way when the sink was full
        if (stopped) continue;
        for (const row of r.rows) {
          if (!columns) {
            columns = Object.keys(row).map((name) => ({ name, type: 'null' }));
            sink.setColumns(columns);
          }
          const out: Record<string, unknown> = {};
          for (const c of columns) {
            const v = row[c.name];
            if (c.type === 'null' && v !== null) c.type = typeOf(v);
            out[c.name] = jsonValue(v);
          }
          const added = sink.add(out);
          if (!(typeof added === 'boolean' ? added : await added)) {
            stopped = true;
            break;
          }
        }
        call.send({ op: stopped ? 'stop' : 'more' });
      }
      if (!columns) sink.setColumns([]);
      return await sink.finish();
    } catch (e) {
      await sink.abandon();
      throw e;
    } finally {
      call.end();
    }
  }

  /** One request answered by one reply: the changes of each statement. */
  private async single(ask: Ask, options: CallOptions, what: 'statement' | 'transaction', count?: number): Promise<number[]> {
    const call = await this.begin(options, what);
    try {
      call.send(ask);
      let r = await call.next();
      while (r.kind === 'step') {
        call.restart(`statement ${r.statement + 1} of ${count}`);
        r = await call.next();
      }
      if (r.kind === 'error') throw this.error(r, count);
      return r.kind === 'done' ? (r.changes ?? []) : [];
    } finally {
      call.end();
    }
  }

  async execute(statement: Statement, options: CallOptions): Promise<{ rows_affected: number }> {
    const [changes] = await this.single({ op: 'execute', statement: bind(statement) }, options, 'statement');
    return { rows_affected: changes ?? 0 };
  }

  async transaction(statements: Statement[], options: CallOptions): Promise<{ rows_affected: number }[]> {
    if (options.signal.aborted) throw abortError(options.signal);
    const bound = statements.map(bind);
    if (!bound.length) return [];
    const changes = await this.single({ op: 'transaction', statements: bound }, options, 'transaction', bound.length);
    return changes.map((n) => ({ rows_affected: n }));
  }

  async close(again = true): Promise<void> {
    // a thread stopped with none opened since: one more opens the file, so no journal is left beside it
    await this.stopping;
    if (!this.conn && this.interrupted) await this.connection();
    await this.recovering;
    const conn = this.conn;
    this.conn = null;
    if (!conn) return;
    let clean = false;
    if (!conn.channels.size) {
      const call = conn.open();
      call.send({ op: 'close' });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([call.channel.next().catch(() => undefined), new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 2000)))]);
      clearTimeout(timer);
      call.end();
      clean = r?.kind === 'done';
    }
    await conn.stop(() => new ToolError('SQLite: the run has ended: its database connections are closed', 'DatabaseError'));
    if (clean || this.file === ':memory:') this.interrupted = false;
    else if (again) await this.close(false);
  }
}
