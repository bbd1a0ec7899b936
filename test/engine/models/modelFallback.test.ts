// Fallback chains end to end: `model:` as a list, a pipeline's `fallbacks:`, the registry's, through
// the real SDKs against two loopback servers (one per provider), the engine's model steps, the
// analyzer and the CLI.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner, type ModelRunnerOptions } from '../../../engine/models/index';
import type { ResultDocument, RunEvent } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { findingsOf } from '../../helpers/findings';
import { CLI, orcAsync, type CliResult } from '../../helpers/cli';
import { hover } from '../../../server/hover';

let openai: LoopbackProviders;
let hf: LoopbackProviders;
let dir: string;

const FAST = { baseDelayMs: 5, maxDelayMs: 20, windowMs: 1000, maxAttempts: 2 };
const HF_MODEL = 'huggingface:meta-llama/Llama-3.3-70B-Instruct';

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { OPENAI_API_KEY: 'sk-test-openai', OPENAI_BASE_URL: `${openai.origin}/v1`, HF_TOKEN: 'hf_test_token', HUGGINGFACE_BASE_URL: `${hf.origin}/v1`, ...extra };
}

async function run(yaml: string, o: ModelRunnerOptions = {}): Promise<{ doc: ResultDocument; events: RunEvent[] }> {
  const a = analyze(yaml);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error').map((f) => f.message), []);
  const events: RunEvent[] = [];
  const models = createModelRunner({ env: env(), ...o, resilience: { ...FAST, ...o.resilience } });
  const doc = await runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, models, listeners: [(e) => events.push(e)] });
  return { doc, events };
}

const chainStep = (models: string, params = '{prompt: "Hi", stream: false}') => `id: p
context: {max_retries: 1}
steps:
  - id: s
    action: generate
    model: ${models}
    parameters: ${params}
`;

