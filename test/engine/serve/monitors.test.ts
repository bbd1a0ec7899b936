// Monitors in service (docs/monitors.md) through the real HTTP server on 127.0.0.1: runs answered
// while their judge (a loopback OpenAI-wire server) is still held, the checks on disk, a turn from
// good answers to bad raising exactly one signed alert (webhook and GET /events), the failed runs in
// the review queue, GET /monitors, the Prometheus endpoint, a dead webhook, a full queue, refused
// monitor files, judges that hang or fail, and the secret kept out of everything.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { Validator } from '@seriousme/openapi-schema-validator';
import { reviewQueue } from '../../../engine/api/index';
import { Tokens } from '../../../engine/serve/auth';
import { startServer, type RunningServer, type ServeOptions } from '../../../engine/serve/server';
import { signatureValid } from '../../../engine/serve/webhooks';
import { LoopbackProviders, type Scripted } from '../../fixtures/providers/loopbackServer';
import { tempDir } from '../../helpers/agentRun';
import { until } from '../../helpers/processes';
import { framesOf, writeWorkspace, type Frame } from '../../helpers/serveProcess';

const TOKEN = 'tok-monitors-0123456789abcdef';
const SECRET = 'alert-secret-5f3c9a1e77d04b2b';
const KEY = 'sk-monitor-judge-key-9876543210';

/** A pipeline that answers what it is told to (so a test chooses good and bad answers), with MONITORS as its `monitors:`. */
const pipeline = (id: string, monitors: string) => `id: ${id}
parameters:
  answer: {type: string, required: true}
steps:
  - id: reply
    tool: data
    action: convert
    parameters: {data: "{{ answer }}", format: json}
outputs:
  reply: "{{ answer }}"
monitors:
${monitors}`;

/** A receiver of alerts on 127.0.0.1: every POST kept with its raw body and headers; `status` answers them. */
class Receiver {
  readonly posts: Array<{ raw: Buffer; headers: Record<string, string | string[] | undefined> }> = [];
  status = 204;
  private server: Server | null = null;
  port = 0;
  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/orc`;
  }
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        this.posts.push({ raw: Buffer.concat(parts), headers: req.headers });
        res.writeHead(this.status).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A free port on 127.0.0.1 (for the Prometheus exporter, which cannot say which port 0 took). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Served {
  server: RunningServer;
  logs: string[];
  root: string;
  run(answer: string): Promise<{ run_id: string; status: number; doc: Record<string, unknown> }>;
  get(p: string): Promise<Response>;
  monitors(): Promise<Array<Record<string, unknown>>>;
}

async function serve(root: string, env: NodeJS.ProcessEnv, extra: Partial<ServeOptions> = {}): Promise<Served> {
  const logs: string[] = [];
  const server = await startServer({ root, host: '127.0.0.1', port: 0, tokens: Tokens.load({ ORC_SERVE_TOKENS: TOKEN }), version: 'test', log: (l) => logs.push(l), env, watch: false, ...extra });
  const auth = { authorization: `Bearer ${TOKEN}` };
  const get = (p: string) => fetch(`${server.url}${p}`, { headers: auth });
  return {
    server,
    logs,
    root,
    get,
    async run(answer) {
      const id = fs.readdirSync(root).find((f) => f.endsWith('.pipeline.yaml'))!.replace('.pipeline.yaml', '');
      const res = await fetch(`${server.url}/pipelines/${id}/runs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', prefer: 'wait=30' }, body: JSON.stringify({ answer }) });
      const doc = (await res.json()) as Record<string, unknown>;
      return { run_id: doc.execution_id as string, status: res.status, doc };
    },
    async monitors() {
      return ((await (await get('/monitors')).json()) as { monitors: Array<Record<string, unknown>> }).monitors;
    },
  };
}

