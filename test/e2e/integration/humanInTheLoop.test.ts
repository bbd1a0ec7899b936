// The human-in-the-loop steps in a real workbench: a user-prompt asks in an input box, a choice in
// a quick pick (answered here with the workbench's own accept and close commands, as a keyboard
// would); Escape dismisses; Cancel Run closes an open question.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { OrchestratorApi } from '../../../client/api';
import type { ResultDocument } from '../../../engine/run/events';

const EXTENSION_ID = 'orchestrator.orchestrator-pipelines';

const ASK = `id: hitl_ask
steps:
  - id: name
    tool: user-prompt
    action: execute
    parameters:
      prompt: "Your name"
      default: "Ada"
  - id: fmt
    tool: user-prompt
    action: execute
    dependencies: [name]
    parameters:
      prompt: "Output format"
      input_type: choice
      choices: ["csv", "json"]
  - id: save
    tool: filesystem
    action: write
    parameters:
      path: output/hitl.txt
      content: "{{ name.value }} {{ fmt.value }}"
`;

const NEVER = `id: hitl_never
steps:
  - id: q
    tool: user-prompt
    action: execute
    parameters:
      prompt: "Never answered"
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(name: string, text: string): Promise<{ uri: string; running: Thenable<ResultDocument | undefined> }> {
  const file = path.join(workspace(), name);
  fs.writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(doc);
  const uri = doc.uri.toString();
  return { uri, running: vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.run', uri, { inputs: {} }) };
}

describe('human-in-the-loop steps in the editor', () => {
  let api: OrchestratorApi;
  before(async () => {
    const ext = vscode.extensions.getExtension<OrchestratorApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await until('activation', async () => (ext.isActive ? ext.exports : await ext.activate()));
  });
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeQuickOpen'));

  it('asks in an input box (pre-filled with the default) and a quick pick; accepting answers both', async () => {
    const { running } = await start('hitl-ask.pipeline.yaml', ASK);
    let settled = false;
    void Promise.resolve(running).then(() => (settled = true), () => (settled = true));
    // Enter, until the run ends: first the input box (its value is the default), then the quick pick (the first choice)
    for (let i = 0; !settled && i < 200; i++) {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await sleep(250);
    }
    const doc = await running;
    assert.ok(doc, `the run started (refusal: ${api.lastRefusal()})`);
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
    const name = doc.steps.name.result as Record<string, unknown>;
    assert.deepEqual([name.value, name.answered_by], ['Ada', 'user']);
    assert.equal((doc.steps.fmt.result as Record<string, unknown>).value, 'csv');
    assert.equal(fs.readFileSync(path.join(workspace(), 'output', 'hitl.txt'), 'utf8'), 'Ada csv');
  });

  it('Escape dismisses the question: the step fails with a ValueError', async () => {
    const { uri, running } = await start('hitl-never.pipeline.yaml', NEVER);
    await until('the run to start', () => api.isRunning(uri));
    let settled = false;
    void Promise.resolve(running).then(() => (settled = true), () => (settled = true));
    // Escape, until the run ends: on a busy machine the input box may not be up yet when the first
    // close is sent (one close after a second and a half waited out the test's 90 s)
    for (let i = 0; !settled && i < 200; i++) {
      await sleep(i === 0 ? 1500 : 250);
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    }
    const doc = await running;
    assert.ok(doc);
    assert.deepEqual([doc.steps.q.status, doc.steps.q.error_type, doc.steps.q.error], ['failed', 'ValueError', "Step 'q': the question was dismissed without an answer"]);
  });

  it('Cancel Run while the question is open ends the step as cancelled', async () => {
    const { uri, running } = await start('hitl-never.pipeline.yaml', NEVER);
    await until('the run to start', () => api.isRunning(uri));
    await sleep(1500);
    await vscode.commands.executeCommand('orchestrator.cancelRun', uri);
    const doc = await running;
    assert.ok(doc);
    assert.equal(doc.status, 'cancelled');
    assert.deepEqual([doc.steps.q.status, doc.steps.q.error_type], ['cancelled', 'CancelledError']);
  });
});
