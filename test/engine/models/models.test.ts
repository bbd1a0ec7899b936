// Model providers end to end: the real SDKs against a local server that speaks each provider's
// wire protocol (test/fixtures/providers), through the engine's model steps and the CLI.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as diagnosticsChannel from 'node:diagnostics_channel';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner, ProviderModelRunner, selectModel, type ModelRunnerOptions } from '../../../engine/models/index';
import { loadRegistry } from '../../../engine/models/registry';
import { writeProducts } from '../../../engine/models/products';
import { RateLimiter } from '../../../engine/models/resilience';
import type { ResultDocument, RunEvent } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { CLI, ROOT, orc, orcAsync } from '../../helpers/cli';
import { collectGarbage } from '../../helpers/collectGarbage';

let server: LoopbackProviders;
let dir: string;

const FAST = { baseDelayMs: 5, maxDelayMs: 50, windowMs: 1000 };

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: `${server.origin}/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: server.origin,
    GEMINI_API_KEY: 'gm-test',
    GOOGLE_GEMINI_BASE_URL: server.origin,
    ...extra,
  };
}

async function run(yaml: string, o: ModelRunnerOptions = {}): Promise<{ doc: ResultDocument; events: RunEvent[] }> {
  const a = analyze(yaml);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error').map((f) => f.message), []);
  const events: RunEvent[] = [];
  const models = createModelRunner({ env: env(), ...o, resilience: { ...FAST, ...o.resilience } });
  const doc = await runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, models, listeners: [(e) => events.push(e)] });
  return { doc, events };
}

const textOf = (events: RunEvent[], step: string) =>
  events.filter((e): e is Extract<RunEvent, { type: 'step-output' }> => e.type === 'step-output' && e.stepId === step && e.stream === 'text').map((e) => e.chunk);

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-models-'));
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('models: OpenAI through the openai SDK', () => {
  it('streams a generate step: the exact request body, deltas as events in order joining the result, tokens and cost', async () => {
    server.script.push({ chunks: ['Dur', 'able ', 'runs.'], tokensIn: 1000, tokensOut: 2000 });
    const { doc, events } = await run(`id: p
personalities:
  careful: "You are careful."
steps:
  - id: s
    action: generate
    model: openai:gpt-4o-mini
    personality: careful
    parameters:
      prompt: "Say hi"
      max_tokens: 50
`);
    const s = doc.steps.s;
    assert.equal(s.status, 'completed', String(s.error));
    assert.equal(server.requests.length, 1);
    const r = server.requests[0];
    assert.equal(r.path, '/v1/chat/completions');
    assert.equal(r.headers.authorization, 'Bearer sk-test-openai');
    assert.deepEqual(r.body, {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are careful.' },
        { role: 'user', content: 'Say hi' },
      ],
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.deepEqual(textOf(events, 's'), ['Dur', 'able ', 'runs.']);
    assert.equal(s.result, 'Durable runs.');
    assert.equal(s.model, 'openai:gpt-4o-mini');
    assert.equal(s.tokens_in, 1000);
    assert.equal(s.tokens_out, 2000);
    // gpt-4o-mini: $0.15 in, $0.60 out per million
    assert.equal(s.cost_usd.toFixed(8), (0.00015 + 0.0012).toFixed(8));
    const calls = events.filter((e) => e.type === 'model-call');
    assert.equal(calls.length, 1);
    assert.deepEqual({ ...calls[0], time: 0, latency_ms: 0, wait_ms: 0 }, { type: 'model-call', time: 0, stepId: 's', scope: [], model: 'openai:gpt-4o-mini', tokens_in: 1000, tokens_out: 2000, cost_usd: s.cost_usd, latency_ms: 0, wait_ms: 0, attempts: 1, provider: 'openai', response_model: 'gpt-4o-mini', finish_reasons: ['stop'], max_tokens: 50, temperature: null });
  });

  it('generate_structured with vars sends a strict json_schema of exactly those fields', async () => {
    const { doc } = await run(`id: p
steps:
  - id: s
    action: generate_structured
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Report"
    vars:
      title: The title.
      score: {type: integer, description: A score.}
`);
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.deepEqual(server.requests[0].body.response_format, {
      type: 'json_schema',
      json_schema: {
        name: 'answer',
        strict: true,
        schema: {
          type: 'object',
          properties: { title: { type: 'string', description: 'The title.' }, score: { type: 'integer', description: 'A score.' } },
          required: ['title', 'score'],
          additionalProperties: false,
        },
      },
    });
    assert.deepEqual(doc.steps.s.vars, { title: 'title from the loopback server', score: 1 });
  });

  it('vars that fail validation are retried once with the error, then the step fails naming the field', async () => {
    server.script.push({ json: { title: 'T', score: 'high' } }, { json: { title: 'T', score: 3 } });
    const yaml = `id: p
