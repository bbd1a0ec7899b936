// The pre-run check of fallback chains (issue 28, item 3): a chain whose first model has no key but a
// later one has runs (the first passed over, 'not configured'); a chain none of whose models can be
// called here is refused before anything runs, every model listed with why. Through the CLI against
// the loopback provider server the model tests use, and the engine's chain listing the editor uses.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { describeUnusable, modelChainsOf, unusableChains } from '../../../engine/models/stepModels';
import type { ResultDocument } from '../../../engine/run/events';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync, type CliResult } from '../../helpers/cli';

let openai: LoopbackProviders;
let dir: string;

const cli = (args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> => orcAsync(args, { cwd: dir, env, isolated: true });
const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
const HF = 'huggingface:meta-llama/Llama-3.3-70B-Instruct';

beforeEach(async () => {
  openai = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-chaincheck-'));
});
afterEach(async () => {
  await openai.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('fallback chains: the pre-run key check', function () {
  this.timeout(60_000);

  it('a chain whose first model has no key but a later one has runs: the first is passed over as not configured', async () => {
    write('p.yaml', `id: p
steps:
  - id: ask
    action: generate
    model: [anthropic:claude-sonnet-4-5, openai:gpt-4o-mini]
    parameters: {prompt: "Hi", stream: false}
`);
    openai.script.push({ text: 'Hello from OpenAI.', tokensIn: 3, tokensOut: 4 });
    const r = await cli(['run', 'p.yaml', '--json'], { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${openai.origin}/v1` });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    assert.equal(doc.steps.ask.result, 'Hello from OpenAI.');
    assert.equal(doc.steps.ask.model, 'openai:gpt-4o-mini');
    assert.deepEqual(doc.steps.ask.models_tried?.map((t) => [t.model, t.outcome, t.reason ?? null, t.error ?? null]), [
      ['anthropic:claude-sonnet-4-5', 'passed-over', 'not configured', "No API key for provider 'anthropic': set ANTHROPIC_API_KEY (or store one in the editor)"],
      ['openai:gpt-4o-mini', 'answered', null, null],
    ]);
    assert.equal(openai.requests.length, 1);
  });

  it('a chain with no usable model is refused before anything runs, every model listed with why (exit 2)', async () => {
    write('p.yaml', `id: p
steps:
  - id: first
    tool: filesystem
    action: write
    parameters: {path: first.txt, content: ran}
  - id: ask
    action: generate
    dependencies: [first]
    model: [anthropic:claude-sonnet-4-5, ${HF}]
    parameters: {prompt: "Hi"}
`);
    const r = await cli(['run', 'p.yaml'], {});
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      "orc: a model step could not run, so nothing ran:\nstep 'ask': no model of the chain anthropic:claude-sonnet-4-5 → huggingface:meta-llama/Llama-3.3-70B-Instruct can be called: anthropic:claude-sonnet-4-5: no API key for anthropic (set ANTHROPIC_API_KEY); huggingface:meta-llama/Llama-3.3-70B-Instruct: no API key for huggingface (set HF_TOKEN)\n",
    );
    assert.equal(fs.existsSync(path.join(dir, 'first.txt')), false, 'no step ran');
  });

  it("the pipeline's fallbacks count as the chain; steps sharing a chain are named together; a one-model step still fails when it runs", async () => {
    write('p.yaml', `id: p
model: openai:gpt-4o
fallbacks:
  openai:gpt-4o: [anthropic:claude-sonnet-4-5]
steps:
  - id: a
    action: generate
    parameters: {prompt: "Hi"}
  - id: b
    action: generate
    parameters: {prompt: "Ho"}
`);
    const r = await cli(['run', 'p.yaml'], {});
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "orc: a model step could not run, so nothing ran:\nsteps 'a', 'b': no model of the chain openai:gpt-4o → anthropic:claude-sonnet-4-5 can be called: openai:gpt-4o: no API key for openai (set OPENAI_API_KEY); anthropic:claude-sonnet-4-5: no API key for anthropic (set ANTHROPIC_API_KEY)\n");
    write('one.yaml', `id: one
steps:
  - id: a
    action: generate
    model: openai:gpt-4o
    parameters: {prompt: "Hi"}
`);
    const one = await cli(['run', 'one.yaml', '--json'], {});
    assert.equal(one.code, 1, one.stderr);
    assert.equal((JSON.parse(one.stdout) as ResultDocument).steps.a.error, "No API key for provider 'openai': set OPENAI_API_KEY (or store one in the editor)");
  });

  it("the chains the editor checks: the written list, else the pipeline's fallbacks, else the registry's; blocked only when no model can be called", () => {
    const a = analyze(`id: p
model: openai:gpt-4o
fallbacks:
  openai:gpt-4o: [${HF}]
steps:
  - id: listed
    action: generate
    model: [anthropic:claude-sonnet-4-5, openai:gpt-4o-mini]
    parameters: {prompt: "Hi"}
  - id: declared
    action: generate
    parameters: {prompt: "Hi"}
  - id: registry
    action: generate
    model: google:gemini-2.5-flash
    parameters: {prompt: "Hi"}
  - id: chosen
    action: generate
    requires_model: {expertise: [code]}
    parameters: {prompt: "Hi"}
`);
    const chains = modelChainsOf(a.pipeline!, null, (m) => (m === 'google:gemini-2.5-flash' ? ['ollama:llama3.2'] : undefined));
    assert.deepEqual(chains, [
      { chain: ['anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini'], steps: ['listed'] },
      // requires_model comes after the pipeline's model: 'chosen' calls it too
      { chain: ['openai:gpt-4o', HF], steps: ['declared', 'chosen'] },
      { chain: ['google:gemini-2.5-flash', 'ollama:llama3.2'], steps: ['registry'] },
    ]);
    // only openai has a key: the first chain runs on its second model; the others are blocked
    const unready = new Map([
      ['anthropic', 'no API key for anthropic (set ANTHROPIC_API_KEY)'],
      ['huggingface', 'no API key for huggingface (set HF_TOKEN)'],
      ['google', 'no API key for google (set GOOGLE_API_KEY or GEMINI_API_KEY)'],
      ['ollama', 'no Ollama answers at http://127.0.0.1:11434/v1'],
    ]);
    const blocked = unusableChains(chains, unready);
    assert.deepEqual(blocked.map((c) => c.steps), [['registry']]);
    assert.equal(describeUnusable(blocked), "step 'registry': no model of the chain google:gemini-2.5-flash → ollama:llama3.2 can be called: google:gemini-2.5-flash: no API key for google (set GOOGLE_API_KEY or GEMINI_API_KEY); ollama:llama3.2: no Ollama answers at http://127.0.0.1:11434/v1");
  });
});
