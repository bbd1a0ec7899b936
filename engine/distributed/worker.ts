// `orc worker`: takes step jobs from the queue and runs each attempt with the same tool and model
// code as a local run (engine/run/stepExecutor.ts callAction), in the job's workspace, with this
// process's own environment (its keys never go on the queue). A job is refused unless its
// workspace lies under the worker's root and its step is one the coordinator compiled and
// published (its digest, over the pipeline's hash and the whole compiled step, is in the set the
// coordinator wrote). A job carries one attempt, or several of quick steps, run one after another;
// each attempt's end is recorded in its run's results hash and goes back on the run's replies list
// with its output.
import * as os from 'node:os';
import * as path from 'node:path';
import { realpathSync } from 'node:fs';
import IORedis from 'ioredis';
import { Worker, type Job } from 'bullmq';
import { createModelRunner } from '../models/index';
import type { ModelRunner } from '../models/modelRunner';
import { RunEmitter, emptyStepResult } from '../run/events';
import { Redactor } from '../toolkit/redact';
import { callAction, TimeoutError, type ActionContext } from '../run/stepExecutor';
import type { Step } from '../spec/types';
import { BUILTIN_TOOLS } from '../tools/registry';
import { ToolError, type ToolDefinition, type ToolOutcome } from '../toolkit/runtime';
import { setLongTimeout } from '../util/longTimer';
import { bullConnection, checkRedis, parseRedisUrl } from './connection';
import type { WorkerTraces } from '../run/attemptTraces';
import { AgentLimitError } from '../agent/types';
import { agentNeedsCoordinator, cancelChannel, isAgentEvent, COORDINATOR_TOOLS, DEFAULT_QUEUE, JOB_FORMAT, KEY_PREFIX, publishedStepsKey, repliesKey, REPLIES_TTL_S, resultsKey, stepDigest, type AttemptData, type StepJobData, type StepJobResult, type StepProgress, type StepReply } from './protocol';

export interface WorkerOptions {
  url: string;
  queue?: string;
  concurrency?: number;
  /** Jobs whose workspace is not under this folder are refused (default: the working directory). */
  root?: string;
  /** Log lines (stderr). */
  log(line: string): void;
  signal?: AbortSignal;
  models?: ModelRunner;
  /** How long a job's lock lasts without renewal; a dead worker's job is handed on after about this (ms). Default ORC_WORKER_LOCK_MS, else 30,000. */
  lockMs?: number;
  /** Traces each attempt as a span under its coordinator's (when `orc worker` has traces configured). */
  traces?: WorkerTraces;
}

/** How often streamed output is sent (ms): chunks in between go together. */
const OUTPUT_FLUSH_MS = 50;
/** How long a step's log line may wait to be written with others (ms). */
const LOG_FLUSH_MS = 50;
/** The most output one progress message carries (characters). */
const OUTPUT_CHUNK_MAX = 64 * 1024;
/** How many cancelled attempt ids a worker remembers (a job taken after the cancel skips them). */
const CANCELLED_KEPT = 10_000;

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function realOrResolved(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return path.resolve(p);
  }
}

/** The worker's own tools: the built-in ones a step may run away from its run. */
function workerTools(): Record<string, ToolDefinition> {
  return Object.fromEntries(Object.entries(BUILTIN_TOOLS).filter(([name]) => !COORDINATOR_TOOLS.has(name)));
}

export class StepWorker {
  readonly id = `${os.hostname()}:${process.pid}`;
  private readonly root: string;
  private readonly tools = workerTools();
  private readonly models: ModelRunner;
  private readonly redactor = new Redactor();
  private readonly controllers = new Map<string, AbortController>();
  /** Step digests known to be published, by pipeline hash (a few pipelines at most). */
  private readonly published = new Map<string, Set<string>>();
  private worker: Worker | null = null;
  private subscriber: IORedis | null = null;
  private readonly queueName: string;

  constructor(private readonly options: WorkerOptions) {
    this.root = realOrResolved(options.root ?? process.cwd());
    this.queueName = options.queue ?? DEFAULT_QUEUE;
    this.models = options.models ?? createModelRunner({ env: process.env, registryFile: process.env.ORC_MODEL_REGISTRY || undefined });
  }

