// `npm run bench sql`: the `sql` tool against the `pg` client used directly from a script, on the
// same PostgreSQL (Debian's, a cluster of the bench's own on 127.0.0.1, as the tests start it), and
// against node-sqlite3-wasm used directly on the same SQLite file.
// (a) 1,000 single-row queries by primary key, one after another (ours: the tool's query action with
// a bound parameter, through the run's pool; peer: pool.query with the same text and value);
// (b) one 100,000-row query: ours with max_rows 100,000, and with the default 10,000 (memory bounded
// by max_rows), and to_file into a CSV; peer: client.query holding every row. `--quick`: 200 queries.
// `--smoke`: 20 queries on a 12,000-row table, every part run (PostgreSQL's parts skipped, with a line
// saying so, when Debian's PostgreSQL is not installed: the smoke run installs nothing).
// Ours is built as dist/cliMain.js is (bench/shippedBuild.ts), so the figures are the shipped code's.
// The goal lines come last.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Database } from 'node-sqlite3-wasm';
import pg from 'pg';
import type { ToolContext } from '../engine/toolkit/runtime';
import { loadShipped, type Shipped } from './shippedBuild';
import { startPostgres, type PgServer } from '../test/helpers/postgresServer';
import { toolContext } from '../test/helpers/toolContext';
import { goal, median, table } from './stats';

const QUICK = process.argv.includes('--quick');
const SMOKE = process.argv.includes('--smoke');
// at smoke size still over the tool's default max_rows (10,000), so the bounded query truncates
const ROWS = SMOKE ? 12_000 : 100_000;
/** Queries run on each side before measuring (JIT, the pools' connections, the server's plan cache). */
const WARM = SMOKE ? 20 : 300;

/** Ours as shipped (bench/shippedEngine.ts), loaded by `main` before anything is measured. */
let sql: Shipped;

// a full collection before each heap reading, so the figure is what the result holds
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1048576;
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await work();
  return [performance.now() - t, r];
}

/** Debian's PostgreSQL is installed (what startPostgres would otherwise install with apt-get). */
function postgresInstalled(): boolean {
  const lib = '/usr/lib/postgresql';
  return fs.existsSync(lib) && fs.readdirSync(lib).some((v) => fs.existsSync(path.join(lib, v, 'bin', 'initdb')));
}

/** (a) and (b), against PostgreSQL; the goal lines they judge go to `goals`. */
async function postgres(server: PgServer, ctx: ToolContext, dir: string, n: number, goals: string[]): Promise<void> {
  const peer = new pg.Pool({ connectionString: server.urlWithPassword, max: 4 });
  await peer.query(`CREATE TABLE t (id int PRIMARY KEY, name text, score double precision); INSERT INTO t SELECT g, 'name ' || g, g / 7.0 FROM generate_series(1, ${ROWS}) g`);
  const session = new sql.SqlSession({ connections: { db: { url: server.url, password_env: 'BENCH_PG_PASSWORD' } }, userConnections: {}, env: { BENCH_PG_PASSWORD: server.password } });
  const tool = sql.createSqlTool(session);
  const ours = (params: Record<string, unknown>) => tool.run('query', { connection: 'db', ...params }, ctx);

  // (a) single-row queries; warm both up (JIT, the pools' connections, the server's plan cache) before measuring
  const one = (i: number) => ours({ sql: 'SELECT id, name, score FROM t WHERE id = $1', params: [i] });
  const bare = (i: number) => peer.query({ text: 'SELECT id, name, score FROM t WHERE id = $1', values: [i] });
  for (let i = 1; i <= WARM; i++) await one(i);
  for (let i = 1; i <= WARM; i++) await bare(i);
  // query by query, alternating which goes first, so drift in the machine's load hits both alike
  const oursTimes: number[] = [];
  const peerTimes: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = 1 + ((i * 97) % ROWS);
    const pair: [number[], (i: number) => Promise<unknown>][] = i % 2 ? [[peerTimes, bare], [oursTimes, one]] : [[oursTimes, one], [peerTimes, bare]];
    for (const [into, f] of pair) into.push((await timed(() => f(id)))[0]);
  }
  const oa = oursTimes.reduce((x, y) => x + y, 0);
  const pa = peerTimes.reduce((x, y) => x + y, 0);
  console.log(`(a) ${n} single-row queries by primary key, one at a time, interleaved with bare pg query by query (Debian's PostgreSQL on 127.0.0.1, started by the bench)`);
  table(['', 'ours (ms)', 'pg (ms)', 'ratio', 'median per query ours / pg (µs)'], [[`${n} queries`, oa.toFixed(0), pa.toFixed(0), (oa / pa).toFixed(3), `${(median(oursTimes) * 1000).toFixed(0)} / ${(median(peerTimes) * 1000).toFixed(0)}`]]);
  goals.push(goal(`${n.toLocaleString('en')} single-row SQL queries over bare pg, interleaved (Debian PostgreSQL)`, `${(oa / pa).toFixed(3)}x (${oa.toFixed(0)} ms against ${pa.toFixed(0)} ms)`, '≤ 1.2x bare pg', oa / pa <= 1.2));

  // (b) one query of every row
  const base = heapMb();
  const [pt, peerRows] = await timed(() => peer.query('SELECT id, name, score FROM t ORDER BY id'));
  const peerHeap = heapMb() - base;
  const keepPeer = peerRows.rows.length;
  peerRows.rows.length = 0;
  const base2 = heapMb();
  const [ot, all] = await timed(() => ours({ sql: 'SELECT id, name, score FROM t ORDER BY id', max_rows: ROWS }));
  const oursHeap = heapMb() - base2;
  const keepOurs = (all.result as { row_count: number }).row_count;
  (all.result as { rows: unknown[] }).rows.length = 0;
  const base3 = heapMb();
  const [bt, bounded] = await timed(() => ours({ sql: 'SELECT id, name, score FROM t ORDER BY id' }));
  const boundedHeap = heapMb() - base3;
  const b = bounded.result as { row_count: number; truncated: boolean };
  const [ft, filed] = await timed(() => ours({ sql: 'SELECT id, name, score FROM t ORDER BY id', to_file: 'rows.csv' }));
  const fileMb = fs.statSync(path.join(dir, 'rows.csv')).size / 1048576;
  console.log(`(b) one ${ROWS.toLocaleString('en')}-row query (heap held by the result, after a full GC)`);
  table(
    ['', 'time (ms)', 'rows kept', 'heap (MB)', 'vs pg time'],
    [
      ['pg client.query', pt.toFixed(0), String(keepPeer), peerHeap.toFixed(1), '1.000'],
      [`ours, max_rows ${ROWS.toLocaleString('en')}`, ot.toFixed(0), String(keepOurs), oursHeap.toFixed(1), (ot / pt).toFixed(3)],
      [`ours, default max_rows (truncated: ${b.truncated})`, bt.toFixed(0), String(b.row_count), boundedHeap.toFixed(1), (bt / pt).toFixed(3)],
      [`ours, to_file CSV (${fileMb.toFixed(1)} MB)`, ft.toFixed(0), `${(filed.result as { row_count: number }).row_count} in the file`, '-', (ft / pt).toFixed(3)],
    ],
  );
  goals.push(goal(`${ROWS.toLocaleString('en')}-row query over bare pg`, `${(ot / pt).toFixed(3)}x`, '≤ 1.2x bare pg', ot / pt <= 1.2));
  await session.close();
  await peer.end();
}

