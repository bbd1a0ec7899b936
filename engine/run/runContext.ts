// What every part of one run shares: the pipeline, limits, listeners, stores, cancellation.
import type { PauseClock } from './pauseClock';
import type { ModelRunner } from '../models/modelRunner';
import type { Pipeline, Plan, Step } from '../spec/types';
import type { NestedRunOptions, NestedRunResult, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import type { Interaction } from '../toolkit/interaction';
import type { Cancellation } from './attemptSignal';
import type { CheckpointStore, CompactedIterations } from './checkpointStore';
import type { RunEmitter, StepResult, StepScope, NestedRunAt } from './events';
import type { Redactor } from '../toolkit/redact';
import type { ListScope } from './scope';
import type { StepCache } from './stepCache';
import { setLongTimeout } from '../util/longTimer';
import type { DebugBridge } from './debugHooks';
import { Heap } from '../util/heap';
import type { Abortable } from './attemptSignal';
import type { McpAccess } from '../agent/index';
import type { ToolTape } from '../models/cassette';
import type { ForkSessions, ForkTurns } from './fork';

interface Waiter {
  priority: number;
  seq: number;
  wake: (granted: boolean) => void;
}

const byPriority = (a: Waiter, b: Waiter): number => b.priority - a.priority || a.seq - b.seq;

/**
 * A counting semaphore. Waiters with a higher priority go first (the scheduler passes a step's
 * longest remaining path, so the critical path is never starved); equal priorities go in order.
 */
export class Semaphore {
  /** Highest priority first; equal priorities in the order they came (one comparator for every semaphore). */
  private readonly waiters = new Heap<Waiter>(byPriority);
  private seq = 0;
  constructor(private available: number) {}

  /**
   * Resolves with true when a unit is held, or false if the signal aborted first. A waiter adds no
   * listener to the signal (a run with thousands of waiting steps would pile them up): whoever
   * aborts the signal calls `abortWaiters()`, and a waiter woken after an abort hands its unit on.
   */
  acquire(signal: AbortSignal, priority = 0): Promise<boolean> | boolean {
    if (signal.aborted) return false;
    if (this.available > 0 && this.waiters.size === 0) {
      this.available--;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      this.push({
        priority,
        seq: this.seq++,
        wake: (granted) => {
          if (granted && signal.aborted) {
            this.release();
            return resolve(false);
          }
          resolve(granted);
        },
      });
    });
  }

  /** Wakes every waiter with false (the run was cancelled). */
  abortWaiters(): void {
    for (let w = this.pop(); w; w = this.pop()) w.wake(false);
  }

  release(): void {
    const next = this.pop();
    if (next) next.wake(true);
    else this.available++;
  }

  private push(w: Waiter): void {
    this.waiters.push(w);
  }

  private pop(): Waiter | undefined {
    return this.waiters.pop();
  }
}

/** How one step list (the top level, or one loop iteration) ended. */

export interface ListOutcome {
  /** Each ended step's result by its id, in the order they ended. */
  readonly results: Map<string, StepResult>;
  /** The same results by the step's position in the list (undefined: it did not end). */
  readonly byIndex: readonly (StepResult | undefined)[];
  /** Step positions in the order the steps ended. */
  readonly endOrder: readonly number[];
  /** A step failed (or reported failure) in a way that fails the run. */
  failed: boolean;
  /** The first failure, for messages. */
  firstFailure: { step: string; error: string } | null;
  cancelled: boolean;
}

/**
 * Runs one step list as a DAG. The scheduler provides it; loops call it for each iteration through
 * the run context, so the loop runner and the scheduler do not import each other.
 */
export type RunList = (steps: Step[], plan: Plan, scope: ListScope, keyPrefix: string, scopePath: StepScope[]) => Promise<ListOutcome>;

