// Distributed runs (`orc run --redis` + `orc worker`, BullMQ on Redis) on this machine:
// (a) 10,000 no-op steps (a random DAG): a local run, then 1, 2 and 4 workers, each beside BullMQ's
//     raw throughput of no-op jobs with the same workers, window and process layout (the floor);
// (b) 1,000 steps of 50 ms (a wide random DAG): a local run, then 1, 2 and 4 workers of concurrency 1.
// Goals: ours ≥ 1.0 × raw on (a) (the worst of the three); 4 workers ≥ 3.8 × faster than 1 on (b).
// Redis is Debian's redis-server (installed on first use) on 127.0.0.1, a free port, no persistence.
// Both sides first put 2,000 no-op steps (jobs) through the same workers, untimed: workers are
// long-lived, so it is their steady state that counts, not their JIT's first minutes.
// Ours puts quick steps that become ready together in one job (docs/scale-out.md): the table says
// how many jobs carried the run's steps, beside the raw side's one job per step.
// `--quick`: 2,000 no-op steps and 200 sleep steps. `--smoke`: 100 no-op steps and 20 sleep steps
// after 50 to warm up, 1 and 4 workers; without a redis-server (none installed, none installable)
// it says it skipped and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { analyze } from '../engine/analyze/index';
import { runPipeline } from '../engine/run/runPipeline';
import { sha256 } from '../engine/run/checkpointStore';
import { RemoteAttempts } from '../engine/distributed/coordinator';
import { ensureRedisServer, RedisServer, WorkerProcess } from '../test/helpers/redisServer';
import { build } from './freshBuild';
import { goal, rng, table } from './stats';

const QUICK = process.argv.includes('--quick');
const SMOKE = process.argv.includes('--smoke');
const NOOP_STEPS = SMOKE ? 100 : QUICK ? 2000 : 10_000;
const SLEEP_STEPS = SMOKE ? 20 : QUICK ? 200 : 1000;
/** The worker counts each side runs with; the speed-up is the last over the first. */
const WORKERS = SMOKE ? [1, 4] : [1, 2, 4];
const WINDOW = 64; // steps (jobs) in flight: the run's max_parallel, and the raw producer's window
const NOOP_CONCURRENCY = 8; // per worker, for the no-op steps
const WARM_UP = SMOKE ? 50 : 2000; // no-op steps (jobs) through the workers before each timed no-op run, ours and raw alike
const ROOT = path.resolve(__dirname, '..');

/** A random DAG: each step depends on up to `maxParents` of the `reach` steps before it. */
function dagYaml(n: number, step: (i: number) => string[], reach: number, maxParents: number, seed = 11): string {
  const r = rng(seed);
  const out = ['id: bench_distributed', 'steps:'];
  for (let i = 0; i < n; i++) {
    const k = i === 0 ? 0 : Math.min(i, Math.floor(r() * (maxParents + 1)));
    const parents = new Set<number>();
    while (parents.size < k) parents.add(Math.max(0, i - 1 - Math.floor(r() * Math.min(i, reach))));
    out.push(`  - id: s${i}`, ...step(i).map((l) => `    ${l}`));
    if (parents.size) out.push(`    dependencies: [${[...parents].map((p) => `s${p}`).join(', ')}]`);
  }
  return out.join('\n') + '\n';
}

const noopStep = () => ['tool: data', 'action: parse', 'parameters: {format: json, content: "1"}'];
const sleepStep = () => ['tool: terminal', 'action: execute', 'parameters: {command: "sleep 0.05"}'];

let queueSeq = 0;
/** A measurement as it is taken (stderr), so a long benchmark shows where it is. */
const progress = (s: string) => process.stderr.write(`  … ${s}\n`);