  /** Connects and starts taking jobs; resolves once it listens. */
  async start(): Promise<void> {
    const target = parseRedisUrl(this.options.url);
    await checkRedis(target);
    const lockMs = this.options.lockMs ?? (Number(process.env.ORC_WORKER_LOCK_MS) >= 1000 ? Number(process.env.ORC_WORKER_LOCK_MS) : 30_000);
    this.subscriber = new IORedis({ ...target.options });
    this.subscriber.on('error', () => {});
    this.subscriber.on('message', (_channel, id: string) => {
      this.cancelled.add(id);
      if (this.cancelled.size > CANCELLED_KEPT) this.cancelled.delete(this.cancelled.values().next().value!);
      const c = this.controllers.get(id);
      if (c) {
        const e = new Error('The run cancelled the step');
        e.name = 'CancelledError';
        c.abort(e);
      }
    });
    await this.subscriber.subscribe(cancelChannel(this.queueName));
    this.worker = new Worker(this.queueName, (job: Job) => this.process(job), {
      connection: bullConnection(target),
      prefix: KEY_PREFIX,
      concurrency: this.options.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      maxStalledCount: 2,
      skipVersionCheck: true,
      name: this.id,
    });
    // a job BullMQ failed (it threw, or stalled too often): its attempts not recorded fail with it
    this.worker.on('failed', (job: Job | undefined, e: Error) => {
      const data = job?.data as StepJobData | undefined;
      if (typeof data?.runId !== 'string' || !Array.isArray(data.attempts)) return;
      for (const a of data.attempts) void this.send(data.runId, { id: a.id, kind: 'failed', reason: e.message });
    });
    let lastError = '';
    this.worker.on('error', (e) => {
      // a lost connection reconnects by itself; say so once, not at every retry
      if (e.message !== lastError) this.options.log(`worker: ${e.message}`);
      lastError = e.message;
    });
    await this.worker.waitUntilReady();
    this.options.log(`worker ${this.id} takes steps from queue '${this.queueName}' at ${target.display} (concurrency ${this.options.concurrency ?? 1}, root ${this.root})`);
  }

  /** Attempts the run cancelled lately (a job that carries one later skips it); the newest CANCELLED_KEPT. */
  private readonly cancelled = new Set<string>();

  /** Stops taking jobs; waits for the running ones unless `force`. */
  async close(force = false): Promise<void> {
    if (force) for (const c of this.controllers.values()) c.abort(new ToolError('The worker was stopped', 'CancelledError'));
    await this.worker?.close(force);
    this.flushLog();
    this.subscriber?.disconnect();
    this.reader?.disconnect();
  }

  private logLines: string[] = [];
  private logTimer: NodeJS.Timeout | null = null;

  /**
   * A step's log line: written in batches, LOG_FLUSH_MS apart (a worker taking thousands of steps a
   * second makes no write of each). A step's end replaces its start when neither is out yet.
   */
  private stepLog(line: string, attempt?: { id: string; ends: boolean }): void {
    const unwritten = attempt ? this.startLines.get(attempt.id) : undefined;
    if (attempt?.ends && unwritten !== undefined) this.logLines[unwritten] = line;
    else {
      if (attempt && !attempt.ends) this.startLines.set(attempt.id, this.logLines.length);
      this.logLines.push(line);
    }
    if (attempt?.ends) this.startLines.delete(attempt.id);
    this.logTimer ??= setTimeout(() => this.flushLog(), LOG_FLUSH_MS);
  }

  /** Where in logLines the start of each step not yet written is. */
  private readonly startLines = new Map<string, number>();

  private flushLog(): void {
    if (this.logTimer) clearTimeout(this.logTimer);
    this.logTimer = null;
    this.startLines.clear();
    if (!this.logLines.length) return;
    const lines = this.logLines;
    this.logLines = [];
    this.options.log(lines.join('\n'));
  }

  private refusal(runId: string, key: string, why: string, type = 'PermissionError'): StepJobResult {
    const message = `Worker ${this.id} refused step '${key}' of run ${runId}: ${why}`;
    this.stepLog(message);
    return { ok: false, error: { message, type }, figures: { tokens_in: 0, tokens_out: 0, cost_usd: 0 }, worker: this.id, ms: 0 };
  }

