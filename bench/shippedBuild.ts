// Builds what a bench measures of ours as esbuild.mjs builds dist/cliMain.js: one CommonJS bundle
// for Node 22 (every character ASCII), the vendor chunks
// (scripts/vendorChunks.mjs), the model registry, SQLite's thread and its WebAssembly beside it.
// The eval bench spawns such a bundle (its driver); the in-process benches load
// bench/shippedEngine.ts built so (`loadShipped`).
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// @ts-expect-error: a plain ES module of the build, without types
import { noNodeCanvas } from '../scripts/noNodeCanvas.mjs';
// @ts-expect-error: a plain ES module of the build, without types
import { buildVendorChunks, vendorChunks } from '../scripts/vendorChunks.mjs';
// @ts-expect-error: a plain ES module of the build, without types
import { writeRegistryJson } from '../scripts/registryJson.mjs';
// @ts-expect-error: a plain ES module of the build, without types
import { atomicBuild } from '../scripts/atomicOutput.mjs';

/** Builds `entry` into `outfile`, with what it reads beside it; returns `outfile`. */
export async function buildAsShipped(entry: string, outfile: string): Promise<string> {
  const dir = path.dirname(outfile);
  const common = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', logLevel: 'silent' } as const;
  writeRegistryJson(dir);
  await build(atomicBuild({ ...common, entryPoints: [entry], outfile, external: ['playwright-core'], plugins: [vendorChunks, noNodeCanvas] }, { ascii: true }));
  await build({ ...common, entryPoints: [path.join(__dirname, '..', 'engine', 'tools', 'sql', 'sqliteWorker.ts')], outfile: path.join(dir, 'sqliteWorker.js') });
  fs.copyFileSync(require.resolve('node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), path.join(dir, 'node-sqlite3-wasm.wasm'));
  await buildVendorChunks(dir);
  return outfile;
}

/**
 * An entry that loads `bundle` (beside it) as `orc`'s entry loads the CLI (engine/cli/compileCache.ts,
 * `requireCompiled`), its compiled code cached in `cacheDir` (V8's code cache of the bundle, Node's
 * compile cache for the rest), which the first load writes and later ones read, as the CLI's first
 * command after an install writes it for every later run of that command. Returns `entryFile`.
 */
export async function buildShippedEntry(bundle: string, entryFile: string, cacheDir: string): Promise<string> {
  const contents = `import { requireCompiled } from ${JSON.stringify(path.join(__dirname, '..', 'engine', 'cli', 'compileCache'))};\nrequireCompiled(require('node:path').join(__dirname, ${JSON.stringify(path.basename(bundle))}), ${JSON.stringify(cacheDir)}, 'bench');\n`;
  await build({ stdin: { contents, loader: 'ts', resolveDir: __dirname, sourcefile: 'shippedEntry.ts' }, outfile: entryFile, bundle: true, platform: 'node', target: 'node22', format: 'cjs', logLevel: 'silent' });
  return entryFile;
}

export type Shipped = typeof import('./shippedEngine');

/** bench/shippedEngine.ts built as shipped into a folder of its own (removed when the process exits), loaded. */
export async function loadShipped(): Promise<Shipped> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-shipped-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = await buildAsShipped(path.join(__dirname, 'shippedEngine.ts'), path.join(dir, 'shippedEngine.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as Shipped;
}
