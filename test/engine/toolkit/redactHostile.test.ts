// Secrets in child output (issue 9): a command that prints a key must not put it into the
// checkpoint, the result document, the JSON on stdout or the error line; provider keys are not
// given to commands unless the step asks.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redactor } from '../../../engine/toolkit/redact';
import { orc } from '../../helpers/cli';

const KEY = 'sk-test-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';
const TOKEN = 'ghp_0123456789abcdefTOKENVALUE';

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