beforeEach(async () => {
  openai = await new LoopbackProviders().start();
  hf = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-fallback-'));
});
afterEach(async () => {
  await openai.stop();
  await hf.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('model fallback chains', () => {
  it('503 from the first model (retries spent): the second answers, and the result says who and why', async () => {
    openai.fallback = { status: 503 };
    hf.script.push({ text: 'From Llama.', tokensIn: 20, tokensOut: 5 });
    const { doc, events } = await run(chainStep(`[openai:gpt-4o, ${HF_MODEL}]`));
    const s = doc.steps.s;
    assert.equal(s.status, 'completed', String(s.error));
    assert.equal(s.result, 'From Llama.');
    assert.equal(s.model, HF_MODEL);
    assert.equal(openai.requests.length, 2, 'the first model had its own retries');
    assert.equal(hf.requests.length, 1);
    assert.equal(hf.requests[0].path, '/v1/chat/completions');
    assert.equal(hf.requests[0].headers.authorization, 'Bearer hf_test_token');
    assert.equal(hf.requests[0].body.model, 'meta-llama/Llama-3.3-70B-Instruct');
    assert.deepEqual(s.models_tried, [
      { model: 'openai:gpt-4o', outcome: 'passed-over', reason: 'provider failure (HTTP 503), retries spent', error: 'openai answered HTTP 503: 503 scripted 503', error_type: 'ProviderError', tokens_in: 0, tokens_out: 0, cost_usd: 0 },
      // the router's Llama 3.3 70B: $0.88 in and out per million
      { model: HF_MODEL, outcome: 'answered', tokens_in: 20, tokens_out: 5, cost_usd: (20 * 0.88 + 5 * 0.88) / 1_000_000 },
    ]);
    assert.deepEqual([s.tokens_in, s.tokens_out], [20, 5]);
    const calls = events.filter((e) => e.type === 'model-call').map((e) => (e as { model: string }).model);
    assert.deepEqual(calls, [HF_MODEL]);
  });

  it('an open breaker passes over its model without a request', async () => {
    const models = createModelRunner({ env: env(), resilience: { ...FAST, maxAttempts: 1, breakerFailures: 1, halfOpenAfterMs: 60_000 } });
    const once = async () => {
      const a = analyze(chainStep(`[openai:gpt-4o-mini, ${HF_MODEL}]`));
      return (await runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, models })).steps.s;
    };
    openai.script.push({ status: 500 });
    let s = await once();
    assert.equal(s.status, 'completed', String(s.error));
    assert.equal(s.models_tried?.[0].reason, 'provider failure (HTTP 500), retries spent');
    assert.equal(openai.requests.length, 1);
    s = await once();
    assert.equal(s.status, 'completed', String(s.error));
    assert.equal(openai.requests.length, 1, 'the open breaker sent nothing');
    assert.deepEqual(s.models_tried?.[0], {
      model: 'openai:gpt-4o-mini',
      outcome: 'passed-over',
      reason: 'circuit breaker open',
      error: "The circuit breaker for provider 'openai' is open after repeated failures: calls fail fast for up to 60 s, then one trial call is let through",
      error_type: 'CircuitOpenError',
      tokens_in: 0,
      tokens_out: 0,
      cost_usd: 0,
    });
    assert.equal(s.model, HF_MODEL);
    assert.equal(hf.requests.length, 2);
  });

  it('a 400 does not fall through: the step fails at the first model and the second is never asked', async () => {
    openai.script.push({ status: 400 });
    const { doc } = await run(chainStep(`[openai:gpt-4o, ${HF_MODEL}]`));
    const s = doc.steps.s;
    assert.equal(s.status, 'failed');
    assert.equal(s.error_type, 'ProviderError');
    assert.equal(s.error, "Model 'openai:gpt-4o' failed with an error the next model would not fix, so the chain stops (openai:gpt-4o: not a failure another model could fix — openai answered HTTP 400: 400 scripted 400)");
    assert.equal(openai.requests.length, 1, 'a 400 is not retried');
    assert.equal(hf.requests.length, 0);
    assert.deepEqual(s.models_tried?.map((t) => [t.model, t.outcome]), [['openai:gpt-4o', 'failed']]);
  });

  it('a chain that runs out fails listing every model and its reason', async () => {
    openai.fallback = { status: 529 };
    // Hugging Face's router words a missing model as {"error": "..."}
    hf.script.push({ status: 404, errorBody: { error: 'Model meta-llama/Llama-3.3-70B-Instruct does not exist' } });
    const { doc } = await run(chainStep(`[openai:gpt-4o, ${HF_MODEL}]`));
    const s = doc.steps.s;
    assert.equal(s.status, 'failed');
    assert.equal(s.error_type, 'ProviderError');
    assert.equal(
      s.error,
      'Every model of the chain failed: openai:gpt-4o: provider failure (HTTP 529), retries spent — openai answered HTTP 529: 529 scripted 529; ' +
        `${HF_MODEL}: model not found (HTTP 404) — huggingface answered HTTP 404: Model meta-llama/Llama-3.3-70B-Instruct does not exist`,
    );
    assert.deepEqual(s.models_tried?.map((t) => [t.model, t.outcome]), [
      ['openai:gpt-4o', 'passed-over'],
      [HF_MODEL, 'failed'],
    ]);
    assert.equal(openai.requests.length, 2, 'the first model had its retries');
    assert.equal(hf.requests.length, 1, 'a 404 is not retried');
  });

  it('a stream cut off midway falls back: the result is the second model’s whole text', async () => {
    // the stream opens (its first event is sent), then the socket is destroyed
    openai.script.push({ chunks: ['Half ', 'an ', 'answer'], drop: true });
    hf.script.push({ chunks: ['Whole ', 'answer.'] });
    const { doc, events } = await run(chainStep(`[openai:gpt-4o-mini, ${HF_MODEL}]`, '{prompt: "Hi"}'), { resilience: { maxAttempts: 1 } });
    const s = doc.steps.s;
    assert.equal(s.status, 'completed', String(s.error));
    assert.equal(s.result, 'Whole answer.');
    assert.equal(s.model, HF_MODEL);
    assert.deepEqual(s.models_tried?.map((t) => [t.model, t.outcome, t.reason]), [
      ['openai:gpt-4o-mini', 'passed-over', 'connection failed or stream cut off'],
      [HF_MODEL, 'answered', undefined],
    ]);
    const text = events.filter((e): e is Extract<RunEvent, { type: 'step-output' }> => e.type === 'step-output' && e.stream === 'text').map((e) => e.chunk);
    assert.equal(openai.requests[0].body.stream, true);
    assert.deepEqual(text, ['Whole ', 'answer.']);
  });

  it('cost counts every attempt: an answer that failed validation, then a 503, then the next model', async () => {
    openai.script.push({ json: { score: 'high' }, tokensIn: 1000, tokensOut: 1000 }, { status: 503 }, { status: 503 });
    const { doc } = await run(`id: p
steps:
  - id: s
    action: generate_structured
    model: [openai:gpt-4o, ${HF_MODEL}]
    parameters: {prompt: "Score it"}
    vars:
      score: {type: integer, description: A score.}
`);
    const s = doc.steps.s;
    assert.equal(s.status, 'completed', String(s.error));
    assert.deepEqual(s.vars, { score: 1 });
    // gpt-4o: $2.50 in, $10.00 out per million; the router's Llama 3.3 70B $0.88 (11 in, 7 out)
    assert.equal(s.cost_usd.toFixed(8), (0.0025 + 0.01 + (18 * 0.88) / 1_000_000).toFixed(8));
    assert.deepEqual([s.tokens_in, s.tokens_out], [1011, 1007]);
    assert.deepEqual(s.models_tried?.map((t) => [t.model, t.outcome, t.tokens_in, t.cost_usd.toFixed(4)]), [
      ['openai:gpt-4o', 'passed-over', 1000, '0.0125'],
      [HF_MODEL, 'answered', 11, '0.0000'],
    ]);
    // the new model's answer is validated from the start, with the original prompt
    assert.equal((hf.requests[0].body.messages as { content: string }[])[0].content, 'Score it');
  });

  it("a pipeline's fallbacks: stand in for a model named alone; a provider with no key is passed over", async () => {
    hf.script.push({ text: 'From the fallback.' });
    const { doc } = await run(
      `id: p
model: anthropic:claude-sonnet-4-5
fallbacks:
  anthropic:claude-sonnet-4-5: [${HF_MODEL}]
steps:
  - id: s
    action: generate
    parameters: {prompt: "Hi", stream: false}
`,
    );
    const s = doc.steps.s;
    assert.equal(s.status, 'completed', String(s.error));
    assert.equal(s.result, 'From the fallback.');
    assert.deepEqual(s.models_tried?.[0], {
      model: 'anthropic:claude-sonnet-4-5',
      outcome: 'passed-over',
      reason: 'not configured',
      error: "No API key for provider 'anthropic': set ANTHROPIC_API_KEY (or store one in the editor)",
      error_type: 'ConfigurationError',
      tokens_in: 0,
      tokens_out: 0,
      cost_usd: 0,
    });
  });

  it("the registry's fallbacks apply when the pipeline declares none", async () => {
    const file = path.join(dir, 'registry.yaml');
    fs.writeFileSync(file, `models:\n  - {provider: openai, name: gpt-4o, fallbacks: [${HF_MODEL}]}\n`);
    openai.fallback = { status: 502 };
    const { doc } = await run(chainStep('openai:gpt-4o'), { registryFile: file });
    assert.equal(doc.steps.s.status, 'completed', String(doc.steps.s.error));
    assert.equal(doc.steps.s.model, HF_MODEL);
    fs.writeFileSync(file, 'models:\n  - {provider: openai, name: gpt-4o, fallbacks: gpt-4o-mini}\n');
    const runner = createModelRunner({ env: env(), registryFile: file });
    await assert.rejects(runner.run({ model: 'openai:gpt-4o', action: 'generate', params: { prompt: 'x' }, system: null, schema: null, signal: new AbortController().signal, onText() {} }), {
      message: `The model registry '${file}': entry 1's 'fallbacks' must be a list of 'provider:model' ids`,
    });
  });

  it('the analyzer checks every model of a chain, each at its own range', () => {
    assert.deepEqual(
      findingsOf(`id: p
fallbacks:
  opnai:gpt-4o: [ollama:llama3.2, gpt-4o]
steps:
  - id: s
    action: generate
    model: [openai:gpt-4o, antropic:claude-haiku-4-5, openai:gpt-4o]
    parameters: {prompt: Hi}
`),
      [
        ['model.invalid', 'error', "Unknown model provider 'opnai': use 'openai', 'anthropic', 'google', 'huggingface', 'ollama', 'openai-compatible', 'vscode'. Did you mean 'openai:gpt-4o'?", '2:2-2:14'],
        ['model.invalid', 'error', "Model 'gpt-4o' must be 'provider:model', e.g. 'openai:gpt-4o-mini'.", '2:34-2:40'],
        ['model.invalid', 'error', "Unknown model provider 'antropic': use 'openai', 'anthropic', 'google', 'huggingface', 'ollama', 'openai-compatible', 'vscode'. Did you mean 'anthropic:claude-haiku-4-5'?", '6:27-6:52'],
        ['model.invalid', 'error', "Model 'openai:gpt-4o' is already in this fallback chain: it would be asked twice.", '6:54-6:67'],
      ],
    );
    assert.deepEqual(findingsOf('id: p\nmodel: []\nsteps:\n  - {id: s, action: generate, parameters: {prompt: Hi}}\n'), [
      ['schema.range', 'error', 'Expected at least 1 items.', '1:7-1:9'],
      ['schema.type', 'error', 'Expected a string, got a list.', '1:7-1:9'],
    ]);
  });
});

