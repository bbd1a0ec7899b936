// The pieces of `orc serve` in-process: the bounded event log (gaps, dropping a subscriber that
// does not read), answers to pending questions, tokens, idempotency keys, webhook signatures, and
// cron triggers from TriggerDecl values (overlap skip and queue).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CronTriggerDecl, ServedPipeline } from '../../../engine/api/index';
import { isLoopback, Tokens } from '../../../engine/serve/auth';
import { RunEventLog } from '../../../engine/serve/eventLog';
import { startServer, type RunningServer, type ServeOptions } from '../../../engine/serve/server';
import { IdempotencyKeys } from '../../../engine/serve/idempotency';
import { answerOf, PendingAnswers, stepIdOf } from '../../../engine/serve/pendingAnswers';
import type { ServedRuns } from '../../../engine/serve/servedRuns';
import { renderInputs, Triggers } from '../../../engine/serve/triggers';
import { signatureOf, signatureValid } from '../../../engine/serve/webhooks';
import { until } from '../../helpers/processes';
import { framesOf } from '../../helpers/serveProcess';

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe('orc serve: the event log', () => {
  it('numbers frames from 1 and ends after the end event; a subscriber after N gets the rest', async () => {
    const log = new RunEventLog();
    log.append('run-started', '{"a":1}');
    log.append('step-ended', '{"b":2}');
    log.append('end', '{"status":"completed"}', true);
    assert.deepEqual(framesOf(await readAll(log.subscribe(0).stream)), [
      { id: 1, event: 'run-started', data: { a: 1 } },
      { id: 2, event: 'step-ended', data: { b: 2 } },
      { id: 3, event: 'end', data: { status: 'completed' } },
    ]);
    assert.deepEqual(framesOf(await readAll(log.subscribe(2).stream)).map((f) => f.id), [3]);
    assert.equal(await readAll(log.subscribe(3).stream), '');
    assert.equal(log.append('late', '{}'), 3); // nothing after the end
  });

  it('keeps at most its bound: a subscriber asking for what is gone gets a gap frame, then the rest', async () => {
    const log = new RunEventLog({ events: 3, bytes: 1 << 20, lag: 100 });
    for (let i = 1; i <= 6; i++) log.append('e', String(i));
    log.append('end', '7', true);
    const frames = framesOf(await readAll(log.subscribe(0).stream));
    assert.deepEqual(frames.map((f) => [f.id, f.event]), [[4, 'gap'], [5, 'e'], [6, 'e'], [7, 'end']]);
    assert.deepEqual((frames[0].data as { from: number; to: number }), { from: 1, to: 4, reason: (frames[0].data as { reason: string }).reason });
  });

  it('streams live to a reading subscriber, and drops one that stops reading past the lag bound with a dropped frame', async () => {
    const log = new RunEventLog({ events: 1000, bytes: 1 << 20, lag: 5 });
    const reader = log.subscribe(0).stream.getReader();
    let dropped = 0;
    const slow = log.subscribe(0, () => dropped++).stream.getReader();
    log.append('e', '1');
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.equal(first, 'id: 1\nevent: e\ndata: 1\n\n');
    assert.equal(new TextDecoder().decode((await slow.read()).value), first);
    for (let i = 2; i <= 10; i++) {
      log.append('e', String(i));
      await reader.read(); // the live one keeps up
    }
    assert.equal(dropped, 1);
    assert.equal(log.subscriberCount, 1);
    const last = framesOf(new TextDecoder().decode((await slow.read()).value));
    assert.equal(last[0].event, 'dropped');
    // its id is the last event it was sent, so a client's automatic reconnect (Last-Event-ID) loses nothing
    assert.equal(last[0].id, 1);
    assert.equal((last[0].data as { last_event_id: number }).last_event_id, 1);
    assert.equal((await slow.read()).done, true);
    log.append('end', '{}', true);
    assert.equal(framesOf(new TextDecoder().decode((await reader.read()).value))[0].event, 'end');
    assert.equal((await reader.read()).done, true);
  });

  it('sends a keep-alive comment to a subscriber of a quiet run, then the events', async () => {
    const log = new RunEventLog({ events: 10, bytes: 1 << 20, lag: 10, keepAliveMs: 30 });
    const r = log.subscribe(0).stream.getReader();
    assert.equal(new TextDecoder().decode((await r.read()).value), ': keep-alive\n\n');
    log.append('e', '1');
    assert.equal(new TextDecoder().decode((await r.read()).value), 'id: 1\nevent: e\ndata: 1\n\n');
    await r.cancel();
  });

  it('lets go of a subscriber that cancels', async () => {
    const log = new RunEventLog();
    const r = log.subscribe(0).stream.getReader();
    const pending = r.read();
    await r.cancel();
    await pending;
    log.append('e', '1');
    assert.equal(log.subscriberCount, 0);
  });
});

