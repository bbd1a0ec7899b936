// The server's own secrets never reach a step (issue 74, item 1): `orc serve`'s bearer tokens were
// in every step's environment, and a list-valued secret (`ORC_SERVE_TOKENS=a,b`) was not redacted,
// so a step that ran `env` put the tokens into the HTTP answer, the event stream, result.json and
// checkpoint.json. Through the built CLI, as a user would meet it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServe, writeWorkspace, type ServeProcess } from '../../helpers/serveProcess';
import { Redactor } from '../../../engine/toolkit/redact';
import { commandEnv } from '../../../engine/tools/processGroup';

const TOKENS = ['tok-first-0123456789abcdef', 'tok-second-fedcba9876543210'];

const WORKSPACE: Record<string, string> = {
  'envdump.pipeline.yaml': `id: envdump
steps:
  - id: dump
    tool: terminal
    action: execute
    parameters:
      command: env
      pass_env: [ORC_SERVE_TOKENS]
  - id: echo
    tool: terminal
    action: execute
    dependencies: [dump]
    parameters:
      command: "printf '%s' \\"$SHOWN\\""
      env: {SHOWN: "${TOKENS[1]} and ${TOKENS[0]}"}
outputs:
  env: "{{ dump.result.stdout }}"
  echoed: "{{ echo.result.stdout }}"
`,
};

describe('orc serve keeps its tokens from the steps it runs', function () {
  this.timeout(60_000);
  let dir: string;
  let s: ServeProcess;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-serve-secrets-'));
    writeWorkspace(dir, WORKSPACE);
    s = await startServe(dir, [], { ORC_SERVE_TOKENS: TOKENS.join(',') });
  });

  after(async () => {
    await s?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives no step ORC_SERVE_TOKENS, even named in pass_env, and redacts each listed token wherever it appears', async () => {
    const res = await fetch(`${s.url}/pipelines/envdump/runs`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS[1]}`, 'content-type': 'application/json', prefer: 'wait=30' }, body: '{}' });
    const answer = await res.text();
    assert.equal(res.status, 200, answer);
    const doc = JSON.parse(answer) as { execution_id: string; status: string; outputs: { env: string; echoed: string } };
    assert.equal(doc.status, 'completed');
    assert.match(doc.outputs.env, /^PATH=/m, 'the step ran env');
    assert.doesNotMatch(doc.outputs.env, /ORC_SERVE_TOKENS/);
    // a token a step writes itself is redacted one by one, named by the variable that holds it
    assert.equal(doc.outputs.echoed, '[redacted: ORC_SERVE_TOKENS] and [redacted: ORC_SERVE_TOKENS]');
    const events = await (await fetch(`${s.url}/runs/${doc.execution_id}/events`, { headers: { authorization: `Bearer ${TOKENS[0]}` } })).text();
    const records: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else records.push(fs.readFileSync(path.join(d, e.name), 'utf8'));
      }
    };
    walk(path.join(dir, '.orchestrator'));
    assert.ok(records.some((r) => r.includes('[redacted: ORC_SERVE_TOKENS]')), 'the records hold the run');
    for (const text of [answer, events, ...records, s.stdout(), s.stderr()]) for (const t of TOKENS) assert.ok(!text.includes(t), `a token leaked: ${text.slice(0, 200)}`);
  });
});

describe('list-valued secrets and the server\'s variables', () => {
  it('redacts every value of a *_TOKENS, *_SECRETS or *_API_KEYS list, and whole values as before', () => {
    const r = new Redactor({ ORC_SERVE_TOKENS: 'aaaaaaaa-1111, bbbbbbbb-2222', HOOK_SECRETS: 'cccccccc-3333\ndddddddd-4444', MY_API_KEY: 'eeeeeeee-5555', ORC_MAX_TOKENS: '100000000' });
    assert.equal(r.text('x aaaaaaaa-1111 y bbbbbbbb-2222'), 'x [redacted: ORC_SERVE_TOKENS] y [redacted: ORC_SERVE_TOKENS]');
    assert.equal(r.text('dddddddd-4444'), '[redacted: HOOK_SECRETS]');
    assert.equal(r.text('eeeeeeee-5555'), '[redacted: MY_API_KEY]');
    // a limit is not a secret
    assert.equal(r.text('max 100000000 tokens'), 'max 100000000 tokens');
  });

  it('withholds ORC_SERVE_TOKENS from a command even when pass_env names it; a provider key still passes when named', () => {
    const saved = { t: process.env.ORC_SERVE_TOKENS, k: process.env.OPENAI_API_KEY };
    process.env.ORC_SERVE_TOKENS = 'tok-a-0123456789';
    process.env.OPENAI_API_KEY = 'sk-test-0123456789';
    try {
      const env = commandEnv({ pass_env: ['ORC_SERVE_TOKENS', 'OPENAI_API_KEY'] });
      assert.equal(env.ORC_SERVE_TOKENS, undefined);
      assert.equal(env.OPENAI_API_KEY, 'sk-test-0123456789');
      assert.equal(commandEnv({}).OPENAI_API_KEY, undefined);
    } finally {
      if (saved.t === undefined) delete process.env.ORC_SERVE_TOKENS;
      else process.env.ORC_SERVE_TOKENS = saved.t;
      if (saved.k === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved.k;
    }
  });
});
