// The large libraries that only some commands reach, each a bundle of its own beside dist/cliMain.js and dist/engine.js
// (dist/vendor/NAME.js), required when first used. Node compiles a whole script when it loads it,
// the functions it will never call included: dist/cli.js was 13 MB and `orc --version` took 0.45 s,
// 0.22 s of it compiling (node --cpu-prof). The Anthropic and Gemini SDKs, Vega, the S3 client and
// re2js, with what they bring, were 6.9 MB of it, and run only for a model of theirs, a chart, an
// s3:// store or a template's regular expression: dist/cli.js is 6.4 MB without them, and
// `orc --version` takes 0.31 s and 88 MB instead of 0.45 s and 120 MB. The engine reaches each
// through a dynamic import() or from a module it loads that way, so nothing else changes. The queue
// (bullmq, ioredis), OpenTelemetry, the MCP SDK (with zod), Ajv and pg, which it imports statically,
// have stand-ins that load their chunk when first read (LAZY below): without them dist/cliMain.js is
// 2.5 MB instead of 6.4 and `orc validate` takes 0.14-0.15 s and 60 MB instead of 0.23-0.24 s and 86
// MB (measured on Node 20, the floor then; 0.11-0.12 s instead of 0.20 on Node 24). The extension's engine (dist/engine.js)
// requires the same chunks: 1.2 MB instead of 6.0, loaded in 57 ms instead of 240.
// The language server's features have chunks there too (SERVER_CHUNKS below). Only third-party
// packages are split: a module of ours in two bundles would be two classes, and `instanceof` would
// fail across them.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { noNodeCanvas } from './noNodeCanvas.mjs';
import { atomicBuild } from './atomicOutput.mjs';

/** The packages the engine reaches only through a dynamic import(), and their chunks' file names under vendor/. */
const DYNAMIC_CHUNKS = {
  '@anthropic-ai/sdk': 'anthropic-sdk.js',
  '@google/genai': 'google-genai.js',
  vega: 'vega.js',
  'vega-lite': 'vega-lite.js',
  '@aws-sdk/client-s3': 'aws-sdk-client-s3.js',
  re2js: 're2js.js',
  // durable runs (`orc worker --restate`): the Restate SDK with its WebAssembly core
  '@restatedev/restate-sdk': 'restate-sdk.js',
};

/** The packages the engine imports statically and few commands use, and their chunks (see LAZY). */
const STATIC_CHUNKS = {
  // the queue (`orc worker`, `orc run --redis`): 2.1 MB of the CLI with what bullmq brings (msgpackr,
  // cron-parser and luxon), loaded by no other command
  bullmq: 'bullmq.js',
  ioredis: 'ioredis.js',
  // the OpenAI SDK, for a model call to OpenAI or an OpenAI-compatible server: 1.1 MB of the CLI's
  // 4.2, compiled and run by every command (`orc validate` included) until it became a chunk; a
  // provider is made on its first call (engine/models/runner.ts), and that reads the SDK
  openai: 'openai.js',
  // OpenTelemetry, for a run or eval whose traces or metrics go somewhere (engine/telemetry/)
  ...Object.fromEntries(
    ['api', 'core', 'resources', 'sdk-trace-base', 'sdk-metrics', 'semantic-conventions', 'exporter-trace-otlp-proto', 'exporter-trace-otlp-http', 'exporter-metrics-otlp-proto', 'exporter-metrics-otlp-http', 'exporter-prometheus'].map((p) => [`@opentelemetry/${p}`, 'opentelemetry.js']),
  ),
  // the MCP SDK: its client for a pipeline's MCP servers, its server for `orc mcp` (with zod)
  ...Object.fromEntries(['client/index.js', 'client/streamableHttp.js', 'shared/stdio.js', 'server/index.js', 'server/stdio.js', 'types.js'].map((p) => [`@modelcontextprotocol/sdk/${p}`, 'mcp-sdk.js'])),
  // JSON Schema, for structured outputs, tool arguments and json_schema assertions (the MCP SDK's too)
  ajv: 'ajv.js',
  'ajv/dist/2020': 'ajv.js',
  'ajv-formats': 'ajv.js',
  // the sql tool's PostgreSQL client
  pg: 'pg.js',
  'pg-cursor': 'pg.js',
  // A2A: `orc serve --a2a`'s handlers and the client of an agent's `a2a:` tools
  ...Object.fromEntries(['', '/client', '/server', '/compat/v0_3/server'].map((p) => [`@a2a-js/sdk${p}`, 'a2a-sdk.js'])),
};

