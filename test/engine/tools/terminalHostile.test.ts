// Hardening, round two (issue 24): terminal output over 10 MiB was cut silently (python-executor's
// had a marker). The cut is now marked and the result says `truncated: true`.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_TOOLS } from '../../../engine/tools/registry';
import { MAX_CAPTURE } from '../../../engine/tools/terminal';
import { toolContext } from '../../helpers/toolContext';

describe('hardening 2: terminal output past the cap', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-out-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('12 MiB on stdout: 10 MiB kept, the cut marked with what was left out, truncated: true', async () => {
    const total = 12 * 1024 * 1024;
    const r = await BUILTIN_TOOLS.terminal.run('execute', { command: `head -c ${total} /dev/zero | tr '\\0' x; echo done >&2` }, toolContext(dir));
    assert.equal(r.success, true);
    const res = r.result as { stdout: string; stderr: string; truncated?: boolean };
    const marker = `\n[output truncated: ${total - MAX_CAPTURE} more characters]`;
    assert.equal(res.stdout.length, MAX_CAPTURE + marker.length);
    assert.ok(res.stdout.endsWith('x' + marker), res.stdout.slice(-80));
    assert.equal(res.stderr, 'done\n');
    assert.equal(res.truncated, true);
  });

  it('output under the cap is whole and has no truncated flag', async () => {
    const r = await BUILTIN_TOOLS.terminal.run('execute', { command: 'echo hi' }, toolContext(dir));
    assert.equal((r.result as { stdout: string }).stdout, 'hi\n');
    assert.equal('truncated' in (r.result as object), false);
  });
});
