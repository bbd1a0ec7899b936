// What a debugger may do to a run: hold a step before it runs (its rendered inputs in hand, which it
// may change), hold an agent step before each tool call (its arguments in hand, which it may change,
// or deny the call), hold the run after a step fails, and change a finished step's result so the
// steps after it see the new value. Every change is recorded in the changed step's `edits` and in the
// checkpoint, so the run's record shows what was not produced by the pipeline itself. The engine
// calls these hooks only when a debugger is attached (`RunOptions.debugger`).
import type { Step } from '../spec/types';
import type { AgentRef, AgentStepResult } from '../agent/index';
import type { CallDecision, HeldCall, HeldHandoff } from '../agent/host';
import type { Redactor } from '../toolkit/redact';
import type { CheckpointStore } from './checkpointStore';
import type { StepEdit, StepResult, StepScope } from './events';
import type { ListScope } from './scope';
import type { PauseClock } from './pauseClock';

/** A step about to run, or one that just failed. */
export interface PausePoint {
  /** The step's checkpoint key: its id, or `loop[2]/id` inside a loop iteration. */
  key: string;
  step: Step;
  /** Where it runs: the loops and iterations around it, innermost last. */
  scopePath: StepScope[];
  /** The names its templates see: loop variables, parameters, finished steps. */
  scope: ListScope;
  /** An action step's rendered parameters; null for a loop, or when they could not be rendered (the step then fails as usual). */
  inputs: Record<string, unknown> | null;
}

/** How a held step goes on: with changed inputs, or as it was. */
export interface Resumption {
  /** Replaces the rendered inputs (an action step only). */
  inputs?: Record<string, unknown>;
  /** The changes made to the inputs, for the record. */
  edits?: StepEdit[];
}

/** An agent step's tool call about to run: the step's place, and the call as the loop holds it. */
export interface ToolCallPoint extends Omit<PausePoint, 'inputs'> {
  /** The step's own agent (`path` empty), or a named agent one of its calls started. */
  agent: AgentRef;
  turn: number;
  /** The tool as the allow-list spells it; the arguments it would run with (not redacted: the records are). */
  call: { id: string; tool: string; arguments: Record<string, unknown> };
  /** The tool's argument JSON Schema: an edit must fit it (the engine checks again). */
  schema: Record<string, unknown>;
  /** The conversation so far (a copy): the transcript, and the calls of the turns before. */
  conversation: AgentStepResult;
}

/** An agent step's conversation just handed to another agent (`transfer_to_NAME`), before that agent's first turn. */
export interface HandoffPoint extends Omit<PausePoint, 'inputs'> {
  /** The step's own agent (`path` empty), or a named agent one of its calls started. */
  agent: AgentRef;
  /** The turn that handed it over. */
  turn: number;
  from: string;
  to: string;
  /** The conversation so far (a copy), its handoffs with this one. */
  conversation: AgentStepResult;
}

/** How a held call goes on: `run` as asked; `edit` with these arguments (the call's record says `edited: true`); `deny`: not run, the model told a person denied it. */
export type ToolCallDecision = CallDecision;

export interface RunDebugger {
  /** Called when a step is ready to run (its condition held), before it runs. The step waits until
   * the returned promise settles; cancelling the run ends the wait. */
  beforeStep(point: PausePoint, control: DebugControl): Promise<Resumption | void> | Resumption | void;
  /** Called when a step has failed, before the run reacts to the failure; it waits the same way. */
  afterFailure?(point: PausePoint, result: StepResult, control: DebugControl): Promise<void> | void;
  /** Called before each tool call of an agent step, one at a time in the order the model asked, before the turn's calls start; the call waits the same way. Nothing returned: it runs as asked. */
  beforeToolCall?(point: ToolCallPoint, control: DebugControl): Promise<ToolCallDecision | void> | ToolCallDecision | void;
  /** Called at each handoff of an agent step, once it is recorded and before the agent it went to takes its first turn, which waits the same way. */
  atHandoff?(point: HandoffPoint, control: DebugControl): Promise<void> | void;
}

/** Changes a debugger may make to what the run has produced. */
export interface DebugControl {
  /** The checkpoint key of a finished step's result, when this run produced or restored it. */
  keyOf(result: StepResult): string | undefined;
  /** Sets `path` inside the finished step's result (e.g. ['result', 'text']) to `value`. The steps
   * that run after see the new value; the record notes the edit. Throws when there is no such step. */
  editResult(key: string, path: (string | number)[], value: unknown): StepResult;
}

