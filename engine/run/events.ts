// The run's protocol: every state change is a RunEvent, and the result document is what a run
// reports. The CLI's progress, the checkpoint store, the webview and the debug adapter all read
// these types; nothing else crosses from the engine to its listeners.
import type { ModelTry } from '../models/modelRunner';
import type { AgentEvent } from '../agent/types';
import type { GuardrailLine } from '../guard/types';
import type { BudgetStanding, LedgerFigures } from '../guard/ledger';
import type { Redactor } from '../toolkit/redact';

export type { AgentEvent, AgentRef, AgentStepResult, AgentToolCall, AgentTurn, PendingCall, StopReason, ToolCallStatus } from '../agent/types';

export type StepStatus = 'pending' | 'running' | 'completed' | 'skipped' | 'failed' | 'cancelled';
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';
/** condition: false or not evaluable; jump: passed over by a jump; policy: failed with on_failure skip; stopped: the run stopped first. */
export type SkipKind = 'condition' | 'jump' | 'policy' | 'stopped';

/** One step in the result document (SPEC "Results"). */
export interface StepResult {
  status: StepStatus;
  /** null for a step that did not run (skipped, cancelled, pending). */
  success: boolean | null;
  result: unknown;
  error: string | null;
  error_type: string | null;
  timed_out: boolean;
  attempts: number;
  retries: number;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  model: string | null;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  /** Why this model was chosen, when selection (`requires_model`) chose it. */
  model_reason?: string;
  /** A fallback chain's models in the order asked: which answered, why each other was passed over (engine/models/fallback.ts). */
  models_tried?: ModelTry[];
  /** Time the step was ready but waited for a free slot (`max_parallel`, a tool's concurrency), over all attempts (ms). */
  queued_ms?: number;
  /** Time spent in attempts that failed and in the backoff before the next one (ms). */
  retry_ms?: number;
  /** A loop's time (ms, within duration_ms) that a debugger held steps of its body: predictions and reports leave it out. */
  paused_ms?: number;
  /** Time (ms) a debugger held the step before it started (a breakpoint): outside duration_ms; the report leaves it out. */
  held_ms?: number;
  /** Time a debugger that stops on failures held the run after this step failed, before the run went on (outside its duration). */
  held_after_ms?: number;
  /** Model steps: time in provider calls and waiting for the provider's limiter (ms). */
  latency_ms?: number;
  limiter_wait_ms?: number;
  /** Files written from `vars` (`products`), relative to the run's output folder. */
  products?: string[];
  /** Declared structured outputs (`vars`), when the step has them. */
  vars?: Record<string, unknown>;
  /** A loop's iterations: each with the results of its body steps. */
  iterations?: IterationResult[];
  /** A while loop's iterations left out of `iterations` and `result` between its first 1,000 and its latest 1,000 (their results are in the checkpoint's journal). */
  iterations_omitted?: number;
  /** A one-action loop's result for each item, in order (ContextLab's `step.results`; the same list as `result`). */
  results?: unknown[];
  /** Why a step was skipped or not run, in words. */
  skip_reason?: string;
  /** What skipped it; a resumed run runs `stopped` steps again and keeps the others. */
  skip_kind?: SkipKind;
  /** The result came from the cache (`cache: true`). */
  cached?: boolean;
  /** Run-time AUTO tags in the step's parameters, and what the orchestrator model answered. */
  auto?: { path: string; question: string; value: unknown; model: string }[];
  /** Changes a debugger made: to the inputs before the step ran, or to its result after. */
  edits?: StepEdit[];
  /** Each guard's check of the step's input, output or tool results, in order (engine/guard/). */
  guardrails?: GuardrailLine[];
}

/** One change a debugger made to a step (`setVariable`), in the order they were made. */
export interface StepEdit {
  target: 'inputs' | 'result';
  /** Where, as dotted keys from the inputs or from the step's result record (`result.text`). */
  path: string;
  value: unknown;
  time: string;
}

export interface IterationResult {
  index: number;
  item: unknown;
  status: StepStatus;
  /** The body steps' results; empty past the first 1,000 iterations (`summarized`), which the loop's `result` and the checkpoint still hold. */
  steps: Record<string, StepResult>;
  summarized?: true;
}

/** What started a run that `orc serve` started: a request, a cron schedule or a webhook (by its name); or a trace `orc traces import` read. */
export interface RunTrigger {
  kind: 'http' | 'cron' | 'webhook' | 'import' | 'fork';
  /** The pipeline's id for a request, the cron expression, the webhook's name, the imported trace's service, `PARENT@STEP` for a fork. */
  name: string;
  /** A fork (engine/run/fork.ts): the run it was forked from, and the step it was forked at. */
  parent?: string;
  at?: string;
}

/** What `orc run --json` prints. */
export interface ResultDocument {
  pipeline_id: string;
  execution_id: string;
  status: Exclude<RunStatus, 'running'>;
  success: boolean;
  outputs: Record<string, unknown>;
  steps: Record<string, StepResult>;
  execution_order: string[];
  execution_levels: string[][];
  failed_steps: string[];
  skipped_steps: string[];
  started_at: string;
  ended_at: string;
  /** This session's duration: a resumed run counts from its resume (`resumed_at`), not from `started_at`. */
  duration_ms: number;
  /** This session's time (ms, within duration_ms) that a debugger held the run: predictions and reports leave it out. */
  paused_ms?: number;
  /** When this session resumed the run (absent for a run that was not resumed). */
  resumed_at?: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  /** Outputs whose template failed to render, with the reason. */
  output_errors?: Record<string, string>;
  /** Errors run listeners (progress, views) threw: the run went on, but they are not hidden. */
  listener_errors?: string[];
  /** Each top-level step's definition hash: later runs predict from the runs of the same definition. */
  definitions?: Record<string, string>;
  /** What was predicted before the run (from earlier runs and the model registry), beside what happened. */
  prediction?: PredictionRecord;
  /** What started it, for a run `orc serve` started. */
  trigger?: RunTrigger;
  /** Where the run's budget and the steps' own stood at the end (engine/guard/ledger.ts), for a run that had one. */
  budget?: BudgetStanding[];
}

