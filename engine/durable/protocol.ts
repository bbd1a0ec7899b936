// What crosses between the processes of a durable run (engine/durable/): the client (`orc run
// --restate`), Restate, and the workers (`orc worker --restate`). Typed once here.
import type { ToolOutcome } from '../toolkit/runtime';
import type { AttemptFigures } from '../distributed/protocol';
import type { AgentStepResult } from '../agent/types';
import type { ResultDocument, RunEvent, RunTrigger } from '../run/events';
import type { Answer, Question } from '../toolkit/interaction';

/** The Restate workflow a run is, keyed by its run id. */
export const RUN_WORKFLOW = 'orc_run';

/** What `orc run --restate` submits: the pipeline's text goes with the run, so every worker runs the same pipeline. */
export interface RunSubmission {
  /** The pipeline's text as the client read it. */
  source: string;
  /** The pipeline's path relative to the root (null: from standard input). */
  file: string | null;
  /** The inputs, without any secret (a secret parameter's value comes from the workers' environment: inputs.ts). */
  inputs: Record<string, unknown>;
  maxParallel?: number;
  /** The compile-time AUTO tags' answers the client ran with (its lock's, or resolved as it submitted), as `analyze` takes them. */
  autoAnswers?: [string, unknown][];
  /** Answers given ahead to the steps that ask a person (`-i STEP=VALUE`), by step id. */
  answers?: Record<string, unknown>;
  /** `--yes`: approval gates approve, prompts take their default. */
  yes?: boolean;
  /** What started it, when not a person at a terminal (`orc serve`: http, cron, webhook). */
  trigger?: RunTrigger;
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
  /** When the attempt ended (ms since the epoch), as the journal keeps it. */
  ended?: number;
}

/**
 * A turn of the run's journal: the attempts to issue next, and when (ms since the epoch). Journaled
 * before any of them starts, it is also their start marker: an attempt whose turn a replay reads
 * back from the journal, and which then runs, is one that a process started and died in.
 */
export interface TurnRecord {
  plan: string[];
  at: number;
}

/**
 * A value too large for a durable run's journal, events and result document (its JSON longer than
 * 256 KB), kept in a file of the run's folder: `$ref` is that file's path relative to the run's
 * folder (`durable-outputs/SHA256.txt` for a text, `.json` for any other value, as its JSON).
 */
export interface OutputRef {
  $ref: string;
  media_type: 'text/plain' | 'application/json';
  /** The file's size. */
  bytes: number;
  /** The file's SHA-256 (hex): its name too. */
  sha256: string;
}

/** A page of a run's events, as the workflow's `progress` handler gives it. */
export interface ProgressPage {
  /** Events from `from` on, each with the handler execution (`epoch`) that emitted it. */
  events: { epoch: number; event: RunEvent }[];
  /** Where the next page starts (a byte offset of the events file: give it back as `from`). */
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

/** A question a step of the run waits on, as the workflow's shared `questions` handler lists it. */
export interface WaitingQuestion {
  /** The step's label (`loop[1] › step` in a loop): what `answer` is given. */
  step: string;
  question: Question;
}

/** What `progress` is asked. */
export interface ProgressRequest {
  from: number;
}
