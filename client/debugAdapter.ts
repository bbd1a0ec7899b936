// The debug adapter (DAP, `@vscode/debugadapter`): breakpoints on steps, the running steps as threads,
// their inputs, loop variables, parameters and finished results as variables, template expressions
// in Watch and the debug console, edits that the rest of the run sees, and Continue / Step Over /
// Pause / Stop; Step Into on an agent step stops before each of its tool calls (debugToolCalls.ts),
// "Agent handoffs" stops at each handoff, and Restart Frame forks the run at a step (debugFork.ts).
// It drives a run through the engine's debugger hooks and imports no `vscode`: the extension runs it
// inline in the extension host, and tests drive it over DAP directly.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DebugSession, Event, ExitedEvent, Handles, InitializedEvent, OutputEvent, Scope, Source, StoppedEvent, TerminatedEvent, Thread, ThreadEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { type DebugControl, evaluate, type GraphDocument, type HandoffPoint, hasTemplateSyntax, type ListScope, type PausePoint, renderValue, type ToolCallDecision, type ToolCallPoint, type ResultDocument, type Resumption, type RunDebugger, type RunEvent, type RunListener, type Scope as TemplateScope, setAtPath, type StepEdit, type StepResult, type StepScope } from '../engine/api/index';
import { findNode } from './stepAt';
import { DebugVariables } from './debugVariables';
import { StepBreakpoints } from './debugBreakpoints';
import { type CallFrame, DENY_TOOL_CALL, HeldCalls, TOOL_CALL_EVENT } from './debugToolCalls';
import { restartPoint } from './debugFork';
import { CAPABILITIES, FAILURE_FILTER, HANDOFF_FILTER, keyOf, type Mode, RUN_THREAD, stepFrames, type StepThread } from './debugThreads';

export { display, parseTyped } from './debugVariables';
export { engineLauncher } from './debugLauncher';
import type { LaunchArguments, Launcher } from './debugLauncher';
export { hitMatches } from './debugBreakpoints';

/** What a launch configuration of type `orchestrator` may say. */
export type { LaunchArguments, Launcher } from './debugLauncher';

/** Where the run is held, for the graph panel (null: it goes on). */
export type PauseListener = (file: string, at: { step: string; scope: StepScope[] } | null) => void;

export { FAILURE_FILTER, HANDOFF_FILTER } from './debugThreads';

export class PipelineDebugSession extends DebugSession {
  private mode: Mode = 'running';
  private pendingReason = 'pause';
  private steppingKey: string | null = null;
  private focus: StepThread | null = null;
  private readonly threads = new Map<number, StepThread>();
  private readonly threadByKey = new Map<string, StepThread>();
  private nextThreadId = RUN_THREAD + 1;
  private readonly breakpoints: StepBreakpoints;
  private stopOnFailure = false;
  private stopOnHandoff = false;
  /** The run debugged (its id once started), how it was launched, and the step a fork made by Restart Frame stops before. */
  private runId: string | null = null;
  private args: LaunchArguments | null = null;
  private restartAt: string | null = null;
  /** Level 0: the step; above: its enclosing loop iterations; -1 with `at`: a held call's frames. */
  private readonly frames = new Handles<{ thread: number; level: number; at?: CallFrame }>();
  private readonly variables = new DebugVariables({ control: () => this.control, editInputs: (thread, path, value) => this.editInputs(thread, path, value), editCall: (thread, path, value) => this.calls.edit(thread, path, value) });
  private readonly calls = new HeldCalls(this.variables);
  private control: DebugControl | null = null;
  private file = '';
  private graph: GraphDocument | null = null;
  private pipelineId = 'pipeline';
  private abort = new AbortController();
  private done: Promise<ResultDocument | undefined> | null = null;
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((resolve) => (this.configured = resolve));

