// What crosses between the processes of a durable run (engine/durable/): the client (`orc run
// --restate`), Restate, and the workers (`orc worker --restate`). Typed once here.
import type { ToolOutcome } from '../toolkit/runtime';
import type { AttemptFigures } from '../distributed/protocol';
import type { AgentStepResult } from '../agent/types';
import type { ResultDocument, RunEvent } from '../run/events';
import type { Answer, Question } from '../toolkit/interaction';

/** The Restate workflow a run is, keyed by its run id. */
export const RUN_WORKFLOW = 'orc_run';

/** What `orc run --restate` submits: the pipeline's text goes with the run, so every worker runs the same pipeline. */
export interface RunSubmission {
  /** The pipeline's text as the client read it. */
  source: string;
  /** The pipeline's path relative to the root (null: from standard input). */
  file: string | null;
  inputs: Record<string, unknown>;
  maxParallel?: number;
}

/** What the workflow's run handler returns: the run's result document. */
export type RunOutput = ResultDocument;

/**
 * One attempt of a step as the journal keeps it. A result larger than the journal should hold is
 * in a file of the run's folder (`ref`, relative to it) and `outcome.result` is absent.
 */
export interface AttemptRecord {
  ok: boolean;
  outcome?: ToolOutcome;
  ref?: string;
  error?: { message: string; type: string; agent?: { limit: string; partial: AgentStepResult } };
  figures: AttemptFigures;
  /** How many times this attempt started, this one included (more than 1: a process died in it). */
  runs: number;
}

/** A turn of the run's journal: the attempts to issue next, or one attempt run in the turn itself. */
export type TurnRecord = { plan: string[] } | { one: string; record: AttemptRecord };

/** A page of a run's events, as the workflow's `progress` handler gives it. */
export interface ProgressPage {
  /** Events from `from` on, each with the handler execution (`epoch`) that emitted it. */
  events: { epoch: number; event: RunEvent }[];
  /** Where the next page starts. */
  next: number;
  /** The run's result document once it has ended (null while it runs, or when the worker cannot read it). */
  result: ResultDocument | null;
}

/** The workflow state key (then the step's label) of the question a step waits on. */
export const QUESTION_STATE = 'question ';

/** A step's question waiting for its answer: the durable promise that `answer` resolves. */
export interface PendingQuestion {
  promise: string;
  question: Question;
}

/** What the workflow's `answer` handler is given: the step (its label: `loop[1] › step` in a loop) and the answer. */
export interface AnswerRequest {
  step: string;
  value: Answer;
}

/** What `progress` is asked. */
export interface ProgressRequest {
  from: number;
}
