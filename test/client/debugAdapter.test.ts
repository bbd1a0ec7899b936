// The debug adapter over DAP, driven by @vscode/debugadapter-testsupport's client through a socket,
// with the engine running real pipelines: the exact events and responses a debugger UI gets, and
// the files the steps write (a held step has not written its file).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { engineLauncher, PipelineDebugSession, type LaunchArguments } from '../../client/debugAdapter';
import { loadCheckpoint } from '../../engine/run/checkpointStore';
import type { ResultDocument } from '../../engine/run/events';
import { runPipeline } from '../../engine/run/runPipeline';
import { CHAIN, FAILING } from '../helpers/debugPipelines';


const LOOP = `id: loop
steps:
  - id: each
    for_each: [a, b, c, d]
    max_parallel: 1
    steps:
      - id: write
        tool: filesystem
        action: write
        parameters:
          path: "{{ item }}.txt"
          content: "{{ index }}"
  - id: done
    tool: filesystem
    action: list
    dependencies: [each]
    parameters:
      path: .
      pattern: "*.txt"
`;
// lines: each 3-12, write 7-12, done 13-19

describe('debug adapter over DAP', function () {
  this.timeout(30_000);
  let dir: string;
  let server: net.Server;
  let dc: DebugClient;
  let events: string[];
  let paused: string[];
  /** Stopped events not yet taken by a test, and a test waiting for the next one. */
  let stops: DebugProtocol.StoppedEvent[];
  let onStop: (() => void) | null;

  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const exists = (name: string) => fs.existsSync(path.join(dir, name));
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  const resultDoc = (): ResultDocument => {
    const runs = fs.readdirSync(path.join(dir, '.orchestrator', 'runs'));
    assert.equal(runs.length, 1);
    return JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', runs[0], 'result.json'), 'utf8')) as ResultDocument;
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-dap-'));
    events = [];
    paused = [];
    const launcher = engineLauncher((analysis, args: LaunchArguments, hooks, signal, listener) =>
      runPipeline(analysis, { cwd: dir, pipelineFile: args.pipeline, inputs: args.inputs, debugger: hooks, signal, listeners: [listener] }),
    );
    server = net.createServer((socket) => {
      const session = new PipelineDebugSession(launcher, (_file, at) => paused.push(at ? at.step : '-'));
      session.setRunAsServer(true);
      session.start(socket, socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    dc = new DebugClient('node', 'unused', 'orchestrator');
    await dc.start((server.address() as net.AddressInfo).port);
    stops = [];
    onStop = null;
    dc.on('stopped', (e: DebugProtocol.StoppedEvent) => {
      stops.push(e);
      onStop?.();
    });
    for (const type of ['initialized', 'stopped', 'exited', 'terminated']) {
      dc.on(type, (e: DebugProtocol.Event) => {
        if (type === 'stopped') {
          const b = (e as DebugProtocol.StoppedEvent).body;
          events.push(`stopped ${b.reason}`);
        } else if (type === 'exited') events.push(`exited ${(e as DebugProtocol.ExitedEvent).body.exitCode}`);
        else events.push(type);
      });
    }
  });

  afterEach(async () => {
    await dc.stop();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** initialize, breakpoints, configurationDone, launch; resolves with the breakpoints as verified. */
  async function launch(pipeline: string, breakpoints: DebugProtocol.SourceBreakpoint[], extra: Partial<LaunchArguments> & { filters?: string[] } = {}): Promise<DebugProtocol.Breakpoint[]> {
    const init = dc.waitForEvent('initialized');
    const launched = dc.launch({ pipeline, ...extra });
    await init;
    const bps = await dc.setBreakpointsRequest({ source: { path: pipeline }, breakpoints });
    await dc.setExceptionBreakpointsRequest({ filters: extra.filters ?? [] });
    await dc.configurationDoneRequest();
    await launched;
    return bps.body.breakpoints;
  }

  async function stoppedAt(reason: string): Promise<{ threadId: number; frames: DebugProtocol.StackFrame[]; event: DebugProtocol.StoppedEvent }> {
    // a stop can arrive before the request that caused it has its response
    if (!stops.length) await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 'stopped' event (${reason}) in 10 s; events so far: ${events.join(', ')}`)), 10_000);
      onStop = () => {
        clearTimeout(timer);
        onStop = null;
        resolve();
      };
    });
    const event = stops.shift()!;
    assert.equal(event.body.reason, reason);
    const threadId = event.body.threadId!;
    const st = await dc.stackTraceRequest({ threadId });
    return { threadId, frames: st.body.stackFrames, event };
  }

  async function scopeVars(frameId: number, scopeName: string): Promise<DebugProtocol.Variable[]> {
    const scopes = await dc.scopesRequest({ frameId });
    const s = scopes.body.scopes.find((x) => x.name === scopeName);
    assert.ok(s, `scope ${scopeName} among ${scopes.body.scopes.map((x) => x.name).join(', ')}`);
    return (await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
  }

  const nameValue = (vars: DebugProtocol.Variable[]) => vars.map((v) => [v.name, v.value]);

  it("a breakpoint on a step's line holds it before it runs; Variables show its rendered inputs; Step Over runs exactly one step", async () => {
    const f = file('chain.pipeline.yaml', CHAIN);
    const bps = await launch(f, [{ line: 11 }, { line: 2 }]);
    assert.deepEqual(
      bps.map((b) => [b.verified, b.line, b.message]),
      [
        [true, 11, undefined],
        [false, 2, "Line 2 is not inside a step: a breakpoint holds a step before it runs, so it goes on one of the step's lines"],
      ],
    );
    const first = await stoppedAt('breakpoint');
    assert.deepEqual(first.frames.map((fr) => [fr.name, fr.line, fr.source?.path]), [['greet', 7, f]]);
    assert.equal(exists('greet.txt'), false, 'the held step has not run');
    const scopes = await dc.scopesRequest({ frameId: first.frames[0].id });
    assert.deepEqual(scopes.body.scopes.map((s) => s.name), ['Inputs', 'Parameters', 'Steps']);
    assert.deepEqual(nameValue(await scopeVars(first.frames[0].id, 'Inputs')), [
      ['path', '"greet.txt"'],
      ['content', '"hello world"'],
    ]);
    assert.deepEqual(nameValue(await scopeVars(first.frames[0].id, 'Parameters')), [['who', '"world"']]);
    const threads = await dc.threadsRequest();
    assert.deepEqual(threads.body.threads.map((t) => t.name), ['greet (waiting)']);

    await dc.nextRequest({ threadId: first.threadId });
    const second = await stoppedAt('step');
    assert.deepEqual(second.frames.map((fr) => [fr.name, fr.line]), [['read', 13]]);
    assert.equal(read('greet.txt'), 'hello world');
    assert.equal(exists('copy.txt'), false);
    // the finished step's result is listed under Steps, lazily expandable
    const steps = await scopeVars(second.frames[0].id, 'Steps');
    assert.deepEqual(steps.map((v) => v.name), ['greet']);
    assert.ok(steps[0].variablesReference > 0);

    await dc.nextRequest({ threadId: second.threadId });
    const third = await stoppedAt('step');
    assert.deepEqual(third.frames.map((fr) => fr.name), ['copy']);
    assert.equal(exists('copy.txt'), false);

    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: third.threadId });
    await ended;
    assert.equal(read('copy.txt'), 'hello world');
    assert.deepEqual(events, ['initialized', 'stopped breakpoint', 'stopped step', 'stopped step', 'exited 0', 'terminated']);
    assert.deepEqual(paused, ['greet', '-', 'read', '-', 'copy', '-', '-']);
  });

  it("changing a held step's input changes what it does, and the record marks the edit", async () => {
    const f = file('chain.pipeline.yaml', CHAIN);
    await launch(f, [{ line: 7 }]);
    const s = await stoppedAt('breakpoint');
    const scopes = await dc.scopesRequest({ frameId: s.frames[0].id });
    const inputs = scopes.body.scopes.find((x) => x.name === 'Inputs')!;
    const set = await dc.setVariableRequest({ variablesReference: inputs.variablesReference, name: 'content', value: '"hello from the debugger"' });
    assert.equal(set.body.value, '"hello from the debugger"');
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: s.threadId });
    await ended;
    assert.equal(read('greet.txt'), 'hello from the debugger');
    assert.equal(read('copy.txt'), 'hello from the debugger');
    const doc = resultDoc();
    assert.deepEqual(
      doc.steps.greet.edits?.map((e) => [e.target, e.path, e.value]),
      [['inputs', 'content', 'hello from the debugger']],
    );
  });

  it("changing a finished step's result is what the next steps see", async () => {
    const f = file('chain.pipeline.yaml', CHAIN);
    await launch(f, [{ line: 20 }]);
    const s = await stoppedAt('breakpoint');
    assert.equal(s.frames[0].name, 'copy');
    const steps = await scopeVars(s.frames[0].id, 'Steps');
    const readStep = steps.find((v) => v.name === 'read')!;
    const fields = (await dc.variablesRequest({ variablesReference: readStep.variablesReference })).body.variables;
    const result = fields.find((v) => v.name === 'result')!;
    const inner = (await dc.variablesRequest({ variablesReference: result.variablesReference })).body.variables;
    assert.deepEqual(inner.find((v) => v.name === 'content')?.value, '"hello world"');
    await dc.setVariableRequest({ variablesReference: result.variablesReference, name: 'content', value: 'patched by hand' });
    // a field that is not the result cannot be changed
    const refused = await dc.setVariableRequest({ variablesReference: readStep.variablesReference, name: 'status', value: '"failed"' }).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    assert.equal(refused, "'status' cannot be changed: only a waiting step's inputs, a held tool call's arguments and a finished step's result or vars can");
    const evaluated = await dc.evaluateRequest({ expression: 'read.result.content', frameId: s.frames[0].id, context: 'watch' });
    assert.equal(evaluated.body.result, '"patched by hand"');
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: s.threadId });
    await ended;
    assert.equal(read('greet.txt'), 'hello world');
    assert.equal(read('copy.txt'), 'patched by hand');
    const doc = resultDoc();
    assert.deepEqual(doc.steps.read.edits?.map((e) => [e.target, e.path, e.value]), [['result', 'result.content', 'patched by hand']]);
  });

  it('a conditional breakpoint in a for_each stops only at the matching item, with the loop as a frame', async () => {
    const f = file('loop.pipeline.yaml', LOOP);
    await launch(f, [{ line: 11, condition: "item == 'c'" }]);
    const s = await stoppedAt('breakpoint');
    assert.deepEqual(s.frames.map((fr) => [fr.name, fr.line]), [
      ['write', 7],
      ['each [iteration 2]', 3],
    ]);
    assert.deepEqual(nameValue(await scopeVars(s.frames[0].id, 'Loop')), [
      ['item', '"c"'],
      ['index', '2'],
      ['position', '3'],
      ['is_first', 'false'],
      ['is_last', 'false'],
      ['length', '4'],
    ]);
    assert.equal((await dc.evaluateRequest({ expression: 'item | upper', frameId: s.frames[0].id, context: 'repl' })).body.result, 'C');
    assert.equal((await dc.evaluateRequest({ expression: '{{ index + 1 }} of {{ length }}', frameId: s.frames[0].id, context: 'repl' })).body.result, '3 of 4');
    assert.deepEqual([exists('a.txt'), exists('b.txt'), exists('c.txt')], [true, true, false]);
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: s.threadId });
    await ended;
    assert.deepEqual(events, ['initialized', 'stopped breakpoint', 'exited 0', 'terminated']);
  });

  it('a hit count stops at that hit only', async () => {
    const f = file('loop.pipeline.yaml', LOOP);
    await launch(f, [{ line: 8, hitCondition: '2' }]);
    const s = await stoppedAt('breakpoint');
    assert.equal(s.frames[1].name, 'each [iteration 1]');
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: s.threadId });
    await ended;
    assert.deepEqual(events, ['initialized', 'stopped breakpoint', 'exited 0', 'terminated']);
  });

  it('Step Into from a loop step stops at its first body step; Step Out runs the loop to its end', async () => {
    const f = file('loop.pipeline.yaml', LOOP);
    await launch(f, [{ line: 4 }]);
    const s = await stoppedAt('breakpoint');
    assert.deepEqual(s.frames.map((fr) => fr.name), ['each']);
    assert.deepEqual((await dc.scopesRequest({ frameId: s.frames[0].id })).body.scopes.map((x) => x.name), ['Parameters', 'Steps']);
    await dc.stepInRequest({ threadId: s.threadId });
    const inner = await stoppedAt('step');
    assert.deepEqual(inner.frames.map((fr) => fr.name), ['write', 'each [iteration 0]']);
    await dc.stepOutRequest({ threadId: inner.threadId });
    const out = await stoppedAt('step');
    assert.deepEqual(out.frames.map((fr) => fr.name), ['done']);
    assert.deepEqual([exists('a.txt'), exists('d.txt')], [true, true]);
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: out.threadId });
    await ended;
  });

  it('Pause while a step runs stops before the next step starts', async () => {
    const f = file('slow.pipeline.yaml', `id: slow
steps:
  - id: nap
    tool: terminal
    action: execute
    parameters:
      command: "sleep 1"
  - id: after
    tool: filesystem
    action: write
    dependencies: [nap]
    parameters:
      path: after.txt
      content: x
`);
    await launch(f, []);
    const threads = await dc.threadsRequest();
    assert.deepEqual(threads.body.threads.map((t) => t.name), ['nap']);
    await dc.pauseRequest({ threadId: threads.body.threads[0].id });
    const s = await stoppedAt('pause');
    assert.deepEqual(s.frames.map((fr) => fr.name), ['after']);
    assert.equal(exists('after.txt'), false);
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: s.threadId });
    await ended;
    assert.equal(exists('after.txt'), true);
    assert.deepEqual(events, ['initialized', 'stopped pause', 'exited 0', 'terminated']);
  });

  it('"Stop on failure" holds the run on the failed step with its error', async () => {
    const f = file('failing.pipeline.yaml', FAILING);
    await launch(f, [], { filters: ['failure'] });
    const s = await stoppedAt('exception');
    assert.match(s.event.body.description ?? '', /^bad failed: .*missing\.txt/);
    assert.deepEqual(s.frames.map((fr) => fr.name), ['bad']);
    const failure = await scopeVars(s.frames[0].id, 'Failure');
    assert.match(failure.find((v) => v.name === 'error')?.value ?? '', /missing\.txt/);
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: s.threadId });
    await ended;
    assert.deepEqual(events, ['initialized', 'stopped exception', 'exited 1', 'terminated']);
    assert.equal(exists('after.txt'), false);
  });

  it('Stop cancels the run and leaves a checkpoint to resume', async () => {
    const f = file('chain.pipeline.yaml', CHAIN);
    await launch(f, [{ line: 14 }]);
    const s = await stoppedAt('breakpoint');
    assert.equal(s.frames[0].name, 'read');
    const ended = dc.waitForEvent('terminated');
    await dc.terminateRequest({});
    await ended;
    const doc = resultDoc();
    assert.equal(doc.status, 'cancelled');
    const cp = loadCheckpoint(dir, doc.execution_id);
    assert.equal(cp.status, 'cancelled');
    assert.equal(cp.steps.greet.status, 'completed');
    assert.equal(exists('copy.txt'), false);
    assert.deepEqual(events, ['initialized', 'stopped breakpoint', 'exited 130', 'terminated']);
  });

  it('stopOnEntry holds the first step; a pipeline that does not compile is refused with the reason', async () => {
    const f = file('chain.pipeline.yaml', CHAIN);
    await launch(f, [], { stopOnEntry: true });
    const s = await stoppedAt('entry');
    assert.equal(s.frames[0].name, 'greet');
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: s.threadId });
    await ended;

    const bad = file('bad.pipeline.yaml', 'id: bad\nsteps:\n  - id: a\n    dependencies: [nope]\n    tool: filesystem\n    action: list\n');
    const dc2 = new DebugClient('node', 'unused', 'orchestrator');
    await dc2.start((server.address() as net.AddressInfo).port);
    try {
      const refused = await dc2.launch({ pipeline: bad }).then(
        () => 'launched',
        (e: Error) => e.message,
      );
      assert.equal(refused, 'bad.pipeline.yaml does not compile: nothing ran');
    } finally {
      await dc2.stop();
    }
  });
});
