// Faults of a distributed run (`orc run --redis` with `orc worker`s): a worker killed with SIGKILL
// mid-step (BullMQ's stalled-job check hands the job to the other worker; the step counts once), the
// coordinator killed with SIGKILL (`orc resume --redis` reattaches to the job, running or done,
// instead of running the step again), and Redis stopped mid-run (the run fails clearly, the step
// is recorded failed, never half; the run resumes once Redis is back). Redis is Debian's
// redis-server on 127.0.0.1 on a free port, started and stopped here.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, orcAsync, type CliResult } from '../../helpers/cli';
import { RedisServer, someWorkerSays, WorkerProcess } from '../../helpers/redisServer';
import { DEFAULT_QUEUE, resultsKey, type StepJobResult } from '../../../engine/distributed/protocol';
import { attemptOf, jobOf, QueueClient } from '../../helpers/queueClient';

const PIPELINE = `id: faulty
steps:
  - id: a
    tool: terminal
    action: execute
    parameters:
      command: "echo a >> markers.txt"
  - id: slow
    tool: terminal
    action: execute
    dependencies: [a]
    parameters:
      command: "echo slow-start >> markers.txt; sleep 2; echo slow-done >> markers.txt"
  - id: z
    tool: terminal
    action: execute
    dependencies: [slow]
    parameters:
      command: "echo z >> markers.txt"
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The coordinator, as a process the test can kill. */
function coordinator(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<CliResult>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

describe('distributed run: faults', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let base: string;
  let dir: string;
  let workers: WorkerProcess[] = [];
  const markers = () => (fs.existsSync(path.join(dir, 'markers.txt')) ? fs.readFileSync(path.join(dir, 'markers.txt'), 'utf8').split('\n').filter(Boolean) : []);
  const count = (m: string) => markers().filter((x) => x === m).length;

  before(async function () {
    this.timeout(600_000); // the first run may install redis-server
    redis = await RedisServer.start();
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-distf-')));
  });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(base, 'run-'));
    fs.writeFileSync(path.join(dir, 'faulty.pipeline.yaml'), PIPELINE);
    // a short lock: a dead worker's job is handed on after about 2 s
    workers = [];
    for (let i = 0; i < 2; i++) workers.push(await WorkerProcess.start(redis.url, { cwd: base, root: base, env: { ORC_WORKER_LOCK_MS: '2000' } }));
  });

  afterEach(async () => {
    for (const w of workers) await w.kill();
  });

  after(async () => {
    await redis?.stop();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('a worker killed with SIGKILL mid-step: another worker runs the step, which the run has exactly once', async () => {
    const run = coordinator(['run', 'faulty.pipeline.yaml', '--json', '--redis', redis.url], dir);
    await waitFor(() => count('slow-start') === 1, 20_000, 'the slow step to start');
    await someWorkerSays(workers, /slow \(attempt 1\): started/, 3000);
    const holder = workers.find((w) => /slow \(attempt 1\): started/.test(w.log));
    assert.ok(holder, 'no worker says it started the slow step');
    await holder.kill();
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.status, 'completed');
    assert.deepEqual(Object.values(doc.steps).map((s) => (s as { status: string }).status), ['completed', 'completed', 'completed']);
    assert.equal(doc.steps.slow.attempts, 1, 'the stalled job is the same attempt');
    const other = workers.find((w) => w !== holder)!;
    assert.ok(await other.says(/slow \(attempt 1\): done/), other.log);
    // the killed worker's command was stopped with it: one completed execution, the one that counted
    assert.deepEqual([count('a'), count('slow-start'), count('slow-done'), count('z')], [1, 2, 1, 1], markers().join(','));
  });

  it('a worker killed with SIGKILL in the middle of a job of several steps: the next worker skips the steps the first recorded', async () => {
    // a job of three steps, as the coordinator makes of quick steps that become ready together
    const source = `id: shared
steps:
  - id: one
    tool: terminal
    action: execute
    parameters: {command: "echo one >> markers.txt"}
  - id: two
    tool: terminal
    action: execute
    parameters: {command: "echo two-start >> markers.txt; sleep 3; echo two-done >> markers.txt"}
  - id: three
    tool: terminal
    action: execute
    parameters: {command: "echo three >> markers.txt"}
