// What the coordinator (`orc run --redis`) and the workers (`orc worker`) agree on: the queue, the
// job's identity and data, its result, the progress it streams, and which steps stay on the
// coordinator. Both sides import this file and nothing of each other.
import { createHash } from 'node:crypto';
import type { AgentDecl, NamedAgent, Pipeline, Step } from '../spec/types';
import type { ToolOutcome } from '../toolkit/runtime';
import type { ModelCallRecord, ModelTry } from '../models/modelRunner';
import type { StepResult } from '../run/events';
import type { AgentEvent, AgentStepResult } from '../agent/types';

/** The queue steps go to unless `--queue` names another. */
export const DEFAULT_QUEUE = 'orc-steps';
/** The prefix of every Redis key BullMQ writes for us (BullMQ's own default is `bull`). */
export const KEY_PREFIX = 'orc';
/** The version of the job's shape and of the replies; a worker refuses jobs of another. */
export const JOB_FORMAT = 4;
/**
 * How long a failed job stays in Redis (seconds). A completed job goes at once: its attempts'
 * results are in the run's results hash, which a restarted coordinator reads (REPLIES_TTL_S).
 */
export const KEEP_FAILED_S = 7 * 24 * 3600;
/** How long a pipeline's published steps stay in Redis after the coordinator last refreshed them (seconds). */
export const PUBLISHED_TTL_S = 7 * 24 * 3600;

/**
 * Tools that run on the coordinator: nested pipelines (their steps are scheduled by the run that
 * owns them), the human-in-the-loop tools (the person is at the coordinator's terminal or editor),
 * the MCP tools whose state is the run's, and `sql` (the run's connections, pools and secrets).
 */
export const COORDINATOR_TOOLS = new Set(['pipeline', 'pipeline-executor', 'user-prompt', 'approval-gate', 'feedback-collection', 'mcp-server', 'mcp-memory', 'sql']);

/** The pipeline fields a step's action reads besides the step (`agents`: the named agents an agent step may call). */
export type JobPipeline = Pick<Pipeline, 'id' | 'experts' | 'model' | 'modelChain' | 'fallbacks' | 'selectionSchema' | 'personalities' | 'agents'>;

/**
 * Why an agent must run on the coordinator, or null when a worker can run it: every entry of its
 * allow-list (and of the named agents it may call, at any depth) is a tool a worker has, and none
 * waits for a person's approval. MCP servers (the run's sessions), pipelines (nested runs are the
 * coordinator's) and approvals (the person is at the coordinator) keep it there.
 */
export function agentNeedsCoordinator(decl: AgentDecl, agents: Record<string, NamedAgent> | undefined, workerHas: (tool: string) => boolean, seen = new Set<string>()): string | null {
  for (const e of decl.tools) {
    if (e.approve) return `'${e.spelling}' waits for a person's approval`;
    const ref = e.ref;
    switch (ref.kind) {
      case 'action':
      case 'tool':
        if (!workerHas(ref.tool)) return `the tool '${ref.tool}' runs only in the coordinator`;
        break;
      case 'mcp':
        return `'${e.spelling}' is a tool of the run's MCP server`;
      case 'pipeline':
        return `'${e.spelling}' is a nested run`;
      case 'agent': {
        if (seen.has(ref.name)) break;
        seen.add(ref.name);
        const named = agents && Object.prototype.hasOwnProperty.call(agents, ref.name) ? agents[ref.name] : undefined;
        if (!named) return `the agent '${ref.name}' is not in the pipeline's agents`;
        const why = agentNeedsCoordinator(named, agents, workerHas, seen);
        if (why) return why;
      }
    }
  }
  return null;
}

