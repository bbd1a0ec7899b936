// The build writes each file whole under a temporary name and renames it over the old one
// (scripts/atomicOutput.mjs): a process that reads dist/ while it is built again (the CLI a test
// runs beside the package test's build, a developer's CLI beside `--watch`) sees the old file or
// the new one, never an empty or partial one. It also writes them ASCII, so V8 keeps their source at
// one byte a character.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli';

describe('the build\'s files appear whole', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-atomic-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Rewrites `file` 40 times in another process (4 MiB of one letter each time, the letter
   * changing), with `how`, while this one reads it: every read it makes, and how many saw the file whole. */
  async function readWhileRewritten(file: string, how: 'writeAtomic' | 'writeFileSync'): Promise<{ reads: number; whole: number }> {
    const size = 4 * 1024 * 1024;
    fs.writeFileSync(file, 'a'.repeat(size));
    const module = pathToFileURL(path.join(ROOT, 'scripts', 'atomicOutput.mjs')).href;
    const script = `import { writeAtomic } from ${JSON.stringify(module)}; import { writeFileSync } from 'node:fs';
      const write = ${how === 'writeAtomic' ? 'writeAtomic' : 'writeFileSync'};
      for (let k = 0; k < 40; k++) write(${JSON.stringify(file)}, String.fromCharCode(98 + (k % 20)).repeat(${size}));`;
    const writer = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    writer.stderr.on('data', (c) => (stderr += c));
    const done = new Promise<number | null>((resolve) => writer.on('close', resolve));
    let ended = false;
    void done.then(() => (ended = true));
    let reads = 0;
    let whole = 0;
    while (!ended) {
      const text = fs.readFileSync(file, 'latin1');
      reads++;
      if (text.length === size && text[0] === text[size - 1]) whole++;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(await done, 0, stderr);
    return { reads, whole };
  }

  it('a file rewritten with writeAtomic is read whole every time, where one written in place is not', async () => {
    const atomic = await readWhileRewritten(path.join(dir, 'chunk.js'), 'writeAtomic');
    assert.ok(atomic.reads > 10, `only ${atomic.reads} reads`);
    assert.equal(atomic.whole, atomic.reads);
    // the same reads of the same writes made in place: some find the file cut short (what a test's
    // `node dist/cli.js` found when the package test rebuilt dist/ beside it). Most do; a machine
    // busy enough to let a whole round pass without one gets two more rounds
    let cut = 0;
    for (let round = 0; round < 3 && !cut; round++) {
      const inPlace = await readWhileRewritten(path.join(dir, 'chunk2.js'), 'writeFileSync');
      cut = inPlace.reads - inPlace.whole;
    }
    assert.ok(cut > 0, 'every read of the file written in place was whole: the test reads too seldom to tell');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['chunk.js', 'chunk2.js'], 'a temporary file was left behind');
  });
});

describe("the build's scripts are ASCII (written so by scripts/atomicOutput.mjs)", () => {
  it('every script a process of ours loads is ASCII, so V8 keeps its source at one byte a character', () => {
    // (a character above U+00FF anywhere makes V8 keep the whole source at two bytes a character:
    // five in comments had made the CLI's 2.5 MB 5 MB in every `orc` process)
    const scripts = ['cli.js', 'cliMain.js', 'engine.js', 'extension.js', 'server.js', 'languageServer.js', 'serverFeatures.js', 'sqliteWorker.js', ...fs.readdirSync(path.join(ROOT, 'dist', 'vendor')).filter((f) => f.endsWith('.js')).map((f) => path.join('vendor', f))];
    assert.ok(scripts.length > 15, scripts.join(' '));
    for (const f of scripts) {
      const text = fs.readFileSync(path.join(ROOT, 'dist', f), 'latin1');
      const at = text.search(/[^\x00-\x7f]/);
      assert.equal(at, -1, `dist/${f} has a byte outside ASCII at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}`);
    }
  });
});
