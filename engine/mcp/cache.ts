// The tools each MCP server lists, kept per server configuration in memory and under the
// workspace's `.orchestrator/mcp/`, so checking a pipeline does not start its servers every time.
// A failed listing is kept briefly too. Nothing secret is written: the file holds the tools and,
// for a failure, its message with every `${VAR}` value replaced.
import { renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { McpServerDecl } from '../spec/types';
import type { McpToolInfo } from './client';
import { configHash, DEFAULT_START_TIMEOUT_S } from './config';
import { makeStateDir } from '../toolkit/stateDir';
import { readStateFile } from '../util/boundedRead';

/** How long a listing is trusted. */
export const LISTING_TTL_MS = 10 * 60 * 1000;
/** How long a failed listing is remembered (so a broken server is not restarted on every keystroke). */
export const FAILURE_TTL_MS = 30 * 1000;

export type Listing =
  | { ok: true; server: string; listed_at: number; tools: McpToolInfo[] }
  | { ok: false; server: string; listed_at: number; error: string; timed_out: boolean };

const memory = new Map<string, Listing>();
const inflight = new Map<string, Promise<Listing>>();

export interface ListOptions {
  /** `.orchestrator/mcp/` is under this folder. */
  workspace: string;
  /** Where a stdio server starts and relative `cwd` resolves. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Ignore what is cached and list again. */
  fresh?: boolean;
  now?: () => number;
}

export function cacheDir(workspace: string): string {
  return path.join(workspace, '.orchestrator', 'mcp');
}

function fresh(l: Listing, now: number): boolean {
  return now - l.listed_at < (l.ok ? LISTING_TTL_MS : FAILURE_TTL_MS) && l.listed_at <= now;
}

function readFile(file: string): Listing | null {
  try {
    const v = JSON.parse(readStateFile(file, 16 * 1024 * 1024)) as Listing;
    if (v && typeof v === 'object' && typeof v.listed_at === 'number' && (v.ok ? Array.isArray(v.tools) : typeof v.error === 'string')) return v;
  } catch {
    // absent or unreadable: list again
  }
  return null;
}

function writeFile(file: string, l: Listing): void {
  try {
    makeStateDir(path.dirname(file));
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(l, null, 1));
    renameSync(tmp, file);
  } catch {
    // a read-only workspace: the memory cache still holds it
  }
}

/** The cached listing of one server, if it is fresh: never starts anything. */
export function cachedListing(name: string, decl: McpServerDecl, opts: ListOptions): Listing | null {
  const now = (opts.now ?? Date.now)();
  const key = configHash(name, decl, opts.cwd);
  const hit = memory.get(key);
  if (hit && fresh(hit, now)) return hit;
  const onDisk = readFile(path.join(cacheDir(opts.workspace), `${key}.json`));
  if (onDisk && fresh(onDisk, now)) {
    memory.set(key, onDisk);
    return onDisk;
  }
  return null;
}

/** The tools of one server: cached, else listed now (its start timeout bounds it). Never throws. */
export function listServerTools(name: string, decl: McpServerDecl, opts: ListOptions): Promise<Listing> {
  const now = (opts.now ?? Date.now)();
  const key = configHash(name, decl, opts.cwd);
  const file = path.join(cacheDir(opts.workspace), `${key}.json`);
  if (!opts.fresh) {
    const hit = memory.get(key);
    if (hit && fresh(hit, now)) return Promise.resolve(hit);
    const onDisk = readFile(file);
    if (onDisk && fresh(onDisk, now)) {
      memory.set(key, onDisk);
      return Promise.resolve(onDisk);
    }
  }
  const running = inflight.get(key);
  if (running) return running;
  const p = (async (): Promise<Listing> => {
    const timeoutMs = (decl.timeout ?? DEFAULT_START_TIMEOUT_S) * 1000;
    let listing: Listing;
    let conn = null;
    try {
      // loaded at the first listing: the MCP SDK (with zod and ajv) is most of the language server's
      // code, and evaluating it cost the language server about 7 MiB before any document called one
      const { connectServer } = await import('./client.js');
      conn = await connectServer(name, decl, { cwd: opts.cwd, env: opts.env, timeoutMs });
      const tools = await conn.listTools({ timeoutMs });
      listing = { ok: true, server: name, listed_at: (opts.now ?? Date.now)(), tools };
    } catch (e) {
      const message = conn ? conn.redact(`MCP server '${name}' could not list its tools: ${(e as Error).message}`) : (e as Error).message;
      listing = { ok: false, server: name, listed_at: (opts.now ?? Date.now)(), error: message, timed_out: (e as Error).name === 'TimeoutError' || /timed out|did not answer/i.test(message) };
    } finally {
      await conn?.close();
    }
    memory.set(key, listing);
    writeFile(file, listing);
    return listing;
  })().finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

/** Forgets what memory holds (tests; a host that knows servers changed). */
export function clearMemoryCache(): void {
  memory.clear();
}