/** Ours: the run's time, and how many jobs carried its steps. */
async function ours(redis: RedisServer, yaml: string, workers: number, concurrency: number, dir: string): Promise<{ ms: number; jobs: number }> {
  const queue = `bench-${process.pid}-${queueSeq++}`;
  // started together (outside the time): each waits until it listens
  const ws = await Promise.all(Array.from({ length: workers }, () => WorkerProcess.start(redis.url, { cwd: dir, root: dir, concurrency, queue })));
  const a = analyze(yaml);
  // warm-up, as for raw: long-lived workers have compiled their hot paths; a cold start is not throughput
  const warm = dagYaml(WARM_UP, noopStep, WARM_UP, 3, 5).replace('id: bench_distributed', 'id: bench_warm_up');
  const w = analyze(warm);
  const warmRemote = await RemoteAttempts.open({ url: redis.url, queue, pipelineSha256: sha256(warm), steps: w.pipeline!.steps });
  await runPipeline(w, { cwd: dir, source: warm, maxParallel: WINDOW, attempts: warmRemote }).finally(() => warmRemote.close());
  const remote = await RemoteAttempts.open({ url: redis.url, queue, pipelineSha256: sha256(yaml), steps: a.pipeline!.steps });
  try {
    const t0 = performance.now();
    const doc = await runPipeline(a, { cwd: dir, source: yaml, maxParallel: WINDOW, attempts: remote });
    const ms = performance.now() - t0;
    if (doc.status !== 'completed') throw new Error(`the distributed run ${doc.status}: ${JSON.stringify(Object.values(doc.steps).find((s) => s.error)?.error)}`);
    return { ms, jobs: remote.added.jobs };
  } finally {
    await remote.close();
    for (const w of ws) await w.kill();
  }
}

async function local(yaml: string, dir: string): Promise<number> {
  const a = analyze(yaml); // outside the time, as for a distributed run
  const t0 = performance.now();
  const doc = await runPipeline(a, { cwd: dir, source: yaml, maxParallel: WINDOW });
  if (doc.status !== 'completed') throw new Error(`the local run ${doc.status}`);
  return performance.now() - t0;
}

/** BullMQ alone: `n` no-op jobs through `workers` plain worker processes, `WINDOW` in flight, each awaited through QueueEvents. */
async function raw(redis: RedisServer, n: number, workers: number, concurrency: number): Promise<number> {
  const queue = `raw-${process.pid}-${queueSeq++}`;
  // started together (outside the time), as ours; each says "ready" once it listens
  const children: ChildProcess[] = Array.from({ length: workers }, () =>
    spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'distributedRawWorker.ts'), String(redis.port), queue, String(concurrency)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  const exited = children.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())));
  try {
    await Promise.all(
      children.map(
        (c, i) =>
          new Promise<void>((resolve, reject) => {
            c.stdout!.once('data', () => resolve());
            void exited[i].then(() => reject(new Error(`a raw BullMQ worker exited (${c.exitCode ?? c.signalCode}) before it was ready`)));
          }),
      ),
    );
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
    const q = new Queue(queue, { connection, prefix: 'orc', skipVersionCheck: true });
    // a new queue: its events from the first on (else the first completions may come before the reader's first read)
    const ev = new QueueEvents(queue, { connection, prefix: 'orc', skipVersionCheck: true, lastEventId: '0-0' });
    try {
      await Promise.all([q.waitUntilReady(), ev.waitUntilReady()]);
      const waiting = new Map<string, () => void>();
      ev.on('completed', ({ jobId }) => {
        const w = waiting.get(jobId);
        waiting.delete(jobId);
        w?.();
      });
      let next = 0;
      const lanes = (until: number, prefix: string) => {
        const lane = async () => {
          while (next < until) {
            const id = `${prefix}${next++}`;
            const done = new Promise<void>((r) => waiting.set(id, r));
            await q.add('noop', { i: id }, { jobId: id, removeOnComplete: { age: 3600 } });
            await done;
          }
        };
        return Promise.all(Array.from({ length: WINDOW }, lane));
      };
      await lanes(WARM_UP, 'w'); // warm-up, as for ours
      next = 0;
      const t0 = performance.now();
      await lanes(n, 'j');
      return performance.now() - t0;
    } finally {
      await ev.close();
      await q.close();
    }
  } finally {
    // the workers go whatever happened (an error here must not leave them running)
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(exited);
  }
}

