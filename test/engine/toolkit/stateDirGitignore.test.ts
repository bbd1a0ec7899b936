// `.orchestrator/` holds run records, eval records and caches: when a run makes it, a .gitignore in
// it ignores everything, so `git add .` commits none of it (#41 item 18); a folder that exists is left
// as its owner keeps it; the cassette beside the pipeline stays committable.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeStateDir } from '../../../engine/toolkit/stateDir';
import { orc } from '../../helpers/cli';

describe('hardening: .orchestrator/ is not committed', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-gitignore-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a run in a git repository: git add . stages the pipeline, not the run record', () => {
    const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: p\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: echo hi}\n');
    const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(fs.readFileSync(path.join(dir, '.orchestrator', '.gitignore'), 'utf8'), /^\*$/m);
    git('add', '.');
    assert.deepEqual(git('diff', '--cached', '--name-only').stdout.trim().split('\n'), ['p.pipeline.yaml']);
  });

  it('writes the .gitignore only when it makes .orchestrator/ itself', () => {
    makeStateDir(path.join(dir, '.orchestrator', 'runs', 'r1'));
    assert.ok(fs.existsSync(path.join(dir, '.orchestrator', '.gitignore')));
    const owned = path.join(dir, 'owned');
    fs.mkdirSync(path.join(owned, '.orchestrator'), { recursive: true });
    makeStateDir(path.join(owned, '.orchestrator', 'cache'));
    assert.deepEqual(fs.readdirSync(path.join(owned, '.orchestrator')), ['cache']);
    makeStateDir(path.join(dir, 'elsewhere', 'folder'));
    assert.ok(!fs.existsSync(path.join(dir, 'elsewhere', '.gitignore')));
  });
});
