// An endless SQLite statement stops when told (#41 item 5): node-sqlite3-wasm runs SQLite on the
// thread that calls it, so a statement that never returns a row held the event loop, and the tool's
// timeout, the step's timeout, Cancel, SIGTERM and SIGINT all waited for it (only SIGKILL ended it).
// Each is tried on `WITH RECURSIVE ... SELECT count(*)`, which never ends, and afterwards the database
// is checked as a user would: the committed table is there, the interrupted transaction is rolled
// back, and no lock or journal is left beside the file.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { runPipeline } from '../../../engine/run/runPipeline';
import { LOCK_OWNER } from '../../../engine/tools/sql/sqliteProtocol';
import { BUILTIN_TOOLS } from '../../../engine/tools/registry';
import type { ToolContext, ToolOutcome } from '../../../engine/toolkit/runtime';
import { CLI } from '../../helpers/cli';
import { toolContext } from '../../helpers/toolContext';

const ENDLESS = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';
const DB = 'sqlite:app.db';
let root: string;
const sql = (action: string, params: Record<string, unknown>, over: Partial<ToolContext> = {}): Promise<ToolOutcome> => BUILTIN_TOOLS.sql.run(action, params, toolContext(root, over));

async function rejects(p: Promise<unknown>, errorType: string, message: string): Promise<void> {
  await assert.rejects(p, (e: Error & { errorType?: string }) => {
    assert.equal(e.errorType ?? e.name, errorType);
    assert.equal(e.message, message);
    return true;
  });
}

/** A committed table, then a transaction that changes it, writes more than SQLite's page cache holds (so the file itself is changed) and never ends. */
const SETUP = ['CREATE TABLE kept (v TEXT)', "INSERT INTO kept VALUES ('original')"];
const HALF_DONE = [
  "UPDATE kept SET v = 'changed'",
  'CREATE TABLE half (b BLOB)',
  'INSERT INTO half SELECT randomblob(1000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 5000) SELECT i FROM n)',
  `INSERT INTO half SELECT count(*) FROM (${ENDLESS})`,
];

/** What a later reader sees: the committed table as it was, no trace of the interrupted transaction, nothing left beside the file. */
async function assertConsistent(): Promise<void> {
  const r = (await sql('query', { connection: DB, sql: "SELECT (SELECT group_concat(v) FROM kept) AS kept, (SELECT count(*) FROM sqlite_master WHERE name = 'half') AS half" })) as { result: { rows: unknown[] } };
  assert.deepEqual(r.result.rows, [{ kept: 'original', half: 0 }]);
  const check = (await sql('query', { connection: DB, sql: 'PRAGMA integrity_check' })) as { result: { rows: unknown[] } };
  assert.deepEqual(check.result.rows, [{ integrity_check: 'ok' }]);
  assert.deepEqual(fs.readdirSync(root).filter((f) => f.startsWith('app.db')), ['app.db'], 'no lock or journal is left');
}

/**
 * The committed table, made here, then a pipeline whose one step is the endless transaction: the
 * journal the tests wait for before their signal is that transaction's only. (With the setup as a
 * step of the run, a busy machine kept the setup's own journal long enough for the signal to stop
 * the setup, and the table was never made.)
 */
async function writeEndlessRun(): Promise<void> {
  await sql('transaction', { connection: DB, statements: SETUP });
  fs.writeFileSync(
    path.join(root, 'p.pipeline.yaml'),
    ['id: endless', 'steps:', '  - id: endless', '    tool: sql', '    action: transaction', `    parameters: {connection: "${DB}", statements: ${JSON.stringify(HALF_DONE)}}`, ''].join('\n'),
  );
}

