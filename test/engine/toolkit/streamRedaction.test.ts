// A secret cut across streamed pieces is redacted: by the StreamRedactor itself, in a recorded
// cassette's deltas, and in the step's streamed output events (redacting each piece alone let a key
// cut in two through). The model's answer streams from the loopback server through the real SDK.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner } from '../../../engine/models/index';
import type { CassetteLine } from '../../../engine/models/cassette';
import type { RunEvent } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { Redactor } from '../../../engine/toolkit/redact';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orc, orcAsync } from '../../helpers/cli';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

const SECRET = 'sk-live-7Qm2x9Lp';
const SHOWN = '[redacted: SIGNING_TOKEN]';

/** Every piece passed on, then the end. */
function through(r: Redactor, pieces: string[]): string[] {
  const s = r.stream();
  const out = pieces.map((p) => s.push(p));
  out.push(s.end());
  return out;
}

describe('StreamRedactor: a secret cut across pieces', () => {
  const r = new Redactor({ SIGNING_TOKEN: SECRET });

  it('redacts a key cut in two at every position, passes on everything else, and loses nothing', () => {
    for (let i = 1; i < SECRET.length; i++) {
      const pieces = [`key: ${SECRET.slice(0, i)}`, `${SECRET.slice(i)} ok`];
      const out = through(r, pieces);
      assert.equal(out.join(''), `key: ${SHOWN} ok`, `cut at ${i}`);
      // no piece passed on holds the key's start (`sk-` appears nowhere else)
      for (const o of out) assert.ok(!o.includes('sk-'), `cut at ${i}: ${JSON.stringify(out)}`);
    }
  });

  it('redacts a key cut in three at every pair of positions, and one that arrives a character at a time', () => {
    for (let i = 1; i < SECRET.length - 1; i++) {
      for (let j = i + 1; j < SECRET.length; j++) {
        const out = through(r, [`a ${SECRET.slice(0, i)}`, SECRET.slice(i, j), `${SECRET.slice(j)} b`]);
        assert.equal(out.join(''), `a ${SHOWN} b`, `cut at ${i} and ${j}`);
      }
    }
    assert.equal(through(r, [...`x${SECRET}y${SECRET}`]).join(''), `x${SHOWN}y${SHOWN}`);
  });

  it('holds back only an end that could begin a key: other text passes at once', () => {
    const s = r.stream();
    assert.equal(s.push('plain text '), 'plain text ');
    assert.equal(s.push('then sk-li'), 'then ');
    assert.equal(s.push('ves on'), 'sk-lives on');
    assert.equal(s.end(), '');
  });

  it('holds a whole key that reaches into an end beginning another key', () => {
    // the end `p-9` begins OTHER_TOKEN; the whole SIGNING_TOKEN before it must not be cut through
    const other = 'p-9zzzzzzzz';
    const two = new Redactor({ SIGNING_TOKEN: 'abcdefgh-p-9', OTHER_TOKEN: other });
    const out = through(two, ['see abcdefgh-p-9', ' done']);
    assert.equal(out.join(''), 'see [redacted: SIGNING_TOKEN] done');
    for (const o of out) assert.ok(!o.includes('abcdefgh'), JSON.stringify(out));
  });

  it('passes pieces through untouched when there is no secret', () => {
    assert.deepEqual(through(new Redactor({}), ['a', 'b']), ['a', 'b', '']);
  });
});

