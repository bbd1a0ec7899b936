// Hardening, round two (issue 24): a time a user gives may be longer than one Node timer holds
// (2^31-1 ms, about 24.8 days). `http` with `timeout: 2147484` failed after 59 ms, and
// `headless-browser` with `timeout: 3e9` failed at once (Node's TimeoutOverflowWarning): both now
// wait as long as the request takes.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { orcAsync } from '../../helpers/cli';
import { ensureBrowser } from '../../helpers/browser';

describe('hardening 2: long user times', function () {
  this.timeout(120_000);
  let dir: string;
  let server: http.Server;
  let base: string;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-timer-'));
    // answers after 300 ms, as a slow server would
    server = http.createServer((_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Slow</title><p>slow page</p>'), 300));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    server.closeAllConnections();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('http with timeout: 2147484 (seconds) waits for the answer', async () => {
    fs.writeFileSync(path.join(dir, 'h.pipeline.yaml'), `id: h\nsteps:\n  - id: get\n    tool: http\n    action: get\n    parameters: {url: "${base}/", timeout: 2147484}\n`);
    const r = await orcAsync(['run', 'h.pipeline.yaml', '--json'], { cwd: dir });
    const doc = JSON.parse(r.stdout) as { steps: Record<string, { status: string; error?: string; result: { status: number; body: string } }> };
    assert.equal(doc.steps.get.status, 'completed', doc.steps.get.error);
    assert.deepEqual([doc.steps.get.result.status, doc.steps.get.result.body], [200, '<title>Slow</title><p>slow page</p>']);
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/);
  });

  it('headless-browser with timeout: 3e9 scrapes the page', async function () {
    this.timeout(300_000); // a first run installs Chromium
    ensureBrowser();
    fs.writeFileSync(path.join(dir, 'b.pipeline.yaml'), `id: b\nsteps:\n  - id: page\n    tool: headless-browser\n    action: scrape\n    parameters: {url: "${base}/", timeout: 3e9}\n`);
    const r = await orcAsync(['run', 'b.pipeline.yaml', '--json'], { cwd: dir });
    const doc = JSON.parse(r.stdout) as { steps: Record<string, { status: string; error?: string; result: { title: string } }> };
    assert.equal(doc.steps.page.status, 'completed', doc.steps.page.error);
    assert.equal(doc.steps.page.result.title, 'Slow');
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/);
  });
});