/** Every package of the CLI's chunks, and its chunk's file name under vendor/. */
export const VENDOR_CHUNKS = { ...DYNAMIC_CHUNKS, ...STATIC_CHUNKS };

/**
 * The packages the engine imports statically (STATIC_CHUNKS: engine/distributed/, which engine/api/
 * exports; the telemetry, the MCP client and server, the JSON Schema checks): their
 * stand-in loads the chunk when one of its exports is first read, not when the bundle starts. The
 * package's export names are read at build time; each is a getter of the stand-in. A chunk of one
 * of these is the package's own module.exports (bullmq requires ioredis and uses what it exports as
 * is); a chunk of several is an object with a getter a package, each package's modules run when it
 * is first read (a tracer's @opentelemetry/api does not start the exporters). Inside such a chunk, a
 * package of another chunk is that chunk's (one ioredis, one ajv in a process).
 */
const LAZY = new Set(Object.keys(STATIC_CHUNKS));

/** The packages of each chunk file of `chunks`. */
function packagesByFile(chunks) {
  const files = new Map();
  for (const [pkg, file] of Object.entries(chunks)) files.set(file, [...(files.get(file) ?? []), pkg]);
  return files;
}

/** How a bundle reaches package `pkg` of its lazy chunk `file`: the chunk itself, or its getter of `pkg` (several in one). */
function lazyAccess(pkg, file, chunks) {
  const shared = packagesByFile(chunks).get(path.basename(file)).length > 1;
  return shared ? `require(${JSON.stringify(file)})[${JSON.stringify(pkg)}]` : `require(${JSON.stringify(file)})`;
}

/**
 * The language server's features (dist/serverFeatures.js) reach two libraries only for some
 * documents, and never at all for most: the MCP SDK's client (with zod and ajv, which it brings),
 * when a pipeline's MCP server is asked for its tools (engine/mcp/cache.ts imports
 * engine/mcp/client.ts then), and re2js, which only evaluating a template's regular expression
 * needs (the server checks templates and evaluates none). They were 0.47 MB of the bundle's 1.09 MB,
 * and a process keeps the source of every script it has loaded for its whole life: the server held
 * it in memory, used or not. The three modules of the SDK that the client imports are one chunk, so
 * they share one copy of what they import. (The CLI's chunk of the SDK, mcp-sdk.js, holds its server
 * too, which `orc mcp` serves with: one zod for both.)
 */
export const SERVER_CHUNKS = {
  '@modelcontextprotocol/sdk/client/index.js': 'mcp-client.js',
  '@modelcontextprotocol/sdk/client/streamableHttp.js': 'mcp-client.js',
  '@modelcontextprotocol/sdk/shared/stdio.js': 'mcp-client.js',
  re2js: 're2js.js',
};

/** The packages with a default export (the Anthropic SDK's client class). */
const WITH_DEFAULT = new Set(['@anthropic-ai/sdk']);

