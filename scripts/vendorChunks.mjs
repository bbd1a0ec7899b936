// The CLI's large libraries that only some commands reach, each a bundle of its own beside dist/cli.js
// (dist/vendor/NAME.js), required when first used. Node compiles a whole script when it loads it,
// the functions it will never call included: dist/cli.js was 13 MB and `orc --version` took 0.45 s,
// 0.22 s of it compiling (node --cpu-prof). The Anthropic and Gemini SDKs, Vega, the S3 client and
// re2js, with what they bring, were 6.9 MB of it, and run only for a model of theirs, a chart, an
// s3:// store or a template's regular expression: dist/cli.js is 6.4 MB without them, and
// `orc --version` takes 0.31 s and 88 MB instead of 0.45 s and 120 MB. The engine reaches each
// through a dynamic import() or from a module it loads that way, so nothing else changes.
// Only third-party packages are split: a module of ours in two bundles would be two classes, and
// `instanceof` would fail across them.
import { build } from 'esbuild';
import * as path from 'node:path';
import { noNodeCanvas } from './noNodeCanvas.mjs';
import { atomicBuild } from './atomicOutput.mjs';

/** The package, and its chunk's file name under vendor/. */
export const VENDOR_CHUNKS = {
  '@anthropic-ai/sdk': 'anthropic-sdk.js',
  '@google/genai': 'google-genai.js',
  vega: 'vega.js',
  'vega-lite': 'vega-lite.js',
  '@aws-sdk/client-s3': 'aws-sdk-client-s3.js',
  re2js: 're2js.js',
};

/** The packages with a default export (the Anthropic SDK's client class). */
const WITH_DEFAULT = new Set(['@anthropic-ai/sdk']);

const PACKAGES = new RegExp(`^(${Object.keys(VENDOR_CHUNKS).map((p) => p.replace(/[/.-]/g, (c) => `\\${c}`)).join('|')})$`);

/** The esbuild plugin of a bundle whose chunks are beside it in vendor/: each package resolves to its chunk. */
export const vendorChunks = {
  name: 'vendor-chunks',
  setup(b) {
    // a stand-in module of the bundle requires the chunk: the bundle's import() of it is then its
    // own require() and interop (a native import() of a CommonJS file would give module.exports as
    // `default`, not the package's default export)
    b.onResolve({ filter: PACKAGES }, (a) => ({ path: a.path, namespace: 'vendor-chunk' }));
    b.onResolve({ filter: /^\.\/vendor\// }, (a) => (a.namespace === 'vendor-chunk' ? { path: a.path, external: true } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'vendor-chunk' }, (a) => ({ loader: 'js', contents: `module.exports = require(${JSON.stringify(`./vendor/${VENDOR_CHUNKS[a.path]}`)});` }));
  },
};

/**
 * Builds the chunks into `outdir`/vendor/ (CommonJS, as the bundle that requires them). A chunk's
 * module.exports is its package's namespace, with `__esModule` set, so the bundle's import()
 * gives the same `default` and named exports as the package bundled inline did.
 */
export async function buildVendorChunks(outdir, { sourcemap = false } = {}) {
  await Promise.all(
    Object.entries(VENDOR_CHUNKS).map(([pkg, file]) =>
      build(atomicBuild({
        stdin: { contents: `export * from ${JSON.stringify(pkg)};\n${WITH_DEFAULT.has(pkg) ? `export { default } from ${JSON.stringify(pkg)};\n` : ''}`, resolveDir: path.dirname(new URL(import.meta.url).pathname), loader: 'js' },
        outfile: path.join(outdir, 'vendor', file),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        sourcemap,
        legalComments: 'none',
        logLevel: 'warning',
        plugins: [noNodeCanvas],
      })),
    ),
  );
}
