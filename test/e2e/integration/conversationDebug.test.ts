// Debugging conversations in a real extension host (#62): with "Agent handoffs" on, the run stops
// when triage hands the conversation to billing, before billing's first turn (stop reason
// 'handoff'); the workbench's own Restart Frame on the held triage step stops the run and forks it
// there, as `orc fork` does: the session goes on with the fork, held before triage, and the fork's
// record names its parent and fork point, so the Runs view lists it under its parent. The model is a
// loopback server speaking OpenAI's protocol in the extension host's own process.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import type { ResultDocument, RunSummary } from '../../../engine/api/index';
import { forksOf, runTree } from '../../../client/runTree';
import type { OrchestratorApi } from '../../../client/api';
import { DapRecorder, pipelineRuns, until, workspace } from './helpers';

const PIPELINE = `id: desk_debug
model: openai:gpt-4o-mini
agents:
  billing:
    description: Answers questions about charges and refunds.
    instructions: You are the billing specialist.
    tools: [filesystem.read]
steps:
  - id: intake
    tool: filesystem
    action: write
    parameters:
      path: output/desk-request.txt
      content: charged twice
  - id: triage
    action: agent
    tools: [filesystem.list]
    handoffs: [billing]
    dependencies: [intake]
    parameters:
      instructions: You triage support requests.
      prompt: I was charged twice for my order.
      stream: false
`;
// triage starts on line 15 (0-based 14)

describe('debugging conversations in a real workbench: handoffs and Restart Frame', () => {
  const provider = new LoopbackProviders();
  const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
  let dap: DapRecorder;
  let api: OrchestratorApi;
  let uri: vscode.Uri;

  before(async () => {
    await provider.start();
    provider.responder = (body) => ((body.messages as { role: string }[]).some((m) => m.role === 'tool') ? { text: 'I have refunded the second charge.' } : { toolCalls: [{ id: 'call_t1', name: 'transfer_to_billing', arguments: {} }] });
    process.env.OPENAI_BASE_URL = `${provider.origin}/v1`;
    process.env.OPENAI_API_KEY = 'sk-loopback-in-host';
    const ext = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!;
    api = ext.isActive ? ext.exports : await ext.activate();
    uri = vscode.Uri.file(path.join(workspace(), 'desk-debug.pipeline.yaml'));
    fs.writeFileSync(uri.fsPath, PIPELINE);
    dap = new DapRecorder();
  });
  after(async () => {
    dap.dispose();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    for (const [name, v] of [['OPENAI_BASE_URL', saved.base], ['OPENAI_API_KEY', saved.key]] as const) {
      if (v === undefined) delete process.env[name];
      else process.env[name] = v;
    }
    await provider.stop();
  });
  beforeEach(() => {
    dap.clear();
    provider.requests.length = 0;
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });
  afterEach(async () => {
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
  });

  const nextStop = (n: number) => dap.nextStop(n);
  const ended = () => dap.ended();
  /** This pipeline's run records (their result documents: this suite imports no engine code), newest first. */
  const runs = () => pipelineRuns<ResultDocument>(api.runStateFolder(uri.toString()), 'desk_debug');

  /** A breakpoint on triage, the session started: held before triage runs. */
  async function atTriage(): Promise<vscode.DebugSession> {
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(14, 0)))]);
    assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'orchestrator', request: 'launch', name: 'desk', pipeline: uri.fsPath }));
    const session = vscode.debug.activeDebugSession!;
    assert.equal((await nextStop(1)).reason, 'breakpoint');
    return session;
  }

  it('"Agent handoffs" stops at the handoff, before billing speaks', async () => {
    const session = await atTriage();
    // the filter as the Breakpoints view sets it
    await session.customRequest('setExceptionBreakpoints', { filters: ['handoff'] });
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    const at = await nextStop(2);
    assert.deepEqual([at.reason, at.description], ['handoff', 'triage handed the conversation to billing (turn 1)']);
    assert.equal(provider.requests.length, 1, "billing's first turn waits");
    const st = (await session.customRequest('stackTrace', { threadId: at.threadId })) as { stackFrames: { name: string; canRestart?: boolean }[] };
    assert.deepEqual(st.stackFrames.map((f) => [f.name, Boolean(f.canRestart)]), [
      ['handoff: triage → billing', false],
      ['turn 1: gpt-4o-mini — 1 call', false],
      ['triage', true],
    ]);
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await ended();
    assert.equal(provider.requests.length, 2);
    assert.equal(runs()[0].status, 'completed');
  });

  it("Restart Frame on the held step forks the run there; the fork is listed under its parent", async () => {
    const session = await atTriage();
    const parent = await until('the run to start', () => api.listedRuns().find((r) => r.pipelineId === 'desk_debug' && r.status === 'running')?.runId);
    // the workbench's Restart Frame, on the frame it focused at the stop (triage's): once it has focused it
    await until("the stop's frame focused", () => vscode.debug.activeStackItem instanceof vscode.DebugStackFrame);
    await vscode.commands.executeCommand('workbench.action.debug.restartFrame');
    const at = await nextStop(2);
    assert.equal(at.reason, 'restart');
    const st = (await session.customRequest('stackTrace', { threadId: at.threadId })) as { stackFrames: { name: string }[] };
    assert.deepEqual(st.stackFrames.map((f) => f.name), ['triage']);
    assert.equal(provider.requests.length, 0);
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await ended();
    const all = runs();
    const fork = all.find((r) => r.trigger?.kind === 'fork' && r.trigger.parent === parent);
    assert.ok(fork, `a fork of ${parent} among ${JSON.stringify(all.map((r) => [r.execution_id, r.trigger]))}`);
    assert.deepEqual([fork.status, fork.trigger?.at], ['completed', 'triage']);
    assert.equal(all.find((r) => r.execution_id === parent)?.status, 'cancelled');
    // the Runs view's shape: the fork under its parent, not at the top
    const folder = api.runStateFolder(uri.toString());
    const summary = (d: ResultDocument): RunSummary => ({ execution_id: d.execution_id, pipeline_id: d.pipeline_id, pipeline_file: uri.fsPath, status: d.status, started_at: d.started_at, updated_at: d.ended_at, duration_ms: d.duration_ms, steps_completed: 0, steps_total: null, tokens: 0, cost_usd: 0, ...(d.trigger ? { trigger: d.trigger } : {}) });
    const tree = runTree(all.map((r) => ({ folder, runId: r.execution_id, summary: summary(r) })));
    const root = tree.roots.find((n) => !('kind' in n) && n.runId === parent);
    assert.ok(root);
    assert.deepEqual(forksOf(tree, { folder, runId: parent, summary: null }).map((r) => r.runId), [fork.execution_id]);
    assert.equal(provider.requests.length, 2, 'the fork ran triage: the transfer, then billing');
  });
});