describe('orc serve: answers to pending questions', () => {
  it('maps {approve} and {answer} onto each kind of question', () => {
    const gate = { kind: 'choice' as const, step: 'g', prompt: 'Approve or reject?', choices: ['approve', 'reject'] };
    const call = { kind: 'choice' as const, step: 'agent', prompt: 'Let it?', choices: ['approve', 'deny'], edit: { value: '{}', schema: null } };
    assert.equal(answerOf(gate, { approve: true }), 'approve');
    assert.equal(answerOf(gate, { approve: false }), 'reject');
    assert.equal(answerOf(call, { approve: false }), 'deny');
    assert.deepEqual(answerOf(call, { approve: true, arguments: { path: 'x' } }), { choice: 'approve', value: { path: 'x' } });
    assert.deepEqual(answerOf(gate, { approve: true, arguments: {} }), { problem: 'this question takes no "arguments" (only an agent\'s call held for approval does)' });
    assert.equal(answerOf({ kind: 'confirm', step: 's', prompt: 'ok?' }, { approve: false }), false);
    assert.equal(answerOf({ kind: 'text', step: 's', prompt: 'name?' }, { answer: 'Ann' }), 'Ann');
    assert.deepEqual(answerOf({ kind: 'text', step: 's', prompt: 'name?' }, { approve: true }), { problem: 'this question takes {"answer": "TEXT"}' });
    assert.equal(stepIdOf('loop[2] › inner'), 'inner');
  });

  it('holds a question until answered, shows it redacted, and gives it up when the run is cancelled', async () => {
    const seen: string[] = [];
    const pa = new PendingAnswers((type, q) => seen.push(`${type}:${q.step_id}`));
    const redactor = { text: (s: string) => s.replace('sk-123', '[redacted]') } as never;
    const host = pa.interaction(redactor);
    const ctl = new AbortController();
    const asked = host.ask({ kind: 'choice', step: 'loop[0] › gate', prompt: 'Approve?', detail: 'key sk-123', choices: ['approve', 'reject'] }, ctl.signal);
    assert.deepEqual(pa.list().map((q) => [q.step_id, q.detail]), [['gate', 'key [redacted]']]);
    assert.equal(pa.answer('other', { approve: true }), 'none');
    assert.deepEqual(pa.answer('gate', { approve: 'yes' }), { problem: 'give {"approve": true|false} (an agent\'s call: with "arguments" to replace its arguments), or {"answer": "CHOICE"}' });
    const shown = pa.answer('gate', { approve: true });
    assert.equal(typeof shown === 'object' && 'step_id' in shown && shown.step_id, 'gate');
    assert.equal(await asked, 'approve');
    const second = host.ask({ kind: 'text', step: 'p', prompt: 'Name?' }, ctl.signal);
    ctl.abort(new Error('cancelled'));
    await assert.rejects(second, /cancelled/);
    assert.deepEqual(pa.list(), []);
    assert.deepEqual(seen, ['answer-pending:gate', 'answer-given:gate', 'answer-pending:p']);
  });
});

