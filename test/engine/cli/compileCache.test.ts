// Where `orc` keeps its compiled code (engine/cli/compileCache.ts), and that a Node without a compile
// cache, or a folder that cannot be used, only means no cache (engine/api/compileCache.ts, which the
// language server's entry uses too); the built CLI writes its bundle's code cache after its first
// command, reads it with the next, adds a new command's code to it, and keeps the folder bounded.
// That the installed CLI does so on Node 24 is test/e2e/vsix.test.ts's.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commandUse, compileCacheDir } from '../../../engine/cli/compileCache';
import { turnOnCompileCache } from '../../../engine/api/compileCache';
import { CLI, ROOT } from '../../helpers/cli';

describe('cli: the compile cache', () => {
  it("is the user's own cache folder on each platform, or the folder ORCHESTRATOR_COMPILE_CACHE names", () => {
    assert.equal(compileCacheDir({}, 'linux', '/home/ada'), path.join('/home/ada', '.cache', 'orchestrator', 'compile-cache'));
    assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/ada'), path.join('/xdg', 'orchestrator', 'compile-cache'));
    assert.equal(compileCacheDir({}, 'darwin', '/Users/ada'), path.join('/Users/ada', 'Library', 'Caches', 'orchestrator', 'compile-cache'));
    assert.equal(compileCacheDir({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32', 'C:\\Users\\ada'), path.join('C:\\Users\\ada\\AppData\\Local', 'orchestrator', 'compile-cache'));
    assert.equal(compileCacheDir({}, 'win32', 'C:\\Users\\ada'), path.join('C:\\Users\\ada', 'AppData', 'Local', 'orchestrator', 'compile-cache'));
    assert.equal(compileCacheDir({ ORCHESTRATOR_COMPILE_CACHE: '/editor/storage/cache', XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/ada'), '/editor/storage/cache');
  });

  it("is kept per command: the command's name, or `other` for a flag or anything else", () => {
    assert.equal(commandUse(['run', 'p.pipeline.yaml']), 'run');
    assert.equal(commandUse(['model-stats']), 'model-stats');
    assert.equal(commandUse(['--version']), 'other');
    assert.equal(commandUse(['../p.pipeline.yaml']), 'other');
    assert.equal(commandUse([]), 'other');
  });

  it('is turned on in that folder where Node has one; without one, or when Node refuses the folder, the CLI runs on', () => {
    const asked: (string | undefined)[] = [];
    turnOnCompileCache('/the/folder', { enableCompileCache: (dir) => asked.push(dir) });
    assert.deepEqual(asked, ['/the/folder']);
    assert.doesNotThrow(() => turnOnCompileCache('/the/folder', {}));
    assert.doesNotThrow(() =>
      turnOnCompileCache('/not/writable', {
        enableCompileCache: () => {
          throw new Error('EACCES');
        },
      }),
    );
  });

  it('is how `orc` loads: its compiled code written by the first command and read by the next, none with NODE_DISABLE_COMPILE_CACHE', function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-compile-cache-'));
    try {
      const cacheDir = path.join(dir, 'cache');
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ORCHESTRATOR_COMPILE_CACHE: cacheDir };
      delete env.NODE_COMPILE_CACHE;
      delete env.NODE_DISABLE_COMPILE_CACHE;
      const run = (extra: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [CLI, 'validate', path.join(ROOT, 'examples', 'hello.pipeline.yaml')], { encoding: 'utf8', env: { ...env, ...extra }, timeout: 25_000 });
      /** Every file under the cache folder, with what tells a rewrite (its inode and time). */
      const files = () =>
        (fs.readdirSync(cacheDir, { recursive: true }) as string[])
          .filter((f) => fs.statSync(path.join(cacheDir, f)).isFile())
          .sort()
          .map((f) => {
            const st = fs.statSync(path.join(cacheDir, f));
            return `${f} ${st.ino} ${st.mtimeMs}`;
          });
      const off = run({ NODE_DISABLE_COMPILE_CACHE: '1' });
      assert.equal(off.status, 0, off.stderr);
      assert.match(off.stdout, /hello\.pipeline\.yaml: valid/);
      assert.equal(fs.existsSync(cacheDir), false);
      const first = run();
      assert.equal(first.status, 0, first.stderr);
      assert.equal(first.stdout, off.stdout);
      const written = files();
      assert.ok(written.length > 0, 'Node wrote its compile cache');
      const second = run();
      assert.equal(second.status, 0, second.stderr);
      assert.equal(second.stdout, off.stdout);
      // read, not written again
      assert.deepEqual(files(), written);

      // the bundle's own code cache, made after the command ran, says which commands made it
      const ours = () => fs.readdirSync(cacheDir).filter((f) => f.endsWith('.v8cache'));
      const header = (f: string) => fs.readFileSync(path.join(cacheDir, f)).subarray(0, 200).toString('latin1').split('\n').slice(0, 2);
      assert.equal(ours().length, 1);
      const [cache] = ours();
      assert.match(cache, /^cliMain\.js-\d+-\d+-\d+-v\d+\.\d+\.\d+-\w+\.v8cache$/);
      assert.deepEqual(header(cache), ['orc-code-cache 1', '["validate"]']);
      // another command adds its compiled code to it
      const version = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8', env, timeout: 25_000 });
      assert.equal(version.status, 0, version.stderr);
      assert.deepEqual(header(cache), ['orc-code-cache 1', '["other","validate"]']);
      assert.ok(fs.statSync(path.join(cacheDir, cache)).size > 100_000);

      // a damaged cache is not used, and is made again
      fs.writeFileSync(path.join(cacheDir, cache), 'orc-code-cache 1\n["validate"]\nnot V8 code at all');
      const damaged = run();
      assert.equal(damaged.status, 0, damaged.stderr);
      assert.equal(damaged.stdout, off.stdout);
      assert.deepEqual(header(cache), ['orc-code-cache 1', '["validate"]']);
      assert.ok(fs.statSync(path.join(cacheDir, cache)).size > 100_000);

      // other builds' caches: the newest few are kept, the rest removed when a cache is written
      for (let i = 0; i < 5; i++) {
        const old = path.join(cacheDir, `cliMain.js-${i}-1-1-v0.0.0-x64.v8cache`);
        fs.writeFileSync(old, 'old');
        fs.utimesSync(old, new Date(2026, 0, 1 + i), new Date(2026, 0, 1 + i));
      }
      fs.rmSync(path.join(cacheDir, cache));
      assert.equal(run().status, 0);
      assert.deepEqual(ours().sort(), [cache, 'cliMain.js-2-1-1-v0.0.0-x64.v8cache', 'cliMain.js-3-1-1-v0.0.0-x64.v8cache', 'cliMain.js-4-1-1-v0.0.0-x64.v8cache'].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
