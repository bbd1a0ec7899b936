// Distributed runs (`orc run --redis` with `orc worker`s on BullMQ): the run contract's cases over
// two workers give exactly a local run's outcome (files, outputs, statuses, levels, fields), and a
// 200-step random DAG with sleeps, conditions and reported failures ends with the same statuses
// and levels as the same pipeline run locally. Redis is Debian's redis-server on 127.0.0.1 on a
// free port, started and stopped here.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFORMANCE, orcAsync } from '../../helpers/cli';
import { countInLogs, RedisServer, someWorkerSays, WorkerProcess } from '../../helpers/redisServer';
import IORedis from 'ioredis';
import { QueueEvents } from 'bullmq';
import { analyze } from '../../../engine/analyze/index';
import { sha256 } from '../../../engine/run/checkpointStore';
import { runPipeline } from '../../../engine/run/runPipeline';
import type { RunEvent } from '../../../engine/run/events';
import { RemoteAttempts } from '../../../engine/distributed/coordinator';
import type { Step } from '../../../engine/spec/types';
import { cancelChannel, DEFAULT_QUEUE, KEY_PREFIX, repliesKey, resultsKey, stepDigest, type AttemptData, type StepJobData, type StepJobResult } from '../../../engine/distributed/protocol';
import { attemptOf, jobOf, QueueClient } from '../../helpers/queueClient';
import { alive } from '../../helpers/processes';
import { assertCaseOutcome, caseArgs, conformanceCases, type ConformanceCase as Case } from '../../helpers/conformance';

const cases: Case[] = conformanceCases();
/** How a worker's log line of a step's end goes on (one per attempt it ran; a busy worker leaves out the start of a step that ended before its log was written). */
const ENDED = '(?:done|reported a failure|failed) in \\d+ ms';

type Doc = { status: string; success: boolean; steps: Record<string, { status: string; success: boolean | null; attempts: number }>; execution_levels: string[][]; outputs: unknown; failed_steps: string[]; skipped_steps: string[]; execution_id: string };

/** A seeded random DAG of `n` terminal steps: sleeps, some false conditions, some reported failures. */
export function randomDag(n: number, seed: number): string {
  let x = seed >>> 0;
  const rand = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const lines = ['id: random_dag', 'context:', '  max_parallel: 16', 'steps:'];
  for (let i = 0; i < n; i++) {
    const deps = new Set<number>();
    if (i > 0) for (let k = 0; k < 3; k++) if (rand() < 0.6) deps.add(Math.floor(rand() * i));
    const r = rand();
    lines.push(`  - id: s${i}`, '    tool: terminal', '    action: execute');
    if (deps.size) lines.push(`    dependencies: [${[...deps].map((d) => `s${d}`).join(', ')}]`);
    if (r < 0.08) lines.push(`    condition: "{{ ${i % 2 ? 'false' : '1 > 2'} }}"`);
    if (r > 0.93) lines.push('    on_failure: continue');
    lines.push('    parameters:', `      command: "sleep 0.0${Math.floor(rand() * 5)}${r > 0.93 ? '; exit 3' : ''}"`);
  }
  return lines.join('\n') + '\n';
}

