// Where the CLI keeps its compiled code, and the CLI loaded with it (engine/cli/entry.ts). Compiling
// the CLI's 2.5 MB of script is a large part of every command's start: on Node 24 here `orc validate`
// takes 0.11-0.12 s, and 0.09-0.10 s once the compiled code is cached. The cache is Node's own
// (`module.enableCompileCache`, Node 22.1 and later: a terminal's Node, and VS Code's, which runs
// `orc mcp` for its agent tools); on Node 22.0, which has none, the CLI is compiled afresh each time.
//
// Where: ORCHESTRATOR_COMPILE_CACHE when set, else a folder of the user's own cache (XDG_CACHE_HOME,
// ~/.cache, ~/Library/Caches or %LOCALAPPDATA%, then orchestrator/compile-cache), not the shared
// temporary folder Node would choose, where another user could leave entries first. Each entry is
// checked against the script's contents, so a new build is compiled afresh;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off, and a NODE_COMPILE_CACHE the user set is used as it is.
import * as path from 'node:path';
import { turnOnCompileCache } from '../api/compileCache';

/** The folder for the compiled code: the variable's, else one in the user's cache folder. */
export function compileCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (env.ORCHESTRATOR_COMPILE_CACHE) return env.ORCHESTRATOR_COMPILE_CACHE;
  const base = env.XDG_CACHE_HOME || (platform === 'win32' ? env.LOCALAPPDATA || path.join(home, 'AppData', 'Local') : platform === 'darwin' ? path.join(home, 'Library', 'Caches') : path.join(home, '.cache'));
  return path.join(base, 'orchestrator', 'compile-cache');
}

/**
 * `require(bundle)` with Node's compile cache turned on in `dir` first, so that the bundle's code is
 * read from it (or written to it): `orc`'s entry loads the CLI so, and the eval bench its driver, as
 * `orc eval` is loaded.
 */
export function requireCompiled(bundle: string, dir: string): unknown {
  turnOnCompileCache(dir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(bundle);
}
