// `orc serve --restate INGRESS_URL`: every served run is a durable run on Restate, as a user meets
// it: restate-server from node_modules, an `orc worker --restate` and `orc serve --restate` as
// processes of the built CLI, sharing one root, and plain HTTP requests. A run served so outlives
// the server: killed with kill -9 mid-run, a new server on the same root lists the run and follows
// it to its end, and no step ran twice. Approvals, cancellation and `Prefer: wait` go through
// Restate too, and a secret input is refused (it would be kept in Restate's journal).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResultDocument } from '../../../engine/api/index';
import { CLI, freePort, linesOf, startCli, startRestate, startWorker, stopGroup, until, type RestateServer, type Worker } from '../../helpers/restateServer';
import { readFrames, startServe, writeWorkspace, type Frame, type ServeProcess } from '../../helpers/serveProcess';

const WORKSPACE: Record<string, string> = {
  'chain.pipeline.yaml': `id: chain
steps:
  - id: a
    tool: terminal
    action: execute
    parameters: {command: "echo a >> chain-marks.txt; echo out-a"}
  - id: slow
    tool: terminal
    action: execute
    dependencies: [a]
    parameters: {command: "echo slow >> chain-marks.txt; sleep 3; echo out-slow"}
  - id: c
    tool: terminal
    action: execute
    dependencies: [slow]
    parameters: {command: "echo c >> chain-marks.txt; echo out-c"}
outputs:
  last: "{{ steps.c.result.stdout | trim }}"
`,
  'gate.pipeline.yaml': `id: publish
steps:
  - id: gate
    tool: approval-gate
    action: execute
    parameters: {title: Ship it?, content: v1}
  - id: after
    tool: terminal
    action: execute
    dependencies: [gate]
    parameters: {command: "echo after >> gate-marks.txt"}
`,
  'gate-slow.pipeline.yaml': `id: publish_slowly
steps:
  - id: gate
    tool: approval-gate
    action: execute
    parameters: {title: Ship it?, content: v2}
  - id: after
    tool: terminal
    action: execute
    dependencies: [gate]
    parameters: {command: "sleep 4"}
`,
  'long.pipeline.yaml': `id: long
steps:
  - id: first
    tool: terminal
    action: execute
    parameters: {command: "echo first >> long-marks.txt; sleep 600"}
  - id: then
    tool: terminal
    action: execute
    dependencies: [first]
    parameters: {command: "echo then >> long-marks.txt"}
`,
  'quick.pipeline.yaml': `id: quick
triggers:
  - webhook: greet
    inputs: {who: "{{ request.body.name }}"}
parameters:
  who: {type: string, required: true}
  key: {type: string, secret: true}
steps:
  - id: hello
    tool: data
    action: convert
    parameters: {data: {who: "{{ who }}"}, format: json}
outputs:
  said: "hello {{ who }}"
`,
};

function counts(file: string): Record<string, number> {
  const c: Record<string, number> = {};
  for (const l of linesOf(file)) c[l] = (c[l] ?? 0) + 1;
  return c;
}

