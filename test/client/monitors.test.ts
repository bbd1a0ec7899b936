// A served endpoint's monitors as the editor reads and shows them (client/servedApi.ts, client/monitors.ts):
// `GET /monitors` parsed defensively (a server without monitors: none, no error), a `monitor-alert`'s
// data, the Runs view's line and tooltip, the alert's warning, and the runs Open Failed Runs shows.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertFilterTitle, alertMessage, failedRunsOf, failedRunsOfLog, monitorDescription, monitorLabel, monitorTooltip, percent } from '../../client/monitors';
import { monitorAlertOf, ServedClient, ServedError, servedMonitorsOf, type ServedMonitor } from '../../client/servedApi';
import { followEventStream } from '../../client/sseStream';

const GROUNDED = {
  pipeline: 'support',
  monitor: 'grounded',
  sample: 0.25,
  window: 50,
  min_checks: 10,
  alert_below: 0.9,
  checks: 53,
  passed: 41,
  failed: 9,
  errors: 3,
  dropped: 2,
  pass_rate: 0.82,
  interval: [0.6937, 0.9025],
  alerting: true,
  last_alert: { at: '2026-11-27T14:02:03.120Z', pass_rate: 0.4, failed_runs: ['run-b', 'run-c', 'run-b'] },
};

const FRESH = { pipeline: 'digest', monitor: 'short', sample: 1, window: 20, min_checks: 10, alert_below: null, checks: 0, passed: 0, failed: 0, errors: 0, dropped: 0, pass_rate: null, interval: null, alerting: false, last_alert: null };

