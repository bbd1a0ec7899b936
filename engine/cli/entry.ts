#!/usr/bin/env node
// `orc`'s entry (dist/cli.js): turns on Node's compile cache (engine/cli/compileCache.ts), then loads
// the CLI (dist/cliMain.js, engine/cli/main.ts) and runs it. The CLI is a bundle of its own so that
// the cache is on before it is compiled.
import * as os from 'node:os';
import { compileCacheDir } from './compileCache';
import { turnOnCompileCache } from '../api/compileCache';

turnOnCompileCache(compileCacheDir(process.env, process.platform, os.homedir()));
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('./cliMain.js') as { runAsProcess: () => void }).runAsProcess();
