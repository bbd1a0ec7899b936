// Runs one list of steps (the top level, or one loop iteration) as a DAG: a step starts as soon as
// every dependency has ended, never waiting for a whole level. Conditions, jumps and failure
// policies decide what runs; skipped steps count as ended for their dependents.
import type { Plan, Step } from '../spec/types';
import { failureTargets } from '../plan/failureHandlers';
import { evaluateCondition } from './conditions';
import { cancelledBeforeStart, emptyStepResult, type SkipKind, type StepResult, type StepScope } from './events';
import { runLoop } from './loopRunner';
import { NOTHING_RESTORED, type ListOutcome, type RunContext } from './runContext';
import type { ListScope } from './scope';
import { executeStep, renderStepParams, type GivenInputs } from './stepExecutor';
import type { DebugBridge, PausePoint, Resumption } from './debugHooks';

/** Waits for a debugger's hook, or until the run is cancelled. */
function untilAborted<T>(hook: () => Promise<T> | T, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve()
      .then(hook)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export type { ListOutcome } from './runContext';

/** A result a resumed run keeps: a success, or a skip that a condition, jump or policy decided. */
export function isFinal(r: StepResult): boolean {
  return (r.status === 'completed' && r.success === true) || (r.status === 'skipped' && r.skip_kind !== 'stopped' && r.skip_kind !== undefined);
}

/**
 * A step list's DAG as integer arrays, built once per plan (a loop body's plan serves every
 * iteration): a run of the list copies only the counters it changes.
 */
interface ListGraph {
  steps: Step[];
  /** Step id -> its index in `steps`. */
  index: Map<string, number>;
  children: number[][];
  /** How many ends each step waits for: its dependencies, and for a handler every step that names it. */
  waiting: Int32Array;
  /** Position in the plan's execution order (-1: not in it). */
  order: Int32Array;
  /** Steps in execution order, as indices. */
  executionOrder: number[];
  /** Steps on the longest path from each step to the end of the list, itself included. */
  rank: Int32Array;
  /** Failure handlers (run only when a step fails into them): the steps that name each. */
  handlerSources: (string[] | undefined)[];
  /** For each step, the handlers it names. */
  handlersOf: (number[] | undefined)[];
}

/** By step list (and its plan): an eval's variants share one plan with a step list each, and run in turn. */
const graphs = new WeakMap<Step[], { plan: Plan; graph: ListGraph }>();

function listGraph(steps: Step[], plan: Plan): ListGraph {
  const known = graphs.get(steps);
  if (known && known.plan === plan) return known.graph;
  const n = steps.length;
  const index = new Map<string, number>();
  steps.forEach((s, i) => index.set(s.id, i));
  const children: number[][] = Array.from({ length: n }, () => []);
  const waiting = new Int32Array(n);
  const order = new Int32Array(n).fill(-1);
  const executionOrder = plan.executionOrder.map((id) => index.get(id)!);
  executionOrder.forEach((i, k) => (order[i] = k));
  for (const e of plan.edges) {
    const to = index.get(e.to)!;
    children[index.get(e.from)!].push(to);
    waiting[to]++;
  }
  // a handler also waits for every step that names it: then it is known whether one failed into it
  const handlerSources: (string[] | undefined)[] = new Array(n).fill(undefined);
  const handlersOf: (number[] | undefined)[] = new Array(n).fill(undefined);
  for (const [h, sources] of failureTargets(steps, plan).handlers) {
    const hi = index.get(h)!;
    handlerSources[hi] = sources;
    waiting[hi] += sources.length;
    for (const src of sources) (handlersOf[index.get(src)!] ??= []).push(hi);
  }
  const rank = new Int32Array(n);
  for (let k = executionOrder.length - 1; k >= 0; k--) {
    const i = executionOrder[k];
    let best = 0;
    for (const c of children[i]) best = Math.max(best, rank[c]);
    rank[i] = best + 1;
  }
  const g: ListGraph = { steps, index, children, waiting, order, executionOrder, rank, handlerSources, handlersOf };
  graphs.set(steps, { plan, graph: g });
  return g;
}

/** How a step list ended; the map by id is made only when asked for (the top level reads by index). */
class EndedList implements ListOutcome {
  private map: Map<string, StepResult> | null = null;

  constructor(
    private readonly steps: Step[],
    readonly byIndex: (StepResult | undefined)[],
    readonly endOrder: number[],
    readonly failed: boolean,
    readonly firstFailure: ListOutcome['firstFailure'],
    readonly cancelled: boolean,
  ) {}

  get results(): Map<string, StepResult> {
    if (!this.map) {
      this.map = new Map();
      for (const i of this.endOrder) this.map.set(this.steps[i].id, this.byIndex[i]!);
    }
    return this.map;
  }
}

export class StepListRunner {
  private readonly graph: ListGraph;
  /** Ends each step still waits for (a copy of the graph's counts). */
  private readonly waiting: Int32Array;
  private readonly started: Uint8Array;
  /** Results by step index, and the indices in the order the steps ended. */
  private readonly byIndex: (StepResult | undefined)[];
  private readonly endOrder: number[] = [];
  private readonly jumpedTo = new Set<string>();
  /** How long the debugger held each step before it started, until the step ends (its `held_ms`). */
  private readonly heldBefore = new Map<number, number>();
  private done = 0;
  private stopping = false;
  private failed = false;
  private firstFailure: ListOutcome['firstFailure'] = null;
  private resolve!: (o: ListOutcome) => void;
  /** Hands a step's result to `ended` (one function for every step of the list, not one per step). */
  private readonly onStepEnd: (step: Step, r: StepResult) => void;
  private readonly onStepCrash: (step: Step, e: unknown) => void;

  constructor(
    private readonly ctx: RunContext,
    private readonly steps: Step[],
    private readonly plan: Plan,
    private readonly scope: ListScope,
    /** Checkpoint key prefix: '' at the top level, `loop[2]/` inside an iteration. */
    private readonly keyPrefix: string,
    private readonly scopePath: StepScope[],
  ) {
    this.graph = listGraph(steps, plan);
    this.waiting = this.graph.waiting.slice();
    this.started = new Uint8Array(steps.length);
    this.byIndex = new Array<StepResult | undefined>(steps.length);
    this.onStepEnd = (step, r) => (this.ctx.debug?.hooks.afterFailure ? this.pauseOnFailure(step, r, this.ctx.debug) : this.ended(step, r));
    this.onStepCrash = (step, e) => this.internalError(step, e);
  }

  run(): Promise<ListOutcome> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      if (this.steps.length === 0) return this.settle();
      const g = this.graph;
      // results a checkpoint restored come first, in execution order, as if they had just ended;
      // all are claimed before any is replayed, or replaying one would start the next
      const restoredAll = this.ctx.restored;
      const restored =
        restoredAll === NOTHING_RESTORED
          ? []
          : g.executionOrder.filter((i) => {
              const r = restoredAll[this.keyPrefix + this.steps[i].id];
              return r !== undefined && isFinal(r);
            });
      for (const i of restored) this.started[i] = 1;
      for (const i of restored) this.finish(i, restoredAll[this.keyPrefix + this.steps[i].id], null, true);
      for (const i of g.executionOrder) if (this.waiting[i] === 0 && !this.started[i]) this.ready(i);
    });
  }

  private settle(): void {
    this.resolve(new EndedList(this.steps, this.byIndex, this.endOrder, this.failed, this.firstFailure, this.ctx.signal.aborted));
  }

  private ready(i: number): void {
    if (this.started[i]) return;
    this.started[i] = 1;
    const step = this.steps[i];
    const id = step.id;
    if (this.ctx.signal.aborted) return this.finish(i, cancelledBeforeStart(), null);
    if (this.stopping) return this.finish(i, this.notRun('skipped', `not run: '${this.firstFailure?.step}' failed`, 'stopped'), null);
    const sources = this.graph.handlerSources[i];
    if (sources && !this.jumpedTo.has(id)) {
      const names = sources.map((x) => `'${x}'`).join(' or ');
      return this.finish(i, this.notRun('skipped', `not run: it handles the failure of ${names}, and ${sources.length > 1 ? 'none failed' : 'it did not fail'}`, 'jump'), null);
    }
    if (this.ctx.emitter.listening) this.ctx.emitter.emit({ type: 'step-ready', time: Date.now(), stepId: id, scope: this.scopePath });
    if (step.condition !== undefined) {
      let holds: boolean;
      try {
        holds = evaluateCondition(step.condition, this.scope);
      } catch (e) {
        // fail closed: a condition that cannot be evaluated is false
        const why = `the condition could not be evaluated: ${(e as Error).message}`;
        this.ctx.emitter.emit({ type: 'warning', time: Date.now(), stepId: id, message: `Step '${id}' is skipped: ${why}` });
        return this.finish(i, this.notRun('skipped', why, 'condition'), step.onFalse);
      }
      if (!holds) return this.finish(i, this.notRun('skipped', 'the condition is false', 'condition'), step.onFalse);
    }
    if (this.ctx.debug) return void this.pauseThenLaunch(i, step, this.ctx.debug);
    this.launch(i, step);
  }

  private launch(i: number, step: Step, given?: GivenInputs): void {
    const onEnd = this.onStepEnd;
    try {
      if (step.loop) {
        runLoop(step, this.scope, this.ctx, this.keyPrefix, this.scopePath)
          .then((r) => onEnd(step, r))
          .catch((e) => this.internalError(step, e));
      } else executeStep(step, this.scope, this.ctx, this.scopePath, this.graph.rank[i], onEnd, this.onStepCrash, given);
    } catch (e) {
      // what a step throws before its first wait is handled as what it throws later: after this turn
      Promise.reject(e).catch((x) => this.internalError(step, x));
    }
  }

  /** An engine bug must not hang the run: the step fails with what was thrown. */
  private internalError(step: Step, e: unknown): void {
    if (this.byIndex[this.graph.index.get(step.id)!]) throw e;
    const r = emptyStepResult('failed');
    r.success = false;
    r.error = `Internal error: ${(e as Error)?.stack ?? e}`;
    r.error_type = 'InternalError';
    this.ended(step, r);
  }

  /** A debugger is attached: it sees the step (and its rendered inputs) and may hold it before it runs. */
  private async pauseThenLaunch(i: number, step: Step, debug: DebugBridge): Promise<void> {
    let inputs: Record<string, unknown> | null = null;
    if (!step.loop) {
      try {
        inputs = renderStepParams(step, this.scope, this.ctx);
      } catch {
        inputs = null; // the step renders again when it runs, and fails there with the reason
      }
    }
    const point: PausePoint = { key: this.keyPrefix + step.id, step, scopePath: this.scopePath, scope: this.scope, inputs };
    let resumption: Resumption | void = undefined;
    const heldFrom = Date.now();
    // only a debugger that answers later holds the step: the turn an answer given at once takes (a
    // millisecond on a busy machine) is no hold
    let waited = false;
    const before = () => {
      const r = debug.beforeStep(point);
      waited = r instanceof Promise;
      return r;
    };
    try {
      resumption = await untilAborted(before, this.ctx.signal);
    } catch (e) {
      this.ctx.emitter.emit({ type: 'warning', time: Date.now(), stepId: step.id, message: `The debugger failed before '${step.id}' (it runs as it is): ${(e as Error).message}` });
    }
    const heldTo = waited || this.ctx.signal.aborted ? Date.now() : heldFrom;
    this.ctx.pauses.record(this.keyPrefix, heldFrom, heldTo);
    if (heldTo > heldFrom) this.heldBefore.set(i, heldTo - heldFrom);
    if (this.ctx.signal.aborted) return this.finish(i, cancelledBeforeStart(), null);
    if (this.stopping) return this.finish(i, this.notRun('skipped', `not run: '${this.firstFailure?.step}' failed`, 'stopped'), null);
    // without changed inputs the step renders again, so results changed during the hold reach it
    this.launch(i, step, resumption?.inputs && !step.loop ? { params: resumption.inputs, edits: resumption.edits } : undefined);
  }

  /** A debugger that stops on failures holds the run before it reacts to this step's failure. */
  private pauseOnFailure(step: Step, r: StepResult, debug: DebugBridge): void {
    const failed = r.status === 'failed' || (r.status === 'completed' && r.success === false);
    if (!failed || this.ctx.signal.aborted) return this.ended(step, r);
    const point: PausePoint = { key: this.keyPrefix + step.id, step, scopePath: this.scopePath, scope: this.scope, inputs: null };
    const heldFrom = Date.now();
    untilAborted(() => debug.hooks.afterFailure!(point, r, debug), this.ctx.signal)
      .catch((e) => this.ctx.emitter.emit({ type: 'warning', time: Date.now(), stepId: step.id, message: `The debugger failed after '${step.id}' failed: ${(e as Error).message}` }))
      .then(() => {
        const heldTo = Date.now();
        this.ctx.pauses.record(this.keyPrefix, heldFrom, heldTo);
        // the steps after it waited for the hold too: the report takes it out of their spans
        if (heldTo > heldFrom) r.held_after_ms = heldTo - heldFrom;
        this.ended(step, r);
      });
  }

  private notRun(status: 'skipped', reason: string, kind?: SkipKind): StepResult {
    const r = emptyStepResult(status);
    r.skip_reason = reason;
    if (kind) r.skip_kind = kind;
    return r;
  }

  /** A step ran: apply its failure policy and jumps. */
  private ended(step: Step, r: StepResult): void {
    let jump: string | null = null;
    const failedHere = r.status === 'failed' || (r.status === 'completed' && r.success === false);
    if (r.status === 'completed' && r.success) jump = step.onSuccess;
    if (failedHere) {
      const policy = step.onFailure;
      if (policy.kind === 'skip') {
        r.status = 'skipped';
        r.skip_reason = `failed, and on_failure is skip: ${r.error}`;
        r.skip_kind = 'policy';
        this.ctx.emitter.emit({ type: 'warning', time: Date.now(), stepId: step.id, message: `Step '${step.id}' failed and is skipped (on_failure: skip): ${r.error}` });
      } else {
        this.failed = true;
        this.firstFailure ??= { step: step.id, error: r.error ?? 'failed' };
        if (policy.kind === 'jump') jump = policy.target;
        else if (policy.kind === 'fail' || policy.kind === 'retry') this.stop();
      }
    }
    if (r.status === 'cancelled') this.stopping = true;
    this.finish(this.graph.index.get(step.id)!, r, jump);
  }

  /** No step starts after this; steps still waiting are marked when their dependencies end. */
  private stop(): void {
    this.stopping = true;
  }

  private record(i: number, id: string, r: StepResult, restored: boolean): void {
    this.byIndex[i] = r;
    this.endOrder.push(i);
    this.scope.setStep(id, r);
    this.ctx.debug?.recorded(this.keyPrefix + id, r);
    // a restored result is in the checkpoint already
    if (!restored) this.ctx.checkpoint?.record(this.keyPrefix + id, r);
  }

  private finish(i: number, r: StepResult, jump: string | null, restored = false): void {
    const id = this.steps[i].id;
    const held = this.heldBefore.get(i);
    this.heldBefore.delete(i);
    if (held !== undefined && !restored && r.started_at) r.held_ms = held;
    this.record(i, id, r, restored);
    if (!restored && this.ctx.emitter.listening) this.ctx.emitter.emit({ type: 'step-ended', time: Date.now(), stepId: id, scope: this.scopePath, result: r });
    this.done++;
    if (jump) {
      this.jumpedTo.add(jump);
      this.jumpFrom(i, jump);
    }
    for (const c of this.graph.children[i]) this.release(c);
    const handlers = this.graph.handlersOf[i];
    if (handlers) for (const h of handlers) this.release(h);
    if (this.done === this.steps.length) this.settle();
  }

  /** One of the steps `i` waits for has ended. */
  private release(i: number): void {
    if (--this.waiting[i] === 0 && !this.started[i]) this.ready(i);
  }

  /** Marks the steps a forward jump passes over as skipped: descendants of `from` before `target`. */
  private jumpFrom(from: number, target: string): void {
    const g = this.graph;
    const t = g.index.get(target);
    const limit = t === undefined ? -1 : g.order[t];
    if (limit < 0) return;
    const stack = [...g.children[from]];
    const seen = new Set<number>();
    const passed: number[] = [];
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x) || x === t) continue;
      seen.add(x);
      if (g.order[x] >= limit || this.started[x]) continue;
      passed.push(x);
      stack.push(...g.children[x]);
    }
    passed.sort((a, b) => g.order[a] - g.order[b]);
    for (const x of passed) this.started[x] = 1;
    const fromId = this.steps[from].id;
    for (const x of passed) this.finish(x, this.notRun('skipped', `jumped over: '${fromId}' jumps to '${target}'`, 'jump'), null);
  }
}
