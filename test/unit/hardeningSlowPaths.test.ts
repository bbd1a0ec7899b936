// Slow paths found from outside (issue 9). Speed itself is measured in bench/; these tests check
// the results of work that used to take minutes, under mocha's timeout, so the quadratic versions
// fail them.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI } from '../helpers/cli';

/** The CLI with room for megabytes of output. */
function orcBig(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 30, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hardening: slow paths', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-slow-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('orc validate prints 20,000 findings as text with their source lines (it split the file once per finding)', () => {
    const steps = Array.from({ length: 20_000 }, (_, i) => `  - id: s${i}\n    tool: nosuch\n    action: x\n`).join('');
    fs.writeFileSync(path.join(dir, 'many.pipeline.yaml'), `id: many\nsteps:\n${steps}`);
    const r = orcBig(['validate', 'many.pipeline.yaml'], dir);
    assert.equal(r.code, 2);
    const out = r.stdout + r.stderr;
    const heads = out.split('\n').filter((l) => /^many\.pipeline\.yaml:\d+:\d+: error tool\.unknown /.test(l));
    assert.equal(heads.length, 20_000);
    assert.ok(heads[19_999].startsWith('many.pipeline.yaml:60001:11: error tool.unknown '), heads[19_999]);
    assert.match(out, /many\.pipeline\.yaml: 20000 errors/);
  });
});
