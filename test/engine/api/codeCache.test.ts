// A bundle loaded with V8's code cache (engine/api/codeCache.ts): `orc`'s entry on a Node without a
// compile cache of its own (Node 20). The module is the one `require` makes; the cache is named by the
// bundle's bytes, so an edited bundle of the same length never runs the old code; a damaged cache or
// an unusable folder only means compiling. Each load is a process of its own; the last test runs the
// built CLI as a user does.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { codeCacheFile, requireWithCodeCache, type CodeCacheUse } from '../../../engine/api/codeCache';
import { nodeHasCompileCache } from '../../../engine/api/compileCache';
import { CLI, ROOT } from '../../helpers/cli';
import { build } from 'esbuild';

describe('api: a bundle loaded with its code cache', () => {
  let dir: string;
  let bundle: string;
  let cacheDir: string;
  /** engine/api/codeCache.ts built for plain node: each load is a process of its own, as each `orc`
   * command is (in one process V8 keeps what it compiled in memory and would not read the cache). */
  let loader: string;
  before(async () => {
    loader = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-codecache-loader-')), 'load.js');
    fs.writeFileSync(`${loader}.ts`, `import { requireWithCodeCache } from ${JSON.stringify(path.join(ROOT, 'engine', 'api', 'codeCache'))};
const uses: string[] = [];
const m = requireWithCodeCache(process.argv[2], process.argv[3], (u) => uses.push(u)) as { value: unknown; dirname: string; beside: string; builtin: () => Promise<string>; self: NodeJS.Module };
void m.builtin().then((b) => console.log(JSON.stringify({ uses, value: m.value, dirname: m.dirname, beside: m.beside, builtin: b, loaded: m.self.loaded, same: require(process.argv[2]) === m })));
`);
    await build({ entryPoints: [`${loader}.ts`], outfile: loader, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent' });
  });
  after(() => fs.rmSync(path.dirname(loader), { recursive: true, force: true }));
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-codecache-'));
    bundle = path.join(dir, 'bundle.js');
    cacheDir = path.join(dir, 'cache');
    fs.writeFileSync(path.join(dir, 'beside.js'), 'module.exports = "beside";\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // as esbuild.mjs builds the CLI: import() written as require
  const source = (value: number) =>
    `"use strict";\nexports.value = ${value};\nexports.self = module;\nexports.dirname = __dirname;\nexports.beside = require('./beside.js');\nexports.builtin = () => Promise.resolve().then(() => require('node:path')).then((m) => typeof m.join);\n`;
  const load = (): { uses: CodeCacheUse[]; value: number; dirname: string; beside: string; builtin: string; loaded: boolean; same: boolean } => {
    const r = spawnSync(process.execPath, [loader, bundle, cacheDir], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return JSON.parse(r.stdout) as ReturnType<typeof load>;
  };

  it('is the module require makes, its compiled code written by the first process and read by the next', () => {
    fs.writeFileSync(bundle, source(42));
    const first = load();
    assert.deepEqual(first, { uses: ['written'], value: 42, dirname: dir, beside: 'beside', builtin: 'function', loaded: true, same: true });
    const file = codeCacheFile(cacheDir, bundle, fs.readFileSync(bundle));
    assert.match(path.basename(file), /^bundle-[0-9a-f]{32}\.v8cache$/);
    assert.deepEqual(fs.readdirSync(cacheDir), [path.basename(file)]);
    const written = fs.statSync(file);
    assert.deepEqual(load(), { ...first, uses: ['read'] });
    assert.equal(fs.statSync(file).mtimeMs, written.mtimeMs);
  });

  it('runs an edited bundle of the same length as edited, and keeps only its cache', () => {
    fs.writeFileSync(bundle, source(42));
    load();
    const old = fs.readdirSync(cacheDir);
    fs.writeFileSync(bundle, source(43));
    assert.equal(fs.statSync(bundle).size, Buffer.byteLength(source(42)));
    const edited = load();
    assert.deepEqual(edited.uses, ['written']);
    assert.equal(edited.value, 43);
    const now = fs.readdirSync(cacheDir);
    assert.equal(now.length, 1);
    assert.notDeepEqual(now, old);
    assert.deepEqual(load().uses, ['read']);
  });

  it('compiles afresh over a damaged cache and writes it again', () => {
    fs.writeFileSync(bundle, source(7));
    load();
    const file = codeCacheFile(cacheDir, bundle, fs.readFileSync(bundle));
    fs.writeFileSync(file, Buffer.alloc(4096, 0x5a));
    const again = load();
    assert.deepEqual(again.uses, ['written']);
    assert.equal(again.value, 7);
    assert.deepEqual(load().uses, ['read']);
  });

  it('loads the bundle when the folder cannot be made', () => {
    fs.writeFileSync(bundle, source(9));
    fs.writeFileSync(cacheDir, 'a file where the folder would be');
    const got = load();
    assert.deepEqual(got.uses, ['unwritable']);
    assert.equal(got.value, 9);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['beside.js', 'bundle.js', 'cache']);
  });

  it('a module that throws is not left in the module cache', () => {
    fs.writeFileSync(bundle, 'throw new Error("broken bundle");\n');
    assert.throws(() => requireWithCodeCache(bundle, cacheDir), /broken bundle/);
    assert.equal(require.cache[bundle], undefined);
  });

  it('is how `orc` loads: its compiled code written by the first command and read by the next, none with NODE_DISABLE_COMPILE_CACHE', () => {
    const env = { ...process.env, NO_COLOR: '1', ORCHESTRATOR_COMPILE_CACHE: cacheDir };
    const run = (extra: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [CLI, 'validate', path.join(ROOT, 'examples', 'hello.pipeline.yaml')], { encoding: 'utf8', env: { ...env, ...extra }, timeout: 60_000 });
    /** Every file under the cache folder, with what tells a rewrite (its inode and time). */
    const files = () => (fs.readdirSync(cacheDir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(cacheDir, f)).isFile()).sort().map((f) => { const st = fs.statSync(path.join(cacheDir, f)); return `${f} ${st.ino} ${st.mtimeMs}`; });
    const off = run({ NODE_DISABLE_COMPILE_CACHE: '1' });
    assert.equal(off.status, 0, off.stderr);
    assert.match(off.stdout, /hello\.pipeline\.yaml: valid/);
    assert.equal(fs.existsSync(cacheDir), false);
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, off.stdout);
    const written = files();
    const cli = path.join(ROOT, 'dist', 'cliMain.js');
    if (nodeHasCompileCache()) {
      // Node 22.1 and later: Node's own cache, in a folder of its own under ours
      assert.ok(written.length > 0, 'Node wrote its compile cache');
      assert.ok(!written.some((f) => f.includes('.v8cache')), written.join('\n'));
    } else {
      assert.deepEqual(written.map((f) => f.split(' ')[0]), [path.basename(codeCacheFile(cacheDir, cli, fs.readFileSync(cli)))]);
    }
    const second = run();
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, off.stdout);
    // read, not written again (a cache V8 refused would be replaced)
    assert.deepEqual(files(), written);
  });
});
