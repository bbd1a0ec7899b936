// Where `orc` keeps Node's compile cache (engine/cli/compileCache.ts), and that a Node without one, or
// a folder that cannot be used, only means no cache (engine/api/compileCache.ts, which the language
// server's entry uses too). That the installed CLI writes and then reads
// it on Node 24 is test/e2e/vsix.test.ts's.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { compileCacheDir } from '../../../engine/cli/compileCache';
import { turnOnCompileCache } from '../../../engine/api/compileCache';

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
});
