// The language server's entry (dist/server.js): turns on Node's compile cache, then loads the
// server (dist/languageServer.js). The extension waits for the server to answer `initialize` when it
// activates, and compiling the server's 1.2 MB of script is a third of the server's start: with the
// compile cache (Node 22.1 and later: VS Code's extension host, code-server's Node) a start after
// the first reads the compiled code from disk instead (215 -> 160 ms from spawn to the answer, on
// Node 24 here). The cache lives where the extension says (ORCHESTRATOR_COMPILE_CACHE, in its global
// storage); without that variable (the tests, a checkout) nothing is cached. Node checks each entry
// against the script's contents, so a new build is compiled afresh.
import { turnOnCompileCache } from '../engine/api/compileCache';

const dir = process.env.ORCHESTRATOR_COMPILE_CACHE;
if (dir) turnOnCompileCache(dir);
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('./languageServer.js') as { serveProcess: () => void }).serveProcess();
