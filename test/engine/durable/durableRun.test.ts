// Durable runs on Restate, as a user drives them: restate-server from node_modules, `orc worker
// --restate` and `orc run --restate` as processes of the built CLI. Each step appends a line to
// marks.txt as it starts, so how many times each ran is on disk. A worker killed with kill -9 in
// the middle of a step is replaced: every completed step ran once, the step in flight ran again
// (its two starts recorded), and the run ends with the result document a local run gives.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResultDocument } from '../../../engine/api/index';
import { MAX_CAPTURE } from '../../../engine/tools/terminal';
import { CLI, freePort, linesOf, startCli, startRestate, startWorker, stopGroup, until, type RestateServer, type Worker } from '../../helpers/restateServer';

const PIPELINE = `id: durable-demo
steps:
  - id: a
    tool: terminal
    action: execute
    parameters:
      command: "echo a >> marks.txt; echo out-a"
  - id: slow
    tool: terminal
    action: execute
    dependencies: [a]
    parameters:
      command: "echo slow >> marks.txt; sleep 3; echo out-slow"
  - id: c
    tool: terminal
    action: execute
    dependencies: [a]
    parameters:
      command: "echo c >> marks.txt; echo out-c"
  - id: d
    tool: terminal
    action: execute
    dependencies: [slow, c]
    parameters:
      command: "echo d >> marks.txt; echo out-d"
outputs:
  last: "{{ steps.d.result.stdout | trim }}"
`;

/** What a run's result document says that a local run's says too: statuses, outputs, each step's output (and attempts, unless left out). */
function essence(doc: ResultDocument, o: { attempts?: boolean } = {}) {
  return {
    pipeline_id: doc.pipeline_id,
    status: doc.status,
    success: doc.success,
    outputs: doc.outputs,
    steps: Object.fromEntries(Object.entries(doc.steps).map(([id, r]) => [id, { status: r.status, success: r.success, ...(o.attempts === false ? {} : { attempts: r.attempts }), stdout: (r.result as { stdout?: string } | null)?.stdout ?? null }])),
    execution_levels: doc.execution_levels,
    failed_steps: doc.failed_steps,
    skipped_steps: doc.skipped_steps,
  };
}

function counts(file: string): Record<string, number> {
  const c: Record<string, number> = {};
  for (const l of linesOf(file)) c[l] = (c[l] ?? 0) + 1;
  return c;
}

function runIdOf(stderr: string): string {
  const m = /run (\S+) submitted/.exec(stderr);
  assert.ok(m, `no run id in: ${stderr}`);
  return m[1];
}

