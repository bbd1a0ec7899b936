// An id read back from a record or given on the command line names one folder under
// .orchestrator/ and nothing else (#41 item 2): a tampered eval.json whose eval_id climbs out, or a
// `--resume ..`, is refused with a clear error, and nothing is written outside.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint, recordId, runDir } from '../../../engine/run/checkpointStore';
import { orc } from '../../helpers/cli';

const PIPELINE = 'id: echo\nparameters:\n  word: {type: string}\nsteps:\n  - id: say\n    tool: terminal\n    action: execute\n    parameters: {command: "echo {{ word }}"}\noutputs:\n  said: "{{ say.result.stdout }}"\n';
const EVAL = 'pipeline: echo.pipeline.yaml\ncases:\n  - {id: a, word: alpha}\n  - {id: b, word: beta}\nassert:\n  - output: said\n    contains: "{{ case.word }}"\n';

describe('hardening: record ids are one path component', function () {
  this.timeout(20_000);
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-ids-'));
    dir = path.join(root, 'ws');
    fs.mkdirSync(dir);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('refuses ids that are not one folder name', () => {
    for (const bad of ['..', '.', '../x', 'a/b', '', '.hidden', 'a\\b', '/abs']) {
      assert.throws(() => recordId(bad, 'run'), /is not a run id: an id is one folder name/, bad);
      assert.throws(() => runDir(dir, bad), /is not a run id/, bad);
    }
    assert.equal(recordId('20261124-101500-a1b2c3', 'eval'), '20261124-101500-a1b2c3');
    assert.throws(() => loadCheckpoint(dir, '..'), /^Error: "\.\." is not a run id/);
  });

  it("orc eval --resume of an eval whose record was tampered to climb out writes nothing outside .orchestrator/", () => {
    fs.writeFileSync(path.join(dir, 'echo.pipeline.yaml'), PIPELINE);
    fs.writeFileSync(path.join(dir, 'echo.eval.yaml'), EVAL);
    const first = orc(['eval', 'echo.eval.yaml', '--json'], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    const evals = path.join(dir, '.orchestrator', 'evals');
    const [id] = fs.readdirSync(evals);
    const metaFile = path.join(evals, id, 'eval.json');
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    meta.eval_id = '../../../escaped';
    meta.summary = null;
    fs.writeFileSync(metaFile, JSON.stringify(meta));
    fs.rmSync(path.join(evals, id, 'results.jsonl'));
    const r = orc(['eval', 'echo.eval.yaml', `--resume=${id}`], { cwd: dir });
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /"\.\.\/\.\.\/\.\.\/escaped" is not an eval id: an id is one folder name/);
    assert.ok(!fs.existsSync(path.join(root, 'escaped')) && !fs.existsSync(path.join(dir, 'escaped')), 'nothing was written outside');
    const climbing = orc(['eval', 'echo.eval.yaml', '--resume=..'], { cwd: dir });
    assert.equal(climbing.code, 2, climbing.stderr);
    assert.match(climbing.stderr, /"\.\." is not an eval id/);
  });
});