describe('model fallback chains: hover', () => {
  const text = `id: p
fallbacks:
  openai:gpt-4o-mini: [ollama:llama3.2]
steps:
  - id: s
    action: generate
    model: [anthropic:claude-haiku-4-5, openai:gpt-4o-mini]
    parameters: {prompt: Hi}
  - id: t
    action: generate
    model: openai:gpt-4o-mini
    parameters: {prompt: Hi}
`;
  const at = (needle: string, nth = 0) => {
    let i = -1;
    for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
    return (hover(analyze(text), i + 2)?.contents as { value: string }).value;
  };

  it('shows the chain on each model of a list, the declared fallbacks on a model named alone', () => {
    assert.equal(
      at('openai:gpt-4o-mini]', 0),
      '**model `openai:gpt-4o-mini`**\n\n$0.15 in / $0.60 out per M tokens · 128k context\n\nexpertise: general, code; capabilities: json_mode, tools, vision\n\n**Fallback chain** (model 2 of 2): `anthropic:claude-haiku-4-5` → `openai:gpt-4o-mini`',
    );
    assert.match(at('openai:gpt-4o-mini\n'), /\n\n\*\*Falls back to\*\* \(this pipeline's `fallbacks:`\): `openai:gpt-4o-mini` → `ollama:llama3.2`$/);
    assert.match(at('ollama:llama3.2'), /^\*\*model `ollama:llama3.2`\*\*\n\nfree \(local\)[^]*\*\*Fallback\*\* of `openai:gpt-4o-mini`: `openai:gpt-4o-mini` → `ollama:llama3.2`$/);
  });
});

describe('model fallback chains: from a shell', function () {
  this.timeout(30_000);
  it('orc run: model: [openai:gpt-4o, huggingface:…] answers from the second when the first returns 503, and says why', async () => {
    openai.fallback = { status: 503, headers: { 'retry-after-ms': '0' } };
    hf.script.push({ text: 'Answered by Llama.' });
    const file = path.join(dir, 'chain.pipeline.yaml');
    fs.writeFileSync(file, chainStep(`[openai:gpt-4o, ${HF_MODEL}]`));
    const r = await cli(['run', file, '--json'], dir, env());
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    assert.equal(doc.steps.s.result, 'Answered by Llama.');
    assert.equal(doc.steps.s.model, HF_MODEL);
    assert.deepEqual(doc.steps.s.models_tried?.map((t) => [t.model, t.outcome, t.reason ?? null]), [
      ['openai:gpt-4o', 'passed-over', 'provider failure (HTTP 503), retries spent'],
      [HF_MODEL, 'answered', null],
    ]);
    assert.equal(openai.requests.length, 5, 'five attempts at the first model (the default), then the second');
    const text = await cli(['run', file], dir, env());
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /openai:gpt-4o passed over \(provider failure \(HTTP 503\), retries spent\); huggingface:meta-llama\/Llama-3\.3-70B-Instruct answered/);
  });
});

/** `orc` with no provider of this machine's environment: only the loopback servers the test names. */
function cli(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv): Promise<CliResult> {
  return orcAsync(args, { cwd, env: extraEnv, isolated: true });
}