steps:
  - id: s
    action: generate_structured
    model: openai:gpt-4o-mini
    parameters: {prompt: "Report"}
    vars:
      title: The title.
      score: {type: integer, description: A score.}
`;
    let { doc } = await run(yaml);
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.deepEqual(doc.steps.s.vars, { title: 'T', score: 3 });
    assert.equal(server.requests.length, 2);
    const second = (server.requests[1].body.messages as { content: string }[])[0].content;
    assert.match(second, /^Report\n\nYour previous answer was rejected: field 'score': \/score must be integer\./);
    assert.equal(doc.steps.s.tokens_in, 22, 'both calls are counted');

    server.requests.length = 0;
    server.script.push({ json: { title: 'T', score: 'high' } }, { json: { title: 'T', score: 'higher' } });
    ({ doc } = await run(yaml.replace('steps:', 'context: {max_retries: 1}\nsteps:')));
    assert.equal(doc.steps.s.status, 'failed');
    assert.equal(doc.steps.s.error_type, 'ValidationError');
    assert.equal(doc.steps.s.error, "The model's answer failed validation twice: field 'score': /score must be integer");
    assert.equal(server.requests.length, 2);
  });

  it('products: the vars are written as files inside the run folder, byte for byte', async () => {
    server.script.push({ json: { body: '# Report\n\nText ü.\n', meta: { n: 1 } } });
    const { doc } = await run(`id: p
steps:
  - id: s
    action: generate_structured
    model: openai:gpt-4o-mini
    parameters: {prompt: "Report"}
    vars:
      body: The body.
      meta: {type: object, description: Facts.}
    products:
      body: out/report.md
      meta: meta.json
`);
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    const runFolder = path.join(dir, '.orchestrator', 'runs', doc.execution_id);
    assert.deepEqual(doc.steps.s.products, ['products/out/report.md', 'products/meta.json']);
    assert.equal(fs.readFileSync(path.join(runFolder, 'products', 'out', 'report.md'), 'utf8'), '# Report\n\nText ü.\n');
    assert.equal(fs.readFileSync(path.join(runFolder, 'products', 'meta.json'), 'utf8'), '{\n  "n": 1\n}\n');
  });

  it('a product outside the run folder is refused before anything is written', () => {
    const out = path.join(dir, 'run');
    assert.throws(() => writeProducts(out, { a: 'a.md', b: '../b.md' }, { a: 'A', b: 'B' }), { message: "Product 'b' must be a relative path inside the run's output folder, not '../b.md'" });
    assert.throws(() => writeProducts(out, { a: 'a.md', b: 'b.md' }, { a: 'A' }), { message: "Product 'b.md' needs var 'b', which the step did not produce" });
    assert.throws(() => writeProducts(out, { a: 'checkpoint.json' }, { a: 'A' }), { message: "Product 'a' may not overwrite the run's checkpoint.json" });
    assert.equal(fs.existsSync(path.join(out, 'a.md')), false);
  });

  it("ContextLab's generate_text with model: in its parameters", async () => {
    const { doc } = await run(`id: p
steps:
  - id: s
    action: generate_text
    parameters: {prompt: "Hi", model: "openai:gpt-4.1-mini", stream: false}
`);
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.deepEqual(server.requests[0].body, { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(doc.steps.s.result, 'Hello from the loopback server.');
  });
});

describe('models: Anthropic through @anthropic-ai/sdk', () => {
  it('streams with named events; system prompt and max_tokens in the body', async () => {
    server.script.push({ chunks: ['Hel', 'lo'], tokensIn: 5, tokensOut: 9 });
    const { doc, events } = await run(`id: p
steps:
  - id: s
    action: generate
    model: anthropic:claude-haiku-4-5
    parameters: {prompt: "Hi", system: "Be brief.", max_tokens: 64}
`);
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    const r = server.requests[0];
    assert.equal(r.path, '/v1/messages');
    assert.ok(r.headers['x-api-key'] === 'sk-ant-test' || r.headers.authorization === 'Bearer sk-ant-test');
    assert.deepEqual(r.body, { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }], system: 'Be brief.', stream: true });
    assert.deepEqual(textOf(events, 's'), ['Hel', 'lo']);
    assert.equal(doc.steps.s.result, 'Hello');
    assert.deepEqual([doc.steps.s.tokens_in, doc.steps.s.tokens_out], [5, 9]);
  });

  it('structured output is a forced tool whose input schema is the vars schema', async () => {
    const { doc } = await run(`id: p
