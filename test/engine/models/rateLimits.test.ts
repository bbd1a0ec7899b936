// Rate limits learned, not guessed: the limits a provider announces in its headers pace the calls
// from its first answer; a provider that announces nothing is not held to a fixed low ceiling (its
// 429s halve the rate, its retry-after is obeyed); a limit the user sets wins.
import { strict as assert } from 'node:assert';
import { ProviderModelRunner, type ModelRunnerOptions } from '../../../engine/models/index';
import { announcedLimits, durationMs } from '../../../engine/models/rateHeaders';
import { countSince } from '../../../engine/models/resilience';
import { rng } from '../../helpers/fuzzCorpus';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { collectGarbage } from '../../helpers/collectGarbage';

let server: LoopbackProviders;

beforeEach(async () => {
  server = await new LoopbackProviders().start();
});
afterEach(async () => {
  await server.stop();
});

const headers = (h: Record<string, string>) => new Headers(h);

function burst(n: number, o: ModelRunnerOptions, model = 'openai:gpt-4o-mini'): Promise<unknown[]> {
  const runner = new ProviderModelRunner({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${server.origin}/v1`, ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: server.origin, OPENAI_COMPATIBLE_API_KEY: 'k', OPENAI_COMPATIBLE_BASE_URL: `${server.origin}/v1` }, ...o, resilience: { windowMs: 1000, baseDelayMs: 5, maxDelayMs: 50, ...o.resilience } });
  return Promise.all(Array.from({ length: n }, () => runner.run({ model, action: 'generate', params: { prompt: 'x', stream: false, max_tokens: 5 }, system: null, schema: null, signal: new AbortController().signal, onText() {} })));
}

/** The most requests the server saw in any window of `ms`. */
function busiest(ms: number): number {
  const at = server.requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[i] - at[j] >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('rate limits: the headers', () => {
  it("reads OpenAI's x-ratelimit-* (resets like 6m0s, 1s, 20ms) and Anthropic's anthropic-ratelimit-* (reset as a time)", () => {
    assert.deepEqual(
      announcedLimits(headers({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-reset-requests': '120ms', 'x-ratelimit-limit-tokens': '200000', 'x-ratelimit-remaining-tokens': '199000', 'x-ratelimit-reset-tokens': '6m0s' })),
      { requests: 500, remainingRequests: 499, resetRequestsMs: 120, tokens: 200000, remainingTokens: 199000, resetTokensMs: 360_000 },
    );
    const now = Date.parse('2026-11-23T10:00:00Z');
    assert.deepEqual(announcedLimits(headers({ 'anthropic-ratelimit-requests-limit': '50', 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2026-11-23T10:00:01.500Z' }), now), { requests: 50, remainingRequests: 0, resetRequestsMs: 1500 });
    assert.equal(announcedLimits(headers({ 'content-type': 'application/json' })), null);
    assert.deepEqual([durationMs('1s'), durationMs('1m30s'), durationMs('0.5s'), durationMs('2'), durationMs('soon')], [1000, 90_000, 500, 2000, undefined]);
  });
});

describe('rate limits: learned', function () {
  this.timeout(20_000);
  // (the servers count arrivals against a 1 s window: not in the middle of a collection of the
  // garbage the tests before left; see the helper)
  beforeEach(collectGarbage);
  it('a server announcing 20 per 2 seconds paces 40 calls from its first answer: none refused, no window above 20', async () => {
    // (a window of 2 s, not 1: the server counts arrivals, the limiter starts, and in a fresh
    // clone's busy unit stage the requests of one window arrived bunched by enough to put 23 in one
    // second of the server's, 3 refused; the limiter's spacing is 100 ms here, 50 at 20 a second)
    server.rateLimit = { requests: 20, windowMs: 2000 };
    await burst(40, { resilience: { windowMs: 2000 } });
    // what the server saw: every call answered, none refused, no 2 s of its own with more than 20.
    // How close the pace comes to the limit is a speed: bench/models.bench.ts (d) measures it
    assert.equal(server.requests.length, 40);
    assert.equal(server.refused, 0);
    assert.ok(busiest(2000) <= 20, `busiest window ${busiest(2000)}`);
  });

  it("Anthropic's headers are read the same way", async () => {
    server.rateLimit = { requests: 10, windowMs: 1000 };
    await burst(15, {}, 'anthropic:claude-haiku-4-5');
    assert.equal(server.refused, 0);
    assert.ok(busiest(1000) <= 10, `busiest window ${busiest(1000)}`);
  });

  it('a server that announces nothing is not held to a fixed ceiling: 200 calls in far less than 200 s (60 a minute, the old default)', async () => {
    // held to 60 a minute, the 200 calls would take 200 s, far beyond this test's timeout: they end
    // at all only unheld, and the server saw every one of them within one window of the limiter's minute
    await burst(200, { resilience: { windowMs: 60_000 } }, 'openai-compatible:local-model');
    assert.equal(server.requests.length, 200);
    assert.equal(busiest(60_000), 200, 'all 200 calls in one minute: no ceiling below 200 a minute');
  });

  it('one that enforces a limit silently: its 429s halve the rate and its retry-after is obeyed; every call completes', async () => {
    server.rateLimit = { requests: 10, windowMs: 1000, silent: true };
    // (the breaker is set past this test's 429s: five in a row would open it, as for any failure)
    const out = await burst(20, { resilience: { maxAttempts: 8, breakerFailures: 1000 } });
    assert.equal(out.length, 20);
    assert.ok(server.refused > 0 && server.refused < 20, `refused ${server.refused}`);
  });

  it('a limit the user sets wins over the announced one', async () => {
    server.rateLimit = { requests: 100, windowMs: 1000 };
    const t0 = performance.now();
    await burst(11, { limits: { openai: { requestsPerMinute: 10 } } });
    const took = performance.now() - t0;
    assert.ok(took >= 990, `took ${took.toFixed(0)} ms: 11 starts at 10 per second span a second`);
  });
});

describe('rate limits: the starts a window held', () => {
  it('countSince counts the times after a moment as a walk over every time does, on 5,000 random lists (equal times, the moment on one, a head past some)', () => {
    const random = rng(0x1b873593);
    const next = (n: number) => Math.floor(random() * n);
    for (let k = 0; k < 5000; k++) {
      const times: number[] = [];
      let t = 0;
      for (let n = next(40); n > 0; n--) times.push((t += next(3) * 0.5));
      const from = next(times.length + 1);
      const since = times.length && next(3) === 0 ? times[next(times.length)] : next(25) - 2 + random();
      let walked = 0;
      for (let i = from; i < times.length; i++) if (times[i] > since) walked++;
      assert.equal(countSince(times, from, since), walked, `${JSON.stringify(times)} from ${from} after ${since}`);
    }
  });
});