  constructor(
    private readonly launcher: Launcher,
    private readonly onPause: PauseListener = () => undefined,
    private readonly readText: (file: string) => string = (f) => readFileSync(f, 'utf8'),
  ) {
    super();
    this.breakpoints = new StepBreakpoints(readText);
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = CAPABILITIES;
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const file = args.source.path ? path.resolve(args.source.path) : '';
    response.body = { breakpoints: this.breakpoints.set(file, args.breakpoints ?? [], (line) => this.convertClientLineToDebugger(line)) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.stopOnFailure = args.filters.includes(FAILURE_FILTER);
    this.stopOnHandoff = args.filters.includes(HANDOFF_FILTER);
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): Promise<void> {
    // breakpoints arrive between `initialized` and configurationDone; a client that never sends it
    // still gets its run after a second
    await Promise.race([this.configurationDone, new Promise((r) => setTimeout(r, 1000))]);
    if (!args.pipeline) return this.sendErrorResponse(response, { id: 1001, format: 'The launch configuration needs "pipeline": the pipeline file to debug', showUser: true });
    this.file = path.resolve(args.pipeline);
    this.graph = this.breakpoints.graphFor(this.file);
    if (args.stopOnEntry) [this.mode, this.pendingReason] = ['pausing', 'entry'];
    const refused = await this.startRun(args);
    if (refused) return this.sendErrorResponse(response, refused);
    this.sendResponse(response);
  }

  /** Starts the run: the one launched, or the fork Restart Frame makes. Resolves with why it did not start, if it did not. */
  private async startRun(args: LaunchArguments): Promise<{ id: number; format: string; showUser: true } | undefined> {
    const hooks: RunDebugger = {
      beforeStep: (point, control) => this.arrive(point, control),
      afterFailure: (point, result, control) => this.failed(point, result, control),
      beforeToolCall: (point, control) => this.atToolCall(point, control),
      atHandoff: (point, control) => this.atHandoff(point, control),
    };
    let started: Awaited<ReturnType<Launcher>>;
    const abort = (this.abort = new AbortController());
    try {
      started = await this.launcher(args, hooks, abort.signal, (e) => this.onRunEvent(e));
    } catch (e) {
      return { id: 1002, format: `The pipeline could not start: ${(e as Error).message}`, showUser: true };
    }
    if ('refused' in started) return { id: 1003, format: started.refused, showUser: true };
    this.args = args;
    // a run Restart Frame replaced ends without ending the session
    const done = (this.done = started.done);
    done.then(
      (doc) => this.done === done && this.finished(doc),
      (e) => this.done === done && this.finished(undefined, (e as Error).message),
    );
  }

  /** Restart Frame on a step's frame: the run is stopped and forked at the step (a loop's frame, or a frame inside one: the top-level loop); the session debugs the fork, held before the step. */
  protected override async restartFrameRequest(response: DebugProtocol.RestartFrameResponse, args: DebugProtocol.RestartFrameArguments): Promise<void> {
    const f = this.frames.get(args.frameId);
    const t = f && f.level >= 0 ? this.threads.get(f.thread) : undefined;
    const parent = this.runId;
    if (!t || !parent || !this.args) return this.sendErrorResponse(response, { id: 5001, format: "Restart Frame forks the run at a step: choose a step's frame (not a tool call's or a turn's)", showUser: true });
    const at = restartPoint(t.point);
    await this.stopRun(true);
    for (const x of [...this.threads.values()]) this.endThread(x);
    this.goOn();
    [this.mode, this.steppingKey, this.calls.into, this.restartAt] = ['running', null, null, at];
    this.sendEvent(new OutputEvent(`run ${parent} stopped; forking it at '${at}'\n`, 'console'));
    const refused = await this.startRun({ ...this.args, stopOnEntry: false, fork: { run: parent, at } });
    if (!refused) return this.sendResponse(response);
    this.sendErrorResponse(response, refused);
    this.finished(undefined, refused.format);
  }

  private finished(doc: ResultDocument | undefined, error?: string): void {
    this.onPause(this.file, null);
    if (doc) this.sendEvent(new OutputEvent(`${doc.pipeline_id}: run ${doc.execution_id} ${doc.status} in ${doc.duration_ms} ms\n`, 'console'));
    else if (error) this.sendEvent(new OutputEvent(`The run stopped with an internal error: ${error}\n`, 'stderr'));
    this.sendEvent(new ExitedEvent(doc?.status === 'completed' ? 0 : doc?.status === 'cancelled' ? 130 : 1));
    this.sendEvent(new TerminatedEvent());
  }

  private onRunEvent(e: RunEvent): void {
    switch (e.type) {
      case 'run-started':
        this.pipelineId = e.pipelineId;
        this.runId = e.executionId;
        break;
      case 'step-output':
        this.sendEvent(new OutputEvent(e.chunk, e.stream === 'stderr' ? 'stderr' : 'stdout'));
        break;
      case 'warning':
        this.sendEvent(new OutputEvent(`warning${e.stepId ? ` (${e.stepId})` : ''}: ${e.message}\n`, 'console'));
        break;
      case 'step-ended': {
        const key = keyOf(e.stepId, e.scope);
        const t = this.threadByKey.get(key);
        if (t && !t.release) this.endThread(t);
        if (key === this.calls.into) this.calls.into = null;
        if (this.mode === 'stepping' && key === this.steppingKey) {
          this.steppingKey = null;
          const next = this.firstHeld();
          if (next) this.stopAt(next, 'step');
          else [this.mode, this.pendingReason] = ['pausing', 'step'];
        }
        break;
      }
      default:
        break;
    }
  }

  private endThread(t: StepThread): void {
    this.calls.releaseAll(t.id);
    this.threads.delete(t.id);
    if (this.threadByKey.get(t.key) === t) this.threadByKey.delete(t.key);
    this.sendEvent(new ThreadEvent('exited', t.id));
  }

  private newThread(point: PausePoint, state: StepThread['state']): StepThread {
    const t: StepThread = { id: this.nextThreadId++, key: point.key, point, state, inputs: point.inputs, edits: [], breakpointHit: false };
    this.threads.set(t.id, t);
    this.threadByKey.set(t.key, t);
    this.sendEvent(new ThreadEvent('started', t.id));
    return t;
  }

  /** Whether a breakpoint holds this step: its line, its condition in the step's scope, its hit count. */
  private breakpointAt(point: PausePoint): boolean {
    return this.breakpoints.hit(this.file, point, (text) => this.sendEvent(new OutputEvent(text, 'console')));
  }

  /** The engine's beforeStep: hold the step, or let it run. */
  private arrive(point: PausePoint, control: DebugControl): Promise<Resumption | void> | void {
    this.control = control;
    const t = this.newThread(point, 'held');
    t.breakpointHit = this.breakpointAt(point);
    return this.decide(t);
  }

  private decide(t: StepThread): Promise<Resumption | void> | void {
    const insideStepped = this.mode === 'stepping' && this.steppingKey !== null && t.key.startsWith(`${this.steppingKey}[`);
    let reason: string | null = null;
    if (t.key === this.restartAt) [reason, this.restartAt] = ['restart', null];
    else if (t.breakpointHit && this.mode !== 'paused') reason = 'breakpoint';
    else if (this.mode === 'pausing') reason = this.pendingReason;
    if (reason) {
      const held = this.hold(t);
      this.stopAt(t, reason);
      return held;
    }
    if (this.mode === 'paused' || (this.mode === 'stepping' && !insideStepped)) return this.hold(t);
    t.state = 'running';
  }

  private hold(t: StepThread): Promise<Resumption | void> {
    t.state = t.failure ? 'failed' : 'held';
    return new Promise((resolve) => (t.release = resolve));
  }

  /** The engine's beforeToolCall: hold the call when the person steps through its step's calls, or asked to pause. */
  private atToolCall(point: ToolCallPoint, control: DebugControl): Promise<ToolCallDecision> | void {
    this.control = control;
    const t = this.threadByKey.get(point.key);
    const into = this.calls.into === t?.key;
    const stop = this.mode === 'pausing' || (into && this.mode === 'stepping');
    // or held behind a call of the same step the run stands at (named agents running at once)
    if (!t || (!stop && !(into && this.mode === 'paused'))) return;
    const held = this.calls.hold(t.id, point);
    if (stop) this.stopAt(t, this.mode === 'pausing' ? this.pendingReason : 'step');
    return held;
  }

  /** The engine's atHandoff: with "Agent handoffs" (or stepping through the step's calls, or pausing), hold the conversation before the new agent's first turn. */
  private atHandoff(point: HandoffPoint, control: DebugControl): Promise<void> | void {
    this.control = control;
    const t = this.threadByKey.get(point.key);
    if (!t || this.mode === 'paused' || !(this.stopOnHandoff || this.mode === 'pausing' || (this.mode === 'stepping' && this.calls.into === t.key))) return;
    const held = this.calls.holdHandoff(t.id, point);
    this.stopAt(t, this.mode === 'pausing' ? this.pendingReason : 'handoff');
    return held;
  }

  /** Step Into on a held agent step or at one of its calls (or Deny Tool Call): let it go, and stop before its next call. */
  private intoCalls(t: StepThread, deny: boolean): void {
    this.mode = 'stepping';
    this.steppingKey = t.key;
    this.calls.into = t.key;
    this.goOn();
    if (t.release) this.release(t);
    else this.calls.releaseFirst(t.id, deny);
    if (this.calls.has(t.id)) this.stopAt(t, 'step');
  }

  /** The engine's afterFailure: with "Stop on failure", hold the run on the failed step. */
  private failed(point: PausePoint, result: StepResult, control: DebugControl): Promise<void> | void {
    this.control = control;
    if (!this.stopOnFailure) return;
    const t = this.threadByKey.get(point.key) ?? this.newThread(point, 'failed');
    t.failure = result;
    const held = this.hold(t).then(() => undefined);
    this.stopAt(t, 'exception', `${point.step.id} failed: ${result.error_type ?? 'Error'}: ${result.error ?? 'it reported failure'}`);
    return held;
  }

  private stopAt(t: StepThread, reason: string, text?: string): void {
    this.mode = 'paused';
    this.steppingKey = null;
    this.focus = t;
    const description = text ?? this.calls.description(t.id);
    const ev = new StoppedEvent(reason, t.id, description) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (description) ev.body.description = description;
    this.sendEvent(ev);
    this.sendEvent(new Event(TOOL_CALL_EVENT, this.calls.eventBody(t.id)));
    this.onPause(this.file, { step: t.point.step.id, scope: t.point.scopePath });
  }

  private firstHeld(): StepThread | undefined {
    return [...this.threads.values()].find((x) => x.state === 'held' || x.state === 'failed' || this.calls.has(x.id));
  }

  /** Lets a held step go on, with its changed inputs if any; a step held at calls, each call as it stands. */
  private release(t: StepThread): void {
    this.calls.releaseAll(t.id);
    const go = t.release;
    if (!go) return;
    t.release = undefined;
    if (t.state === 'failed') {
      go();
      return;
    }
    t.state = 'running';
    go(t.edits.length && t.inputs ? { inputs: t.inputs, edits: t.edits } : undefined);
  }

  private goOn(): void {
    this.focus = null;
    this.variables.reset();
    this.frames.reset();
    this.onPause(this.file, null);
    this.sendEvent(new Event(TOOL_CALL_EVENT, { held: null }));
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.resumeAll();
  }

  private resumeAll(): void {
    const focus = this.focus;
    this.mode = 'running';
    this.calls.into = null;
    this.goOn();
    if (focus) this.release(focus);
    // the others held while paused go on too, unless one of them is at a breakpoint
    for (const t of [...this.threads.values()]) {
      if (t === focus || (!t.release && !this.calls.has(t.id))) continue;
      if (t.breakpointHit || t.state === 'failed') {
        this.stopAt(t, t.state === 'failed' ? 'exception' : 'breakpoint');
        break;
      }
      this.release(t);
    }
  }

  /** Step Over: run this step, stop before the next one that becomes ready. */
  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    const t = this.threads.get(args.threadId) ?? this.focus;
    this.sendResponse(response);
    if (!t || t.state === 'failed') return this.stepToNextArrival(t);
    this.mode = 'stepping';
    this.steppingKey = t.key;
    this.calls.into = null;
    this.goOn();
    this.release(t);
  }

