// `orc serve` through the built CLI: triggers written in YAML (a signed webhook, an unsigned one,
// a 2-second cron), the limit on concurrent runs (429), refusing to listen beyond loopback without
// a token, and stopping: the runs still going are cancelled and `orc resume` finishes one.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orc, orcAsync } from '../../helpers/cli';
import { until } from '../../helpers/processes';
import { signatureOf } from '../../../engine/serve/webhooks';
import { startServe, writeWorkspace, type ServeProcess } from '../../helpers/serveProcess';

const TOKEN = 'tok-triggers-abcdef0123456789';
const HOOK_SECRET = 'whsec-0123456789-abcdef';

const HOOKED = `id: deploy
description: Deploys a ref when GitHub says it was pushed.
triggers:
  - webhook: github-push
    secret_env: HOOK_SECRET
    inputs:
      ref: "{{ request.body.ref }}"
      agent: "{{ request.headers['user-agent'] }}"
      dry: "{{ request.query.dry }}"
  - webhook: open-door
    inputs: {ref: "{{ request.body }}"}
parameters:
  ref: {type: string, required: true}
  agent: {type: string, default: ""}
  dry: {type: string, default: ""}
steps:
  - id: note
    tool: data
    action: convert
    parameters: {data: "{{ ref }}", format: json}
outputs:
  ref: "{{ ref }}"
  agent: "{{ agent }}"
  dry: "{{ dry }}"
`;

const TICKING = `id: ticking
triggers:
  - cron: "*/2 * * * * *"
    inputs: {label: tick}
parameters:
  label: {type: string, required: true}
steps:
  - id: say
    tool: data
    action: convert
    parameters: {data: "{{ label }}", format: json}
outputs:
  label: "{{ label }}"
`;

const SLOW = `id: slow
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
`;

const runFolders = (dir: string) => {
  try {
    return fs.readdirSync(path.join(dir, '.orchestrator', 'runs')).sort();
  } catch {
    return [];
  }
};