steps:
  - id: s
    action: generate_structured
    model: anthropic:claude-haiku-4-5
    parameters: {prompt: "Hi"}
    vars: {title: The title.}
`);
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    const b = server.requests[0].body;
    assert.deepEqual(b.tool_choice, { type: 'tool', name: 'answer' });
    assert.deepEqual((b.tools as { input_schema: unknown }[])[0].input_schema, { type: 'object', properties: { title: { type: 'string', description: 'The title.' } }, required: ['title'], additionalProperties: false });
    assert.equal(b.max_tokens, 4096);
    assert.deepEqual(doc.steps.s.vars, { title: 'title from the loopback server' });
  });

  it('529 overloaded is retried after the retry-after header; cost is counted once', async () => {
    server.script.push({ status: 529, headers: { 'retry-after': '0.3' } });
    // our own backoff is held far beyond this test's timeout: a retry that came at all came when the
    // header said, and not before it
    const { doc } = await run(`id: p
steps:
  - id: s
    action: generate
    model: anthropic:claude-haiku-4-5
    parameters: {prompt: "Hi", stream: false}
`, { resilience: { baseDelayMs: 300_000, maxDelayMs: 300_000 } });
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.equal(server.requests.length, 2);
    const gap = server.requests[1].at - server.requests[0].at;
    assert.ok(gap >= 295, `waited ${gap} ms`);
    assert.deepEqual([doc.steps.s.tokens_in, doc.steps.s.tokens_out], [11, 7]);
    assert.equal(doc.steps.s.cost_usd.toFixed(9), ((11 * 1 + 7 * 5) / 1e6).toFixed(9));
  });
});

describe('models: Google through @google/genai', () => {
  it('streams from /v1beta streamGenerateContent?alt=sse with the system instruction and max output tokens', async () => {
    server.script.push({ chunks: ['One ', 'two'] });
    const { doc, events } = await run(`id: p
steps:
  - id: s
    action: generate
    model: google:gemini-2.5-flash
    parameters: {prompt: "Count", system: "Be terse.", max_tokens: 20}
`);
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    const r = server.requests[0];
    assert.equal(r.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    assert.equal(r.headers['x-goog-api-key'], 'gm-test');
    assert.deepEqual(r.body, { contents: [{ parts: [{ text: 'Count' }], role: 'user' }], systemInstruction: { parts: [{ text: 'Be terse.' }], role: 'user' }, generationConfig: { maxOutputTokens: 20 } });
    assert.deepEqual(textOf(events, 's'), ['One ', 'two']);
    assert.equal(doc.steps.s.result, 'One two');
  });

  it('structured output sends the schema with application/json', async () => {
    const { doc } = await run(`id: p
steps:
  - id: s
    action: generate_structured
    model: google:gemini-2.5-flash
    parameters: {prompt: "Hi"}
    vars: {title: The title.}
`);
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    const r = server.requests[0];
    assert.equal(r.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.deepEqual(r.body.generationConfig, { responseMimeType: 'application/json', responseJsonSchema: { type: 'object', properties: { title: { type: 'string', description: 'The title.' } }, required: ['title'], additionalProperties: false } });
    assert.deepEqual(doc.steps.s.vars, { title: 'title from the loopback server' });
  });
});

describe('models: the resilience layer', () => {
  const one = (model: string, params = '{prompt: "Hi", stream: false}') => `id: p
context: {max_retries: 1}
steps:
  - id: s
    action: generate
    model: ${model}
    parameters: ${params}
