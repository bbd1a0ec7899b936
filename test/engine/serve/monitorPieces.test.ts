// The monitors' pieces on their own: sampling by run id, the assertions as a monitor writes them,
// the window's alert (once per crossing), the bounded queue, notify URLs that are refused.
import { strict as assert } from 'node:assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createModelRunner, type MonitorDecl, type ResultDocument } from '../../../engine/api/index';
import { notifyUrlProblem } from '../../../engine/serve/monitorAlerts';
import { checkRun, monitorAssertion, sampled } from '../../../engine/serve/monitorChecker';
import type { MonitorCheck } from '../../../engine/serve/monitorLog';
import { BoundedQueue } from '../../../engine/serve/monitorQueue';
import { MonitorWindow } from '../../../engine/serve/monitorWindow';

const decl = (o: Partial<MonitorDecl> = {}): MonitorDecl => ({ name: 'polite', sample: 1, assert: [], window: 4, minChecks: 4, alertBelow: 0.75, path: ['monitors', 0], ...o });
const check = (run_id: string, status: MonitorCheck['status']): MonitorCheck => ({ run_id, pipeline: 'support', monitor: 'polite', status, passed: status === 'pass', score: null, reasons: [], at: '2026-11-27T12:00:00.000Z' });

describe('monitor pieces', () => {
  it('samples by a hash of run id and monitor name: the same answer every time, about the share asked', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `20261127-120000-${String(i).padStart(6, '0')}`);
    const chosen = ids.filter((id) => sampled(id, 'grounded', 0.25));
    assert.deepEqual(ids.filter((id) => sampled(id, 'grounded', 0.25)), chosen);
    assert.ok(chosen.length > 800 && chosen.length < 1200, `${chosen.length} of 4000 at 0.25`);
    // another monitor samples other runs
    assert.notDeepEqual(ids.filter((id) => sampled(id, 'cites', 0.25)), chosen);
    assert.equal(ids.every((id) => sampled(id, 'x', 1)), true);
    assert.equal(ids.some((id) => sampled(id, 'x', 0)), false);
  });

  it("reads a monitor's assertions as written ({type, value}, hyphens too) and the eval's own form", () => {
    const a = monitorAssertion({ type: 'not-contains', value: 'I cannot' }, 0);
    assert.deepEqual(a, { kind: 'not_contains', target: null, operand: 'I cannot', threshold: null, tolerance: null, model: null, args: null, description: null, path: ['monitors', 0], line: -1 });
    const r = monitorAssertion({ type: 'llm_rubric', value: 'cites the order number', threshold: 0.7, model: 'openai:gpt-4o-mini', output: 'reply' }, 1);
    assert.ok(typeof r !== 'string');
    assert.deepEqual([r.kind, r.target, r.threshold, r.model], ['llm_rubric', { output: 'reply' }, 0.7, 'openai:gpt-4o-mini']);
    const own = monitorAssertion({ icontains: 'order' }, 2);
    assert.ok(typeof own !== 'string');
    assert.deepEqual([own.kind, own.operand], ['icontains', 'order']);
    assert.equal(monitorAssertion({ type: 'contains-ish', value: 'x' }, 3), "assertion 4 has no assertion type the eval knows ('contains-ish')");
  });

  it('alerts once when the window crosses under alert_below over min_checks, again only after it came back', () => {
    const w = new MonitorWindow('support', decl());
    const seq: Array<[string, MonitorCheck['status']]> = [['a', 'pass'], ['b', 'fail'], ['c', 'fail'], ['d', 'error'], ['e', 'pass']];
    // too few checks: b and c failed, yet 3 checks are under min_checks 4 (the error counts apart)
    assert.deepEqual(seq.map(([id, s]) => w.record(check(id, s))), [null, null, null, null, { pipeline: 'support', monitor: 'polite', pass_rate: 0.5, window: 4, failed_runs: ['b', 'c'] }]);
    assert.equal(w.record(check('f', 'fail')), null, 'still under: no second alert');
    assert.equal(w.record(check('g', 'pass')), null);
    assert.equal(w.record(check('h', 'pass')), null);
    assert.equal(w.record(check('i', 'pass')), null); // [f g h i]: 0.75, back at the bar
    assert.equal(w.figures().alerting, false);
    assert.deepEqual(w.record(check('j', 'fail')), null); // [g h i j] 0.75
    assert.deepEqual(w.record(check('k', 'fail')), { pipeline: 'support', monitor: 'polite', pass_rate: 0.5, window: 4, failed_runs: ['j', 'k'] });
    const f = w.figures();
    assert.deepEqual({ ...f, last_alert: null }, { pipeline: 'support', monitor: 'polite', sample: 1, window: 4, min_checks: 4, alert_below: 0.75, checks: 4, passed: 2, failed: 2, errors: 1, dropped: 0, pass_rate: 0.5, interval: [0.150039, 0.849961], alerting: true, last_alert: null });
    // a window read back from its file below the bar does not alert again for it
    const again = new MonitorWindow('support', decl());
    again.restore(['a', 'b', 'c', 'd'].map((id, i) => check(id, i ? 'fail' : 'pass')));
    assert.equal(again.figures().alerting, true);
    assert.equal(again.record(check('e', 'fail')), null);
    // alert_below null: never
    const quiet = new MonitorWindow('support', decl({ alertBelow: null }));
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((id) => quiet.record(check(id, 'fail'))), [null, null, null, null, null]);
  });

  it('the queue runs a few at a time and drops the oldest waiting item when full', async () => {
    const started: number[] = [];
    const dropped: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new BoundedQueue<number>(
      async (n) => {
        started.push(n);
        await gate;
      },
      (n) => dropped.push(n),
      3,
      2,
    );
    q.push(0);
    q.push(1);
    // nothing starts in the call that queued: on a later turn of the event loop
    assert.deepEqual(started, []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1]);
    for (let i = 2; i < 8; i++) q.push(i);
    // two run, three wait: the oldest of the waiting went
    assert.deepEqual(dropped, [2, 3, 4]);
    release();
    await q.idle();
    assert.deepEqual(started, [0, 1, 5, 6, 7]);
  });

  it('refuses notify URLs that are not http(s) or carry credentials', () => {
    assert.equal(notifyUrlProblem('https://ops.example/hooks/orc'), null);
    assert.equal(notifyUrlProblem('http://127.0.0.1:9/x?token=abc'), null);
    assert.equal(notifyUrlProblem('file:///etc/passwd'), 'is a file: URL, not http(s)');
    assert.equal(notifyUrlProblem('https://ops:hunter2@ops.example/hook'), 'carries credentials (user:password@): name the secret in secret_env instead');
    assert.equal(notifyUrlProblem('ops.example/hook'), 'is not a URL');
  });
  it("leaves nothing behind once a check is done: its judge's timeout and the server's signal let it go", async () => {
    const decl = { name: 'polite', sample: 1, assert: [{ type: 'not-contains', value: 'I cannot' }], window: 10, minChecks: 1, alertBelow: 0.5, path: ['monitors', 0] } as unknown as MonitorDecl;
    const doc = { pipeline_id: 'echo', execution_id: '20261127-120000-000001', status: 'completed', success: true, outputs: { echoed: 'I cannot' }, steps: {}, execution_order: [], execution_levels: [], failed_steps: [], skipped_steps: [], started_at: '2026-11-27T12:00:00.000Z', ended_at: '2026-11-27T12:00:00.010Z', duration_ms: 10, tokens_in: 0, tokens_out: 0, cost_usd: 0 } as unknown as ResultDocument;
    const server = new AbortController();
    const models = createModelRunner({ env: {} });
    const check = () => checkRun(doc, 'echo', decl, { models, env: {}, signal: server.signal, timeoutMs: 600_000 });
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const first = await check();
    assert.deepEqual(first.reasons, ['not_contains (output echoed): "I cannot" contains "I cannot"']);
    assert.equal(first.status, 'fail');
    const before = heap();
    for (let k = 0; k < 4; k++) await Promise.all(Array.from({ length: 500 }, check));
    // each check's 10-minute timer and its signal joined to the server's held about 2 KB of it
    // until the timer fired: 2,000 checks would hold some 4 MB
    const grown = heap() - before;
    assert.ok(grown < 1.5 * 2 ** 20, `the heap grew ${(grown / 2 ** 20).toFixed(2)} MB over 2,000 finished checks`);
  });
});
