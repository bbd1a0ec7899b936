// Debugging in a real extension host: breakpoints set through VS Code's API, sessions started with
// startDebugging, Step Over / Continue / Stop through the workbench's own debug commands, and what
// the adapter told VS Code read from a debug adapter tracker (the messages the UI acts on).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { OrchestratorApi } from '../../../client/api';
import type { ResultDocument } from '../../../engine/run/events';

interface DapMessage {
  type: string;
  event?: string;
  body?: Record<string, unknown>;
}



/** Everything the adapter sent VS Code in this test, in order. */
let sent: DapMessage[] = [];
let tracker: vscode.Disposable;
let api: OrchestratorApi;

const stops = () => sent.filter((m) => m.type === 'event' && m.event === 'stopped').map((m) => m.body as { reason: string; threadId: number });

async function nextStop(count: number): Promise<{ reason: string; threadId: number }> {
  const all = await until(`stop number ${count}`, () => (stops().length >= count ? stops() : undefined));
  return all[count - 1];
}

async function frames(session: vscode.DebugSession, threadId: number): Promise<{ id: number; name: string; line: number }[]> {
  const r = (await session.customRequest('stackTrace', { threadId })) as { stackFrames: { id: number; name: string; line: number }[] };
  return r.stackFrames.map((f) => ({ id: f.id, name: f.name, line: f.line }));
}

async function variables(session: vscode.DebugSession, frameId: number, scope: string): Promise<[string, string][]> {
  const scopes = (await session.customRequest('scopes', { frameId })) as { scopes: { name: string; variablesReference: number }[] };
  const s = scopes.scopes.find((x) => x.name === scope);
  assert.ok(s, `scope ${scope} among ${scopes.scopes.map((x) => x.name).join(', ')}`);
  const vars = (await session.customRequest('variables', { variablesReference: s.variablesReference })) as { variables: { name: string; value: string }[] };
  return vars.variables.map((v) => [v.name, v.value]);
}

function ended(): Promise<void> {
  return until('the debug session to end', () => !vscode.debug.activeDebugSession && sent.some((m) => m.event === 'terminated')).then(() => undefined);
}

