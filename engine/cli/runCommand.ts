// `orc run FILE [-i key=value]... [--json] [--max-parallel N]` and `orc resume RUN_ID [--json]`.
import { runSummary } from './runSummary';
import { type Analysis, CassetteFileError, CheckpointError, checkpointMismatch, checkResume, createModelRunner, findRunsRoot, InputError, isEmptyRunFolder, loadCheckpoint, mcpAnalyzeOptions, parseInputArg, RedisUnavailableError, RedisUrlError, registryOrShipped, RemoteAttempts, restoredInputs, type ResultDocument, type RunOptions, runPipeline, runsDir, sha256, type Step, withLockedAutoAnswers, type AgentDecl, type NamedAgent } from '../api/index';
import { readFileSync } from 'node:fs';
import { compileOrReport } from './compile';
import type { Style } from './findingFormat';
import { readSource, UsageError, withoutBom } from './input';
import { progressReporter } from './progress';
import { prepareAuto } from './autoCommand';
import { terminalInteraction } from './interaction';
import { cassetteOptions, unknownLiveSteps, type CassetteFlags } from './cassetteFlags';
import { traceConfigOf, withRunTelemetry } from './runTelemetry';
import { unusableChainsMessage } from './modelCheck';
import { Redactor, withCassette } from '../api/index';

export interface RunIO {
  out(s: string): void;
  err(s: string): void;
  /** Raw writes to stderr, for the live progress block. */
  errRaw(s: string): void;
  errIsTTY: boolean;
}

export const EXIT = { success: 0, stepFailed: 1, compile: 2, interrupted: 130 } as const;

function exitCode(doc: ResultDocument): number {
  return doc.status === 'cancelled' ? EXIT.interrupted : doc.success ? EXIT.success : EXIT.stepFailed;
}

/** Ctrl-C once: cancel (running steps are stopped, the checkpoint written); twice: quit now. */
function interruptible(io: RunIO): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      io.err(`\n${sig === 'SIGINT' ? 'Interrupted' : `Received ${sig}`}: cancelling the running steps and writing the checkpoint (press Ctrl-C again to quit at once)`);
      const e = new Error('The run was cancelled');
      e.name = 'CancelledError';
      ctl.abort(e);
    } else process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ctl.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Answers for the human-in-the-loop steps: given ahead (-i STEP_ID=VALUE), --yes, and whether the terminal can ask. */
export interface HumanOptions {
  answers: Map<string, unknown>;
  yes: boolean;
  /** The pipeline came from standard input, which is then no terminal to answer on. */
  stdinUsed?: boolean;
}

/** The tools that ask a person. */
const ASKING_TOOLS = new Set(['user-prompt', 'approval-gate', 'feedback-collection']);

/** Whether an agent's allow-list holds an `approve: true` entry, its own or a named agent's it may call (at any depth). */
function agentAsks(decl: AgentDecl, agents: Record<string, NamedAgent> | undefined, seen = new Set<string>()): boolean {
  for (const e of decl.tools) {
    if (e.approve) return true;
    if (e.ref.kind !== 'agent' || seen.has(e.ref.name)) continue;
    seen.add(e.ref.name);
    const named = agents && Object.prototype.hasOwnProperty.call(agents, e.ref.name) ? agents[e.ref.name] : undefined;
    if (named && agentAsks(named, agents, seen)) return true;
  }
  return false;
}

/** The steps that ask a person: the asking tools, and agents with calls to approve. */
export function askingSteps(steps: Step[], agents: Record<string, NamedAgent> | undefined, into = new Set<string>()): Set<string> {
  for (const s of steps) {
    if (s.tool && ASKING_TOOLS.has(s.tool)) into.add(s.id);
    if (s.agent && agentAsks(s.agent, agents)) into.add(s.id);
    if (s.body) askingSteps(s.body, agents, into);
  }
  return into;
}

/** `--redis URL [--queue NAME]`: the run's steps go to BullMQ workers (`orc worker`). */
export interface DistributedOptions {
  url: string;
  queue?: string;
}

/** `--trace-endpoint URL[,URL]`: OTLP/HTTP endpoints the run's trace goes to, besides OTEL_EXPORTER_OTLP_*. */
export interface TraceOptions {
  traceEndpoint?: string;
}

/** What runs after the result document is printed (`orc run --monitor`: the pipeline's monitors on the run). */
export type AfterRun = (doc: ResultDocument, a: Analysis, options: RunOptions) => Promise<void>;

