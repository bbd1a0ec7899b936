// The run as a Restate workflow keyed by its run id. Its `run` handler runs the pipeline with our
// own scheduler (runPipeline), its step attempts going through the journal (DurableAttempts); its
// record (checkpoint.json, as it starts and ends) and result document land in
// ROOT/.orchestrator/runs/<id>/ as a local run's do (runRecord.ts), and its events in the same
// folder (runLog.ts), which the shared `progress` handler pages out. `cancel` resolves the durable
// promise the run listens to; `answer` the one a step's question waits on.
import * as path from 'node:path';
import * as restate from '@restatedev/restate-sdk';
import { analyze, hasErrors } from '../analyze/index';
import { createModelRunner } from '../models/index';
import { runPipeline } from '../run/runPipeline';
import { InputError } from '../run/inputs';
import { DurableAttempts } from './attempts';
import { RunLog } from './runLog';
import { DurableRunRecord } from './runRecord';
import { QUESTION_STATE, RUN_WORKFLOW, type AnswerRequest, type PendingQuestion, type ProgressPage, type ProgressRequest, type RunOutput, type RunSubmission, type WaitingQuestion } from './protocol';
import type { Interaction, Question } from '../toolkit/interaction';
import { workerInputs } from './inputs';

/** The durable promise `orc cancel` resolves. */
export const CANCEL_PROMISE = 'cancel';

/** Seconds an attempt may run with no journal entry before Restate gives up on it (default: a day). */
export function abortTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.ORC_DURABLE_ABORT_TIMEOUT_S);
  return (Number.isFinite(s) && s > 0 ? s : 24 * 3600) * 1000;
}

/** The longest wait between two tries of a run whose worker is gone (ms; ORC_DURABLE_RETRY_MAX_MS, default 250). */
export function retryMaxMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.ORC_DURABLE_RETRY_MAX_MS);
  return Number.isFinite(ms) && ms >= 50 ? ms : 250;
}

export interface WorkflowOptions {
  /** The folder runs work in and are recorded under (`orc worker --root`). */
  root: string;
  env?: NodeJS.ProcessEnv;
}

function cancelledReason(): Error {
  const e = new Error('The run was cancelled');
  e.name = 'CancelledError';
  return e;
}

/** The line a follower sees when a step asks a person. */
export function askedLine(runId: string, q: Question): string {
  const choices = q.choices?.length ? ` (${q.choices.join(', ')})` : q.kind === 'confirm' ? ' (yes, no)' : '';
  return `Step '${q.step}' asks${q.title ? ` "${q.title}"` : ''}: ${q.prompt}${choices}. Answer with: orc answer ${runId} '${q.step}' VALUE --restate INGRESS_URL`;
}

