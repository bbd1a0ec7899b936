// Node's compile cache (Node 22.1 and later), turned on by a process's entry (this module is imported
// by path, not through engine/api/index.ts, so an entry stays a few lines) before its large bundle
// is loaded: the language server's (server/entry.ts) and the CLI's (engine/cli/entry.ts). Node checks
// each entry against the script's contents, so a new build is compiled afresh; on a Node without the
// cache this does nothing.
import * as nodeModule from 'node:module';

export type CompileCacheApi = { enableCompileCache?: (dir?: string) => unknown; flushCompileCache?: () => void };

/** Turns the cache on in `dir` where this Node has one; a folder that cannot be used only means no cache. */
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