export async function execute(a: Analysis, options: RunOptions, json: boolean, style: Style, io: RunIO, human: HumanOptions = { answers: new Map(), yes: false }, distributed?: DistributedOptions, traces: TraceOptions = {}, afterRun?: AfterRun): Promise<number> {
  traceConfigOf(traces.traceEndpoint, () => {}); // a bad endpoint is said before anything starts
  // a fallback chain with no model callable here is refused before any step runs (on workers, the
  // workers' keys count; a replay calls no model)
  if (!distributed && options.cassette?.mode !== 'replay') {
    const unusable = await unusableChainsMessage(a, process.env);
    if (unusable) {
      io.err(`orc: a model step could not run, so nothing ran:\n${unusable}`);
      return EXIT.compile;
    }
  }
  let remote: RemoteAttempts | undefined;
  if (distributed) {
    const source = options.source ?? '';
    try {
      remote = await RemoteAttempts.open({ url: distributed.url, queue: distributed.queue, pipelineSha256: sha256(source), steps: a.pipeline?.steps ?? [], ...(a.pipeline?.agents ? { agents: a.pipeline.agents } : {}), resume: Boolean(options.resume) });
    } catch (e) {
      if (e instanceof RedisUnavailableError || e instanceof RedisUrlError) {
        io.err(`orc: ${e.message}; nothing ran`);
        return EXIT.compile;
      }
      throw e;
    }
    if ((await remote.workerCount()) === 0) io.err(`orc: no worker listens on queue '${remote.queueName}' at ${remote.target.display} yet; steps wait until one starts (orc worker --redis URL)`);
    options = { ...options, attempts: remote };
  }
  try {
    return await withRunTelemetry(options, a.pipeline?.id ?? '', traces.traceEndpoint, io.err, (o, tracer) => {
      // a traced run's steps on the workers hang under their attempts' spans
      if (remote && tracer) remote.traceparentOf = (key) => tracer.remoteTraceparent(key);
      return executeHere(a, o, json, style, io, human, afterRun);
    });
  } finally {
    await remote?.close();
  }
}

async function executeHere(a: Analysis, options: RunOptions, json: boolean, style: Style, io: RunIO, human: HumanOptions, afterRun?: AfterRun): Promise<number> {
  const progress = progressReporter(io.errRaw, style, io.errIsTTY);
  const intr = interruptible(io);
  // questions go to the terminal only when someone is there: stdin and stderr are terminals, and not --json
  const interaction = terminalInteraction({
    interactive: !json && !human.stdinUsed && Boolean(process.stdin.isTTY) && io.errIsTTY,
    answers: human.answers,
    assumeYes: human.yes,
    input: process.stdin,
    output: process.stderr,
    style,
    pause: () => progress.pause(),
    resume: () => progress.resume(),
  });
  try {
    const registryFile = process.env.ORC_MODEL_REGISTRY || undefined;
    const doc = await runPipeline(a, { models: createModelRunner({ env: process.env, registryFile }), predict: true, registry: registryOrShipped(registryFile), interaction, ...options, signal: intr.signal, listeners: [progress, ...(options.listeners ?? [])] });
    progress.close();
    if (json) io.out(JSON.stringify(doc, null, 2));
    else io.out(runSummary(doc, a.pipeline?.steps ?? [], options.cwd, exitCode(doc)));
    if (afterRun) await afterRun(doc, a, options);
    return exitCode(doc);
  } catch (e) {
    progress.close();
    if (e instanceof InputError || e instanceof CassetteFileError) {
      io.err(`orc: ${e.message}`);
      return EXIT.compile;
    }
    throw e;
  } finally {
    intr.dispose();
  }
}

