// A provider's request to wait never outlives the run (#41 items 9 and 15): a wait longer than a call
// may take fails the call at once with a clear error (no timer left to keep the process alive, no
// overflow of Node's timer into a burst of requests), and a wait a call may take is cancelled with
// the run. The provider is the loopback server, through the real OpenAI SDK.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProviderModelRunner } from '../../../engine/models/index';
import { abortable } from '../../../engine/models/resilience';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync } from '../../helpers/cli';

const FAST = { baseDelayMs: 5, maxDelayMs: 50, windowMs: 1000 };

describe("hardening: a provider's waits", function () {
  this.timeout(20_000);
  let server: LoopbackProviders;
  const env = () => ({ OPENAI_API_KEY: 'sk-loopback-waits-0000', OPENAI_BASE_URL: `${server.origin}/v1` });
  const ask = (runner: ProviderModelRunner, signal = new AbortController().signal) => runner.run({ model: 'openai:gpt-4o-mini', action: 'generate', params: { prompt: 'x', stream: false }, system: null, schema: null, signal, onText() {} });
  const calls = () => server.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
  beforeEach(async () => (server = await new LoopbackProviders().start()));
  afterEach(async () => server.stop());

  it('a retry-after of 23 days fails the call at once, saying so, after one request', async () => {
    server.script.push({ status: 429, headers: { 'retry-after': '2000000' } }, { text: 'too early' });
    const runner = new ProviderModelRunner({ env: env(), resilience: FAST });
    await assert.rejects(ask(runner), (e: Error) => {
      assert.equal(e.message, 'openai asks to wait 23 days before another call (retry-after): longer than a call may take (5 min), so it was not tried again');
      return true;
    });
    assert.equal(calls(), 1);
  });

  it("a retry-after past what Node's timer holds does not become a 1 ms wait and a burst of requests", async () => {
    server.script.push({ status: 429, headers: { 'retry-after': '99999999' } }, { status: 429 }, { status: 429 }, { text: 'too early' });
    const runner = new ProviderModelRunner({ env: env(), resilience: FAST });
    await assert.rejects(ask(runner), /openai asks to wait 1157 days before another call \(retry-after\)/);
    assert.equal(calls(), 1);
  });

  it('a reset announced 23 days away fails the next call at once, with no request sent', async () => {
    server.script.push({ text: 'first', headers: { 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '552h' } }, { text: 'second' });
    const runner = new ProviderModelRunner({ env: env(), resilience: FAST });
    assert.equal((await ask(runner)).value, 'first');
    await assert.rejects(ask(runner), /^ProviderError: openai asks to wait 23 days before another call \(its rate limit resets then\)/);
    assert.equal(calls(), 1);
  });

  it('a retry-after the call may wait is cancelled with the run', async () => {
    server.script.push({ status: 429, headers: { 'retry-after': '120' } }, { text: 'late' });
    const runner = new ProviderModelRunner({ env: env(), resilience: FAST });
    const ctl = new AbortController();
    const p = ask(runner, ctl.signal);
    while (calls() < 1) await new Promise((r) => setTimeout(r, 10));
    ctl.abort(Object.assign(new Error('The run was cancelled'), { name: 'CancelledError' }));
    await assert.rejects(p, { name: 'CancelledError' });
    assert.equal(calls(), 1);
  });

  it('orc run with a step timeout and a 23-day retry-after exits, with the error on the step', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-waits-'));
    try {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: waits\nsteps:\n  - id: ask\n    action: generate\n    model: openai:gpt-4o-mini\n    timeout: 5\n    parameters: {prompt: hello}\n');
      server.script.push({ status: 429, headers: { 'retry-after': '2000000' } });
      const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env: env() });
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.match(doc.steps.ask.error, /openai asks to wait 23 days before another call \(retry-after\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('abortable waits past the 24.8 days one timer holds in parts, and stops when aborted', async () => {
    const ctl = new AbortController();
    const p = abortable(30 * 86_400_000, ctl.signal);
    let settled = false;
    void p.catch(() => undefined).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, 'a 30-day wait did not end at once');
    ctl.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
  });
});
