// `npm run package` (scripts/package.mjs): the .vsix holds exactly what the extension needs at run
// time and the pages it shows, nothing else (no sources, maps, tests or tools; of node_modules only
// playwright-core, which the browser tools load on first use).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yauzl from 'yauzl';
import { ROOT } from '../helpers/cli';

/** Every entry of a zip file, with its contents. */
function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const entries = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

const filesIn = (dir: string, ext: string) =>
  fs
    .readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith(ext))
    .map((f) => `${dir}/${f}`);

describe('the .vsix (npm run package)', function () {
  this.timeout(180_000);
  let out: string;
  let vsix: string;
  let entries: Map<string, Buffer>;
  /** What is inside `extension/`, by its path in the repository's terms. */
  let files: string[];
  let manifest: {
    main: string;
    contributes: {
      languages: { configuration: string }[];
      grammars: { path: string }[];
      yamlValidation: { url: string }[];
      walkthroughs: { steps: { id: string; media: { markdown?: string; image?: string }; completionEvents: string[] }[] }[];
      chatPromptFiles: { path: string }[];
      chatSkills: { path: string }[];
    };
  };

  before(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-vsix-'));
    // inside `npm test`, dist/ was just built from this checkout (scripts/test.mjs says so): packaged
    // as it is, not built again while the other tests read it; run alone, the package is built first
    const build = process.env.ORC_DIST_BUILT === '1' ? ['--no-build'] : [];
    const r = spawnSync(process.execPath, ['scripts/package.mjs', '--out', out, ...build], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 170_000 });
    assert.equal(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    vsix = path.join(out, `${pkg.name}-${pkg.version}.vsix`);
    // the script's last line: where the package is and how big
    assert.match(r.stdout.trim().split('\n').pop() ?? '', new RegExp(`${path.basename(vsix).replace(/\./g, '\\.')}  [\\d.]+ MB \\(${fs.statSync(vsix).size} bytes\\)$`));
    entries = await readZip(vsix);
    files = [...entries.keys()].filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
    manifest = JSON.parse(entries.get('extension/package.json')!.toString('utf8'));
  });

  after(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('has exactly the expected top-level entries', () => {
    const top = new Set([...entries.keys()].map((n) => n.replace(/\/.*$/, '/')));
    assert.deepEqual([...top].sort(), ['[Content_Types].xml', 'extension.vsixmanifest', 'extension/'].sort());
    const inExtension = new Set(files.map((f) => f.replace(/\/.*$/, '/')));
    assert.deepEqual([...inExtension].sort(), ['LICENSE.txt', 'changelog.md', 'dist/', 'docs/', 'engine/', 'media/', 'node_modules/', 'package.json', 'readme.md', 'syntaxes/'].sort());
  });

  it('holds exactly the bundles, grammars, schema, walkthrough, images and the four documents', () => {
    const expected = [
      'package.json',
      'readme.md',
      'changelog.md',
      'LICENSE.txt',
      // the extension host's entry, the language server it starts, the panel's script and
      // stylesheet (client/webviewHost.ts loads both from dist/), the model registry
      'dist/extension.js',
      // the engine, which the extension loads on first use (esbuild.mjs)
      'dist/engine.js',
      // the language server: its entry, which turns on the compile cache, the server that answers
      // initialize, and its features, loaded after that answer
      'dist/server.js',
      'dist/languageServer.js',
      'dist/serverFeatures.js',
      'dist/webview.js',
      'dist/webview.css',
      // the eval panel's script and stylesheet (client/evalPanel.ts)
      'dist/evalView.js',
      'dist/evalView.css',
      // the Improve Prompts panel's (client/improvePanel.ts)
      'dist/improveView.js',
      'dist/improveView.css',
      'dist/registry.json',
      'dist/pipeline.schema.json',
      // SQLite as WebAssembly, which the sql tool loads beside the bundle
      'dist/node-sqlite3-wasm.wasm',
      // the thread it runs SQLite on, started beside the engine (engine/tools/sql/sqliteWorker.ts)
      'dist/sqliteWorker.js',
      // the CLI, which the MCP server entry runs as `orc mcp` (client/mcpServerProvider.ts): its entry,
      // which turns on Node's compile cache, and the CLI itself (engine/cli/entry.ts)
      'dist/cli.js',
      'dist/cliMain.js',
      // its chunks, and the language server's (the MCP SDK's client, re2js), required on first use (scripts/vendorChunks.mjs)
      ...['a2a-sdk', 'ajv', 'anthropic-sdk', 'aws-sdk-client-s3', 'bullmq', 'google-genai', 'ioredis', 'mcp-client', 'mcp-sdk', 'openai', 'opentelemetry', 'pg', 're2js', 'restate-sdk', 'vega-lite', 'vega'].map((c) => `dist/vendor/${c}.js`),
      'engine/spec/pipeline.schema.json',
      // the eval files' schema, which contributes.yamlValidation registers for *.eval.yaml
      'engine/eval/eval.schema.json',
      ...filesIn('syntaxes', '.json'),
      ...filesIn('media/walkthrough', '.md'),
      // the chat's prompt files and skill (contributes.chatPromptFiles, contributes.chatSkills; made by the build)
      ...filesIn('dist/chat', '.md'),
      ...filesIn('dist/chat/orchestrator-pipelines', '.md'),
      ...filesIn('media/icons', '.svg'),
      ...filesIn('docs/images', '.png'),
    ];
    assert.deepEqual([...files].filter((f) => !f.startsWith('node_modules/')).sort(), expected.sort());
  });

  it('ships playwright-core whole, as the installed package has it, and no other package', () => {
    const pw = path.join(ROOT, 'node_modules', 'playwright-core');
    const installed: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(pw, dir), { withFileTypes: true })) {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) walk(rel);
        else installed.push(`node_modules/playwright-core/${rel}`);
      }
    };
    walk('');
    assert.deepEqual(files.filter((f) => f.startsWith('node_modules/')).sort(), installed.sort());
    assert.equal(entries.get('extension/node_modules/playwright-core/package.json')!.toString('utf8'), fs.readFileSync(path.join(pw, 'package.json'), 'utf8'));
  });

  // the CLI (dist/cli.js) ships: the editor's MCP server list runs it as `orc mcp` (client/mcpServerProvider.ts)
  it('leaves out sources, maps, tests, tools and the docs pages', () => {
    const stray = files.filter((f) => !f.startsWith('node_modules/playwright-core/')).filter(
      (f) => /\.(ts|map|mjs)$/.test(f) || /(^|\/)(node_modules|test|\.tools|examples|client|server|bench|scripts)\//.test(f) || (f.startsWith('docs/') && !f.startsWith('docs/images/')),
    );
    assert.deepEqual(stray, []);
  });

  it('declares main ./dist/extension.js, and every file its manifest names is inside', () => {
    assert.equal(manifest.main, './dist/extension.js');
    const c = manifest.contributes;
    const named = [
      manifest.main,
      ...c.languages.map((l) => l.configuration),
      ...c.grammars.map((g) => g.path),
      ...c.yamlValidation.map((v) => v.url),
      ...c.walkthroughs.flatMap((w) => w.steps.flatMap((s) => [s.media.markdown, s.media.image])).filter((m): m is string => !!m),
      ...[...c.chatPromptFiles, ...c.chatSkills].map((f) => f.path),
    ].map((p) => path.posix.normalize(p));
    assert.deepEqual(
      named.filter((p) => !files.includes(p)),
      [],
    );
  });

  it('activating parses a bundle of at most 1.5 MiB that loads no engine; the engine beside it exports every value of its door', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-vsix-load-'));
    try {
      for (const f of files.filter((f) => f.startsWith('dist/'))) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), entries.get(`extension/${f}`)!);
      }
      const extension = path.join(dir, 'dist', 'extension.js');
      const engine = path.join(dir, 'dist', 'engine.js');
      assert.ok(fs.statSync(extension).size <= 1.5 * 1024 * 1024, `dist/extension.js is ${fs.statSync(extension).size} bytes`);
      // the extension host's `vscode` module, as far as loading the bundle touches it
      const stub: object = new Proxy(function () {}, { get: (_t, k) => (k === 'prototype' ? {} : stub), apply: () => stub, construct: () => stub });
      const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
      const load = Module._load;
      Module._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? stub : load(request, ...rest));
      let exported: Record<string, unknown>;
      try {
        exported = require(extension) as Record<string, unknown>;
      } finally {
        Module._load = load;
      }
      assert.equal(typeof exported.activate, 'function');
      assert.equal(require.cache[engine], undefined, 'loading dist/extension.js loaded dist/engine.js');
      const { engineValueExports } = await import('../../scripts/engineDoor.mjs');
      assert.deepEqual(Object.keys(require(engine) as object).sort(), engineValueExports().sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the language server's first bundle is small and loads no feature; the features' bundle carries no second copy of the LSP library", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-vsix-server-'));
    try {
      for (const f of ['dist/languageServer.js', 'dist/serverFeatures.js']) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), entries.get(`extension/${f}`)!);
      }
      const first = path.join(dir, 'dist', 'languageServer.js');
      const features = path.join(dir, 'dist', 'serverFeatures.js');
      // what answers initialize: the library and the capabilities (a feature imported into
      // server/server.ts would bring the engine's analysis back into it)
      assert.ok(fs.statSync(first).size <= 400 * 1024, `dist/languageServer.js is ${fs.statSync(first).size} bytes`);
      const loaded = require(first) as { serveProcess?: unknown; library?: { createConnection?: unknown } };
      assert.equal(typeof loaded.serveProcess, 'function');
      assert.equal(typeof loaded.library?.createConnection, 'function');
      assert.equal(require.cache[features], undefined, 'loading dist/languageServer.js loaded dist/serverFeatures.js');
      // the JSON-RPC layer's cancel method is in the library's code only: the features' bundle reads
      // the library from the first bundle (esbuild.mjs, shellLibrary)
      assert.ok(fs.readFileSync(first, 'utf8').includes('$/cancelRequest'));
      assert.ok(!fs.readFileSync(features, 'utf8').includes('$/cancelRequest'), 'dist/serverFeatures.js bundles its own LSP library');
      const wired = require(features) as { wireFeatures?: unknown };
      assert.equal(typeof wired.wireFeatures, 'function');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the walkthrough has its five steps, each with media and a completion event', () => {
    const steps = manifest.contributes.walkthroughs[0].steps;
    assert.deepEqual(
      steps.map((s) => s.id),
      ['openExample', 'fixDiagnostic', 'run', 'showGraph', 'debug'],
    );
    for (const s of steps) assert.ok(s.completionEvents.length > 0, s.id);
    assert.ok(steps.find((s) => s.id === 'debug')!.completionEvents.includes('onCommand:orchestrator.debug'));
  });

  it('every image the README, the changelog and the walkthrough show is inside (or comes over https)', () => {
    const missing: string[] = [];
    for (const doc of ['readme.md', 'changelog.md', ...files.filter((f) => f.startsWith('media/walkthrough/'))]) {
      const text = entries.get(`extension/${doc}`)!.toString('utf8');
      for (const m of text.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) {
        if (m[1].startsWith('https://')) continue;
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(doc), m[1]));
        if (!files.includes(target)) missing.push(`${doc}: ${m[1]}`);
      }
    }
    assert.deepEqual(missing, []);
    // and the README still shows its screenshots (vsce did not strip or rewrite them)
    assert.match(entries.get('extension/readme.md')!.toString('utf8'), /!\[[^\]]+\]\(docs\/images\/1-diagnostic\.png\)/);
  });
});
