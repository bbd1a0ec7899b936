// One workspace boundary for every path a pipeline or an eval names (#41 items 1, 4 (paths) and 6):
// eval datasets, `orc eval add`, file:// object stores, SQLite databases and their `to_file` resolve
// through engine/toolkit/workspacePath.ts, which follows symlinks and refuses `.orchestrator/` as a
// target. Each case is what a user would do (a `../` path, an absolute path, a link in the
// workspace that points out), run through `orc`, and checks that nothing outside was read or changed.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orc } from '../../helpers/cli';

const PIPELINE = 'id: echo\nparameters:\n  word: {type: string}\nsteps:\n  - id: say\n    tool: terminal\n    action: execute\n    parameters: {command: "echo {{ word }}"}\noutputs:\n  said: "{{ say.result.stdout }}"\n';

describe('hardening: one workspace boundary', function () {
  this.timeout(20_000);
  let root: string;
  let ws: string;
  let outside: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-confine-'));
    ws = path.join(root, 'ws');
    outside = path.join(root, 'outside');
    fs.mkdirSync(ws);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(ws, 'echo.pipeline.yaml'), PIPELINE);
    fs.writeFileSync(path.join(outside, 'secret.jsonl'), '{"id": "s", "word": "TOP-SECRET-ROW"}\n');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const evalWith = (cases: string) => fs.writeFileSync(path.join(ws, 'e.eval.yaml'), `pipeline: echo.pipeline.yaml\ncases: ${cases}\nassert:\n  - output: said\n    contains: "{{ case.word }}"\n`);
  const records = () => {
    const dir = path.join(ws, '.orchestrator');
    if (!fs.existsSync(dir)) return '';
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(path.join(d, e.name)) : out.push(fs.readFileSync(path.join(d, e.name), 'utf8'));
    };
    walk(dir);
    return out.join('\n');
  };

  for (const [name, casesOf] of [
    ['a ../ path', () => '../outside/secret.jsonl'],
    ['an absolute path', () => path.join(root, 'outside', 'secret.jsonl')],
    ['a link in the workspace', () => 'linked.jsonl'],
  ] as const) {
    it(`orc eval refuses a dataset outside the workspace through ${name}, and no row reaches a record`, () => {
      const cases = casesOf();
      fs.symlinkSync(path.join(outside, 'secret.jsonl'), path.join(ws, 'linked.jsonl'));
      evalWith(cases);
      const r = orc(['eval', 'e.eval.yaml'], { cwd: ws });
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.equal(r.stderr, `orc: ${cases}: the dataset is outside the workspace (its links followed)\n`);
      assert.ok(!records().includes('TOP-SECRET-ROW') && !r.stdout.includes('TOP-SECRET-ROW'));
    });
  }

  it('orc eval add refuses to append to a dataset linked outside the workspace; the outside file is unchanged', () => {
    fs.symlinkSync(path.join(outside, 'secret.jsonl'), path.join(ws, 'linked.jsonl'));
    evalWith('linked.jsonl');
    const run = orc(['run', 'echo.pipeline.yaml', '-i', 'word=hello', '--json'], { cwd: ws });
    assert.equal(run.code, 0, run.stderr);
    const id = JSON.parse(run.stdout).execution_id as string;
    const r = orc(['eval', 'add', 'e.eval.yaml', id], { cwd: ws });
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^orc: linked\.jsonl: the dataset is outside the workspace \(its links followed\)$/m);
    assert.equal(fs.readFileSync(path.join(outside, 'secret.jsonl'), 'utf8'), '{"id": "s", "word": "TOP-SECRET-ROW"}\n');
  });

  it('a file:// store gets, puts, lists and deletes nothing through a link out of the workspace, and puts nothing into .orchestrator/', () => {
    fs.writeFileSync(path.join(outside, 'keep.txt'), 'keep me');
    fs.symlinkSync(outside, path.join(ws, 'bucket'));
    const step = (id: string, action: string, params: string) => `  - id: ${id}\n    tool: object-storage\n    action: ${action}\n    on_failure: continue\n    parameters: ${params}\n`;
    fs.writeFileSync(
      path.join(ws, 'store.pipeline.yaml'),
      'id: store\nsteps:\n' +
        step('get', 'get', '{url: "file://bucket/keep.txt"}') +
        step('put', 'put', '{url: "file://bucket/new.txt", content: x}') +
        step('list', 'list', '{url: "file://bucket/"}') +
        step('delete', 'delete', '{url: "file://bucket/keep.txt"}') +
        step('state', 'put', '{url: "file://.orchestrator/planted.txt", content: x}'),
    );
    const r = orc(['run', 'store.pipeline.yaml', '--json'], { cwd: ws });
    const doc = JSON.parse(r.stdout);
    for (const id of ['get', 'put', 'list', 'delete']) {
      assert.equal(doc.steps[id].status, 'failed', id);
      assert.equal(doc.steps[id].error_type, 'PermissionError', id);
    }
    assert.match(doc.steps.get.error, /^The object file escapes the workspace: bucket\/keep\.txt/);
    assert.match(doc.steps.state.error, /^The object file is inside the run's own state \(\.orchestrator\/\)/);
    assert.equal(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8'), 'keep me');
    assert.deepEqual(fs.readdirSync(outside).sort(), ['keep.txt', 'secret.jsonl']);
    assert.ok(!fs.existsSync(path.join(ws, '.orchestrator', 'planted.txt')));
  });

  it('a SQLite database or its to_file through a link out of the workspace, or to_file into .orchestrator/, is refused', () => {
    fs.symlinkSync(outside, path.join(ws, 'data'));
    const step = (id: string, params: string) => `  - id: ${id}\n    tool: sql\n    action: query\n    on_failure: continue\n    parameters: ${params}\n`;
    fs.writeFileSync(
      path.join(ws, 'db.pipeline.yaml'),
      'id: db\nsteps:\n' +
        step('linked_db', '{connection: "sqlite:data/app.db", sql: "SELECT 1 AS one"}') +
        step('linked_rows', '{connection: "sqlite:local.db", sql: "SELECT 1 AS one", to_file: data/rows.csv}') +
        step('state_rows', '{connection: "sqlite:local.db", sql: "SELECT 1 AS one", to_file: .orchestrator/rows.csv}'),
    );
    const r = orc(['run', 'db.pipeline.yaml', '--json'], { cwd: ws });
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      ['linked_db', 'linked_rows', 'state_rows'].map((id) => [doc.steps[id].error_type, doc.steps[id].error]),
      [
        ['PermissionError', 'The SQLite file escapes the workspace: data/app.db'],
        ['PermissionError', 'to_file escapes the workspace: data/rows.csv'],
        ['PermissionError', "to_file is inside the run's own state (.orchestrator/), which steps may not change: .orchestrator/rows.csv"],
      ],
    );
    assert.deepEqual(fs.readdirSync(outside), ['secret.jsonl']);
  });
});