describe('a streamed answer with a key cut across chunks', function () {
  this.timeout(20_000);
  let server: LoopbackProviders;
  let dir: string;
  beforeEach(async () => {
    server = await new LoopbackProviders().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-stream-redact-'));
  });
  afterEach(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is redacted in the cassette and in the step-output events at every cut, and replays as the redacted text', async () => {
    const yaml = `id: leak
steps:
  - id: s
    action: generate
    model: openai:gpt-4o-mini
    parameters: {prompt: Say the key}
`;
    const a = analyze(yaml);
    const redactor = new Redactor({ SIGNING_TOKEN: SECRET });
    const env = { OPENAI_API_KEY: 'sk-loopback-key-0000', OPENAI_BASE_URL: `${server.origin}/v1` };
    for (let i = 1; i < SECRET.length; i++) {
      server.script.push({ chunks: [`The key is ${SECRET.slice(0, i)}`, `${SECRET.slice(i)}.`] });
      const file = path.join(dir, `cut-${i}.jsonl`);
      const events: RunEvent[] = [];
      const doc = await runPipeline(a, { cwd: dir, checkpoint: false, redactor, models: createModelRunner({ env }), cassette: { mode: 'record', file }, listeners: [(e) => events.push(e)] });
      assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
      const chunks = events.filter((e): e is Extract<RunEvent, { type: 'step-output' }> => e.type === 'step-output').map((e) => e.chunk);
      assert.equal(chunks.join(''), `The key is ${SHOWN}.`, `cut at ${i}: the streamed output`);
      assert.ok(!JSON.stringify(events).includes(SECRET), `cut at ${i}: an event holds the key`);
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!text.includes(SECRET.slice(0, 8)) && !text.includes(SECRET.slice(-8)), `cut at ${i}: the cassette holds part of the key:\n${text}`);
      const line = JSON.parse(text) as CassetteLine;
      assert.equal(line.answer.text, `The key is ${SHOWN}.`);
      assert.equal(line.answer.deltas?.join(''), `The key is ${SHOWN}.`);
      // replayed offline: the recorded (redacted) deltas stream out as they were kept
      const replayed: RunEvent[] = [];
      const rep = await runPipeline(a, { cwd: dir, checkpoint: false, redactor, models: createModelRunner({ env: {} }), cassette: { mode: 'replay', file }, listeners: [(e) => replayed.push(e)] });
      assert.equal(rep.steps.s.result, `The key is ${SHOWN}.`);
      assert.equal(replayed.filter((e): e is Extract<RunEvent, { type: 'step-output' }> => e.type === 'step-output').map((e) => e.chunk).join(''), `The key is ${SHOWN}.`);
    }
  });
});

const KEY = 'sk-test-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';

const TOKEN = 'ghp_0123456789abcdefTOKENVALUE';

const ECHOED_KEY = 'sk-test-h2-9f8e7d6c5b4a39281706f5e4d3c2b1a0';

/** Every file under `dir`, read as text. */
function filesUnder(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    out.push({ file, text: fs.readFileSync(file, 'utf8') });
  }
  return out;
}

function assertNoKey(dir: string, texts: string[], key = ECHOED_KEY): void {
  for (const { file, text } of filesUnder(dir)) assert.ok(!text.includes(key), `the key leaked into ${file}: ${text.slice(0, 300)}`);
  for (const text of texts) assert.ok(!text.includes(key), `the key leaked into the output: ${text.slice(0, 300)}`);
}

