// Where a `connection` leads: a name from the pipeline's `connections:` (else the user's settings
// file), or a URL that holds no secret. Credentials come only from environment variables (which the
// editor fills from its secret storage): a URL written with a password is refused, so it never
// reaches a file, a record or a message.
import { existsSync, lstatSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConnectionDecl } from '../../spec/types';
import { ToolError } from '../../toolkit/runtime';
import { confinedPath } from '../../toolkit/workspacePath';

export type Target =
  | { kind: 'sqlite'; /** Absolute path, or `:memory:`. */ file: string; label: string }
  | { kind: 'postgres'; url: string; password: string | undefined; label: string; secrets: string[] };

/** The user-level connections file: ORC_CONNECTIONS_CONFIG, else `~/.orchestrator/connections.json`. */
export function userConnectionsFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.ORC_CONNECTIONS_CONFIG ? path.resolve(env.ORC_CONNECTIONS_CONFIG) : path.join(env.HOME || os.homedir(), '.orchestrator', 'connections.json');
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

type UserConnections = { connections: Record<string, ConnectionDecl>; problem: string | null };

/**
 * The last read of the user's connections, kept while nothing changed in the folder that holds the
 * file (or, while that folder is missing, in the nearest folder above it that exists): every run
 * asks, and looking for the file was a tenth of an agent run's fixed cost (the agent bench,
 * 2026-11-26). A change is seen when its watch event arrives, at the next turn of the event loop.
 * A file that is a link, or a folder that cannot be watched, is read every time.
 */
let kept: { config: string | undefined; home: string | undefined; read: UserConnections; watcher: FSWatcher } | null = null;

function forget(): void {
  kept?.watcher.close();
  kept = null;
}

/** A watch on the nearest existing folder at or above `dir` (not keeping the process alive), or null. */
function watchFolder(dir: string, onChange: () => void): FSWatcher | null {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      const w = watch(d, { persistent: false }, onChange);
      w.on('error', onChange);
      return w;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(d) === d) return null;
    }
  }
}

/** The user's connections (`{"connections": {"name": {...}}}`); a missing file is none, a broken one an error when used. */
export function loadUserConnections(env: NodeJS.ProcessEnv = process.env): UserConnections {
  // the two variables that name the file, compared before any path is built (a relative one
  // follows the current folder: resolved each time)
  const config = env.ORC_CONNECTIONS_CONFIG, home = env.HOME;
  if (kept && kept.config === config && kept.home === home && (config === undefined || path.isAbsolute(config))) return kept.read;
  const file = userConnectionsFile(env);
  forget();
  // watched before it is read: a change after the read is seen
  const watcher = watchFolder(path.dirname(file), forget);
  const read = readUserConnections(file);
  let link = false;
  try {
    link = lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    link = true;
  }
  if (watcher && !link) kept = { config, home, read, watcher };
  else watcher?.close();
  return read;
}

function readUserConnections(file: string): UserConnections {
  // most users have none: found missing without the cost of a failed read's error
  if (!existsSync(file)) return { connections: {}, problem: null };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { connections: {}, problem: null };
    return { connections: {}, problem: `${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { connections: {}, problem: `${file}: not JSON (${(e as Error).message})` };
  }
  if (!isObj(value) || !isObj(value.connections)) return { connections: {}, problem: `${file}: expected { "connections": { "<name>": { "url": ... } } }` };
  const out: Record<string, ConnectionDecl> = Object.create(null) as Record<string, ConnectionDecl>;
  for (const [k, v] of Object.entries(value.connections)) if (isObj(v)) out[k] = v as ConnectionDecl;
  return { connections: out, problem: null };
}

/** The names of the environment variables a declaration reads its secrets from. */
export function secretVariables(decls: Record<string, ConnectionDecl>): string[] {
  const out = new Set<string>();
  for (const d of Object.values(decls)) {
    if (typeof d.url_env === 'string') out.add(d.url_env);
    if (typeof d.password_env === 'string') out.add(d.password_env);
  }
  return [...out];
}

/** A URL's password, if it carries one (a `postgres://user:pw@host` form). */
export function urlPassword(url: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@?#]*?:([^/@?#]*)@/i.exec(url);
  return m && m[1] ? m[1] : null;
}

/** The URL without its password, for messages. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@?#:]*):[^/@?#]*@/i, '$1:[redacted]@');
}

export interface ResolveContext {
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
  env: NodeJS.ProcessEnv;
}

function sqliteTarget(rest: string, label: string, ctx: ResolveContext): Target {
  if (rest === ':memory:') return { kind: 'sqlite', file: ':memory:', label };
  const given = rest.startsWith('//') ? rest.slice(2) : rest;
  if (!given) throw new ToolError(`Connection '${label}': a SQLite URL names a file, as sqlite:data/app.db`, 'ValueError');
  // a database is written: inside the workspace with its links followed, never in .orchestrator/
  const file = confinedPath(given, ctx, 'modify', 'The SQLite file').abs;
  return { kind: 'sqlite', file, label };
}

function fromUrl(url: string, label: string, ctx: ResolveContext, password: string | undefined, secrets: string[]): Target {
  if (/^sqlite:/i.test(url)) return sqliteTarget(url.slice('sqlite:'.length), label, ctx);
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url, password, label, secrets };
  throw new ToolError(`Connection '${label}': unsupported URL (${withoutPassword(url).split(':')[0]}:...): use sqlite:PATH or postgres://user@host/database`, 'ValueError');
}

/** The database a step's `connection` names. */
export function resolveConnection(given: string, decls: Record<string, ConnectionDecl>, ctx: ResolveContext): Target {
  const own = Object.prototype.hasOwnProperty.call(decls, given) ? decls[given] : undefined;
  if (!own) {
    if (!/^(sqlite:|postgres(ql)?:\/\/)/i.test(given)) {
      const names = Object.keys(decls);
      throw new ToolError(`Unknown connection '${given}': name one of connections: (${names.length ? names.join(', ') : 'none declared'}) or give a URL (sqlite:PATH, postgres://user@host/db)`, 'ValueError');
    }
    if (urlPassword(given)) throw new ToolError('The connection URL holds a password: declare it under connections: with password_env (or url_env) naming the environment variable that holds it', 'ValueError');
    return fromUrl(given, withoutPassword(given), ctx, undefined, []);
  }
  const secrets: string[] = [];
  let url = own.url;
  if (own.url_env !== undefined) {
    url = ctx.env[own.url_env];
    if (!url) throw new ToolError(`Connection '${given}': the environment variable ${own.url_env} (url_env) is not set`, 'ConfigurationError');
    secrets.push(url);
    const p = urlPassword(url);
    if (p) secrets.push(decodeURIComponent(p), p);
  } else if (typeof url !== 'string') {
    throw new ToolError(`Connection '${given}' has neither url nor url_env`, 'ConfigurationError');
  } else if (urlPassword(url)) {
    throw new ToolError(`Connection '${given}': its url holds a password; put the password in an environment variable named by password_env`, 'ValueError');
  }
  let password: string | undefined;
  if (own.password_env !== undefined) {
    password = ctx.env[own.password_env];
    if (password === undefined) throw new ToolError(`Connection '${given}': the environment variable ${own.password_env} (password_env) is not set`, 'ConfigurationError');
    secrets.push(password);
  }
  return fromUrl(url, given, ctx, password, secrets);
}
