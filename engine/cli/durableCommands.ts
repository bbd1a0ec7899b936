// Durable runs on Restate: `orc run FILE --restate INGRESS_URL [--detach]`, `orc run --restate
// INGRESS_URL --attach RUN_ID`, `orc cancel RUN_ID --restate INGRESS_URL` and `orc worker --restate
// ADMIN_URL [--listen HOST:PORT] [--root DIR]`. Following a run prints the same progress and
// result document as a local run and exits with the same codes; ending the follower (Ctrl-C, or
// its death) does not end the run.
import * as path from 'node:path';
import { answerRun, answersOf, cancelRun, checkDurableInputs, createModelRunner, DurableRunError, DurableWorker, followRun, InputError, lockedAnswers, newExecutionId, orchestratorOf, parseInputArg, readAutoLock, RestateAdminError, runState, submitRun, type ResultDocument } from '../api/index';
import { prepareAuto } from './autoCommand';
import { compileOrReport } from './compile';
import type { Style } from './findingFormat';
import { readSource, UsageError } from './input';
import { progressReporter } from './progress';
import { runSummary } from './runSummary';
import { askingSteps, EXIT, type RunIO } from './runCommand';

export interface DurableRunFlags {
  url: string;
  /** FILE to submit (null with --attach). */
  file: string | null;
  attach: string | null;
  detach: boolean;
  inputArgs: string[];
  json: boolean;
  maxParallel?: number;
  /** `--yes`: approval gates approve, prompts take their default. */
  yes?: boolean;
  /** `--frozen-auto` / `--refresh-auto`, as for a local run. */
  auto?: { frozen: boolean; refresh: boolean };
}

/**
 * A run id as runs are named (`20260412-093015-a3f2c1`, or a name of letters, digits, `_`, `.`, `-`):
 * checked before Restate is asked, since an id such as `../../x`, `a/b` or `-x` became a path in
 * Restate's ingress and its invocation retried for ever.
 */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function checkRunId(runId: string | undefined, what: string): string {
  if (runId === undefined || runId === '') throw new UsageError(`${what} needs a run id`);
  if (!RUN_ID.test(runId) || runId.includes('..')) throw new UsageError(`${what}: ${JSON.stringify(runId)} is not a run id (letters, digits, '_', '.' and '-', starting with a letter or digit, as orc run --detach prints them)`);
  return runId;
}

/** The run, known to Restate; otherwise a DurableRunError saying there is no such run. */
async function knownRun(url: string, runId: string): Promise<void> {
  if ((await runState(url, runId)) === 'unknown') throw new DurableRunError(`no such run: ${runId} (Restate at ${url} knows no run of that id)`);
}

function exitCode(doc: ResultDocument): number {
  return doc.status === 'cancelled' ? EXIT.interrupted : doc.success ? EXIT.success : EXIT.stepFailed;
}

