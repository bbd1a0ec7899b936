// `npm run bench models`: our model layer against the `openai` SDK called directly, both talking
// to the loopback OpenAI server (test/fixtures/providers) with a fixed 20 ms latency. The SDK is
// given the fetch our providers give it (engine/models/httpTransport.ts), so the overhead is our
// layer's own; the SDK with its own fetch (the global one) is timed beside, for reference.
// (a) overhead per generate call; (b) 1,000 calls under a 600 requests/minute limit (`--quick`:
// 200 calls with the minute scaled to 6 s, the same spacing logic at 10x speed); (c) time to the
// first streamed token, ours (the onText that becomes a step-output event) vs the SDK's first chunk;
// (d) limits learned: the same 1,000 calls (`--quick` 200, minute scaled 10x) with no limit set,
// against a server that announces 600 requests per minute in its headers and refuses past it.
// `--smoke`: a few calls in (a) and (c), 60 calls under the minute scaled 10x in (b) and (d).
// Ours is built as dist/cliMain.js is (bench/shippedBuild.ts), so the figures are the shipped code's.
import OpenAI from 'openai';
import { loadShipped } from './shippedBuild';
import { LoopbackProviders } from '../test/fixtures/providers/loopbackServer';
import { goal, median, table } from './stats';

const SMOKE = process.argv.includes('--smoke');
const QUICK = SMOKE || process.argv.includes('--quick');

