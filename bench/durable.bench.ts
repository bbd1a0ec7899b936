// Durable runs on Restate (`orc run --restate`), on this machine, restate-server from node_modules:
// (a) per-step cost: a chain of N no-op steps (data.parse), and N such steps side by side, as our
//     run workflow (submitted, its result document awaited) against a bare hand-written Restate
//     workflow making the same N `ctx.run` calls (in a row; together with RestatePromise.all) on
//     the same server, served by the same process; beside our local run and our BullMQ mode (one
//     worker, when a redis-server is there) of the same pipelines; and, not a goal, the bare
//     workflow in ours' journal shape in a chain (two entries a step: bench/durableBare.ts), so the
//     chain's ratio reads as the shape's share and our code's;
// (b) recovery: a worker (`orc worker --restate`, a process of the built CLI) killed with kill -9
//     while a step of 0.5 s runs; a new worker started at the same address; the time from the new
//     worker being registered to the step in flight starting again, and to the run's end; and how
//     many completed steps ran again (from the steps' own marks).
// (c) a large output: a step that prints 20 MB (the terminal keeps 10 MB of it), run with `orc run
//     --restate --json` and attached to again once it has ended (`--attach ID --json`): how long
//     each takes (it went by reference: the release before, the attach never ended).
// Goals (BENCHMARKS.md): ≤ 1.2× the bare workflow per step; 0 completed steps run again, and the
// run finished within 2 s of a worker being back.
// `--smoke`: 20 steps, one recovery, a 2 MB output.
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../engine/analyze/index';
import { runPipeline } from '../engine/run/runPipeline';
import { sha256 } from '../engine/run/checkpointStore';
import { RemoteAttempts } from '../engine/distributed/coordinator';
import { registerDeployment } from '../engine/durable/worker';
import { runResult, submitRun } from '../engine/durable/client';
import { newExecutionId } from '../engine/run/runPipeline';
import { ensureRedisServer, RedisServer, WorkerProcess } from '../test/helpers/redisServer';
import { freePort, linesOf, startCli, startRestate, startWorker, stopGroup, until, type Worker } from '../test/helpers/restateServer';
import { build } from './freshBuild';
import { goal, median, table } from './stats';

const SMOKE = process.argv.includes('--smoke');
const STEPS = SMOKE ? 20 : 200;
const ROUNDS = SMOKE ? 1 : 3;
const RECOVERIES = SMOKE ? 1 : 3;
const progress = (s: string) => process.stderr.write(`  … ${s}\n`);

const noop = ['tool: data', 'action: parse', 'parameters: {format: json, content: "1"}'];
function chainYaml(n: number, chained: boolean): string {
  const out = [`id: bench_durable_${chained ? 'chain' : 'wide'}`, 'steps:'];
  for (let i = 0; i < n; i++) {
    out.push(`  - id: s${i}`, ...noop.map((l) => `    ${l}`));
    if (chained && i) out.push(`    dependencies: [s${i - 1}]`);
  }
  return out.join('\n') + '\n';
}

