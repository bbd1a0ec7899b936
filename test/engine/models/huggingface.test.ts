// `huggingface:` models: Hugging Face's OpenAI-compatible router and text-generation-inference,
// through the `openai` SDK against the loopback server, with Hugging Face's own error bodies.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner, ProviderModelRunner, type ModelRunnerOptions } from '../../../engine/models/index';
import type { ResultDocument, RunEvent } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { findingsOf } from '../../helpers/findings';
import { orcAsync, type CliResult } from '../../helpers/cli';

let server: LoopbackProviders;
let dir: string;
const TOKEN = 'hf_canary_4c9e2a7b';

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HF_TOKEN: TOKEN, HUGGINGFACE_BASE_URL: `${server.origin}/v1`, ...extra };
}

async function run(yaml: string, o: ModelRunnerOptions = {}): Promise<{ doc: ResultDocument; events: RunEvent[] }> {
  const a = analyze(yaml);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error').map((f) => f.message), []);
  const events: RunEvent[] = [];
  const models = createModelRunner({ env: env(), ...o, resilience: { baseDelayMs: 5, maxDelayMs: 20, windowMs: 1000, maxAttempts: 2, ...o.resilience } });
  const doc = await runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, models, listeners: [(e) => events.push(e)] });
  return { doc, events };
}

const step = (model: string, action = 'generate', params = '{prompt: "Hi"}', extra = '') => `id: p
context: {max_retries: 1}
steps:
  - id: s
    action: ${action}
    model: ${model}
    parameters: ${params}
${extra}`;

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-hf-'));
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('huggingface: models through the openai SDK', () => {
  it('streams from /v1/chat/completions with HF_TOKEN; a :fastest suffix is passed through; registry price', async () => {
    server.script.push({ chunks: ['Llama ', 'says hi.'], tokensIn: 1000, tokensOut: 1000 });
    const { doc, events } = await run(step('huggingface:meta-llama/Llama-3.3-70B-Instruct:fastest'));
    const s = doc.steps.s;
    assert.equal(s.status, 'completed', String(s.error));
    assert.equal(s.result, 'Llama says hi.');
    const r = server.requests[0];
    assert.equal(r.path, '/v1/chat/completions');
    assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(r.body, { model: 'meta-llama/Llama-3.3-70B-Instruct:fastest', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    assert.deepEqual(events.filter((e) => e.type === 'step-output').map((e) => (e as { chunk: string }).chunk), ['Llama ', 'says hi.']);
    // the suffixed id is not in the registry (cost 0); the plain id is ($0.88 in and out per million)
    assert.equal(s.cost_usd, 0);
    server.script.push({ tokensIn: 1000, tokensOut: 1000 });
    const plain = (await run(step('huggingface:meta-llama/Llama-3.3-70B-Instruct'))).doc.steps.s;
    assert.equal(plain.cost_usd.toFixed(6), '0.001760');
  });

  it('the router is the default endpoint; HF_TOKEN is the key, and its absence says so', async () => {
    const runner = new ProviderModelRunner({ env: {} });
    assert.equal(runner.baseUrl('huggingface'), 'https://router.huggingface.co/v1');
    assert.equal(new ProviderModelRunner({ env: env() }).baseUrl('huggingface'), `${server.origin}/v1`);
    assert.equal(new ProviderModelRunner({ env: {}, baseUrls: { huggingface: 'http://127.0.0.1:9/v1' } }).baseUrl('huggingface'), 'http://127.0.0.1:9/v1');
    await assert.rejects(runner.run({ model: 'huggingface:meta-llama/Llama-3.3-70B-Instruct', action: 'generate', params: { prompt: 'x' }, system: null, schema: null, signal: new AbortController().signal, onText() {} }), {
      name: 'ConfigurationError',
      message: "No API key for provider 'huggingface': set HF_TOKEN (or store one in the editor)",
    });
  });

  it('structured output sends a strict json_schema; a server that refuses it (TGI 422) fails saying why', async () => {
    const yaml = step('huggingface:Qwen/Qwen2.5-Coder-32B-Instruct', 'generate_structured', '{prompt: "Rate"}', '    vars:\n      score: {type: integer, description: A score.}\n');
    let { doc } = await run(yaml);
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.deepEqual(doc.steps.s.vars, { score: 1 });
    assert.equal((server.requests[0].body.response_format as { type: string }).type, 'json_schema');
    server.script.push({ status: 422, errorBody: { error: 'Input validation error: grammar is not supported', error_type: 'validation' } });
    ({ doc } = await run(yaml));
    assert.equal(doc.steps.s.status, 'failed');
    assert.equal(doc.steps.s.error_type, 'ProviderError');
    assert.equal(doc.steps.s.error, "huggingface answered HTTP 422: Input validation error: grammar is not supported (structured output: huggingface may not support response_format json_schema for 'Qwen/Qwen2.5-Coder-32B-Instruct')");
  });

  it("Hugging Face's own error bodies: a refused token, a missing model, a rate limit retried after retry-after; the token is in none of them", async () => {
    server.script.push({ status: 401, errorBody: { error: 'Invalid credentials in Authorization header' } });
    let { doc } = await run(step('huggingface:meta-llama/Llama-3.3-70B-Instruct'));
    assert.equal(doc.steps.s.error, 'huggingface answered HTTP 401: Invalid credentials in Authorization header');
    server.script.push({ status: 404, errorBody: { error: 'Model not-a/model does not exist' } });
    ({ doc } = await run(step('huggingface:not-a/model')));
    assert.equal(doc.steps.s.error, 'huggingface answered HTTP 404: Model not-a/model does not exist');
    server.requests.length = 0;
    server.script.push({ status: 429, headers: { 'retry-after': '0' }, errorBody: { error: { message: 'You have exceeded your monthly included credits for Inference Providers.', type: 'rate_limit' } } });
    ({ doc } = await run(step('huggingface:meta-llama/Llama-3.3-70B-Instruct')));
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.equal(server.requests.length, 2);
    assert.ok(!JSON.stringify(doc).includes(TOKEN));
  });

  it('the analyzer knows the provider', () => {
    assert.deepEqual(findingsOf(step('hugingface:meta-llama/Llama-3.3-70B-Instruct')).map((f) => f.slice(0, 3)), [
      ['model.invalid', 'error', "Unknown model provider 'hugingface': use 'openai', 'anthropic', 'google', 'huggingface', 'ollama', 'openai-compatible', 'vscode'. Did you mean 'huggingface:meta-llama/Llama-3.3-70B-Instruct'?"],
    ]);
  });
});

describe('huggingface: orc models', () => {
  it('lists the Hugging Face models and says HF_TOKEN is set, never its value', async () => {
    const r = await cli(['models'], dir, { HF_TOKEN: TOKEN });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^huggingface:meta-llama\/Llama-3\.3-70B-Instruct +yes +general, code +\$0\.88 in \/ \$0\.88 out per M tokens · 131k context$/m);
    assert.match(r.stdout, /^huggingface: configured \(HF_TOKEN\) · https:\/\/router\.huggingface\.co\/v1$/m);
    assert.ok(!r.stdout.includes(TOKEN));
    const none = await cli(['models'], dir, {});
    assert.match(none.stdout, /^huggingface: not configured \(set HF_TOKEN\) · https:\/\/router\.huggingface\.co\/v1$/m);
  });
});

/** `orc` with no provider of this machine's environment: only the loopback servers the test names. */
function cli(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv): Promise<CliResult> {
  return orcAsync(args, { cwd, env: extraEnv, isolated: true });
}
