#!/usr/bin/env node
// `orc`'s entry (dist/cli.js): loads the CLI (dist/cliMain.js, engine/cli/main.ts) with its compiled
// code cached in the folder engine/cli/compileCache.ts chooses, and runs it; the CLI is a bundle of
// its own so that the cache is on before it is compiled. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import * as os from 'node:os';
import * as path from 'node:path';
import { commandUse, compileCacheDir, requireCompiled } from './compileCache';

(requireCompiled(path.join(__dirname, 'cliMain.js'), compileCacheDir(process.env, process.platform, os.homedir()), commandUse(process.argv.slice(2))) as { runAsProcess: () => void }).runAsProcess();
