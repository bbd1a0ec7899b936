// Hardening, round two (issue 24): files on the command line. `orc new` wrote through a dangling
// symbolic link named like its output; a pipeline file far larger than the analyzer accepts was read
// whole before the size check; invalid UTF-8 silently became U+FFFD. Now: the link is refused and
// nothing is created; the size is read first; the first invalid byte is reported with its offset.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstInvalidUtf8 } from '../../../engine/cli/sourceFile';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orc, orcAsync } from '../../helpers/cli';

describe('hardening 2: files on the command line', function () {
  this.timeout(60_000);
  let dir: string;
  let outside: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-files-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-outside-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('orc new refuses a dangling symlink named like its output, and creates nothing through it', async () => {
    const server = await new LoopbackProviders().start();
    try {
      const env = { OPENAI_API_KEY: 'sk-test-new', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
      const target = path.join(outside, 'planted.yaml');
      fs.symlinkSync(target, path.join(dir, 'made.pipeline.yaml'));
      server.script.push({ json: { yaml: 'id: made\nsteps:\n  - id: a\n    tool: filesystem\n    action: write\n    parameters: {path: x.txt, content: hi}\n' } });
      const r = await orcAsync(['new', 'a pipeline that writes x', '--model', 'openai:gpt-4o-mini'], { cwd: dir, env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /made\.pipeline\.yaml exists \(a symbolic link\); 'orc new' does not overwrite files/);
      assert.equal(fs.existsSync(target), false, 'nothing was written through the link');
      // -o naming a dangling link is refused before any call
      const o = await orcAsync(['new', 'a pipeline', '--model', 'openai:gpt-4o-mini', '-o', 'made.pipeline.yaml'], { cwd: dir, env });
      assert.equal(o.code, 2);
      assert.equal(server.requests.length, 1);
      assert.equal(fs.existsSync(target), false);
    } finally {
      await server.stop();
    }
  });

  it('a pipeline file larger than any the analyzer accepts is refused from its size, unread', () => {
    const big = path.join(dir, 'big.pipeline.yaml');
    fs.writeFileSync(big, 'id: big\n');
    fs.truncateSync(big, 3 * 1024 ** 3); // 3 GB, sparse
    const t = Date.now();
    const r = orc(['validate', 'big.pipeline.yaml'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `orc: cannot read big.pipeline.yaml: big.pipeline.yaml has ${3 * 1024 ** 3} bytes; pipelines over 5000000 characters are not analyzed, so it was not read\nrun 'orc help' for usage\n`);
    assert.ok(Date.now() - t < 10_000);
  });

  it('invalid UTF-8 is reported with its offset and line, not silently replaced', () => {
    const text = Buffer.concat([Buffer.from('id: bad\nsteps:\n  - id: a\n    tool: filesystem\n    action: write\n    parameters: {path: x.txt, content: "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]);
    fs.writeFileSync(path.join(dir, 'bad.pipeline.yaml'), text);
    const r = orc(['validate', 'bad.pipeline.yaml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^bad\\.pipeline\\.yaml: warning: the file is not valid UTF-8: byte offset ${text.indexOf(0xe9)} \\(line 6\\) is 0xe9; invalid bytes read as U\\+FFFD$`, 'm'));
  });

  it('firstInvalidUtf8: well-formed text of every length passes; overlong, surrogate, truncated and stray bytes are found', () => {
    assert.equal(firstInvalidUtf8(Buffer.from('aé€😀')), -1);
    for (const [bytes, at] of [[[0x61, 0xc0, 0x80], 1], [[0xed, 0xa0, 0x80], 0], [[0x61, 0x62, 0xe2, 0x82], 2], [[0x80], 0], [[0xf4, 0x90, 0x80, 0x80], 0], [[0xe0, 0x80, 0x80], 0]] as const) {
      assert.equal(firstInvalidUtf8(Buffer.from(bytes)), at, JSON.stringify(bytes));
    }
  });
});