describe('hostile input', () => {
  // Secrets in child output (issue 9): a command that prints a key must not put it into the
  // checkpoint, the result document, the JSON on stdout or the error line; provider keys are not
  // given to commands unless the step asks.
  describe('hardening: secrets', function () {
    this.timeout(20_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-secret-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a command that echoes a key it was given: the key is in no file the run wrote, nor on stdout or stderr', () => {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        [
          'id: leak',
          'steps:',
          '  - id: a',
          '    tool: terminal',
          '    action: execute',
          '    parameters:',
          '      command: "echo key=$OPENAI_API_KEY; echo token=$DEPLOY_TOKEN >&2; exit 3"',
          '      pass_env: [OPENAI_API_KEY]',
          '',
        ].join('\n'),
      );
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env: { OPENAI_API_KEY: KEY, DEPLOY_TOKEN: TOKEN } });
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.steps.a.result.stdout, 'key=[redacted: OPENAI_API_KEY]\n');
      assert.equal(doc.steps.a.error, 'Command exited with code 3: token=[redacted: DEPLOY_TOKEN]');
      const runDir = path.join(dir, '.orchestrator', 'runs', doc.execution_id);
      const written = fs.readdirSync(runDir).map((f) => fs.readFileSync(path.join(runDir, f), 'utf8'));
      assert.equal(written.length, 2);
      for (const text of [r.stdout, r.stderr, ...written]) {
        assert.ok(!text.includes(KEY) && !text.includes(TOKEN), `a secret leaked into: ${text.slice(0, 300)}`);
      }
      assert.match(r.stderr, /token=\[redacted: DEPLOY_TOKEN\]/);
    });

    it("provider keys are withheld from commands unless the step names them in pass_env; other variables pass", () => {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        'id: env\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo [${OPENAI_API_KEY:-none}] [${ANTHROPIC_API_KEY:-none}] [$PLAIN]"\n',
      );
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env: { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY + 'x', PLAIN: 'visible' } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).steps.a.result.stdout, '[none] [none] [visible]\n');
    });

    it('the Redactor: longest secret first, keys of mappings too, short values left alone, same object when clean', () => {
      const red = new Redactor({ A_API_KEY: 'abcdefgh', B_SECRET: 'abcdefghijkl', PASSWORD: 'short', HOME: 'abcdefgh-not-secret-name' });
      assert.equal(red.text('x abcdefghijkl y abcdefgh'), 'x [redacted: B_SECRET] y [redacted: A_API_KEY]');
      assert.deepEqual(red.value({ abcdefgh: ['abcdefgh!', 1, null] }), { '[redacted: A_API_KEY]': ['[redacted: A_API_KEY]!', 1, null] });
      assert.equal(red.text('short'), 'short');
      const clean = { a: ['b'] };
      assert.equal(red.value(clean), clean);
    });
  });

  // Hardening, round two (issue 24): every secret stays out of every file. A key the model echoes is
  // redacted before it reaches a product, the AUTO lock, `orc auto` or `orc explain`; a key given as
  // an input is not kept in the checkpoint; SearXNG credentials stay out of errors and results. The
  // model is the loopback provider behind the real OpenAI SDK.
  describe('hardening 2: a key the model echoes is redacted everywhere', function () {
    this.timeout(60_000);
    let server: LoopbackProviders;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    beforeEach(async () => {
      server = await new LoopbackProviders().start();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-secret-'));
      env = { OPENAI_API_KEY: ECHOED_KEY, OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
    });
    afterEach(async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a product file, the result document and the checkpoint', async () => {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        `id: p
steps:
  - id: s
    action: generate_structured
    model: openai:gpt-4o-mini
    parameters: {prompt: "Report"}
    vars:
      body: The body.
    products:
      body: report.md
`,
      );
      server.script.push({ json: { body: `the key is ${ECHOED_KEY}.` } });
      const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { execution_id: string; steps: Record<string, { vars: Record<string, string> }> };
      assert.equal(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'products', 'report.md'), 'utf8'), 'the key is [redacted: OPENAI_API_KEY].');
      assert.equal(doc.steps.s.vars.body, 'the key is [redacted: OPENAI_API_KEY].');
      assertNoKey(dir, [r.stdout, r.stderr]);
    });

    it('the AUTO lock file, and orc auto with and without --json', async () => {
      fs.writeFileSync(path.join(dir, 'a.pipeline.yaml'), `id: a\norchestrator: openai:gpt-4o-mini\nsteps:\n  - id: w\n    tool: filesystem\n    action: write\n    parameters:\n      path: out.txt\n      content: <AUTO>Greeting</AUTO>\n`);
      server.script.push({ json: { value: `hello ${ECHOED_KEY}` } });
      const r = await orcAsync(['auto', 'a.pipeline.yaml', '--json'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { tags: { value: string }[] }).tags[0].value, 'hello [redacted: OPENAI_API_KEY]');
      const plain = await orcAsync(['auto', 'a.pipeline.yaml'], { cwd: dir, env });
      assert.match(plain.stdout, /"hello \[redacted: OPENAI_API_KEY\]"/);
      assertNoKey(dir, [r.stdout, r.stderr, plain.stdout, plain.stderr]);
    });

    it('orc explain: its output and its cache under .orchestrator/explain/', async () => {
      fs.writeFileSync(path.join(dir, 'e.pipeline.yaml'), `id: e\nmodel: openai:gpt-4o-mini\nsteps:\n  - id: w\n    tool: filesystem\n    action: write\n    parameters: {path: out.txt, content: hi}\n`);
      server.script.push({ json: { intention: `Leaks ${ECHOED_KEY}`, architecture: `w writes ${ECHOED_KEY}` } }, { json: { contradictions: [{ step: 'w', kind: 'other', message: `about ${ECHOED_KEY}` }] } });
      const r = await orcAsync(['explain', 'e.pipeline.yaml'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Intention\nLeaks \[redacted: OPENAI_API_KEY\]\n/);
      assert.ok(fs.readdirSync(path.join(dir, '.orchestrator', 'explain')).length > 0);
      assertNoKey(dir, [r.stdout, r.stderr]);
    });
  });

  describe('hardening 2: secret inputs are not kept in the checkpoint', function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-inputs-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const PIPELINE = `id: keys
parameters:
  api_key: {type: string}
  password: {type: string, secret: true}
steps:
  - id: use
    tool: terminal
    action: execute
    parameters:
      command: "echo {{ api_key }} {{ password }}; test -f go"
`;

    it('-i x=$MY_API_KEY and a secret: true parameter: redacted in the checkpoint and the result; resume takes them again', async () => {
      fs.writeFileSync(path.join(dir, 'k.pipeline.yaml'), PIPELINE);
      const env = { MY_API_KEY: ECHOED_KEY };
      const PASSWORD = 'correct-horse-battery-staple';
      const r = await orcAsync(['run', 'k.pipeline.yaml', '--json', '-i', `api_key=${ECHOED_KEY}`, '-i', `password=${PASSWORD}`], { cwd: dir, env });
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout) as { execution_id: string; steps: Record<string, { result: { stdout: string } }> };
      assert.equal(doc.steps.use.result.stdout, '[redacted: MY_API_KEY] [redacted: secret]\n');
      const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'checkpoint.json'), 'utf8')) as { inputs: unknown };
      assert.deepEqual(checkpoint.inputs, { api_key: '[redacted: MY_API_KEY]', password: '[redacted: parameter password]' });
      assertNoKey(dir, [r.stdout, r.stderr]);
      assertNoKey(dir, [r.stdout, r.stderr], PASSWORD);
      // resume: the secret parameter must be given again; the key comes back from the environment
      fs.writeFileSync(path.join(dir, 'go'), '');
      const refused = await orcAsync(['resume', doc.execution_id, '--json'], { cwd: dir, env });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /Input 'password' is secret and was not recorded: give it again with -i password=\.\.\./);
      const resumed = await orcAsync(['resume', doc.execution_id, '--json', '-i', `password=${PASSWORD}`], { cwd: dir, env });
      assert.equal(resumed.code, 0, resumed.stderr);
      const again = JSON.parse(resumed.stdout) as { status: string; steps: Record<string, { result: { stdout: string } }> };
      assert.equal(again.status, 'completed');
      assert.equal(again.steps.use.result.stdout, '[redacted: MY_API_KEY] [redacted: secret]\n');
      assertNoKey(dir, [resumed.stdout, resumed.stderr]);
      assertNoKey(dir, [resumed.stdout, resumed.stderr], PASSWORD);
    });
    it('an output that echoes a secret: true parameter is redacted in the printed result document and in result.json', async () => {
      fs.writeFileSync(path.join(dir, 'o.pipeline.yaml'), `id: echo
parameters:
  password: {type: string, secret: true}
outputs:
  echoed: "password was {{ password }}"
  listed: "{{ [password, 'plain'] }}"
steps:
  - id: noop
    tool: terminal
    action: execute
    parameters: {command: "true"}
`);
      const PASSWORD = 'correct-horse-battery-staple';
      const r = await orcAsync(['run', 'o.pipeline.yaml', '--json', '-i', `password=${PASSWORD}`], { cwd: dir, env: {} });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { execution_id: string; outputs: Record<string, unknown> };
      assert.deepEqual(doc.outputs, { echoed: 'password was [redacted: secret]', listed: ['[redacted: secret]', 'plain'] });
      const recorded = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'result.json'), 'utf8')) as { outputs: unknown };
      assert.deepEqual(recorded.outputs, doc.outputs);
      assertNoKey(dir, [r.stdout, r.stderr], PASSWORD);
    });
  });

  describe('hardening 2: SearXNG basic-auth credentials', function () {
    this.timeout(60_000);
    let dir: string;
    let server: http.Server;
    let origin: string;
    let mode: 'fail' | 'echo' = 'fail';
    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-searx-'));
      // a SearXNG behind a proxy that echoes what it got: the Authorization header, in an error or in a result
      server = http.createServer((req, res) => {
        const auth = String(req.headers.authorization ?? '');
        const userinfo = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8');
        if (mode === 'fail') {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `upstream refused ${auth} (${userinfo}; as sent: ${encodeURIComponent(userinfo)})` }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ results: [{ url: `https://${userinfo}@example.org/a`, title: `signed in as ${userinfo}`, content: auth }] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      fs.writeFileSync(path.join(dir, 's.pipeline.yaml'), 'id: s\nsteps:\n  - id: find\n    tool: web-search\n    action: search\n    parameters: {query: orchestrator, max_results: 1}\n');
    });
    afterEach(async () => {
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const m of ['fail', 'echo'] as const) {
      it(`credentials echoed back (${m === 'fail' ? 'in an error' : 'in the results'}) are in no file and no output`, async () => {
        mode = m;
        const PASSWORD = 'p@ss/w0rd-9f8e';
        const env = { ORC_SEARCH_BACKEND: 'searxng', ORC_SEARXNG_URL: `http://alice:${encodeURIComponent(PASSWORD)}@${origin}`, BRAVE_API_KEY: '', TAVILY_API_KEY: '' };
        const r = await orcAsync(['run', 's.pipeline.yaml', '--json'], { cwd: dir, env });
        assert.equal(r.code, m === 'fail' ? 1 : 0, r.stderr);
        const doc = JSON.parse(r.stdout) as { steps: Record<string, { error?: string; result: unknown }> };
        if (m === 'fail') assert.match(String(doc.steps.find.error), /^SearXNG answered HTTP 502: upstream refused Basic \[redacted: ORC_SEARXNG_URL password\]/);
        const secrets = [PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(`alice:${PASSWORD}`).toString('base64')];
        for (const s of secrets) assertNoKey(dir, [r.stdout, r.stderr], s);
      });
    }
  });
});
