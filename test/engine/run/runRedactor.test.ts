// A run's redactor of the environment is built once per model runner and reused by its later runs
// (reading every variable was most of a small run's own cost), never at the cost of a secret: a
// secret parameter still gets a redactor of its own, a given one is used as it is, and a new runner
// sees the environment as it is now.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runRedactor } from '../../../engine/run/secretInputs';
import { analyze, createModelRunner, Redactor, runPipeline } from '../../../engine/api/index';
import type { ParameterDecl } from '../../../engine/api/index';

const VAR = 'ORC_TEST_REDACTOR_REUSE_TOKEN';

describe('the run redactor of the environment, once per model runner', () => {
  afterEach(() => {
    delete process.env[VAR];
  });

  it('the same runner: the same redactor; another runner, or none: its own', () => {
    const runner = {};
    const r = runRedactor([], {}, undefined, runner);
    assert.equal(runRedactor([], {}, undefined, runner), r);
    assert.notEqual(runRedactor([], {}, undefined, {}), r);
    assert.notEqual(runRedactor([], {}, undefined, undefined), runRedactor([], {}, undefined, undefined));
  });

  it('a given redactor is used as it is; a secret parameter gets one that holds its value', () => {
    const given = new Redactor({});
    assert.equal(runRedactor([], {}, given, {}), given);
    const params = [{ name: 'pw', secret: true } as ParameterDecl];
    const r = runRedactor(params, { pw: 'correct-horse-battery' }, given, {});
    assert.equal(r.text('the pw is correct-horse-battery'), 'the pw is [redacted: secret]');
  });

  it("a secret set before a runner's first run is redacted in every run of it, and a new runner sees one set later", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-run-redactor-'));
    try {
      const a = analyze('id: echo\nparameters:\n  text:\n    type: string\nsteps:\n  - id: w\n    tool: filesystem\n    action: write\n    parameters:\n      path: out.txt\n      content: "{{ text }}"\noutputs:\n  said: "{{ text }}"\n');
      process.env[VAR] = 'tok-first-0123456789';
      const runner = createModelRunner({ env: {} });
      for (let i = 0; i < 2; i++) {
        const doc = await runPipeline(a, { cwd: dir, checkpoint: false, models: runner, inputs: { text: 'key tok-first-0123456789' } });
        assert.deepEqual(doc.outputs, { said: `key [redacted: ${VAR}]` });
      }
      process.env[VAR] = 'tok-second-9876543210';
      const doc = await runPipeline(a, { cwd: dir, checkpoint: false, models: createModelRunner({ env: {} }), inputs: { text: 'key tok-second-9876543210' } });
      assert.deepEqual(doc.outputs, { said: `key [redacted: ${VAR}]` });
      // without a runner, each run reads the environment as it is
      process.env[VAR] = 'tok-third-5555555555';
      const bare = await runPipeline(a, { cwd: dir, checkpoint: false, inputs: { text: 'key tok-third-5555555555' } });
      assert.deepEqual(bare.outputs, { said: `key [redacted: ${VAR}]` });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
