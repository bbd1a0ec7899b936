// The debug adapter as a debugger UI meets it: a PipelineDebugSession served on a local socket,
// driven by @vscode/debugadapter-testsupport's DebugClient, with the engine running the pipeline in
// this process. Keeps every 'stopped' event until a test takes it, and the custom events.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { engineLauncher, PipelineDebugSession, type LaunchArguments } from '../../client/debugAdapter';
import { runPipeline, type RunOptions } from '../../engine/api/index';

export interface Stop {
  threadId: number;
  frames: DebugProtocol.StackFrame[];
  event: DebugProtocol.StoppedEvent;
}

export class DapSession {
  dc!: DebugClient;
  private server!: net.Server;
  private readonly stops: DebugProtocol.StoppedEvent[] = [];
  private onStop: (() => void) | null = null;
  /** Custom events by name, in the order they came. */
  readonly custom: { event: string; body: unknown }[] = [];

  /** `options`: what the run gets besides the file, its folder, the hooks, the signal and the listener. */
  constructor(private readonly cwd: string, private readonly options: () => Partial<RunOptions> = () => ({})) {}

  async start(): Promise<void> {
    // a fork (Restart Frame) reads its parent's record in the same folder and starts from `resume`
    const launcher = engineLauncher(
      (analysis, args: LaunchArguments, hooks, signal, listener, resume) => runPipeline(analysis, { cwd: this.cwd, pipelineFile: args.pipeline, inputs: args.inputs, ...this.options(), ...(resume ? { resume } : {}), debugger: hooks, signal, listeners: [listener] }),
      this.cwd,
    );
    this.server = net.createServer((socket) => {
      const session = new PipelineDebugSession(launcher);
      session.setRunAsServer(true);
      session.start(socket, socket);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.dc = new DebugClient('node', 'unused', 'orchestrator');
    await this.dc.start((this.server.address() as net.AddressInfo).port);
    this.dc.on('stopped', (e: DebugProtocol.StoppedEvent) => {
      this.stops.push(e);
      this.onStop?.();
    });
    for (const name of ['orchestratorToolCall']) this.dc.on(name, (e: DebugProtocol.Event) => this.custom.push({ event: e.event, body: e.body }));
  }

  async stop(): Promise<void> {
    await this.dc.stop();
    await new Promise((r) => this.server.close(r));
  }

  /** initialize, breakpoints, configurationDone, launch. */
  async launch(pipeline: string, breakpoints: DebugProtocol.SourceBreakpoint[], filters: string[] = [], inputs?: Record<string, unknown>): Promise<void> {
    const init = this.dc.waitForEvent('initialized');
    const launched = this.dc.launch({ pipeline, ...(inputs ? { inputs } : {}) });
    await init;
    await this.dc.setBreakpointsRequest({ source: { path: pipeline }, breakpoints });
    await this.dc.setExceptionBreakpointsRequest({ filters });
    await this.dc.configurationDoneRequest();
    await launched;
  }

  /** The next stop (it may have come before the request that caused it was answered); its reason must be `reason`. */
  async stoppedAt(reason: string): Promise<Stop> {
    if (!this.stops.length)
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no 'stopped' event (${reason}) in 15 s`)), 15_000);
        this.onStop = () => {
          clearTimeout(timer);
          this.onStop = null;
          resolve();
        };
      });
    const event = this.stops.shift()!;
    assert.equal(event.body.reason, reason, `stopped for ${event.body.reason} (${event.body.description ?? ''}), not ${reason}`);
    const threadId = event.body.threadId!;
    const st = await this.dc.stackTraceRequest({ threadId });
    return { threadId, frames: st.body.stackFrames, event };
  }

  async scopeNames(frameId: number): Promise<string[]> {
    return (await this.dc.scopesRequest({ frameId })).body.scopes.map((s) => s.name);
  }

  async scopeRef(frameId: number, name: string): Promise<number> {
    const s = (await this.dc.scopesRequest({ frameId })).body.scopes.find((x) => x.name === name);
    assert.ok(s, `no scope ${name}`);
    return s.variablesReference;
  }

  async vars(ref: number): Promise<DebugProtocol.Variable[]> {
    return (await this.dc.variablesRequest({ variablesReference: ref })).body.variables;
  }

  /** A variable's children by name: `child(ref, 'arguments')`. */
  async child(ref: number, name: string): Promise<number> {
    const v = (await this.vars(ref)).find((x) => x.name === name);
    assert.ok(v && v.variablesReference > 0, `no expandable '${name}'`);
    return v.variablesReference;
  }

  /** Continue, and wait for the run to end. */
  async continueToEnd(threadId: number): Promise<void> {
    const ended = this.dc.waitForEvent('terminated', 30_000);
    await this.dc.continueRequest({ threadId });
    await ended;
  }

  /** Whether a stop is waiting that no test took. */
  get pendingStops(): number {
    return this.stops.length;
  }
}

/** Variables as [name, value] pairs. */
export const nameValue = (vars: DebugProtocol.Variable[]) => vars.map((v) => [v.name, v.value]);
