// The coordinator's side of a distributed run: each attempt of a step that a worker can run goes
// to the workers in a BullMQ job. Quick steps (those whose tool ran under QUICK_MS on the workers,
// on average) that become ready together share a job, up to BATCH_MAX of them or BATCH_WORK_MS of
// their average work: a queue's cost is per job, and a no-op step costs far less than its job.
// Slow or new steps have a job each, so that they spread over the workers. Workers record each attempt's end in the run's results hash, by its
// attempt id (run, step key, attempt), and send its streamed output and model calls, then its
// end, to the run's own replies list, which the run pops (not the whole queue's event stream).
// The scheduler, conditions, retries, failure policies and the checkpoint stay in the
// coordinator's run, as in a local run.
import IORedis from 'ioredis';
import { Queue } from 'bullmq';
import { BUILTIN_ACTIONS } from '../toolkit/toolSpecs';
import { BUILTIN_TOOLS } from '../tools/registry';
import { cancelledError, ToolError, type ToolOutcome } from '../toolkit/runtime';
import type { NamedAgent, Step } from '../spec/types';
import { AgentLimitError } from '../agent/types';
import type { AttemptExecutor, AttemptRequest } from '../run/stepExecutor';
import { bullConnection, checkRedis, parseRedisUrl, RedisUnavailableError, type RedisTarget } from './connection';
import { randomBytes } from 'node:crypto';
import type { RunContext } from '../run/runContext';
import { PublishedSteps } from './publishedSteps';
import { QuickBatches } from './quickBatches';
import { addAttemptFigures, agentNeedsCoordinator, attemptId, cancelChannel, COORDINATOR_TOOLS, DEFAULT_QUEUE, JOB_FORMAT, KEEP_FAILED_S, KEY_PREFIX, isAgentEventType, repliesKey, resultsKey, type AttemptData, type StepJobData, type StepJobResult, type StepProgress, type StepReply } from './protocol';

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
  /** The pipeline's named agents (`agents:`): an agent step runs on a worker only when those it may call can too. */
  agents?: Record<string, NamedAgent>;
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

/** A job on the queue, and the attempts in it the run still waits for. */
interface JobRef {
  id: string;
  open: Set<string>;
}

interface Pending {
  req: AttemptRequest;
  /** When its job was added (or found again by a resumed run); 0 before. */
  since: number;
  /** The job that carries it, once there is one. */
  job: JobRef | null;
  resolve(o: ToolOutcome): void;
  reject(e: unknown): void;
}


/** A built-in tool that may run away from its run. */
function workerTool(tool: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILTIN_TOOLS, tool) && !COORDINATOR_TOOLS.has(tool);
}

/**
 * The steps a worker runs: built-in tools (but those that must stay with the run) and model actions;
 * an agent step when all it may call runs on a worker too and nothing waits for a person
 * (agentNeedsCoordinator), given the pipeline's named agents.
 */
export function runsOnWorker(step: Step, agents?: Record<string, NamedAgent>): boolean {
  if (step.tool) return workerTool(step.tool);
  if (step.agent) return agentNeedsCoordinator(step.agent, agents, workerTool) === null;
  return Boolean(step.action && Object.prototype.hasOwnProperty.call(BUILTIN_ACTIONS, step.action));
}

