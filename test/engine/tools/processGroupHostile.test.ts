// Hardening, round two (issue 24): a process a command starts in a new session (`setsid`,
// `start_new_session=True`) left the step's process group, survived its timeout, and kept `orc`
// alive until it ended (its hold on the output pipe). Every process the command starts is now found
// by the token in its environment and killed when the step ends, and nothing is waited on after.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orcAsync } from '../../helpers/cli';
import { alive } from '../../helpers/processes';

const ESCAPE = `setsid sh -c 'echo $$ > escaped.pid; exec sleep 60' &`;

describe('hardening 2: processes that leave their group', function () {
  this.timeout(90_000);
  let dir: string;
  let pid = 0;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-proc-'))));
  afterEach(() => {
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    pid = 0;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function runWith(command: string, timeout: string): Promise<{ ms: number; code: number | null; doc: { steps: Record<string, { status: string; error?: string }> } }> {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), `id: p\nsteps:\n  - id: s\n    tool: terminal\n    action: execute\n${timeout}    parameters:\n      command: "${command}"\n`);
    const t = Date.now();
    const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
    const ms = Date.now() - t;
    pid = Number(fs.readFileSync(path.join(dir, 'escaped.pid'), 'utf8'));
    return { ms, code: r.code, doc: JSON.parse(r.stdout) };
  }

  it('a step that times out: the setsid child is killed and orc ends at once', async () => {
    const { ms, code, doc } = await runWith(`${ESCAPE} sleep 60`, '    timeout: 2\n');
    assert.equal(code, 1);
    assert.equal(doc.steps.s.status, 'failed');
    assert.ok(ms < 10_000, `orc ran ${ms} ms`);
    assert.ok(pid > 0);
    assert.equal(alive(pid), false, 'the child in its own session was killed');
  });

  it('a command that ends while its setsid child holds the output: the step ends, the child is killed', async () => {
    const { ms, code, doc } = await runWith(`${ESCAPE} echo done`, '');
    assert.equal(code, 0);
    assert.equal(doc.steps.s.status, 'completed');
    assert.ok(ms < 10_000, `orc ran ${ms} ms`);
    assert.equal(alive(pid), false);
  });
});