/** Sets a value at a path inside objects and lists; the last key may be new, the ones before must exist. */
export function setAtPath(root: unknown, path: (string | number)[], value: unknown): void {
  if (!path.length) throw new Error('an edit needs a path');
  let at: unknown = root;
  for (const k of path.slice(0, -1)) {
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, k)) throw new Error(`there is no '${k}' to change`);
    at = (at as Record<string | number, unknown>)[k];
  }
  if (at === null || typeof at !== 'object') throw new Error(`'${path.slice(0, -1).join('.')}' holds no fields`);
  const last = path[path.length - 1];
  if (last === '__proto__' || last === 'constructor' || last === 'prototype') throw new Error(`'${String(last)}' cannot be set`);
  (at as Record<string | number, unknown>)[last] = value;
}

function sameScope(a: StepScope[], b: StepScope[]): boolean {
  return a === b || (a.length === b.length && a.every((s, i) => s.loop === b[i].loop && s.index === b[i].index));
}

/** Tracks the results of a debugged run by key, to change them in place. */
export class DebugBridge implements DebugControl {
  private readonly byKey = new Map<string, StepResult>();
  private readonly keys = new WeakMap<StepResult, string>();
  /** The steps on their way, by key: where a step's tool calls are shown to stand. */
  private readonly points = new Map<string, PausePoint>();

  constructor(
    readonly hooks: RunDebugger,
    private readonly checkpoint: CheckpointStore | null,
    private readonly redactor: Redactor,
  ) {}

  /** A step is ready: the debugger sees it before it runs (and may hold it). */
  beforeStep(point: PausePoint): Promise<Resumption | void> | Resumption | void {
    this.points.set(point.key, point);
    return this.hooks.beforeStep(point, this);
  }

  /**
   * A call of the agent step `step` (in `scopePath`) about to run: the debugger's answer (nothing:
   * it has no hook for calls, or did not see the step; the call runs as asked). The time it holds
   * the call is paused time: the step's `paused_ms`, and the run's and each enclosing loop's.
   */
  async toolCall(step: Step, scopePath: StepScope[], held: HeldCall, r: StepResult, pauses: PauseClock | undefined): Promise<ToolCallDecision | void> {
    const ask = this.hooks.beforeToolCall;
    if (ask) return this.held(step, scopePath, r, pauses, (at) => ask({ ...at, agent: held.agent, turn: held.turn, call: { id: held.id, tool: held.tool, arguments: held.arguments }, schema: held.schema, conversation: held.conversation }, this));
  }

  /** A handoff of the agent step `step`: the debugger may hold it (paused time, as a call's). */
  async handoff(step: Step, scopePath: StepScope[], held: HeldHandoff, r: StepResult, pauses: PauseClock | undefined): Promise<void> {
    const tell = this.hooks.atHandoff;
    if (tell) await this.held(step, scopePath, r, pauses, (at) => tell({ ...at, ...held }, this));
  }

  private async held<T>(step: Step, scopePath: StepScope[], r: StepResult, pauses: PauseClock | undefined, ask: (at: Omit<PausePoint, 'inputs'>) => Promise<T | void> | T | void): Promise<T | void> {
    // the step on its way in this scope: a scan of the steps on their way, once per call and only while debugging
    let point: PausePoint | undefined;
    for (const p of this.points.values()) if (p.step === step && sameScope(p.scopePath, scopePath)) point = p;
    if (!point) return;
    const { inputs: _inputs, ...at } = point;
    const from = Date.now();
    try {
      return await ask(at);
    } finally {
      const to = Date.now();
      if (to > from) {
        r.paused_ms = (r.paused_ms ?? 0) + (to - from);
        pauses?.record(point.key.slice(0, point.key.length - step.id.length), from, to);
      }
    }
  }

  /** A step's result is final (ended, or restored from a checkpoint). */
  recorded(key: string, r: StepResult): void {
    this.points.delete(key);
    this.byKey.set(key, r);
    this.keys.set(r, key);
  }

  keyOf(result: StepResult): string | undefined {
    return this.keys.get(result);
  }

  editResult(key: string, path: (string | number)[], value: unknown): StepResult {
    const r = this.byKey.get(key);
    if (!r) throw new Error(`'${key}' has not finished in this run, so it has no result to change`);
    if (path[0] !== 'result' && path[0] !== 'vars') throw new Error(`only a step's 'result' and 'vars' can be changed, not '${String(path[0])}'`);
    if (path.length === 1) (r as unknown as Record<string, unknown>)[path[0]] = value;
    else setAtPath(r, path, value);
    r.edits = [...(r.edits ?? []), { target: 'result', path: path.join('.'), value: this.redactor.value(value), time: new Date().toISOString() }];
    // the change outlives this process: a resumed run sees it too
    this.checkpoint?.record(key, r);
    return r;
  }
}