`;

  it('429 with retry-after-ms waits exactly that long; 500 and a dropped stream are retried', async () => {
    // the 429 alone first, with our own backoff held far beyond this test's timeout: a retry that
    // came at all came when retry-after-ms said, and not before it
    server.script.push({ status: 429, headers: { 'retry-after-ms': '250' } });
    let { doc, events } = await run(one('openai:gpt-4o-mini', '{prompt: "Hi"}'), { resilience: { baseDelayMs: 300_000, maxDelayMs: 300_000 } });
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.equal(server.requests.length, 2);
    const gap = server.requests[1].at - server.requests[0].at;
    assert.ok(gap >= 245, `waited ${gap} ms after retry-after-ms: 250`);
    assert.equal((events.find((e) => e.type === 'model-call') as { attempts: number }).attempts, 2);
    // then all three in one call, the 500 and the dropped stream retried after our own (short) backoff
    server.requests.length = 0;
    server.script.push({ status: 429, headers: { 'retry-after-ms': '250' } }, { status: 500 }, { drop: true });
    ({ doc, events } = await run(one('openai:gpt-4o-mini', '{prompt: "Hi"}'), { resilience: { baseDelayMs: 20, maxDelayMs: 20 } }));
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.equal(server.requests.length, 4);
    assert.ok(server.requests[1].at - server.requests[0].at >= 245, `waited ${server.requests[1].at - server.requests[0].at} ms after retry-after-ms: 250`);
    assert.equal(doc.steps.s.result, 'Hello from the loopback server.');
    assert.deepEqual([doc.steps.s.tokens_in, doc.steps.s.tokens_out], [11, 7]);
    const calls = events.filter((e) => e.type === 'model-call');
    assert.equal(calls.length, 1);
    assert.equal((calls[0] as { attempts: number }).attempts, 4);
  });

  it('Anthropic: a stream cut off midway is retried; Google: a 500 is retried', async () => {
    server.script.push({ drop: true }, { chunks: ['whole ', 'answer'] });
    let { doc } = await run(one('anthropic:claude-haiku-4-5', '{prompt: "Hi", max_tokens: 10}'));
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.equal(doc.steps.s.result, 'whole answer');
    assert.equal(server.requests.length, 2);
    server.requests.length = 0;
    server.script.push({ status: 500 });
    ({ doc } = await run(one('google:gemini-2.5-flash')));
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.deepEqual(server.requests.map((r) => r.path), ['/v1beta/models/gemini-2.5-flash:generateContent', '/v1beta/models/gemini-2.5-flash:generateContent']);
  });

  it('ollama: models go to its OpenAI-compatible endpoint without a key', async () => {
    const { doc } = await run(one('ollama:llama3.2'), { env: { OLLAMA_BASE_URL: `${server.origin}/v1` } });
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.equal(server.requests[0].path, '/v1/chat/completions');
    assert.equal(server.requests[0].headers.authorization, 'Bearer ollama');
    assert.equal(server.requests[0].body.model, 'llama3.2');
    assert.equal(doc.steps.s.cost_usd, 0);
  });

  it('a hang ends at the per-call timeout with TimeoutError on the step', async () => {
    server.script.push({ hang: true });
    const { doc } = await run(one('openai:gpt-4o-mini'), { resilience: { callTimeoutMs: 200 } });
    assert.equal(doc.steps.s.status, 'failed');
    assert.equal(doc.steps.s.error_type, 'TimeoutError');
    assert.equal(doc.steps.s.error, "The call to 'openai:gpt-4o-mini' timed out after 200 ms");
  });

  it('malformed SSE fails the call with a clear error, not a hang', async () => {
    server.script.push({ malformed: true });
    const { doc } = await run(one('openai:gpt-4o-mini', '{prompt: "Hi"}'), { resilience: { maxAttempts: 1 } });
    assert.equal(doc.steps.s.status, 'failed');
    assert.match(String(doc.steps.s.error), /openai/);
  });

  it('the breaker opens after the configured failures, fails fast saying so, and closes again', async () => {
    const runner = new ProviderModelRunner({ env: env(), resilience: { ...FAST, maxAttempts: 1, breakerFailures: 2, halfOpenAfterMs: 300 } });
    const call = () => runner.run({ model: 'openai:gpt-4o-mini', action: 'generate', params: { prompt: 'x', stream: false }, system: null, schema: null, signal: new AbortController().signal, onText() {} });
    server.script.push({ status: 500 }, { status: 500 });
    await assert.rejects(call(), /HTTP 500/);
    await assert.rejects(call(), /HTTP 500/);
    await assert.rejects(call(), { name: 'CircuitOpenError', message: "The circuit breaker for provider 'openai' is open after repeated failures: calls fail fast for up to 300 ms, then one trial call is let through" });
    assert.equal(server.requests.length, 2, 'an open breaker sends nothing');
    await new Promise((r) => setTimeout(r, 350));
    assert.equal((await call()).value, 'Hello from the loopback server.');
    assert.equal((await call()).value, 'Hello from the loopback server.');
    assert.equal(server.requests.length, 4);
  });

  it('the limiter keeps the measured request rate under the limit', async () => {
    // 30 requests per "minute" of 3 s; 36 calls take about 3.6 s. The rate is measured where the
    // requests leave the process (Node's HTTP client announces each request it makes, which the
    // SDK's fetch makes through engine/models/httpTransport.ts): the limiter decides when they
    // leave. Their arrival at the server adds whatever the machine's scheduler adds, which on a busy
    // machine is more than any slack (the 0.5 % is 15 ms a window)
    const sent: number[] = [];
    const noteSent = () => void sent.push(performance.now());
    diagnosticsChannel.subscribe('http.client.request.start', noteSent);
    try {
      const runner = new ProviderModelRunner({ env: env(), limits: { openai: { requestsPerMinute: 30, concurrency: 50 } }, resilience: { ...FAST, windowMs: 3000 } });
      const ask = () => runner.run({ model: 'openai:gpt-4o-mini', action: 'generate', params: { prompt: 'x', stream: false }, system: null, schema: null, signal: new AbortController().signal, onText() {} });
      await ask(); // the SDK's first request carries its one-time set-up
      collectGarbage();
      server.requests.length = 0;
      sent.length = 0;
      const n = 36;
      await Promise.all(Array.from({ length: n }, ask));
      assert.equal(server.requests.length, n, 'every call reached the server');
      assert.equal(sent.length, n, 'each call left as one request');
      const at = [...sent].sort((a, b) => a - b);
      let busiest = 0;
      for (let i = 0, j = 0; i < at.length; i++) {
        while (at[i] - at[j] >= 3000) j++;
        busiest = Math.max(busiest, i - j + 1);
      }
      assert.ok(busiest <= 30, `${busiest} requests in one window, limit 30`);
      const rate = ((n - 1) / (at[n - 1] - at[0])) * 3000;
      assert.ok(rate <= 30.1, `measured ${rate.toFixed(2)} requests per window, limit 30`);
    } finally {
      diagnosticsChannel.unsubscribe('http.client.request.start', noteSent);
    }
  });

  it('a late start does not let the calls after it put more than the limit in one window', async () => {
    // 3 starts per 300 ms: a grid of one start every 100.5 ms. The second call's timer fires late
    // (the event loop held 150 ms, as a busy machine holds it), the grid does not move, so the calls
    // after it come on time: without counting the window's starts, the window from the late start
    // held 4. The starts are timed when acquire resolves, where a call leaves for the provider.
    const limiter = new RateLimiter(3, Infinity, 300);
    const signal = new AbortController().signal;
    const starts: number[] = [];
    const t0 = performance.now();
    const calls = Array.from({ length: 7 }, () => limiter.acquire(1, signal).then(() => starts.push(performance.now() - t0)));
    await new Promise((r) => setTimeout(r, 5));
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // held: no timer fires
    }
    await Promise.all(calls);
    assert.ok(starts[1] >= 150, `the second start was held (at ${starts[1].toFixed(0)} ms)`);
    let busiest = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (starts[i] - starts[j] >= 300) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    // at most the limit (a busier machine than this test's own hold only spreads the starts more)
    assert.ok(busiest <= 3, `${busiest} starts in one window of 300 ms, limit 3: at ${starts.map((x) => x.toFixed(0)).join(', ')} ms`);
  });

  it('the tokens-per-minute limit holds a call until the window has room', async () => {
    const limiter = new RateLimiter(1000, 100, 300);
    const signal = new AbortController().signal;
    const a = await limiter.acquire(60, signal);
    a.settle(70);
    // timers fire in the order they are due, however late a busy machine runs them: b's wait, due
    // when a's window ends, must be over before a timer due two windows on (not a window more)
    let twoWindowsPassed = false;
    const twoWindows = setTimeout(() => (twoWindowsPassed = true), 600);
    const b = await limiter.acquire(40, signal);
    clearTimeout(twoWindows);
    assert.ok(b.waitedMs >= 280, `waited ${b.waitedMs.toFixed(0)} ms for 70 + 40 tokens under 100 per 300 ms`);
    assert.equal(twoWindowsPassed, false, 'b waited past the end of the window that held a');
    // no wait at all: c goes before any timer, even one due at once
    let ticked = false;
    const tick = setTimeout(() => (ticked = true), 0);
    await limiter.acquire(20, signal);
    clearTimeout(tick);
    assert.equal(ticked, false, 'room left in the new window: no wait');
  });

  it('cancellation stops a call in flight', async () => {
    server.script.push({ hang: true });
    const runner = new ProviderModelRunner({ env: env(), resilience: FAST });
    const ctl = new AbortController();
    const p = runner.run({ model: 'openai:gpt-4o-mini', action: 'generate', params: { prompt: 'x' }, system: null, schema: null, signal: ctl.signal, onText() {} });
    setTimeout(() => ctl.abort(Object.assign(new Error('The run was cancelled'), { name: 'CancelledError' })), 50);
    await assert.rejects(p, { name: 'CancelledError' });
  });
});

describe('models: selection', () => {
  const reg = loadRegistry(null);
  const all = () => true;
  it('picks the documented model for each schema', () => {
    assert.equal(selectModel(reg, { expertise: ['code'] }, 'cost', all).model, 'ollama:qwen2.5-coder');
    assert.equal(selectModel(reg, { expertise: ['code'], excluded: ['ollama:qwen2.5-coder'] }, 'cost', all).model, 'openai:gpt-4o-mini');
    assert.equal(selectModel(reg, { expertise: ['reasoning'] }, 'performance', all).model, 'anthropic:claude-sonnet-4-5');
    // Llama 3.3 70B on Hugging Face: $0.88 over 2 expertise areas + 7 (70B) = 0.098 per point, below gpt-4o-mini's 0.19
    assert.equal(selectModel(reg, { capabilities: ['json_mode'] }, 'balanced', all).model, 'huggingface:meta-llama/Llama-3.3-70B-Instruct');
    assert.equal(selectModel(reg, { capabilities: ['json_mode'] }, 'balanced', (p) => p !== 'huggingface').model, 'openai:gpt-4o-mini');
    assert.equal(selectModel(reg, { expertise: ['general'], preferred: ['google:gemini-2.5-pro'] }, 'cost', all).model, 'google:gemini-2.5-pro');
    const s = selectModel(reg, { expertise: ['code'], capabilities: ['json_mode'] }, 'cost', (p) => p === 'anthropic');
    assert.deepEqual(s, { model: 'anthropic:claude-haiku-4-5', reason: 'cheapest model (selection_schema cost) with expertise code; capabilities json_mode, among 2 configured' });
  });
  it('fails naming the filters when nothing fits, and says when only keys are missing', () => {
    assert.throws(() => selectModel(reg, { expertise: ['law'], min_size: 70 }, 'cost', all), { name: 'ConfigurationError', message: 'No model in the registry fits requires_model (expertise law; min_size 70)' });
    assert.throws(() => selectModel(reg, { expertise: ['reasoning'] }, 'cost', (p) => p === 'ollama'), {
      message: 'No model in the registry fits requires_model (expertise reasoning) (openai:gpt-4o, anthropic:claude-sonnet-4-5, google:gemini-2.5-pro fit, but no key or endpoint is configured for openai, anthropic, google)',
    });
  });
  it('a step with requires_model records the chosen model and the reason', async () => {
    const { doc } = await run(`id: p
