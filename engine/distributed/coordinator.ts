// The coordinator's side of a distributed run: each attempt of a step that a worker can run
// becomes a BullMQ job (id: run, step key, attempt). Workers send the job's streamed output and
// model calls, then its end, to the run's own replies list, which the run pops (not the whole
// queue's event stream: four events a job, for every run on the queue). The scheduler, conditions,
// retries, failure policies and the checkpoint stay in the coordinator's run, as in a local run.
import IORedis from 'ioredis';
import { Queue } from 'bullmq';
import { BUILTIN_ACTIONS } from '../tools/specs';
import { BUILTIN_TOOLS } from '../tools/registry';
import { abortError, ToolError, type ToolOutcome } from '../tools/runtime';
import type { Step } from '../spec/types';
import type { AttemptExecutor, AttemptRequest } from '../run/stepExecutor';
import { bullConnection, checkRedis, parseRedisUrl, RedisUnavailableError, type RedisTarget } from './connection';
import { cancelChannel, COORDINATOR_TOOLS, DEFAULT_QUEUE, JOB_FORMAT, jobId, KEEP_COMPLETED_S, KEEP_FAILED_S, KEY_PREFIX, PUBLISHED_TTL_S, publishedStepsKey, repliesKey, stepDigest, type StepJobData, type StepJobResult, type StepProgress, type StepReply } from './protocol';

export interface RemoteOptions {
  url: string;
  queue?: string;
  /** sha256 of the pipeline's source. */
  pipelineSha256: string;
  /**
   * The pipeline's compiled steps: their digests are published at once for the workers to check
   * jobs against (a step compiled later, e.g. with an AUTO answer, is published with its first job).
   */
  steps: readonly Step[];
  /** A resumed run: attempts look for their job first and reattach to it instead of adding it again. */
  resume?: boolean;
  /** How long Redis may be unreachable before the attempts waiting on it fail (ms; default ORC_REDIS_LOST_MS, else 3000). */
  lostAfterMs?: number;
}

/** How long an attempt waits for its reply before its job's state is also asked for (ms). */
const SWEEP_MS = 2000;
/** How long one blocking read of the replies waits before it looks at whether the run still listens (s). */
const REPLY_WAIT_S = 1;
/** The most replies taken in one read. */
const REPLY_BATCH = 1000;

interface Pending {
  req: AttemptRequest;
  since: number;
  resolve(o: ToolOutcome): void;
  reject(e: unknown): void;
}

/** The steps a worker runs: built-in tools (but those that must stay with the run) and model actions. */
export function runsOnWorker(step: Step): boolean {
  if (step.tool) return Object.prototype.hasOwnProperty.call(BUILTIN_TOOLS, step.tool) && !COORDINATOR_TOOLS.has(step.tool);
  return Boolean(step.action && Object.prototype.hasOwnProperty.call(BUILTIN_ACTIONS, step.action));
}

