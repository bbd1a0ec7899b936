// A CommonJS bundle loaded with V8's code cache, for a Node without a compile cache of its own
// (Node 20: `module.enableCompileCache` came in 22.1). `orc`'s entry (engine/cli/entry.ts) loads
// dist/cliMain.js so there: compiling its 2.5 MB is a large part of a command's start, and `orc
// validate` takes 0.16-0.18 s on Node 20 here, 0.12-0.13 s once the compiled top level comes from
// the cache (`--version` 0.13-0.15 and 0.10-0.12), for about 3 MB more of memory.
//
// The cache file is named by a hash of the bundle's bytes (V8 itself checks only the source's length
// and its own version and flags), so a new build never reads an old build's code; writing the new
// one removes the others of that bundle. It is written once the bundle's top level has run, which is
// what it holds: writing it at exit would also keep the functions a command compiled later, but a
// command may change V8's flags first (`orc eval` holds its heap, engine/cli/evalHeap.ts), and V8
// refuses a cache made under other flags than the loading process has. A cache V8 refuses (another
// Node, a damaged file) is compiled as if absent and written again. The write goes through a
// temporary file and a rename, so two processes starting at once never read half a file, and any
// error of the folder only means no cache.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { nodeHasCompileCache, turnOnCompileCache } from './compileCache';

/**
 * `require(bundle)` with its compiled code cached in `dir`: Node's own compile cache where this Node
 * has one (22.1 and later), V8's code cache otherwise (`requireWithCodeCache`); neither with
 * NODE_DISABLE_COMPILE_CACHE set. `orc`'s entry loads the CLI so (engine/cli/entry.ts), and the eval
 * bench its driver, as `orc eval` is loaded.
 */
export function requireCompiled(bundle: string, dir: string): unknown {
  if (nodeHasCompileCache() || process.env.NODE_DISABLE_COMPILE_CACHE) {
    turnOnCompileCache(dir);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(bundle);
  }
  return requireWithCodeCache(bundle, dir);
}

/** The file the compiled code of the bundle whose bytes are `bytes` is kept in. */
export function codeCacheFile(dir: string, bundle: string, bytes: Buffer): string {
  return path.join(dir, `${path.basename(bundle, '.js')}-${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.v8cache`);
}

/** What `requireWithCodeCache` did with the cache (for the tests). */
export type CodeCacheUse = 'read' | 'written' | 'unwritable';

/** Node's CommonJS internals this reads: a module's lookup paths and the loaded modules. */
type ModuleInternals = typeof Module & { _nodeModulePaths(dir: string): string[]; _cache: Record<string, NodeJS.Module>; wrap(source: string): string };

/**
 * `require(bundle)` with its compiled code read from, or written to, `dir`: the module is the one
 * `require` would make (its exports, its `require` resolving beside it, in Node's module cache).
 */
export function requireWithCodeCache(bundle: string, dir: string, report?: (use: CodeCacheUse) => void): unknown {
  const internals = Module as ModuleInternals;
  const filename = path.resolve(bundle);
  const cached = internals._cache[filename];
  if (cached) return cached.exports;
  const bytes = fs.readFileSync(filename);
  const file = codeCacheFile(dir, filename, bytes);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(file);
  } catch {
    // none yet
  }
  // no `importModuleDynamically`: on Node 20 a script read from the cache loses it (its import()
  // then throws), and the callback needs --experimental-vm-modules; the CLI's bundle has no import()
  // (esbuild.mjs writes them as require)
  const script = new vm.Script(internals.wrap(bytes.toString('utf8')), { filename, cachedData });
  const mod = new Module(filename, module);
  mod.filename = filename;
  mod.paths = internals._nodeModulePaths(path.dirname(filename));
  internals._cache[filename] = mod;
  try {
    (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, Module.createRequire(filename), mod, filename, path.dirname(filename));
  } catch (e) {
    delete internals._cache[filename];
    throw e;
  }
  mod.loaded = true;
  if (cachedData && !script.cachedDataRejected) {
    report?.('read');
  } else {
    const written = writeCache(dir, file, script.createCachedData());
    report?.(written ? 'written' : 'unwritable');
  }
  return mod.exports;
}

/** Writes the cache whole (a temporary file renamed) and removes the other builds' caches of the bundle. */
function writeCache(dir: string, file: string, data: Buffer): boolean {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(temporary, data, { mode: 0o600 });
    fs.renameSync(temporary, file);
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // the folder is not one (a file in its place): nothing was written
    }
    return false;
  }
  const name = path.basename(file);
  const prefix = name.slice(0, name.lastIndexOf('-') + 1);
  try {
    for (const other of fs.readdirSync(dir)) if (other !== name && other.startsWith(prefix) && /^[0-9a-f]{32}\.v8cache$/.test(other.slice(prefix.length))) fs.rmSync(path.join(dir, other), { force: true });
  } catch {
    // an old build's cache left behind costs only its bytes
  }
  return true;
}