describe('orc serve --restate: served runs are durable runs on Restate', function () {
  this.timeout(120_000);
  let restate: RestateServer;
  let root: string;
  let worker: Worker | null = null;
  let serve: ServeProcess | null = null;

  before(async function () {
    this.timeout(120_000);
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (node esbuild.mjs)');
    restate = await startRestate();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-durable-serve-'));
    writeWorkspace(root, WORKSPACE);
    worker = await startWorker(restate.admin, await freePort(), root);
  });

  afterEach(async function () {
    this.timeout(30_000);
    if (serve) await serve.stop();
    serve = null;
  });

  after(async function () {
    this.timeout(60_000);
    await stopGroup(worker?.child, 'SIGKILL');
    await restate?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const call = (path_: string, init: RequestInit = {}) => fetch(`${serve!.url}${path_}`, init);
  const post = (path_: string, body: unknown, headers: Record<string, string> = {}) => call(path_, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  async function eventsToEnd(id: string): Promise<Frame[]> {
    const res = await call(`/runs/${id}/events`);
    assert.equal(res.status, 200);
    const { frames, ended } = await readFrames(res);
    assert.ok(ended);
    return frames;
  }

  it('a run served so survives its server killed with kill -9: a new server on the same root lists it and follows it to its end, each step once', async () => {
    serve = await startServe(root, ['--restate', restate.ingress]);
    assert.match(serve.stderr(), /runs are durable runs on Restate at http:\/\/127\.0\.0\.1:\d+/);
    const started = await post('/pipelines/chain/runs', {});
    assert.equal(started.status, 202);
    const { run_id: id } = (await started.json()) as { run_id: string };
    const marks = path.join(root, 'chain-marks.txt');
    await until('the slow step to start', 60_000, () => linesOf(marks).includes('slow'));
    serve.child.kill('SIGKILL');
    await new Promise((r) => serve!.child.once('exit', r));
    serve = await startServe(root, ['--restate', restate.ingress]);
    // listed (the worker's record of it, under the same root), while it runs
    const listed = (await (await call('/runs')).json()) as { runs: { run_id: string; pipeline_id: string; status: string; ended_at: string | null; trigger?: { kind: string; name: string } }[] };
    const entry = listed.runs.find((r) => r.run_id === id);
    assert.ok(entry, JSON.stringify(listed));
    assert.deepEqual({ pipeline_id: entry.pipeline_id, status: entry.status, ended_at: entry.ended_at, trigger: entry.trigger }, { pipeline_id: 'chain', status: 'running', ended_at: null, trigger: { kind: 'http', name: 'chain' } });
    // followed from its start to its end through Restate
    const frames = await eventsToEnd(id);
    const ended = frames.filter((f) => f.event === 'step-ended').map((f) => (f.data as { stepId: string }).stepId);
    assert.deepEqual(ended, ['a', 'slow', 'c']);
    const last = frames[frames.length - 1];
    assert.equal(last.event, 'end');
    const doc = last.data as ResultDocument;
    assert.equal(doc.execution_id, id);
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.outputs, { last: 'out-c' });
    assert.deepEqual(doc.trigger, { kind: 'http', name: 'chain' });
    assert.deepEqual(frames.map((f) => f.id), frames.map((_, i) => i + 1));
    assert.deepEqual(counts(marks), { a: 1, slow: 1, c: 1 });
    const got = (await (await call(`/runs/${id}`)).json()) as ResultDocument;
    assert.equal(got.status, 'completed');
    assert.deepEqual(got.outputs, { last: 'out-c' });
  });

  it('an approval gate is a pending answer (events and the run\'s document), answered over HTTP through Restate', async () => {
    serve = await startServe(root, ['--restate', restate.ingress]);
    const { run_id: id } = (await (await post('/pipelines/publish/runs', {})).json()) as { run_id: string };
    const asked = await readFrames(await call(`/runs/${id}/events`), (f) => f.some((x) => x.event === 'answer-pending'));
    const pending = asked.frames.find((f) => f.event === 'answer-pending')!.data as { step_id: string; step: string; kind: string; choices: string[]; title: string };
    assert.deepEqual({ step_id: pending.step_id, step: pending.step, kind: pending.kind, choices: pending.choices, title: pending.title }, { step_id: 'gate', step: 'gate', kind: 'choice', choices: ['approve', 'reject', 'modify'], title: 'Ship it?' });
    const doc = (await (await call(`/runs/${id}`)).json()) as { status: string; pending: { step_id: string }[] };
    assert.equal(doc.status, 'running');
    assert.deepEqual(doc.pending.map((p) => p.step_id), ['gate']);
    const none = await post(`/runs/${id}/answers/nope`, { approve: true });
    assert.equal(none.status, 404);
    const answered = await post(`/runs/${id}/answers/gate`, { approve: true });
    assert.equal(answered.status, 200);
    assert.deepEqual(await answered.json(), { run_id: id, step_id: 'gate', answered: true });
    const frames = await eventsToEnd(id);
    assert.deepEqual(frames.filter((f) => f.event === 'answer-pending' || f.event === 'answer-given').map((f) => f.event), ['answer-pending', 'answer-given']);
    const end = frames[frames.length - 1].data as ResultDocument;
    assert.equal(end.status, 'completed');
    assert.equal((end.steps.gate.result as { action: string }).action, 'approve');
    assert.deepEqual(linesOf(path.join(root, 'gate-marks.txt')), ['after']);
  });

  it('a question answered elsewhere (orc answer, through Restate) is no longer pending in the run\'s document', async () => {
    serve = await startServe(root, ['--restate', restate.ingress]);
    const { run_id: id } = (await (await post('/pipelines/publish_slowly/runs', {})).json()) as { run_id: string };
    await readFrames(await call(`/runs/${id}/events`), (f) => f.some((x) => x.event === 'answer-pending'));
    assert.deepEqual(((await (await call(`/runs/${id}`)).json()) as { pending: { step_id: string }[] }).pending.map((p) => p.step_id), ['gate']);
    const answer = startCli(['answer', id, 'gate', 'approve', '--restate', restate.ingress], root);
    assert.equal(await answer.done, 0, answer.stderr());
    // the next step sleeps 4 s: the run still runs, with nothing pending
    const doc = (await (await call(`/runs/${id}`)).json()) as { status: string; pending: unknown[] };
    assert.deepEqual([doc.status, doc.pending], ['running', []]);
    const frames = await eventsToEnd(id);
    assert.deepEqual(frames.filter((f) => f.event === 'answer-pending' || f.event === 'answer-given').map((f) => f.event), ['answer-pending', 'answer-given']);
    assert.equal((frames[frames.length - 1].data as ResultDocument).status, 'completed');
  });

  it('POST /runs/{id}/cancel cancels the durable run: its running step stops and it ends cancelled', async () => {
    serve = await startServe(root, ['--restate', restate.ingress]);
    const { run_id: id } = (await (await post('/pipelines/long/runs', {})).json()) as { run_id: string };
    await until('the long step to start', 60_000, () => linesOf(path.join(root, 'long-marks.txt')).includes('first'));
    const cancel = await post(`/runs/${id}/cancel`, {});
    assert.equal(cancel.status, 202);
    const frames = await eventsToEnd(id);
    const end = frames[frames.length - 1].data as ResultDocument;
    assert.equal(end.status, 'cancelled');
    assert.deepEqual(Object.fromEntries(Object.entries(end.steps).map(([k, r]) => [k, r.status])), { first: 'cancelled', then: 'cancelled' });
    assert.deepEqual(linesOf(path.join(root, 'long-marks.txt')), ['first']);
    assert.equal((await post(`/runs/${id}/cancel`, {})).status, 409);
  });

  it('Prefer: wait=N answers the result document; a secret input is refused with 422 (Restate would keep it in its journal)', async () => {
    serve = await startServe(root, ['--restate', restate.ingress]);
    const res = await post('/pipelines/quick/runs', { who: 'Ada' }, { prefer: 'wait=60' });
    assert.equal(res.status, 200);
    const doc = (await res.json()) as ResultDocument;
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.outputs, { said: 'hello Ada' });
    const secret = await post('/pipelines/quick/runs', { who: 'Ada', key: 'sk-never-sent-0123456789' });
    assert.equal(secret.status, 422);
    const body = (await secret.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'invalid_inputs');
    assert.match(body.error.message, /^Input 'key' is secret, and a durable run's inputs are kept in Restate's journal, so it is not sent: set ORC_INPUT_KEY in the workers' environment/);
    assert.doesNotMatch(JSON.stringify(body), /sk-never-sent/);
  });

  it('a webhook trigger starts a durable run too: its record on the worker names the trigger', async () => {
    serve = await startServe(root, ['--restate', restate.ingress]);
    const res = await post('/hooks/greet', { name: 'Grace' }, { prefer: 'wait=60' });
    assert.equal(res.status, 200);
    const doc = (await res.json()) as ResultDocument;
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.outputs, { said: 'hello Grace' });
    assert.deepEqual(doc.trigger, { kind: 'webhook', name: 'greet' });
    // run by the worker: its durable record is in its run's folder
    assert.ok(fs.existsSync(path.join(root, '.orchestrator', 'runs', doc.execution_id, 'durable-events.jsonl')));
  });

  it('a served run\'s event stream is a local served run\'s: the same events in the same order, run-ended with the result document, then end (issue 72 item 5)', async () => {
    // the same pipeline served locally, then on Restate
    serve = await startServe(root);
    const localId = ((await (await post('/pipelines/quick/runs', { who: 'Ada' })).json()) as { run_id: string }).run_id;
    const localFrames = await eventsToEnd(localId);
    await serve.stop();
    serve = await startServe(root, ['--restate', restate.ingress]);
    const started = await post('/pipelines/quick/runs', { who: 'Ada' });
    assert.equal(started.status, 202);
    const { run_id: id } = (await started.json()) as { run_id: string };
    const frames = await eventsToEnd(id);
    // (how many times the record is written as the run ends is the checkpoint store's affair: a row of checkpoint-written counts once)
    const kinds = (fs_: Frame[]) => fs_.map((f) => f.event).filter((e, i, all) => !(e === 'checkpoint-written' && all[i - 1] === e));
    assert.deepEqual(kinds(frames), kinds(localFrames));
    assert.deepEqual(frames.slice(-2).map((f) => f.event), ['run-ended', 'end']);
    const doc = frames[frames.length - 1].data as ResultDocument;
    assert.equal(doc.execution_id, id);
    assert.deepEqual(doc.outputs, { said: 'hello Ada' });
    // run-ended carries what a local run's does: its type, its time (the run's end), the result document
    assert.deepEqual(frames[frames.length - 2].data, { type: 'run-ended', time: Date.parse(doc.ended_at), result: doc });
    const localEnded = localFrames[localFrames.length - 2].data as Record<string, unknown>;
    assert.deepEqual(Object.keys(frames[frames.length - 2].data as object), Object.keys(localEnded));
  });

  it('an unknown run id is 404 (Restate does not know it either)', async () => {
    serve = await startServe(root, ['--restate', restate.ingress]);
    const res = await call('/runs/20260101-000000-abcdef');
    assert.equal(res.status, 404);
  });
});
