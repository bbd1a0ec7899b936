// Provider readiness: a keyless provider (Ollama) is ready when a server answers at its address,
// and when none does, every message names that address; it never asks for an API key.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner, ProviderModelRunner } from '../../../engine/models/index';
import { readiness } from '../../../engine/models/readiness';
import { runPipeline } from '../../../engine/run/runPipeline';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync, type CliResult } from '../../helpers/cli';

let server: LoopbackProviders;
let closed: string;
let dir: string;

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  // an address where nothing listens: a server started and stopped
  const gone = await new LoopbackProviders().start();
  closed = `${gone.origin}/v1`;
  await gone.stop();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-ready-'));
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('provider readiness', () => {
  it('ollama: ready when a server answers at its address; otherwise says which address, never "API key"', async () => {
    const up = await readiness(new ProviderModelRunner({ env: { OLLAMA_BASE_URL: `${server.origin}/v1` } }), 'ollama');
    assert.deepEqual(up, { provider: 'ollama', ready: true, reason: null, address: `${server.origin}/v1` });
    assert.equal(server.requests[0].path, '/v1/models');
    const down = await readiness(new ProviderModelRunner({ env: { OLLAMA_BASE_URL: closed } }), 'ollama');
    assert.deepEqual(down, { provider: 'ollama', ready: false, reason: `no Ollama answers at ${closed}`, address: closed });
    // the editor's setting and OLLAMA_HOST are the address too
    assert.equal((await readiness(new ProviderModelRunner({ env: {}, baseUrls: { ollama: closed } }), 'ollama')).reason, `no Ollama answers at ${closed}`);
    assert.equal(new ProviderModelRunner({ env: { OLLAMA_HOST: 'http://10.0.0.7:11434' } }).baseUrl('ollama'), 'http://10.0.0.7:11434/v1');
  });

  it('a provider with a key: ready with the key, otherwise names the variable', async () => {
    assert.deepEqual(await readiness(new ProviderModelRunner({ env: {} }), 'openai'), { provider: 'openai', ready: false, reason: 'no API key for openai (set OPENAI_API_KEY)', address: null });
    assert.equal((await readiness(new ProviderModelRunner({ env: {} }), 'google')).reason, 'no API key for google (set GOOGLE_API_KEY or GEMINI_API_KEY)');
    assert.equal((await readiness(new ProviderModelRunner({ env: { HF_TOKEN: 'x' } }), 'huggingface')).ready, true);
  });

  it('a run on an ollama model with no server fails naming the address', async () => {
    const a = analyze('id: p\nsteps:\n  - id: s\n    action: generate\n    model: ollama:llama3.2\n    parameters: {prompt: Hi, stream: false}\n');
    const models = createModelRunner({ env: { OLLAMA_BASE_URL: closed }, resilience: { maxAttempts: 1 } });
    const doc = await runPipeline(a, { cwd: dir, checkpoint: false, models });
    assert.equal(doc.steps.s.status, 'failed');
    assert.equal(doc.steps.s.error, `ollama: no Ollama answers at ${closed} (connection failed (Connection error.))`);
  });

  it('orc models says whether a server answers at the ollama address', async () => {
    const up = await cli(['models'], dir, { OLLAMA_BASE_URL: `${server.origin}/v1` });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, new RegExp(`^ollama: a server answers at ${server.origin}/v1$`, 'm'));
    assert.match(up.stdout, /^ollama:llama3\.2 +yes /m);
    const down = await cli(['models'], dir, { OLLAMA_BASE_URL: closed });
    assert.match(down.stdout, new RegExp(`^ollama: no Ollama answers at ${closed} \\(it takes no key: start it, or set OLLAMA_BASE_URL\\)$`, 'm'));
    assert.doesNotMatch(down.stdout, /API key.*ollama|ollama.*API key/);
  });
});

/** `orc` with no provider of this machine's environment: only the loopback servers the test names. */
function cli(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv): Promise<CliResult> {
  return orcAsync(args, { cwd, env: extraEnv, isolated: true });
}
