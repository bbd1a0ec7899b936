// Hardening, round two (issue 24): run records that were tampered with or left half-made. A changed
// `execution_id` in a checkpoint made resume write outside the workspace; `orc report` of a result
// holding `[]` exited 70 (internal error); a run killed before its first write left an empty folder
// that `orc runs` listed as "unreadable" and resume could not use.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orc } from '../../helpers/cli';

describe('hardening 2: run records', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-runs-')))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const failingRun = (): string => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: p\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "test -f go"}\n');
    const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    return (JSON.parse(r.stdout) as { execution_id: string }).execution_id;
  };

  it('a checkpoint whose execution_id was changed to ../../… is refused by resume; nothing is written outside', () => {
    const id = failingRun();
    const file = path.join(dir, '.orchestrator', 'runs', id, 'checkpoint.json');
    const escaped = `../../../${path.basename(dir)}-escaped`;
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { execution_id: string };
    c.execution_id = escaped;
    fs.writeFileSync(file, JSON.stringify(c));
    fs.writeFileSync(path.join(dir, 'go'), '');
    const r = orc(['resume', id], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`the checkpoint of run ${id} names another run \\("\\.\\./\\.\\./\\.\\./[^"]+-escaped"\\): it was changed by hand`));
    assert.equal(fs.existsSync(path.join(dir, '.orchestrator', 'runs', escaped)), false);
    assert.equal(fs.existsSync(`${dir}-escaped`), false);
  });

  it('orc report of a result.json holding [] says it is damaged (exit 2), not an internal error', () => {
    const id = failingRun();
    fs.writeFileSync(path.join(dir, '.orchestrator', 'runs', id, 'result.json'), '[]');
    const r = orc(['report', id], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `orc report: the result document of run ${id} (result.json) is damaged: it is not a result document\n`);
  });

  it('an empty run folder (killed before its first write) is listed as not started, and resume says there is nothing to resume', () => {
    const id = '20261123-000000-abcdef';
    fs.mkdirSync(path.join(dir, '.orchestrator', 'runs', id), { recursive: true });
    const runs = orc(['runs'], { cwd: dir });
    assert.equal(runs.code, 0, runs.stderr);
    assert.match(runs.stdout, new RegExp(`^${id}  \\?\\s+not started\\s+stopped before its first record; nothing to resume$`, 'm'));
    const r = orc(['resume', id], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`run ${id} was stopped before its first record: there is nothing to resume; start it again with 'orc run'`));
  });
});
