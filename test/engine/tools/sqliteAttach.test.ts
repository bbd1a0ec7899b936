// SQLite statements that open a file of their own (#41 item 4): ATTACH and VACUUM INTO create files
// anywhere the process can write, so their file must be a quoted name inside the workspace, never in
// .orchestrator/; :memory: and a name inside the workspace still work. Through `orc run` with real
// SQLite (node-sqlite3-wasm), checking the files that exist afterwards.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orc } from '../../helpers/cli';

describe('hardening: SQLite ATTACH and VACUUM INTO stay in the workspace', function () {
  this.timeout(20_000);
  let root: string;
  let ws: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-attach-'));
    ws = path.join(root, 'ws');
    fs.mkdirSync(ws);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('refuses files outside the workspace, in .orchestrator/ or given by an expression; allows :memory: and a workspace file', () => {
    const outside = path.join(root, 'planted.db');
    const step = (id: string, sql: string, action = 'execute') => `  - id: ${id}\n    tool: sql\n    action: ${action}\n    on_failure: continue\n    parameters: {connection: "sqlite:app.db", sql: ${JSON.stringify(sql)}}\n`;
    fs.writeFileSync(
      path.join(ws, 'p.pipeline.yaml'),
      'id: attach\nsteps:\n' +
        step('outside', `ATTACH DATABASE '${outside}' AS x`) +
        step('climb', "attach '../climbed.db' as y") +
        step('commented', `/* hi */ ATTACH -- there\n '${outside}' AS z`) +
        step('second', `SELECT 1; ATTACH '${outside}' AS w`) +
        step('expression', "ATTACH 'inside' || '/../../made.db' AS v") +
        step('vacuum_expression', "VACUUM INTO 'inside' || '/../../made.db'") +
        step('state', "ATTACH '.orchestrator/state.db' AS s") +
        step('vacuum', `VACUUM INTO '${path.join(root, 'copy.db')}'`) +
        step('memory', "ATTACH ':memory:' AS m") +
        step('inside', "ATTACH 'side.db' AS side") +
        step('vacuum_inside', "VACUUM INTO 'backup.db'") +
        step('quoted_word', "SELECT 'ATTACH ''/tmp/x.db'' AS q' AS text", 'query'),
    );
    const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: ws });
    const doc = JSON.parse(r.stdout);
    const outcome = (id: string) => [doc.steps[id].status, doc.steps[id].error_type ?? null];
    for (const id of ['outside', 'climb', 'commented', 'second', 'expression', 'vacuum_expression', 'state', 'vacuum']) assert.deepEqual(outcome(id), ['failed', 'PermissionError'], `${id}: ${doc.steps[id].error}`);
    for (const id of ['memory', 'inside', 'vacuum_inside', 'quoted_word']) assert.deepEqual(outcome(id), ['completed', null], `${id}: ${doc.steps[id].error}`);
    assert.equal(doc.steps.outside.error, `SQLite: ATTACH's file escapes the workspace: ${outside}`);
    assert.equal(doc.steps.expression.error, 'SQLite: ATTACH takes a file name in quotes inside the workspace (a name made by an expression or a parameter cannot be checked before it runs)');
    assert.match(doc.steps.state.error, /^SQLite: ATTACH's file is inside the run's own state \(\.orchestrator\/\)/);
    assert.deepEqual(fs.readdirSync(root).sort(), ['ws']);
    assert.ok(fs.existsSync(path.join(ws, 'side.db')) && fs.existsSync(path.join(ws, 'backup.db')));
    assert.ok(!fs.existsSync(path.join(ws, '.orchestrator', 'state.db')));
  });
});