export interface PredictedRange {
  expected: number;
  low: number;
  high: number;
}

export interface PredictionRecord {
  makespan_ms: { predicted: PredictedRange; actual: number };
  cost_usd: { predicted: PredictedRange; actual: number };
  /** By top-level step; null where nothing was known beforehand or the step did not run. */
  steps: Record<string, { predicted_ms: number | null; actual_ms: number | null; predicted_cost_usd: number | null; actual_cost_usd: number; source: 'history' | 'registry' | 'unknown' }>;
  /** Steps whose duration was unknown beforehand (counted as 0 in the makespan). */
  unknown: string[];
}

/** Where a step runs: the top level, or an iteration of a loop (innermost last). */
export interface StepScope {
  loop: string;
  index: number;
}

/** The step (and its scope) whose attempt started a nested run: its listeners hang the nested run's events under it. */
export interface NestedRunAt {
  stepId: string;
  scope: StepScope[];
}

interface EventBase {
  /** Milliseconds since the epoch. */
  time: number;
}

export type RunEvent =
  | (EventBase & { type: 'run-started'; executionId: string; pipelineId: string; steps: string[]; levels: string[][]; resumed: boolean })
  | (EventBase & { type: 'step-ready'; stepId: string; scope: StepScope[] })
  | (EventBase & { type: 'step-started'; stepId: string; scope: StepScope[]; attempt: number; /** The step's rendered parameters. */ inputs: Record<string, unknown>; /** What runs it (traces name their spans by it): the tool, or null for a model action; `for_each` for a loop. */ tool?: string | null; action?: string | null })
  | (EventBase & { type: 'attempt-failed'; stepId: string; scope: StepScope[]; attempt: number; error: string; errorType: string; retryInMs: number | null })
  | (EventBase & { type: 'step-output'; stepId: string; scope: StepScope[]; stream: 'stdout' | 'stderr' | 'text'; chunk: string })
  | (EventBase & { type: 'model-call'; stepId: string; scope: StepScope[]; model: string; tokens_in: number; tokens_out: number; cost_usd: number; latency_ms: number; wait_ms: number; attempts: number; /** What traces record, when the runner knows it (ModelCallRecord). */ provider?: string; response_model?: string; finish_reasons?: string[]; max_tokens?: number | null; temperature?: number | null })
  /** An agent step's turns and calls (engine/agent/types.ts): `agent-turn-started`, `agent-turn-ended`, `tool-call-started`, `tool-call-ended`, `agent-ended`. */
  | (EventBase & { stepId: string; scope: StepScope[] } & AgentEvent)
  /** A guard checked a step's input, output or a tool result (the line its result records too). */
  | (EventBase & { type: 'guardrail'; stepId: string; scope: StepScope[]; /** How long the check took (a judge's or a pipeline's call included). */ duration_ms?: number } & GuardrailLine)
  /** The run's budget (or a step's, `stepId`) moved: a call settled, or the budget was spent. */
  | (EventBase & { type: 'budget'; stepId: string | null; spent: boolean } & LedgerFigures)
  | (EventBase & { type: 'step-ended'; stepId: string; scope: StepScope[]; result: StepResult })
  | (EventBase & { type: 'checkpoint-written'; path: string; completed: number })
  | (EventBase & { type: 'warning'; stepId: string | null; message: string })
  | (EventBase & { type: 'run-ended'; result: ResultDocument });

export type RunListener = (event: RunEvent) => void;

/** Fans events out to any number of listeners; a listener that throws cannot stop the run. */
export class RunEmitter {
  private readonly listeners = new Set<RunListener>();
  private readonly failures: unknown[] = [];
  /** A run given secret inputs: every event is redacted before a listener sees it (the model's own text, a rendered prompt, an agent's answer may hold one). */
  private redactor: Redactor | null = null;

  /** Redacts every later event with `redactor` (a run's, when it has secret inputs: the environment's keys are redacted where the text is made). */
  redactWith(redactor: Redactor): void {
    this.redactor = redactor;
  }

  on(listener: RunListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether anyone listens: the hot paths build an event only then (a run of quick steps makes three per step). */
  get listening(): boolean {
    return this.listeners.size > 0;
  }

  emit(event: RunEvent): void {
    if (this.redactor && this.listeners.size) event = this.redactor.value(event);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.failures.push(e);
      }
    }
  }

  /** Errors listeners threw, as messages, once each. */
  listenerErrors(): string[] {
    if (!this.failures.length) return []; // (no Set and no copies per run when no listener threw)
    return [...new Set(this.failures.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))))];
  }
}

/**
 * A step the run's cancel reached before it started: `cancelled`, as a step cancelled while it ran
 * is, with the same error type (a cancelled step always says CancelledError, whenever the cancel
 * came), and why it did not run.
 */
export function cancelledBeforeStart(): StepResult {
  return { ...emptyStepResult('cancelled'), error: 'The run was cancelled before the step started', error_type: 'CancelledError', skip_reason: 'the run was cancelled' };
}

export function emptyStepResult(status: StepStatus = 'pending'): StepResult {
  return {
    status,
    success: null,
    result: null,
    error: null,
    error_type: null,
    timed_out: false,
    attempts: 0,
    retries: 0,
    started_at: null,
    ended_at: null,
    duration_ms: null,
    model: null,
    tokens_in: 0,
    tokens_out: 0,
    cost_usd: 0,
  };
}
