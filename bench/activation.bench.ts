// Activation in a real workbench (code-server, as test/e2e runs it): a pipeline is opened in a
// folder that holds only it, and the extension activates as a user's does. Measured in the
// extension host (bench/activationProbe.ts): activate() to the language client ready, as the
// extension times it (the hidden command orchestrator.activationTiming); the whole activation as the
// host runs it (loading the bundle, then activate() until it resolves); the bytes of this
// extension's files the host loaded by then, and whether the engine (dist/engine.js) was among
// them; the host's memory. The peer is the extension as it was built before the engine was split
// out and the bundles minified: the same sources built into one unminified dist/extension.js and an
// unminified dist/server.js, in a copy of the extension beside this one, measured in the same run,
// alternating with ours. Ours is measured twice as the same user: the first activation after
// installing, then the next (the language server's compile cache, written by the first, in use: the
// activation a user has every day). The floor is this extension with a language server that only
// answers initialize, with our capabilities (bench/initializeOnlyServer.ts): what any server offering
// these features from its own process costs.
// Then the .vsix's size.
// `--quick`: one workbench each instead of three.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
// @ts-expect-error: a plain ES module of the build, without types
import { noNodeCanvas } from '../scripts/noNodeCanvas.mjs';
import type { ActivationTiming } from '../client/activationTiming';
import { launchBrowser, ROOT, Workbench, CODE_SERVER_ENTRY } from '../test/e2e/codeServer';
import { goal, median, table } from './stats';

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 1 : 3;
const MB = 1024 * 1024;

interface Probe {
  wasActive: boolean;
  activatedMs: number;
  timing: ActivationTiming;
  languageId: string;
  error?: string;
}

interface Sample {
  clientMs: number;
  /** activate()'s synchronous work (the client starting meanwhile). */
  syncMs: number;
  /** When the server's process was forked, from activate()'s start. */
  forkMs: number | null;
  /** How long the server process had run when it answered initialize. */
  serverMs: number | null;
  /** activate() to the first diagnostics the client was handed (null: none came, the floor's server). */
  diagMs: number | null;
  activatedMs: number;
  loadedBytes: number;
  loadedFiles: string[];
  engineLoaded: boolean;
  rss: number;
  heapUsed: number;
}

function build(): void {
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the build failed');
}