export async function runCommand(file: string, inputArgs: string[], json: boolean, maxParallel: number | undefined, style: Style, io: RunIO, auto: { frozen: boolean; refresh: boolean } = { frozen: false, refresh: false }, yes = false, distributed?: DistributedOptions, tape?: CassetteFlags, traces: TraceOptions = {}, budgetUsd?: number, monitor = false): Promise<number> {
  const cassette = cassetteOptions(tape, file === '-' ? null : file, distributed);
  const source = readSource(file);
  // the tools of the MCP servers its steps call, listed (or cached) so their parameters are checked
  const mcpOptions = await mcpAnalyzeOptions(source, { workspace: process.cwd(), cwd: process.cwd(), warn: io.err });
  const compiled = compileOrReport(file, style, io.err, source, '; nothing ran', mcpOptions);
  if (!compiled) return EXIT.compile;
  // AUTO tags: locked answers, else asked now (or refused with --frozen-auto)
  const prepared = await prepareAuto(file, source, compiled, { models: createModelRunner({ env: process.env, registryFile: process.env.ORC_MODEL_REGISTRY || undefined }), refresh: auto.refresh, frozen: auto.frozen, style, err: io.err });
  const a = prepared.analysis;
  if (!a) return EXIT.compile;
  const inputs: Record<string, unknown> = {};
  // -i KEY=VALUE: a pipeline parameter's value, else the answer of the step KEY when it asks a person
  const params = new Set(a.pipeline?.parameters.map((p) => p.name) ?? []);
  const asking = askingSteps(a.pipeline?.steps ?? [], a.pipeline?.agents);
  const answers = new Map<string, unknown>();
  try {
    for (const arg of inputArgs) {
      const [k, v] = parseInputArg(arg);
      if (!params.has(k) && asking.has(k)) answers.set(k, v);
      else inputs[k] = v;
    }
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const liveWarning = unknownLiveSteps(cassette, a.pipeline?.steps ?? []);
  if (liveWarning) io.err(`orc: ${liveWarning}`);
  if (monitor && !a.pipeline?.monitors?.length) io.err(`orc: --monitor: ${file} has no monitors: nothing will check the run`);
  return execute(a, { cwd: process.cwd(), inputs, maxParallel, pipelineFile: file === '-' ? null : file, source, cassette, ...(budgetUsd !== undefined ? { budgetUsd } : {}) }, json, style, io, { answers, yes, stdinUsed: file === '-' }, distributed, traces, monitor ? monitorsAfter(io) : undefined);
}

/**
 * `orc run --monitor`: once the result is printed, the pipeline's monitors check the run
 * (engine/serve/monitors.ts, loaded only then): each verdict on stderr, each check written to
 * `.orchestrator/monitors/NAME.jsonl`, a failed run flagged for review. Judges go through the run's
 * cassette when it has one.
 */
function monitorsAfter(io: RunIO): AfterRun {
  return async (doc, a, options) => {
    const decls = a.pipeline?.monitors ?? [];
    if (!decls.length) return;
    const { runMonitors } = await import('../serve/monitors.js');
    const registryFile = process.env.ORC_MODEL_REGISTRY || undefined;
    let models = createModelRunner({ env: process.env, registryFile });
    let tape: { close(): void } | null = null;
    if (options.cassette) ({ models, cassette: tape } = withCassette(models, options.cassette));
    try {
      const redactor = options.redactor ?? new Redactor(process.env);
      await runMonitors({ root: options.cwd ?? process.cwd(), doc, decls, models, env: process.env, replay: options.cassette?.mode === 'replay', say: io.err, redact: (t) => redactor.text(t) });
    } finally {
      tape?.close();
    }
  };
}

export async function resumeCommand(runId: string, json: boolean, style: Style, io: RunIO, distributed?: DistributedOptions, tape?: CassetteFlags, inputArgs: string[] = [], traces: TraceOptions = {}): Promise<number> {
  const root = findRunsRoot(process.cwd()) ?? process.cwd();
  if (root !== process.cwd()) io.err(`using ${root}/.orchestrator/`);
  let check;
  try {
    check = checkResume(root, runId, (f) => withoutBom(readFileSync(f, 'utf8')));
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(e.message);
    throw e;
  }
  if (check.kind === 'never-recorded') throw new UsageError(`run ${runId} was stopped before its first record: there is nothing to resume; start it again with 'orc run'`);
  if (check.kind === 'mismatch') throw new UsageError(check.message);
  if (check.kind === 'completed') {
    io.err(`run ${runId} already completed; nothing to resume`);
    if (json && check.resultJson !== null) io.out(check.resultJson);
    return EXIT.success;
  }
  if (check.kind === 'pipeline-gone') throw new UsageError(`run ${runId} ran ${check.file || 'a pipeline from standard input'}, which is not there any more`);
  if (check.kind === 'pipeline-changed') throw new UsageError(`${check.file} has changed since run ${runId} started; resuming would mix two pipelines. Start a new run with 'orc run'.`);
  const { file, source, checkpoint } = check;
  const compiled = compileOrReport(file, style, io.err, source, '; nothing ran');
  if (!compiled) return EXIT.compile;
  // the AUTO answers the run started with (from the lock; no call)
  const a = withLockedAutoAnswers(file, source, compiled);
  // secret inputs were not recorded: from the environment, or given again with -i
  let inputs;
  try {
    inputs = restoredInputs(compiled.pipeline?.parameters ?? [], checkpoint.inputs, Object.fromEntries(inputArgs.map(parseInputArg)));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return execute(a, { cwd: root, pipelineFile: checkpoint.pipeline_file, source, resume: { ...checkpoint, inputs }, cassette: cassetteOptions(tape, file, distributed) }, json, style, io, undefined, distributed, traces);
}
