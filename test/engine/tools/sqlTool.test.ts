// The `sql` tool on real SQLite files in temporary folders: exact rows, columns and result documents,
// bound parameters (an injection attempt stays data), all-or-nothing transactions, max_rows, to_file
// CSV and JSONL, the refusals (a URL with a password, a file outside the workspace, params that do
// not match the SQL), and a pipeline run by `orc` with a `connections:` section.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_TOOLS } from '../../../engine/tools/registry';
import type { ToolContext, ToolOutcome } from '../../../engine/toolkit/runtime';
import { bindParameters } from '../../../engine/tools/sql/placeholders';
import { orc } from '../../helpers/cli';
import { toolContext } from '../../helpers/toolContext';

let root: string;
const ctx = (over: Partial<ToolContext> = {}): ToolContext => toolContext(root, over);
const sql = (action: string, params: Record<string, unknown>, c = ctx()): Promise<ToolOutcome> => BUILTIN_TOOLS.sql.run(action, params, c);
const DB = 'sqlite:data/app.db';

async function rejects(p: Promise<unknown>, errorType: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { errorType?: string }) => {
    assert.equal(e.errorType ?? e.name, errorType);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

async function seed(): Promise<void> {
  await sql('transaction', {
    connection: DB,
    statements: ['CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT NOT NULL, score REAL, answer TEXT)'],
    sql: 'INSERT INTO tickets (title, score) VALUES (:title, :score)',
    batch: [
      { title: 'Login fails', score: 2.5 },
      { title: 'Export, "quoted"', score: 4 },
      { title: 'Slow search', score: null },
    ],
  });
}

describe('sql tool (SQLite)', function () {
  this.timeout(20_000);
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-sql-')));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('creates the file, runs a transaction and returns typed rows, columns and counts', async () => {
    await seed();
    assert.ok(fs.statSync(path.join(root, 'data', 'app.db')).size > 0);
    const r = await sql('query', { connection: DB, sql: 'SELECT id, title, score, answer FROM tickets WHERE score >= $1 ORDER BY id', params: [2] });
    assert.deepEqual(r, {
      success: true,
      result: {
        rows: [
          { id: 1, title: 'Login fails', score: 2.5, answer: null },
          { id: 2, title: 'Export, "quoted"', score: 4, answer: null },
        ],
        columns: [
          { name: 'id', type: 'integer' },
          { name: 'title', type: 'text' },
          { name: 'score', type: 'real' },
          { name: 'answer', type: 'null' },
        ],
        row_count: 2,
        truncated: false,
        file: null,
      },
    });
  });

  it('binds values, never splices them: an injection attempt is stored as it was written', async () => {
    await seed();
    const evil = "x'); DROP TABLE tickets; --";
    const ins = await sql('execute', { connection: DB, sql: 'INSERT INTO tickets (title) VALUES (:title)', params: { title: evil } });
    assert.deepEqual(ins.result, { rows_affected: 1 });
    const r = await sql('query', { connection: DB, sql: 'SELECT title FROM tickets WHERE title = ?', params: [evil] });
    assert.deepEqual((r.result as { rows: unknown[] }).rows, [{ title: evil }]);
    const count = await sql('query', { connection: DB, sql: 'SELECT count(*) AS n FROM tickets' });
    assert.deepEqual((count.result as { rows: unknown[] }).rows, [{ n: 4 }]);
  });

  it('rolls a failed transaction back whole and says which statement failed', async () => {
    await seed();
    await rejects(
      sql('transaction', {
        connection: DB,
        statements: [
          { sql: 'UPDATE tickets SET answer = :a WHERE id = :id', params: { a: 'done', id: 1 } },
          { sql: 'INSERT INTO tickets (title) VALUES (?)', params: [null] },
        ],
      }),
      'ValueError',
      'Statement 2 of 2 failed, nothing was applied: SQLite: NOT NULL constraint failed: tickets.title',
    );
    const r = await sql('query', { connection: DB, sql: 'SELECT answer FROM tickets WHERE id = 1' });
    assert.deepEqual((r.result as { rows: unknown[] }).rows, [{ answer: null }]);
  });

  it('keeps max_rows rows and says the result was truncated', async () => {
    await seed();
    const r = await sql('query', { connection: DB, sql: 'SELECT id FROM tickets ORDER BY id', max_rows: 2 });
    assert.deepEqual(r.result, { rows: [{ id: 1 }, { id: 2 }], columns: [{ name: 'id', type: 'integer' }], row_count: 2, truncated: true, file: null });
    const none = await sql('query', { connection: DB, sql: 'SELECT id FROM tickets WHERE id > 99' });
    assert.deepEqual(none.result, { rows: [], columns: [], row_count: 0, truncated: false, file: null });
  });

  it('streams every row into a CSV or JSONL file instead', async () => {
    await seed();
    const csv = await sql('query', { connection: DB, sql: 'SELECT id, title, score FROM tickets ORDER BY id', to_file: 'out/tickets.csv', max_rows: 1 });
    assert.deepEqual(csv.result, { rows: [], columns: [{ name: 'id', type: 'integer' }, { name: 'title', type: 'text' }, { name: 'score', type: 'real' }], row_count: 3, truncated: false, file: 'out/tickets.csv' });
    assert.equal(fs.readFileSync(path.join(root, 'out', 'tickets.csv'), 'utf8'), 'id,title,score\r\n1,Login fails,2.5\r\n2,"Export, ""quoted""",4\r\n3,Slow search,\r\n');
    await sql('query', { connection: DB, sql: 'SELECT id, score FROM tickets ORDER BY id', to_file: 'out/tickets.jsonl' });
    assert.equal(fs.readFileSync(path.join(root, 'out', 'tickets.jsonl'), 'utf8'), '{"id":1,"score":2.5}\n{"id":2,"score":4}\n{"id":3,"score":null}\n');
    await rejects(sql('query', { connection: DB, sql: 'SELECT nope FROM tickets', to_file: 'out/bad.csv' }), 'ValueError', 'SQLite: no such column: nope');
    assert.deepEqual(fs.readdirSync(path.join(root, 'out')).sort(), ['tickets.csv', 'tickets.jsonl'], 'a failed query leaves no file behind');
    await rejects(sql('query', { connection: DB, sql: 'SELECT 1', to_file: 'out/x.parquet' }), 'ValueError', 'to_file must end in .csv or .jsonl (got out/x.parquet)');
  });

  it('refuses what would leak or escape: a URL with a password, a file outside the workspace, an unknown name', async () => {
    await rejects(sql('query', { connection: 'postgres://app:hunter2secret@127.0.0.1/db', sql: 'SELECT 1' }), 'ValueError', 'The connection URL holds a password: declare it under connections: with password_env (or url_env) naming the environment variable that holds it');
    await rejects(sql('query', { connection: 'sqlite:../elsewhere.db', sql: 'SELECT 1' }), 'PermissionError', 'The SQLite file escapes the workspace: ../elsewhere.db');
    await rejects(sql('query', { connection: 'sqlite:x.db', sql: 'SELECT 1', to_file: '../rows.csv' }), 'PermissionError', 'to_file escapes the workspace: ../rows.csv');
    await rejects(sql('query', { connection: 'warehouse', sql: 'SELECT 1' }, ctx()), 'ValueError', /^Unknown connection 'warehouse': name one of connections: \(/);
  });

  it('checks params against the SQL: missing, unused, or of the wrong form', async () => {
    await rejects(sql('query', { connection: DB, sql: 'SELECT :a AS a', params: { b: 1 } }), 'ValueError', 'The SQL uses :a, which params does not give (it has: b)');
    await rejects(sql('query', { connection: DB, sql: 'SELECT :a AS a', params: { a: 1, b: 2 } }), 'ValueError', "params gives 'b', which the SQL does not use (placeholders are written :name)");
    await rejects(sql('query', { connection: DB, sql: 'SELECT $2 AS a', params: [1] }), 'ValueError', 'The SQL refers to parameter 2, and params has 1 value');
    await rejects(sql('query', { connection: DB, sql: 'SELECT :a AS a', params: [1] }), 'ValueError', 'The SQL has the named placeholder :a: give params as a mapping');
    const r = await sql('query', { connection: DB, sql: "SELECT ':not' || ? AS a, $2 AS b -- :nor ?\n", params: ['x', { k: [1] }] });
    assert.deepEqual((r.result as { rows: unknown[] }).rows, [{ a: ':notx', b: '{"k":[1]}' }]);
  });

  it('rewrites placeholders outside literals, comments, casts and dollar quotes', () => {
    assert.deepEqual(bindParameters("SELECT :a::text, ':b', $$ :c $$, \"x:y\" /* :d */ WHERE v = :a OR w = :e", { a: 1, e: 2 }, 'postgres'), {
      text: "SELECT $1::text, ':b', $$ :c $$, \"x:y\" /* :d */ WHERE v = $1 OR w = $2",
      values: [1, 2],
    });
    assert.deepEqual(bindParameters('SELECT ? , ?', ['a', 'b'], 'postgres'), { text: 'SELECT $1 , $2', values: ['a', 'b'] });
    assert.deepEqual(bindParameters('SELECT $2, $1', ['a', 'b'], 'sqlite'), { text: 'SELECT ?2, ?1', values: ['a', 'b'] });
  });

  it('runs a pipeline whose connections: name the database, and closes it at the end', () => {
    fs.writeFileSync(
      path.join(root, 'p.pipeline.yaml'),
      [
        'id: sql_run',
        'connections:',
        '  app:',
        '    url: sqlite:data/app.db',
        'steps:',
        '  - id: setup',
        '    tool: sql',
        '    action: transaction',
        '    parameters:',
        '      connection: app',
        '      statements:',
        '        - CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)',
        "        - INSERT INTO t (name) VALUES ('ada'), ('grace')",
        '  - id: rows',
        '    tool: sql',
        '    action: query',
        '    dependencies: [setup]',
        '    parameters:',
        '      connection: app',
        '      sql: SELECT name FROM t ORDER BY id',
        'outputs:',
        '  first: "{{ rows.result.rows[0].name }}"',
        '  count: "{{ rows.result.row_count }}"',
        '',
      ].join('\n'),
    );
    const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { outputs: unknown; steps: Record<string, { result: unknown }> };
    assert.deepEqual(doc.outputs, { first: 'ada', count: 2 });
    assert.deepEqual(doc.steps.setup.result, { rows_affected: 2, statements: 2, results: [{ rows_affected: 0 }, { rows_affected: 2 }] });
    assert.deepEqual(fs.readdirSync(path.join(root, 'data')), ['app.db'], 'no lock is left behind');
  });

  it("gives a nested pipeline its own connections when it declares some, else the run's", () => {
    fs.writeFileSync(path.join(root, 'child.pipeline.yaml'), ['id: child', 'connections:', '  mine: {url: "sqlite:child.db"}', 'steps:', '  - id: q', '    tool: sql', '    action: query', '    parameters: {connection: mine, sql: "SELECT 7 AS n"}', 'outputs:', '  n: "{{ q.result.rows[0].n }}"', ''].join('\n'));
    fs.writeFileSync(path.join(root, 'plain.pipeline.yaml'), ['id: plain', 'steps:', '  - id: q', '    tool: sql', '    action: query', '    parameters: {connection: app, sql: "SELECT 8 AS n"}', 'outputs:', '  n: "{{ q.result.rows[0].n }}"', ''].join('\n'));
    fs.writeFileSync(
      path.join(root, 'p.pipeline.yaml'),
      ['id: parent', 'connections:', '  app: {url: "sqlite:parent.db"}', 'steps:', '  - id: own', '    tool: pipeline', '    action: run', '    parameters: {pipeline: child.pipeline.yaml}', '  - id: shared', '    tool: pipeline', '    action: run', '    parameters: {pipeline: plain.pipeline.yaml}', 'outputs:', '  own: "{{ own.result.outputs.n }}"', '  shared: "{{ shared.result.outputs.n }}"', ''].join('\n'),
    );
    const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { outputs: unknown }).outputs, { own: 7, shared: 8 });
    assert.deepEqual(fs.readdirSync(root).filter((f) => f.endsWith('.db')).sort(), ['child.db', 'parent.db']);
  });
});