describe('orc serve: triggers, limits and stopping (the built CLI)', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const servers: ServeProcess[] = [];
  const workspace = (files: Record<string, string>) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-serve-trig-'));
    dirs.push(d);
    writeWorkspace(d, files);
    return d;
  };

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe('webhooks', () => {
    let dir: string;
    let s: ServeProcess;
    const hook = (name: string, body: string, headers: Record<string, string>) => fetch(`${s.url}/hooks/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    before(async () => {
      dir = workspace({ 'deploy.pipeline.yaml': HOOKED });
      s = await startServe(dir, [], { ORC_SERVE_TOKENS: TOKEN, HOOK_SECRET });
      servers.push(s);
    });

    it('a correctly signed webhook starts a run with inputs from the request (no bearer token needed)', async () => {
      const body = JSON.stringify({ ref: 'refs/heads/main', pusher: { name: 'ann' } });
      const r = await hook('github-push?dry=yes', body, { 'x-hub-signature-256': signatureOf(HOOK_SECRET, body), 'user-agent': 'GitHub-Hookshot/abc', prefer: 'wait=20' });
      assert.equal(r.status, 200);
      const doc = (await r.json()) as { outputs: unknown; trigger: unknown; execution_id: string };
      assert.deepEqual(doc.outputs, { ref: 'refs/heads/main', agent: 'GitHub-Hookshot/abc', dry: 'yes' });
      assert.deepEqual(doc.trigger, { kind: 'webhook', name: 'github-push' });
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'checkpoint.json'), 'utf8')).trigger, { kind: 'webhook', name: 'github-push' });
    });

    it('a badly signed or unsigned webhook is 401 and starts nothing', async () => {
      const before = runFolders(dir);
      const body = JSON.stringify({ ref: 'refs/heads/evil' });
      for (const headers of [{ 'x-hub-signature-256': signatureOf('wrong-secret', body) }, {}, { 'x-hub-signature-256': signatureOf(HOOK_SECRET, body + ' ') }, { 'x-hub-signature-256': 'sha256=zz' }, { authorization: `Bearer ${TOKEN}` }] as Record<string, string>[]) {
        const r = await hook('github-push', body, headers);
        assert.equal(r.status, 401);
        assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'bad_signature');
      }
      assert.deepEqual(runFolders(dir), before);
    });

    it('a webhook without a secret needs the bearer token; an unknown one is 404', async () => {
      const before = runFolders(dir);
      assert.equal((await hook('open-door', '"x"', {})).status, 401);
      assert.deepEqual(runFolders(dir), before);
      const r = await hook('open-door', '"main"', { authorization: `Bearer ${TOKEN}`, prefer: 'wait=20' });
      assert.equal(r.status, 200);
      assert.deepEqual(((await r.json()) as { outputs: { ref: string } }).outputs.ref, 'main');
      assert.equal((await hook('nope', '{}', { authorization: `Bearer ${TOKEN}` })).status, 404);
      assert.equal((await hook('nope', '{}', {})).status, 401);
    });

    it('lists the triggers with the pipeline', async () => {
      const list = (await (await fetch(`${s.url}/pipelines`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { id: string; triggers: unknown[] }[];
      assert.deepEqual(list[0].triggers, [
        { kind: 'webhook', webhook: 'github-push', secretEnv: 'HOOK_SECRET', inputs: { ref: '{{ request.body.ref }}', agent: "{{ request.headers['user-agent'] }}", dry: '{{ request.query.dry }}' } },
        { kind: 'webhook', webhook: 'open-door', secretEnv: null, inputs: { ref: '{{ request.body }}' } },
      ]);
      assert.ok(!s.stderr().includes(TOKEN) && !s.stdout().includes(TOKEN) && !s.stderr().includes(HOOK_SECRET));
    });
  });

  it('a 2-second cron trigger fires and starts runs recorded as cron runs', async () => {
    const dir = workspace({ 'ticking.pipeline.yaml': TICKING });
    const s = await startServe(dir);
    servers.push(s);
    await until(() => runFolders(dir).some((id) => fs.existsSync(path.join(dir, '.orchestrator', 'runs', id, 'result.json'))));
    const id = runFolders(dir).find((x) => fs.existsSync(path.join(dir, '.orchestrator', 'runs', x, 'result.json')))!;
    const doc = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'result.json'), 'utf8'));
    assert.deepEqual([doc.status, doc.outputs, doc.trigger], ['completed', { label: 'tick' }, { kind: 'cron', name: '*/2 * * * * *' }]);
    assert.match(s.stderr(), /'ticking' runs on cron '\*\/2 \* \* \* \* \*' \(UTC\), next at /);
    await s.stop();
  });

  it('refuses a run past --max-runs with 429 and retry-after; SIGTERM cancels the runs still going, and orc resume finishes one', async () => {
    const dir = workspace({ 'slow.pipeline.yaml': SLOW });
    const s = await startServe(dir, ['--max-runs', '1']);
    servers.push(s);
    const post = (body: unknown) => fetch(`${s.url}/pipelines/slow/runs`, { method: 'POST', body: JSON.stringify(body) });
    // long enough that a busy machine cannot finish it before the SIGTERM below
    const first = (await (await post({ seconds: 4 })).json()) as { run_id: string };
    const second = await post({ seconds: 1 });
    assert.equal(second.status, 429);
    assert.equal(second.headers.get('retry-after'), '2');
    assert.equal(((await second.json()) as { error: { code: string } }).error.code, 'too_many_runs');
    await until(() => s.stderr().length > 0 && fs.existsSync(path.join(dir, '.orchestrator', 'runs', first.run_id, 'checkpoint.json')));
    assert.equal(await s.stop(), 0);
    const cp = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', first.run_id, 'checkpoint.json'), 'utf8'));
    assert.equal(cp.status, 'cancelled');
    assert.match(s.stderr(), /SIGTERM: stopping \(cancelling 1 running run\(s\)\)/);
    const resumed = await orcAsync(['resume', first.run_id, '--json'], { cwd: dir, isolated: true });
    assert.equal(resumed.code, 0, resumed.stderr);
    const doc = JSON.parse(resumed.stdout);
    assert.deepEqual([doc.status, doc.outputs, doc.trigger], ['completed', { slept: 4 }, { kind: 'http', name: 'slow' }]);
    const stats = orc(['stats', '--all', '--json'], { cwd: dir });
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /"slow"/);
  });

  it('takes tokens from a token file, and listens beyond loopback with them', async () => {
    const dir = workspace({ 'slow.pipeline.yaml': SLOW });
    fs.writeFileSync(path.join(dir, 'serve.tokens'), '# tokens\nfile-token-one\n\nfile-token-two\n');
    const s = await startServe(dir, ['--host', '0.0.0.0', '--token-file', path.join(dir, 'serve.tokens')], { ORC_SERVE_TOKENS: '' });
    servers.push(s);
    assert.match(s.stdout(), /^listening on http:\/\/0\.0\.0\.0:\d+\n/);
    const url = s.url.replace('0.0.0.0', '127.0.0.1');
    assert.equal((await fetch(`${url}/pipelines`)).status, 401);
    assert.equal((await fetch(`${url}/pipelines`, { headers: { authorization: 'Bearer file-token-two' } })).status, 200);
    assert.equal((await fetch(`${url}/pipelines`, { headers: { authorization: 'Bearer # tokens' } })).status, 401);
    await s.stop();
  });

  it('with no token, refuses to listen beyond loopback (exit 2, a clear error)', () => {
    const dir = workspace({ 'slow.pipeline.yaml': SLOW });
    const r = orc(['serve', '--root', dir, '--host', '0.0.0.0', '--port', '0'], { env: { ORC_SERVE_TOKENS: '' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--host 0\.0\.0\.0: with no token configured the server listens on loopback only; set ORC_SERVE_TOKENS or --token-file FILE/);
    assert.equal(r.stdout, '');
    const missing = orc(['serve', '--root', dir, '--token-file', path.join(dir, 'no-such-file')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--token-file .*no-such-file: cannot be read \(ENOENT\)/);
    fs.writeFileSync(path.join(dir, 'empty.tokens'), '# no token here\n\n');
    const empty = orc(['serve', '--root', dir, '--token-file', path.join(dir, 'empty.tokens')]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /holds no token \(one a line\)/);
    const restate = orc(['serve', '--root', dir, '--restate', '127.0.0.1:8080']);
    assert.equal(restate.code, 2);
    assert.match(restate.stderr, /--restate needs a URL: http:\/\/HOST:PORT/);
  });
});
