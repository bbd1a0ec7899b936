// Builds the bundles: the CLI, the language server, the extension and the engine it loads on first
// use for Node; the webview and the eval panel for the browser. `node esbuild.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';
import { atomicBuild, copyAtomic } from './scripts/atomicOutput.mjs';
import { engineValueExports } from './scripts/engineDoor.mjs';
import { writeChatFiles } from './scripts/chatPrompts.mjs';
import { writeRegistryJson } from './scripts/registryJson.mjs';
import { noNodeCanvas } from './scripts/noNodeCanvas.mjs';
import { buildVendorChunks, serverChunks, vendorChunks } from './scripts/vendorChunks.mjs';
import { lazyBuiltins } from './scripts/lazyBuiltins.mjs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };

/**
 * V8 keeps a script's whole source in memory for as long as the script lives, one byte a character
 * when every character is ASCII and two bytes a character otherwise. esbuild escapes strings but
 * keeps the comments it carries over from packages as they are, and two dashes in them doubled the
 * language server's 2 MiB of source. Escaping them (they are comments: nothing reads them) keeps it
 * ASCII: the bundles named here are written so (scripts/atomicOutput.mjs), and so are the vendor
 * chunks (scripts/vendorChunks.mjs). Five characters in comments had made the CLI's 2.5 MB 5 MB in
 * every `orc` process.
 */
const ASCII = new Set(['dist/languageServer.js', 'dist/serverFeatures.js', 'dist/cliMain.js', 'dist/engine.js']);

/**
 * The extension host parses dist/extension.js when it activates the extension, which is when a
 * pipeline is first opened. The engine (run, debug, models, MCP, BullMQ, telemetry, the tools: some
 * 5 MB minified) is a bundle of its own, dist/engine.js, built from its one door engine/api/index.ts,
 * and the extension's modules reach it through a stand-in for that door: an object with a getter per
 * value the door exports, which requires dist/engine.js the first time any of them is read. So
 * activating pays for the language client only, and the engine is loaded when a command, a run, a
 * debug session or an eval first uses it. Type-only imports vanish in the build and cost nothing.
 */
const lazyEngine = {
  name: 'lazy-engine',
  setup(build) {
    build.onResolve({ filter: /[\\/]engine[\\/]api[\\/]index(\.ts)?$/ }, () => ({ path: 'engine', namespace: 'lazy-engine' }));
    build.onResolve({ filter: /^\.\/engine\.js$/ }, (a) => (a.namespace === 'lazy-engine' ? { path: './engine.js', external: true } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'lazy-engine' }, () => ({
      loader: 'js',
      contents: [
        '// stands in for engine/api/index.ts: dist/engine.js is required when a value is first read',
        'let engine;',
        "const load = () => (engine ??= require('./engine.js'));",
        'const door = { __esModule: true };',
        `for (const name of ${JSON.stringify(engineValueExports())}) Object.defineProperty(door, name, { enumerable: true, get: () => load()[name] });`,
        'module.exports = door;',
      ].join('\n'),
    }));
  },
};

/**
 * The language server answers `initialize` from a first bundle (dist/languageServer.js: the LSP
 * library, the capabilities) and loads its features and the engine's analysis from a second
 * (dist/serverFeatures.js) once the client has the answer: the editor's client is ready after the
 * small bundle's load, not the whole server's. In the first, server/server.ts's require of
 * './wireFeatures' is the second bundle, required at run time.
 */
const lazyFeatures = {
  name: 'lazy-features',
  setup(build) {
    build.onResolve({ filter: /^\.\/wireFeatures$/ }, (a) => (a.kind === 'require-call' ? { path: './serverFeatures.js', external: true } : undefined));
  },
};

/**
 * The features' bundle uses the first bundle's copy of the LSP library (server/server.ts exports it
 * as `library`), not a second one: the library's classes are then the connection's (a ResponseError a
 * rename throws is answered as that error), and the library is loaded once.
 */
const shellLibrary = {
  name: 'shell-library',
  setup(build) {
    build.onResolve({ filter: /^vscode-languageserver(\/node)?$/ }, () => ({ path: 'vscode-languageserver', namespace: 'shell-library' }));
    build.onResolve({ filter: /^\.\/languageServer\.js$/ }, (a) => (a.namespace === 'shell-library' ? { path: './languageServer.js', external: true } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'shell-library' }, () => ({ loader: 'js', contents: "module.exports = require('./languageServer.js').library;" }));
  },
};

