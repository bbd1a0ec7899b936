// Where `orc` keeps Node's compile cache (engine/cli/compileCache.ts), and that a Node without one, or
// a folder that cannot be used, only means no cache (engine/api/compileCache.ts, which the language
// server's entry uses too); the built CLI writes it with its first command and reads it with the
// next. That the installed CLI does so on Node 24 is test/e2e/vsix.test.ts's.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileCacheDir } from '../../../engine/cli/compileCache';
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
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
