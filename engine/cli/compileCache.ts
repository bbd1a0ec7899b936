// Where the CLI keeps its compiled code, and the CLI loaded with it (engine/cli/entry.ts). Compiling
// the CLI's 3 MB of script is a large part of every command's start. Its bundle's compiled code is
// V8's code cache made after a command has run (engine/api/compileCache.ts, `requireWithCodeCache`:
// `orc run` of a one-step pipeline 0.28 -> 0.18 CPU-s on Node 22 here); the modules it loads the usual
// way (the vendor chunks, packages) use Node's own compile cache (`module.enableCompileCache`, Node
// 22.1 and later: a terminal's Node, and VS Code's, which runs `orc mcp` for its agent tools); on Node
// 22.0, which has neither, the CLI is compiled afresh each time.
//
// Where: ORCHESTRATOR_COMPILE_CACHE when set, else a folder of the user's own cache (XDG_CACHE_HOME,
// ~/.cache, ~/Library/Caches or %LOCALAPPDATA%, then orchestrator/compile-cache), not the shared
// temporary folder Node would choose, where another user could leave entries first. A new build is
// compiled afresh; NODE_DISABLE_COMPILE_CACHE=1 turns both off, and a NODE_COMPILE_CACHE the user set
// is used as it is.
import * as path from 'node:path';
import { requireWithCodeCache, turnOnCompileCache } from '../api/compileCache';
import { EVAL_HEAP_COMMANDS, holdEvalHeap } from './evalHeap';

/** The folder for the compiled code: the variable's, else one in the user's cache folder. */
export function compileCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (env.ORCHESTRATOR_COMPILE_CACHE) return env.ORCHESTRATOR_COMPILE_CACHE;
  const base = env.XDG_CACHE_HOME || (platform === 'win32' ? env.LOCALAPPDATA || path.join(home, 'AppData', 'Local') : platform === 'darwin' ? path.join(home, 'Library', 'Caches') : path.join(home, '.cache'));
  return path.join(base, 'orchestrator', 'compile-cache');
}

/** What a command line is for its code cache: the command's name (`run`, `eval`), or `other`. */
export function commandUse(argv: readonly string[]): string {
  const first = argv[0] ?? '';
  return /^[a-z][a-z-]{0,19}$/.test(first) ? first : 'other';
}

/**
 * `require(bundle)` with Node's compile cache turned on in `dir` first, for what the bundle loads, and
 * the bundle's own compiled code read from `dir` (or written there when this command is new to it):
 * `orc`'s entry loads the CLI so, and the benches their drivers, as `orc` is loaded.
 */
export function requireCompiled(bundle: string, dir: string, use: string): unknown {
  turnOnCompileCache(dir);
  // the V8 flags the command sets, set before the load: the code cache is made after the command ran
  const held = EVAL_HEAP_COMMANDS.includes(use);
  if (held) holdEvalHeap();
  return requireWithCodeCache(bundle, dir, use, { variant: held ? 'eval-heap' : '' });
}