export class RemoteAttempts implements AttemptExecutor {
  private readonly pending = new Map<string, Pending>();
  private down: RedisUnavailableError | null = null;
  private lostTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    readonly target: RedisTarget,
    readonly queueName: string,
    private readonly queue: Queue,
    /** Publishes cancellations; its state tells whether Redis is there. */
    private readonly control: IORedis,
    /** Pops the run's replies (a blocking read: a connection of its own). */
    private readonly replies: IORedis,
    private readonly options: RemoteOptions,
  ) {
    // errors surface through `lost` below; unhandled 'error' events would end the process
    queue.on('error', () => {});
    control.on('close', () => this.connectionLost());
    control.on('end', () => this.connectionLost());
    control.on('ready', () => this.connectionBack());
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** The replies lists of the runs that use this coordinator (one, as a rule). */
  private readonly replyKeys = new Set<string>();
  private reading = false;

  private listen(runId: string): void {
    const key = repliesKey(this.queueName, runId);
    if (this.replyKeys.has(key)) return;
    this.replyKeys.add(key);
    if (!this.reading) void this.readReplies();
  }

  /** Pops replies until closed: a blocking wait for the first, then what else is there, in order. */
  private async readReplies(): Promise<void> {
    this.reading = true;
    const r = this.replies;
    try {
      while (!this.closed) {
        let first: [string, string] | null;
        try {
          first = await r.blpop(...this.replyKeys, REPLY_WAIT_S);
        } catch {
          if (this.closed) return;
          await new Promise((w) => setTimeout(w, 200)); // Redis is away: the connection watch reports it
          continue;
        }
        if (!first) continue;
        const [key, text] = first;
        this.onReply(text);
        for (;;) {
          const got = await r.multi().lrange(key, 0, REPLY_BATCH - 1).ltrim(key, REPLY_BATCH, -1).exec().catch(() => null);
          const more = (got?.[0]?.[1] ?? []) as string[];
          for (const m of more) this.onReply(m);
          if (more.length < REPLY_BATCH) break;
        }
      }
    } finally {
      this.reading = false;
    }
  }

  private onReply(text: string): void {
    let m: StepReply;
    try {
      m = JSON.parse(text) as StepReply;
    } catch {
      return; // not a reply of ours
    }
    if (m.kind === 'progress') this.progress(m.id, m.progress);
    else if (m.kind === 'completed') this.settle(m.id, m.result);
    else if (m.kind === 'failed') this.failed(m.id, m.reason);
  }

  private failed(id: string, reason: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.reject(new ToolError(`The worker's job failed: ${reason}`, 'WorkerError'));
  }

  private sweeper: NodeJS.Timeout;
  /** The queue's connection, on which jobs are added. */
  private queueClient: Pick<IORedis, 'sadd'> | null = null;
  private sweeping = false;

  /**
   * A safety net under the replies: an attempt waiting longer than a sweep asks for its job's state,
   * so that an end whose reply was lost (a worker killed between the two, a reply popped as the
   * connection broke) still reaches the run.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.down || this.closed) return;
    this.sweeping = true;
    try {
      const now = Date.now();
      for (const [id, p] of [...this.pending]) {
        if (now - p.since < SWEEP_MS || !this.pending.has(id)) continue;
        const job = await this.queue.getJob(id);
        if (!job || !this.pending.has(id)) continue;
        const state = await job.getState();
        if (state === 'completed') this.settle(id, job.returnvalue);
        else if (state === 'failed') this.failed(id, job.failedReason);
      }
    } catch {
      // Redis is away: the connection watch reports it
    } finally {
      this.sweeping = false;
    }
  }

  /** Connects (a clear RedisUnavailableError when Redis does not answer) and publishes the digests of the pipeline's steps. */
  static async open(options: RemoteOptions): Promise<RemoteAttempts> {
    const target = parseRedisUrl(options.url);
    const queueName = options.queue ?? DEFAULT_QUEUE;
    await checkRedis(target);
    const connection = bullConnection(target);
    const control = new IORedis({ ...target.options, retryStrategy: (n) => Math.min(200 * n, 1000) });
    control.on('error', () => {});
    const replies = new IORedis({ ...target.options, retryStrategy: (n) => Math.min(200 * n, 1000) });
    replies.on('error', () => {});
    // jobs go on this connection; adds made together go in one write
    const queue = new Queue(queueName, { connection: { ...connection, enableAutoPipelining: true }, prefix: KEY_PREFIX, skipVersionCheck: true });
    const remote = new RemoteAttempts(target, queueName, queue, control, replies, options);
    try {
      await Promise.all([queue.waitUntilReady(), control.ping(), replies.ping()]);
      remote.queueClient = (await queue.getBackend().client) as unknown as Pick<IORedis, 'sadd'>;
      await remote.publishAll(options.steps);
    } catch (e) {
      await remote.close();
      throw new RedisUnavailableError(`Could not reach Redis at ${target.display}: ${(e as Error).message}`);
    }
    return remote;
  }

  /** Digests of the steps published for the workers (this run's pipeline), and of each step object. */
  private readonly published = new Set<string>();
  private readonly digests = new WeakMap<Step, string>();
  private get stepsKey(): string {
    return publishedStepsKey(this.queueName, this.options.pipelineSha256);
  }

  private digestOf(step: Step): string {
    let d = this.digests.get(step);
    if (!d) this.digests.set(step, (d = stepDigest(this.options.pipelineSha256, step)));
    return d;
  }

  /** Publishes the digests of the compiled steps and their loop bodies (and renews their lifetime). */
  private async publishAll(steps: readonly Step[]): Promise<void> {
    const all: string[] = [];
    const walk = (list: readonly Step[]) => {
      for (const s of list) {
        const d = this.digestOf(s);
        if (!this.published.has(d)) all.push(d);
        this.published.add(d);
        if (s.body) walk(s.body);
      }
    };
    walk(steps);
    const pipe = this.control.pipeline();
    for (let i = 0; i < all.length; i += 1000) pipe.sadd(this.stepsKey, ...all.slice(i, i + 1000));
    pipe.expire(this.stepsKey, PUBLISHED_TTL_S);
    const replies = (await pipe.exec()) ?? [];
    const failed = replies.find(([e]) => e);
    if (failed) throw failed[0];
  }

  /** Workers listening on the queue now (0 when Redis will not say). */
  async workerCount(): Promise<number> {
    try {
      return await this.queue.getWorkersCount();
    } catch {
      return 0;
    }
  }

  handles(step: Step): boolean {
    return runsOnWorker(step);
  }

  async attempt(req: AttemptRequest): Promise<ToolOutcome> {
    if (this.down) throw this.down;
    if (req.signal.aborted) throw abortError(req.signal);
    const run = req.run;
    const id = jobId(run.executionId, req.key, req.attempt);
    this.listen(run.executionId);
    const done = new Promise<ToolOutcome>((resolve, reject) => this.pending.set(id, { req, since: Date.now(), resolve, reject }));
    this.watch(req.signal, id);
    try {
      if (this.options.resume) {
        const reused = await this.reattach(id);
        if (reused) this.settle(id, reused);
        else if (this.pending.has(id)) await this.add(id, req);
      } else await this.add(id, req);
      return await done;
    } finally {
      this.bySignal.get(req.signal)?.delete(id);
      this.pending.delete(id);
    }
  }

  /** Attempts by the signal that stops them: one listener per signal (the run's is shared by every attempt without a timeout). */
  private readonly bySignal = new WeakMap<AbortSignal, Set<string>>();

  private watch(signal: AbortSignal, id: string): void {
    let ids = this.bySignal.get(signal);
    if (!ids) {
      const set = (ids = new Set<string>());
      this.bySignal.set(signal, set);
      signal.addEventListener('abort', () => {
        for (const x of set) this.cancel(x, signal);
        set.clear();
      }, { once: true });
    }
    ids.add(id);
  }

  /** The attempt ends as cancelled or timed out; the worker stops it, and a job still waiting is taken off the queue. */
  private cancel(id: string, signal: AbortSignal): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.reject(abortError(signal));
    this.control.publish(cancelChannel(this.queueName), id).catch(() => {});
    this.queue.remove(id).catch(() => {});
  }

  /**
   * A resumed run's attempt: a job that succeeded is taken as it is, one still waiting or running is
   * awaited; a failed one is removed so that the attempt runs again (a resume re-runs failures).
   * Returns the value to settle with, or null.
   */
  private async reattach(id: string): Promise<unknown | null> {
    const job = await this.queue.getJob(id);
    if (!job) return null;
    const state = await job.getState();
    if (state === 'completed') {
      const v = job.returnvalue as StepJobResult | null;
      if (v && v.ok && v.outcome?.success) return v;
    } else if (state !== 'failed' && state !== 'unknown') {
      return null; // waiting or active: its end comes with the replies
    }
    await job.remove().catch(() => {});
    return null;
  }

  private async add(id: string, req: AttemptRequest): Promise<void> {
    const run = req.run;
    const p = run.pipeline;
    const data: StepJobData = {
      format: JOB_FORMAT,
      runId: run.executionId,
      key: req.key,
      attempt: req.attempt,
      pipelineSha256: this.options.pipelineSha256,
      stepDigest: this.publish(req.step),
      step: req.step,
      pipeline: { id: p.id, experts: p.experts, model: p.model, selectionSchema: p.selectionSchema, personalities: p.personalities },
      defaultModel: run.defaultModel,
      params: req.params,
      cwd: run.cwd,
      workspace: run.workspace,
      allowOutsideWorkspace: run.allowOutsideWorkspace,
      pipelineFile: run.pipelineFile,
      timeoutS: req.timeoutS,
    };
    await this.whileUp(this.queue.add(req.step.id, data, { jobId: id, attempts: 1, removeOnComplete: { age: KEEP_COMPLETED_S }, removeOnFail: { age: KEEP_FAILED_S } }));
  }

  /**
   * The step's digest, published first when the run compiled it after the start: on the queue's own
   * connection, so that Redis has it before the job that follows on the same connection.
   */
  private publish(step: Step): string {
    const d = this.digestOf(step);
    if (!this.published.has(d) && this.queueClient) {
      this.published.add(d);
      this.queueClient.sadd(this.stepsKey, d).catch(() => {});
    }
    return d;
  }

  /** `p`, or a RedisUnavailableError when Redis is lost first. */
  private whileUp<T>(p: Promise<T>): Promise<T> {
    if (this.down) return Promise.reject(this.down);
    return new Promise<T>((resolve, reject) => {
      const check = setInterval(() => {
        if (this.down) {
          clearInterval(check);
          reject(this.down);
        }
      }, 100);
      p.then(
        (v) => (clearInterval(check), resolve(v)),
        (e) => (clearInterval(check), reject(this.down ?? new RedisUnavailableError(`Redis at ${this.target.display} refused the job: ${(e as Error).message}`))),
      );
    });
  }

  private settle(id: string, value: unknown): void {
    const p = this.pending.get(id);
    if (!p) return; // not ours, or a late answer to an attempt that already ended
    this.pending.delete(id);
    const v = value as StepJobResult;
    if (!v || typeof v !== 'object' || !v.figures) return p.reject(new ToolError(`The worker returned no result for job ${id}`, 'WorkerError'));
    const r = p.req.result;
    const f = v.figures;
    if (f.model) r.model = f.model;
    if (f.model_reason) r.model_reason = f.model_reason;
    if (f.latency_ms !== undefined) r.latency_ms = (r.latency_ms ?? 0) + f.latency_ms;
    if (f.limiter_wait_ms !== undefined) r.limiter_wait_ms = (r.limiter_wait_ms ?? 0) + f.limiter_wait_ms;
    r.tokens_in += f.tokens_in;
    r.tokens_out += f.tokens_out;
    r.cost_usd += f.cost_usd;
    if (v.ok && v.outcome) return p.resolve(v.outcome);
    p.reject(new ToolError(v.error?.message ?? 'The worker reported no outcome', v.error?.type ?? 'WorkerError'));
  }

  private progress(id: string, data: unknown): void {
    const p = this.pending.get(id);
    if (!p || !data || typeof data !== 'object') return;
    const { req } = p;
    const run = req.run;
    const d = data as StepProgress;
    if (d.kind === 'output') run.emitter.emit({ type: 'step-output', time: Date.now(), step: req.step.id, scope: req.scopePath, stream: d.stream, chunk: run.redactor.text(String(d.chunk)) });
    else if (d.kind === 'model-call') run.emitter.emit({ type: 'model-call', time: Date.now(), step: req.step.id, scope: req.scopePath, ...d.call });
  }

  private connectionLost(): void {
    if (this.closed || this.down || this.lostTimer) return;
    const ms = this.options.lostAfterMs ?? (Number(process.env.ORC_REDIS_LOST_MS) > 0 ? Number(process.env.ORC_REDIS_LOST_MS) : 3000);
    this.lostTimer = setTimeout(() => {
      this.lostTimer = null;
      if (this.control.status === 'ready') return;
      this.down = new RedisUnavailableError(
        `Lost the connection to Redis at ${this.target.display}: the step's outcome is unknown and it is not recorded as run. Resume the run when Redis is back (orc resume RUN_ID --redis URL)`,
      );
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(this.down);
      }
    }, ms);
  }

  private connectionBack(): void {
    if (this.lostTimer) clearTimeout(this.lostTimer);
    this.lostTimer = null;
  }

  /** Stops listening; bounded even when Redis is gone. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    if (this.lostTimer) clearTimeout(this.lostTimer);
    this.replies.disconnect(); // ends a blocking read at once
    const graceful = Promise.allSettled([this.queue.close(), this.control.quit()]);
    const bounded = await Promise.race([graceful.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000).unref())]);
    if (!bounded) {
      this.control.disconnect();
      await Promise.race([this.queue.disconnect(), new Promise((r) => setTimeout(r, 500).unref())]);
    }
  }
}