export interface RunContext {
  pipeline: Pipeline;
  bodyPlans: Record<string, Plan>;
  executionId: string;
  emitter: RunEmitter;
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
  pipelineFile: string | null;
  /** Aborted by cancellation (Ctrl-C). */
  signal: AbortSignal;
  /** Running attempts register their own signal here; cancellation aborts them all. */
  inflight: Set<Abortable>;
  slots: Semaphore;
  /** The run's max_parallel (the size of `slots`). */
  maxParallel: number;
  toolSlots: Map<string, Semaphore>;
  tools: Record<string, ToolDefinition>;
  models: ModelRunner;
  checkpoint: CheckpointStore | null;
  /** Results restored from a checkpoint (resume), by checkpoint key. */
  restored: Record<string, StepResult>;
  /** Iterations of long `while` loops a resumed run's journal counts as done without their results, by loop key. */
  compacted?: Readonly<Record<string, CompactedIterations>>;
  cache: StepCache;
  random: () => number;
  /** `from`: the step whose attempt runs it (its nested run's listeners, a trace's parent span). */
  runNested(file: string, inputs: Record<string, unknown>, options?: NestedRunOptions, from?: NestedRunAt): Promise<NestedRunResult>;
  /** Replaces secret values in what the run records and prints. */
  redactor: Redactor;
  /** The most iterations one loop may run (a hard cap over `max_iterations` and for_each lists). */
  iterationCap: number;
  /** Runs a step list (a loop's body, once per iteration). */
  runList: RunList;
  /** The model of steps that name none when the pipeline has no `model:` (the editor's setting). */
  defaultModel: string | null;
  /** The model that answers run-time AUTO tags (null: none configured). */
  orchestrator: string | null;
  /** The attached debugger's hooks, and the results it may change; null when no debugger is attached. */
  debug: DebugBridge | null;
  /** Time the debugger held the run and each loop (engine/run/pauseClock.ts). */
  pauses: PauseClock;
  /** Who the human-in-the-loop tools ask (the host's); absent: no one can answer. */
  interaction?: Interaction;
  /** Runs the attempts of the steps it handles elsewhere (a distributed run's workers); absent: all run here. */
  attempts?: AttemptExecutor;
  /** The run's MCP servers (agents list and call their tools through it). */
  mcp?: McpAccess;
  /** The run's cassette (agents record their tool calls to it, or answer them from it). */
  cassette?: { toolTape(stepId: string): ToolTape } | null;
  /** A fork at an agent's turn: that step's turns before it are answered from the parent's record. */
  forkTurns?: ForkTurns;
  /** A fork (`orc fork`): its agent steps read their sessions as the parent run did, and add nothing to them. */
  forkSessions?: ForkSessions;
}

/**
 * What one attempt of a tool or model action needs from its run: a local run passes its RunContext;
 * a worker (engine/distributed/worker.ts) builds one from the job and its own environment.
 */
export interface ActionContext {
  /** The run's id (an agent's session records which run added its messages). */
  executionId?: string;
  pipeline: Pick<RunContext['pipeline'], 'experts' | 'model' | 'modelChain' | 'fallbacks' | 'selectionSchema' | 'personalities' | 'agents'>;
  tools: RunContext['tools'];
  models: RunContext['models'];
  emitter: RunContext['emitter'];
  redactor: RunContext['redactor'];
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
  pipelineFile: string | null;
  runNested: RunContext['runNested'];
  interaction?: RunContext['interaction'];
  defaultModel: string | null;
  /** The run's MCP servers, for agents whose allow-list names them (absent on a worker). */
  mcp?: RunContext['mcp'];
  /** The run's cassette, for agents' tool calls (absent: none). */
  cassette?: RunContext['cassette'];
  /** A fork at an agent's turn (absent on a worker: a fork's agent step runs in the forking process). */
  forkTurns?: RunContext['forkTurns'];
  /** A fork's sessions, as its parent read them (absent on a worker: a fork's agent step runs in the forking process). */
  forkSessions?: RunContext['forkSessions'];
  /** The attached debugger, which agent steps ask before each tool call (absent or null: none; a worker has none). */
  debug?: RunContext['debug'];
  /** Where the time a debugger held an agent step at a call is recorded (with `debug`). */
  pauses?: RunContext['pauses'];
}

export { sleep } from '../util/longTimer';

/** `restored` of a run that resumes nothing: step lists skip looking their steps up in it. */
export const NOTHING_RESTORED: Readonly<Record<string, StepResult>> = Object.freeze(Object.create(null) as Record<string, StepResult>);

/** One attempt of a step's action run somewhere else (the distributed run's workers). */
export interface AttemptRequest {
  step: Step;
  /** The step's checkpoint key (`loop[2]/body_step`): with the run id and attempt, the attempt's identity. */
  key: string;
  params: Record<string, unknown>;
  attempt: number;
  timeoutS: number | null;
  scopePath: StepScope[];
  /** The attempt's cancellation and timeout (no AbortSignal is made for it: a no-op step costs less). */
  cancellation: Cancellation;
  /** Receives the attempt's model figures (model, tokens, cost, latency). */
  result: StepResult;
  /** The run: its id, folders, pipeline, listeners. */
  run: RunContext;
}

export interface AttemptExecutor {
  /** Whether this executor runs the step's attempts (the others run in this process). */
  handles(step: Step): boolean;
  attempt(req: AttemptRequest): Promise<ToolOutcome>;
  /**
   * The wait before attempt `attempt` of a step it handles (a retry's backoff), in place of an
   * in-process timer: a durable run makes it a durable timer, which a replay does not wait again.
   * Resolves false when the signal aborts first.
   */
  backoff?(wait: { key: string; attempt: number; ms: number }, signal: AbortSignal): Promise<boolean>;
}