describe('debugging a pipeline in a real workbench', () => {
  before(async () => {
    const ext = vscode.extensions.getExtension<OrchestratorApi>('orchestrator.orchestrator-pipelines');
    assert.ok(ext);
    api = ext.isActive ? ext.exports : await ext.activate();
    tracker = vscode.debug.registerDebugAdapterTrackerFactory('orchestrator', {
      createDebugAdapterTracker: () => ({ onDidSendMessage: (m: DapMessage) => void sent.push(m) }),
    });
  });
  after(() => tracker.dispose());
  beforeEach(() => {
    sent = [];
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });
  afterEach(async () => {
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
  });

  it('a breakpoint holds a step before it runs, Variables show its rendered inputs, Step Over runs one step, and the graph shows the held step', async () => {
    const file = path.join(workspace(), 'hello.pipeline.yaml');
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const out = path.join(workspace(), 'debug-out');
    // line 23 (1-based) is inside write_greeting
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(22, 0)))]);
    const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'orchestrator', request: 'launch', name: 'hello', pipeline: file, inputs: { name: 'Debugger', out_dir: './debug-out' } });
    assert.ok(started, 'the debug session started');
    const session = vscode.debug.activeDebugSession!;
    assert.equal(session.type, 'orchestrator');

    const first = await nextStop(1);
    assert.equal(first.reason, 'breakpoint');
    const f1 = await frames(session, first.threadId);
    assert.deepEqual(f1.map((f) => [f.name, f.line]), [['write_greeting', 18]]);
    assert.equal(fs.existsSync(path.join(out, 'hello.txt')), false, 'the held step has not written its file');
    assert.deepEqual(await variables(session, f1[0].id, 'Inputs'), [
      ['path', '"./debug-out/hello.txt"'],
      ['content', '"Hello, Debugger!"'],
    ]);
    assert.deepEqual(await variables(session, f1[0].id, 'Parameters'), [
      ['name', '"Debugger"'],
      ['out_dir', '"./debug-out"'],
    ]);
    const held = await until('the graph panel to draw the held step', () => (api.panelRendered(uri.toString())?.paused === 'write_greeting' ? true : undefined));
    assert.ok(held);

    await vscode.commands.executeCommand('workbench.action.debug.stepOver');
    const second = await nextStop(2);
    assert.equal(second.reason, 'step');
    assert.deepEqual((await frames(session, second.threadId)).map((f) => f.name), ['read_greeting']);
    assert.equal(fs.readFileSync(path.join(out, 'hello.txt'), 'utf8'), 'Hello, Debugger!');
    assert.ok(api.isRunning(uri.toString()), 'the run is held, not ended');
    await until('the graph panel to draw read_greeting as held', () => (api.panelRendered(uri.toString())?.paused === 'read_greeting' ? true : undefined));

    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await ended();
    const result = api.lastResult(uri.toString()) as ResultDocument;
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.outputs, { greeting: 'Hello, Debugger!' });
    assert.equal(stops().length, 2);
    // the panel reports what it drew after the run's end reaches it: a message later than the session's end
    await until('the graph panel to draw no held step', () => ((api.panelRendered(uri.toString())?.paused ?? null) === null ? true : undefined));
  });

  it('a conditional breakpoint in a for_each stops only at the matching item', async () => {
    const file = path.join(workspace(), 'loop.pipeline.yaml');
    const uri = vscode.Uri.file(file);
    // line 26 is inside write_note, the loop's body step
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(25, 0)), true, "topic == 'templates'")]);
    assert.ok(await vscode.debug.startDebugging(undefined, { type: 'orchestrator', request: 'launch', name: 'loop', pipeline: file, inputs: { out_dir: './debug-loop' } }));
    const session = vscode.debug.activeDebugSession!;
    const stop = await nextStop(1);
    assert.equal(stop.reason, 'breakpoint');
    const f = await frames(session, stop.threadId);
    assert.deepEqual(f.map((x) => x.name), ['write_note', 'per_topic [iteration 1]']);
    const loopVars = await variables(session, f[0].id, 'Loop');
    assert.deepEqual(loopVars.find(([n]) => n === 'topic'), ['topic', '"templates"']);
    const watched = (await session.customRequest('evaluate', { expression: 'topic | upper', frameId: f[0].id, context: 'watch' })) as { result: string };
    assert.equal(watched.result, '"TEMPLATES"');
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await ended();
    assert.equal(stops().length, 1, 'only the matching iteration stopped');
    assert.equal(fs.readdirSync(path.join(workspace(), 'debug-loop', 'notes')).length, 3);
  });

  it('Stop cancels the run and leaves a checkpoint that Resume finishes', async () => {
    const file = path.join(workspace(), 'hello.pipeline.yaml');
    const uri = vscode.Uri.file(file);
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(26, 0)))]);
    assert.ok(await vscode.debug.startDebugging(undefined, { type: 'orchestrator', request: 'launch', name: 'hello', pipeline: file, inputs: { name: 'Stopped', out_dir: './debug-stop' } }));
    const stop = await nextStop(1);
    assert.deepEqual((await frames(vscode.debug.activeDebugSession!, stop.threadId)).map((x) => x.name), ['read_greeting']);
    await vscode.commands.executeCommand('workbench.action.debug.stop');
    await ended();
    const cancelled = api.lastResult(uri.toString()) as ResultDocument;
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.steps.write_greeting.status, 'completed');
    assert.equal(cancelled.steps.read_greeting.status, 'cancelled');
    const checkpoint = JSON.parse(fs.readFileSync(path.join(api.runStateFolder(uri.toString()), '.orchestrator', 'runs', cancelled.execution_id, 'checkpoint.json'), 'utf8')) as { status: string };
    assert.equal(checkpoint.status, 'cancelled');
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    const resumed = await vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.resumeRun', cancelled.execution_id);
    assert.ok(resumed, `resumed (refusal: ${api.lastRefusal()})`);
    assert.equal(resumed.status, 'completed');
    assert.deepEqual(resumed.outputs, { greeting: 'Hello, Stopped!' });
  });
});