export class RemoteAttempts implements AttemptExecutor {
  private readonly pending = new Map<string, Pending>();
  private down: RedisUnavailableError | null = null;
  private lostTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Makes this coordinator's job ids its own (a resumed run's coordinator is another). */
  private readonly nonce = randomBytes(4).toString('hex');
  private jobSeq = 0;
  /** Jobs added and the attempts they carried, since this coordinator opened. */
  readonly added = { jobs: 0, attempts: 0 };
  /** The run's steps as published for the workers. */
  private readonly steps: PublishedSteps;
  /** Quick steps' attempts gathered into shared jobs. */
  private readonly batches: QuickBatches;

  private constructor(
    readonly target: RedisTarget,
    readonly queueName: string,
    private readonly queue: Queue,
    /** Publishes cancellations, reads results; its state tells whether Redis is there. */
    private readonly control: IORedis,
    /** Pops the run's replies (a blocking read: a connection of its own). */
    private readonly replies: IORedis,
    private readonly options: RemoteOptions,
  ) {
    this.steps = new PublishedSteps(queueName, options.pipelineSha256, options.agents);
    this.batches = new QuickBatches((run, ids) => this.addJob(run, ids));
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

  /** Takes an attempt off the pending ones, and off its job's open attempts. */
  private take(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    p.job?.open.delete(id);
    return p;
  }

  private failed(id: string, reason: string): void {
    this.take(id)?.reject(new ToolError(`The worker's job failed: ${reason}`, 'WorkerError'));
  }

  private sweeper: NodeJS.Timeout;
  private sweeping = false;

  /**
   * A safety net under the replies: attempts waiting longer than a sweep are looked up in their
   * run's results, and their job's state is asked for, so that an end whose reply was lost (a
   * reply popped as the connection broke), or a job that ended without it, still reaches the run.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.down || this.closed) return;
    this.sweeping = true;
    try {
      const now = Date.now();
      const stale = [...this.pending].filter(([, p]) => p.job && p.since && now - p.since >= SWEEP_MS).map(([id]) => id);
      if (!stale.length) return;
      await this.settleRecorded(stale);
      const jobs = new Map<string, JobRef>();
      for (const id of stale) {
        const job = this.pending.get(id)?.job;
        if (job) jobs.set(job.id, job);
      }
      for (const job of jobs.values()) {
        const state = await this.queue.getJobState(job.id);
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
        // the job ended: what it recorded is in the results by now, and what it did not never will be
        const missing = [...job.open];
        await this.settleRecorded(missing);
        const reason = state === 'failed' ? ((await this.queue.getJob(job.id))?.failedReason ?? 'no reason given') : null;
        for (const id of missing) {
          if (!this.pending.has(id)) continue;
          if (reason !== null) this.failed(id, reason);
          else this.take(id)?.reject(new ToolError(`The worker's job ${job.id} ended without a result for this attempt (a worker of another version?)`, 'WorkerError'));
        }
      }
    } catch {
      // Redis is away: the connection watch reports it
    } finally {
      this.sweeping = false;
    }
  }

  /** Settles the attempts whose record is in their run's results hash. */
  private async settleRecorded(ids: string[]): Promise<void> {
    const byRun = new Map<string, string[]>();
    for (const id of ids) {
      const p = this.pending.get(id);
      if (!p) continue;
      const list = byRun.get(p.req.run.executionId) ?? [];
      list.push(id);
      byRun.set(p.req.run.executionId, list);
    }
    for (const [runId, list] of byRun) {
      const got = await this.control.hmget(resultsKey(this.queueName, runId), ...list);
      list.forEach((id, i) => {
        const text = got[i];
        if (text) this.settle(id, JSON.parse(text));
      });
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
      remote.steps.queueClient = (await queue.getBackend().client) as unknown as Pick<IORedis, 'sadd'>;
      await remote.steps.publishAll(control, options.steps);
    } catch (e) {
      await remote.close();
      throw new RedisUnavailableError(`Could not reach Redis at ${target.display}: ${(e as Error).message}`);
    }
    return remote;
  }

  /** Workers listening on the queue now (0 when Redis will not say). */
  async workerCount(): Promise<number> {
    try {
      return await this.queue.getWorkersCount();
    } catch {
      return 0;
    }
  }

  /** The traceparent of a step's attempt span in the run's trace (by checkpoint key), when it is traced. */
  traceparentOf: ((key: string) => string | undefined) | null = null;

  handles(step: Step): boolean {
    return runsOnWorker(step, this.options.agents);
  }

  async attempt(req: AttemptRequest): Promise<ToolOutcome> {
    if (this.down) throw this.down;
    const { cancellation } = req;
    if (cancellation.aborted) throw cancelledError(cancellation.reason);
    const run = req.run;
    const id = attemptId(run.executionId, req.key, req.attempt);
    this.listen(run.executionId);
    const done = new Promise<ToolOutcome>((resolve, reject) => this.pending.set(id, { req, since: 0, job: null, resolve, reject }));
    cancellation.onAbort((reason) => this.cancel(id, reason));
    try {
      if (this.options.resume) {
        if (await this.reattach(id)) return await done;
        if (!this.pending.has(id)) return await done; // cancelled meanwhile
      }
      await this.batches.enqueue(id, req.step, req.run);
      return await done;
    } finally {
      this.take(id);
    }
  }

  /**
   * The attempt ends as cancelled or timed out. The workers hear of it: the one running it stops
   * it, and the one that takes its job later skips it. A job none of whose attempts is awaited any
   * more is taken off the queue (if it still waits there).
   */
  private cancel(id: string, reason: unknown): void {
    const p = this.take(id);
    if (!p) return;
    p.reject(cancelledError(reason));
    this.control.publish(cancelChannel(this.queueName), id).catch(() => {});
    if (p.job && !p.job.open.size) this.queue.remove(p.job.id).catch(() => {});
  }

  /** A resumed run's jobs still on the queue (waiting or running), by the attempt ids they carry; read once per run. */
  private readonly live = new Map<string, Promise<Map<string, JobRef>>>();

  private liveJobs(runId: string): Promise<Map<string, JobRef>> {
    let found = this.live.get(runId);
    if (found) return found;
    found = (async () => {
      const byAttempt = new Map<string, JobRef>();
      const jobs = await this.queue.getJobs(['active', 'wait', 'prioritized', 'delayed']);
      for (const job of jobs) {
        const data = job?.data as StepJobData | undefined;
        if (!job?.id || data?.runId !== runId || !Array.isArray(data.attempts)) continue;
        const ref: JobRef = { id: job.id, open: new Set() };
        for (const a of data.attempts) byAttempt.set(a.id, ref);
      }
      return byAttempt;
    })();
    this.live.set(runId, found);
    return found;
  }

  /**
   * A resumed run's attempt: one a worker recorded as a success is taken as it is; one still in a
   * job on the queue (waiting or running) is awaited; one recorded as a failure is forgotten, so
   * that it runs again (a resume re-runs failures). Returns whether it settled or is awaited.
   */
  private async reattach(id: string): Promise<boolean> {
    const runId = this.pending.get(id)!.req.run.executionId;
    const live = await this.liveJobs(runId); // first: a job that ends after this has its record in the results
    const results = resultsKey(this.queueName, runId);
    const text = await this.control.hget(results, id);
    if (text) {
      const v = JSON.parse(text) as StepJobResult;
      if (v.ok && v.outcome?.success) {
        this.settle(id, v);
        return true;
      }
      await this.control.hdel(results, id);
      return false;
    }
    const job = live.get(id);
    const p = this.pending.get(id);
    if (!job || !p) return false;
    job.open.add(id);
    p.job = job;
    p.since = Date.now();
    return true; // its end comes with the replies
  }

  /** Adds one job carrying the attempts (those not cancelled meanwhile). */
  private async addJob(run: RunContext, ids: string[]): Promise<void> {
    const attempts: AttemptData[] = [];
    const job: JobRef = { id: `${run.executionId}|${this.nonce}-${++this.jobSeq}`, open: new Set() };
    for (const id of ids) {
      const p = this.pending.get(id);
      if (!p) continue;
      const { req } = p;
      p.job = job;
      job.open.add(id);
      const w = this.steps.publish(req.step);
      const traceparent = this.traceparentOf?.(req.key);
      attempts.push({ id, key: req.key, attempt: req.attempt, stepDigest: w.digest, step: w.step, params: req.params, timeoutS: req.timeoutS, ...(traceparent ? { traceparent } : {}) });
    }
    if (!attempts.length) return;
    this.added.jobs++;
    this.added.attempts += attempts.length;
    const pl = run.pipeline;
    const data: StepJobData = {
      format: JOB_FORMAT,
      runId: run.executionId,
      pipelineSha256: this.options.pipelineSha256,
      pipeline: { id: pl.id, experts: pl.experts, model: pl.model, ...(pl.modelChain ? { modelChain: pl.modelChain } : {}), ...(pl.fallbacks ? { fallbacks: pl.fallbacks } : {}), selectionSchema: pl.selectionSchema, personalities: pl.personalities, ...(pl.agents ? { agents: pl.agents } : {}) },
      defaultModel: run.defaultModel,
      cwd: run.cwd,
      workspace: run.workspace,
      allowOutsideWorkspace: run.allowOutsideWorkspace,
      pipelineFile: run.pipelineFile,
      attempts,
    };
    const name = attempts.length === 1 ? attempts[0].step.id : `${attempts.length} steps`;
    // a completed job goes at once: its attempts' results are in the run's results hash
    await this.whileUp(this.queue.add(name, data, { jobId: job.id, attempts: 1, removeOnComplete: true, removeOnFail: { age: KEEP_FAILED_S } }));
    const now = Date.now();
    for (const id of job.open) {
      const p = this.pending.get(id);
      if (p) p.since = now;
    }
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
    const p = this.take(id);
    if (!p) return; // not ours, or a late answer to an attempt that already ended
    const v = value as StepJobResult;
    if (!v || typeof v !== 'object' || !v.figures) return p.reject(new ToolError(`The worker returned no result for attempt ${id}`, 'WorkerError'));
    if (typeof v.ms === 'number') {
      this.batches.timed(p.req.step, v.ms);
    }
    const r = p.req.result;
    addAttemptFigures(r, v.figures);
    if (v.ok && v.outcome) return p.resolve(v.outcome);
    // an agent stopped at a limit: its loop so far is the step's result, as in a local run
    const agent = v.error?.agent;
    if (agent && v.error?.type === 'AgentLimitError') return p.reject(new AgentLimitError(agent.limit as AgentLimitError['limit'], v.error.message, p.req.run.redactor.value(agent.partial)));
    p.reject(new ToolError(v.error?.message ?? 'The worker reported no outcome', v.error?.type ?? 'WorkerError'));
  }

  private progress(id: string, data: unknown): void {
    const p = this.pending.get(id);
    if (!p || !data || typeof data !== 'object') return;
    const { req } = p;
    const run = req.run;
    const d = data as StepProgress;
    if (d.kind === 'output') run.emitter.emit({ type: 'step-output', time: Date.now(), stepId: req.step.id, scope: req.scopePath, stream: d.stream, chunk: run.redactor.text(String(d.chunk)) });
    else if (d.kind === 'model-call') run.emitter.emit({ type: 'model-call', time: Date.now(), stepId: req.step.id, scope: req.scopePath, ...d.call });
    else if (d.kind === 'agent' && isAgentEventType(d.event?.type) && run.emitter.listening) run.emitter.emit({ time: Date.now(), stepId: req.step.id, scope: req.scopePath, ...run.redactor.value(d.event) });
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
      for (const id of [...this.pending.keys()]) this.take(id)?.reject(this.down);
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