async function main(): Promise<void> {
  if (SMOKE) {
    // the queue's server is the bench's ground, ours and BullMQ's alike: installed on first use as for the tests
    try {
      ensureRedisServer();
    } catch (e) {
      console.log(`distributed: skipped, no redis-server (${e instanceof Error ? e.message : String(e)})`);
      return;
    }
  }
  if (!build(SMOKE)) {
    if (SMOKE) throw new Error('the build failed');
    console.log('(the build failed: using the dist/cli.js there is)');
  }
  const redis = await RedisServer.start();
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-dist-')));
  try {
    const rate = (n: number, ms: number) => (n / (ms / 1000)).toFixed(0);
    console.log(`(a) ${NOOP_STEPS} no-op steps (random DAG: 0-3 parents among the 2,000 before; data.parse), max_parallel ${WINDOW}; workers of concurrency ${NOOP_CONCURRENCY}; raw: BullMQ no-op jobs, same workers and window`);
    const noop = dagYaml(NOOP_STEPS, noopStep, 2000, 3);
    const localNoop = await local(noop, fs.mkdtempSync(path.join(dir, 'l-')));
    progress(`local ${rate(NOOP_STEPS, localNoop)} steps/s`);
    const rowsA: string[][] = [['local', rate(NOOP_STEPS, localNoop), '-', '-', '-']];
    const ratios: number[] = [];
    for (const w of WORKERS) {
      const rawMs = await raw(redis, NOOP_STEPS, w, NOOP_CONCURRENCY);
      progress(`raw, ${w} worker(s): ${rate(NOOP_STEPS, rawMs)} jobs/s`);
      const o = await ours(redis, noop, w, NOOP_CONCURRENCY, fs.mkdtempSync(path.join(dir, 'a-')));
      const ratio = rawMs / o.ms;
      ratios.push(ratio);
      rowsA.push([`${w} worker${w > 1 ? 's' : ''}`, rate(NOOP_STEPS, o.ms), String(o.jobs), rate(NOOP_STEPS, rawMs), ratio.toFixed(2)]);
    }
    table(['run', 'ours steps/s', 'ours: jobs', 'raw jobs/s', 'ours/raw'], rowsA);

    console.log(`\n(b) ${SLEEP_STEPS} steps of 50 ms (terminal: sleep 0.05; random DAG: 0-2 parents among the 400 before), max_parallel ${WINDOW}; workers of concurrency 1`);
    const sleepy = dagYaml(SLEEP_STEPS, sleepStep, 400, 2);
    const localSleep = await local(sleepy, fs.mkdtempSync(path.join(dir, 'l-')));
    const rowsB: string[][] = [['local', (localSleep / 1000).toFixed(2), rate(SLEEP_STEPS, localSleep), '-']];
    const times: number[] = [];
    for (const w of WORKERS) {
      const { ms } = await ours(redis, sleepy, w, 1, fs.mkdtempSync(path.join(dir, 'b-')));
      times.push(ms);
      rowsB.push([`${w} worker${w > 1 ? 's' : ''}`, (ms / 1000).toFixed(2), rate(SLEEP_STEPS, ms), `${(times[0] / ms).toFixed(2)}x`]);
    }
    table(['run', 'seconds', 'steps/s', 'speed-up over 1 worker'], rowsB);

    const worst = Math.min(...ratios);
    const most = WORKERS[WORKERS.length - 1];
    const speedup = times[0] / times[times.length - 1];
    console.log("\ngoals (a distributed run against BullMQ's raw one-job-per-step throughput, same run):");
    console.log(goal("no-op throughput against BullMQ's raw (worst worker count)", `${worst.toFixed(2)} of it`, '≥ 1.0', worst >= 1));
    console.log(goal(`${most} workers against 1 on the 50 ms steps`, `${speedup.toFixed(2)}x`, '≥ 3.8x', speedup >= 3.8));
  } finally {
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
