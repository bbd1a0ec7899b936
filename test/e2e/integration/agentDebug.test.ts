// Debugging an agent step in a real extension host: a breakpoint set through VS Code's API, Step
// Into through the workbench's own command stops before the agent's tool call, an argument changed
// with setVariable is what the tool runs with, and the extension's "Deny Tool Call" command denies
// the call of a second run. The model is a loopback server speaking OpenAI's protocol, started in
// the extension host's own process (whose environment the extension reads at each run).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import type { OrchestratorApi } from '../../../client/api';
import type { AgentStepResult, ResultDocument } from '../../../engine/api/index';
import { DapRecorder, until, workspace } from './helpers';

describe('debugging an agent step in a real workbench', () => {
  const provider = new LoopbackProviders();
  const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
  let dap: DapRecorder;
  let api: OrchestratorApi;
  let uri: vscode.Uri;
  const note = () => path.join(workspace(), 'output', 'in-host-debug-note.md');

  before(async () => {
    await provider.start();
    provider.responder = (body) =>
      (body.messages as unknown[]).length === 1 ? { toolCalls: [{ id: 'call_note', name: 'filesystem_write', arguments: { path: 'output/in-host-debug-note.md', content: 'Draft.' } }] } : { text: 'Done.' };
    process.env.OPENAI_BASE_URL = `${provider.origin}/v1`;
    process.env.OPENAI_API_KEY = 'sk-loopback-in-host';
    const ext = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines')!;
    api = ext.isActive ? ext.exports : await ext.activate();
    uri = vscode.Uri.file(path.join(workspace(), 'agent-debug.pipeline.yaml'));
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
    fs.rmSync(note(), { force: true });
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });
  afterEach(async () => {
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
  });

  const nextStop = (n: number) => dap.nextStop(n);
  const ended = () => dap.ended();

  /** A breakpoint on the agent step (line 7), the session started, Step Into: stopped before the call. */
  async function atTheCall(): Promise<{ session: vscode.DebugSession; threadId: number }> {
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(6, 0)))]);
    assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'orchestrator', request: 'launch', name: 'agent', pipeline: uri.fsPath }));
    const session = vscode.debug.activeDebugSession!;
    assert.equal((await nextStop(1)).reason, 'breakpoint');
    assert.equal(provider.requests.length, 0, 'held before its first model call');
    await vscode.commands.executeCommand('workbench.action.debug.stepInto');
    const at = await nextStop(2);
    assert.deepEqual([at.reason, at.description], ['step', 'scribe is about to call filesystem.write (turn 1, call_note)']);
    // the adapter told the extension where it stands (the toolbar's Deny Tool Call follows it)
    assert.deepEqual(dap.sent.filter((m) => m.event === 'orchestratorToolCall').pop()?.body, { held: { tool: 'filesystem.write', id: 'call_note', turn: 1, agent: 'scribe' } });
    return { session, threadId: at.threadId };
  }

  it('Step Into stops before the call; an argument changed with setVariable is what the tool writes', async () => {
    const { session, threadId } = await atTheCall();
    const st = (await session.customRequest('stackTrace', { threadId })) as { stackFrames: { id: number; name: string; line: number }[] };
    assert.deepEqual(st.stackFrames.map((f) => [f.name, f.line]), [
      ['before filesystem.write (call_note)', 6],
      ['turn 1: gpt-4o-mini — 1 call', 6],
      ['scribe', 6],
    ]);
    const scopes = (await session.customRequest('scopes', { frameId: st.stackFrames[0].id })) as { scopes: { name: string; variablesReference: number }[] };
    const call = (await session.customRequest('variables', { variablesReference: scopes.scopes[0].variablesReference })) as { variables: { name: string; value: string; variablesReference: number }[] };
    const args = call.variables.find((v) => v.name === 'arguments')!;
    await session.customRequest('setVariable', { variablesReference: args.variablesReference, name: 'content', value: '"Written from the extension host."' });
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await ended();
    assert.equal(fs.readFileSync(note(), 'utf8'), 'Written from the extension host.');
    const doc = api.lastResult(uri.toString()) as ResultDocument;
    const made = (doc.steps.scribe.result as AgentStepResult).tool_calls[0];
    assert.deepEqual([made.status, made.edited, made.arguments], ['ok', true, { path: 'output/in-host-debug-note.md', content: 'Written from the extension host.' }]);
  });

  it('the Deny Tool Call command denies the call; the model is told so', async () => {
    await atTheCall();
    await vscode.commands.executeCommand('orchestrator.debug.denyToolCall');
    await ended();
    assert.equal(fs.existsSync(note()), false);
    const doc = api.lastResult(uri.toString()) as ResultDocument;
    const made = (doc.steps.scribe.result as AgentStepResult).tool_calls[0];
    assert.deepEqual([made.status, made.error], ['denied', 'The call was denied by the person debugging the run.']);
    const told = provider.requests[1].body as { messages: { role: string; tool_call_id?: string; content: string }[] };
    assert.deepEqual(told.messages[told.messages.length - 1], { role: 'tool', tool_call_id: 'call_note', content: 'Error: The call was denied by the person debugging the run.' });
  });
});