/** The workflow definition a worker serves. */
export function runWorkflow(options: WorkflowOptions) {
  const root = path.resolve(options.root);
  const env = options.env ?? process.env;
  return restate.workflow({
    name: RUN_WORKFLOW,
    options: {
      // a step may think for a long time without a journal entry: Restate must not cut it off
      inactivityTimeout: 60_000,
      abortTimeout: abortTimeoutMs(env),
      // a run whose worker died is tried again soon after one is back (at most a quarter second later), for
      // days; then it pauses, for a person to resume (restate's CLI or UI)
      retryPolicy: { initialInterval: 100, exponentiationFactor: 2, maxInterval: retryMaxMs(env), maxAttempts: 10_000_000, onMaxAttempts: 'pause' },
    },
    handlers: {
      run: async (ctx: restate.WorkflowContext, sub: RunSubmission): Promise<RunOutput> => {
        const runId = ctx.key;
        // when the run started, journaled once: a replay (another worker, later) reads it back
        const startedAt = await ctx.date.now();
        // the compile-time AUTO answers the client ran with: no model is asked here
        const a = analyze(sub.source, sub.autoAnswers?.length ? { autoAnswers: new Map(sub.autoAnswers) } : {});
        if (!a.pipeline || hasErrors(a.findings)) {
          const first = a.findings.find((f) => f.severity === 'error');
          throw new restate.TerminalError(`The pipeline does not compile${first ? `: ${first.range.start.line + 1}:${first.range.start.character + 1}: ${first.message}` : ''}`);
        }
        let inputs: Record<string, unknown>;
        try {
          inputs = workerInputs(a.pipeline.parameters, sub.inputs, env);
        } catch (e) {
          if (e instanceof InputError) throw new restate.TerminalError(e.message);
          throw e;
        }
        const log = new RunLog(root, runId);
        const record = DurableRunRecord.open(root, runId, a, { ...sub, inputs }, new Date(startedAt), (message) => log.event({ type: 'warning', time: Date.now(), stepId: null, message }), (file, completed) => log.event({ type: 'checkpoint-written', time: Date.now(), path: file, completed }));
        const abort = new AbortController();
        const attempts = new DurableAttempts(ctx, log, ctx.promise<boolean>(CANCEL_PROMISE).get(), () => abort.abort(cancelledReason()));
        const asking = attempts.interaction((_id, q) => log.event({ type: 'warning', time: Date.now(), stepId: null, message: askedLine(runId, q) }));
        // answers given ahead (-i STEP=VALUE, --yes) travel with the submission: a replay takes them again
        const given = sub.answers ?? {};
        const interaction: Interaction = {
          interactive: asking.interactive,
          ask: (q, signal) => asking.ask(q, signal),
          answerFor: (step) => (Object.prototype.hasOwnProperty.call(given, step) ? { value: given[step] } : undefined),
          ...(sub.yes ? { assumeYes: true } : {}),
        };
        // a driver that failed would leave the run waiting for ever: the run stops with its error
        const driving = attempts.drive().catch((e: unknown) => abort.abort(e));
        try {
          const doc = await runPipeline(a, {
            cwd: root,
            executionId: runId,
            inputs,
            ...(sub.maxParallel ? { maxParallel: sub.maxParallel } : {}),
            pipelineFile: sub.file ? path.resolve(root, sub.file) : null,
            source: sub.source,
            signal: abort.signal,
            attempts,
            interaction,
            models: createModelRunner({ env, registryFile: env.ORC_MODEL_REGISTRY || undefined }),
            startedAt: new Date(startedAt),
            // a step's times and attempts as the journal knows them, not as this execution's clock saw them
            listeners: [(e) => log.event(attempts.journaledEvent(e))],
            // the record is written as the run starts and ends (runRecord.ts), not after each step
            checkpoint: false,
            ...(sub.trigger ? { trigger: sub.trigger } : {}),
          });
          // the workflow's output is kept in Restate's journal and read back through one call: large
          // values in it go by reference to the run's folder (docs/durable.md, Large outputs)
          const kept = log.leanDocument(attempts.journaledDocument(doc));
          await record.close(kept);
          return kept;
        } catch (e) {
          record.abandon();
          if (e instanceof InputError) throw new restate.TerminalError(e.message);
          throw e;
        } finally {
          attempts.stop();
          // the driver may wait on a question no one will answer now (a cancelled step's): not on it
          await Promise.race([driving, new Promise((r) => setImmediate(r))]);
          log.close();
        }
      },
      progress: restate.handlers.workflow.shared(async (_ctx: restate.WorkflowSharedContext, req: ProgressRequest): Promise<ProgressPage> => {
        return new RunLog(root, _ctx.key).page(Math.max(0, Number(req?.from) || 0));
      }),
      answer: restate.handlers.workflow.shared(async (ctx: restate.WorkflowSharedContext, req: AnswerRequest): Promise<boolean> => {
        const pending = await ctx.get<PendingQuestion>(`${QUESTION_STATE}${req?.step}`);
        if (!pending) throw new restate.TerminalError(`Step '${req?.step}' of run ${ctx.key} has asked nothing`, { errorCode: 404 });
        if (await ctx.promise(pending.promise).peek() !== undefined) throw new restate.TerminalError(`Step '${req.step}' of run ${ctx.key} was answered already; the first answer stands`, { errorCode: 409 });
        await ctx.promise(pending.promise).resolve(req.value ?? null);
        return true;
      }),
      questions: restate.handlers.workflow.shared(async (ctx: restate.WorkflowSharedContext): Promise<WaitingQuestion[]> => {
        const out: WaitingQuestion[] = [];
        for (const key of await ctx.stateKeys()) {
          if (!key.startsWith(QUESTION_STATE)) continue;
          const pending = await ctx.get<PendingQuestion>(key);
          if (!pending || (await ctx.promise(pending.promise).peek()) !== undefined) continue;
          out.push({ step: key.slice(QUESTION_STATE.length), question: pending.question });
        }
        return out;
      }),
      cancel: restate.handlers.workflow.shared(async (ctx: restate.WorkflowSharedContext): Promise<boolean> => {
        await ctx.promise<boolean>(CANCEL_PROMISE).resolve(true);
        return true;
      }),
    },
  });
}