  /** Step Into: stop before the next step that becomes ready (a loop's first body step); on an agent step, before its next tool call. */
  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.sendResponse(response);
    const t = this.threads.get(args.threadId) ?? this.focus;
    if (t?.point.step.agent && t.state !== 'failed' && (t.release || this.calls.has(t.id))) return this.intoCalls(t, false);
    this.stepToNextArrival(t);
  }

  /** Deny Tool Call: the call the thread is held at is not run (the model is told a person denied it); the run stops before the step's next call. */
  protected override customRequest(command: string, response: DebugProtocol.Response, args: { threadId?: number } | undefined): void {
    if (command !== DENY_TOOL_CALL) return super.customRequest(command, response, args);
    const t = this.threads.get(args?.threadId ?? -1) ?? this.focus;
    const call = t && this.calls.first(t.id);
    if (!t || !call) return this.sendErrorResponse(response, { id: 4001, format: 'The run is not held at a tool call: Deny Tool Call denies the call it stopped before', showUser: true });
    response.body = { tool: call.point.call.tool, id: call.point.call.id };
    this.sendResponse(response);
    this.intoCalls(t, true);
  }

  /** Step Out: run to the end of the enclosing loop step, then stop before the next step. */
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    const t = this.threads.get(args.threadId) ?? this.focus;
    this.sendResponse(response);
    const scope = t?.point.scopePath ?? [];
    if (!t || !scope.length) return this.resumeAll();
    const outer = scope[scope.length - 1];
    this.mode = 'stepping';
    this.steppingKey = keyOf(outer.loop, scope.slice(0, -1));
    this.goOn();
    this.release(t);
  }

  private stepToNextArrival(t: StepThread | null | undefined): void {
    const next = [...this.threads.values()].find((x) => x !== t && x.release);
    this.goOn();
    if (t) this.release(t);
    if (next) return this.stopAt(next, 'step');
    [this.mode, this.pendingReason] = ['pausing', 'step'];
  }

  /** Pause: stop before the next step starts (or at once on one already waiting). */
  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.sendResponse(response);
    const held = this.firstHeld();
    if (held) return this.stopAt(held, 'pause');
    [this.mode, this.pendingReason] = ['pausing', 'pause'];
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const list = [...this.threads.values()].map((t) => new Thread(t.id, `${t.key}${t.state === 'failed' ? ' (failed)' : t.state === 'held' ? ' (waiting)' : this.calls.label(t.id)}`));
    response.body = { threads: list.length ? list : [new Thread(RUN_THREAD, this.pipelineId)] };
    this.sendResponse(response);
  }

  private lineOf(stepId: string): number {
    const node = this.graph ? findNode(this.graph, stepId) : undefined;
    return this.convertDebuggerLineToClient((node?.range?.start.line ?? 0) + 1);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const t = this.threads.get(args.threadId);
    const source = new Source(path.basename(this.file), this.convertDebuggerPathToClient(this.file));
    const frames = t ? [...this.calls.frames(t.id, (at) => this.frames.create({ thread: t.id, level: -1, at }), source, this.lineOf(t.point.step.id)), ...stepFrames(t, (level) => this.frames.create({ thread: t.id, level }), source, (s) => this.lineOf(s))] : [];
    const start = args.startFrame ?? 0;
    const count = args.levels ? args.levels : frames.length;
    response.body = { stackFrames: frames.slice(start, start + count), totalFrames: frames.length };
    this.sendResponse(response);
  }

  /** The list scope a frame names: the step's own, or an enclosing iteration's. */
  private scopeAt(t: StepThread, level: number): ListScope {
    let s: ListScope = t.point.scope;
    for (let i = 1; i < level; i++) s = s.parent as ListScope;
    return s;
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const f = this.frames.get(args.frameId);
    const t = f ? this.threads.get(f.thread) : undefined;
    const scopes: Scope[] = [];
    if (t && f?.at) scopes.push(...this.calls.scopes(t.id, f.at));
    else if (t && f) scopes.push(...this.variables.stepScopes(t, f.level === 0 ? null : this.scopeAt(t, f.level)));
    response.body = { scopes };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    response.body = { variables: this.variables.children(args) };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    try {
      response.body = this.variables.set(args);
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 2001, format: (e as Error).message, showUser: true });
    }
  }

  /** A held step's input changed in Variables: the step runs with it, and its record says so. */
  private editInputs(thread: number, path: (string | number)[], value: unknown): void {
    const t = this.threads.get(thread);
    if (!t || t.state !== 'held' || !t.inputs) throw new Error('the step has started: its inputs can no longer be changed');
    setAtPath(t.inputs, path, value);
    t.edits.push({ target: 'inputs', path: path.join('.'), value, time: new Date().toISOString() });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const f = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
    const t = (f && this.threads.get(f.thread)) ?? this.focus;
    if (!t) return this.sendErrorResponse(response, { id: 3001, format: 'Nothing is paused: an expression is evaluated in a waiting step\'s scope', showUser: false });
    // at a held call, `call` and `agent` too (debugToolCalls.ts)
    const scope: TemplateScope = f && f.level > 0 ? this.scopeAt(t, f.level) : this.calls.scopeOver(t.id, t.point.scope);
    try {
      const value = hasTemplateSyntax(args.expression) ? renderValue(args.expression, scope) : evaluate(args.expression, scope);
      const v = this.variables.variable(args.expression, value, null);
      response.body = { result: typeof value === 'string' && args.context === 'repl' ? value : v.value, variablesReference: v.variablesReference, indexedVariables: v.indexedVariables };
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 3002, format: (e as Error).message, showUser: false });
    }
  }

  /** Stop: cancel the run (its checkpoint stays, so it can be resumed) and wait for it to end; `replaced`: its end does not end the session (Restart Frame). */
  private async stopRun(replaced = false): Promise<void> {
    const done = this.done;
    if (replaced) this.done = null;
    this.abort.abort(Object.assign(new Error('The run was cancelled'), { name: 'CancelledError' }));
    for (const t of this.threads.values()) this.release(t);
    if (done) await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.stopRun();
    this.sendResponse(response);
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    await this.stopRun();
    this.sendResponse(response);
  }
}