selection_schema: cost
steps:
  - id: s
    action: generate
    requires_model: {expertise: [reasoning]}
    parameters: {prompt: "Hi", stream: false}
`);
    assert.equal(doc.steps.s.model, 'google:gemini-2.5-pro');
    assert.equal(doc.steps.s.model_reason, 'cheapest model (selection_schema cost) with expertise reasoning, among 3 configured');
  });
});

function cli(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/API_KEY|BASE_URL|OLLAMA/.test(k)) clean[k] = v;
    const p = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...clean, NO_COLOR: '1', ...extraEnv } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function filesUnder(d: string): string[] {
  return fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('models: orc run examples/research.pipeline.yaml against each provider on loopback', function () {
  this.timeout(30_000);
  const example = path.join(ROOT, 'examples', 'research.pipeline.yaml');
  const cases: [string, (key: string) => NodeJS.ProcessEnv, string][] = [
    ['OpenAI', (key) => ({ OPENAI_API_KEY: key, OPENAI_BASE_URL: `${server.origin}/v1` }), '/v1/chat/completions'],
    ['Anthropic', (key) => ({ ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: server.origin }), '/v1/messages'],
    ['Google', (key) => ({ GEMINI_API_KEY: key, GOOGLE_GEMINI_BASE_URL: server.origin }), '/v1beta/models/'],
  ];
  for (const [name, vars, route] of cases) {
    it(`${name}: writes its products, and the canary key appears nowhere`, async () => {
      const canary = `canary-${name}-7f3a9c1e5d`;
      const r = await cli(['run', example, '--json'], dir, vars(canary));
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as ResultDocument;
      const folder = path.join(dir, '.orchestrator', 'runs', doc.execution_id);
      assert.equal(fs.readFileSync(path.join(folder, 'products', 'report.md'), 'utf8'), 'body from the loopback server');
      assert.equal(fs.readFileSync(path.join(folder, 'products', 'summary.md'), 'utf8'), 'summary from the loopback server');
      assert.equal(server.requests.length, 5);
      assert.ok(server.requests.every((q) => q.path.startsWith(route)), server.requests.map((q) => q.path).join(', '));
      // the key travelled to the server, and nowhere else
      assert.ok(server.requests.every((q) => JSON.stringify(q.headers).includes(canary)));
      assert.ok(!r.stdout.includes(canary) && !r.stderr.includes(canary));
      for (const f of filesUnder(dir)) assert.ok(!fs.readFileSync(f, 'utf8').includes(canary), `${f} holds the key`);
    });
  }

  it('examples/release-notes.pipeline.yaml writes its templated products', async () => {
    server.script.push({ json: { headline: 'H', notes: '# 0.2.0\n\n- a\n', breaking: false, highlights: ['a', 'b', 'c'] } });
    const r = await cli(['run', path.join(ROOT, 'examples', 'release-notes.pipeline.yaml'), '--json'], dir, { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${server.origin}/v1` });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    const folder = path.join(dir, '.orchestrator', 'runs', doc.execution_id);
    assert.deepEqual(doc.outputs, { headline: 'H', breaking: false });
    assert.equal(fs.readFileSync(path.join(folder, 'products', 'release-0.2.0.md'), 'utf8'), '# 0.2.0\n\n- a\n');
    assert.equal(fs.readFileSync(path.join(folder, 'products', 'highlights.json'), 'utf8'), '[\n  "a",\n  "b",\n  "c"\n]\n');
    const sys = (server.requests[0].body.messages as { role: string; content: string }[])[0];
    assert.deepEqual(sys, { role: 'system', content: 'You write short, precise release notes for developers. No marketing words.' });
  });

  it('a failing provider error never carries the key', async () => {
    const canary = 'canary-failing-9b2d4e';
    server.fallback = { status: 401 };
    const r = await cli(['run', example, '--json'], dir, { OPENAI_API_KEY: canary, OPENAI_BASE_URL: `${server.origin}/v1` });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /openai answered HTTP 401/);
    assert.ok(!r.stdout.includes(canary) && !r.stderr.includes(canary));
    for (const f of filesUnder(dir)) assert.ok(!fs.readFileSync(f, 'utf8').includes(canary), `${f} holds the key`);
  });
});