async function bareRun(ingress: string, n: number, together: boolean, turns = false): Promise<number> {
  const key = newExecutionId();
  const t0 = performance.now();
  const sent = await fetch(`${ingress}/bare_bench/${key}/run/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n, together, turns }) });
  if (!sent.ok) throw new Error(`bare workflow refused: ${sent.status} ${await sent.text()}`);
  const got = await fetch(`${ingress}/restate/workflow/bare_bench/${key}/attach`);
  if (!got.ok) throw new Error(`bare workflow failed: ${got.status} ${await got.text()}`);
  await got.text();
  return performance.now() - t0;
}

async function oursRun(ingress: string, yaml: string): Promise<number> {
  const id = newExecutionId();
  const t0 = performance.now();
  await submitRun(ingress, id, { source: yaml, file: null, inputs: {} });
  const doc = await runResult(ingress, id);
  const ms = performance.now() - t0;
  if (doc.status !== 'completed') throw new Error(`the durable run ${doc.status}`);
  return ms;
}

async function localRun(yaml: string, dir: string): Promise<number> {
  const a = analyze(yaml);
  const t0 = performance.now();
  const doc = await runPipeline(a, { cwd: dir, source: yaml });
  if (doc.status !== 'completed') throw new Error(`the local run ${doc.status}`);
  return performance.now() - t0;
}

async function bullRun(redis: RedisServer, yaml: string, dir: string): Promise<number> {
  const queue = `durable-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const w = await WorkerProcess.start(redis.url, { cwd: dir, root: dir, concurrency: 8, queue });
  const a = analyze(yaml);
  const remote = await RemoteAttempts.open({ url: redis.url, queue, pipelineSha256: sha256(yaml), steps: a.pipeline!.steps });
  try {
    await runPipeline(a, { cwd: dir, source: yaml, attempts: remote }); // warm
    const t0 = performance.now();
    const doc = await runPipeline(a, { cwd: dir, source: yaml, attempts: remote });
    if (doc.status !== 'completed') throw new Error(`the BullMQ run ${doc.status}`);
    return performance.now() - t0;
  } finally {
    await remote.close();
    await w.kill();
  }
}

const RECOVERY = `id: bench_recovery
steps:
  - id: a
    tool: terminal
    action: execute
    parameters: {command: "echo a >> marks.txt"}
  - id: slow
    tool: terminal
    action: execute
    dependencies: [a]
    parameters: {command: "echo slow >> marks.txt; sleep 0.5"}
  - id: c
    tool: terminal
    action: execute
    dependencies: [slow]
    parameters: {command: "echo c >> marks.txt"}
`;

/** One kill -9 of the worker mid-step; times from the new worker's registration. */
async function recovery(ingress: string, admin: string, root: string): Promise<{ toRestart: number; toEnd: number; rerunCompleted: number }> {
  const dir = fs.mkdtempSync(path.join(root, 'r-'));
  const name = path.basename(dir);
  fs.writeFileSync(path.join(dir, 'p.yaml'), RECOVERY.replace(/marks\.txt/g, `${name}/marks.txt`));
  const marks = path.join(dir, 'marks.txt');
  const port = await freePort();
  let worker: Worker | null = await startWorker(admin, port, root);
  try {
    const id = newExecutionId();
    const source = fs.readFileSync(path.join(dir, 'p.yaml'), 'utf8');
    await submitRun(ingress, id, { source, file: `${name}/p.yaml`, inputs: {} });
    const result = runResult(ingress, id);
    await until('the slow step', 60_000, () => linesOf(marks).includes('slow'));
    await stopGroup(worker.child, 'SIGKILL');
    worker = await startWorker(admin, port, root);
    const back = performance.now();
    let restarted = 0;
    const watch = until('the step again', 60_000, () => linesOf(marks).filter((l) => l === 'slow').length >= 2).then(() => (restarted = performance.now()));
    const doc = await result;
    const end = performance.now();
    await watch;
    if (doc.status !== 'completed') throw new Error(`the recovered run ${doc.status}`);
    const c = linesOf(marks);
    return { toRestart: restarted - back, toEnd: end - back, rerunCompleted: c.filter((l) => l === 'a').length - 1 + (c.filter((l) => l === 'c').length - 1) };
  } finally {
    await stopGroup(worker?.child, 'SIGKILL');
  }
}

/** A step printing `mb` MB: `orc run --restate --json`, then `--attach ID --json` once it has ended (ms each; null: no end within 120 s). */
async function largeOutput(ingress: string, admin: string, root: string, mb: number): Promise<{ run: number | null; attach: number | null }> {
  const dir = fs.mkdtempSync(path.join(root, 'big-'));
  fs.writeFileSync(path.join(dir, 'p.yaml'), `id: bench_large\nsteps:\n  - id: big\n    tool: terminal\n    action: execute\n    parameters: {command: "head -c ${mb * 1_000_000} /dev/zero | tr '\\\\0' a"}\n`);
  const worker = await startWorker(admin, await freePort(), root);
  const timed = async (args: string[]): Promise<{ ms: number | null; stderr: string }> => {
    const t0 = performance.now();
    const c = startCli(args, root);
    const limit = setTimeout(() => void stopGroup(c.child, 'SIGKILL'), 120_000);
    const code = await c.done;
    clearTimeout(limit);
    return { ms: code === 0 ? performance.now() - t0 : null, stderr: c.stderr() };
  };
  try {
    const run = await timed(['run', path.relative(root, path.join(dir, 'p.yaml')), '--restate', ingress, '--json']);
    const id = /run (\S+) submitted/.exec(run.stderr)?.[1];
    if (!id) throw new Error(`the large run was not submitted: ${run.stderr.slice(-500)}`);
    const attach = await timed(['run', '--restate', ingress, '--attach', id, '--json']);
    return { run: run.ms, attach: attach.ms };
  } finally {
    await stopGroup(worker.child, 'SIGKILL');
  }
}

async function main(): Promise<void> {
  if (!build(SMOKE)) {
    if (SMOKE) throw new Error('the build failed');
    console.log('(the build failed: using the dist/cli.js there is)');
  }
  const server = await startRestate();
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-durable-')));
  // (the SDK reads its log level as it loads: each invocation's INFO lines would drown the figures)
  process.env.RESTATE_LOGGING ??= 'WARN';
  const [{ restate, bareWorkflow }, { runWorkflow }] = await Promise.all([import('./durableBare.js'), import('../engine/durable/workflow.js')]);
  const endpoint = http2.createServer(restate.endpoint().bind(runWorkflow({ root })).bind(bareWorkflow).http2Handler());
  let redis: RedisServer | null = null;
  try {
    const port = await freePort();
    await new Promise<void>((r) => endpoint.listen(port, '127.0.0.1', () => r()));
    await registerDeployment(server.admin, `http://127.0.0.1:${port}`);
    try {
      ensureRedisServer();
      redis = await RedisServer.start();
    } catch (e) {
      progress(`no BullMQ figures: no redis-server (${e instanceof Error ? e.message : String(e)})`);
    }
    console.log(`(a) ${STEPS} no-op steps (data.parse), in a chain and side by side; median of ${ROUNDS} after a warm-up; the same Restate server and serving process for ours and the bare workflow`);
    const rows: string[][] = [];
    const ratios: number[] = [];
    let shape: { ms: number; ratio: number } | null = null;
    for (const chained of [true, false]) {
      const yaml = chainYaml(STEPS, chained);
      await oursRun(server.ingress, yaml);
      await bareRun(server.ingress, STEPS, !chained); // warm-up, both
      const o: number[] = [];
      const b: number[] = [];
      const shaped: number[] = [];
      if (chained) await bareRun(server.ingress, STEPS, false, true); // warm-up
      for (let i = 0; i < ROUNDS; i++) {
        b.push(await bareRun(server.ingress, STEPS, !chained));
        o.push(await oursRun(server.ingress, yaml));
        if (chained) shaped.push(await bareRun(server.ingress, STEPS, false, true));
      }
      if (chained) shape = { ms: median(shaped) / STEPS, ratio: median(shaped) / median(b) };
      const loc = await localRun(yaml, fs.mkdtempSync(path.join(root, 'l-')));
      const bull = redis ? await bullRun(redis, yaml, fs.mkdtempSync(path.join(root, 'q-'))) : null;
      const per = (ms: number) => (ms / STEPS).toFixed(2);
      const ratio = median(o) / median(b);
      ratios.push(ratio);
      progress(`${chained ? 'chain' : 'side by side'}: ours ${per(median(o))} ms/step, bare ${per(median(b))}`);
      rows.push([chained ? 'chain' : 'side by side', per(median(o)), per(median(b)), ratio.toFixed(2), per(loc), bull === null ? '-' : per(bull)]);
    }
    table(['steps', 'ours ms/step', 'bare Restate ms/step', 'ours/bare', 'local ms/step', 'BullMQ (1 worker) ms/step'], rows);
    // not a goal: how much of the chain's ratio is the journal's shape (two entries a step), not our code
    if (shape) console.log(`of the chain's: the bare workflow with ours' journal shape (a turn and its attempt a step, each end raced with the cancel promise): ${shape.ms.toFixed(2)} ms/step, ${shape.ratio.toFixed(2)}x the bare one-entry workflow`);

    console.log(`\n(b) recovery: a worker killed with kill -9 while a 0.5 s step runs, a new one started at its address (${RECOVERIES} time${RECOVERIES > 1 ? 's' : ''})`);
    const rec: { toRestart: number; toEnd: number; rerunCompleted: number }[] = [];
    for (let i = 0; i < RECOVERIES; i++) rec.push(await recovery(server.ingress, server.admin, root));
    table(
      ['trial', 'worker back → step again (ms)', 'worker back → run ended (ms)', 'completed steps run again'],
      rec.map((r, i) => [String(i + 1), r.toRestart.toFixed(0), r.toEnd.toFixed(0), String(r.rerunCompleted)]),
    );
    const mb = SMOKE ? 2 : 20;
    console.log(`\n(c) a step printing ${mb} MB: orc run --restate --json, then --attach ID --json once it has ended (a worker process of the built CLI)`);
    const big = await largeOutput(server.ingress, server.admin, root, mb);
    const secs = (ms: number | null) => (ms === null ? 'no end in 120 s' : (ms / 1000).toFixed(1));
    table(['output', 'orc run --json (s)', '--attach --json (s)'], [[`${mb} MB`, secs(big.run), secs(big.attach)]]);
    if (big.run === null || big.attach === null) throw new Error('a run with a large output did not end');
    const worstRatio = Math.max(...ratios);
    const worstEnd = Math.max(...rec.map((r) => r.toEnd));
    const reruns = rec.reduce((s, r) => s + r.rerunCompleted, 0);
    console.log('\ngoals (durable runs against a bare Restate workflow on the same server):');
    console.log(goal('per step against the bare workflow (worst of chain and side by side)', `${worstRatio.toFixed(2)}x`, '≤ 1.2x', worstRatio <= 1.2));
    console.log(goal('completed steps run again after a kill -9 of the worker', String(reruns), '0', reruns === 0));
    console.log(goal('run finished after a worker is back (worst; includes the 0.5 s step run again)', `${(worstEnd / 1000).toFixed(2)} s`, '≤ 2 s', worstEnd <= 2000));
  } finally {
    await new Promise<void>((r) => {
      endpoint.close(() => r());
      setTimeout(r, 1000).unref();
    });
    await redis?.stop();
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