// every file is written whole under a temporary name and renamed over the old one
// (scripts/atomicOutput.mjs): tests and a developer's CLI read dist/ while it is built again
const builds = [
  // the CLI: its large libraries that only some commands reach are chunks beside it (dist/vendor/,
  // scripts/vendorChunks.mjs); Node's built-ins that few commands use are loaded on first use
  // (scripts/lazyBuiltins.mjs)
  { ...common, entryPoints: ['engine/cli/main.ts'], outfile: 'dist/cliMain.js', platform: 'node', format: 'cjs', target: 'node22', plugins: [vendorChunks, noNodeCanvas, lazyBuiltins] },
  // its entry, what `orc` runs: the CLI loaded with Node's compile cache on (engine/cli/entry.ts,
  // engine/cli/compileCache.ts)
  { ...common, entryPoints: ['engine/cli/entry.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node22' },
  // the language server, minified: the extension waits for it to answer initialize when it
  // activates, and fewer bytes to compile is a shorter start (the first bundle: 0.2 MB)
  { ...common, entryPoints: ['server/server.ts'], outfile: 'dist/languageServer.js', platform: 'node', format: 'cjs', target: 'node22', minify: true, plugins: [lazyFeatures] },
  // its features, loaded once `initialize` is answered (see lazyFeatures above); the MCP SDK's client
  // and re2js, which few documents reach, are chunks in dist/vendor/ (scripts/vendorChunks.mjs)
  { ...common, entryPoints: ['server/wireFeatures.ts'], outfile: 'dist/serverFeatures.js', platform: 'node', format: 'cjs', target: 'node22', minify: true, plugins: [shellLibrary, serverChunks, noNodeCanvas] },
  // its entry, what the extension starts: the compile cache turned on before the server is loaded
  // (server/entry.ts)
  { ...common, entryPoints: ['server/entry.ts'], outfile: 'dist/server.js', platform: 'node', format: 'cjs', target: 'node22', external: ['./languageServer.js'] },
  // the extension: what activation parses (the language client, the commands, the panels' hosts),
  // minified; the engine beside it, loaded on first use (see lazyEngine above), with the CLI's
  // chunks for the libraries few runs reach (scripts/vendorChunks.mjs)
  { ...common, entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node22', external: ['vscode'], minify: true, plugins: [lazyEngine, noNodeCanvas] },
  { ...common, entryPoints: ['engine/api/index.ts'], outfile: 'dist/engine.js', platform: 'node', format: 'cjs', target: 'node22', minify: true, plugins: [vendorChunks, noNodeCanvas] },
  // the thread SQLite runs on (engine/tools/sql/sqliteWorker.ts): the CLI and the engine start it
  // from beside themselves, so a statement that never ends can be stopped
  { ...common, entryPoints: ['engine/tools/sql/sqliteWorker.ts'], outfile: 'dist/sqliteWorker.js', platform: 'node', format: 'cjs', target: 'node22' },
  { ...common, entryPoints: ['media/webview.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  // the eval panel: its own small entry (no graph layout engine in it), the same protocol module
  { ...common, entryPoints: ['media/evalView.ts'], outfile: 'dist/evalView.js', platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  // the Improve Prompts panel (client/improvePanel.ts): its own small entry, its protocol in media/improveProtocol.ts
  { ...common, entryPoints: ['media/improveView.ts'], outfile: 'dist/improveView.js', platform: 'browser', format: 'iife', target: 'es2022', minify: true },
];

const atomic = builds.map((b) => atomicBuild(b, { ascii: ASCII.has(b.outfile) }));

if (watch) {
  await buildVendorChunks('dist', { sourcemap: true });
  for (const b of atomic) await (await esbuild.context(b)).watch();
} else {
  await Promise.all([...atomic.map((b) => esbuild.build(b)), buildVendorChunks('dist', { sourcemap: true })]);
  chmodSync('dist/cli.js', 0o755);
}
// data the bundles read beside themselves
mkdirSync('dist', { recursive: true });
writeRegistryJson('dist');
copyAtomic('engine/spec/pipeline.schema.json', 'dist/pipeline.schema.json');
// the chat's prompt files and skill (package.json chatPromptFiles, chatSkills), made from the format docs
writeChatFiles();
// SQLite as WebAssembly (the sql tool): the bundled loader reads it beside itself
copyAtomic('node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm', 'dist/node-sqlite3-wasm.wasm');
