// What the editor asks of a served endpoint (client/servedApi.ts): its runs as the Runs view lists them,
// with the token in the Authorization header only, a refused token said plainly, and the address typed.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeServedRun, normalizeEndpoint, ServedClient, ServedError, servedRunsOf } from '../../client/servedApi';

const RUNS = [
  { run_id: 'r-old', pipeline_id: 'digest', status: 'completed', started_at: '2026-11-26T07:00:00.000Z', ended_at: '2026-11-26T07:00:12.500Z', trigger: { kind: 'cron', name: '0 7 * * 1-5' } },
  { run_id: 'r-new', pipeline_id: 'slow', status: 'running', started_at: '2026-11-26T09:30:00.000Z', ended_at: null },
  { run_id: 'r-mid', pipeline_id: 'deploy', status: 'failed', started_at: '2026-11-26T08:00:00.000Z', ended_at: '2026-11-26T08:00:01.000Z', trigger: { kind: 'webhook', name: 'github-push' } },
];

describe('served endpoints: the runs listing (client/servedApi.ts)', () => {
  let server: http.Server;
  let base: string;
  const asked: { url: string; auth: string | undefined; method: string }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      asked.push({ url: req.url ?? '', auth: req.headers.authorization, method: req.method ?? '' });
      if (req.headers.authorization !== 'Bearer tok-123') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized","message":"missing or wrong bearer token"}}');
        return;
      }
      if (req.url === '/base/runs?limit=50') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ runs: [...RUNS, { run_id: 'no-pipeline', status: 'completed' }] }));
      else if (req.url === '/base/runs/r%2Fx/cancel' && req.method === 'POST') res.writeHead(202, { 'content-type': 'application/json' }).end('{"run_id":"r/x","status":"cancelling"}');
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"no such run"}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/base`;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  it('lists the runs newest first, leaves out rows that are not runs, and sends the token as a bearer header', async () => {
    asked.length = 0;
    const runs = await new ServedClient(base, 'tok-123').runs();
    assert.deepEqual(
      runs.map((r) => [r.run_id, r.pipeline_id, r.status]),
      [
        ['r-new', 'slow', 'running'],
        ['r-mid', 'deploy', 'failed'],
        ['r-old', 'digest', 'completed'],
      ],
    );
    assert.deepEqual(asked, [{ url: '/base/runs?limit=50', auth: 'Bearer tok-123', method: 'GET' }]);
  });

  it('describes each run as the Runs view shows it: status, start, duration once ended, what started it', () => {
    assert.deepEqual(servedRunsOf({ runs: RUNS }).map(describeServedRun), ['running · 2026-11-26 09:30', 'failed · 2026-11-26 08:00 · 1.0 s · webhook: github-push', 'completed · 2026-11-26 07:00 · 12.5 s · cron: 0 7 * * 1-5']);
  });

  it('a wrong token is a 401 that says so, and the token is in no message', async () => {
    await assert.rejects(new ServedClient(base, 'guess').runs(), (e: unknown) => e instanceof ServedError && e.status === 401 && e.message === 'GET /base/runs: 401 the token is missing or wrong');
  });

  it('an unknown run is the server\'s own message; ids are escaped in the path; cancel posts', async () => {
    const c = new ServedClient(base, 'tok-123');
    await assert.rejects(c.run('nope'), (e: unknown) => e instanceof ServedError && e.message === 'GET /base/runs/nope: 404 no such run');
    await c.cancel('r/x');
    assert.equal(c.eventsUrl('r/x'), `${base}/runs/r%2Fx/events`);
  });

  it('an endpoint that does not answer says so', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(new ServedClient(`http://127.0.0.1:${port}`, 't').runs(), (e: unknown) => e instanceof ServedError && e.status === 0 && e.message === `http://127.0.0.1:${port} does not answer (ECONNREFUSED)`);
  });

  it('an answer without a runs list is an error, not an empty list', () => {
    assert.throws(() => servedRunsOf([{ run_id: 'x' }]), /the answer has no runs list/);
  });

  it('normalises a typed address, and refuses one with a token or password in it', () => {
    assert.equal(normalizeEndpoint(' http://127.0.0.1:8420/ '), 'http://127.0.0.1:8420');
    assert.equal(normalizeEndpoint('https://orc.example.com/serve/?x=1'), 'https://orc.example.com/serve');
    assert.throws(() => normalizeEndpoint('ftp://x'), /an http:\/\/ or https:\/\/ address/);
    assert.throws(() => normalizeEndpoint('http://me:secret@host'), /give the token separately/);
  });
});