  /**
   * Whether the coordinator published this step's digest for the pipeline (it publishes the steps it
   * compiled), or why not. Digests once seen are remembered; the set is read whole the first time.
   */
  private async isPublished(sha: string, digest: string): Promise<true | string> {
    let known = this.published.get(sha);
    if (known?.has(digest)) return true;
    const key = publishedStepsKey(this.queueName, sha);
    const redis = this.subscriberless();
    if (!known) {
      const members = await redis.smembers(key);
      if (!members.length) return 'its pipeline was not published on the queue (run it with orc run --redis)';
      if (this.published.size >= 8) this.published.clear();
      this.published.set(sha, (known = new Set(members)));
      if (known.has(digest)) return true;
    }
    if (await redis.sismember(key, digest)) {
      known.add(digest);
      return true;
    }
    return 'the step is not in the pipeline the run published';
  }

  /** Replies and records not yet sent, by run: those of one turn of the event loop go in one transaction. */
  private outbox = new Map<string, { messages: string[]; records: string[] }>();
  private outboxSent: Promise<unknown> | null = null;

  /** Sends a reply to its run, after what was sent before (one connection, in order). */
  private send(runId: string, message: StepReply): Promise<unknown> {
    return this.enqueueReply(runId, JSON.stringify(message), null);
  }

  /** Sends an attempt's end to its run, with its record in the run's results, in the same transaction. */
  private sendEnd(runId: string, id: string, result: StepJobResult): Promise<unknown> {
    const record = JSON.stringify(result);
    return this.enqueueReply(runId, `{"id":${JSON.stringify(id)},"kind":"completed","result":${record}}`, [id, record]);
  }

  private enqueueReply(runId: string, message: string, record: [string, string] | null): Promise<unknown> {
    let box = this.outbox.get(runId);
    if (!box) this.outbox.set(runId, (box = { messages: [], records: [] }));
    box.messages.push(message);
    if (record) box.records.push(record[0], record[1]);
    this.outboxSent ??= new Promise((resolve) =>
      setImmediate(() => {
        this.outboxSent = null;
        const boxes = this.outbox;
        this.outbox = new Map();
        resolve(Promise.all([...boxes].map(([run, b]) => this.write(run, b.messages, b.records))));
      }),
    );
    return this.outboxSent;
  }

  private write(runId: string, messages: string[], records: string[]): Promise<unknown> {
    const replies = repliesKey(this.queueName, runId);
    const results = resultsKey(this.queueName, runId);
    const tx = this.subscriberless().multi();
    if (records.length) tx.hset(results, ...records).expire(results, REPLIES_TTL_S);
    return tx.rpush(replies, ...messages).expire(replies, REPLIES_TTL_S).exec();
  }

  private reader: IORedis | null = null;
  private subscriberless(): IORedis {
    if (!this.reader) {
      // commands issued together go in one write
      this.reader = new IORedis({ ...parseRedisUrl(this.options.url).options, enableAutoPipelining: true });
      this.reader.on('error', () => {});
    }
    return this.reader;
  }