describe('hardening: an endless SQLite statement stops when told', function () {
  // an endless statement's timeout, a database's recovery and 100,000 rows streamed twice: 8-11 s
  // with both cores kept busy by another process, 12-22 s at a load of 16 (each call starts a thread
  // that loads SQLite): the bound keeps them within half of it
  this.timeout(60_000);
  beforeEach(() => (root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-sqlint-')))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("the tool's timeout ends an endless query, execute and transaction (each statement of it), and the connection works after", async () => {
    // an endless statement never ends by itself: ending with the timeout's error is the proof
    await rejects(sql('query', { connection: DB, sql: ENDLESS, timeout: 1 }), 'TimeoutError', 'SQLite: the query ran past its timeout (1000 ms)');
    await rejects(sql('execute', { connection: DB, sql: `CREATE TABLE t AS ${ENDLESS}`, timeout: 0.5 }), 'TimeoutError', 'SQLite: the statement ran past its timeout (500 ms)');
    await sql('transaction', { connection: DB, statements: SETUP });
    // each statement's own timeout: 3 s, so that the third's 5 MB of writes ends within it on a busy
    // machine (with 1 s, both cores kept busy by another process, the third ran past it)
    await rejects(sql('transaction', { connection: DB, statements: HALF_DONE, timeout: 3 }), 'TimeoutError', 'SQLite: statement 4 of 4 ran past its timeout (3000 ms), nothing was applied');
    await assertConsistent();
  });

  it('Cancel ends an endless statement at once, and rows still stream when nothing stops them', async () => {
    await sql('transaction', { connection: DB, statements: SETUP });
    const ctl = new AbortController();
    // as a run cancels its steps (Cancel in the editor, Ctrl-C)
    const cancelled = Object.assign(new Error('The run was cancelled'), { name: 'CancelledError' });
    setTimeout(() => ctl.abort(cancelled), 300);
    await rejects(sql('transaction', { connection: DB, statements: HALF_DONE }, { signal: ctl.signal }), 'CancelledError', 'The run was cancelled');
    await assertConsistent();
    // many rows cross from SQLite in batches, into a bounded result and into a file
    const many = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 100000) SELECT x, 'row ' || x AS label FROM c`;
    const kept = (await sql('query', { connection: DB, sql: many, max_rows: 3 })) as { result: unknown };
    assert.deepEqual(kept.result, { rows: [{ x: 1, label: 'row 1' }, { x: 2, label: 'row 2' }, { x: 3, label: 'row 3' }], columns: [{ name: 'x', type: 'integer' }, { name: 'label', type: 'text' }], row_count: 3, truncated: true, file: null });
    const file = (await sql('query', { connection: DB, sql: many, to_file: 'all.jsonl' })) as { result: { row_count: number } };
    assert.equal(file.result.row_count, 100_000);
    const lines = fs.readFileSync(path.join(root, 'all.jsonl'), 'utf8').split('\n');
    assert.equal(lines[99_999], '{"x":100000,"label":"row 100000"}');
  });

  it("a step's timeout ends it in a run; the run's next step finds the database consistent", async () => {
    const yaml = [
      'id: endless',
      'steps:',
      '  - id: setup',
      '    tool: sql',
      '    action: transaction',
      `    parameters: {connection: "${DB}", statements: ${JSON.stringify(SETUP)}}`,
      '  - id: endless',
      '    tool: sql',
      '    action: transaction',
      '    dependencies: [setup]',
      '    timeout: 1',
      '    on_failure: continue',
      `    parameters: {connection: "${DB}", statements: ${JSON.stringify(HALF_DONE)}}`,
      '  - id: after',
      '    tool: sql',
      '    action: query',
      '    dependencies: [endless]',
      `    parameters: {connection: "${DB}", sql: "SELECT v FROM kept"}`,
      '',
    ].join('\n');
    const doc = await runPipeline(analyze(yaml), { cwd: root, checkpoint: false });
    assert.equal(doc.steps.endless.status, 'failed');
    assert.equal(doc.steps.endless.error_type, 'TimeoutError');
    assert.equal(doc.steps.endless.error, "Step 'endless' timed out after 1 s (attempt 1 of 1)");
    assert.deepEqual((doc.steps.after.result as { rows: unknown }).rows, [{ v: 'original' }]);
    await assertConsistent();
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`orc run: ${sig} ends an endless statement, exit 130, the database consistent afterwards`, async () => {
      await writeEndlessRun();
      const r = await new Promise<{ code: number | null; signal: string | null; stderr: string; signalled: boolean }>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml'], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c) => (stderr += c));
        let sent = false;
        // the signal goes once the endless transaction has started writing (its journal exists), and a moment more
        let seen = 0;
        const poll = setInterval(() => {
          if (!sent && fs.existsSync(path.join(root, 'app.db-journal')) && ++seen > 10) {
            sent = true;
            child.kill(sig);
          }
        }, 20);
        const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearInterval(poll);
          clearTimeout(guard);
          resolve({ code, signal, stderr, signalled: sent });
        });
      });
      assert.ok(r.signalled, `the transaction never started: ${r.stderr}`);
      // the endless transaction never ends by itself: exiting before the guard's SIGKILL is the proof
      assert.equal(r.signal, null, `killed by ${r.signal} (the guard): ${r.stderr}`);
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, sig === 'SIGINT' ? /Interrupted: cancelling the running steps/ : /Received SIGTERM: cancelling the running steps/);
      await assertConsistent();
    });
  }

  it('a database whose last user was killed with SIGKILL mid-transaction opens again: its lock is taken back and the transaction rolled back', async function () {
    this.timeout(60_000);
    await writeEndlessRun();
    const child = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml'], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: 'ignore' });
    const killed = await new Promise<boolean>((resolve) => {
      let seen = 0;
      const poll = setInterval(() => {
        if (fs.existsSync(path.join(root, 'app.db-journal')) && ++seen > 10) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 20);
      child.on('close', (_code, signal) => {
        clearInterval(poll);
        resolve(signal === 'SIGKILL');
      });
    });
    assert.ok(killed, 'the run was killed in the middle of its transaction');
    // what the killed process left: its lock, naming it, and the journal of its transaction
    assert.equal(fs.readFileSync(path.join(root, 'app.db.lock', LOCK_OWNER), 'utf8'), String(child.pid));
    assert.ok(fs.existsSync(path.join(root, 'app.db-journal')));
    await assertConsistent();
  });

  for (const [what, bytes] of [
    ['empty (made, nothing written yet)', Buffer.alloc(0)],
    ['with a header of zeros (not synced yet)', Buffer.alloc(512)],
    ['with three bytes of a header of zeros', Buffer.alloc(3)],
  ] as const) {
    it(`a journal a killed process left ${what} is removed when the database next opens; the data is as committed`, async () => {
      await sql('transaction', { connection: DB, statements: SETUP });
      fs.writeFileSync(path.join(root, 'app.db-journal'), bytes);
      await assertConsistent();
    });
  }

  it('a lock held by a live process is not taken: the query says the database is busy, and the lock stays; the wait sleeps rather than keeping a core busy', async function () {
    this.timeout(60_000);
    await sql('transaction', { connection: DB, statements: SETUP });
    /** CPU seconds of this process (every thread: the database's too) while `p` runs. */
    const cpuOf = async (p: () => Promise<unknown>): Promise<number> => {
      const c0 = process.cpuUsage();
      await p().catch(() => undefined);
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / 1e6;
    };
    // the same query on the free database: a thread started, the file opened, a row read
    const free = await cpuOf(() => sql('query', { connection: DB, sql: 'SELECT v FROM kept' }));
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      fs.mkdirSync(path.join(root, 'app.db.lock'));
      fs.writeFileSync(path.join(root, 'app.db.lock', LOCK_OWNER), String(holder.pid));
      let busy: unknown;
      const waited = await cpuOf(() => sql('query', { connection: DB, sql: 'SELECT v FROM kept' }).catch((e: unknown) => (busy = e)));
      assert.equal((busy as { errorType?: string } | undefined)?.errorType, 'DatabaseBusy', String(busy));
      // the 5 s wait for the lock asleep: SQLite's own busy wait read the clock in a loop (2.5-5 CPU-s more, as the machine let it)
      assert.ok(waited - free < 1, `the wait used ${waited.toFixed(2)} CPU-s against ${free.toFixed(2)} for the query on the free database`);
      // Cancel ends the wait, as it ends a statement (the 5 s would end it DatabaseBusy)
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(Object.assign(new Error('The run was cancelled'), { name: 'CancelledError' })), 1000);
      await rejects(sql('query', { connection: DB, sql: 'SELECT v FROM kept' }, { signal: ctl.signal }), 'CancelledError', 'The run was cancelled');
      assert.equal(fs.readFileSync(path.join(root, 'app.db.lock', LOCK_OWNER), 'utf8'), String(holder.pid));
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('Cancel during the wait for a lock without an owner (another program, or a connection before it names itself) leaves that lock as it was', async function () {
    this.timeout(60_000);
    await sql('transaction', { connection: DB, statements: SETUP });
    const lock = path.join(root, 'app.db.lock');
    fs.mkdirSync(lock);
    try {
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(Object.assign(new Error('The run was cancelled'), { name: 'CancelledError' })), 1000);
      await rejects(sql('query', { connection: DB, sql: 'SELECT v FROM kept' }, { signal: ctl.signal }), 'CancelledError', 'The run was cancelled');
      // the stopped thread's clean-up removes only a lock it was making, not one it was waiting for
      assert.deepEqual(fs.readdirSync(lock), [], 'the lock folder is there, as its holder left it');
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  });
});