`;
    const q = await QueueClient.open(redis.port);
    try {
      const { steps, sha } = await q.publish(source);
      const runId = `shared-${process.pid}`;
      const job = await q.queue.add('3 steps', jobOf(runId, sha, dir, steps.map((s) => attemptOf(runId, sha, s))), { jobId: `${runId}|job` });
      await waitFor(() => count('two-start') === 1, 20_000, 'the second step to start');
      await someWorkerSays(workers, /two \(attempt 1\): started/, 3000);
      const holder = workers.find((w) => /two \(attempt 1\): started/.test(w.log))!;
      // the test is of the steps the first worker recorded: its record of one is in Redis before it
      // is killed. A record goes out with the worker's next batch of writes, a moment after its step
      // ends; in a fresh clone's CI the kill came first once, and then one, not recorded, rightly ran
      // again (2026-11-27)
      const recordsKey = resultsKey(DEFAULT_QUEUE, runId);
      for (const t0 = Date.now(); !(await q.admin.hexists(recordsKey, `${runId}|one|1`)); await sleep(10)) {
        if (Date.now() - t0 > 10_000) throw new Error('the first worker never recorded step one');
      }
      await holder.kill();
      assert.equal(await job.waitUntilFinished(q.events, 30_000), 2, 'the next worker recorded the two steps not recorded');
      assert.deepEqual([count('one'), count('two-start'), count('two-done'), count('three')], [1, 2, 1, 1], markers().join(','));
      const results = await q.admin.hgetall(resultsKey(DEFAULT_QUEUE, runId));
      const by = (id: string) => (JSON.parse(results[`${runId}|${id}|1`]) as StepJobResult).worker;
      const other = workers.find((w) => w !== holder)!;
      assert.deepEqual([by('one'), by('two'), by('three')], [holder, other, other].map((w) => `${os.hostname()}:${w.pid}`));
    } finally {
      await q.close();
    }
  });

  for (const when of ['while the step still runs', 'after the step has finished'] as const) {
    it(`the coordinator killed with SIGKILL: orc resume --redis reattaches to the job ${when}, which does not run again`, async () => {
      const run = coordinator(['run', 'faulty.pipeline.yaml', '--redis', redis.url], dir);
      await waitFor(() => count('slow-start') === 1, 20_000, 'the slow step to start');
      run.child.kill('SIGKILL');
      await run.done;
      if (when === 'after the step has finished') await waitFor(() => count('slow-done') === 1, 10_000, 'the slow step to finish on its worker');
      else assert.equal(count('slow-done'), 0);
      const id = fs.readdirSync(path.join(dir, '.orchestrator', 'runs'))[0];
      const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'checkpoint.json'), 'utf8'));
      assert.equal(checkpoint.status, 'running');
      assert.equal(checkpoint.steps.slow, undefined);
      const r = await orcAsync(['resume', id, '--json', '--redis', redis.url], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.status, 'completed');
      assert.equal(doc.steps.slow.status, 'completed');
      assert.deepEqual([count('a'), count('slow-start'), count('slow-done'), count('z')], [1, 1, 1, 1], markers().join(','));
    });
  }

  it('Redis stopped mid-run: the run fails clearly, records the step failed, and resumes once Redis is back', async () => {
    const run = coordinator(['run', 'faulty.pipeline.yaml', '--json', '--redis', redis.url], dir, { ORC_REDIS_LOST_MS: '1000' });
    await waitFor(() => count('slow-start') === 1, 20_000, 'the slow step to start');
    await redis.stop();
    const r = await run.done;
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.status, 'failed');
    assert.equal(doc.steps.a.status, 'completed');
    assert.equal(doc.steps.slow.status, 'failed');
    assert.equal(doc.steps.slow.error_type, 'RedisUnavailable');
    assert.equal(doc.steps.slow.attempts, 1, 'a lost Redis is not retried');
    assert.equal(
      doc.steps.slow.error,
      `Lost the connection to Redis at ${redis.url}: the step's outcome is unknown and it is not recorded as run. Resume the run when Redis is back (orc resume RUN_ID --redis URL)`,
    );
    assert.equal(doc.steps.z.status, 'skipped');
    const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'checkpoint.json'), 'utf8'));
    assert.equal(checkpoint.status, 'failed');
    assert.equal(checkpoint.steps.slow.status, 'failed');

    // while Redis is down, a resume says so and runs nothing
    const refused = await orcAsync(['resume', doc.execution_id, '--json', '--redis', redis.url], { cwd: dir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`orc: Could not reach Redis at ${redis.url.replace(/[.]/g, '\\.')}: connect ECONNREFUSED 127\\.0\\.0\\.1:${redis.port}; nothing ran`));

    await redis.startAgain();
    const resumed = await orcAsync(['resume', doc.execution_id, '--json', '--redis', redis.url], { cwd: dir });
    assert.equal(resumed.code, 0, resumed.stderr);
    const after = JSON.parse(resumed.stdout);
    assert.equal(after.status, 'completed');
    assert.equal(count('a'), 1, 'a completed step ran again');
    assert.equal(count('z'), 1);
  });
});
