// What the coordinator (`orc run --redis`) and the workers (`orc worker`) agree on: the queue, the
// job's identity and data, its result, the progress it streams, and which steps stay on the
// coordinator. Both sides import this file and nothing of each other.
import { createHash } from 'node:crypto';
import type { Pipeline, Step } from '../spec/types';
import type { ToolOutcome } from '../tools/runtime';
import type { ModelCallRecord } from '../models/modelRunner';

/** The queue steps go to unless `--queue` names another. */
export const DEFAULT_QUEUE = 'orc-steps';
/** The prefix of every Redis key BullMQ writes for us (BullMQ's own default is `bull`). */
export const KEY_PREFIX = 'orc';
/** The version of the job's shape and of the replies; a worker refuses jobs of another. */
export const JOB_FORMAT = 2;
/** How long finished jobs stay in Redis, so that a restarted coordinator finds them (seconds). */
export const KEEP_COMPLETED_S = 24 * 3600;
export const KEEP_FAILED_S = 7 * 24 * 3600;
/** How long a pipeline's published steps stay in Redis after the coordinator last refreshed them (seconds). */
export const PUBLISHED_TTL_S = 7 * 24 * 3600;

/**
 * Tools that run on the coordinator: nested pipelines (their steps are scheduled by the run that
 * owns them), the human-in-the-loop tools (the person is at the coordinator's terminal or editor),
 * and the MCP tools whose state is the run's.
 */
export const COORDINATOR_TOOLS = new Set(['pipeline', 'pipeline-executor', 'user-prompt', 'approval-gate', 'feedback-collection', 'mcp-server', 'mcp-memory']);

/** The pipeline fields a step's action reads besides the step. */
export type JobPipeline = Pick<Pipeline, 'id' | 'experts' | 'model' | 'selectionSchema' | 'personalities'>;

/** One attempt of one step: everything a worker needs, and no secret (the worker uses its own environment's). */
export interface StepJobData {
  format: number;
  runId: string;
  /** The step's checkpoint key (`loop[2]/body_step`). */
  key: string;
  attempt: number;
  /** sha256 of the pipeline's source. */
  pipelineSha256: string;
  /**
   * sha256 of the hash and the compiled step as sent: a job altered on the way is refused, and so is
   * one whose digest the coordinator did not publish under publishedStepsKey(hash).
   */
  stepDigest: string;
  /** The step as the coordinator compiled it (AUTO answers applied). */
  step: Step;
  pipeline: JobPipeline;
  defaultModel: string | null;
  /** Rendered parameters. */
  params: Record<string, unknown>;
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
  pipelineFile: string | null;
  timeoutS: number | null;
}

/** Model figures of the attempt, added to the step's result by the coordinator. */
export interface AttemptFigures {
  model?: string | null;
  model_reason?: string;
  latency_ms?: number;
  limiter_wait_ms?: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
}

/** A finished job's value: the tool's outcome, or the error it raised (its type decides retries). */
export interface StepJobResult {
  ok: boolean;
  outcome?: ToolOutcome;
  error?: { message: string; type: string };
  figures: AttemptFigures;
  /** `host:pid` of the worker that ran it. */
  worker: string;
}

/** What a worker streams while a step runs. */
export type StepProgress =
  | { kind: 'output'; stream: 'stdout' | 'stderr' | 'text'; chunk: string }
  | { kind: 'model-call'; call: ModelCallRecord };

/**
 * What workers send back to a run, in order, on the run's replies list (repliesKey): a job's
 * progress while it runs, then its end once BullMQ has it as completed or failed. The run reads
 * only its own replies, not the whole queue's events.
 */
export type StepReply =
  | { id: string; kind: 'progress'; progress: StepProgress }
  | { id: string; kind: 'completed'; result: StepJobResult }
  | { id: string; kind: 'failed'; reason: string };

/** A run's replies list (a Redis list its workers push to and the run pops). */
export function repliesKey(queue: string, runId: string): string {
  return `${KEY_PREFIX}:${queue}:replies:${runId}`;
}

/** How long a run's replies stay when no one reads them (a coordinator that died; seconds). */
export const REPLIES_TTL_S = KEEP_COMPLETED_S;

/** The job id of one attempt: a second add of the same attempt is the same job (BullMQ ids may not hold ':'). */
export function jobId(runId: string, key: string, attempt: number): string {
  return `${runId}|${key}|${attempt}`.replace(/:/g, '%3A');
}

export function stepDigest(pipelineSha256: string, step: Step): string {
  return createHash('sha256').update(pipelineSha256).update('\n').update(JSON.stringify(step)).digest('hex');
}

/**
 * Where the coordinator publishes the digests of the steps it compiled for a pipeline (a Redis set,
 * by the source's hash): a worker runs a job only when its step's digest is there.
 */
export function publishedStepsKey(queue: string, sha: string): string {
  return `${KEY_PREFIX}:${queue}:pipeline:${sha}:steps`;
}

/** The channel on which the coordinator asks workers to stop an attempt (cancellation, timeout). */
export function cancelChannel(queue: string): string {
  return `${KEY_PREFIX}:${queue}:cancel`;
}

/** A queue name Redis keys and BullMQ accept. */
export function checkQueueName(name: string): string | null {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(name) ? null : `the queue name '${name}' may use only letters, digits, '_', '.' and '-' (at most 100)`;
}
