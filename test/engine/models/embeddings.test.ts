// Embeddings end to end: `embed()` (engine/models/embeddings.ts) and the `embed` action, through the
// real SDKs (openai, @google/genai) against the loopback wire server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { embed } from '../../../engine/models/embeddings';
import { createModelRunner } from '../../../engine/models/index';
import type { RunEvent } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { LoopbackProviders, vectorFor } from '../../fixtures/providers/loopbackServer';
import { findingsOf } from '../../helpers/findings';

let server: LoopbackProviders;
let dir: string;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: `${server.origin}/v1`,
    GEMINI_API_KEY: 'gm-test',
    GOOGLE_GEMINI_BASE_URL: server.origin,
    HF_TOKEN: 'hf_test',
    HUGGINGFACE_BASE_URL: `${server.origin}/v1`,
    OLLAMA_BASE_URL: `${server.origin}/ollama/v1`,
    ...extra,
  };
}

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-embed-'));
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('embeddings: embed()', () => {
  it('OpenAI /embeddings: the exact request, one vector per text in order, tokens and registry cost', async () => {
    const r = await embed('openai:text-embedding-3-small', ['hello world', 'a'], { env: env() });
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].path, '/v1/embeddings');
    assert.equal(server.requests[0].headers.authorization, 'Bearer sk-test-openai');
    assert.deepEqual(server.requests[0].body, { model: 'text-embedding-3-small', input: ['hello world', 'a'], encoding_format: 'float' });
    assert.deepEqual(r, { vectors: [[11, 2, 104], [1, 1, 97]], tokensIn: 11, costUsd: (11 * 0.02) / 1_000_000, model: 'openai:text-embedding-3-small' });
  });

  it('Google embedContent goes to :batchEmbedContents; tokens are estimated (the API reports none)', async () => {
    const r = await embed('google:gemini-embedding-001', ['hello world', 'a'], { env: env() });
    assert.equal(server.requests[0].path, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
    assert.deepEqual(server.requests[0].body, {
      requests: [
        { content: { parts: [{ text: 'hello world' }], role: 'user' }, model: 'models/gemini-embedding-001' },
        { content: { parts: [{ text: 'a' }], role: 'user' }, model: 'models/gemini-embedding-001' },
      ],
    });
    assert.deepEqual(r.vectors, [vectorFor('hello world'), vectorFor('a')]);
    assert.equal(r.tokensIn, 3 + 1);
    assert.equal(r.costUsd, (4 * 0.15) / 1_000_000);
  });

  it('Hugging Face (HF_TOKEN) and Ollama (no key) through their OpenAI-compatible routes', async () => {
    const hf = await embed('huggingface:BAAI/bge-small-en-v1.5', ['x y'], { env: env() });
    assert.deepEqual(hf, { vectors: [[3, 2, 120]], tokensIn: 11, costUsd: 0, model: 'huggingface:BAAI/bge-small-en-v1.5' });
    const ol = await embed('ollama:nomic-embed-text', ['z'], { env: env() });
    assert.deepEqual(ol.vectors, [[1, 1, 122]]);
    assert.deepEqual(
      server.requests.map((q) => [q.path, q.headers.authorization, q.body.model]),
      [
        ['/v1/embeddings', 'Bearer hf_test', 'BAAI/bge-small-en-v1.5'],
        ['/ollama/v1/embeddings', 'Bearer ollama', 'nomic-embed-text'],
      ],
    );
  });

  it('250 texts go in batches of 100, 100 and 50; the vectors keep the texts’ order', async () => {
    const texts = Array.from({ length: 250 }, (_, i) => 'w'.repeat(i + 1));
    const r = await embed('openai:text-embedding-3-small', texts, { env: env() });
    assert.deepEqual(server.requests.map((q) => (q.body.input as string[]).length), [100, 100, 50]);
    assert.deepEqual(r.vectors.map((v) => v[0]), texts.map((t) => t.length));
    assert.equal(r.tokensIn, 33);
  });

  it('errors: a 400 fails at once with the server’s words; a 500 is retried; Anthropic has no embeddings; an empty list costs nothing', async () => {
    const e = env();
    server.script.push({ status: 400, errorBody: { error: 'Input validation error: inputs cannot be empty', error_type: 'Validation' } });
    await assert.rejects(embed('huggingface:BAAI/bge-small-en-v1.5', [''], { env: e }), { name: 'ProviderError', message: 'huggingface answered HTTP 400: Input validation error: inputs cannot be empty' });
    server.script.push({ status: 500, headers: { 'retry-after-ms': '0' } });
    assert.deepEqual((await embed('openai:text-embedding-3-small', ['ab'], { env: e })).vectors, [[2, 1, 97]]);
    assert.equal(server.requests.length, 3);
    await assert.rejects(embed('anthropic:claude-haiku-4-5', ['x'], { env: { ...e, ANTHROPIC_API_KEY: 'k' } }), {
      name: 'ConfigurationError',
      message: "Provider 'anthropic' has no embeddings here: use openai:, google:, huggingface:, ollama: or openai-compatible:",
    });
    assert.deepEqual(await embed('openai:text-embedding-3-small', [], { env: e }), { vectors: [], tokensIn: 0, costUsd: 0, model: 'openai:text-embedding-3-small' });
    assert.equal(server.requests.length, 3);
  });

  it('cancellation stops a call in flight', async () => {
    server.script.push({ hang: true });
    const ctl = new AbortController();
    const p = embed('openai:text-embedding-3-small', ['x'], { env: env(), signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error('stopped by the test')), 100);
    await assert.rejects(p, { message: 'stopped by the test' });
  });
});

describe('embeddings: the embed action', () => {
  it('a step embeds its texts: vectors and dimensions in the result, tokens and cost on the step, a model-call event', async () => {
    const a = analyze(`id: p
parameters:
  docs: {type: array, default: ["hello world", "a"]}
steps:
  - id: e
    action: embed
    model: openai:text-embedding-3-small
    parameters:
      texts: "{{ docs }}"
  - id: one
    action: embed
    model: openai:text-embedding-3-small
    parameters: {texts: "single"}
`);
    assert.deepEqual(a.findings.map((f) => f.message), []);
    const events: RunEvent[] = [];
    const doc = await runPipeline(a, { cwd: dir, checkpoint: false, models: createModelRunner({ env: env() }), listeners: [(e) => events.push(e)] });
    const e = doc.steps.e;
    assert.equal(e.status, 'completed', String(e.error));
    assert.deepEqual(e.result, { vectors: [[11, 2, 104], [1, 1, 97]], dimensions: 3 });
    assert.equal(e.model, 'openai:text-embedding-3-small');
    assert.deepEqual([e.tokens_in, e.tokens_out, e.cost_usd], [11, 0, (11 * 0.02) / 1_000_000]);
    assert.deepEqual(doc.steps.one.result, { vectors: [[6, 1, 115]], dimensions: 3 });
    assert.equal(events.filter((x) => x.type === 'model-call').length, 2);
  });

  it('the analyzer wants texts', () => {
    assert.deepEqual(findingsOf('id: p\nsteps:\n  - id: e\n    action: embed\n    model: openai:text-embedding-3-small\n    parameters: {}\n'), [
      ['param.missing', 'error', "'embed' needs the parameter 'texts'.", '5:4-5:14'],
    ]);
  });
});