describe('monitors in the editor: the wire (client/servedApi.ts)', () => {
  let server: http.Server;
  let base: string;
  let monitorsAnswer: { status: number; body: string } = { status: 200, body: '' };
  const asked: { url: string; auth: string | undefined }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      asked.push({ url: req.url ?? '', auth: req.headers.authorization });
      if (req.headers.authorization !== 'Bearer tok-9') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized","message":"missing or wrong bearer token"}}');
        return;
      }
      if (req.url === '/monitors') res.writeHead(monitorsAnswer.status, { 'content-type': 'application/json' }).end(monitorsAnswer.body);
      else if (req.url === '/events') {
        // the server-wide stream: a run event of no interest, an alert, then it stays open
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`id: 7\nevent: run-started\ndata: {"run_id":"x"}\n\n`);
        res.write(`id: 8\nevent: monitor-alert\ndata: ${JSON.stringify({ pipeline: 'support', monitor: 'grounded', pass_rate: 0.4, window: 10, failed_runs: ['r1', 'r2'], at: '2026-11-27T14:02:03.120Z' })}\n\n`);
      } else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"no such route"}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

  it("lists an endpoint's monitors with the token as a bearer header: every figure, a run named twice once", async () => {
    asked.length = 0;
    monitorsAnswer = { status: 200, body: JSON.stringify({ monitors: [GROUNDED, FRESH] }) };
    const ms = await new ServedClient(base, 'tok-9').monitors();
    assert.deepEqual(ms, [
      { ...GROUNDED, last_alert: { at: '2026-11-27T14:02:03.120Z', pass_rate: 0.4, failed_runs: ['run-b', 'run-c'] } },
      FRESH,
    ]);
    assert.deepEqual(asked, [{ url: '/monitors', auth: 'Bearer tok-9' }]);
  });

  it('a server without monitors (404) has none, and says nothing; a wrong token or a 500 is an error', async () => {
    monitorsAnswer = { status: 404, body: '{"error":{"code":"not_found","message":"no such route"}}' };
    assert.equal(await new ServedClient(base, 'tok-9').monitors(), null);
    await assert.rejects(new ServedClient(base, 'guess').monitors(), (e: unknown) => e instanceof ServedError && e.status === 401 && e.message === 'GET /monitors: 401 the token is missing or wrong');
    monitorsAnswer = { status: 500, body: '{"error":{"code":"internal","message":"the check log is unreadable"}}' };
    await assert.rejects(new ServedClient(base, 'tok-9').monitors(), (e: unknown) => e instanceof ServedError && e.message === 'GET /monitors: 500 the check log is unreadable');
  });

  it('reads a damaged answer defensively: entries without a pipeline or name left out, figures that are not numbers as none', () => {
    assert.throws(() => servedMonitorsOf({ monitor: [] }), /GET \/monitors: the answer has no monitors list/);
    assert.throws(() => servedMonitorsOf(null), /no monitors list/);
    const ms = servedMonitorsOf({
      monitors: [
        null,
        { monitor: 'orphan' },
        { pipeline: 'p', monitor: 'm', sample: 'all', window: 50, passed: -3, failed: '2', pass_rate: 1.5, interval: [0.2], alerting: 'yes', last_alert: { pass_rate: 0.1 } },
      ],
    });
    assert.deepEqual(ms, [{ pipeline: 'p', monitor: 'm', sample: 1, window: 50, min_checks: 0, alert_below: null, checks: 0, passed: 0, failed: 0, errors: 0, dropped: 0, pass_rate: null, interval: null, alerting: false, last_alert: null }]);
  });

  it("a monitor-alert's data; anything else is not one", () => {
    assert.deepEqual(monitorAlertOf('{"pipeline":"support","monitor":"grounded","pass_rate":0.4,"window":10,"failed_runs":["r1","r2",3,"r1"],"at":"2026-11-27T14:02:03Z"}'), { pipeline: 'support', monitor: 'grounded', pass_rate: 0.4, window: 10, failed_runs: ['r1', 'r2'], at: '2026-11-27T14:02:03Z' });
    assert.deepEqual(monitorAlertOf({ pipeline: 'support', monitor: 'grounded', pass_rate: 0 }), { pipeline: 'support', monitor: 'grounded', pass_rate: 0, window: null, failed_runs: [], at: '' });
    for (const bad of ['not json', '[]', '{"pipeline":"support","monitor":"grounded"}', '{"pipeline":"support","pass_rate":0.4}', '{"pipeline":"support","monitor":"g","pass_rate":"40%"}']) assert.equal(monitorAlertOf(bad), null, bad);
  });

  it("the server-wide stream's URL, followed as a run's stream is: the alert arrives among other events", async () => {
    const client = new ServedClient(base, 'tok-9');
    assert.equal(client.serverEventsUrl(), `${base}/events`);
    const controller = new AbortController();
    const seen: string[] = [];
    await followEventStream({
      url: client.serverEventsUrl(),
      token: 'tok-9',
      signal: controller.signal,
      endEvent: '\u0000none',
      onEvent: (e) => {
        seen.push(e.event);
        if (e.event === 'monitor-alert') {
          assert.deepEqual(monitorAlertOf(e.data)?.failed_runs, ['r1', 'r2']);
          controller.abort();
        }
      },
    });
    assert.deepEqual(seen, ['run-started', 'monitor-alert']);
  });
});

