// The `sql` tool against a real PostgreSQL (Debian's, installed on first use; a cluster of the test's
// own on 127.0.0.1, stopped by the test): typed rows, bound parameters (an injection attempt stays
// data), rollback, the statement timeout, cancel, a connection dropped mid-query (a clear error, and
// the step's retry policy applies), and the password in no record of a run.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import type { ToolContext, ToolOutcome } from '../../../engine/toolkit/runtime';
import { createSqlTool, SqlSession } from '../../../engine/tools/sql/index';
import { analyze } from '../../../engine/analyze/index';
import { runPipeline } from '../../../engine/run/runPipeline';
import { orcAsync } from '../../helpers/cli';
import { startPostgres, type PgServer } from '../../helpers/postgresServer';
import { toolContext } from '../../helpers/toolContext';

let server: PgServer;
let root: string;
let session: SqlSession;
const PW_VAR = 'ORC_TEST_PG_PASSWORD';

function sql(action: string, params: Record<string, unknown>, over: Partial<ToolContext> = {}): Promise<ToolOutcome> {
  return createSqlTool(session).run(action, { connection: 'db', ...params }, toolContext(root, over));
}

async function rejects(p: Promise<unknown>, errorType: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { errorType?: string }) => {
    assert.equal(e.errorType ?? e.name, errorType, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

/** A plain client of the test's own, to look at the server beside the tool. */
async function direct<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: server.urlWithPassword });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