describe('orc serve: tokens, idempotency keys, webhook signatures', () => {
  it('allows exactly the configured bearer tokens', () => {
    const t = Tokens.load({ ORC_SERVE_TOKENS: ' a-token , b-token,' });
    assert.equal(t.any, true);
    assert.equal(t.allows('Bearer a-token'), true);
    assert.equal(t.allows('bearer b-token'), true);
    for (const h of [undefined, '', 'Bearer', 'Bearer  ', 'Bearer c-token', 'a-token', 'Basic a-token', 'Bearer a-token x']) assert.equal(t.allows(h), false, String(h));
    assert.equal(Tokens.load({}).any, false);
    assert.equal(Tokens.load({}).allows('Bearer '), false);
    assert.deepEqual(['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3', '0.0.0.0', '10.0.0.1', '::'].map(isLoopback), [true, true, true, true, true, false, false, false]);
  });

  it('gives the same run for the same key and body, conflicts on another, forgets a failed start', async () => {
    let n = 0;
    const keys = new IdempotencyKeys();
    const start = async () => `run-${++n}`;
    assert.equal(await keys.runOf('k', 'p', '{"a":1}', start), 'run-1');
    assert.equal(await keys.runOf('k', 'p', '{"a":1}', start), 'run-1');
    assert.equal(keys.runOf('k', 'p', '{"a":2}', start), 'conflict');
    assert.equal(keys.runOf('k', 'q', '{"a":1}', start), 'conflict');
    await assert.rejects(keys.runOf('bad', 'p', '', () => Promise.reject(new Error('422'))) as Promise<string>);
    assert.equal(await keys.runOf('bad', 'p', '', start), 'run-2');
  });

  it('checks X-Hub-Signature-256 over the raw body', () => {
    const body = Buffer.from('{"ref":"main"}');
    const sig = signatureOf('s3cret', body);
    assert.match(sig, /^sha256=[0-9a-f]{64}$/);
    assert.equal(signatureValid('s3cret', body, sig), true);
    assert.equal(signatureValid('s3cret', body, sig.toUpperCase().replace('SHA256', 'sha256')), true);
    for (const bad of [undefined, '', 'sha256=', sig.slice(0, -2), signatureOf('other', body), sig.replace('sha256=', 'sha1='), `${sig}00`]) assert.equal(signatureValid('s3cret', body, bad), false, String(bad));
    assert.equal(signatureValid('s3cret', Buffer.from('{"ref":"main"} '), sig), false);
  });
});

describe('orc serve: triggers from TriggerDecl values', () => {
  it('renders inputs with request in scope, walking lists and maps', () => {
    const request = { body: { ref: 'refs/heads/main', commits: [1, 2] }, headers: { 'x-github-event': 'push' }, query: { dry: '1' } };
    assert.deepEqual(renderInputs({ ref: '{{ request.body.ref }}', n: '{{ request.body.commits | length }}', event: ['{{ request.headers["x-github-event"] }}'], fixed: 3, nested: { q: '{{ request.query.dry }}' } }, { request }), { ref: 'refs/heads/main', n: 2, event: ['push'], fixed: 3, nested: { q: '1' } });
  });

  /** A fake run starter: each run ends when the test says. */
  function fakeRuns() {
    const ends: (() => void)[] = [];
    const started: Record<string, unknown>[] = [];
    const runs = {
      start: async (_served: string, _sp: ServedPipeline, inputs: Record<string, unknown>) => {
        started.push(inputs);
        let end!: () => void;
        const done = new Promise<void>((r) => (end = r));
        ends.push(end);
        return { id: `run-${started.length}`, done };
      },
    } as unknown as ServedRuns;
    return { runs, ends, started };
  }

  const pipelineWith = (decl: CronTriggerDecl) => ({ file: '/w/p.pipeline.yaml', analysis: { pipeline: { id: 'p', triggers: [decl] } } }) as unknown as ServedPipeline;

  for (const overlap of ['skip', 'queue', 'allow'] as const) {
    it(`an every-second cron with overlap: ${overlap} while its first run still runs`, async function () {
      this.timeout(15_000);
      const { runs, ends, started } = fakeRuns();
      const decl: CronTriggerDecl = { kind: 'cron', cron: '* * * * * *', timezone: 'Europe/Paris', overlap, inputs: { label: 'tick' } };
      const table = new Map([['p', pipelineWith(decl)]]);
      const fires: string[] = [];
      const lines: string[] = [];
      const t = new Triggers({ runs, env: {}, log: (s) => lines.push(s), table: () => table });
      t.onFire = (_s, _d, _at, outcome) => fires.push('runId' in outcome ? outcome.runId : 'skipped');
      t.sync();
      try {
        assert.equal(t.scheduled.length, 1);
        await until(() => started.length === 1);
        // two more ticks while the first run runs
        const queued = () => (t as unknown as { jobs: Map<string, { queued: number }> }).jobs.values().next().value!.queued;
        if (overlap === 'allow') await until(() => started.length >= 3);
        if (overlap === 'skip') await until(() => fires.filter((f) => f === 'skipped').length >= 2);
        if (overlap === 'queue') await until(() => queued() >= 2);
        if (overlap === 'skip') assert.equal(started.length, 1);
        if (overlap === 'queue') {
          assert.equal(started.length, 1);
          ends[0]();
          await until(() => started.length === 2);
        }
        assert.deepEqual(started[0], { label: 'tick' });
        assert.match(lines[0], /'p' runs on cron '\* \* \* \* \* \*' \(Europe\/Paris\), next at /);
      } finally {
        t.stop();
        for (const e of ends) e();
      }
      assert.equal(t.scheduled.length, 0);
    });
  }

  it('a cron expression croner refuses is said, not scheduled', () => {
    const lines: string[] = [];
    const table = new Map([['p', pipelineWith({ kind: 'cron', cron: '61 * * * *', timezone: 'UTC', overlap: 'skip', inputs: {} })]]);
    const t = new Triggers({ runs: fakeRuns().runs, env: {}, log: (s) => lines.push(s), table: () => table });
    t.sync();
    assert.equal(t.scheduled.length, 0);
    assert.match(lines[0], /the cron trigger '61 \* \* \* \*' of 'p' is not scheduled: /);
    t.stop();
  });
});