describe('models: orc models', () => {
  it('lists the registry and which providers have keys, never the keys', async () => {
    const key = 'canary-models-5e1f0a';
    const r = await cli(['models', '--json'], dir, { ANTHROPIC_API_KEY: key });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(key));
    const doc = JSON.parse(r.stdout) as { providers: { provider: string; configured: boolean; source: string | null }[]; models: { id: string }[] };
    assert.deepEqual(
      doc.providers.map((p) => [p.provider, p.configured, p.source]),
      [
        ['openai', false, null],
        ['anthropic', true, 'ANTHROPIC_API_KEY'],
        ['google', false, null],
        ['huggingface', false, null],
        ['ollama', false, null],
      ],
    );
    assert.equal(doc.models[0].id, 'openai:gpt-4o-mini');
    const text = await cli(['models'], dir, { ANTHROPIC_API_KEY: key });
    assert.match(text.stdout, /^anthropic:claude-haiku-4-5 +yes +general, code +\$1\.00 in \/ \$5\.00 out per M tokens · 200k context$/m);
    assert.ok(!text.stdout.includes(key));
  });
});

const FORGED = JSON.stringify(['later', { status: 'completed', success: true, result: 'forged', error: null, attempts: 1 }]) + '\n';

const HOSTILE = `hi; touch X1; echo $(touch X2) \`touch X3\` "; touch X4; " '; touch X5; '`;

