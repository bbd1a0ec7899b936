// Hardening, round two (issue 24): every user-supplied pattern outside templates runs on RE2. A
// JSON-schema `pattern` in `validation`, a `user-prompt` `validation_pattern` and a `filesystem.list`
// glob with many `*` froze the process past the step's timeout (a glob was reported as success after
// 11 s under `timeout: 2`); each now answers at once, with the same verdict a backtracking engine
// would have reached.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orcAsync } from '../../helpers/cli';

const EVIL = 'a'.repeat(27) + '!';

describe('hardening 2: user patterns cannot freeze a run', function () {
  this.timeout(90_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-re-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function timed(yaml: string, args: string[] = []): Promise<{ ms: number; doc: { steps: Record<string, { status: string; result: unknown; error?: string }> }; code: number | null }> {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), yaml);
    const t = Date.now();
    const r = await orcAsync(['run', 'p.pipeline.yaml', '--json', ...args], { cwd: dir });
    return { ms: Date.now() - t, doc: JSON.parse(r.stdout), code: r.code };
  }

  it('a JSON-schema pattern in validation.validate', async () => {
    const { ms, doc } = await timed(`id: v\nsteps:\n  - id: check\n    tool: validation\n    action: validate\n    timeout: 2\n    parameters:\n      data: "${EVIL}"\n      schema: {type: string, pattern: "^(a+)+$"}\n`);
    assert.ok(ms < 8000, `took ${ms} ms`);
    assert.equal(doc.steps.check.status, 'completed', doc.steps.check.error);
    assert.deepEqual((doc.steps.check.result as { valid: boolean; errors: unknown[] }).valid, false);
    assert.deepEqual((doc.steps.check.result as { errors: unknown[] }).errors, [{ path: '/', message: 'must match pattern "^(a+)+$"' }]);
  });

  it("a user-prompt's validation_pattern (answered ahead with -i)", async () => {
    const { ms, doc, code } = await timed(`id: u\nsteps:\n  - id: ask\n    tool: user-prompt\n    action: execute\n    timeout: 2\n    parameters: {prompt: "Code?", validation_pattern: "(a+)+$"}\n`, ['-i', `ask=${EVIL}`]);
    assert.ok(ms < 8000, `took ${ms} ms`);
    assert.equal(code, 1);
    assert.equal(doc.steps.ask.status, 'failed');
    assert.match(String(doc.steps.ask.error), /does not match the pattern \(a\+\)\+\$/);
  });

  it('a filesystem.list glob with many *', async () => {
    fs.writeFileSync(path.join(dir, 'a'.repeat(40)), '');
    fs.writeFileSync(path.join(dir, 'a-b'), '');
    const { ms, doc } = await timed(`id: g\nsteps:\n  - id: ls\n    tool: filesystem\n    action: list\n    timeout: 2\n    parameters: {path: ., pattern: "${'a*'.repeat(12)}b"}\n`);
    assert.ok(ms < 8000, `took ${ms} ms`);
    assert.equal(doc.steps.ls.status, 'completed', doc.steps.ls.error);
    assert.deepEqual((doc.steps.ls.result as { entries: { name: string }[] }).entries.map((e) => e.name), []);
    const two = await timed(`id: g\nsteps:\n  - id: ls\n    tool: filesystem\n    action: list\n    parameters: {path: ., pattern: "a*?b"}\n`);
    assert.deepEqual((two.doc.steps.ls.result as { entries: { name: string }[] }).entries.map((e) => e.name), ['a-b']);
  });
});