describe('distributed run: orc run --redis over two orc workers', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let base: string;
  const workers: WorkerProcess[] = [];

  before(async function () {
    this.timeout(600_000); // the first run may install redis-server
    redis = await RedisServer.start();
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-dist-')));
    for (let i = 0; i < 2; i++) workers.push(await WorkerProcess.start(redis.url, { cwd: base, root: base, concurrency: 4 }));
  });

  after(async () => {
    for (const w of workers) await w.kill();
    await redis?.stop();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`${c.example} (${c.variant}) gives a local run's exact outcome`, async function () {
      const dir = fs.mkdtempSync(path.join(base, 'case-'));
      const r = await orcAsync(caseArgs(c, ['--redis', redis.url]), { cwd: dir });
      assert.equal(r.code, c.exit_code, r.stderr);
      const doc = JSON.parse(r.stdout);
      assertCaseOutcome(c, dir, doc);
      const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'checkpoint.json'), 'utf8'));
      assert.equal(checkpoint.status, doc.status);
      // every step that ran was run by a worker, not by the coordinator
      for (const [id, s] of Object.entries(doc.steps as Doc['steps'])) {
        if (s.attempts > 0) {
          const ran = new RegExp(`${doc.execution_id} ${id} \\(attempt 1\\): ${ENDED}`);
          // (as long as the test may run: the line comes when it comes on a busy machine)
          assert.ok(await someWorkerSays(workers, ran, this.timeout()), `no worker ran ${id}`);
        }
      }
    });
  }

  it('both workers took steps', async () => {
    for (const w of workers) assert.ok(await w.says(/\(attempt \d+\): done/), `worker ${w.pid} ran nothing:\n${w.log}`);
  });

  it('a 200-step random DAG with sleeps gives the same statuses and levels as a local run', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'dag-'));
    fs.writeFileSync(path.join(dir, 'dag.pipeline.yaml'), randomDag(200, 7));
    const local = await orcAsync(['run', 'dag.pipeline.yaml', '--json'], { cwd: dir });
    const remote = await orcAsync(['run', 'dag.pipeline.yaml', '--json', '--redis', redis.url], { cwd: dir });
    assert.equal(remote.code, local.code, remote.stderr);
    const a = JSON.parse(local.stdout) as Doc;
    const b = JSON.parse(remote.stdout) as Doc;
    assert.equal(Object.keys(a.steps).length, 200);
    const statuses = (d: Doc) => Object.fromEntries(Object.entries(d.steps).map(([id, s]) => [id, `${s.status}/${s.success}`]));
    assert.deepEqual(statuses(b), statuses(a));
    assert.deepEqual(b.execution_levels, a.execution_levels);
    assert.equal(b.status, a.status);
    // the DAG exercises every outcome
    const kinds = new Set(Object.values(statuses(a)));
    assert.deepEqual([...kinds].sort(), ['completed/false', 'completed/true', 'skipped/null']);
    const ran = Object.values(b.steps).filter((s) => s.attempts > 0).length;
    const byWorker = await countInLogs(workers, new RegExp(`${b.execution_id} s\\d+ \\(attempt 1\\): ${ENDED}`), ran);
    assert.equal(byWorker[0] + byWorker[1], ran, 'each step that ran went to exactly one worker once');
  });

  it("a step's output comes back to the run while the step still runs on its worker, in order, before the step's end", async () => {
    const dir = fs.mkdtempSync(path.join(base, 'stream-'));
    const source = 'id: stream\nsteps:\n  - id: talk\n    tool: terminal\n    action: execute\n    parameters:\n      command: "printf \'one\\\\n\'; sleep 0.4; printf \'two\\\\n\' >&2; sleep 0.4; printf \'three\\\\n\'"\n';
    const a = analyze(source);
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
    const remote = await RemoteAttempts.open({ url: redis.url, pipelineSha256: sha256(source), steps: a.pipeline!.steps });
    const events: RunEvent[] = [];
    try {
      const doc = await runPipeline(a, { cwd: dir, source, attempts: remote, listeners: [(e) => events.push(e)] });
      assert.equal(doc.status, 'completed');
      const r = doc.steps.talk.result as { stdout: string; stderr: string; return_code: number };
      assert.deepEqual([r.stdout, r.stderr, r.return_code], ['one\nthree\n', 'two\n', 0]);
    } finally {
      await remote.close();
    }
    const output = events.filter((e): e is Extract<RunEvent, { type: 'step-output' }> => e.type === 'step-output');
    assert.deepEqual(output.map((e) => [e.stepId, e.stream, e.chunk]), [['talk', 'stdout', 'one\n'], ['talk', 'stderr', 'two\n'], ['talk', 'stdout', 'three\n']]);
    const ended = events.find((e) => e.type === 'step-ended')!;
    assert.ok(events.indexOf(output[2]) < events.indexOf(ended), 'all output before the end');
    assert.ok(ended.time - output[0].time >= 500, `the first line came ${ended.time - output[0].time} ms before the end: not streamed`);
  });

  it('cancelling a distributed run stops the step on its worker, and the run ends cancelled at once', async function () {
    const dir = fs.mkdtempSync(path.join(base, 'cancel-'));
    // the command sleeps far beyond this test's timeout: a run that waited for it could not end here
    const source = 'id: cancel\nsteps:\n  - id: long\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo started $$ > mark.txt; sleep 600; echo finished > mark.txt"\n';
    const a = analyze(source);
    const remote = await RemoteAttempts.open({ url: redis.url, pipelineSha256: sha256(source), steps: a.pipeline!.steps });
    const stop = new AbortController();
    try {
      const running = runPipeline(a, { cwd: dir, source, attempts: remote, signal: stop.signal });
      const mark = () => (fs.existsSync(path.join(dir, 'mark.txt')) ? fs.readFileSync(path.join(dir, 'mark.txt'), 'utf8') : '');
      while (!/^started \d+\n$/.test(mark())) await new Promise((r) => setTimeout(r, 20));
      const shell = Number(/^started (\d+)/.exec(mark())![1]);
      stop.abort();
      const doc = await running;
      assert.equal(doc.status, 'cancelled');
      assert.equal(doc.steps.long.status, 'cancelled');
      assert.ok(await someWorkerSays(workers, new RegExp(`${doc.execution_id} long \\(attempt 1\\): failed in \\d+ ms: CancelledError`), this.timeout()), 'the worker stopped the step');
      // the command's shell is gone (its sleep went with its process group), and never got to 'finished'
      while (alive(shell)) await new Promise((r) => setTimeout(r, 20));
      assert.equal(mark(), `started ${shell}\n`, 'the command was killed');
    } finally {
      await remote.close();
    }
  });

  it('workers refuse jobs whose step is not one of the pipeline the run published, or was altered on the way', async () => {
    const q = await QueueClient.open(redis.port);
    try {
      const { steps, sha } = await q.publish(fs.readFileSync(path.join(CONFORMANCE, 'hello.pipeline.yaml'), 'utf8'));
      const step = steps[0];
      const dir = fs.mkdtempSync(path.join(base, 'forged-'));
      const job = (name: string, over: Partial<StepJobData>, attempt: Partial<AttemptData> = {}): StepJobData => ({
        ...jobOf('forged', sha, dir, [{ ...attemptOf('forged', sha, step, { path: 'notes/x.txt', content: 'forged' }), id: `forged|${name.replace(/ /g, '-')}|1`, ...attempt }]),
        ...over,
      });
      // another step of the same tool (the job carries no mapping as written: it is not what runs)
      const other = { ...step, action: 'delete' } as Step;
      const compiledOtherwise = { ...step, parameters: { path: '/etc/passwd', content: 'x' } } as Step;
      const cases: [string, StepJobData, string][] = [
        ['not published', job('not published', { pipelineSha256: 'f'.repeat(64) }, { stepDigest: stepDigest('f'.repeat(64), step) }), 'its pipeline was not published on the queue (run it with orc run --redis)'],
        ['altered', job('altered', {}, { stepDigest: 'x' }), 'the step does not match its digest'],
        ['not in the pipeline', job('not in the pipeline', {}, { step: other, stepDigest: stepDigest(sha, other) }), 'the step is not in the pipeline the run published'],
        // the same mapping as written, compiled otherwise: the digest covers the whole compiled step
        ['compiled otherwise', job('compiled otherwise', {}, { step: compiledOtherwise, stepDigest: stepDigest(sha, compiledOtherwise) }), 'the step is not in the pipeline the run published'],
        ['outside the root', job('outside the root', { cwd: os.tmpdir(), workspace: os.tmpdir() }), `its workspace ${os.tmpdir()} is not under this worker's root ${base} (start the worker with --root covering it, on a machine that has the folder at the same path)`],
      ];
      for (const [name, data, why] of cases) {
        const j = await q.queue.add('forged', data, { jobId: `forged-job|${name.replace(/ /g, '-')}` });
        assert.equal(await j.waitUntilFinished(q.events, 10_000), 1, `${name}: the worker recorded the job's one attempt`);
        // the refusal is the attempt's record in its run's results, as a run reads it
        const v = JSON.parse((await q.admin.hget(resultsKey(DEFAULT_QUEUE, 'forged'), data.attempts[0].id))!) as StepJobResult;
        assert.equal(v.ok, false, name);
        assert.equal(v.error!.type, 'PermissionError', name);
        assert.match(v.error!.message, new RegExp(`^Worker [^ ]+ refused step 'write_note' of run forged: `), name);
        assert.ok(v.error!.message.endsWith(why), `${name}: ${v.error!.message}`);
      }
      assert.deepEqual(fs.readdirSync(dir), [], 'a refused job wrote nothing');
    } finally {
      await q.close();
    }
  });

  it('a job of several quick steps: its worker runs them one after another, each recorded by its attempt id, and skips one the run cancelled', async () => {
    const q = await QueueClient.open(redis.port);
    try {
      const { steps, sha } = await q.publish('id: several\nsteps:\n' + ['a', 'b', 'c'].map((x) => `  - id: ${x}\n    tool: filesystem\n    action: write\n    parameters: {path: "${x}.txt", content: "${x}"}\n`).join(''));
      const dir = fs.mkdtempSync(path.join(base, 'several-'));
      const runId = `several-${process.pid}`;
      // the run cancelled b before a worker took the job: every worker hears it
      await q.admin.publish(cancelChannel(DEFAULT_QUEUE), `${runId}|b|1`);
      const j = await q.queue.add('3 steps', jobOf(runId, sha, dir, steps.map((s) => attemptOf(runId, sha, s))), { jobId: `${runId}|job` });
      assert.equal(await j.waitUntilFinished(q.events, 10_000), 2, 'the worker recorded two attempts');
      assert.deepEqual(fs.readdirSync(dir).sort(), ['a.txt', 'c.txt']);
      const results = await q.admin.hgetall(resultsKey(DEFAULT_QUEUE, runId));
      assert.deepEqual(Object.keys(results).sort(), [`${runId}|a|1`, `${runId}|c|1`]);
      for (const x of ['a', 'c']) {
        const v = JSON.parse(results[`${runId}|${x}|1`]) as StepJobResult;
        assert.deepEqual([v.ok, v.outcome?.success, v.outcome?.result], [true, true, { path: `${x}.txt`, size: 1 }]);
      }
      // and the run's replies list has their ends, in order
      const replies = (await q.admin.lrange(repliesKey(DEFAULT_QUEUE, runId), 0, -1)).map((t) => JSON.parse(t) as { id: string; kind: string });
      assert.deepEqual(replies.map((r) => [r.id, r.kind]), [[`${runId}|a|1`, 'completed'], [`${runId}|c|1`, 'completed']]);
    } finally {
      await q.close();
    }
  });

  it('quick steps that become ready together share jobs; the run is the same as a local one', async () => {
    const n = 300;
    const source = 'id: quick\nsteps:\n' + Array.from({ length: n }, (_, i) => `  - id: q${i}\n    tool: data\n    action: parse\n    parameters: {format: json, content: "${i}"}\n${i >= 10 ? `    dependencies: [q${i % 10}]\n` : ''}`).join('');
    const a = analyze(source);
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
    const queueName = `quick-${process.pid}`;
    const ws = [await WorkerProcess.start(redis.url, { cwd: base, root: base, queue: queueName, concurrency: 4 })];
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
    const events = new QueueEvents(queueName, { connection, prefix: KEY_PREFIX, lastEventId: '0-0' });
    let added = 0;
    events.on('added', () => added++);
    await events.waitUntilReady();
    const dir = fs.mkdtempSync(path.join(base, 'quick-'));
    const remote = await RemoteAttempts.open({ url: redis.url, queue: queueName, pipelineSha256: sha256(source), steps: a.pipeline!.steps });
    try {
      const doc = await runPipeline(a, { cwd: dir, source, attempts: remote, maxParallel: 64 });
      const local = await runPipeline(analyze(source), { cwd: fs.mkdtempSync(path.join(base, 'quick-local-')), source, maxParallel: 64 });
      assert.equal(doc.status, 'completed');
      assert.deepEqual(Object.values(doc.steps).map((s) => s.result), Object.values(local.steps).map((s) => s.result));
      assert.ok(await ws[0].says(new RegExp(`${doc.execution_id} q${n - 1} \\(attempt 1\\): done`)), ws[0].log);
      await new Promise((r) => setTimeout(r, 300)); // the last 'added' events
      assert.ok(added < n / 2, `${n} quick steps went in ${added} jobs`);
      assert.ok(added >= 10, `the first steps, whose time the run did not know yet, have jobs of their own (${added} jobs)`);
    } finally {
      await remote.close();
      await events.close();
      for (const w of ws) await w.kill();
    }
  });

  it('a one-action for_each loop: its iterations are jobs of a body step the compiler wrote', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'loop-'));
    fs.writeFileSync(
      path.join(dir, 'loop.pipeline.yaml'),
      'id: loop\nsteps:\n  - id: each\n    for_each: ["a", "b", "c"]\n    tool: filesystem\n    action: write\n    parameters:\n      path: "out/{{ item }}.txt"\n      content: "item {{ index }}"\n',
    );
    const local = await orcAsync(['run', 'loop.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(local.code, 0, local.stderr);
    fs.rmSync(path.join(dir, 'out'), { recursive: true });
    const r = await orcAsync(['run', 'loop.pipeline.yaml', '--json', '--redis', redis.url], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.steps.each.results, JSON.parse(local.stdout).steps.each.results);
    assert.deepEqual(['a', 'b', 'c'].map((x) => fs.readFileSync(path.join(dir, 'out', `${x}.txt`), 'utf8')), ['item 0', 'item 1', 'item 2']);
    const ran = await countInLogs(workers, new RegExp(`${doc.execution_id} each\\[\\d\\]/[\\w-]+ \\(attempt 1\\): ${ENDED}`), 3);
    assert.equal(ran[0] + ran[1], 3, 'each iteration is a job of its own');
  });

  it('Redis ACL credentials from the URL, on a queue of its own; a wrong password is refused clearly and not echoed', async () => {
    const admin = new IORedis(redis.port, '127.0.0.1');
    try {
      await admin.call('ACL', 'SETUSER', 'team', 'on', '>team-pass-1234', '~orc:*', '&orc:*', '+@all');
    } finally {
      admin.disconnect();
    }
    const url = `redis://team:team-pass-1234@127.0.0.1:${redis.port}`;
    const w = await WorkerProcess.start(url, { cwd: base, root: base, queue: 'team-q' });
    try {
      assert.match(w.log, new RegExp(`takes steps from queue 'team-q' at redis://team:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}`));
      assert.ok(!w.log.includes('team-pass-1234'));
      const dir = fs.mkdtempSync(path.join(base, 'acl-'));
      const r = await orcAsync(['run', path.join(CONFORMANCE, 'hello.pipeline.yaml'), '--json', '--redis', url, '--queue', 'team-q'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.readFileSync(path.join(dir, 'notes', 'note.txt'), 'utf8'), 'good morning, team');
      assert.ok(await w.says(/write_note \(attempt 1\): done/), w.log);
      const bad = await orcAsync(['run', path.join(CONFORMANCE, 'hello.pipeline.yaml'), '--redis', `redis://team:wrong-pass-999@127.0.0.1:${redis.port}`, '--queue', 'team-q'], { cwd: dir });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^orc: Could not reach Redis at redis:\/\/team:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS .* \(check the user and password in the URL\); nothing ran$/m);
      assert.ok(!bad.stderr.includes('wrong-pass-999'));
    } finally {
      await w.kill();
    }
  });
});
