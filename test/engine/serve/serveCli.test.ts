// `orc serve` through the built CLI, as a user meets it: a workspace of pipelines that need no
// model, the server on a free loopback port with a token, and plain HTTP requests. What a client
// sees: status codes, exact documents, SSE frames, records in .orchestrator/, and never the token.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument } from '../../../engine/serve/openapi';
import { orc } from '../../helpers/cli';
import { until } from '../../helpers/processes';
import { readFrames, startServe, writeWorkspace, type ServeProcess } from '../../helpers/serveProcess';

const TOKEN = 'tok-serve-0123456789abcdef-secret';
const SECRET_INPUT = 'sk-served-input-9876543210';

export const WORKSPACE: Record<string, string> = {
  'greet.pipeline.yaml': `id: greet
name: Greeting
description: Greets someone.
parameters:
  name: {type: string, description: Who to greet., required: true}
  style: {type: string, enum: [plain, loud], default: plain}
  times: {type: integer, default: 1}
steps:
  - id: render
    tool: data
    action: convert
    parameters: {data: {name: "{{ name }}"}, format: json}
outputs:
  greeting: "Hello, {{ name }}! ({{ style }} x{{ times }})"
`,
  'secretive.pipeline.yaml': `id: secretive
parameters:
  key: {type: string, secret: true, required: true}
steps:
  - id: echo
    tool: data
    action: convert
    parameters: {data: "{{ key }}", format: json}
outputs:
  said: "the key is {{ key }}"
`,
  'jobs/slow.pipeline.yaml': `id: slow
parameters:
  seconds: {type: number, default: 30}
steps:
  - id: started
    tool: data
    action: convert
    parameters: {data: "{{ seconds }}", format: json}
  - id: nap
    tool: terminal
    action: execute
    dependencies: [started]
    parameters:
      command: "sleep {{ seconds }}"
outputs:
  slept: "{{ seconds }}"
`,
  'gate.pipeline.yaml': `id: publish
parameters:
  note: {type: string, required: true}
steps:
  - id: approve
    tool: approval-gate
    action: execute
    parameters:
      content: "{{ note }}"
      title: Publish this note?
outputs:
  decision: "{{ approve.result.action }}"
`,
};

const auth = { authorization: `Bearer ${TOKEN}` };

