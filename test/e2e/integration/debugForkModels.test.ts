// Restart Frame keeps the models the debugged run ran on, in a real extension host: a pipeline on
// `openai:` debugged where OpenAI has no key, its model step sent to the editor's language model
// (`missingKeys: "editor"` in the launch configuration, as "Use the Editor's Model" in the prompt
// does), held at that step and forked there. The fork's step answers from the editor's model too
// (the fake chat model provider, test/e2e/fakeLanguageModel), where before it failed on the missing
// OpenAI key. And an eval case's variant models (the launch configuration's `models`, as the Test
// Explorer's Debug gives them) are the fork's too.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ResultDocument } from '../../../engine/api/index';
import type { OrchestratorApi } from '../../../client/api';
import { DapRecorder, pipelineRuns, until, workspace } from './helpers';

interface Fake {
  requests: { model: string; text: string }[];
  script: { text?: string; error?: 'blocked'; delayMs?: number }[];
}

const PIPELINE = `id: fork_models
steps:
  - id: intake
    tool: filesystem
    action: write
    parameters:
      path: output/fork-models.txt
      content: asked
  - id: ask
    action: generate
    model: openai:gpt-4o-mini
    dependencies: [intake]
    parameters:
      prompt: "Say hi"
`;
// ask starts on line 9 (0-based 8)

describe("Restart Frame runs the fork on the debugged run's models", () => {
  const saved = process.env.OPENAI_API_KEY;
  let dap: DapRecorder;
  let api: OrchestratorApi;
  let fake: Fake;
  let uri: vscode.Uri;

  before(async () => {
    delete process.env.OPENAI_API_KEY;
    const lm = vscode.extensions.getExtension<Fake>('orchestrator-tests.fake-language-model');
    assert.ok(lm, 'the fake model provider is loaded beside the extension');
    fake = lm.isActive ? lm.exports : await lm.activate();
    const ext = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!;
    api = ext.isActive ? ext.exports : await ext.activate();
    uri = vscode.Uri.file(path.join(workspace(), 'fork-models.pipeline.yaml'));
    fs.writeFileSync(uri.fsPath, PIPELINE);
    dap = new DapRecorder();
  });
  after(async () => {
    dap.dispose();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
    if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
  });

  beforeEach(() => {
    dap.clear();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });

  const nextStop = (n: number) => dap.nextStop(n);
  const runs = () => pipelineRuns<ResultDocument>(api.runStateFolder(uri.toString()), 'fork_models');

  /** Debugs the pipeline with `launch` added to its configuration, held before ask, then Restart Frame there, the fork held before ask: the parent run's id. */
  async function forkedAtAsk(launch: Record<string, unknown>) {
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(8, 0)))]);
    const running = new Set(api.listedRuns().map((r) => r.runId));
    assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'orchestrator', request: 'launch', name: 'fork models', pipeline: uri.fsPath, inputs: {}, ...launch }));
    const session = vscode.debug.activeDebugSession!;
    assert.equal((await nextStop(1)).reason, 'breakpoint');
    const parent = await until('the run to start', () => api.listedRuns().find((r) => r.pipelineId === 'fork_models' && r.status === 'running' && !running.has(r.runId))?.runId);
    await until("the stop's frame focused", () => vscode.debug.activeStackItem instanceof vscode.DebugStackFrame);
    await vscode.commands.executeCommand('workbench.action.debug.restartFrame');
    const at = await nextStop(2);
    assert.equal(at.reason, 'restart');
    const st = (await session.customRequest('stackTrace', { threadId: at.threadId })) as { stackFrames: { name: string }[] };
    assert.deepEqual(st.stackFrames.map((f) => f.name), ['ask']);
    return { parent };
  }

  /** Lets the fork run to its end: its result document, and the parent's. */
  async function forkRunsOut(parent: string): Promise<{ fork: ResultDocument; parent: ResultDocument | undefined }> {
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await dap.ended();
    const all = runs();
    const fork = all.find((r) => r.trigger?.kind === 'fork' && r.trigger.parent === parent);
    assert.ok(fork, `a fork of ${parent} among ${JSON.stringify(all.map((r) => [r.execution_id, r.trigger]))}`);
    return { fork, parent: all.find((r) => r.execution_id === parent) };
  }

  it("the fork's model step answers from the editor's model, as its parent's would have", async () => {
    const { parent } = await forkedAtAsk({ missingKeys: 'editor' });
    const before = fake.requests.length;
    fake.script.push({ text: 'Hi from the editor.' });
    const out = await forkRunsOut(parent);
    assert.equal(out.fork.status, 'completed', JSON.stringify(out.fork.steps.ask));
    assert.equal(out.fork.steps.ask.result, 'Hi from the editor.');
    assert.deepEqual(fake.requests.slice(before), [{ model: 'fake-echo', text: 'Say hi' }]);
    assert.equal(out.parent?.status, 'cancelled');
  });

  it("an eval case's variant model is the fork's model too", async () => {
    // the variant puts ask on the fake model: nothing needs OpenAI, so nothing is asked or sent elsewhere
    const { parent } = await forkedAtAsk({ models: { ask: 'vscode:fake/echo' }, missingKeys: 'fail' });
    const before = fake.requests.length;
    fake.script.push({ text: 'Hi from the variant.' });
    const out = await forkRunsOut(parent);
    assert.equal(out.fork.status, 'completed', JSON.stringify(out.fork.steps.ask));
    assert.deepEqual([out.fork.steps.ask.result, out.fork.steps.ask.model], ['Hi from the variant.', 'vscode:fake/echo']);
    assert.deepEqual(fake.requests.slice(before), [{ model: 'fake-echo', text: 'Say hi' }]);
  });
});