describe('monitors in the editor: what a person reads (client/monitors.ts)', () => {
  const [grounded, fresh] = servedMonitorsOf({ monitors: [GROUNDED, FRESH] });
  const monitor = (o: Partial<ServedMonitor>): ServedMonitor => ({ ...grounded, ...o });

  it("a monitor's line in the Runs view: pass rate (passed/judged), alerting; beside it its pipeline", () => {
    assert.equal(monitorLabel(grounded), 'grounded — 82% (41/50) [alerting]');
    assert.equal(monitorDescription(grounded), 'support');
    assert.equal(monitorLabel(monitor({ alerting: false, passed: 2, failed: 1, pass_rate: 2 / 3 })), 'grounded — 66.7% (2/3)');
    assert.equal(monitorDescription(monitor({ passed: 2, failed: 1 })), 'support · alerts from 10 checks');
    assert.equal(monitorLabel(fresh), 'short — no checks yet');
    assert.equal(monitorDescription(fresh), 'digest');
    assert.equal(monitorLabel(monitor({ alerting: false, passed: 0, failed: 0, pass_rate: null, errors: 1 })), 'grounded — no verdict yet (1 error)');
  });

  it('its tooltip: the Wilson interval, the threshold, errors, dropped, the sample and the last alert', () => {
    assert.deepEqual(monitorTooltip(grounded, 'http://127.0.0.1:8420'), [
      '**grounded**: a monitor of `support` on http://127.0.0.1:8420',
      'Pass rate 82% over the last 50 judged checks (41 passed, 9 failed); 95% Wilson interval 69.4%–90.3%',
      'Alerts under 90% once at least 10 checks are in its window of 50 — **alerting now**',
      '3 errors (a judge that hung or failed: neither a pass nor a fail) · 2 dropped (the check queue was full)',
      'Checks 25% of the runs',
      'Last alert 2026-11-27 14:02:03 UTC: 40%, 2 failed runs',
    ]);
    assert.deepEqual(monitorTooltip(fresh, 'https://orc.example'), [
      '**short**: a monitor of `digest` on https://orc.example',
      'No judged check yet',
      'Never alerts (no `alert_below`); window of 20',
      '0 errors (a judge that hung or failed: neither a pass nor a fail) · 0 dropped (the check queue was full)',
      'No alert yet',
    ]);
  });

  it("the alert's warning: pass rate (passed/judged) below the monitor's threshold", () => {
    const a = monitorAlertOf({ pipeline: 'support', monitor: 'grounded', pass_rate: 0.4, window: 10, failed_runs: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'], at: '2026-11-27T14:02:03.120Z' })!;
    assert.equal(alertMessage(a, grounded), "Monitor 'grounded' of support: pass rate 40% (4/10) is below 90%");
    // the monitor not listed (the server stopped answering /monitors): the threshold is not guessed
    assert.equal(alertMessage({ ...a, window: null }), "Monitor 'grounded' of support: pass rate 40% is below its alert threshold");
    assert.equal(alertFilterTitle(a), "the 6 failed runs of monitor 'grounded' (support) at its alert of 2026-11-27 14:02:03 UTC");
    assert.equal(percent(0.125), '12.5%');
  });

  it("Open Failed Runs on a line: its last alert's runs, else its window's failed checks from the check log", () => {
    assert.deepEqual(failedRunsOf(grounded, null), { runIds: ['run-b', 'run-c'], title: "the 2 failed runs of monitor 'grounded' (support) at its alert of 2026-11-27 14:02:03 UTC" });
    const line = (run_id: string, status: string, pipeline = 'support', monitor = 'grounded') => JSON.stringify({ run_id, pipeline, monitor, status, passed: status === 'pass', score: null, reasons: [], at: '2026-11-27T14:00:00Z' });
    // a tail read from the middle of a line starts with a piece of one; another pipeline's monitor of the same name; an error is neither
    const log = ['_id":"cut","status":"fail"}', line('old-fail', 'fail'), line('p1', 'pass'), line('f1', 'fail'), line('other', 'fail', 'digest'), line('e1', 'error'), line('f2', 'fail'), line('p2', 'pass'), ''].join('\n');
    assert.deepEqual(failedRunsOfLog(log, 'support', 'grounded', 4), ['f1', 'f2']);
    assert.deepEqual(failedRunsOfLog(log, 'support', 'grounded', 50), ['old-fail', 'f1', 'f2']);
    assert.deepEqual(failedRunsOf(monitor({ last_alert: null, window: 4 }), log), { runIds: ['f1', 'f2'], title: "the 2 failed checks in the window of monitor 'grounded' (support)" });
    assert.deepEqual(failedRunsOf(monitor({ last_alert: null }), null), { runIds: [], title: "the 0 failed checks in the window of monitor 'grounded' (support)" });
  });
});
