// Runs one list of steps (the top level, or one loop iteration) as a DAG: a step starts as soon as
// every dependency has ended, never waiting for a whole level. Conditions, jumps and failure
// policies decide what runs; skipped steps count as ended for their dependents.
import type { Plan, Step } from '../spec/types';
import { failureTargets } from '../plan/failureHandlers';
import { evaluateCondition } from './conditions';
import { emptyStepResult, type SkipKind, type StepResult, type StepScope } from './events';
import { runLoop } from './loopRunner';
import type { ListOutcome, RunContext } from './runContext';
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

export class StepListRunner {
  private readonly byId = new Map<string, Step>();
  private readonly children = new Map<string, string[]>();
  private readonly waiting = new Map<string, number>();
  private readonly order = new Map<string, number>();
  /** Steps on the longest path from each step to the end of the list, itself included. */
  private readonly rank = new Map<string, number>();
  private readonly results = new Map<string, StepResult>();
  private readonly started = new Set<string>();
  /** Failure handlers (run only when a step fails into them), and for each step the handlers it names. */
  private readonly handlers: Map<string, string[]>;
  private readonly handlersOf = new Map<string, string[]>();
  private readonly jumpedTo = new Set<string>();
  private done = 0;
  private stopping = false;
  private failed = false;
  private firstFailure: ListOutcome['firstFailure'] = null;
  private resolve!: (o: ListOutcome) => void;

  constructor(
    private readonly ctx: RunContext,
    private readonly steps: Step[],
    private readonly plan: Plan,
    private readonly scope: ListScope,
    /** Checkpoint key prefix: '' at the top level, `loop[2]/` inside an iteration. */
    private readonly keyPrefix: string,
    private readonly scopePath: StepScope[],
  ) {
    for (const s of steps) {
      this.byId.set(s.id, s);
      this.children.set(s.id, []);
      this.waiting.set(s.id, 0);
    }
    plan.executionOrder.forEach((id, i) => this.order.set(id, i));
    for (const e of plan.edges) {
      this.children.get(e.from)!.push(e.to);
      this.waiting.set(e.to, this.waiting.get(e.to)! + 1);
    }
    // a handler also waits for every step that names it: then it is known whether one failed into it
    this.handlers = failureTargets(steps, plan).handlers;
    for (const [h, sources] of this.handlers) {
      this.waiting.set(h, this.waiting.get(h)! + sources.length);
      for (const src of sources) this.handlersOf.set(src, [...(this.handlersOf.get(src) ?? []), h]);
    }
    for (let i = plan.executionOrder.length - 1; i >= 0; i--) {
      const id = plan.executionOrder[i];
      let best = 0;
      for (const c of this.children.get(id)!) best = Math.max(best, this.rank.get(c) ?? 0);
      this.rank.set(id, best + 1);
    }
  }