/** The lines of a monitor's file, without their `at` (checked to be a time). */
function checksOf(root: string, name: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(path.join(root, '.orchestrator', 'monitors', `${name}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { at, ...rest } = JSON.parse(l) as Record<string, unknown>;
      assert.ok(!Number.isNaN(Date.parse(at as string)), `at: ${String(at)}`);
      return rest;
    });
}

/** Every file's text under a folder. */
function allText(dir: string): string {
  let out = '';
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    if (e.isFile()) out += fs.readFileSync(p, 'utf8');
  }
  return out;
}

const judged = (score: number, reason: string): Scripted => ({ json: { score, reason }, tokensIn: 50, tokensOut: 10 });

describe('monitors in service (orc serve)', function () {
  this.timeout(60_000);
  const models = new LoopbackProviders();
  const receiver = new Receiver();
  before(async () => {
    await models.start();
    await receiver.start();
  });
  after(async () => {
    await models.stop();
    await receiver.stop();
  });
  beforeEach(() => {
    models.requests.length = 0;
    models.script.length = 0;
    models.responder = null;
    receiver.posts.length = 0;
    receiver.status = 204;
  });
  const env = () => ({ PATH: process.env.PATH, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${models.origin}/v1`, ALERT_SECRET: SECRET });

  it("answers a served run at once while another run's judge is still held, then checks both", async () => {
    const root = tempDir('orc-monitors-');
    writeWorkspace(root, {
      'support.pipeline.yaml': pipeline('support', `  - name: grounded
    assert:
      - {type: llm_rubric, value: "answers the question politely", model: "openai:gpt-4o-mini", threshold: 0.7}
`),
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    models.responder = () => ({ ...judged(0.9, 'polite and to the point'), holdUntil: gate });
    const s = await serve(root, env());
    try {
      const first = await s.run('Your order 1234 ships today.');
      assert.equal(first.status, 200);
      await until(() => models.requests.length === 1);
      // the first run's judge is held: a second run is answered all the same, and no check is written yet
      const second = await s.run('Your order 5678 shipped yesterday.');
      assert.equal(second.status, 200);
      assert.deepEqual(second.doc.outputs, { reply: 'Your order 5678 shipped yesterday.' });
      assert.equal(fs.existsSync(path.join(root, '.orchestrator', 'monitors', 'grounded.jsonl')), false);
      assert.equal((await s.monitors())[0].checks, 0);
      // the judge was asked about the run's output, with the rubric
      assert.match(JSON.stringify(models.requests[0].body), /Your order 1234 ships today\./);
      release();
      await s.server.monitors.idle();
      assert.deepEqual(checksOf(root, 'grounded'), [
        { run_id: first.run_id, pipeline: 'support', monitor: 'grounded', status: 'pass', passed: true, score: 0.9, reasons: [] },
        { run_id: second.run_id, pipeline: 'support', monitor: 'grounded', status: 'pass', passed: true, score: 0.9, reasons: [] },
      ]);
    } finally {
      release();
      await s.server.close();
    }
  });

  it('raises exactly one signed alert when good answers turn bad (webhook and GET /events), and another only after the rate came back', async () => {
    const root = tempDir('orc-monitors-');
    writeWorkspace(root, {
      'support.pipeline.yaml': pipeline('support', `  - name: polite
    assert: [{type: not-contains, value: "I cannot"}]
    window: 4
    min_checks: 4
    alert_below: 0.75
    notify: {webhook: "${receiver.url}", secret_env: ALERT_SECRET}
`),
    });
    const port = await freePort();
    const exporter = new PrometheusExporter({ port, host: '127.0.0.1', preventServerStart: true });
    await exporter.startServer();
    const meters = new MeterProvider({ readers: [exporter] });
    const s = await serve(root, env(), { meter: meters.getMeter('test') });
    const listening = new AbortController();
    const events = await fetch(`${s.server.url}/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: listening.signal });
    assert.equal(events.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const frames: Frame[] = [];
    const reading = (async () => {
      const reader = events.body!.getReader();
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString('utf8');
        frames.splice(0, frames.length, ...framesOf(text.slice(0, text.lastIndexOf('\n\n') + 2)));
      }
    })().catch(() => undefined);
    try {
      const ids: Record<string, string> = {};
      const send = async (name: string, answer: string) => {
        ids[name] = (await s.run(answer)).run_id;
        // one at a time, so the window's order is the runs' order
        await s.server.monitors.idle();
      };
      for (const g of ['g1', 'g2', 'g3', 'g4']) await send(g, `Your order ${g} ships today.`);
      await send('b1', 'I cannot help with that.');
      assert.equal(receiver.posts.length, 0, 'three of four is not under 0.75');
      await send('b2', 'I cannot look that up.');
      await send('b3', 'I cannot say.');
      await until(() => frames.length >= 1);
      assert.equal(receiver.posts.length, 1);
      const post = receiver.posts[0];
      assert.deepEqual(JSON.parse(post.raw.toString('utf8')), { pipeline: 'support', monitor: 'polite', pass_rate: 0.5, window: 4, failed_runs: [ids.b1, ids.b2] });
      assert.equal(post.headers['content-type'], 'application/json');
      assert.ok(signatureValid(SECRET, post.raw, post.headers['x-orchestrator-signature'] as string), 'signed with the secret');
      assert.equal(frames.length, 1);
      const { at, ...alert } = frames[0].data as Record<string, unknown>;
      assert.equal(frames[0].event, 'monitor-alert');
      assert.deepEqual(alert, { pipeline: 'support', monitor: 'polite', pass_rate: 0.5, window: 4, failed_runs: [ids.b1, ids.b2] });

      // GET /monitors: the window of the last 4 (g4, b1, b2, b3), alerting, the last alert
      const [m] = await s.monitors();
      const w = m.interval as [number, number];
      assert.deepEqual({ ...m, interval: null }, { pipeline: 'support', monitor: 'polite', sample: 1, window: 4, min_checks: 4, alert_below: 0.75, checks: 4, passed: 1, failed: 3, errors: 0, dropped: 0, pass_rate: 0.25, interval: null, alerting: true, last_alert: { at, pass_rate: 0.5, failed_runs: [ids.b1, ids.b2] } });
      assert.ok(w[0] > 0 && w[0] < 0.25 && w[1] > 0.25 && w[1] < 1, `Wilson interval ${JSON.stringify(w)}`);

      // back at 0.75 re-arms it; the next fall alerts again
      for (const g of ['g5', 'g6', 'g7']) await send(g, `Your order ${g} ships today.`);
      assert.equal(receiver.posts.length, 1);
      await send('b4', 'I cannot.');
      await send('b5', 'I cannot, sorry.');
      await until(() => receiver.posts.length === 2 && frames.length === 2);
      assert.deepEqual(JSON.parse(receiver.posts[1].raw.toString('utf8')).failed_runs, [ids.b4, ids.b5]);

      // the checks on disk, in order
      const order = ['g1', 'g2', 'g3', 'g4', 'b1', 'b2', 'b3', 'g5', 'g6', 'g7', 'b4', 'b5'];
      assert.deepEqual(
        checksOf(root, 'polite'),
        order.map((n) => {
          const bad = n.startsWith('b');
          const answer = { b1: 'I cannot help with that.', b2: 'I cannot look that up.', b3: 'I cannot say.', b4: 'I cannot.', b5: 'I cannot, sorry.' }[n];
          return { run_id: ids[n], pipeline: 'support', monitor: 'polite', status: bad ? 'fail' : 'pass', passed: !bad, score: null, reasons: bad ? [`not_contains (output reply): "${answer}" contains "I cannot"`] : [] };
        }),
      );
      // the failed runs wait in the review queue, flagged by the monitor; the others have no flag
      const queue = reviewQueue(root);
      const flagged = queue.filter((i) => i.flags.length).map((i) => [i.run.execution_id, i.flags]);
      assert.deepEqual(flagged.sort(), ['b1', 'b2', 'b3', 'b4', 'b5'].map((n) => [ids[n], ['monitor:polite']]).sort());
      assert.equal(queue.length, 12);

      // the metrics on the Prometheus endpoint
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /^orc_monitor_checks_total\{pipeline="support",monitor="polite",result="pass",otel_scope_name="test"\} 7$/m);
      assert.match(metrics, /^orc_monitor_checks_total\{pipeline="support",monitor="polite",result="fail",otel_scope_name="test"\} 5$/m);
      assert.match(metrics, /^orc_monitor_pass_rate\{pipeline="support",monitor="polite",otel_scope_name="test"\} 0\.5$/m);

      // the secret is nowhere: not in the files, the log, the events, GET /monitors
      assert.ok(!allText(root).includes(SECRET));
      assert.ok(!s.logs.join('\n').includes(SECRET));
      assert.ok(!JSON.stringify(frames).includes(SECRET));
      assert.ok(!JSON.stringify(await s.monitors()).includes(SECRET));
    } finally {
      listening.abort();
      await reading;
      await s.server.close();
      await meters.shutdown();
    }
  });

  it('retries a webhook that fails with backoff, gives it up, and serves on; a refused connection too', async () => {
    const root = tempDir('orc-monitors-');
    const dead = await freePort();
    writeWorkspace(root, {
      'support.pipeline.yaml': pipeline('support', `  - name: failing
    assert: [{type: contains, value: "order"}]
    window: 2
    min_checks: 1
    alert_below: 0.5
    notify: {webhook: "${receiver.url}", secret_env: ALERT_SECRET}
  - name: refused
    assert: [{type: contains, value: "order"}]
    min_checks: 1
    alert_below: 0.5
    notify: {webhook: "http://127.0.0.1:${dead}/hook", secret_env: ALERT_SECRET}
`),
    });
    receiver.status = 500;
    const s = await serve(root, env(), { monitors: { alerts: { attempts: 3, initialDelayMs: 20, maxDelayMs: 50 } } });
    try {
      const r = await s.run('no such thing');
      assert.equal(r.status, 200);
      // serving goes on while the alerts are retried
      assert.equal((await s.run('still no such thing')).status, 200);
      await s.server.monitors.idle();
      assert.equal(receiver.posts.length, 3, 'three attempts at the failing receiver');
      const log = s.logs.join('\n');
      assert.match(log, /the alert of monitor 'failing' of support to http:\/\/127\.0\.0\.1:\d+\/hooks\/orc failed \(the receiver answered 500\); retrying in \d+ ms/);
      assert.match(log, /the alert of monitor 'failing' of support to http:\/\/127\.0\.0\.1:\d+\/hooks\/orc was given up after 3 attempts: the receiver answered 500/);
      assert.match(log, /the alert of monitor 'refused' of support to http:\/\/127\.0\.0\.1:\d+\/hook was given up after 3 attempts/);
      assert.ok(!log.includes(SECRET));
    } finally {
      await s.server.close();
    }
  });

  it('drops the oldest unstarted checks when its queue is full, and counts them', async () => {
    const root = tempDir('orc-monitors-');
    writeWorkspace(root, {
      'support.pipeline.yaml': pipeline('support', `  - name: judged
    assert: [{type: llm_rubric, value: "polite", model: "openai:gpt-4o-mini"}]
`),
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    models.responder = () => ({ ...judged(0.8, 'fine'), holdUntil: gate });
    const port = await freePort();
    const exporter = new PrometheusExporter({ port, host: '127.0.0.1', preventServerStart: true });
    await exporter.startServer();
    const meters = new MeterProvider({ readers: [exporter] });
    const s = await serve(root, env(), { meter: meters.getMeter('test'), monitors: { queueSize: 2, concurrency: 1 } });
    try {
      const ids: string[] = [];
      ids.push((await s.run('answer 0')).run_id);
      await until(() => models.requests.length === 1);
      for (let i = 1; i <= 4; i++) ids.push((await s.run(`answer ${i}`)).run_id);
      // run 0's check runs (held); of 1-4, the two oldest were dropped
      const [m] = await s.monitors();
      assert.equal(m.dropped, 2);
      assert.match(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), /^orc_monitor_dropped_total\{pipeline="support",monitor="judged",otel_scope_name="test"\} 2$/m);
      release();
      await s.server.monitors.idle();
      assert.deepEqual(checksOf(root, 'judged').map((c) => c.run_id), [ids[0], ids[3], ids[4]]);
      assert.equal(models.requests.length, 3);
    } finally {
      release();
      await s.server.close();
      await meters.shutdown();
    }
  });

  it('makes a check `error` when its judge hangs, fails, or its daily budget is spent: never a pass or a fail', async () => {
    const root = tempDir('orc-monitors-');
    writeWorkspace(root, {
      'support.pipeline.yaml': pipeline('support', `  - name: judged
    assert: [{type: llm_rubric, value: "polite", model: "openai:gpt-4o-mini"}]
  - name: thrifty
    assert: [{type: llm_rubric, value: "polite", model: "openai:gpt-4o-mini"}]
    budget: {max_cost_usd: 0.0000001}
`),
    });
    const s = await serve(root, env(), { monitors: { judgeTimeoutMs: 300 } });
    try {
      models.responder = () => ({ hang: true });
      const hung = await s.run('hello');
      await s.server.monitors.idle();
      // a provider's error that quotes the key: redacted before it is written
      models.responder = () => ({ status: 400, errorBody: { error: { message: `Bad request made with key ${KEY}`, type: 'invalid_request_error' } } });
      const failed = await s.run('hello again');
      await s.server.monitors.idle();
      const judgedChecks = checksOf(root, 'judged');
      assert.deepEqual(judgedChecks[0], { run_id: hung.run_id, pipeline: 'support', monitor: 'judged', status: 'error', passed: false, score: null, reasons: ['llm_rubric: the judge did not answer within 0.3 s'] });
      assert.equal(judgedChecks[1].status, 'error');
      assert.equal(judgedChecks[1].run_id, failed.run_id);
      assert.match((judgedChecks[1].reasons as string[])[0], /^llm_rubric \(output reply\): .*400/);
      // the budget refuses the call before it is made
      const thrifty = checksOf(root, 'thrifty');
      assert.equal(thrifty.length, 2);
      for (const c of thrifty) {
        assert.equal(c.status, 'error');
        assert.match((c.reasons as string[])[0], /budget/);
      }
      const [judged, thriftyFigures] = await s.monitors();
      assert.deepEqual([judged.checks, judged.errors, judged.pass_rate, judged.interval, thriftyFigures.errors], [0, 2, null, null, 2]);
      // errors are not failures: nothing went to the review queue
      assert.deepEqual(reviewQueue(root).filter((i) => i.flags.length), []);
      assert.ok(!allText(root).includes(KEY), 'the key is in no file');
      assert.ok(!s.logs.join('\n').includes(KEY));
    } finally {
      await s.server.close();
    }
  });

  it('refuses a monitor file that is a symlink or corrupt: moved aside, a fresh one started, the link target untouched', async () => {
    const root = tempDir('orc-monitors-');
    writeWorkspace(root, {
      'support.pipeline.yaml': pipeline('support', `  - name: linked
    assert: [{type: contains, value: "order"}]
  - name: damaged
    assert: [{type: contains, value: "order"}]
`),
    });
    const dir = path.join(root, '.orchestrator', 'monitors');
    fs.mkdirSync(dir, { recursive: true });
    const outside = path.join(tempDir('orc-monitors-outside-'), 'precious.txt');
    fs.writeFileSync(outside, 'not a check file\n');
    fs.symlinkSync(outside, path.join(dir, 'linked.jsonl'));
    fs.writeFileSync(path.join(dir, 'damaged.jsonl'), '{"run_id":"x","pipeline":"support","monitor":"damaged","status":"pass","passed":true,"score":null,"reasons":[],"at":"2026-11-27T00:00:00Z"}\n\u0000\u0000garbage\n');
    const s = await serve(root, env());
    try {
      const figures = await s.monitors();
      assert.deepEqual(figures.map((m) => [m.monitor, m.checks]), [['linked', 0], ['damaged', 0]]);
      const r = await s.run('Your order ships today.');
      await s.server.monitors.idle();
      const files = fs.readdirSync(dir).sort();
      assert.equal(files.length, 4, files.join(', '));
      assert.ok(files.some((f) => /^linked\.jsonl\.refused-/.test(f)) && files.some((f) => /^damaged\.jsonl\.refused-/.test(f)));
      assert.equal(fs.lstatSync(path.join(dir, 'linked.jsonl')).isFile(), true);
      assert.equal(fs.readFileSync(outside, 'utf8'), 'not a check file\n');
      for (const name of ['linked', 'damaged']) assert.deepEqual(checksOf(root, name), [{ run_id: r.run_id, pipeline: 'support', monitor: name, status: 'pass', passed: true, score: null, reasons: [] }]);
      assert.match(s.logs.join('\n'), /linked\.jsonl is not a regular file \(a link, a pipe or a device\): moved aside to linked\.jsonl\.refused-/);
      assert.match(s.logs.join('\n'), /damaged\.jsonl holds a line that is not JSON/);
    } finally {
      await s.server.close();
    }
  });

  it('reads the window back from the tail of its file on restart; samples by run id; GET /monitors and /events need the token and are in the OpenAPI document', async () => {
    const root = tempDir('orc-monitors-');
    writeWorkspace(root, {
      'support.pipeline.yaml': pipeline('support', `  - name: polite
    assert: [{type: not-contains, value: "I cannot"}]
    window: 3
    min_checks: 3
  - name: sampled
    sample: 0.5
    assert: [{type: contains, value: "order"}]
`),
    });
    const first = await serve(root, env());
    const ids: string[] = [];
    try {
      for (const a of ['I cannot.', 'Your order.', 'Your order.', 'I cannot.']) ids.push((await first.run(a)).run_id);
      await first.server.monitors.idle();
    } finally {
      await first.server.close();
    }
    const s = await serve(root, env());
    try {
      const [polite, sampled] = await s.monitors();
      assert.deepEqual([polite.checks, polite.passed, polite.failed], [3, 2, 1]);
      // sampling is the hash of run id and monitor name: the same runs every time
      const { sampled: isSampled } = await import('../../../engine/serve/monitorChecker.js');
      const expected = ids.filter((id) => isSampled(id, 'sampled', 0.5));
      assert.equal(sampled.checks, expected.length);
      if (expected.length) assert.deepEqual(checksOf(root, 'sampled').map((c) => c.run_id), expected);
      // the token is needed
      assert.equal((await fetch(`${s.server.url}/monitors`)).status, 401);
      assert.equal((await fetch(`${s.server.url}/events`)).status, 401);
      const doc = (await (await s.get('/openapi.json')).json()) as { paths: Record<string, { get: { operationId: string } }> };
      assert.equal(doc.paths['/monitors'].get.operationId, 'listMonitors');
      assert.equal(doc.paths['/events'].get.operationId, 'serverEvents');
      const checked = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
      assert.deepEqual(checked.errors ?? [], []);
    } finally {
      await s.server.close();
    }
  });
});
