// Compiled code kept between processes, for the entries that load a large bundle: the CLI's
// (engine/cli/entry.ts) and the language server's (server/entry.ts). This module is imported by
// path, not through engine/api/index.ts, so an entry stays a few lines.
//
// Two caches:
// - Node's own compile cache (`module.enableCompileCache`, Node 22.1 and later) for every module
//   loaded the usual way (the vendor chunks, packages in node_modules). Node makes each entry when
//   the script is compiled, before it runs, so it holds a script's top level only: every function
//   of a bundle (esbuild wraps each module in one) is compiled again in every process.
// - V8's code cache of a bundle itself, made after the bundle has run (`requireWithCodeCache`), so it
//   holds the functions that run compiled: `orc run` of a one-step pipeline 0.28 -> 0.18 CPU-s on
//   Node 22 here, `orc --version` 0.19 -> 0.13 (a bare `node -e 0` is 0.06).
//
// Node checks its entries against the script's contents; ours are named by the bundle's file
// identity (inode, size and change time, which any rewrite of the file changes) and V8 checks its
// own version, flags and the source's length. On a Node without the cache this does nothing, and
// NODE_DISABLE_COMPILE_CACHE=1 turns both off. NODE_DEBUG=orc_code_cache tells what each load read
// and wrote.
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import { debuglog } from 'node:util';
import * as vm from 'node:vm';

export type CompileCacheApi = { enableCompileCache?: (dir?: string) => unknown; flushCompileCache?: () => void };

/** Turns Node's cache on in `dir` where this Node has one; a folder that cannot be used only means no cache. */
export function turnOnCompileCache(dir: string, api: CompileCacheApi = nodeModule as unknown as CompileCacheApi): void {
  if (!api.enableCompileCache) return;
  try {
    api.enableCompileCache(dir);
    // Node writes the cache when the process exits; a process killed before then (a language server
    // the editor stops, `orc mcp`, `orc worker`) would never write it, so it is written after the
    // first seconds too, once the start's functions have been compiled
    setTimeout(() => {
      try {
        api.flushCompileCache?.();
      } catch {
        // a cache that cannot be written only costs the next start its compile time
      }
    }, 5000).unref();
  } catch {
    // an unusable folder: run without the cache
  }
}

/** Code caches kept per bundle: the newest few, so that builds and versions come and go without the folder growing. */
const KEPT_PER_BUNDLE = 4;
/** A process that does not exit on its own (`orc serve`, `orc mcp`, a worker) writes its code cache after this long too. */
const SAVE_AFTER_MS = 10_000;
const MAGIC = 'orc-code-cache 1\n';
/** NODE_DEBUG=orc_code_cache: whether each load read a cache, and each cache written (on stderr). */
const debug = debuglog('orc_code_cache');

interface CacheFile {
  /** What the processes that made it ran (the CLI's commands, `server`): a new one makes it again, adding its functions. */
  uses: string[];
  data: Buffer;
}

/**
 * The cache's file: the bundle's name (and `variant`, the V8 flags its processes set before loading
 * it, if any), its identity, and the Node it was made by (a file's inode and change time change with
 * any rewrite). V8 reads a cache only under the flags it was made with, so processes that set
 * different flags keep different caches.
 */
function codeCacheFile(bundle: string, dir: string, st: Pick<fs.Stats, 'ino' | 'size' | 'ctimeMs'>, variant = ''): string {
  return path.join(dir, `${codeCachePrefix(bundle, variant)}${st.ino}-${st.size}-${Math.round(st.ctimeMs)}-${process.version}-${process.arch}.v8cache`);
}

function codeCachePrefix(bundle: string, variant: string): string {
  return `${path.basename(bundle)}${variant ? `.${variant}` : ''}-`;
}

export interface CodeCacheOptions {
  /** Written this long after the load too, for a process that runs on or is killed (default 10 s). */
  saveAfterMs?: number;
  /** The V8 flags the process set before the load, by a name of their own ('' for none). */
  variant?: string;
}

function readCache(file: string): CacheFile | null {
  try {
    const buf = fs.readFileSync(file);
    const header = buf.subarray(0, 4096).toString('latin1');
    if (!header.startsWith(MAGIC)) return null;
    const end = header.indexOf('\n', MAGIC.length);
    if (end < 0) return null;
    const uses = JSON.parse(header.slice(MAGIC.length, end)) as unknown;
    if (!Array.isArray(uses) || !uses.every((u) => typeof u === 'string')) return null;
    return { uses, data: buf.subarray(end + 1) };
  } catch {
    return null;
  }
}

function writeCache(file: string, prefix: string, cache: CacheFile): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // whole or not at all: processes side by side each write their own file and rename it
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(cache.uses)}\n`, 'latin1'), cache.data]), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (e) {
    // a full disk: no half-written file left behind
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  // the older caches of the same bundle beyond the newest few (other builds, other versions of Node)
  const others = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.v8cache') && path.join(dir, f) !== file)
    .map((f) => ({ f, at: fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.at - a.at);
  for (const { f } of others.slice(KEPT_PER_BUNDLE - 1)) fs.rmSync(path.join(dir, f), { force: true });
}

/**
 * `require(bundle)`, its compiled code read from `dir` (V8's code cache), or, when there is none yet
 * or it was made by processes that did not do what this one does (`use`: a command's name), made
 * when this process exits (and `saveAfterMs` after the load, for one that runs on or is killed), so
 * that it holds the functions this process compiled: each use adds its own, since a cache read is
 * compiled code too. A process must not change V8's flags after the load (V8 would refuse the cache
 * it makes): it sets them before, and says so in `variant`. Without `dir`, or with
 * NODE_DISABLE_COMPILE_CACHE=1, a plain `require`. A cache that cannot be read or written only costs
 * the next start its compile time.
 */
export function requireWithCodeCache(bundle: string, dir: string | undefined, use: string, { saveAfterMs = SAVE_AFTER_MS, variant = '' }: CodeCacheOptions = {}): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!dir || process.env.NODE_DISABLE_COMPILE_CACHE === '1') return require(bundle);
  const file = path.resolve(bundle);
  const source = fs.readFileSync(file, 'utf8');
  let cacheFile: string | null = null;
  let cached: CacheFile | null = null;
  try {
    cacheFile = codeCacheFile(file, dir, fs.statSync(file), variant);
    cached = readCache(cacheFile);
  } catch {
    // no cache
  }
  // as Node's CommonJS loader wraps a module
  const script = new vm.Script(nodeModule.wrap(source), { filename: file, cachedData: cached?.data, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  const mod = new nodeModule.Module(file, require.main);
  mod.filename = file;
  mod.paths = (nodeModule.Module as unknown as { _nodeModulePaths: (from: string) => string[] })._nodeModulePaths(path.dirname(file));
  (nodeModule.Module as unknown as { _cache: Record<string, unknown> })._cache[file] = mod;
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, nodeModule.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  debug('code cache of %s %s', file, !cached ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted');
  if (cacheFile && (!cached || script.cachedDataRejected || !cached.uses.includes(use))) {
    const target = cacheFile;
    const uses = [...new Set([...(cached && !script.cachedDataRejected ? cached.uses : []), use])].sort();
    const save = () => {
      try {
        writeCache(target, codeCachePrefix(file, variant), { uses, data: script.createCachedData() });
        debug('code cache of %s written for %s', file, uses.join(', '));
      } catch {
        // a folder that cannot be written: the next start compiles again
      }
    };
    process.once('exit', save);
    setTimeout(save, saveAfterMs).unref();
  }
  return mod.exports;
}