  run(): Promise<ListOutcome> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      if (this.steps.length === 0) return this.settle();
      // results a checkpoint restored come first, in execution order, as if they had just ended;
      // all are claimed before any is replayed, or replaying one would start the next
      const restored = this.plan.executionOrder.filter((id) => {
        const r = this.ctx.restored[this.keyPrefix + id];
        return r !== undefined && isFinal(r);
      });
      for (const id of restored) this.started.add(id);
      for (const id of restored) this.finish(id, this.ctx.restored[this.keyPrefix + id], null, true);
      for (const id of this.plan.executionOrder) if (this.waiting.get(id) === 0 && !this.started.has(id)) this.ready(id);
    });
  }

  private settle(): void {
    this.resolve({ results: this.results, failed: this.failed, firstFailure: this.firstFailure, cancelled: this.ctx.signal.aborted });
  }

  private ready(id: string): void {
    if (this.started.has(id)) return;
    this.started.add(id);
    const step = this.byId.get(id)!;
    if (this.ctx.signal.aborted) return this.finish(id, this.notRun('cancelled', 'the run was cancelled'), null);
    if (this.stopping) return this.finish(id, this.notRun('skipped', `not run: '${this.firstFailure?.step}' failed`, 'stopped'), null);
    const sources = this.handlers.get(id);
    if (sources && !this.jumpedTo.has(id)) {
      const names = sources.map((x) => `'${x}'`).join(' or ');
      return this.finish(id, this.notRun('skipped', `not run: it handles the failure of ${names}, and ${sources.length > 1 ? 'none failed' : 'it did not fail'}`, 'jump'), null);
    }
    this.ctx.emitter.emit({ type: 'step-ready', time: Date.now(), step: id, scope: this.scopePath });
    if (step.condition !== undefined) {
      let holds: boolean;
      try {
        holds = evaluateCondition(step.condition, this.scope);
      } catch (e) {
        // fail closed: a condition that cannot be evaluated is false
        const why = `the condition could not be evaluated: ${(e as Error).message}`;
        this.ctx.emitter.emit({ type: 'warning', time: Date.now(), step: id, message: `Step '${id}' is skipped: ${why}` });
        return this.finish(id, this.notRun('skipped', why, 'condition'), step.onFalse);
      }
      if (!holds) return this.finish(id, this.notRun('skipped', 'the condition is false', 'condition'), step.onFalse);
    }
    if (this.ctx.debug) return void this.pauseThenLaunch(step, this.ctx.debug);
    this.launch(step);
  }

  private launch(step: Step, given?: GivenInputs): void {
    const id = step.id;
    const onEnd = (r: StepResult) => (this.ctx.debug?.hooks.afterFailure ? this.pauseOnFailure(step, r, this.ctx.debug) : this.ended(step, r));
    const run = step.loop ? runLoop(step, this.scope, this.ctx, this.keyPrefix, this.scopePath).then(onEnd) : executeStep(step, this.scope, this.ctx, this.scopePath, this.rank.get(id) ?? 0, onEnd, given);
    run.catch((e) => {
      // an engine bug must not hang the run: the step fails with what was thrown
      if (this.results.has(id)) throw e;
      const r = emptyStepResult('failed');
      r.success = false;
      r.error = `Internal error: ${(e as Error)?.stack ?? e}`;
      r.error_type = 'InternalError';
      this.ended(step, r);
    });
  }

  /** A debugger is attached: it sees the step (and its rendered inputs) and may hold it before it runs. */
  private async pauseThenLaunch(step: Step, debug: DebugBridge): Promise<void> {
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
    try {
      resumption = await untilAborted(() => debug.hooks.beforeStep(point, debug), this.ctx.signal);
    } catch (e) {
      this.ctx.emitter.emit({ type: 'warning', time: Date.now(), step: step.id, message: `The debugger failed before '${step.id}' (it runs as it is): ${(e as Error).message}` });
    }
    if (this.ctx.signal.aborted) return this.finish(step.id, this.notRun('cancelled', 'the run was cancelled'), null);
    if (this.stopping) return this.finish(step.id, this.notRun('skipped', `not run: '${this.firstFailure?.step}' failed`, 'stopped'), null);
    // without changed inputs the step renders again, so results changed during the hold reach it
    this.launch(step, resumption?.inputs && !step.loop ? { params: resumption.inputs, edits: resumption.edits } : undefined);
  }

  /** A debugger that stops on failures holds the run before it reacts to this step's failure. */
  private pauseOnFailure(step: Step, r: StepResult, debug: DebugBridge): void {
    const failed = r.status === 'failed' || (r.status === 'completed' && r.success === false);
    if (!failed || this.ctx.signal.aborted) return this.ended(step, r);
    const point: PausePoint = { key: this.keyPrefix + step.id, step, scopePath: this.scopePath, scope: this.scope, inputs: null };
    untilAborted(() => debug.hooks.afterFailure!(point, r, debug), this.ctx.signal)
      .catch((e) => this.ctx.emitter.emit({ type: 'warning', time: Date.now(), step: step.id, message: `The debugger failed after '${step.id}' failed: ${(e as Error).message}` }))
      .then(() => this.ended(step, r));
  }

  private notRun(status: 'skipped' | 'cancelled', reason: string, kind?: SkipKind): StepResult {
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
        this.ctx.emitter.emit({ type: 'warning', time: Date.now(), step: step.id, message: `Step '${step.id}' failed and is skipped (on_failure: skip): ${r.error}` });
      } else {
        this.failed = true;
        this.firstFailure ??= { step: step.id, error: r.error ?? 'failed' };
        if (policy.kind === 'jump') jump = policy.target;
        else if (policy.kind === 'fail' || policy.kind === 'retry') this.stop();
      }
    }
    if (r.status === 'cancelled') this.stopping = true;
    this.finish(step.id, r, jump);
  }

  /** No step starts after this; steps still waiting are marked when their dependencies end. */
  private stop(): void {
    this.stopping = true;
  }

  private record(id: string, r: StepResult, restored: boolean): void {
    this.results.set(id, r);
    this.scope.setStep(id, r);
    this.ctx.debug?.recorded(this.keyPrefix + id, r);
    // a restored result is in the checkpoint already
    if (!restored) this.ctx.checkpoint?.record(this.keyPrefix + id, r);
  }

  private finish(id: string, r: StepResult, jump: string | null, restored = false): void {
    this.record(id, r, restored);
    if (!restored) this.ctx.emitter.emit({ type: 'step-ended', time: Date.now(), step: id, scope: this.scopePath, result: r });
    this.done++;
    if (jump) {
      this.jumpedTo.add(jump);
      this.jumpFrom(id, jump);
    }
    for (const c of this.children.get(id)!) this.release(c);
    const handlers = this.handlersOf.get(id);
    if (handlers) for (const h of handlers) this.release(h);
    if (this.done === this.steps.length) this.settle();
  }

  /** One of the steps `id` waits for has ended. */
  private release(id: string): void {
    const left = this.waiting.get(id)! - 1;
    this.waiting.set(id, left);
    if (left === 0 && !this.started.has(id)) this.ready(id);
  }

  /** Marks the steps a forward jump passes over as skipped: descendants of `from` before `target`. */
  private jumpFrom(from: string, target: string): void {
    const limit = this.order.get(target);
    if (limit === undefined) return;
    const stack = [...this.children.get(from)!];
    const seen = new Set<string>();
    const passed: string[] = [];
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x) || x === target) continue;
      seen.add(x);
      const o = this.order.get(x)!;
      if (o >= limit || this.started.has(x)) continue;
      passed.push(x);
      stack.push(...this.children.get(x)!);
    }
    passed.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    for (const x of passed) if (!this.started.has(x)) this.started.add(x);
    for (const x of passed) this.finish(x, this.notRun('skipped', `jumped over: '${from}' jumps to '${target}'`, 'jump'), null);
  }
}