/** The esbuild plugin of a bundle whose chunks are beside it in vendor/: each package of `chunks` resolves to its chunk. */
function chunksPlugin(name, chunks, lazy = new Set()) {
  const packages = new RegExp(`^(${Object.keys(chunks).map((p) => p.replace(/[/.-]/g, (c) => `\\${c}`)).join('|')})$`);
  return {
    name,
    setup(b) {
      // a stand-in module of the bundle requires the chunk: the bundle's import() of it is then its
      // own require() and interop (a native import() of a CommonJS file would give module.exports as
      // `default`, not the package's default export)
      b.onResolve({ filter: packages }, (a) => ({ path: a.path, namespace: 'vendor-chunk' }));
      b.onResolve({ filter: /^\.\/vendor\// }, (a) => (a.namespace === 'vendor-chunk' ? { path: a.path, external: true } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'vendor-chunk' }, (a) => ({ loader: 'js', contents: lazy.has(a.path) ? lazyStandIn(a.path, `./vendor/${chunks[a.path]}`, chunks) : `module.exports = require(${JSON.stringify(`./vendor/${chunks[a.path]}`)});` }));
    },
  };
}

/** A stand-in whose exports are getters that require the chunk when first read (see LAZY). */
function lazyStandIn(pkg, file, chunks) {
  const names = Object.keys(createRequire(import.meta.url)(pkg)).filter((n) => n !== 'default' && n !== '__esModule');
  return [
    `let chunk;`,
    `const load = () => (chunk ??= ${lazyAccess(pkg, file, chunks)});`,
    `Object.defineProperty(exports, '__esModule', { value: true });`,
    // the default export is the package's module.exports itself when it has no default of its own
    `Object.defineProperty(exports, 'default', { enumerable: true, get: () => load().default ?? load() });`,
    `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
  ].join('\n');
}

/**
 * The lazy chunks built from the packages' ES modules (each package's modules then run when the
 * chunk loads): the MCP SDK's CommonJS files bring all of zod (1.6 MB against 0.44).
 */
const ESM_FORM = new Set(['mcp-sdk.js']);

/** A lazy chunk's source: its package's module.exports, or an export of each of its packages. */
function lazyChunk(file, pkgs) {
  if (pkgs.length === 1) return `module.exports = require(${JSON.stringify(pkgs[0])});\n`;
  if (ESM_FORM.has(file)) return pkgs.map((pkg, i) => `import * as p${i} from ${JSON.stringify(pkg)};\nexport { p${i} as ${JSON.stringify(pkg)} };\n`).join('');
  return pkgs.map((pkg) => `Object.defineProperty(module.exports, ${JSON.stringify(pkg)}, { enumerable: true, get: () => require(${JSON.stringify(pkg)}) });\n`).join('');
}

/** Inside a chunk, the packages of the other chunks resolve to those chunks (beside it in vendor/). */
function siblingChunks(own) {
  const others = Object.entries(VENDOR_CHUNKS).filter(([p, file]) => file !== own && LAZY.has(p));
  if (!others.length) return [];
  const packages = new RegExp(`^(${others.map(([p]) => p.replace(/[/.-]/g, (c) => `\\${c}`)).join('|')})$`);
  return [
    {
      name: 'sibling-chunks',
      setup: (b) => {
        b.onResolve({ filter: packages }, (a) => ({ path: a.path, namespace: 'sibling-chunk' }));
        b.onResolve({ filter: /^\.\/[^/]+\.js$/ }, (a) => (a.namespace === 'sibling-chunk' ? { path: a.path, external: true } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'sibling-chunk' }, (a) => ({ loader: 'js', contents: `module.exports = ${lazyAccess(a.path, `./${VENDOR_CHUNKS[a.path]}`, VENDOR_CHUNKS)};` }));
      },
    },
  ];
}

/** The CLI's plugin (VENDOR_CHUNKS). */
export const vendorChunks = chunksPlugin('vendor-chunks', VENDOR_CHUNKS, LAZY);
/** The language server features' plugin (SERVER_CHUNKS). */
export const serverChunks = chunksPlugin('server-chunks', SERVER_CHUNKS);

/**
 * Builds the chunks of both into `outdir`/vendor/ (CommonJS, as the bundles that require them). A
 * chunk's module.exports is its packages' namespace, with `__esModule` set, so the bundle's import()
 * gives the same `default` and named exports as the package bundled inline did. The server's own
 * chunk is minified, as the server's bundles are.
 */
export async function buildVendorChunks(outdir, { sourcemap = false } = {}) {
  const files = new Map();
  for (const [pkg, file] of [...Object.entries(VENDOR_CHUNKS), ...Object.entries(SERVER_CHUNKS)]) files.set(file, [...new Set([...(files.get(file) ?? []), pkg])]);
  const serverOnly = new Set(Object.values(SERVER_CHUNKS).filter((f) => !Object.values(VENDOR_CHUNKS).includes(f)));
  // a chunk of the CLI's lazy packages (the server's own chunks are not)
  const lazyFile = (file, pkgs) => !serverOnly.has(file) && pkgs.some((pkg) => LAZY.has(pkg));
  await Promise.all(
    [...files].map(([file, pkgs]) =>
      build(atomicBuild({
        stdin: { contents: lazyFile(file, pkgs) ? lazyChunk(file, pkgs) : pkgs.map((pkg) => `export * from ${JSON.stringify(pkg)};\n${WITH_DEFAULT.has(pkg) ? `export { default } from ${JSON.stringify(pkg)};\n` : ''}`).join(''), resolveDir: path.dirname(new URL(import.meta.url).pathname), loader: 'js' },
        outfile: path.join(outdir, 'vendor', file),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node22',
        minify: serverOnly.has(file),
        sourcemap,
        legalComments: 'none',
        logLevel: 'warning',
        plugins: [noNodeCanvas, ...(lazyFile(file, pkgs) ? siblingChunks(file) : [])],
        // every character ASCII, so V8 keeps the chunk's source at one byte a character (esbuild.mjs, ASCII)
      }, { ascii: true })),
    ),
  );
}