const sleepers = () => direct(async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")).rows[0].n as number);

describe('sql tool (PostgreSQL)', function () {
  this.timeout(120_000);
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.stop());
  beforeEach(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-sqlpg-')));
    session = new SqlSession({ connections: { db: { url: server.url, password_env: PW_VAR } }, userConnections: {}, env: { [PW_VAR]: server.password } });
    await direct((c) => c.query('DROP TABLE IF EXISTS items; CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, qty int, big bigint, price numeric(10,2), ok boolean, meta jsonb, at timestamptz, day date, raw bytea, tags text[])'));
  });
  afterEach(async () => {
    await session.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('returns typed rows with the columns\' database types', async () => {
    await sql('execute', {
      sql: "INSERT INTO items (name, qty, big, price, ok, meta, at, day, raw, tags) VALUES (:name, :qty, 9007199254740993, 12.50, true, :meta, '2026-01-02T03:04:05Z', '2026-01-02', '\\x0102', ARRAY['a','b'])",
      params: { name: 'bolt', qty: 3, meta: { color: 'red' } },
    });
    const r = await sql('query', { sql: 'SELECT id, name, qty, big, price, ok, meta, at, day, raw, tags, count(*) OVER () AS n FROM items' });
    assert.deepEqual(r.result, {
      rows: [{ id: 1, name: 'bolt', qty: 3, big: '9007199254740993', price: '12.50', ok: true, meta: { color: 'red' }, at: '2026-01-02T03:04:05.000Z', day: '2026-01-02', raw: 'AQI=', tags: ['a', 'b'], n: 1 }],
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'name', type: 'text' },
        { name: 'qty', type: 'integer' },
        { name: 'big', type: 'bigint' },
        { name: 'price', type: 'numeric' },
        { name: 'ok', type: 'boolean' },
        { name: 'meta', type: 'jsonb' },
        { name: 'at', type: 'timestamp with time zone' },
        { name: 'day', type: 'date' },
        { name: 'raw', type: 'bytea' },
        { name: 'tags', type: 'text[]' },
        { name: 'n', type: 'bigint' },
      ],
      row_count: 1,
      truncated: false,
      file: null,
    });
  });

  it('binds an injection attempt as data, with :name, $1 and ? alike', async () => {
    const evil = "x'); DROP TABLE items; --";
    assert.deepEqual((await sql('execute', { sql: 'INSERT INTO items (name) VALUES (:n), (:n || :s)', params: { n: evil, s: '!' } })).result, { rows_affected: 2 });
    const r = await sql('query', { sql: 'SELECT name FROM items WHERE name = ? OR name = ? ORDER BY id', params: [evil, `${evil}!`] });
    assert.deepEqual((r.result as { rows: unknown[] }).rows, [{ name: evil }, { name: `${evil}!` }]);
    const numbered = await sql('query', { sql: 'SELECT name FROM items WHERE name = $2 OR name = $1 ORDER BY id', params: [evil, 'none'] });
    assert.deepEqual((numbered.result as { rows: unknown[] }).rows, [{ name: evil }]);
    assert.equal(await direct(async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'items'")).rows[0].n), 1);
  });

  it('rolls a failed transaction back whole', async () => {
    await rejects(
      sql('transaction', { statements: [{ sql: 'INSERT INTO items (name) VALUES (:n)', params: { n: 'kept?' } }], sql: 'INSERT INTO items (name, qty) VALUES ($1, $2)', batch: [['a', 1], [null, 2]] }),
      'ValueError',
      'Statement 3 of 3 failed, nothing was applied: PostgreSQL (db): null value in column "name" of relation "items" violates not-null constraint (SQLSTATE 23502)',
    );
    assert.equal(await direct(async (c) => (await c.query('SELECT count(*)::int AS n FROM items')).rows[0].n), 0);
    const ok = await sql('transaction', { sql: 'INSERT INTO items (name, qty) VALUES (:name, :qty)', batch: [{ name: 'a', qty: 1 }, { name: 'b', qty: 2 }] });
    assert.deepEqual(ok.result, { rows_affected: 2, statements: 2, results: [{ rows_affected: 1 }, { rows_affected: 1 }] });
  });

  it('keeps max_rows rows and streams the rest into a file with to_file', async () => {
    await direct((c) => c.query("INSERT INTO items (name, qty) SELECT 'n' || g, g FROM generate_series(1, 2500) g"));
    const r = await sql('query', { sql: 'SELECT qty FROM items ORDER BY qty', max_rows: 3 });
    assert.deepEqual(r.result, { rows: [{ qty: 1 }, { qty: 2 }, { qty: 3 }], columns: [{ name: 'qty', type: 'integer' }], row_count: 3, truncated: true, file: null });
    const f = await sql('query', { sql: 'SELECT qty, name FROM items ORDER BY qty', to_file: 'all.csv' });
    assert.deepEqual(f.result, { rows: [], columns: [{ name: 'qty', type: 'integer' }, { name: 'name', type: 'text' }], row_count: 2500, truncated: false, file: 'all.csv' });
    const lines = fs.readFileSync(path.join(root, 'all.csv'), 'utf8').split('\r\n');
    assert.deepEqual([lines.length, lines[0], lines[1], lines[2500], lines[2501]], [2502, 'qty,name', '1,n1', '2500,n2500', '']);
  });

  it('cancels the statement on the server when its timeout passes', async () => {
    // the statement sleeps far beyond the test's timeout: a call that waited for it could not pass
    await rejects(sql('query', { sql: 'SELECT pg_sleep(600)', timeout: 0.3 }), 'TimeoutError', 'PostgreSQL (db): the statement ran past its timeout (300 ms) and was cancelled');
    assert.equal(await sleepers(), 0, 'the statement no longer runs on the server');
    // the pooled connection is usable again, without the timeout
    assert.deepEqual((await sql('query', { sql: 'SELECT 1 AS one' })).result, { rows: [{ one: 1 }], columns: [{ name: 'one', type: 'integer' }], row_count: 1, truncated: false, file: null });
  });

  it('cancels the running statement with pg_cancel_backend when the step is cancelled', async () => {
    const ac = new AbortController();
    // the statement sleeps far beyond the test's timeout: only the cancel ends it
    const p = sql('query', { sql: 'SELECT pg_sleep(600)' }, { signal: ac.signal });
    // cancelled once it runs on the server, however long the machine takes to get there
    while ((await sleepers()) === 0) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await sleepers(), 1);
    ac.abort();
    await assert.rejects(p, (e: Error) => e.name === 'AbortError' || /cancel/i.test(e.message));
    // the cancel is sent from a second connection, so it may land a moment after the call has ended
    while ((await sleepers()) > 0) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await sleepers(), 0, 'the statement no longer runs on the server');
  });

  it("cancels every statement running under a cancelled signal, and none that ended under it or runs under another", async () => {
    const first = new AbortController();
    const other = new AbortController();
    // a statement that ends under the first signal: its connection goes back to the pool, and the next call takes it
    assert.deepEqual(((await sql('query', { sql: 'SELECT 1 AS one' }, { signal: first.signal })).result as { rows: unknown[] }).rows, [{ one: 1 }]);
    let otherEnded = false;
    const underOther = sql('query', { sql: 'SELECT pg_sleep(600)' }, { signal: other.signal }).finally(() => (otherEnded = true));
    underOther.catch(() => undefined); // looked at below
    const underFirst = [sql('query', { sql: 'SELECT pg_sleep(600)' }, { signal: first.signal }), sql('query', { sql: 'SELECT pg_sleep(600)' }, { signal: first.signal })];
    for (const p of underFirst) p.catch(() => undefined); // looked at below
    while ((await sleepers()) < 3) await new Promise((r) => setTimeout(r, 100));
    first.abort();
    for (const p of underFirst) await assert.rejects(p, (e: Error) => e.name === 'AbortError' || /cancel/i.test(e.message));
    while ((await sleepers()) > 1) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await sleepers(), 1, 'the statement under the other signal still runs');
    assert.equal(otherEnded, false);
    other.abort();
    await assert.rejects(underOther, (e: Error) => e.name === 'AbortError' || /cancel/i.test(e.message));
    while ((await sleepers()) > 0) await new Promise((r) => setTimeout(r, 100));
  });

  it('runs nothing for a step cancelled while it waited for a connection of the pool', async () => {
    const busy = new AbortController();
    const waiting = new AbortController();
    // the pool's four connections are taken: the fifth call waits for one
    const holders = [1, 2, 3, 4].map(() => sql('query', { sql: 'SELECT pg_sleep(600)' }, { signal: busy.signal }));
    for (const p of holders) p.catch(() => undefined); // looked at below
    while ((await sleepers()) < 4) await new Promise((r) => setTimeout(r, 100));
    const fifth = sql('query', { sql: 'SELECT pg_sleep(600)' }, { signal: waiting.signal });
    fifth.catch(() => undefined); // looked at below
    // cancelled once it waits in the pool's queue (the driver's pool, looked at from outside)
    const pool = ((await session.driver(session.resolve('db', toolContext(root)))) as unknown as { pool: { waitingCount: number } }).pool;
    while (pool.waitingCount === 0) await new Promise((r) => setTimeout(r, 20));
    waiting.abort();
    busy.abort();
    for (const p of holders) await assert.rejects(p, (e: Error) => e.name === 'AbortError' || /cancel/i.test(e.message));
    // the fifth gets a connection once one is free, and does not run its statement on it
    await assert.rejects(fifth, (e: Error) => e.name === 'AbortError');
    while ((await sleepers()) > 0) await new Promise((r) => setTimeout(r, 100));
  });

  it('says clearly when the connection drops mid-query, and the next call reconnects', async () => {
    const p = sql('query', { sql: 'SELECT pg_sleep(30)' });
    p.catch(() => undefined); // looked at below
    // the connection is cut once the statement runs on the server, however long the machine takes to get there
    while ((await sleepers()) === 0) await new Promise((r) => setTimeout(r, 100));
    await direct((c) => c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'"));
    await assert.rejects(p, (e: Error & { errorType?: string; retryable?: boolean }) => {
      assert.equal(e.errorType, 'DatabaseConnectionError');
      assert.equal(e.retryable, true);
      assert.match(e.message, /^PostgreSQL \(db\): the connection failed or was lost \(.+\); the statement may not have completed$/);
      return true;
    });
    assert.deepEqual(((await sql('query', { sql: 'SELECT 2 AS two' })).result as { rows: unknown[] }).rows, [{ two: 2 }]);
  });

  it('runs a pipeline: a dropped connection is retried by the step\'s policy, and the password is in no record', async () => {
    const urlVar = 'ORC_TEST_WAREHOUSE_URL';
    fs.writeFileSync(
      path.join(root, 'p.pipeline.yaml'),
      [
        'id: pg_run',
        'connections:',
        '  warehouse:',
        `    url_env: ${urlVar}`,
        'steps:',
        '  - id: slow',
        '    tool: sql',
        '    action: query',
        '    max_retries: 2',
        '    retry: {max_attempts: 2, initial_delay: 0.1}',
        '    parameters:',
        '      connection: warehouse',
        // the first attempt sleeps (until the connection is cut), the retry does not: a sequence is not rolled back
        "      sql: SELECT pg_sleep(CASE WHEN nextval('attempts') = 1 THEN 60 ELSE 0 END)::text AS slept, v AS note FROM notes WHERE id = :id",
        '      params: {id: 1}',
        // waits (up to 10 s) until the first attempt of `slow` has taken its number from the
        // sequence, then drops its connection (a wait without that bound hung a fresh clone's run:
        // left as it was). Its query shows in pg_stat_activity before it calls nextval: a cut in
        // between, on a loaded machine, left the number 1 to the retry, which slept its 60 s
        '  - id: wait',
        '    tool: sql',
        '    action: execute',
        '    parameters:',
        '      connection: warehouse',
        "      sql: DO $$ BEGIN FOR i IN 1..200 LOOP EXIT WHEN (SELECT is_called FROM attempts); PERFORM pg_sleep(0.05); END LOOP; END $$",
        '  - id: cut',
        '    tool: sql',
        '    action: query',
        '    dependencies: [wait]',
        '    parameters:',
        '      connection: warehouse',
        "      sql: SELECT count(pg_terminate_backend(pid))::int AS cut FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(CASE%' AND pid <> pg_backend_pid()",
        'outputs:',
        '  note: "{{ slow.result.rows[0].note }}"',
        '  cut: "{{ cut.result.rows[0].cut }}"',
        '',
      ].join('\n'),
    );
    // the database holds the password as data: what the step returns is redacted too
    await direct(async (c) => {
      await c.query('DROP TABLE IF EXISTS notes; CREATE TABLE notes (id int, v text); DROP SEQUENCE IF EXISTS attempts; CREATE SEQUENCE attempts');
      await c.query('INSERT INTO notes VALUES (1, $1)', [server.password]);
    });
    const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: root, env: { [urlVar]: server.urlWithPassword } });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { outputs: Record<string, unknown>; steps: Record<string, { attempts: number; status: string }> };
    assert.deepEqual(doc.outputs, { note: `[redacted: ${urlVar} password]`, cut: 1 });
    assert.deepEqual([doc.steps.slow.status, doc.steps.slow.attempts], ['completed', 2]);
    const everything = [r.stdout, r.stderr, ...walk(path.join(root, '.orchestrator')).map((f) => fs.readFileSync(f, 'utf8'))].join('\n');
    assert.ok(everything.length > 1000);
    const leaks = [['stdout', r.stdout], ['stderr', r.stderr], ...walk(path.join(root, '.orchestrator')).map((f) => [path.relative(root, f), fs.readFileSync(f, 'utf8')])].filter(([, text]) => text.includes(server.password)).map(([name]) => name);
    assert.deepEqual(leaks, [], 'the password is in no record');
    assert.match(everything, /DatabaseConnectionError/);
  });

  it('takes a password the host gives (the editor\'s secret storage) ahead of the environment, and redacts it', async () => {
    await direct(async (c) => {
      await c.query('DROP TABLE IF EXISTS notes; CREATE TABLE notes (id int, v text)');
      await c.query('INSERT INTO notes VALUES (1, $1)', [server.password]);
    });
    const text = ['id: stored', 'connections:', '  db:', `    url: ${server.url}`, '    password_env: ORC_TEST_STORED_PASSWORD', 'steps:', '  - id: q', '    tool: sql', '    action: query', '    parameters:', '      connection: db', '      sql: SELECT v FROM notes', ''].join('\n');
    assert.equal(process.env.ORC_TEST_STORED_PASSWORD, undefined);
    const doc = await runPipeline(analyze(text), { cwd: root, checkpoint: false, connectionSecrets: { ORC_TEST_STORED_PASSWORD: server.password } });
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.q));
    assert.deepEqual((doc.steps.q.result as { rows: unknown[] }).rows, [{ v: '[redacted: ORC_TEST_STORED_PASSWORD]' }]);
  });
});

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}
