// Media (`images:`, `files:`, `audio:`) is read only from regular files, and never more than its
// bound: a named pipe with a writer feeding it is refused before it is opened (it was read without
// end, 2.4 GB in 5 s), as a folder or a device is; nothing is sent to the provider.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAgentPipeline, tempDir, useLoopback } from '../../helpers/agentRun';

const pipeline = (media: string) => `id: look
model: openai:gpt-4o-mini
steps:
  - id: describe
    action: generate
    parameters:
      prompt: What is in the picture?
      ${media}
      stream: false
`;

/** A process's program now (Linux's /proc/PID/cmdline). */
const programOf = (pid: number): string => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];

describe('media from regular files only, bounded', function () {
  this.timeout(30_000);
  const srv = useLoopback();
  let dir: string;
  let writer: ChildProcess | null = null;
  beforeEach(() => {
    dir = tempDir('orc-media-fifo-');
    fs.mkdirSync(path.join(dir, 'img'));
  });
  afterEach(() => {
    if (writer && writer.exitCode === null) writer.kill('SIGKILL');
    writer = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  (process.platform === 'linux' ? it : it.skip)('an image that is a named pipe with a writer feeding it: refused unread, naming what it is, nothing sent', async () => {
    const fifo = path.join(dir, 'img', 'photo.png');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    // 64 MiB, three times what a part may hold: before the fix the whole of it was read and sent
    writer = spawn('sh', ['-c', 'exec head -c 67108864 /dev/zero > "$0"', fifo], { stdio: 'ignore' });
    const { doc } = await runAgentPipeline(srv, dir, pipeline('images: [img/photo.png]'));
    assert.equal(doc.status, 'failed');
    assert.equal(doc.steps.describe.error_type, 'ValueError');
    assert.equal(doc.steps.describe.error, "'images': 'img/photo.png' is not a regular file (a named pipe); give a file in the workspace (nothing was sent)");
    assert.equal(srv.requests.length, 0);
    // the writer still waits for a reader to open the pipe: its shell never got as far as starting head
    assert.equal(writer.exitCode, null);
    assert.equal(programOf(writer.pid!), 'sh');
  });

  it('a folder under files: is refused the same way; a link to /dev/zero leads out of the workspace', async () => {
    fs.mkdirSync(path.join(dir, 'docs.pdf'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'img', 'zero.png'));
    const { doc } = await runAgentPipeline(srv, dir, pipeline('files: [docs.pdf]'));
    assert.equal(doc.steps.describe.error, "'files': 'docs.pdf' is not a regular file (a folder); give a file in the workspace (nothing was sent)");
    const zero = await runAgentPipeline(srv, dir, pipeline('images: [img/zero.png]'));
    assert.equal(zero.doc.steps.describe.error_type, 'PermissionError');
    assert.equal(srv.requests.length, 0);
  });
});