/** Follows the run to its end: progress on stderr, the summary or the result document on stdout. */
async function follow(url: string, runId: string, json: boolean, style: Style, io: RunIO, steps: Parameters<typeof runSummary>[1]): Promise<number> {
  const progress = progressReporter(io.errRaw, style, io.errIsTTY);
  const ctl = new AbortController();
  const onSignal = () => ctl.abort(new Error('interrupted'));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for await (const u of followRun(url, runId, { signal: ctl.signal })) {
      if (u.kind === 'event') {
        progress(u.event);
        continue;
      }
      progress({ type: 'run-ended', time: Date.now(), result: u.result });
      progress.close();
      if (json) io.out(JSON.stringify(u.result, null, 2));
      else io.out(runSummary(u.result, steps, process.cwd(), exitCode(u.result)));
      return exitCode(u.result);
    }
    throw new DurableRunError(`run ${runId} ended with no result`);
  } catch (e) {
    progress.close();
    if (ctl.signal.aborted) {
      io.err(`\nStopped following run ${runId}; it goes on. Follow it again with: orc run --restate ${url} --attach ${runId} (or cancel it: orc cancel ${runId} --restate ${url})`);
      return EXIT.interrupted;
    }
    if (e instanceof DurableRunError) {
      io.err(`orc: ${e.message}`);
      return EXIT.stepFailed;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function durableRunCommand(flags: DurableRunFlags, style: Style, io: RunIO): Promise<number> {
  if (flags.attach !== null) {
    if (flags.file !== null) throw new UsageError('--attach RUN_ID follows a run already submitted: give no FILE');
    if (flags.detach) throw new UsageError('--attach and --detach contradict each other');
    const runId = checkRunId(flags.attach, '--attach');
    try {
      await knownRun(flags.url, runId);
    } catch (e) {
      if (!(e instanceof DurableRunError)) throw e;
      io.err(`orc: ${e.message}`);
      return EXIT.stepFailed;
    }
    return follow(flags.url, runId, flags.json, style, io, []);
  }
  if (flags.file === null) throw new UsageError("'orc run --restate URL' needs a FILE (or --attach RUN_ID)");
  const file = flags.file;
  const source = readSource(file);
  const compiled = compileOrReport(file, style, io.err, source, '; nothing ran');
  if (!compiled) return EXIT.compile;
  // AUTO tags: locked answers, else asked now (or refused with --frozen-auto); the answers go with the run
  const prepared = await prepareAuto(file, source, compiled, { models: createModelRunner({ env: process.env, registryFile: process.env.ORC_MODEL_REGISTRY || undefined }), refresh: flags.auto?.refresh ?? false, frozen: flags.auto?.frozen ?? false, style, err: io.err });
  const a = prepared.analysis;
  if (!a) return EXIT.compile;
  const autoAnswers = [...(prepared.result ? answersOf(prepared.result.outcomes) : lockedAnswers(a, file === '-' ? null : readAutoLock(file), a.pipeline ? orchestratorOf(a.pipeline) : null))];
  // -i KEY=VALUE: a pipeline parameter's value, else the answer of the step KEY when it asks a person
  const params = new Set(a.pipeline?.parameters.map((p) => p.name) ?? []);
  const asking = askingSteps(a.pipeline?.steps ?? [], a.pipeline?.agents);
  const inputs: Record<string, unknown> = {};
  const answers: Record<string, unknown> = {};
  try {
    for (const arg of flags.inputArgs) {
      const [k, v] = parseInputArg(arg);
      Object.defineProperty(!params.has(k) && asking.has(k) ? answers : inputs, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // what is submitted is kept in Restate's journal: no secret goes (the workers fill them)
  try {
    checkDurableInputs(a.pipeline?.parameters ?? [], inputs);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    io.err(`orc: ${e.message}; nothing ran`);
    return EXIT.compile;
  }
  const runId = newExecutionId();
  // the workers find the pipeline's file (for its nested pipelines) by this path, from their root
  const abs = file === '-' ? null : path.resolve(file);
  const rel = abs === null ? null : path.relative(process.cwd(), abs);
  const relFile = rel === null ? null : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
  try {
    await submitRun(flags.url, runId, { source, file: relFile, inputs, ...(flags.maxParallel ? { maxParallel: flags.maxParallel } : {}), ...(autoAnswers.length ? { autoAnswers } : {}), ...(Object.keys(answers).length ? { answers } : {}), ...(flags.yes ? { yes: true } : {}) });
  } catch (e) {
    if (e instanceof DurableRunError) {
      const hint = e.status === 404 ? ' (no worker has registered the run workflow with this Restate yet: start one with orc worker --restate ADMIN_URL)' : '';
      io.err(`orc: ${e.message}${hint}; nothing ran`);
      return EXIT.compile;
    }
    throw e;
  }
  if (flags.detach) {
    io.out(runId);
    io.err(`run ${runId} submitted; follow it with: orc run --restate ${flags.url} --attach ${runId}`);
    return EXIT.success;
  }
  io.err(`run ${runId} submitted to ${flags.url}`);
  return follow(flags.url, runId, flags.json, style, io, a.pipeline?.steps ?? []);
}

export async function cancelCommand(runId: string | undefined, url: string, io: RunIO): Promise<number> {
  checkRunId(runId, "'orc cancel'");
  try {
    await knownRun(url, runId!);
    await cancelRun(url, runId!);
  } catch (e) {
    if (e instanceof DurableRunError) {
      io.err(`orc: ${e.message}`);
      return EXIT.stepFailed;
    }
    throw e;
  }
  io.err(`run ${runId}: cancellation asked; its running steps are stopped and it ends 'cancelled'`);
  return EXIT.success;
}

/** `orc answer RUN_ID STEP VALUE --restate URL`: VALUE is read as JSON when it parses (true, 4), else as text (approve, 'reject: REASON'). */
export async function answerCommand(args: string[], url: string, io: RunIO): Promise<number> {
  if (args.length !== 3) throw new UsageError("'orc answer' takes a run id, a step and the answer: orc answer RUN_ID STEP VALUE --restate URL");
  const [runId, step, text] = args;
  checkRunId(runId, "'orc answer'");
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  try {
    await knownRun(url, runId);
    await answerRun(url, runId, step, value);
  } catch (e) {
    if (e instanceof DurableRunError) {
      io.err(`orc: ${e.message}`);
      return EXIT.stepFailed;
    }
    throw e;
  }
  io.err(`run ${runId}: step '${step}' answered`);
  return EXIT.success;
}

export async function durableWorkerCommand(options: { adminUrl: string; listen?: string; root?: string }, err: (s: string) => void): Promise<number> {
  let worker: DurableWorker;
  try {
    worker = new DurableWorker({ adminUrl: options.adminUrl, listen: options.listen, root: options.root ?? process.cwd(), log: err });
    await worker.start();
  } catch (e) {
    if (e instanceof RestateAdminError || (e as NodeJS.ErrnoException).code === 'EADDRINUSE' || /--listen/.test((e as Error).message)) {
      err(`orc: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      err('worker: stopping (the runs it was running go on on the next worker at this address)');
      worker.close().then(resolve, resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  return 0;
}
