// The language server's entry (dist/server.js): turns on the compile caches, then loads the server
// (dist/languageServer.js), which loads its features' bundle (dist/serverFeatures.js) when the client
// says `initialized`. The extension waits for the server to answer `initialize` when it activates,
// and compiling the server's 1.2 MB of script is a third of the server's start: with Node's compile
// cache (Node 22.1 and later: VS Code's extension host, code-server's Node) a start after the first
// reads the first bundle's compiled code from disk instead (215 -> 160 ms from spawn to the answer, on
// Node 24 here). The features' bundle, where the analysis runs, is loaded with V8's code cache made
// after the server has worked (engine/api/compileCache.ts, `requireWithCodeCache`), so the first
// open and edit of a later start run functions already compiled. The cache lives where the extension
// says (ORCHESTRATOR_COMPILE_CACHE, in its global storage); without that variable (the tests, a
// checkout) nothing is cached. A new build is compiled afresh.
import * as path from 'node:path';
import { requireWithCodeCache, turnOnCompileCache } from '../engine/api/compileCache';
import type { FeaturesLoader } from './server';

const dir = process.env.ORCHESTRATOR_COMPILE_CACHE;
if (dir) turnOnCompileCache(dir);
/** The features' code cache is written this long after they load (and when the server exits, which
 * an editor that kills it never lets it reach): time for the first open's analysis to have run. */
const SAVE_FEATURES_AFTER_MS = 3000;
const loadFeatures: FeaturesLoader | undefined = dir ? () => requireWithCodeCache(path.join(__dirname, 'serverFeatures.js'), dir, 'server', { saveAfterMs: SAVE_FEATURES_AFTER_MS }) as ReturnType<FeaturesLoader> : undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('./languageServer.js') as { serveProcess: (load?: FeaturesLoader) => void }).serveProcess(loadFeatures);
