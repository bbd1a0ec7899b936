// The commands that read many run records read only regular files of a bounded size (#41 items 8 and
// 14): a result.json that is a link to /dev/zero, or a named pipe, is counted unreadable at once
// instead of read without end, and a record with a null step is counted unreadable instead of
// failing `orc stats`, `orc stats --json` and `orc models --stats`.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRecordText, readResultRecord } from '../../../engine/run/runRecords';
import { orcAsync, orc } from '../../helpers/cli';

describe('hardening: reading run records', function () {
  this.timeout(20_000);
  let dir: string;
  const runs = () => path.join(dir, '.orchestrator', 'runs');
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-records-'));
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: p\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: echo hi}\n');
    const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A second run's folder whose result.json is made by `make`. */
  function badRecord(id: string, make: (file: string) => void): void {
    fs.mkdirSync(path.join(runs(), id));
    make(path.join(runs(), id, 'result.json'));
  }

  it('reads only regular files, within the bound', () => {
    const file = path.join(dir, 'f.json');
    fs.writeFileSync(file, '{"a":1}');
    assert.equal(readRecordText(file), '{"a":1}');
    assert.equal(readRecordText(file, 3), 'unreadable');
    assert.equal(readRecordText(path.join(dir, 'none.json')), 'missing');
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.json'));
    assert.equal(readRecordText(path.join(dir, 'zero.json')), 'unreadable');
    fs.symlinkSync(file, path.join(dir, 'link.json'));
    assert.equal(readRecordText(path.join(dir, 'link.json')), 'unreadable');
    assert.equal(readResultRecord(file), 'unreadable', 'not a result document');
  });

  it('orc stats counts a result.json linked to /dev/zero and a named pipe as unreadable, and finishes', async () => {
    badRecord('20990101-000000-aaaaaa', (f) => fs.symlinkSync('/dev/zero', f));
    badRecord('20990101-000000-bbbbbb', (f) => assert.equal(spawnSync('mkfifo', [f]).status, 0));
    const r = await orcAsync(['stats'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1 finished run of 1 pipeline \(2 unreadable records left out\)/m);
  });

  it('a record with a null step is left out of orc stats, orc stats --json and orc models --stats', async () => {
    const [id] = fs.readdirSync(runs());
    const doc = JSON.parse(fs.readFileSync(path.join(runs(), id, 'result.json'), 'utf8'));
    badRecord('20990101-000000-cccccc', (f) => fs.writeFileSync(f, JSON.stringify({ ...doc, execution_id: '20990101-000000-cccccc', steps: { a: null } })));
    const text = await orcAsync(['stats'], { cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^1 finished run of 1 pipeline \(1 unreadable record left out\)/m);
    const json = await orcAsync(['stats', '--json'], { cwd: dir });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).unreadable, 1);
    const models = await orcAsync(['models', '--stats'], { cwd: dir });
    assert.equal(models.code, 0, models.stderr);
  });
});

describe('hostile input', () => {
  // Hardening, round two (issue 24): run records that were tampered with or left half-made. A changed
  // `execution_id` in a checkpoint made resume write outside the workspace; `orc report` of a result
  // holding `[]` exited 70 (internal error); a run killed before its first write left an empty folder
  // that `orc runs` listed as "unreadable" and resume could not use.
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
});