async function main(): Promise<void> {
  // ours as shipped (bench/shippedEngine.ts), and the fetch our providers give the SDK from the same bundle
  const { ProviderModelRunner, modelFetch } = await loadShipped();
  const server = await new LoopbackProviders().start();
  server.fallback = { delayMs: 20 };
  const env = { OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${server.origin}/v1` };
  const sdk = new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, maxRetries: 0, fetch: modelFetch });
  const sdkOwnFetch = new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, maxRetries: 0 });
  const runner = new ProviderModelRunner({ env, limits: { openai: { concurrency: 1000, requestsPerMinute: 1e9, tokensPerMinute: 1e12 } } });
  const req = (stream: boolean, onText: (s: string) => void = () => {}) =>
    runner.run({ model: 'openai:gpt-4o-mini', action: 'generate', params: { prompt: 'Say hi', max_tokens: 20, stream }, system: null, schema: null, signal: new AbortController().signal, onText });
  const direct = (client = sdk) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi' }], max_tokens: 20 });

  // (a) interleaved, so drift in the machine's load hits both alike
  const n = SMOKE ? 5 : QUICK ? 100 : 300;
  for (let i = 0; i < (SMOKE ? 2 : 10); i++) await Promise.all([req(false), direct(), direct(sdkOwnFetch)]);
  const ours: number[] = [];
  const peer: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await req(false);
    ours.push(performance.now() - t);
    t = performance.now();
    await direct();
    peer.push(performance.now() - t);
    t = performance.now();
    await direct(sdkOwnFetch);
    own.push(performance.now() - t);
  }
  const oa = median(ours);
  const pa = median(peer);
  const overheadUs = (oa - pa) * 1000;
  console.log(`(a) generate call, non-streaming, 20 ms server latency, median of ${n} interleaved calls`);
  table(['', 'ours (ms)', 'openai SDK, our fetch (ms)', 'ratio', 'overhead (µs)', 'goal'], [['per call', oa.toFixed(3), pa.toFixed(3), (oa / pa).toFixed(4), overheadUs.toFixed(0), '≤ 1000 µs']]);
  console.log(`the openai SDK with its own fetch (the global one): ${median(own).toFixed(3)} ms a call; ours over it: ${((oa - median(own)) * 1000).toFixed(0)} µs`);

  // (b) the limiter: many independent calls at once under 600 requests per (scaled) minute
  const calls = SMOKE ? 60 : QUICK ? 200 : 1000;
  const windowMs = QUICK ? 6000 : 60_000;
  const limit = 600;
  const limited = new ProviderModelRunner({ env, limits: { openai: { concurrency: 1000, requestsPerMinute: limit, tokensPerMinute: 1e12 } }, resilience: { windowMs } });
  server.requests.length = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: calls }, () =>
      limited.run({ model: 'openai:gpt-4o-mini', action: 'generate', params: { prompt: 'x', stream: false }, system: null, schema: null, signal: new AbortController().signal, onText() {} }),
    ),
  );
  const makespan = performance.now() - t0;
  const at = server.requests.map((r) => r.at).sort((a, b) => a - b);
  const perWindow = ((at.length - 1) / (at[at.length - 1] - at[0])) * windowMs;
  // the busiest window: the most arrivals in any windowMs span
  let busiest = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[i] - at[j] >= windowMs) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  const bound = (calls / limit) * windowMs;
  console.log(`\n(b) ${calls} calls under ${limit} requests per ${QUICK ? `${windowMs / 1000} s (the minute scaled down 10x)` : 'minute'}`);
  table(
    ['', 'ours', 'limit / bound', 'ratio', 'goal'],
    [
      ['achieved rate (req/window)', perWindow.toFixed(1), String(limit), (perWindow / limit).toFixed(4), '0.98-1.00'],
      ['busiest window (requests)', String(busiest), String(limit), (busiest / limit).toFixed(4), '≤ 1.00'],
      ['makespan (s)', (makespan / 1000).toFixed(2), (bound / 1000).toFixed(2), (makespan / bound).toFixed(4), '≈ 1.00'],
    ],
  );

  // (c) first token: our onText (what becomes a step-output event) vs the SDK's first chunk
  server.fallback = { delayMs: 20, chunks: ['first ', 'second ', 'third'] };
  const m = SMOKE ? 3 : QUICK ? 50 : 150;
  const oursT: number[] = [];
  const peerT: number[] = [];
  for (let i = 0; i < m; i++) {
    let t = performance.now();
    let first = -1;
    await req(true, () => {
      if (first < 0) first = performance.now() - t;
    });
    oursT.push(first);
    t = performance.now();
    const s = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi' }], stream: true, stream_options: { include_usage: true } });
    let f = -1;
    for await (const c of s) if (f < 0 && c.choices[0]?.delta?.content) f = performance.now() - t;
    peerT.push(f);
  }
  const ot = median(oursT);
  const pt = median(peerT);
  console.log(`\n(c) time to first streamed token, median of ${m} interleaved streams`);
  table(['', 'ours (ms)', 'openai SDK (ms)', 'ratio', 'delay (ms)', 'goal'], [['first token', ot.toFixed(3), pt.toFixed(3), (ot / pt).toFixed(4), (ot - pt).toFixed(3), '≤ 2 ms']]);

  // (d) limits learned from the server's headers: no limit set here
  server.fallback = {};
  server.requests.length = 0;
  server.rateLimit = { requests: limit, windowMs };
  // concurrency as in (b); no rate set: it is learned
  const learning = new ProviderModelRunner({ env, limits: { openai: { concurrency: 1000 } }, resilience: { windowMs } });
  const l0 = performance.now();
  await Promise.all(
    Array.from({ length: calls }, () =>
      learning.run({ model: 'openai:gpt-4o-mini', action: 'generate', params: { prompt: 'x', stream: false }, system: null, schema: null, signal: new AbortController().signal, onText() {} }),
    ),
  );
  const learnedSpan = performance.now() - l0;
  const lat = server.requests.map((r) => r.at).sort((a, b) => a - b);
  const learnedRate = ((lat.length - 1) / (lat[lat.length - 1] - lat[0])) * windowMs;
  let learnedBusiest = 0;
  for (let i = 0, j = 0; i < lat.length; i++) {
    while (lat[i] - lat[j] >= windowMs) j++;
    learnedBusiest = Math.max(learnedBusiest, i - j + 1);
  }
  // what the announced limit allows: the calls spaced evenly at the limit, the first at once
  const allowed = ((calls - 1) / limit) * windowMs;
  console.log(`\n(d) ${calls} calls, no limit set, the server announcing ${limit} per ${QUICK ? `${windowMs / 1000} s` : 'minute'} (x-ratelimit-*) and refusing past it`);
  table(
    ['', 'ours', 'announced / allowed', 'ratio', 'goal'],
    [
      ['achieved rate (req/window)', learnedRate.toFixed(1), String(limit), (learnedRate / limit).toFixed(4), '0.98-1.00'],
      ['busiest window (requests)', String(learnedBusiest), String(limit), (learnedBusiest / limit).toFixed(4), '≤ 1.00'],
      ['refused (429)', String(server.refused), '0', '', '0'],
      ['makespan (s)', (learnedSpan / 1000).toFixed(2), (allowed / 1000).toFixed(2), (learnedSpan / allowed).toFixed(4), '≤ 1.05'],
    ],
  );
  server.rateLimit = null;

  await server.stop();
  const refused = server.refused;
  const pctOf = (rate: number) => `${((rate / limit) * 100).toFixed(1)} %`;
  const held = (rate: number, most: number) => rate / limit >= 0.98 && rate / limit <= 1 && most <= limit;
  console.log('\ngoals (our model layer against the openai SDK on the same server):');
  console.log(goal('overhead per call over the SDK', `${(overheadUs / 1000).toFixed(3)} ms`, '≤ 1 ms', overheadUs <= 1000));
  console.log(goal("first streamed token behind the SDK's first chunk", `${(ot - pt).toFixed(3)} ms`, '≤ 2 ms', ot - pt <= 2));
  console.log(goal('requests-per-minute limit set', `${pctOf(perWindow)} of it, busiest window ${busiest}/${limit}`, 'within 2 %, never exceeded', held(perWindow, busiest)));
  console.log(goal('limit learned from the headers', `${pctOf(learnedRate)} of it, busiest window ${learnedBusiest}/${limit}, ${refused} refused`, 'within 2 %, never exceeded', held(learnedRate, learnedBusiest) && refused === 0));
}

void main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
