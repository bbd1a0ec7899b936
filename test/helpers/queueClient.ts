// What the distributed tests use to play the coordinator's part by hand: publish a pipeline's
// steps, put a job of their own making on the queue, and read what workers recorded.
import IORedis from 'ioredis';
import { Queue, QueueEvents } from 'bullmq';
import { analyze } from '../../engine/analyze/index';
import { sha256 } from '../../engine/run/checkpointStore';
import type { Step } from '../../engine/spec/types';
import { DEFAULT_QUEUE, JOB_FORMAT, KEY_PREFIX, publishedStepsKey, stepDigest, type AttemptData, type StepJobData } from '../../engine/distributed/protocol';

export class QueueClient {
  private constructor(
    /** A plain connection, for reading and writing keys. */
    readonly admin: IORedis,
    readonly queue: Queue,
    readonly events: QueueEvents,
  ) {}

  /** The default queue of the Redis on `port` (its events from the first on). */
  static async open(port: number): Promise<QueueClient> {
    const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
    const c = new QueueClient(new IORedis(port, '127.0.0.1'), new Queue(DEFAULT_QUEUE, { connection, prefix: KEY_PREFIX }), new QueueEvents(DEFAULT_QUEUE, { connection, prefix: KEY_PREFIX, lastEventId: '0-0' }));
    await Promise.all([c.queue.waitUntilReady(), c.events.waitUntilReady()]);
    return c;
  }

  /** Compiles the source and publishes its steps' digests, as `orc run --redis` does. */
  async publish(source: string): Promise<{ steps: Step[]; sha: string }> {
    const steps = analyze(source).pipeline!.steps;
    const sha = sha256(source);
    await this.admin.sadd(publishedStepsKey(DEFAULT_QUEUE, sha), ...steps.map((s) => stepDigest(sha, s)));
    return { steps, sha };
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    this.admin.disconnect();
  }
}

/** One attempt of a step as a job carries it (params: the step's own, unless given). */
export function attemptOf(runId: string, sha: string, step: Step, params?: Record<string, unknown>): AttemptData {
  return { id: `${runId}|${step.id}|1`, key: step.id, attempt: 1, stepDigest: stepDigest(sha, step), step, params: params ?? (step.parameters as Record<string, unknown>), timeoutS: null };
}

/** A job of a run in `dir`, as the coordinator makes it. */
export function jobOf(runId: string, sha: string, dir: string, attempts: AttemptData[]): StepJobData {
  return {
    format: JOB_FORMAT, runId, pipelineSha256: sha,
    pipeline: { id: 'forged', experts: {}, model: null, selectionSchema: 'balanced', personalities: {} }, defaultModel: null,
    cwd: dir, workspace: dir, allowOutsideWorkspace: false, pipelineFile: null,
    attempts,
  };
}