describe('orc serve (the built CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  let s: ServeProcess;
  const get = (p: string, headers: Record<string, string> = auth) => fetch(`${s.url}${p}`, { headers });
  const post = (p: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${s.url}${p}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-serve-'));
    writeWorkspace(dir, WORKSPACE);
    s = await startServe(dir, ['--max-body', '4096'], { ORC_SERVE_TOKENS: `${TOKEN},another-token-abc` });
  });

  after(async () => {
    await s?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints where it listens first, on loopback', () => {
    assert.match(s.stdout().split('\n')[0], /^listening on http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses a missing or wrong token with 401, and answers /healthz without one', async () => {
    assert.deepEqual(await (await get('/healthz', {})).json(), { ok: true });
    // a missing token is asked for; a wrong one is said to be wrong (issue 72 item 12: it too was asked for)
    const NEEDED = 'A bearer token is needed: Authorization: Bearer TOKEN';
    const WRONG = 'That bearer token is not one this server accepts (ORC_SERVE_TOKENS or --token-file)';
    const NOT_BEARER = 'The Authorization header is not a bearer token: send Authorization: Bearer TOKEN';
    for (const [headers, message] of [[{}, NEEDED], [{ authorization: 'Bearer wrong-token' }, WRONG], [{ authorization: TOKEN }, NOT_BEARER], [{ authorization: `Bearer ${TOKEN}x` }, WRONG]] as [Record<string, string>, string][]) {
      const r = await get('/pipelines', headers);
      assert.equal(r.status, 401);
      const text = await r.text();
      assert.deepEqual(JSON.parse(text), { error: { code: 'unauthorized', message } });
      assert.ok(!text.includes(TOKEN), 'the token sent is not echoed');
    }
    assert.equal((await post('/pipelines/greet/runs', { name: 'x' }, { authorization: 'Bearer nope' })).status, 401);
    assert.equal((await get('/pipelines', { authorization: 'Bearer another-token-abc' })).status, 200);
  });

  it('lists the pipelines with their input schemas, and a valid OpenAPI 3.1 document of them', async () => {
    const list = (await (await get('/pipelines')).json()) as { id: string; file: string; input_schema: unknown; name: string }[];
    assert.deepEqual(list.map((p) => [p.id, p.file]), [['publish', 'gate.pipeline.yaml'], ['greet', 'greet.pipeline.yaml'], ['slow', 'jobs/slow.pipeline.yaml'], ['secretive', 'secretive.pipeline.yaml']]);
    const greet = list.find((p) => p.id === 'greet')!;
    assert.equal(greet.name, 'Greeting');
    assert.deepEqual(greet.input_schema, {
      type: 'object',
      properties: { name: { type: 'string', description: 'Who to greet.' }, style: { type: 'string', enum: ['plain', 'loud'], default: 'plain' }, times: { type: 'integer', default: 1 } },
      required: ['name'],
      additionalProperties: false,
    });
    assert.deepEqual(list.find((p) => p.id === 'secretive')!.input_schema, { type: 'object', properties: { key: { type: 'string', writeOnly: true } }, required: ['key'], additionalProperties: false });
    const doc = (await (await get('/openapi.json')).json()) as { openapi: string; paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: unknown }> } } }> };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.paths['/pipelines/greet/runs'].post!.requestBody.content['application/json'].schema, greet.input_schema);
    const checked = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    assert.deepEqual(checked.errors ?? [], []);
    assert.equal(checked.valid, true);
  });

  it('its OpenAPI document lints with no error under Redocly\'s recommended rules, with and without tokens; every operation has an operationId and declares the statuses it answers', async () => {
    // issue 72 item 1: 401, 400, 413 and 503 were answered but not declared, /openapi.json and /healthz
    // were missing, fixed routes had no operationId, and Redocly found 1 error with tokens, 22 without
    const config = await createConfig({ extends: ['recommended'] } as never);
    const lint = async (doc: unknown) => ((await lintFromString({ source: JSON.stringify(doc), absoluteRef: '/openapi.json', config } as never)) as { severity: string; ruleId: string; message: string }[]).filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message}`);
    const secured = (await (await get('/openapi.json')).json()) as { servers: { url: string }[]; security: unknown; paths: Record<string, Record<string, { operationId?: string; responses: Record<string, unknown> }>> };
    assert.deepEqual(await lint(secured), []);
    assert.deepEqual(secured.servers.map((x) => x.url), [s.url]);
    assert.deepEqual(secured.security, [{ bearer: [] }]);
    assert.deepEqual(await lint(openApiDocument(new Map(), { version: 'test', secured: false })), []);
    assert.deepEqual(openApiDocument(new Map(), { version: 'test', secured: false }).security, [{}]);
    const ops = Object.entries(secured.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ at: `${m.toUpperCase()} ${p}`, op })));
    assert.deepEqual(ops.filter((x) => !x.op.operationId).map((x) => x.at), []);
    assert.equal(new Set(ops.map((x) => x.op.operationId)).size, ops.length, 'operationIds are unique');
    const statuses = (at: string) => Object.keys(ops.find((x) => x.at === at)!.op.responses);
    assert.deepEqual(statuses('GET /healthz'), ['200']);
    assert.deepEqual(statuses('GET /openapi.json'), ['200', '401']);
    assert.deepEqual(statuses('POST /pipelines/greet/runs'), ['200', '202', '400', '401', '404', '409', '413', '422', '429', '503']);
    assert.deepEqual(statuses('POST /runs/{run_id}/cancel'), ['202', '401', '404', '409', '413', '503']);
    assert.deepEqual(statuses('GET /runs'), ['200', '400', '401']);
    // what the server answers is what the document says: a body that is not JSON is a declared 400
    const bad = await post('/pipelines/greet/runs', '{not json');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'invalid_json');
  });

  it('runs a pipeline and answers its result document with Prefer: wait; the run is an ordinary run that orc runs lists', async () => {
    const r = await post('/pipelines/greet/runs', { name: 'Ann', times: 2 }, { prefer: 'wait=20' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('preference-applied'), 'wait=20');
    const doc = (await r.json()) as { status: string; outputs: unknown; execution_id: string; trigger: unknown };
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.outputs, { greeting: 'Hello, Ann! (plain x2)' });
    assert.deepEqual(doc.trigger, { kind: 'http', name: 'greet' });
    const record = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'result.json'), 'utf8'));
    assert.deepEqual(record.trigger, { kind: 'http', name: 'greet' });
    const cp = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'checkpoint.json'), 'utf8'));
    assert.deepEqual([cp.status, cp.trigger], ['completed', { kind: 'http', name: 'greet' }]);
    const runs = orc(['runs', '--json'], { cwd: dir });
    assert.equal(runs.code, 0, runs.stderr);
    const listed = (JSON.parse(runs.stdout) as { execution_id: string; status: string; trigger?: unknown }[]).find((x) => x.execution_id === doc.execution_id)!;
    assert.deepEqual([listed.status, listed.trigger], ['completed', { kind: 'http', name: 'greet' }]);
    // GET /runs/{id} and GET /runs list it
    assert.deepEqual(((await (await get(`/runs/${doc.execution_id}`)).json()) as { outputs: unknown }).outputs, { greeting: 'Hello, Ann! (plain x2)' });
    const { runs: served } = (await (await get('/runs?limit=50')).json()) as { runs: { run_id: string; pipeline_id: string; status: string; trigger: unknown; ended_at: string | null }[] };
    const mine = served.find((x) => x.run_id === doc.execution_id)!;
    assert.deepEqual([mine.pipeline_id, mine.status, mine.trigger, typeof mine.ended_at], ['greet', 'completed', { kind: 'http', name: 'greet' }, 'string']);
  });

  it('without Prefer: wait answers 202 with the run\'s links at once', async () => {
    const r = await post('/pipelines/greet/runs', { name: 'Bo' });
    assert.equal(r.status, 202);
    const body = (await r.json()) as { run_id: string; status: string; links: Record<string, string> };
    assert.deepEqual(body.links, { self: `/runs/${body.run_id}`, events: `/runs/${body.run_id}/events`, cancel: `/runs/${body.run_id}/cancel` });
    assert.equal(r.headers.get('location'), `/runs/${body.run_id}`);
    const { frames } = await readFrames(await get(`/runs/${body.run_id}/events`));
    assert.equal(frames[frames.length - 1].event, 'end');
    assert.equal((frames[frames.length - 1].data as { status: string }).status, 'completed');
  });

  it('answers a run it did not start (orc run in the same root) from its record: the document, and a stream of its end', async () => {
    const r = orc(['run', 'greet.pipeline.yaml', '-i', 'name=Zed', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const id = (JSON.parse(r.stdout) as { execution_id: string }).execution_id;
    const doc = (await (await get(`/runs/${id}`)).json()) as { outputs: unknown; trigger?: unknown };
    assert.deepEqual([doc.outputs, doc.trigger], [{ greeting: 'Hello, Zed! (plain x1)' }, undefined]);
    const { frames } = await readFrames(await get(`/runs/${id}/events`));
    assert.deepEqual(frames.map((f) => [f.id, f.event]), [[1, 'gap'], [2, 'end']]);
    assert.deepEqual((frames[1].data as { outputs: unknown }).outputs, doc.outputs);
    assert.equal((await post(`/runs/${id}/cancel`, {})).status, 409);
    const { runs } = (await (await get('/runs?limit=1000')).json()) as { runs: Record<string, unknown>[] };
    const listed = runs.find((x) => x.run_id === id)!;
    assert.deepEqual(Object.keys(listed), ['run_id', 'pipeline_id', 'status', 'started_at', 'ended_at']);
    assert.deepEqual([listed.pipeline_id, listed.status, typeof listed.started_at, typeof listed.ended_at], ['greet', 'completed', 'string', 'string']);
    assert.equal((await get('/runs?limit=0')).status, 400);
  });

  it('honours an Idempotency-Key: the same body gives the same run, another body 409', async () => {
    const key = { 'idempotency-key': 'order-42' };
    const a = (await (await post('/pipelines/greet/runs', { name: 'Cy' }, { ...key, prefer: 'wait=20' })).json()) as { execution_id: string };
    const b = (await (await post('/pipelines/greet/runs', { name: 'Cy' }, { ...key, prefer: 'wait=20' })).json()) as { execution_id: string };
    assert.equal(b.execution_id, a.execution_id);
    const c = await post('/pipelines/greet/runs', { name: 'Di' }, key);
    assert.equal(c.status, 409);
    assert.deepEqual(await c.json(), { error: { code: 'idempotency_key_reused', message: 'This Idempotency-Key was used with another pipeline or body' } });
  });

  it('refuses bad inputs with 422 and the findings, an unknown pipeline or run with 404, a large body with 413', async () => {
    const bad = await post('/pipelines/greet/runs', { name: 'Ed', style: 'shouty' });
    assert.equal(bad.status, 422);
    const e = (await bad.json()) as { error: { code: string; message: string; findings: { code: string; message: string; severity: string }[] } };
    assert.equal(e.error.code, 'invalid_inputs');
    assert.equal(e.error.message, 'Input \'style\' must be one of "plain", "loud", got "shouty".');
    assert.deepEqual(e.error.findings.map((f) => [f.code, f.severity, f.message]), [['invalid-input', 'error', e.error.message]]);
    assert.equal(((await (await post('/pipelines/greet/runs', {})).json()) as { error: { message: string } }).error.message, "Missing required input 'name' (Who to greet.)");
    assert.equal((await post('/pipelines/greet/runs', [1, 2])).status, 422);
    assert.equal((await post('/pipelines/greet/runs', '{not json')).status, 400);
    const missing = await post('/pipelines/nope/runs', {});
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'unknown_pipeline');
    assert.equal((await get('/runs/20990101-000000-abcdef')).status, 404);
    assert.equal((await get('/runs/..%2F..%2Fetc')).status, 404);
    assert.equal((await post('/runs/20990101-000000-abcdef/cancel', {})).status, 404);
    const big = await post('/pipelines/greet/runs', { name: 'x'.repeat(5000) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'body_too_large');
  });

  it('refuses a value of the wrong type with 422, never coercing it (a number or true for a string, a string for an integer)', async () => {
    // issue 72 item 2: {"name": 5} ran as "5"; docs/serve.md promises 422
    for (const [body, message] of [
      [{ name: 5 }, "Input 'name' must be string, got 5."],
      [{ name: true }, "Input 'name' must be string, got true."],
      [{ name: 'Ann', times: '3' }, 'Input \'times\' must be integer, got "3".'],
      [{ name: 'Ann', times: 2.5 }, "Input 'times' must be integer, got 2.5."],
    ] as const) {
      const res = await post('/pipelines/greet/runs', body, { prefer: 'wait=20' });
      const doc = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.status, 422, JSON.stringify(doc));
      assert.deepEqual([doc.error.code, doc.error.message], ['invalid_inputs', message]);
    }
    const ok = await post('/pipelines/greet/runs', { name: 'Ann', times: 2 }, { prefer: 'wait=20' });
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as { outputs: unknown }).outputs, { greeting: 'Hello, Ann! (plain x2)' });
  });

  it('a 413 says Connection: close and closes, so a keep-alive client opens a new connection for its next request', async () => {
    // issue 72 item 4: it said keep-alive and then closed the socket, so the next request on that
    // connection failed with "socket hang up"
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { port } = new URL(s.url);
    const send = (body: string) =>
      new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/pipelines/greet/runs', method: 'POST', agent, headers: { ...auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), prefer: 'wait=20' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      const big = await send(JSON.stringify({ name: 'x'.repeat(10_000) }));
      assert.equal(big.status, 413, big.text);
      assert.equal(big.connection, 'close');
      assert.equal((JSON.parse(big.text) as { error: { code: string } }).error.code, 'body_too_large');
      const next = await send(JSON.stringify({ name: 'After' }));
      assert.equal(next.status, 200, next.text);
      assert.equal(next.connection, 'keep-alive');
    } finally {
      agent.destroy();
    }
  });

  it('streams a slow run\'s events as they happen and cancels it: the stream ends cancelled, and so does its record', async () => {
    const started = (await (await post('/pipelines/slow/runs', { seconds: 30 })).json()) as { run_id: string };
    const id = started.run_id;
    const live = await readFrames(await get(`/runs/${id}/events`), (fs_) => fs_.some((f) => f.event === 'step-started' && (f.data as { stepId: string }).stepId === 'nap'));
    assert.equal(live.ended, false);
    assert.deepEqual(live.frames.slice(0, 2).map((f) => [f.id, f.event]), [[1, 'run-started'], [2, 'step-ready']]);
    assert.deepEqual(live.frames.map((f) => f.id), live.frames.map((_, i) => i + 1));
    const running = (await (await get(`/runs/${id}`)).json()) as { status: string; steps: Record<string, { status: string }> };
    assert.equal(running.status, 'running');
    assert.equal(running.steps.nap.status, 'running');
    const cancel = await post(`/runs/${id}/cancel`, {});
    assert.equal(cancel.status, 202);
    const rest = await readFrames(await get(`/runs/${id}/events`, { ...auth, 'last-event-id': String(live.frames[live.frames.length - 1].id) }));
    assert.equal(rest.ended, true);
    assert.equal(rest.frames[0].id, live.frames[live.frames.length - 1].id + 1);
    const end = rest.frames[rest.frames.length - 1];
    assert.equal(end.event, 'end');
    assert.equal((end.data as { status: string }).status, 'cancelled');
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'checkpoint.json'), 'utf8')).status, 'cancelled');
    assert.equal((await post(`/runs/${id}/cancel`, {})).status, 409);
  });

  it('resumes an event stream after Last-Event-ID (header or ?last_event_id)', async () => {
    const doc = (await (await post('/pipelines/greet/runs', { name: 'Flo' }, { prefer: 'wait=20' })).json()) as { execution_id: string };
    const all = (await readFrames(await get(`/runs/${doc.execution_id}/events`))).frames;
    assert.ok(all.length > 4);
    const after3 = (await readFrames(await get(`/runs/${doc.execution_id}/events`, { ...auth, 'last-event-id': '3' }))).frames;
    assert.deepEqual(after3, all.slice(3));
    const byQuery = (await readFrames(await get(`/runs/${doc.execution_id}/events?last_event_id=${all.length - 1}`))).frames;
    assert.deepEqual(byQuery.map((f) => f.event), ['end']);
  });

  it('answers 204 to a reconnect after the end (an EventSource stops), and the end again to an id past it (another server\'s numbering)', async () => {
    // issue 72 item 3 and issue 74 item 8: both were 200 with an empty stream, so an EventSource
    // reconnected every 3 s for ever and never learnt how the run ended
    const doc = (await (await post('/pipelines/greet/runs', { name: 'Ada' }, { prefer: 'wait=20' })).json()) as { execution_id: string };
    const all = (await readFrames(await get(`/runs/${doc.execution_id}/events`))).frames;
    const end = all[all.length - 1];
    assert.equal(end.event, 'end');
    const after = await get(`/runs/${doc.execution_id}/events`, { ...auth, 'last-event-id': String(end.id) });
    assert.equal(after.status, 204);
    assert.equal(await after.text(), '');
    const past = (await readFrames(await get(`/runs/${doc.execution_id}/events`, { ...auth, 'last-event-id': String(Number(end.id) + 40) }))).frames;
    assert.deepEqual(past, [end]);
    // a run the server knows from its record only (orc run in the same root): its end is id 2
    const r = orc(['run', 'greet.pipeline.yaml', '-i', 'name=Rec', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const id = (JSON.parse(r.stdout) as { execution_id: string }).execution_id;
    assert.equal((await get(`/runs/${id}/events`, { ...auth, 'last-event-id': '2' })).status, 204);
    assert.deepEqual((await readFrames(await get(`/runs/${id}/events`, { ...auth, 'last-event-id': '1' }))).frames.map((f) => [f.id, f.event]), [[2, 'end']]);
    assert.deepEqual((await readFrames(await get(`/runs/${id}/events`, { ...auth, 'last-event-id': '57' }))).frames.map((f) => [f.id, f.event]), [[1, 'gap'], [2, 'end']]);
  });

  it('turns an approval gate into a pending answer in the events and the run\'s document, answered over HTTP', async () => {
    const { run_id: id } = (await (await post('/pipelines/publish/runs', { note: 'ship it' })).json()) as { run_id: string };
    const asked = await readFrames(await get(`/runs/${id}/events`), (f) => f.some((x) => x.event === 'answer-pending'));
    const pending = asked.frames.find((f) => f.event === 'answer-pending')!.data as { step_id: string; kind: string; choices: string[]; detail: string };
    assert.deepEqual([pending.step_id, pending.kind, pending.choices, pending.detail], ['approve', 'choice', ['approve', 'reject', 'modify'], 'ship it']);
    const doc = (await (await get(`/runs/${id}`)).json()) as { pending: { step_id: string }[] };
    assert.deepEqual(doc.pending.map((q) => q.step_id), ['approve']);
    assert.equal((await post(`/runs/${id}/answers/nope`, { approve: true })).status, 404);
    assert.equal((await post(`/runs/${id}/answers/approve`, { answer: 'maybe' })).status, 200); // not a choice: asked again
    const reasked = await readFrames(await get(`/runs/${id}/events`), (f) => f.filter((x) => x.event === 'answer-pending').length === 2);
    assert.match((reasked.frames.filter((x) => x.event === 'answer-pending')[1].data as { error: string }).error, /Answer approve, reject, modify/);
    const ok = await post(`/runs/${id}/answers/approve`, { approve: true });
    assert.deepEqual(await ok.json(), { run_id: id, step_id: 'approve', answered: true });
    const { frames } = await readFrames(await get(`/runs/${id}/events`));
    const end = frames[frames.length - 1].data as { status: string; outputs: unknown };
    assert.deepEqual([end.status, end.outputs], ['completed', { decision: 'approve' }]);
  });

  it('says "the pipelines changed" only when they did, not when a run writes a file under the root', async () => {
    // issue 72 item 12: every file a run wrote under the root was announced as a change of the pipelines
    const said = () => (s.stderr().match(/the pipelines changed; serving \d+/g) ?? []).length;
    const before = said();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'a file a run could have written');
    fs.writeFileSync(path.join(dir, 'data.json'), '{"x": 1}');
    // the watcher waits 200 ms for quiet before it looks again: give it time to (not) say so
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(said(), before, s.stderr());
    fs.writeFileSync(path.join(dir, 'extra.pipeline.yaml'), 'id: extra\nsteps:\n  - id: a\n    tool: data\n    action: convert\n    parameters: {data: 1, format: json}\n');
    await until(() => said() > before);
    assert.equal(said(), before + 1);
    assert.match(s.stderr(), /the pipelines changed; serving 5/);
    fs.rmSync(path.join(dir, 'extra.pipeline.yaml'));
    await until(() => said() > before + 1);
  });

  it('never lets a secret input out in a response, an event or the log, nor the token anywhere (records too)', async () => {
    const doc = (await (await post('/pipelines/secretive/runs', { key: SECRET_INPUT }, { prefer: 'wait=20' })).json()) as { execution_id: string; outputs: { said: string } };
    assert.equal(doc.outputs.said, 'the key is [redacted: secret]');
    const events = await (await get(`/runs/${doc.execution_id}/events`)).text();
    assert.ok(events.includes('[redacted: secret]'));
    assert.ok(!events.includes(SECRET_INPUT));
    const records: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else records.push(fs.readFileSync(path.join(d, e.name), 'utf8'));
      }
    };
    walk(path.join(dir, '.orchestrator'));
    for (const text of [events, JSON.stringify(await (await get(`/runs/${doc.execution_id}`)).json()), s.stdout(), s.stderr()]) assert.ok(!text.includes(SECRET_INPUT));
    for (const text of [...records, s.stdout(), s.stderr()]) {
      assert.ok(!text.includes(TOKEN));
      assert.ok(!text.includes('another-token-abc'));
    }
  });
});