async function main(): Promise<void> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-sqlbench-')));
  const ctx: ToolContext = toolContext(dir);
  sql = await loadShipped();
  const n = SMOKE ? 20 : QUICK ? 200 : 1000;
  const goals: string[] = [];
  let server: PgServer | null = null;
  try {
    if (SMOKE && !postgresInstalled()) {
      console.log("(a), (b) skipped: Debian's PostgreSQL is not installed (a smoke run installs nothing; npm run bench sql installs it)");
      goals.push(goal(`${n} single-row SQL queries over bare pg, interleaved (Debian PostgreSQL)`, 'skipped (PostgreSQL not installed)', '≤ 1.2x bare pg', null));
    } else {
      server = await startPostgres();
      await postgres(server, ctx, dir, n, goals);
    }

    // (c) SQLite: the tool against node-sqlite3-wasm used directly, same file
    const file = path.join(dir, 'bench.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)');
    db.exec('BEGIN');
    const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
    for (let i = 1; i <= ROWS; i++) ins.run([i, `name ${i}`, i / 7]);
    ins.finalize();
    db.exec('COMMIT');
    const lite = new sql.SqlSession({ connections: {}, userConnections: {} });
    const liteTool = sql.createSqlTool(lite);
    const liteOne = (id: number) => liteTool.run('query', { connection: 'sqlite:bench.db', sql: 'SELECT id, name, score FROM t WHERE id = ?', params: [id] }, ctx);
    const liteBare = async (id: number) => db.all('SELECT id, name, score FROM t WHERE id = ?', [id]);
    for (let i = 1; i <= WARM; i++) await liteOne(i);
    for (let i = 1; i <= WARM; i++) await liteBare(i);
    let lo = 0;
    let ld = 0;
    for (let i = 0; i < n; i++) {
      const id = 1 + ((i * 97) % ROWS);
      if (i % 2) {
        ld += (await timed(() => liteBare(id)))[0];
        lo += (await timed(() => liteOne(id)))[0];
      } else {
        lo += (await timed(() => liteOne(id)))[0];
        ld += (await timed(() => liteBare(id)))[0];
      }
    }
    const [lbo] = await timed(() => liteTool.run('query', { connection: 'sqlite:bench.db', sql: 'SELECT id, name, score FROM t ORDER BY id', max_rows: ROWS }, ctx));
    const [lbd] = await timed(async () => db.all('SELECT id, name, score FROM t ORDER BY id'));
    db.close();
    await lite.close();
    console.log('(c) SQLite (node-sqlite3-wasm), the same file');
    table(['', 'ours (ms)', 'node-sqlite3-wasm (ms)', 'ratio'], [[`${n} single-row queries`, lo.toFixed(0), ld.toFixed(0), (lo / ld).toFixed(3)], [`one ${ROWS.toLocaleString('en')}-row query`, lbo.toFixed(0), lbd.toFixed(0), (lbo / lbd).toFixed(3)]]);
    console.log(`\ngoals (load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
    for (const g of goals) console.log(g);
  } finally {
    server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