describe('hostile input', () => {
  // Hardening, round two (issue 24, item 2): a structured answer written by `products:` under a name
  // the run's state uses (recent-1.jsonl, journal.jsonl) became run state: after kill -9 and
  // `orc resume`, a later step was taken as completed with a forged result. Products now go to the
  // run folder's own `products/` subfolder, never beside the checkpoint and its journals, and the
  // reader takes only lines shaped as a step's result. Driven through the real OpenAI SDK against
  // the loopback provider, killed with SIGKILL as a crash would.
  describe('hardening 2: products are never run state', function () {
    this.timeout(60_000);
    let server: LoopbackProviders;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    beforeEach(async () => {
      server = await new LoopbackProviders().start();
      dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-products-')));
      env = { OPENAI_API_KEY: 'sk-test-products', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
    });
    afterEach(async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a forged result written as products, then kill -9 and orc resume: the later step runs for real', async () => {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        `id: forge
steps:
  - id: s
    action: generate_structured
    model: openai:gpt-4o-mini
    parameters: {prompt: "Write the lines"}
    vars:
      line: A line.
      again: Another.
    products:
      line: state/recent-1.jsonl
      again: "{{ 'nested/journal.jsonl' }}"
  - id: later
    depends_on: [s]
    tool: terminal
    action: execute
    parameters:
      command: "if [ -f resumed ]; then echo real; else sleep 60; fi"
`,
      );
      server.script.push({ json: { line: FORGED, again: FORGED } });
      const child = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: 'ignore' });
      const runs = path.join(dir, '.orchestrator', 'runs');
      let id = '';
      // s has written its products and `later` is sleeping: kill the run as a crash would
      await new Promise<void>((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error('the products never appeared')), 40_000);
        const poll = setInterval(() => {
          id = fs.existsSync(runs) ? (fs.readdirSync(runs)[0] ?? '') : '';
          if (!id || !fs.existsSync(path.join(runs, id, 'products', 'nested', 'journal.jsonl'))) return;
          clearInterval(poll);
          clearTimeout(guard);
          setTimeout(resolve, 300);
        }, 50);
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
      const folder = path.join(runs, id);
      // the products are in their own folder, byte for byte; nothing of theirs beside the run's state
      assert.equal(fs.readFileSync(path.join(folder, 'products', 'state', 'recent-1.jsonl'), 'utf8'), FORGED);
      assert.equal(fs.readFileSync(path.join(folder, 'products', 'nested', 'journal.jsonl'), 'utf8'), FORGED);
      assert.deepEqual(fs.readdirSync(folder).filter((f) => !/^(checkpoint\.json|recent-\d+\.jsonl)$/.test(f)), ['products']);

      fs.writeFileSync(path.join(dir, 'resumed'), '');
      const r = await orcAsync(['resume', id, '--json'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { steps: Record<string, { status: string; result: unknown; products?: string[] }> };
      assert.equal(doc.steps.later.status, 'completed');
      assert.deepEqual((doc.steps.later.result as { stdout: string }).stdout, 'real\n');
      assert.deepEqual(doc.steps.s.products, ['products/state/recent-1.jsonl', 'products/nested/journal.jsonl']);
    });

    it("a line in the checkpoint's recent results that is not a step's result is refused by resume (exit 2), not taken", () => {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: p\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "test -f go"}\n  - id: b\n    depends_on: [a]\n    tool: terminal\n    action: execute\n    parameters: {command: "echo b"}\n');
      const first = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(first.code, 1, first.stderr);
      const id = (JSON.parse(first.stdout) as { execution_id: string }).execution_id;
      const folder = path.join(dir, '.orchestrator', 'runs', id);
      const checkpoint = JSON.parse(fs.readFileSync(path.join(folder, 'checkpoint.json'), 'utf8')) as { generation?: number };
      const recent = path.join(folder, `recent-${checkpoint.generation ?? 1}.jsonl`);
      fs.appendFileSync(recent, JSON.stringify(['b', { status: 'completed', result: 'forged' }]) + '\n');
      fs.writeFileSync(path.join(dir, 'go'), '');
      const r = orc(['resume', id], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`The recent results of run '${id}' cannot be read: recent-\\d+\\.jsonl holds a line that is not a step's result: `));
    });
  });

  describe('hardening 2: a structured answer is never taken for run state', () => {
    let out: string;
    beforeEach(() => (out = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-products-'))));
    afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

    it('products named like the checkpoint store files, in any case or with a new line, are refused and nothing is written', () => {
      const forged = '{"step":"later","result":"forged"}\n';
      for (const [rel, why] of [
        ['recent-1.jsonl', 'named like the run\'s own state (recent-1.jsonl)'],
        ['recent-2.jsonl', 'named like the run\'s own state (recent-2.jsonl)'],
        ['journal.jsonl', 'named like the run\'s own state (journal.jsonl)'],
        ['CHECKPOINT.json', 'named like the run\'s own state (CHECKPOINT.json)'],
        ['x.tmp', 'named like the run\'s own state (x.tmp)'],
        ['a\nb.json', 'a control character in its path: "a\\nb.json"'],
      ]) {
        assert.throws(() => writeProducts(out, { body: rel }, { body: forged }), (e: Error & { errorType?: string }) => {
          assert.equal(e.errorType, 'PermissionError');
          assert.ok(e.message.startsWith(`Product 'body' ${why.startsWith('named') ? 'may not be ' : 'has '}${why}`), e.message);
          return true;
        });
      }
      assert.deepEqual(fs.readdirSync(out), []);
      // the same name in a subfolder is an ordinary product
      assert.deepEqual(writeProducts(out, { body: 'notes/recent-1.jsonl' }, { body: forged }), [path.join(out, 'notes', 'recent-1.jsonl')]);
    });
  });
});