describe('durable runs on Restate (restate-server, orc worker --restate, orc run --restate)', function () {
  this.timeout(180_000);
  let server: RestateServer;
  let root: string;
  let port: number;
  let worker: Worker | null = null;
  let local: ReturnType<typeof essence>;

  before(async function () {
    this.timeout(180_000);
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (node esbuild.mjs)');
    server = await startRestate();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-durable-'));
    port = await freePort();
    worker = await startWorker(server.admin, port, root);
    // the local run the durable ones are compared with
    const here = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-durable-local-'));
    fs.writeFileSync(path.join(here, 'p.yaml'), PIPELINE);
    const r = spawnSync(process.execPath, [CLI, 'run', 'p.yaml', '--json'], { cwd: here, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    local = essence(JSON.parse(r.stdout) as ResultDocument);
    fs.rmSync(here, { recursive: true, force: true });
  });

  after(async function () {
    this.timeout(60_000);
    await stopGroup(worker?.child, 'SIGKILL');
    await server?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** A folder of the worker's root with the pipeline in it; marks.txt is written there. */
  function workdir(name: string): string {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'p.yaml'), PIPELINE.replace(/>> marks.txt/g, `>> ${name}/marks.txt`));
    return dir;
  }

  it('a worker killed with kill -9 in the middle of a step is replaced: completed steps ran once, the step in flight again (2 attempts), the times are the journal\'s, the result is a local run\'s', async () => {
    workdir('kill-worker');
    const submitted = Date.now();
    const client = startCli(['run', 'kill-worker/p.yaml', '--restate', server.ingress, '--json'], root);
    const marks = path.join(root, 'kill-worker', 'marks.txt');
    // killed once `c` has ended (its end is journaled before the follower hears of it) and `slow` runs
    await until('the slow step to start and c to end', 60_000, () => linesOf(marks).includes('slow') && /^✓ c /m.test(client.stderr()));
    const killed = Date.now();
    await stopGroup(worker!.child, 'SIGKILL');
    const replacing = Date.now();
    worker = await startWorker(server.admin, port, root);
    const code = await client.done;
    assert.equal(code, 0, client.stderr());
    const doc = JSON.parse(client.stdout()) as ResultDocument;
    // the step in flight started twice: two attempts (issue 72 item 5: it said 1)
    assert.deepEqual(essence(doc), { ...local, steps: { ...local.steps, slow: { ...local.steps.slow, attempts: 2 } } });
    // the times are those the journal kept, not the replaying worker's clock: the run started after
    // its submission and before the kill, its steps that ended before the kill ended before it, the
    // step run again ended after the new worker came; the duration is from the journaled start
    const t = (iso: string | null) => Date.parse(iso ?? '');
    const order: [string, number][] = [
      ['submitted', submitted],
      ['run started_at', t(doc.started_at)],
      ['a started_at', t(doc.steps.a.started_at)],
      ['a ended_at', t(doc.steps.a.ended_at)],
      ['c ended_at', t(doc.steps.c.ended_at)],
      ['killed', killed],
      ['replacing', replacing],
      ['slow ended_at', t(doc.steps.slow.ended_at)],
      ['d started_at', t(doc.steps.d.started_at)],
      ['run ended_at', t(doc.ended_at)],
    ];
    for (let i = 1; i < order.length; i++) assert.ok(order[i - 1][1] <= order[i][1], `${order[i - 1][0]} (${order[i - 1][1]}) is after ${order[i][0]} (${order[i][1]}): ${JSON.stringify(order)}`);
    assert.ok(t(doc.steps.slow.started_at) >= t(doc.steps.a.ended_at) && t(doc.steps.slow.started_at) < killed, `slow started at ${doc.steps.slow.started_at}, before the kill (${killed})`);
    assert.ok(t(doc.steps.c.started_at) < killed);
    assert.equal(doc.duration_ms, t(doc.ended_at) - t(doc.started_at));
    for (const id of ['a', 'slow', 'c', 'd']) assert.equal(doc.steps[id].duration_ms, t(doc.steps[id].ended_at) - t(doc.steps[id].started_at), id);
    // the run's record says so too
    const cp = JSON.parse(fs.readFileSync(path.join(root, '.orchestrator', 'runs', doc.execution_id, 'checkpoint.json'), 'utf8')) as { started_at: string };
    assert.equal(cp.started_at, doc.started_at);
    assert.deepEqual(counts(marks), { a: 1, c: 1, slow: 2, d: 1 });
    // the step in flight: its two starts are recorded in the run's folder, and the follower was told
    const starts = linesOf(path.join(root, '.orchestrator', 'runs', doc.execution_id, 'durable-starts.jsonl')).map((l) => (JSON.parse(l) as { id: string }).id);
    assert.deepEqual(starts.filter((s) => s === 'slow#1').length, 2);
    assert.deepEqual(starts.filter((s) => s !== 'slow#1').sort(), ['a#1', 'c#1', 'd#1']);
    assert.match(client.stderr(), /Step 'slow' attempt 1 runs again \(start 2\)/);
    // the result document lands in the run's folder like any run's: orc runs lists it
    const runs = spawnSync(process.execPath, [CLI, 'runs', '--json'], { cwd: root, encoding: 'utf8' });
    assert.equal(runs.status, 0, runs.stderr);
    const listed = JSON.parse(runs.stdout) as { execution_id: string; status: string }[];
    assert.deepEqual(listed.filter((r) => r.execution_id === doc.execution_id).map((r) => r.status), ['completed']);
  });

  it('the worker killed with kill -9 at random points, three times: steps the follower saw end never start again, the others at most once a worker, the result is a local run\'s', async () => {
    // a DAG with parallel branches, so that replays meet attempts planned together
    const steps: [string, string[], number][] = [['s0', [], 0.2], ['s1', ['s0'], 0.6], ['s2', ['s0'], 0.3], ['s3', ['s0'], 0.8], ['s4', ['s1', 's2'], 0.4], ['s5', ['s3'], 0.2], ['s6', ['s4', 's5'], 0.5], ['s7', ['s6'], 0.2]];
    const yaml = (marks: string) => ['id: random-kills', 'steps:', ...steps.flatMap(([id, deps, sleep]) => [`  - id: ${id}`, '    tool: terminal', '    action: execute', ...(deps.length ? [`    dependencies: [${deps.join(', ')}]`] : []), `    parameters: {command: "echo ${id} >> ${marks}; sleep ${sleep}; echo out-${id}"}`])].join('\n') + '\n';
    const here = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-durable-local-'));
    fs.writeFileSync(path.join(here, 'p.yaml'), yaml('marks.txt'));
    const lr = spawnSync(process.execPath, [CLI, 'run', 'p.yaml', '--json'], { cwd: here, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(lr.status, 0, lr.stderr);
    // (attempts apart: a step a kill cut short counts its start in the dead worker, checked below)
    const localDoc = essence(JSON.parse(lr.stdout) as ResultDocument, { attempts: false });
    fs.rmSync(here, { recursive: true, force: true });
    const dir = path.join(root, 'random');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'p.yaml'), yaml('random/marks.txt'));
    const marks = path.join(dir, 'marks.txt');
    const client = startCli(['run', 'random/p.yaml', '--restate', server.ingress, '--json'], root);
    // seeded: the kill points are random but the same on every run of the test
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const seenEnded: { ended: string[]; counts: Record<string, number> }[] = [];
    let after = 0;
    for (let k = 0; k < 3; k++) {
      after += 1 + Math.floor(random() * 3);
      const target = Math.min(after, steps.length - 1);
      await until(`${target} step starts`, 60_000, () => linesOf(marks).length >= target);
      await new Promise((r) => setTimeout(r, Math.floor(random() * 300)));
      await stopGroup(worker!.child, 'SIGKILL');
      seenEnded.push({ ended: [...client.stderr().matchAll(/^✓ (s\d) /gm)].map((m) => m[1]), counts: counts(marks) });
      worker = await startWorker(server.admin, port, root);
    }
    assert.equal(await client.done, 0, client.stderr());
    const doc = JSON.parse(client.stdout()) as ResultDocument;
    assert.deepEqual(essence(doc, { attempts: false }), localDoc);
    const final = counts(marks);
    for (const { ended, counts: then } of seenEnded) for (const id of ended) assert.equal(final[id], then[id], `${id} had ended (the follower said so) and started again`);
    // every start is recorded by attempt, each by another worker process; a worker killed after it
    // recorded a start and before the step's command wrote its mark (spawning takes a while on a
    // loaded machine) leaves a start with no mark: at most one a step running at the kill (3 at once here)
    const starts = linesOf(path.join(root, '.orchestrator', 'runs', doc.execution_id, 'durable-starts.jsonl')).map((l) => JSON.parse(l) as { id: string; pid: number });
    let unmarked = 0;
    for (const [id] of steps) {
      const mine = starts.filter((x) => x.id === `${id}#1`);
      assert.ok(mine.length >= final[id], `${id}: ${final[id]} runs, ${mine.length} starts recorded`);
      unmarked += mine.length - final[id];
      // each start an attempt (a start the folder did not see, a kill right after the journal said it starts, counts too)
      assert.ok(doc.steps[id].attempts >= mine.length && doc.steps[id].attempts <= Math.max(mine.length, 2), `${id}: ${doc.steps[id].attempts} attempts, ${mine.length} starts recorded`);
      assert.equal(new Set(mine.map((x) => x.pid)).size, mine.length, `${id} started twice in one worker`);
    }
    assert.ok(unmarked <= seenEnded.length * 3, `${unmarked} starts without a run of the command, for ${seenEnded.length} kills`);
  });

  it('a client killed with kill -9 mid-run leaves the run going; --attach follows it to its end, each step once', async () => {
    workdir('kill-client');
    const client = startCli(['run', 'kill-client/p.yaml', '--restate', server.ingress], root);
    const marks = path.join(root, 'kill-client', 'marks.txt');
    await until('the slow step to start', 60_000, () => linesOf(marks).includes('slow') && /run \S+ submitted/.test(client.stderr()));
    const runId = runIdOf(client.stderr());
    await stopGroup(client.child, 'SIGKILL');
    const again = startCli(['run', '--restate', server.ingress, '--attach', runId, '--json'], root);
    assert.equal(await again.done, 0, again.stderr());
    const doc = JSON.parse(again.stdout()) as ResultDocument;
    assert.equal(doc.execution_id, runId);
    assert.deepEqual(essence(doc), local);
    assert.deepEqual(counts(marks), { a: 1, c: 1, slow: 1, d: 1 });
  });

  it('--detach prints the run id and exits 0; --attach follows the run with its progress and result', async () => {
    workdir('detach');
    const sub = startCli(['run', 'detach/p.yaml', '--restate', server.ingress, '--detach'], root);
    assert.equal(await sub.done, 0, sub.stderr());
    const runId = sub.stdout().trim();
    assert.match(runId, /^\d{8}-\d{6}-[0-9a-f]{6}$/);
    const follow = startCli(['run', '--restate', server.ingress, '--attach', runId], root);
    assert.equal(await follow.done, 0, follow.stderr());
    // the progress a local run prints, each step once, and its summary
    for (const id of ['a', 'slow', 'c', 'd']) assert.equal(follow.stderr().split('\n').filter((l) => l.startsWith(`✓ ${id} `)).length, 1, follow.stderr());
    assert.match(follow.stderr(), new RegExp(`run ${runId} completed in .*: 4 completed, 0 skipped, 0 failed`));
    assert.match(follow.stdout(), /durable-demo: completed/);
    assert.deepEqual(counts(path.join(root, 'detach', 'marks.txt')), { a: 1, c: 1, slow: 1, d: 1 });
  });

  it('an http step sends the Idempotency-Key run id/step key (the same for every attempt), unless the step sets one', async () => {
    const seen: { path: string; key: string | undefined }[] = [];
    const web = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined });
      res.writeHead(seen.filter((x) => x.path === req.url).length === 1 && req.url === '/flaky' ? 503 : 200, { 'content-type': 'application/json' });
      res.end('{"ok": true}');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
    try {
      const dir = path.join(root, 'http');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'p.yaml'),
        `id: calls\nsteps:\n  - id: charge\n    tool: http\n    action: post\n    retry: {max_attempts: 2, backoff: fixed, initial_delay: 0.1}\n    parameters:\n      url: "${url}/flaky"\n      body: {amount: 3}\n  - id: own\n    tool: http\n    action: get\n    parameters:\n      url: "${url}/own"\n      headers: {idempotency-key: mine}\n`,
      );
      const run = startCli(['run', 'http/p.yaml', '--restate', server.ingress, '--json'], root);
      assert.equal(await run.done, 0, run.stderr());
      const doc = JSON.parse(run.stdout()) as ResultDocument;
      assert.equal(doc.steps.charge.attempts, 2);
      assert.deepEqual(seen.filter((x) => x.path === '/flaky').map((x) => x.key), [`${doc.execution_id}/charge`, `${doc.execution_id}/charge`]);
      assert.deepEqual(seen.filter((x) => x.path === '/own').map((x) => x.key), ['mine']);
    } finally {
      await new Promise((r) => web.close(r));
    }
  });

  it('a step that asks a person waits on a durable promise: its worker killed meanwhile is replaced, orc answer answers it, the run goes on', async () => {
    const dir = path.join(root, 'ask');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'p.yaml'),
      'id: ship\nsteps:\n  - id: first\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo first >> ask/marks.txt"\n  - id: gate\n    tool: approval-gate\n    action: execute\n    dependencies: [first]\n    parameters:\n      title: Ship it?\n      content: v1\n  - id: after\n    tool: terminal\n    action: execute\n    dependencies: [gate]\n    parameters:\n      command: "echo after >> ask/marks.txt"\n',
    );
    const sub = startCli(['run', 'ask/p.yaml', '--restate', server.ingress, '--detach'], root);
    assert.equal(await sub.done, 0, sub.stderr());
    const runId = sub.stdout().trim();
    const events = path.join(root, '.orchestrator', 'runs', runId, 'durable-events.jsonl');
    await until('the question', 60_000, () => linesOf(events).some((l) => l.includes("Step 'gate' asks")));
    assert.ok(linesOf(events).some((l) => l.includes(`Answer with: orc answer ${runId} 'gate' VALUE`)));
    await stopGroup(worker!.child, 'SIGKILL');
    worker = await startWorker(server.admin, port, root);
    const answer = startCli(['answer', runId, 'gate', 'approve', '--restate', server.ingress], root);
    assert.equal(await answer.done, 0, answer.stderr());
    const follow = startCli(['run', '--restate', server.ingress, '--attach', runId, '--json'], root);
    assert.equal(await follow.done, 0, follow.stderr());
    const doc = JSON.parse(follow.stdout()) as ResultDocument;
    assert.deepEqual(Object.fromEntries(Object.entries(doc.steps).map(([id, r]) => [id, r.status])), { first: 'completed', gate: 'completed', after: 'completed' });
    assert.equal((doc.steps.gate.result as { action: string }).action, 'approve');
    assert.deepEqual(linesOf(path.join(dir, 'marks.txt')), ['first', 'after']);
    const again = startCli(['answer', runId, 'gate', 'reject: late', '--restate', server.ingress], root);
    assert.equal(await again.done, 1);
    // said plainly (issue 72 item 12: it was "Restate answered 500: … answered already")
    assert.equal(again.stderr().trim(), `orc: Step 'gate' of run ${runId} was answered already; the first answer stands`);
  });

  it('a step that prints 20 MB: its result goes by reference (the journal, the events, the result document); orc run --json and --attach --json both end with the same document; the run gets the text whole (issue 74 item 4)', async () => {
    const dir = path.join(root, 'large');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'p.yaml'), 'id: large\nsteps:\n  - id: big\n    tool: terminal\n    action: execute\n    parameters:\n      command: "head -c 20000000 /dev/zero | tr \'\\\\0\' a"\n  - id: size\n    tool: terminal\n    action: execute\n    dependencies: [big]\n    parameters:\n      command: "echo {{ steps.big.result.stdout | length }}"\n');
    const run = startCli(['run', 'large/p.yaml', '--restate', server.ingress, '--json'], root);
    await until('the run to be submitted', 60_000, () => /run \S+ submitted/.test(run.stderr()));
    // a second follower, from the run's start, while it runs (it hung on an 8 MB output)
    const attach = startCli(['run', '--restate', server.ingress, '--attach', runIdOf(run.stderr()), '--json'], root);
    assert.equal(await run.done, 0, run.stderr());
    assert.equal(await attach.done, 0, attach.stderr());
    const doc = JSON.parse(run.stdout()) as ResultDocument;
    assert.deepEqual(JSON.parse(attach.stdout()), doc);
    // the terminal tool keeps the first MAX_CAPTURE characters of a stream and says how many it dropped
    const text = `${'a'.repeat(MAX_CAPTURE)}\n[output truncated: ${20_000_000 - MAX_CAPTURE} more characters]`;
    const sha256 = createHash('sha256').update(text).digest('hex');
    const big = doc.steps.big.result as Record<string, unknown>;
    assert.deepEqual(big.stdout, { $ref: `durable-outputs/${sha256}.txt`, media_type: 'text/plain', bytes: text.length, sha256 });
    assert.deepEqual([big.stderr, big.exit_code, big.truncated], ['', 0, true]);
    const runDir = path.join(root, '.orchestrator', 'runs', doc.execution_id);
    assert.equal(fs.readFileSync(path.join(runDir, `durable-outputs/${sha256}.txt`), 'utf8'), text);
    // the next step had the whole text
    assert.equal((doc.steps.size.result as { stdout: string }).stdout, `${text.length}\n`);
    // the attempt's result in the journal is a name too (the attempt's file holds the result's JSON)
    assert.deepEqual(fs.readdirSync(path.join(runDir, 'durable-outputs')).sort(), [`${sha256}.txt`, 'big%231.json']);
    // the run's record and its events hold the reference, never the text: every line of the events file is short
    assert.deepEqual((JSON.parse(fs.readFileSync(path.join(runDir, 'result.json'), 'utf8')) as ResultDocument).steps.big.result, big);
    const longest = Math.max(...linesOf(path.join(runDir, 'durable-events.jsonl')).map((l) => l.length));
    assert.ok(longest < 300_000, `an event line of ${longest} characters`);
  });

  it('a retry\'s backoff is a durable timer in the journal: a worker killed while it waits is replaced, the failed attempt does not run again, the timer is not set again', async () => {
    const dir = path.join(root, 'backoff');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'p.yaml'),
      'id: backoff\nsteps:\n  - id: flaky_step\n    tool: terminal\n    action: execute\n    retry: {max_attempts: 2, backoff: fixed, initial_delay: 4}\n    parameters:\n      command: "echo try >> backoff/marks.txt; if [ -f backoff/flag ]; then echo second; else touch backoff/flag; exit 3; fi"\n',
    );
    const sleeps = async (): Promise<{ entry_type: string; name: string }[]> => {
      const res = await fetch(`${server.admin}/query`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: "SELECT entry_type, name FROM sys_journal WHERE name LIKE 'wait flaky_step%'" }) });
      assert.equal(res.status, 200);
      return ((await res.json()) as { rows: { entry_type: string; name: string }[] }).rows;
    };
    const run = startCli(['run', 'backoff/p.yaml', '--restate', server.ingress, '--json'], root);
    await until('the backoff\'s timer in the journal', 60_000, async () => (await sleeps()).length > 0);
    await stopGroup(worker!.child, 'SIGKILL');
    worker = await startWorker(server.admin, port, root);
    assert.equal(await run.done, 0, run.stderr());
    const doc = JSON.parse(run.stdout()) as ResultDocument;
    assert.equal(doc.status, 'completed');
    assert.equal(doc.steps.flaky_step.attempts, 2);
    assert.equal((doc.steps.flaky_step.result as { stdout: string }).stdout, 'second\n');
    assert.deepEqual(linesOf(path.join(dir, 'marks.txt')), ['try', 'try']);
    assert.deepEqual((await sleeps()).map((r) => [r.entry_type, r.name]), [['Command: Sleep', 'wait flaky_step#2']]);
  });

  it('orc cancel stops the running step; the run ends cancelled and --attach exits 130', async () => {
    const dir = path.join(root, 'cancel');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'p.yaml'), 'id: long\nsteps:\n  - id: first\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo first >> cancel/marks.txt; sleep 600"\n  - id: after\n    tool: terminal\n    action: execute\n    dependencies: [first]\n    parameters:\n      command: "echo after >> cancel/marks.txt"\n');
    const sub = startCli(['run', 'cancel/p.yaml', '--restate', server.ingress, '--detach'], root);
    assert.equal(await sub.done, 0, sub.stderr());
    const runId = sub.stdout().trim();
    await until('the long step to start', 60_000, () => linesOf(path.join(dir, 'marks.txt')).includes('first'));
    const cancel = startCli(['cancel', runId, '--restate', server.ingress], root);
    assert.equal(await cancel.done, 0, cancel.stderr());
    const follow = startCli(['run', '--restate', server.ingress, '--attach', runId, '--json'], root);
    assert.equal(await follow.done, 130, follow.stderr());
    const doc = JSON.parse(follow.stdout()) as ResultDocument;
    assert.equal(doc.status, 'cancelled');
    assert.deepEqual(
      Object.fromEntries(Object.entries(doc.steps).map(([id, r]) => [id, r.status])),
      { first: 'cancelled', after: 'cancelled' },
    );
    assert.deepEqual(linesOf(path.join(dir, 'marks.txt')), ['first']);
  });

  it('checks a run id before Restate is asked (exit 2), and says "no such run" for an unknown one (exit 1), never hanging', async () => {
    // issue 74, item 5: `--attach ../../x`, `a/b` and `''` hung with invocations retrying in Restate, and
    // cancelling an unknown run printed "cancellation asked" and exited 0
    for (const args of [['run', '--restate', server.ingress, '--attach', '../../x'], ['run', '--restate', server.ingress, '--attach', 'a/b'], ['run', '--restate', server.ingress, '--attach', ''], ['cancel', '../x', '--restate', server.ingress], ['answer', 'a/b', 'step', 'yes', '--restate', server.ingress]]) {
      const r = startCli(args, root);
      assert.equal(await r.done, 2, `${args.join(' ')}: ${r.stderr()}`);
      assert.match(r.stderr(), /is not a run id|needs a run id/, args.join(' '));
    }
    const unknown = '20990101-000000-abcdef';
    for (const args of [['cancel', unknown, '--restate', server.ingress], ['run', '--restate', server.ingress, '--attach', unknown], ['answer', unknown, 'step', 'yes', '--restate', server.ingress]]) {
      const r = startCli(args, root);
      assert.equal(await r.done, 1, `${args.join(' ')}: ${r.stderr()}`);
      assert.equal(r.stderr().trim(), `orc: no such run: ${unknown} (Restate at ${server.ingress} knows no run of that id)`, args.join(' '));
    }
  });
});