  /** A job: its attempts, one after another, each recorded and sent to its run as it ends. Its value is how many this worker recorded. */
  private async process(job: Job): Promise<number> {
    const data = job.data as StepJobData;
    const runId = typeof data?.runId === 'string' ? data.runId : '?';
    const attempts = Array.isArray(data?.attempts) ? data.attempts : [];
    const recorded: Promise<unknown>[] = [];
    const refuseAll = (why: string, type: string) => {
      for (const a of attempts) {
        recorded.push(this.sendEnd(runId, a.id, this.refusal(runId, a.key, why, type)));
      }
    };
    if (!data || data.format !== JOB_FORMAT) {
      const why = `the job's format ${data?.format} is not ${JOB_FORMAT} (a coordinator and worker of different versions)`;
      if (attempts.length) refuseAll(why, 'ConfigurationError');
      // a coordinator of an older version waits for its job's id
      else if (runId !== '?' && job.id) recorded.push(this.send(runId, { id: job.id, kind: 'completed', result: this.refusal(runId, String((data as { key?: unknown }).key ?? '?'), why, 'ConfigurationError') }));
      await Promise.all(recorded);
      return attempts.length;
    }
    // confinement: the steps run in their run's folders, which must lie under this worker's root
    const workspace = realOrResolved(data.workspace);
    const cwd = data.cwd === data.workspace ? workspace : realOrResolved(data.cwd);
    if (!inside(workspace, this.root) || !inside(cwd, this.root)) {
      refuseAll(`its workspace ${data.workspace} is not under this worker's root ${this.root} (start the worker with --root covering it, on a machine that has the folder at the same path)`, 'PermissionError');
      await Promise.all(recorded);
      return attempts.length;
    }
    // a job handed on from a worker that stopped: the attempts it recorded count, and are not run again
    const done = new Set<string>();
    if (job.attemptsStarted > 1) {
      const got = await this.subscriberless().hmget(resultsKey(this.queueName, runId), ...attempts.map((a) => a.id));
      attempts.forEach((a, i) => got[i] && done.add(a.id));
    }
    for (const a of attempts) {
      if (done.has(a.id) || this.cancelled.has(a.id)) continue;
      recorded.push(this.sendEnd(runId, a.id, await this.runAttempt(data, a, workspace, cwd)));
    }
    // the job completes only once its records are in Redis
    await Promise.all(recorded);
    return recorded.length;
  }

