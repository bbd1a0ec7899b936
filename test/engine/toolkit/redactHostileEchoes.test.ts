// Hardening, round two (issue 24): every secret stays out of every file. A key the model echoes is
// redacted before it reaches a product, the AUTO lock, `orc auto` or `orc explain`; a key given as
// an input is not kept in the checkpoint; SearXNG credentials stay out of errors and results. The
// model is the loopback provider behind the real OpenAI SDK.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync } from '../../helpers/cli';

const KEY = 'sk-test-h2-9f8e7d6c5b4a39281706f5e4d3c2b1a0';

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

function assertNoKey(dir: string, texts: string[], key = KEY): void {
  for (const { file, text } of filesUnder(dir)) assert.ok(!text.includes(key), `the key leaked into ${file}: ${text.slice(0, 300)}`);
  for (const text of texts) assert.ok(!text.includes(key), `the key leaked into the output: ${text.slice(0, 300)}`);
}

describe('hardening 2: a key the model echoes is redacted everywhere', function () {
  this.timeout(60_000);
  let server: LoopbackProviders;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    server = await new LoopbackProviders().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-secret-'));
    env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
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
    server.script.push({ json: { body: `the key is ${KEY}.` } });
    const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { execution_id: string; steps: Record<string, { vars: Record<string, string> }> };
    assert.equal(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'products', 'report.md'), 'utf8'), 'the key is [redacted: OPENAI_API_KEY].');
    assert.equal(doc.steps.s.vars.body, 'the key is [redacted: OPENAI_API_KEY].');
    assertNoKey(dir, [r.stdout, r.stderr]);
  });

  it('the AUTO lock file, and orc auto with and without --json', async () => {
    fs.writeFileSync(path.join(dir, 'a.pipeline.yaml'), `id: a\norchestrator: openai:gpt-4o-mini\nsteps:\n  - id: w\n    tool: filesystem\n    action: write\n    parameters:\n      path: out.txt\n      content: <AUTO>Greeting</AUTO>\n`);
    server.script.push({ json: { value: `hello ${KEY}` } });
    const r = await orcAsync(['auto', 'a.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { tags: { value: string }[] }).tags[0].value, 'hello [redacted: OPENAI_API_KEY]');
    const plain = await orcAsync(['auto', 'a.pipeline.yaml'], { cwd: dir, env });
    assert.match(plain.stdout, /"hello \[redacted: OPENAI_API_KEY\]"/);
    assertNoKey(dir, [r.stdout, r.stderr, plain.stdout, plain.stderr]);
  });

  it('orc explain: its output and its cache under .orchestrator/explain/', async () => {
    fs.writeFileSync(path.join(dir, 'e.pipeline.yaml'), `id: e\nmodel: openai:gpt-4o-mini\nsteps:\n  - id: w\n    tool: filesystem\n    action: write\n    parameters: {path: out.txt, content: hi}\n`);
    server.script.push({ json: { intention: `Leaks ${KEY}`, architecture: `w writes ${KEY}` } }, { json: { contradictions: [{ step: 'w', kind: 'other', message: `about ${KEY}` }] } });
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
    const env = { MY_API_KEY: KEY };
    const PASSWORD = 'correct-horse-battery-staple';
    const r = await orcAsync(['run', 'k.pipeline.yaml', '--json', '-i', `api_key=${KEY}`, '-i', `password=${PASSWORD}`], { cwd: dir, env });
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