/** The named agents an agent may call, at any depth, by name (sorted): what its step's digest covers beside the step. */
export function reachableAgents(decl: AgentDecl | undefined, agents: Record<string, NamedAgent> | undefined): Record<string, NamedAgent> | null {
  if (!decl || !agents) return null;
  const found = new Map<string, NamedAgent>();
  const walk = (d: AgentDecl) => {
    for (const e of d.tools) {
      if (e.ref.kind !== 'agent' || found.has(e.ref.name) || !Object.prototype.hasOwnProperty.call(agents, e.ref.name)) continue;
      found.set(e.ref.name, agents[e.ref.name]);
      walk(agents[e.ref.name]);
    }
  };
  walk(decl);
  if (!found.size) return null;
  return Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One attempt of one step in a job: what differs between the attempts a job carries. */
export interface AttemptData {
  /** The attempt's identity (attemptId): its idempotency key, its replies and its result record. */
  id: string;
  /** The step's checkpoint key (`loop[2]/body_step`). */
  key: string;
  attempt: number;
  /**
   * sha256 of the pipeline's hash and the compiled step as sent: an attempt altered on the way is
   * refused, and so is one whose digest the coordinator did not publish under publishedStepsKey(hash).
   */
  stepDigest: string;
  /** The step as the coordinator compiled it (AUTO answers applied), without its mapping as written. */
  step: WireStep;
  /** Rendered parameters. */
  params: Record<string, unknown>;
  timeoutS: number | null;
  /** W3C traceparent of the coordinator's span of this attempt, when its run is traced: the worker's span is its child. */
  traceparent?: string;
}

/**
 * A job: one or more attempts of steps of one run, and what they share; no secret (the worker uses
 * its own environment's). A job carries several attempts only when they are short steps that became
 * ready together (the coordinator's batching); its worker runs them one after another.
 */
export interface StepJobData {
  format: number;
  runId: string;
  /** sha256 of the pipeline's source. */
  pipelineSha256: string;
  pipeline: JobPipeline;
  defaultModel: string | null;
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
  pipelineFile: string | null;
  attempts: AttemptData[];
}

/** Model figures of the attempt, added to the step's result by the coordinator. */
export interface AttemptFigures {
  model?: string | null;
  model_reason?: string;
  /** The fallback chain's models, in order, and what each did (the step result's `models_tried`). */
  models_tried?: ModelTry[];
  latency_ms?: number;
  limiter_wait_ms?: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
}

/** Adds an attempt's model figures, measured where it ran (a worker), to its step's result. */
export function addAttemptFigures(r: StepResult, f: AttemptFigures): void {
  if (f.model) r.model = f.model;
  if (f.model_reason) r.model_reason = f.model_reason;
  if (f.models_tried) r.models_tried = f.models_tried;
  if (f.latency_ms !== undefined) r.latency_ms = (r.latency_ms ?? 0) + f.latency_ms;
  if (f.limiter_wait_ms !== undefined) r.limiter_wait_ms = (r.limiter_wait_ms ?? 0) + f.limiter_wait_ms;
  r.tokens_in += f.tokens_in;
  r.tokens_out += f.tokens_out;
  r.cost_usd += f.cost_usd;
}

/**
 * A finished attempt's record, in the run's results hash (resultsKey) and its end reply: the tool's
 * outcome, or the error it raised (its type decides retries).
 */
export interface StepJobResult {
  ok: boolean;
  outcome?: ToolOutcome;
  /** `agent`: an agent stopped at a limit (AgentLimitError), with its loop so far, which becomes the step's result. */
  error?: { message: string; type: string; agent?: { limit: string; partial: AgentStepResult } };
  figures: AttemptFigures;
  /** `host:pid` of the worker that ran it. */
  worker: string;
  /** How long the attempt ran on the worker (ms): the coordinator batches steps that are quick. */
  ms: number;
}

/** What a worker streams while a step runs. */
/** Every agent event, which a worker sends back as an agent step's progress (a new kind of AgentEvent must be named here: the type says so). */
const AGENT_EVENT_TYPES: Record<AgentEvent['type'], true> = { 'agent-turn-started': true, 'agent-turn-ended': true, 'tool-call-started': true, 'tool-call-ended': true, 'agent-ended': true, 'agent-handoff': true };

/** Whether an event (a run's, or one a worker sent) is an agent's: its turns, calls, handoffs and end. */
export function isAgentEventType(type: unknown): type is AgentEvent['type'] {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(AGENT_EVENT_TYPES, type);
}

/** A run's event that is an agent's (narrowed). */
export function isAgentEvent<E extends { type: string }>(e: E): e is Extract<E, { type: AgentEvent['type'] }> {
  return isAgentEventType(e.type);
}

export type StepProgress =
  | { kind: 'output'; stream: 'stdout' | 'stderr' | 'text'; chunk: string }
  | { kind: 'model-call'; call: ModelCallRecord }
  /** An agent step's turn or tool call (the run's listeners see it as for a step run in the coordinator). */
  | { kind: 'agent'; event: AgentEvent };

/**
 * What workers send back to a run, in order, on the run's replies list (repliesKey), by attempt id:
 * an attempt's progress while it runs, then its end, written in one transaction with its record in
 * the run's results hash; or, for each attempt of a job BullMQ failed, that failure. The run reads
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

/**
 * A run's finished attempts (a Redis hash: attempt id → StepJobResult as JSON). An attempt counts
 * once its record is here: a job handed to another worker skips the attempts recorded, and a
 * resumed run takes a success from here instead of running the step again.
 */
export function resultsKey(queue: string, runId: string): string {
  return `${KEY_PREFIX}:${queue}:results:${runId}`;
}

/** How long a run's replies and results stay after a worker first wrote them (a coordinator that died; seconds). */
export const REPLIES_TTL_S = 24 * 3600;

/** The id of one attempt of a step (its idempotency key): run, step key, attempt; without ':', as BullMQ ids. */
export function attemptId(runId: string, key: string, attempt: number): string {
  return `${runId}|${key}|${attempt}`.replace(/:/g, '%3A');
}

/**
 * A compiled step as a job carries it: without `raw`, the mapping as written, which only the run's
 * step cache reads (in the coordinator). Everything the step's action reads is there.
 */
export type WireStep = Omit<Step, 'raw'>;

export function wireStep(step: Step | WireStep): WireStep {
  if (!('raw' in step)) return step;
  const { raw: _raw, ...wire } = step;
  return wire;
}

/**
 * The digest of a compiled step as a job carries it (wireStep), under its pipeline's hash; an agent
 * step's covers the named agents it may call too (their allow-lists travel in the job's pipeline).
 */
export function stepDigest(pipelineSha256: string, step: Step | WireStep, agents?: Record<string, NamedAgent>): string {
  const h = createHash('sha256').update(pipelineSha256).update('\n').update(JSON.stringify(wireStep(step)));
  const reach = reachableAgents(step.agent, agents);
  if (reach) h.update('\n').update(JSON.stringify(reach));
  return h.digest('hex');
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