describe('orc serve: the file a run runs', () => {
  it('runs the pipeline file as it is at each request, also after edits of the same size and without the watcher', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-serve-file-'));
    const file = path.join(dir, 'echo.pipeline.yaml');
    const pipeline = (word: string) => `id: echo\nsteps:\n  - id: say\n    tool: data\n    action: convert\n    parameters: {data: "${word}", format: json}\noutputs:\n  said: "{{ say.content }}"\n`;
    fs.writeFileSync(file, pipeline('first'));
    const s = await startServer({ root: dir, host: '127.0.0.1', port: 0, tokens: new Tokens([]), version: 'test', log: () => undefined, watch: false });
    const run = async () => {
      const r = await fetch(`${s.url}/pipelines/echo/runs`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'wait=20' }, body: '{}' });
      assert.equal(r.status, 200);
      return ((await r.json()) as { outputs: { said: unknown } }).outputs.said;
    };
    try {
      assert.equal(await run(), '"first"');
      assert.equal(await run(), '"first"');
      // the same length, written at once after the run: the server's last analysis is of the old text
      fs.writeFileSync(file, pipeline('secnd'));
      assert.equal(await run(), '"secnd"');
      fs.writeFileSync(file, pipeline('the third, longer'));
      assert.equal(await run(), '"the third, longer"');
    } finally {
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A pipeline that answers its `text` input as JSON (`said`). */
const ECHO = 'id: echo\nparameters:\n  text: {type: string}\nsteps:\n  - id: say\n    tool: data\n    action: convert\n    parameters: {data: "{{ text }}", format: json}\noutputs:\n  said: "{{ say.content }}"\n';

/** `files` served from a folder of their own (no watcher) while `fn` runs; the server closed and the folder removed after it. */
async function serving(files: Record<string, string>, o: Partial<ServeOptions>, fn: (s: RunningServer) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-serve-post-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const s = await startServer({ root: dir, host: '127.0.0.1', port: 0, tokens: new Tokens([]), version: 'test', log: () => undefined, watch: false, ...o });
  try {
    await fn(s);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A POST through node:http, as a client other than fetch sends it: `target` is the request line's (a path, or a proxy's absolute URL); a body of more than one piece goes chunked, with no length. */
function rawPost(port: number, target: string, headers: Record<string, string>, pieces: string[]): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: target, headers: { 'content-type': 'application/json', prefer: 'wait=20', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
    for (const p of pieces.slice(0, -1)) req.write(p);
    req.end(pieces.at(-1));
  });
}

describe('orc serve: a body without a declared length', () => {
  it('runs with a chunked body under the limit, and answers 413 with Connection: close to one that passes it', () =>
    serving({ 'echo.pipeline.yaml': ECHO }, { maxBody: 1024 }, async (s) => {
      // a body sent in pieces with no content-length (Transfer-Encoding: chunked), read whole by node:http's client
      const post = (pieces: string[]) => rawPost(s.port, '/pipelines/echo/runs', {}, pieces);
      const ok = await post(['{"text": ', '"in two pieces"}']);
      assert.equal(ok.status, 200, ok.body);
      assert.equal((JSON.parse(ok.body) as { outputs: { said: string } }).outputs.said, '"in two pieces"');
      const big = await post(['{"text": "', 'x'.repeat(800), 'x'.repeat(800), '"}']);
      assert.equal(big.status, 413, big.body);
      assert.equal(big.connection, 'close');
      assert.equal((JSON.parse(big.body) as { error: { code: string } }).error.code, 'body_too_large');
    }));
});

describe("orc serve: a run's POST, answered from Node's request before the app", () => {
  it('takes a query, a percent-encoded name, a proxy\'s absolute target and dot segments, answers the document its events end with, leaves a trailing slash and a GET to the app (404), and asks a caller without the token for a bearer token', () =>
    serving({ 'echo.pipeline.yaml': ECHO }, { tokens: new Tokens(['tok-1']) }, async (s) => {
      const call = (p: string, init: { method?: string; token?: string; body?: string } = {}) =>
        fetch(`${s.url}${p}`, {
          method: init.method ?? 'POST',
          headers: { 'content-type': 'application/json', prefer: 'wait=20', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
          ...(init.body !== undefined ? { body: init.body } : {}),
        });
      const ok = await call('/pipelines/%65cho/runs?from=test', { token: 'tok-1', body: '{"text": "hi"}' });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('content-type'), 'application/json');
      assert.equal(ok.headers.get('preference-applied'), 'wait=20');
      const text = await ok.text();
      const doc = JSON.parse(text) as { execution_id: string; pipeline_id: string; status: string; outputs: { said: string } };
      assert.deepEqual([doc.pipeline_id, doc.status, doc.outputs.said], ['echo', 'completed', '"hi"']);
      // the document is serialized once for the answer and the run's last two frames: the same in all three
      const events = await fetch(`${s.url}/runs/${doc.execution_id}/events`, { headers: { authorization: 'Bearer tok-1' } });
      const raw = await events.text();
      const frames = framesOf(raw);
      assert.deepEqual(frames.slice(-2).map((f) => f.event), ['run-ended', 'end']);
      assert.deepEqual(frames.at(-2)!.data, { type: 'run-ended', time: (frames.at(-2)!.data as { time: number }).time, result: doc });
      assert.ok(raw.endsWith(`event: end\ndata: ${text}\n\n`), raw.slice(-300));
      assert.deepEqual(await (await fetch(`${s.url}/runs/${doc.execution_id}`, { headers: { authorization: 'Bearer tok-1' } })).json(), doc);

      const anonymous = await call('/pipelines/echo/runs', { body: '{}' });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
      assert.deepEqual(await anonymous.json(), { error: { code: 'unauthorized', message: 'A bearer token is needed: Authorization: Bearer TOKEN' } });

      for (const [p, method] of [['/pipelines/echo/runs/', 'POST'], ['/pipelines/echo/runs', 'GET']] as const) {
        const r = await call(p, { method, token: 'tok-1', ...(method === 'POST' ? { body: '{}' } : {}) });
        assert.equal(r.status, 404, `${method} ${p}`);
        assert.deepEqual(await r.json(), { error: { code: 'not_found', message: `No endpoint ${method} ${p} (GET /openapi.json lists them)` } });
      }
      // a target as a proxy sends it (absolute-form), and one with dot segments, run as the path they name;
      // a backslash in the path is the app's to refuse
      const posted = (target: string) => rawPost(s.port, target, { authorization: 'Bearer tok-1' }, ['{"text": "via"}']);
      for (const target of [`${s.url}/pipelines/echo/runs`, '/pipelines/other/../echo/runs', '/pipelines/./echo/runs']) {
        const r = await posted(target);
        assert.equal(r.status, 200, `${target}: ${r.body}`);
        assert.equal((JSON.parse(r.body) as { outputs: { said: string } }).outputs.said, '"via"', target);
      }
      assert.equal((await posted('/pipelines\\echo/runs')).status, 400);
      const unknown = await call('/pipelines/nope/runs', { token: 'tok-1', body: '{}' });
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'unknown_pipeline');
    }));
});

describe("orc serve: a run's POST whose answer cannot be written", () => {
  it('is a 500 that says why when its session header cannot be carried, and the server goes on', () => {
    const lines: string[] = [];
    // a default session outside what a header's value may hold (the id a request gives is checked; a default is the pipeline's)
    const cup = 'id: cup\nparameters:\n  session: {type: string, default: "tea \u2615"}\nsteps:\n  - id: say\n    tool: data\n    action: convert\n    parameters: {data: "{{ session }}", format: json}\n';
    return serving({ 'cup.pipeline.yaml': cup }, { log: (l) => lines.push(l) }, async (s) => {
      const r = await fetch(`${s.url}/pipelines/cup/runs`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'wait=20' }, body: '{}' });
      assert.equal(r.status, 500);
      const body = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'internal');
      assert.match(body.error.message, /^The server failed: Invalid character in header content \["Orc-Session"\]/);
      assert.ok(lines.some((l) => l.startsWith('orc serve: POST /pipelines/cup/runs failed: TypeError')), lines.join('\n'));
      assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    });
  });
});
