// The editor's own language models in a real extension host: a fake chat model provider (a second
// extension under development, test/e2e/fakeLanguageModel, registered with
// vscode.lm.registerLanguageModelChatProvider) answers `vscode:` steps; a step whose provider has
// no key runs on it when the run says so; its errors and cancellation reach the run.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { OrchestratorApi } from '../../../client/api';
import type { ResultDocument } from '../../../engine/run/events';

interface Fake {
  requests: { model: string; text: string }[];
  script: { text?: string; error?: 'blocked'; delayMs?: number }[];
}



const pipeline = (model: string, prompt = 'Say hello') => `id: lm
steps:
  - id: ask
    action: generate
    model: ${model}
    parameters:
      prompt: "${prompt}"
  - id: save
    tool: filesystem
    action: write
    dependencies: [ask]
    parameters:
      path: output/lm.txt
      content: "{{ ask.result }}"
`;

describe("the editor's language models as a provider", () => {
  let fake: Fake;
  let api: OrchestratorApi;
  const saved = process.env.OPENAI_API_KEY;
  const file = () => path.join(workspace(), 'lm.pipeline.yaml');
  /** Writes the pipeline and waits until the editor's document has the new text (a run reads that). */
  const setPipeline = async (text: string) => {
    await vscode.workspace.fs.writeFile(vscode.Uri.file(file()), Buffer.from(text));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file()));
    await until('the document to show the new text', () => doc.getText() === text);
  };
  const run = (request: Record<string, unknown> = {}) => vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.run', vscode.Uri.file(file()).toString(), { inputs: {}, ...request });

  before(async () => {
    const ext = vscode.extensions.getExtension<Fake>('orchestrator-tests.fake-language-model');
    assert.ok(ext, 'the fake model provider is loaded beside the extension');
    fake = ext.isActive ? ext.exports : await ext.activate();
    api = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!.exports;
    delete process.env.OPENAI_API_KEY;
    const models = await until('the fake model to be offered', async () => {
      const m = await vscode.lm.selectChatModels({ vendor: 'fake' });
      return m.length ? m : undefined;
    });
    assert.deepEqual(models.map((m) => [m.vendor, m.family]), [['fake', 'echo']]);
  });
  after(() => {
    if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
  });

  it('a generate step on vscode:fake/echo runs through the editor\'s model: its answer, its tokens, its stream', async () => {
    await setPipeline(pipeline('vscode:fake/echo'));
    fake.script.push({ text: 'Hello from the fake model.' });
    const before = fake.requests.length;
    const result = await run();
    assert.equal(result?.status, 'completed', JSON.stringify(result?.steps.ask));
    assert.equal(result.steps.ask.result, 'Hello from the fake model.');
    assert.equal(result.steps.ask.model, 'vscode:fake/echo');
    // the model's own token counter: four characters a token
    assert.deepEqual([result.steps.ask.tokens_in, result.steps.ask.tokens_out], [Math.ceil('Say hello'.length / 4), Math.ceil('Hello from the fake model.'.length / 4)]);
    assert.deepEqual(fake.requests.slice(before), [{ model: 'fake-echo', text: 'Say hello' }]);
    assert.equal(fs.readFileSync(path.join(workspace(), 'output', 'lm.txt'), 'utf8'), 'Hello from the fake model.');
    // streamed word by word into the step's output
    assert.equal(api.stepText(vscode.Uri.file(file()).toString(), 'ask'), 'Hello from the fake model.');
  });

  it("a step whose provider has no key here runs on the editor's model when the run says so", async () => {
    await setPipeline(pipeline('openai:gpt-4o-mini', 'Say hi'));
    const refused = await run({ missingKeys: 'fail' });
    assert.equal(refused?.status, 'failed', JSON.stringify(refused?.steps.ask));
    assert.match(refused.steps.ask.error ?? '', /No API key for provider 'openai'/);
    fake.script.push({ text: 'Hi from the editor.' });
    const before = fake.requests.length;
    const result = await run({ missingKeys: 'editor' });
    assert.equal(result?.status, 'completed', JSON.stringify(result?.steps.ask));
    assert.equal(result.steps.ask.result, 'Hi from the editor.');
    assert.deepEqual(fake.requests.slice(before).map((r) => r.text), ['Say hi']);
  });

  it("the model's refusal fails the step with the reason; Cancel stops a streaming answer", async () => {
    await setPipeline(pipeline('vscode:fake/echo'));
    fake.script.push({ error: 'blocked' });
    const blocked = await run();
    assert.equal(blocked?.status, 'failed', JSON.stringify(blocked?.steps.ask));
    assert.match(blocked.steps.ask.error ?? '', /vscode:fake\/echo: the editor's language model blocked the request \(quota or rate limit\)/);

    // 36,000 pieces 50 ms apart: half an hour of streaming, far past the test's timeout, unless Cancel stops it
    fake.script.push({ text: 'a slow answer '.repeat(12_000), delayMs: 50 });
    const uri = vscode.Uri.file(file()).toString();
    const running = run();
    await until('the answer to start streaming', () => api.stepText(uri, 'ask').length > 0);
    await vscode.commands.executeCommand('orchestrator.cancelRun', uri);
    const cancelled = await running;
    assert.equal(cancelled?.status, 'cancelled', JSON.stringify(cancelled?.steps.ask));
    assert.equal(cancelled.steps.save.status, 'cancelled');
  });
});
