// Model access in the editor, the pure parts: `vscode:` ids to selectors, JSON in chat answers,
// stored keys ahead of the environment, rerouting a provider without a key, the model settings,
// and which providers a pipeline's model steps call.
import { strict as assert } from 'node:assert';
import { analyze } from '../../engine/analyze/index';
import { ProviderModelRunner } from '../../engine/models/index';
import { modelProvidersOf } from '../../engine/models/stepModels';
import type { ModelRequest, ModelRunner } from '../../engine/models/modelRunner';
import { environmentFor, jsonOf, modelSettings, rerouted, selectorOf } from '../../client/modelChoice';

describe('model access in the editor (pure parts)', () => {
  it('maps vscode: ids to vscode.lm selectors', () => {
    assert.deepEqual(selectorOf('*'), {});
    assert.deepEqual(selectorOf('copilot'), { vendor: 'copilot' });
    assert.deepEqual(selectorOf('copilot/gpt-4o'), { vendor: 'copilot', family: 'gpt-4o' });
    assert.deepEqual(selectorOf('copilot/*'), { vendor: 'copilot' });
  });

  it('reads JSON from a chat answer: bare, fenced, or inside prose', () => {
    assert.deepEqual(jsonOf('{"a": 1}'), { a: 1 });
    assert.deepEqual(jsonOf('Here it is:\n```json\n{"value": [1, 2]}\n```\n'), { value: [1, 2] });
    assert.deepEqual(jsonOf('Sure. {"holds": true} Hope that helps.'), { holds: true });
    assert.throws(() => jsonOf('no json here'));
  });

  it('a stored key wins over the environment: its variables are left out of the run\'s environment', async () => {
    const env = { OPENAI_API_KEY: 'sk-from-env', ANTHROPIC_API_KEY: 'sk-ant-env', PATH: '/bin' };
    const out = environmentFor(env, ['openai']);
    assert.deepEqual(out, { ANTHROPIC_API_KEY: 'sk-ant-env', PATH: '/bin' });
    assert.equal(env.OPENAI_API_KEY, 'sk-from-env', 'the process environment is not changed');
    const runner = new ProviderModelRunner({ env: out, secrets: async (p) => (p === 'openai' ? 'sk-stored' : undefined) });
    assert.equal(await runner.key('openai'), 'sk-stored');
    assert.equal(await runner.key('anthropic'), 'sk-ant-env');
  });

  it('reroutes the steps of a provider without a key, and only those', async () => {
    const seen: string[] = [];
    const inner: ModelRunner = { run: async (r: ModelRequest) => (seen.push(r.model), { value: 'ok', model: r.model, tokens_in: 0, tokens_out: 0, cost_usd: 0 }) };
    const r = rerouted(inner, new Map([['openai', 'vscode:*']]));
    const req = (model: string): ModelRequest => ({ model, action: 'generate', params: {}, system: null, schema: null, signal: new AbortController().signal, onText: () => undefined });
    await r.run(req('openai:gpt-4o-mini'));
    await r.run(req('anthropic:claude-haiku-4-5'));
    assert.deepEqual(seen, ['vscode:*', 'anthropic:claude-haiku-4-5']);
    assert.equal(rerouted(inner, new Map()), inner);
    // an agent step's turns too
    const chats: string[] = [];
    const withChat: ModelRunner = { ...inner, chat: async (c) => (chats.push(c.model), { text: 'ok', toolCalls: [], message: { role: 'assistant', text: 'ok', toolCalls: [] }, model: c.model, tokens_in: 0, tokens_out: 0, cost_usd: 0, latency_ms: 0, wait_ms: 0 }) };
    const turn = { system: null, messages: [], tools: [], parallelToolCalls: true, toolChoice: 'auto' as const, schema: null, maxTokens: null, temperature: null, stream: false, signal: new AbortController().signal, onText: () => undefined, onCall: () => undefined, stepId: 'a' };
    await rerouted(withChat, new Map([['openai', 'vscode:*']])).chat!({ ...turn, model: 'openai:gpt-4o-mini' });
    assert.deepEqual(chats, ['vscode:*']);
    assert.equal(rerouted(inner, new Map([['openai', 'vscode:*']])).chat, undefined);
  });

  it('reads the model settings, keeping only well-formed values', () => {
    assert.deepEqual(modelSettings({ baseUrls: { openai: 'http://127.0.0.1:8000/v1/', ollama: 'not a url', x: 3 }, default: 'vscode:*', orchestrator: 'gpt-4o' }), {
      baseUrls: { openai: 'http://127.0.0.1:8000/v1' },
      default: 'vscode:*',
      orchestrator: null,
    });
    assert.deepEqual(modelSettings({}), { baseUrls: {}, default: null, orchestrator: null });
  });

  it("finds the providers a pipeline's model steps call", () => {
    const a = analyze(`id: p
model: anthropic:claude-haiku-4-5
experts:
  coder: openai:gpt-4o
steps:
  - id: a
    action: generate
    parameters: {prompt: hi}
  - id: b
    action: generate
    expert: coder
    parameters: {prompt: hi}
  - id: c
    action: generate
    model: vscode:copilot/gpt-4o
    parameters: {prompt: hi}
  - id: d
    tool: filesystem
    action: list
    parameters: {path: .}
`);
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), [], 'vscode: is a known provider');
    assert.deepEqual(modelProvidersOf(a.pipeline!), ['anthropic', 'openai', 'vscode']);
    const noDefault = analyze('id: q\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: hi}\n');
    assert.deepEqual(modelProvidersOf(noDefault.pipeline!), []);
    assert.deepEqual(modelProvidersOf(noDefault.pipeline!, 'google:gemini-2.5-flash'), ['google']);
    // a tool whose action calls a model counts too; one that does not, does not
    const toolSteps = analyze('id: t\nsteps:\n  - id: o\n    tool: prompt-optimization\n    action: execute\n    model: anthropic:claude-sonnet-4-5\n    parameters: {prompt: hi}\n  - id: f\n    tool: filesystem\n    action: list\n    model: google:gemini-2.5-flash\n    parameters: {path: .}\n');
    assert.deepEqual(modelProvidersOf(toolSteps.pipeline!), ['anthropic']);
  });

  it("on the command line a vscode: model is a clear error, not an unknown provider", async () => {
    const runner = new ProviderModelRunner({ env: {} });
    await assert.rejects(
      runner.run({ model: 'vscode:copilot/gpt-4o', action: 'generate', params: { prompt: 'hi' }, system: null, schema: null, signal: new AbortController().signal, onText: () => undefined }),
      /'vscode:' models are the editor's own language models: they exist only inside VS Code/,
    );
  });
});
