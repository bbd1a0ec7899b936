#!/usr/bin/env node
// `orc`'s entry (dist/cli.js): loads the CLI (dist/cliMain.js, engine/cli/main.ts) with its compiled
// code cached in the folder engine/cli/compileCache.ts chooses, and runs it: Node's own compile
// cache from Node 22.1, V8's code cache on Node 20 (engine/api/codeCache.ts); the CLI is a bundle of
// its own so that the cache is in place before it is compiled. NODE_DISABLE_COMPILE_CACHE=1 turns
// either off.
import * as os from 'node:os';
import * as path from 'node:path';
import { compileCacheDir } from './compileCache';
import { requireCompiled } from '../api/codeCache';

(requireCompiled(path.join(__dirname, 'cliMain.js'), compileCacheDir(process.env, process.platform, os.homedir())) as { runAsProcess: () => void }).runAsProcess();
