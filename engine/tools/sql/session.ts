// The databases of one run: each connection opened on first use (PostgreSQL as a pool), shared by
// the run's steps, and closed when the run ends.
import type { ConnectionDecl } from '../../spec/types';
import { ToolError } from '../../toolkit/runtime';
import { loadUserConnections, resolveConnection, type ResolveContext, type Target } from './connections';
import type { SqlDriver } from './driver';

export interface SqlSessionOptions {
  /** The pipeline's `connections:`. */
  connections: Record<string, ConnectionDecl>;
  /** The user's connections (default: read from the settings file on first use). */
  userConnections?: Record<string, ConnectionDecl>;
  env?: NodeJS.ProcessEnv;
}

export class SqlSession {
  private readonly drivers = new Map<string, Promise<SqlDriver>>();
  private decls: Record<string, ConnectionDecl> | null = null;
  private closed = false;

  constructor(private readonly options: SqlSessionOptions) {}

  /** The pipeline's connections over the user's. */
  declarations(): Record<string, ConnectionDecl> {
    if (!this.decls) {
      let user = this.options.userConnections;
      if (!user) {
        const loaded = loadUserConnections(this.options.env);
        if (loaded.problem) throw new ToolError(`Your connections settings cannot be used: ${loaded.problem}`, 'ConfigurationError');
        user = loaded.connections;
      }
      this.decls = Object.assign(Object.create(null) as Record<string, ConnectionDecl>, user, this.options.connections);
    }
    return this.decls;
  }

  /** Where each connection leads, by name and working folder: the environment does not change within a run. */
  private readonly targets = new Map<string, Target>();

  /** The last resolve's question and answer: a loop's steps ask the same one, and its key is a long string to build and hash. */
  private last: { connection: string; cwd: string; workspace: string; allow: boolean; target: Target } | null = null;

  resolve(connection: string, ctx: Omit<ResolveContext, 'env'>): Target {
    const l = this.last;
    if (l && l.connection === connection && l.cwd === ctx.cwd && l.workspace === ctx.workspace && l.allow === ctx.allowOutsideWorkspace) return l.target;
    const key = `${connection}\u0000${ctx.cwd}\u0000${ctx.workspace}\u0000${ctx.allowOutsideWorkspace}`;
    let t = this.targets.get(key);
    if (!t) {
      t = this.resolveNow(connection, ctx);
      this.targets.set(key, t);
    }
    this.last = { connection, cwd: ctx.cwd, workspace: ctx.workspace, allow: ctx.allowOutsideWorkspace, target: t };
    return t;
  }

  private resolveNow(connection: string, ctx: Omit<ResolveContext, 'env'>): Target {
    const declared = Object.prototype.hasOwnProperty.call(this.options.connections, connection);
    const decls = declared || /^(sqlite:|postgres(ql)?:\/\/)/i.test(connection) ? this.options.connections : this.declarations();
    return resolveConnection(connection, decls, { ...ctx, env: this.options.env ?? process.env });
  }

  /** Each resolved target's driver and its key in `drivers` (whose entry goes when its load fails). */
  private readonly byTarget = new WeakMap<Target, { key: string; driver: Promise<SqlDriver> }>();

  /** The driver of a target, opened once per run. */
  driver(target: Target): Promise<SqlDriver> {
    if (this.closed) throw new ToolError('The run has ended: its database connections are closed', 'ToolError');
    const known = this.byTarget.get(target);
    if (known && this.drivers.get(known.key) === known.driver) return known.driver;
    const key = target.kind === 'sqlite' ? `sqlite:${target.file}` : `postgres:${target.label}:${target.url}`;
    let d = this.drivers.get(key);
    if (!d) {
      // each driver's library (SQLite's WebAssembly, pg) loads when a run first needs it, not with the CLI
      d = target.kind === 'sqlite' ? import('./sqlite.js').then((m) => new m.SqliteDriver(target.file)) : import('./postgres.js').then((m) => new m.PostgresDriver(target));
      // a failure to load is not kept: the next step tries again
      d.catch(() => this.drivers.delete(key));
      this.drivers.set(key, d);
    }
    this.byTarget.set(target, { key, driver: d });
    return d;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (!this.drivers.size) return; // no connection was opened (most runs)
    const all = [...this.drivers.values()];
    this.drivers.clear();
    await Promise.all(all.map((d) => d.then((x) => x.close()).catch(() => undefined)));
  }
}