  private async runAttempt(data: StepJobData, a: AttemptData, workspace: string, cwd: string): Promise<StepJobResult> {
    // only steps the coordinator compiled: the step matches its digest, and the digest was published
    if (stepDigest(data.pipelineSha256, a.step, data.pipeline.agents) !== a.stepDigest) return this.refusal(data.runId, a.key, 'the step does not match its digest');
    const published = await this.isPublished(data.pipelineSha256, a.stepDigest);
    if (published !== true) return this.refusal(data.runId, a.key, published);
    // the wire form lacks only `raw`, which the step cache of the run reads, not the action
    const step = a.step as Step;
    if (step.tool && (COORDINATOR_TOOLS.has(step.tool) || !this.tools[step.tool])) return this.refusal(data.runId, a.key, `the tool '${step.tool}' runs only in the coordinator`, 'ConfigurationError');
    const needs = step.agent ? agentNeedsCoordinator(step.agent, data.pipeline.agents, (t) => Object.prototype.hasOwnProperty.call(this.tools, t)) : null;
    if (needs) return this.refusal(data.runId, a.key, `the agent runs only in the coordinator: ${needs}`, 'ConfigurationError');

    const t0 = performance.now();
    const name = `${data.runId} ${a.key} (attempt ${a.attempt})`;
    this.stepLog(`${name}: started`, { id: a.id, ends: false });
    const ctl = new AbortController();
    this.controllers.set(a.id, ctl);
    const r = emptyStepResult('running');
    // output goes back in batches, redacted with this worker's own secrets
    let buffered: { stream: 'stdout' | 'stderr' | 'text'; chunk: string }[] = [];
    let flushTimer: NodeJS.Timeout | null = null;
    let sending: Promise<unknown> = Promise.resolve();
    const send = (p: StepProgress) => (sending = sending.then(() => this.send(data.runId, { id: a.id, kind: 'progress', progress: p })));
    const flush = () => {
      flushTimer = null;
      const batch = buffered;
      buffered = [];
      for (const b of batch) for (let i = 0; i < b.chunk.length; i += OUTPUT_CHUNK_MAX) send({ kind: 'output', stream: b.stream, chunk: b.chunk.slice(i, i + OUTPUT_CHUNK_MAX) });
    };
    const emitter = new RunEmitter();
    const traced = this.options.traces?.attempt({ traceparent: a.traceparent, runId: data.runId, pipelineId: data.pipeline.id, stepId: step.id, key: a.key, attempt: a.attempt, tool: step.tool, action: step.action, worker: this.id });
    if (traced) emitter.on(traced.listener);
    emitter.on((e) => {
      if (e.type === 'step-output') {
        const last = buffered[buffered.length - 1];
        if (last && last.stream === e.stream) last.chunk += e.chunk;
        else buffered.push({ stream: e.stream, chunk: e.chunk });
        flushTimer ??= setTimeout(flush, OUTPUT_FLUSH_MS);
      } else if (e.type === 'model-call') {
        const { model, tokens_in, tokens_out, cost_usd, latency_ms, wait_ms, attempts } = e;
        send({ kind: 'model-call', call: { model, tokens_in, tokens_out, cost_usd, latency_ms, wait_ms, attempts } });
      } else if (isAgentEvent(e)) {
        // an agent's turns, calls and handoffs, in order with the text streamed before them
        if (buffered.length) {
          if (flushTimer) clearTimeout(flushTimer);
          flush();
        }
        const { time: _time, stepId: _step, scope: _scope, ...event } = e;
        send({ kind: 'agent', event: this.redactor.value(event) });
      }
    });
    const actx: ActionContext = {
      pipeline: data.pipeline,
      tools: this.tools,
      models: this.models,
      emitter,
      redactor: this.redactor,
      cwd,
      workspace,
      allowOutsideWorkspace: data.allowOutsideWorkspace,
      pipelineFile: data.pipelineFile,
      runNested: () => Promise.reject(new ToolError('Nested pipelines run in the coordinator', 'ConfigurationError')),
      defaultModel: data.defaultModel,
    };
    let outcome: ToolOutcome | null = null;
    let failure: unknown = null;
    const timer = a.timeoutS ? setLongTimeout(() => ctl.abort(new TimeoutError(`Step '${step.id}' timed out after ${a.timeoutS} s (attempt ${a.attempt})`)), a.timeoutS * 1000) : null;
    try {
      outcome = await Promise.race([
        callAction(step, a.params, actx, ctl.signal, [], r),
        new Promise<never>((_, reject) => ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true })),
      ]);
    } catch (e) {
      failure = e;
    } finally {
      timer?.clear();
      this.controllers.delete(a.id);
      if (flushTimer) clearTimeout(flushTimer);
      flush();
      await sending;
    }
    const figures = { model: r.model, ...(r.model_reason ? { model_reason: r.model_reason } : {}), ...(r.models_tried ? { models_tried: r.models_tried } : {}), ...(r.latency_ms !== undefined ? { latency_ms: r.latency_ms } : {}), ...(r.limiter_wait_ms !== undefined ? { limiter_wait_ms: r.limiter_wait_ms } : {}), tokens_in: r.tokens_in, tokens_out: r.tokens_out, cost_usd: r.cost_usd };
    const ms = performance.now() - t0;
    const took = `${Math.round(ms)} ms`;
    if (outcome) {
      this.stepLog(`${name}: ${outcome.success ? 'done' : 'reported a failure'} in ${took}`, { id: a.id, ends: true });
      traced?.end({ ok: true, success: outcome.success, message: outcome.error });
      return { ok: true, outcome: { success: outcome.success, result: this.redactor.value(outcome.result), ...(outcome.error !== undefined ? { error: this.redactor.text(outcome.error) } : {}) }, figures, worker: this.id, ms };
    }
    const type = failure instanceof ToolError ? failure.errorType : failure instanceof Error && failure.name && failure.name !== 'Error' ? failure.name : 'Error';
    const message = this.redactor.text(failure instanceof Error ? failure.message : String(failure));
    this.stepLog(`${name}: failed in ${took}: ${type}: ${message}`, { id: a.id, ends: true });
    traced?.end({ ok: false, success: null, errorType: type, message });
    // an agent at its limit: the loop so far goes back, to be the step's result
    const agent = failure instanceof AgentLimitError ? { limit: failure.limit, partial: this.redactor.value(failure.partial) } : undefined;
    return { ok: false, error: { message, type, ...(agent ? { agent } : {}) }, figures, worker: this.id, ms };
  }
}

/** Runs a worker until the signal aborts (SIGINT/SIGTERM in `orc worker`). */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const w = new StepWorker(options);
  await w.start();
  await new Promise<void>((resolve) => {
    if (!options.signal) return;
    if (options.signal.aborted) return resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  options.log(`worker ${w.id}: stopping (waiting for running steps)`);
  await w.close();
}