/** The extension as it was built before the split: one unminified bundle with the engine in it. */
async function peerExtension(tmp: string): Promise<string> {
  const dir = path.join(tmp, 'peer');
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  for (const d of ['syntaxes', 'media', 'engine', 'node_modules']) fs.symlinkSync(path.join(ROOT, d), path.join(dir, d));
  for (const f of fs.readdirSync(path.join(ROOT, 'dist'))) {
    if (f === 'extension.js' || f === 'engine.js' || f === 'server.js' || f === 'cli.js' || f.endsWith('.map')) continue;
    fs.copyFileSync(path.join(ROOT, 'dist', f), path.join(dir, 'dist', f));
  }
  const old = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', legalComments: 'none', logLevel: 'warning' } as const;
  const plugins: esbuild.Plugin[] = [noNodeCanvas];
  await esbuild.build({ ...old, plugins, entryPoints: [path.join(ROOT, 'client/extension.ts')], outfile: path.join(dir, 'dist/extension.js'), external: ['vscode'] });
  // and the language server as it was built then: unminified, its non-ASCII comments escaped
  const server = path.join(dir, 'dist/server.js');
  await esbuild.build({ ...old, plugins, entryPoints: [path.join(ROOT, 'server/server.ts')], outfile: server });
  fs.writeFileSync(server, fs.readFileSync(server, 'utf8').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return dir;
}

/**
 * One activation in a fresh workbench. With `userDataDir`, the workbench is the same user's as an
 * earlier one (what that one's extension stored, the language server's compile cache among it, is
 * there); `holdMs` keeps the workbench open that long after activating (the server writes its
 * compile cache 5 s after it starts).
 */
/** The floor: this extension as built, with a language server that only answers initialize. */
async function floorExtension(tmp: string): Promise<string> {
  const dir = path.join(tmp, 'floor');
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  for (const d of ['syntaxes', 'media', 'engine', 'node_modules']) fs.symlinkSync(path.join(ROOT, d), path.join(dir, d));
  for (const f of fs.readdirSync(path.join(ROOT, 'dist'))) if (!f.endsWith('.map') && f !== 'server.js' && f !== 'languageServer.js') fs.copyFileSync(path.join(ROOT, 'dist', f), path.join(dir, 'dist', f));
  await esbuild.build({ entryPoints: [path.join(ROOT, 'bench/initializeOnlyServer.ts')], outfile: path.join(dir, 'dist/server.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, logLevel: 'warning' });
  return dir;
}

/** A moment of the extension's clock as ms after activate() began; null when it has not come. */
const sinceActivate = (t: ActivationTiming, at: number | null): number | null => (at === null ? null : at - t.activateStartMs);

async function measure(extensionPath: string, probe: string, browser: Awaited<ReturnType<typeof launchBrowser>>['browser'], userDataDir?: string, holdMs = 0): Promise<Sample> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-act-ws-'));
  fs.copyFileSync(path.join(ROOT, 'examples', 'hello.pipeline.yaml'), path.join(workspace, 'hello.pipeline.yaml'));
  const resultDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-act-'));
  const result = path.join(resultDir, 'result.json');
  const wb = await Workbench.start({ workspace, trusted: true, env: { ORC_ACTIVATION_RESULT: result }, userDataDir });
  const page = await browser.newPage();
  try {
    await page.goto(wb.url({ extensionTestsPath: probe, extensionPath }));
    const deadline = Date.now() + 180_000;
    while (!fs.existsSync(result)) {
      if (Date.now() > deadline) throw new Error(`no activation result in 180 s:\n${wb.log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 100)); // the write is one call; let it land
    const p = JSON.parse(fs.readFileSync(result, 'utf8')) as Probe;
    if (p.error) throw new Error(`the probe failed: ${p.error}`);
    if (p.wasActive) throw new Error('the extension was active before the pipeline was opened: nothing measured');
    if (p.languageId !== 'orchestrator-pipeline') throw new Error(`the pipeline opened as ${p.languageId}`);
    const t = p.timing;
    if (t.clientReadyMs === null) throw new Error('activate() resolved before the language client was ready');
    const loadedBytes = t.loadedFiles.reduce((n, f) => n + fs.statSync(path.join(extensionPath, f)).size, 0);
    if (holdMs) await new Promise((r) => setTimeout(r, holdMs));
    return { clientMs: t.clientReadyMs - t.activateStartMs, syncMs: (t.syncDoneMs ?? t.activateStartMs) - t.activateStartMs, forkMs: sinceActivate(t, t.serverForkedMs), serverMs: t.serverUptimeMs, diagMs: sinceActivate(t, t.firstDiagnosticsMs), activatedMs: p.activatedMs, loadedBytes, loadedFiles: t.loadedFiles, engineLoaded: t.engineLoaded, rss: t.memory.rss, heapUsed: t.memory.heapUsed };
  } finally {
    await page.close().catch(() => undefined);
    wb.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(resultDir, { recursive: true, force: true });
  }
}

function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
}

function vsixBytes(tmp: string): number {
  const out = path.join(tmp, 'vsix');
  const r = spawnSync(process.execPath, ['scripts/package.mjs', '--no-build', '--out', out], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
  return fs.statSync(path.join(out, fs.readdirSync(out).find((f) => f.endsWith('.vsix'))!)).size;
}

async function main(): Promise<void> {
  if (!fs.existsSync(CODE_SERVER_ENTRY)) throw new Error(`code-server is not installed (${CODE_SERVER_ENTRY}): run node scripts/installE2ETools.mjs`);
  build();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-activation-'));
  const probe = path.join(tmp, 'probe', 'index.js');
  await esbuild.build({ entryPoints: [path.join(ROOT, 'bench/activationProbe.ts')], outfile: probe, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' });
  const peer = await peerExtension(tmp);
  const floorExt = await floorExtension(tmp);
  const b = await launchBrowser();
  const ours: Sample[] = [];
  const oursFirst: Sample[] = [];
  const theirs: Sample[] = [];
  const floor: Sample[] = [];
  /** The files of the server's compile cache each first activation left in the user's folder. */
  const cacheFiles: number[] = [];
  try {
    // alternated, so a load that comes and goes on the machine falls on both. Ours twice as the
    // same user: the first activation after installing, then the next one, the one a user has
    // every day after (the language server's compile cache written by the first)
    for (let i = 0; i < RUNS; i++) {
      const user = fs.mkdtempSync(path.join(tmp, 'user-'));
      oursFirst.push(await measure(ROOT, probe, b.browser, user, 6000));
      cacheFiles.push(filesUnder(user).filter((f) => f.includes(`${path.sep}compile-cache${path.sep}`)).length);
      ours.push(await measure(ROOT, probe, b.browser, user));
      theirs.push(await measure(peer, probe, b.browser));
      floor.push(await measure(floorExt, probe, b.browser));
    }
  } finally {
    await b.close();
  }
  const vsix = vsixBytes(tmp);
  fs.rmSync(tmp, { recursive: true, force: true });

  const med = (xs: Sample[], f: (s: Sample) => number) => median(xs.map(f));
  const row = (name: string, xs: Sample[]) => [
    name,
    med(xs, (s) => s.clientMs).toFixed(0),
    med(xs, (s) => s.syncMs).toFixed(0),
    xs.every((s) => s.forkMs !== null) ? med(xs, (s) => s.forkMs!).toFixed(0) : '?',
    xs.every((s) => s.serverMs !== null) ? med(xs, (s) => s.serverMs!).toFixed(0) : '?',
    xs.every((s) => s.diagMs !== null) ? med(xs, (s) => s.diagMs!).toFixed(0) : '-',
    med(xs, (s) => s.activatedMs).toFixed(0),
    (med(xs, (s) => s.loadedBytes) / MB).toFixed(2),
    xs.some((s) => s.engineLoaded) ? 'yes' : 'no',
    (med(xs, (s) => s.rss) / MB).toFixed(0),
    (med(xs, (s) => s.heapUsed) / MB).toFixed(0),
  ];
  console.log(`activation on opening a pipeline in code-server, median of ${RUNS} fresh workbench(es) each (load: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  table(
    ['extension', 'activate() to client ready ms', 'of it activate() itself ms', 'server forked at ms', 'server process at initialize ms', 'activate() to first diagnostics ms', 'load + activate ms', 'files loaded MiB', 'engine loaded', 'host RSS MiB', 'host heap MiB'],
    [row('ours', ours), row('ours, first activation of the user', oursFirst), row('before (one unminified bundle)', theirs), row('floor: a server that only answers initialize', floor)],
  );
  console.log(`files the host loaded at activation: ours ${ours[0].loadedFiles.join(', ')}; before ${theirs[0].loadedFiles.join(', ')}`);
  console.log(`the language server's compile cache after a user's first activation: ${cacheFiles.join(', ')} file(s)`);
  console.log(`.vsix: ${(vsix / MB).toFixed(2)} MB`);
  const client = med(ours, (s) => s.clientMs);
  const bytes = med(ours, (s) => s.loadedBytes);
  const whole = med(ours, (s) => s.activatedMs);
  const wholeBefore = med(theirs, (s) => s.activatedMs);
  console.log('\ngoals (issue 29: activation):');
  const floorClient = med(floor, (s) => s.clientMs);
  console.log(goal('activate() to the language client ready', `${client.toFixed(0)} ms, ${(client / floorClient).toFixed(2)}x the floor (${floorClient.toFixed(0)} ms, a server that only answers initialize); the user's first activation ${med(oursFirst, (s) => s.clientMs).toFixed(0)} ms; before: ${med(theirs, (s) => s.clientMs).toFixed(0)} ms`, '≤ 150 ms', client <= 150));
  console.log(goal('bundle bytes the host parses at activation', `${(bytes / MB).toFixed(2)} MiB (before: ${(med(theirs, (s) => s.loadedBytes) / MB).toFixed(2)} MiB)`, '≤ 1.5 MiB', bytes <= 1.5 * MB));
  console.log(goal('the engine is loaded on first use, not at activation', ours.some((s) => s.engineLoaded) ? 'loaded at activation' : 'not loaded', 'not loaded', !ours.some((s) => s.engineLoaded)));
  console.log(goal('load + activate over before', `${(whole / wholeBefore).toFixed(2)} (${whole.toFixed(0)} ms against ${wholeBefore.toFixed(0)} ms)`, '< 1', whole < wholeBefore));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
