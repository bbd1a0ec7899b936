// A whole run: inputs, the top-level step list, outputs, the result document, checkpoints, resume.
import { PauseClock } from './pauseClock';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { hasErrors, type Analysis } from '../analyze/index';
import { analyzedOnce } from '../analyze/analyzedOnce';
import { NO_MODELS, type ModelRunner } from '../models/modelRunner';
import { withCassette, type CassetteOptions, type RunCassette } from '../models/cassette';
import { BUILTIN_TOOLS } from '../tools/registry';
import { McpSession, type McpStandIn } from '../mcp/session';
import { effectiveServers, loadUserServers, usesMcpServers } from '../mcp/config';
import { createMcpServerTool } from '../tools/mcpServer';
import { createMcpMemoryTool } from '../tools/mcpMemory';
import { createSqlTool, SqlSession, sqlSecretValues } from '../tools/sql/index';
import { ToolError, type NestedRunOptions, type NestedRunResult, type ToolDefinition } from '../toolkit/runtime';
import type { Interaction } from '../toolkit/interaction';
import { CheckpointStore, sha256, type Checkpoint } from './checkpointStore';
import { RunEmitter, type ResultDocument, type RunListener, type RunTrigger, emptyStepResult, type NestedRunAt, type StepResult } from './events';
import { renderOutputs, resultDocument } from './runResultDocument';
import { resolveInputs } from './inputs';
import { NOTHING_RESTORED, Semaphore, type AttemptExecutor, type ListOutcome, type RunContext } from './runContext';
import { killLeftovers } from './leftovers';
import { iterationCap } from './loopRunner';
import { Redactor } from '../toolkit/redact';
import { recordedInputs, runRedactor, secretInputValues, tapeRedactor } from './secretInputs';
import { StepListRunner } from './scheduler';
import { predict, type Prediction } from './predict';
import { registryModels, type RegistryModel } from '../models/registry';
import { noteRunStarted, predictionHistory } from './history';
import { orchestratorOf } from '../auto/orchestrator';
import { DebugBridge, type RunDebugger } from './debugHooks';
import { executionInfo, ListScope, rootScope } from './scope';
import { StepCache } from './stepCache';
import { runBudget } from './runBudget';
import type { ConnectionDecl, Pipeline } from '../spec/types';
import type { Abortable } from './attemptSignal';
import { newExecutionId } from './executionId';
import type { ForkSessions, ForkTurns } from './fork';

export const DEFAULT_MAX_PARALLEL = 16;
/** How deep `pipeline` steps may nest. */
export const MAX_NESTING_DEPTH = 8;

/** The most nested pipeline runs one top-level run starts in all, at every depth (default; the environment variable ORC_MAX_NESTED_RUNS
 * sets another). Depth alone does not bound a pipeline that runs itself four times a level: 4^8 runs grew a process past 2.6 GB (issue 24, item 9). */
export const DEFAULT_MAX_NESTED_RUNS = 1000;

/** ORC_MAX_NESTED_RUNS as this process was started with it (read once: reading the environment is a
 * call into Node's C++ side, 8 µs of every run of an eval's 2,000). */
let envNestedRunCap: number | undefined;

/** The cap on nested runs: the option given, else ORC_MAX_NESTED_RUNS, else DEFAULT_MAX_NESTED_RUNS. */
export function nestedRunCap(given?: number): number {
  if (given !== undefined && Number.isInteger(given) && given > 0) return given;
  if (envNestedRunCap === undefined) {
    const env = Number(process.env.ORC_MAX_NESTED_RUNS);
    envNestedRunCap = Number.isInteger(env) && env > 0 ? env : DEFAULT_MAX_NESTED_RUNS;
  }
  return envNestedRunCap;
}

/** The nested runs a top-level run has started, shared by every run nested in it. */
interface NestedRunCount {
  started: number;
  readonly max: number;
}

export interface RunOptions {
  /** Working directory: relative paths, `.orchestrator/` state. */
  cwd: string;
  /** Folder paths must stay in (default: cwd). */
  workspace?: string;
  allowOutsideWorkspace?: boolean;
  inputs?: Record<string, unknown>;
  maxParallel?: number;
  signal?: AbortSignal;
  listeners?: RunListener[];
  /** Write checkpoints (default: the pipeline's `context.checkpoint`, true). */
  checkpoint?: boolean;
  pipelineFile?: string | null;
  /** The source text (for the checkpoint's hash); read from pipelineFile when absent. */
  source?: string;
  executionId?: string;
  /** When the run started, when the caller knows it better than this process's clock now (a durable run: the journal's time). */
  startedAt?: Date;
  /** Resume this checkpoint's run. */
  resume?: Checkpoint;
  /** Tools besides the built-in ones (they must also be given to analyze). */
  tools?: Record<string, ToolDefinition>;
  models?: ModelRunner;
  random?: () => number;
  depth?: number;
  /** The most nested pipeline runs this run may start in all, at every depth (default: nestedRunCap()). */
  maxNestedRuns?: number;
  /** Replaces secrets in results, events and checkpoints (default: the secret variables of this process's environment). */
  redactor?: Redactor;
  /** The most iterations one loop may run (default: ORC_MAX_ITERATIONS, else 100,000). */
  iterationCap?: number;
  /** Holds steps before they run and after they fail (the debug adapter). */
  debugger?: RunDebugger;
  /** Predict the run from earlier runs in `.orchestrator/runs/` and the model registry, and record
   * the prediction beside what happened (`prediction`), with each step's definition hash
   * (`definitions`) for later predictions. `orc run` and the editor turn it on. */
  predict?: boolean;
  /** The model of steps that name none when the pipeline has no `model:` either. */
  defaultModel?: string | null;
  /** The model that answers run-time AUTO tags (default: the pipeline's `orchestrator`, ORC_ORCHESTRATOR_MODEL, its `model`). */
  orchestrator?: string | null;
  /** The model registry for predicted costs (default: the shipped one). */
  registry?: RegistryModel[];
  /** Who the human-in-the-loop tools ask (the terminal, the editor); absent: no one, they refuse unless answered otherwise. Nested runs share it. */
  interaction?: Interaction;
  /** Runs step attempts elsewhere (`orc run --redis`: BullMQ workers); nested pipelines run their steps here. */
  attempts?: AttemptExecutor;
  /** Values of the variables `connections:` name (`password_env`, `url_env`), ahead of the environment's: the editor's secret storage. Redacted like the rest. */
  connectionSecrets?: Record<string, string>;
  /** The user's connection declarations (engine/tools/sql/connections.ts), read once by a caller that
   * starts many runs (an eval: each of its runs asked the disk again whether the file exists). Absent:
   * the run reads them. */
  userConnections?: Record<string, ConnectionDecl>;
  /** Answers some MCP servers' calls without starting them (an eval case's mocks). */
  mcpStandIn?: McpStandIn;
  /** Record every model call of the run (nested pipelines too) to a cassette, or answer them from one. */
  cassette?: CassetteOptions;
  /** Listeners for a nested run that the step at `from` starts (a trace hangs it under that step), with the hook for runs nested in it. */
  nestedListeners?: (from: NestedRunAt) => Pick<RunOptions, 'listeners' | 'nestedListeners'>;
  /** The W3C traceparent of this run's trace, kept in the checkpoint: a resumed run links its trace to the first one. */
  traceparent?: string;
  /** What started the run (`orc serve`), in its checkpoint and result document; a resumed run keeps its record's. */
  trigger?: RunTrigger;
  /** `orc run --budget-usd`: the run's `max_cost_usd`, set or lowered (engine/guard/ledger.ts). */ budgetUsd?: number;
  /** A fork at an agent's turn (engine/run/fork.ts `forkTurns`), with the fork's record as `resume`. */
  forkTurns?: ForkTurns;
  /** A fork (engine/run/fork.ts `forkSessions`): its agent steps read their sessions as the parent run did, and add nothing to them. */
  forkSessions?: ForkSessions;
}

/** Made in engine/run/executionId.ts; its importers here since ids were made in this file. */
export { newExecutionId };

/** The run's checkpoint store (null when the run keeps none), its first record as the run starts. */
function openCheckpoint(
  analysis: Analysis,
  options: RunOptions,
  emitter: RunEmitter,
  run: { cwd: string; pipelineFile: string | null; source: string; executionId: string; inputs: Record<string, unknown>; maxParallel: number; started: Date },
): CheckpointStore | null {
  const pipeline = analysis.pipeline!;
  if (!(options.checkpoint ?? pipeline.context.checkpoint)) return null;
  return new CheckpointStore(
    run.cwd,
    {
      format: 1,
      execution_id: run.executionId,
      pipeline_id: pipeline.id,
      pipeline_file: run.pipelineFile ?? '',
      pipeline_sha256: sha256(run.source),
      // redacted by the run's own redactor (the environment's, made once per model runner), not one made anew: reading
      // every variable of the environment for it was 0.38 ms of each run (bench serve's profile)
      inputs: recordedInputs(pipeline.parameters, run.inputs, runRedactor(pipeline.parameters, run.inputs, options.redactor, options.models)),
      max_parallel: run.maxParallel,
      status: 'running',
      started_at: run.started.toISOString(),
      updated_at: run.started.toISOString(),
      pid: process.pid,
      ...((options.resume ? options.resume.traceparent : options.traceparent) ? { traceparent: options.resume?.traceparent ?? options.traceparent } : {}),
      ...((options.resume ? options.resume.trigger : options.trigger) ? { trigger: options.resume?.trigger ?? options.trigger } : {}),
      steps: { ...(options.resume?.steps ?? {}) },
      ...(options.resume?.compacted ? { compacted: options.resume.compacted } : {}),
    },
    (p, completed) => emitter.emit({ type: 'checkpoint-written', time: Date.now(), path: p, completed }),
    (e) => emitter.emit({ type: 'warning', time: Date.now(), stepId: null, message: `Could not write the checkpoint: ${e.message}` }),
  );
}

/** The run's tools: the built-in ones, the caller's, and the MCP session's (closed at the run's end). */
function runTools(pipeline: Pipeline, options: RunOptions, cwd: string) {
  const tools = { ...BUILTIN_TOOLS, ...(options.tools ?? {}) };
  // MCP: the run's servers (the user's settings under the pipeline's), each started on first use and
  // closed at the run's end; `mcp-server` and `mcp-memory` get the run's own state (nested runs share the parent's)
  // the user's server list is read only when the pipeline can reach a server
  const mcp = new McpSession(effectiveServers(pipeline, usesMcpServers(pipeline) ? loadUserServers().servers : {}), cwd);
  if (options.mcpStandIn) mcp.standIn = options.mcpStandIn;
  Object.assign(tools, mcp.toolsFor(pipeline));
  if (!options.tools?.['mcp-server']) tools['mcp-server'] = createMcpServerTool(mcp);
  if (!options.tools?.['mcp-memory']) tools['mcp-memory'] = createMcpMemoryTool();
  // SQL: the run's connections, each opened on first use and closed at the run's end
  const sqlEnv = options.connectionSecrets ? { ...process.env, ...options.connectionSecrets } : process.env;
  const sql = new SqlSession({ connections: pipeline.connections, env: sqlEnv });
  // (a nested pipeline without connections of its own uses the run's)
  if (!options.tools?.sql || Object.keys(pipeline.connections).length) tools.sql = createSqlTool(sql);
  return { tools, toolSlots: new ToolSlots(tools), mcp, sql, sqlEnv };
}

/** The run's per-tool limits, each made when a step of its tool first asks (a run of one model step made six). */
class ToolSlots extends Map<string, Semaphore> {
  constructor(private readonly tools: Record<string, ToolDefinition>) {
    super();
  }

  override get(name: string): Semaphore | undefined {
    const made = super.get(name);
    if (made) return made;
    const limit = Object.prototype.hasOwnProperty.call(this.tools, name) ? this.tools[name].concurrency : undefined;
    if (!limit) return undefined;
    const s = new Semaphore(limit);
    this.set(name, s);
    return s;
  }
}

/** path.resolve of an absolute path, kept: an eval's runs all resolve the same folder and file. */
const resolvedPaths = new Map<string, string>();
function resolvedPath(p: string): string {
  // relative (or, on Windows, without a drive): against the current folder, which may change
  if (!path.isAbsolute(p) || (process.platform === 'win32' && !/^[A-Za-z]:[\\/]/.test(p))) return path.resolve(p);
  let r = resolvedPaths.get(p);
  if (r === undefined) {
    if (resolvedPaths.size >= 64) resolvedPaths.clear();
    resolvedPaths.set(p, (r = path.resolve(p)));
  }
  return r;
}

/** The runs in progress that listen to a signal, and the one listener the signal has for them all
 * while there are any: an eval's runs share its signal (16 at a time), and adding and removing a
 * listener of Node's EventTarget cost about 10 µs of every run. */
const runsBySignal = new WeakMap<AbortSignal, { runs: Set<() => void>; listener: () => void }>();

/** Calls `fn` once when `signal` aborts (never, when it aborted already, as `addEventListener`).
 * Returns its removal; the signal keeps no listener once every run's is removed. */
function onceAborted(signal: AbortSignal, fn: () => void): () => void {
  let entry = runsBySignal.get(signal);
  if (!entry) {
    const runs = new Set<() => void>();
    const listener = () => {
      runsBySignal.delete(signal);
      const all = [...runs];
      runs.clear();
      for (const f of all) f();
    };
    entry = { runs, listener };
    runsBySignal.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { runs, listener } = entry;
  runs.add(fn);
  return () => {
    if (!runs.delete(fn) || runs.size) return;
    signal.removeEventListener('abort', listener);
    if (runsBySignal.get(signal) === entry) runsBySignal.delete(signal);
  };
}

/** One listener for the whole run: attempts with their own signal are aborted through `inflight`,
 * and steps waiting for a slot are woken here (they add no listener of their own). Returns its removal. */
function cancelOnAbort(signal: AbortSignal, inflight: Set<Abortable>, slots: Semaphore, toolSlots: Map<string, Semaphore>): () => void {
  return onceAborted(signal, () => {
    for (const c of inflight) c.abort(signal.reason);
    slots.abortWaiters();
    for (const s of toolSlots.values()) s.abortWaiters();
  });
}

/** Announces the run, kills what a dead earlier process of it left running, and writes the first checkpoint. */
function announceRun(analysis: Analysis, options: RunOptions, emitter: RunEmitter, executionId: string, checkpoint: CheckpointStore | null): void {
  const pipeline = analysis.pipeline!;
  const plan = analysis.plan!;
  // the previous process died mid-run: commands it started may still run
  const killed = options.resume?.status === 'running' ? killLeftovers(options.resume.pid) : 0;
  if (emitter.listening) emitter.emit({ type: 'run-started', time: Date.now(), executionId, pipelineId: pipeline.id, steps: plan.executionOrder, levels: plan.levels, resumed: Boolean(options.resume) });
  if (killed) emitter.emit({ type: 'warning', time: Date.now(), stepId: null, message: `The run's previous process (pid ${options.resume!.pid}) died and left ${killed} command${killed === 1 ? '' : 's'} running; ${killed === 1 ? 'it was' : 'they were'} killed` });
  // the first checkpoint is in its file before any step starts: a run killed at once can still be
  // resumed (on the disk soon after, off the event loop: CheckpointStore.flushStart)
  if (checkpoint) {
    try {
      checkpoint.flushStart();
    } catch (e) {
      emitter.emit({ type: 'warning', time: Date.now(), stepId: null, message: `Could not write the checkpoint: ${(e as Error).message}` });
    }
  }
}

/** The run predicted from earlier runs and the model registry (null when not asked, or it could not be). */
function predictRun(analysis: Analysis, options: RunOptions, emitter: RunEmitter, cwd: string, maxParallel: number, inputs: Record<string, unknown>): Prediction | null {
  if (!options.predict) return null;
  const pipeline = analysis.pipeline!;
  try {
    return predict(pipeline, analysis.plan!, { maxParallel: Math.max(1, maxParallel), inputs, registry: options.registry ?? registryModels(), history: predictionHistory(cwd, pipeline.id) });
  } catch (e) {
    emitter.emit({ type: 'warning', time: Date.now(), stepId: null, message: `Could not predict the run: ${(e as Error).message}` });
    return null;
  }
}

/** Ends the run's use of its cassette; a cassette that cannot be rewritten keeps its appended lines. */
function closeCassette(tape: RunCassette | null, emitter: RunEmitter): void {
  try {
    tape?.close();
  } catch (e) {
    emitter.emit({ type: 'warning', time: Date.now(), stepId: null, message: `Could not rewrite the cassette ${tape!.file}: ${(e as Error).message}` });
  }
}

/** The removal of a listener never added. */
const NOTHING_TO_STOP = (): void => {};

/** The count a nested run's options share with the run that started it (kept out of RunOptions: no caller sets it). */
const nestedCounts = new WeakMap<RunOptions, NestedRunCount>();

/** Runs a compiled pipeline (an analysis without errors). */
export async function runPipeline(analysis: Analysis, options: RunOptions): Promise<ResultDocument> {
  const pipeline = analysis.pipeline;
  const plan = analysis.plan;
  if (!pipeline || !plan || hasErrors(analysis.findings)) throw new Error('runPipeline needs a pipeline that compiles');
  const started = options.resume ? new Date(options.resume.started_at) : (options.startedAt ?? new Date());
  // a resumed run reports its own duration (the record keeps when the run first started)
  const sessionStarted = !options.resume && options.startedAt ? started : new Date();
  const executionId = options.resume?.execution_id ?? options.executionId ?? newExecutionId(started);
  const inputs = options.resume ? options.resume.inputs : resolveInputs(pipeline.parameters, options.inputs ?? {});
  const maxParallel = options.resume?.max_parallel ?? options.maxParallel ?? pipeline.context.maxParallel ?? DEFAULT_MAX_PARALLEL;
  const emitter = new RunEmitter();
  if (options.listeners) for (const l of options.listeners) emitter.on(l);
  const cwd = resolvedPath(options.cwd);
  const pipelineFile = options.pipelineFile ? resolvedPath(options.pipelineFile) : null;
  const source = options.source ?? (pipelineFile ? readFileSync(pipelineFile, 'utf8') : analysis.text);
  // opened before anything is written: a replay without its cassette (or with a broken one) runs nothing
  if (options.cassette && options.attempts) throw new Error(`A run whose steps go to other processes (workers) cannot ${options.cassette.mode} a cassette: the workers make the model calls`);
  const taped = options.cassette ? withCassette(options.models ?? NO_MODELS, options.cassette, tapeRedactor(pipeline.parameters, inputs, options.redactor)) : null;
  const tape = taped?.cassette ?? null;
  const checkpoint = openCheckpoint(analysis, options, emitter, { cwd, pipelineFile, source, executionId, inputs, maxParallel, started });
  const { tools, toolSlots, mcp, sql, sqlEnv } = runTools(pipeline, options, cwd);
  // a run given none: a signal of its own (tools listen to it, many runs at once), which never aborts
  const signal = options.signal ?? new AbortController().signal;
  const slots = new Semaphore(Math.max(1, maxParallel));
  const inflight = new Set<Abortable>();
  // a run given no signal cannot be cancelled: nothing to listen to
  const stopCancelling = options.signal ? cancelOnAbort(signal, inflight, slots, toolSlots) : NOTHING_TO_STOP;
  const depth = options.depth ?? 0;
  const nestedRuns = nestedCounts.get(options) ?? { started: 0, max: nestedRunCap(options.maxNestedRuns) };
  const { models, standing: budgetStanding } = runBudget(pipeline, taped?.models ?? options.models ?? NO_MODELS, options.budgetUsd, emitter);
  const redactor = runRedactor(pipeline.parameters, inputs, options.redactor, options.models).including(sqlSecretValues(pipeline.connections, sqlEnv, options.userConnections));
  if (secretInputValues(pipeline.parameters, inputs).length) emitter.redactWith(redactor);
  const ctx: RunContext = {
    pipeline,
    bodyPlans: analysis.bodyPlans,
    executionId,
    emitter,
    cwd,
    workspace: resolvedPath(options.workspace ?? cwd),
    allowOutsideWorkspace: options.allowOutsideWorkspace ?? false,
    pipelineFile,
    signal,
    inflight,
    slots,
    maxParallel: Math.max(1, maxParallel),
    toolSlots,
    tools,
    models,
    checkpoint,
    restored: options.resume?.steps ?? NOTHING_RESTORED,
    compacted: options.resume?.compacted,
    cache: new StepCache(cwd),
    random: options.random ?? Math.random,
    runNested: (file, nestedInputs, nested, from) => runNestedPipeline(file, nestedInputs, options, { depth: depth + 1, count: nestedRuns }, nested?.signal ?? signal, tools, models, nested, inputs, from),
    iterationCap: iterationCap(options.iterationCap),
    redactor,
    debug: options.debugger ? new DebugBridge(options.debugger, checkpoint, redactor) : null,
    pauses: new PauseClock(),
    orchestrator: options.orchestrator ?? orchestratorOf(pipeline),
    defaultModel: options.defaultModel ?? null,
    interaction: options.interaction,
    attempts: options.attempts,
    mcp,
    cassette: tape,
    forkTurns: options.forkTurns,
    forkSessions: options.forkSessions,
    runList: (steps, listPlan, listScope, keyPrefix, scopePath) => new StepListRunner(ctx, steps, listPlan, listScope, keyPrefix, scopePath).run(),
  };

  announceRun(analysis, options, emitter, executionId, checkpoint);
  const prediction = predictRun(analysis, options, emitter, cwd, maxParallel, inputs);
  // the runs after it in this process learn from it (engine/run/history.ts)
  noteRunStarted(cwd, executionId);
  const scope = new ListScope(rootScope(inputs, pipeline.id, executionInfo(executionId, started), pipeline.variables, ctx), {}, inputs);
  const top = new StepListRunner(ctx, pipeline.steps, plan, scope, '', []);
  // what `.run().finally(close).catch(...)` did, without its closures and promises
  let outcome: ListOutcome;
  try {
    try {
      outcome = await top.run();
    } finally {
      closeCassette(tape, emitter);
      await Promise.all([mcp.close(), sql.close()]);
    }
  } catch (e) {
    checkpoint?.close(); // no final write will let go of the recent file
    throw e;
  }
  stopCancelling();

  const rendered = renderOutputs(pipeline, outcome, scope, redactor);
  const facts = { pipeline, plan, executionId, started, sessionStarted, resumed: Boolean(options.resume), predict: Boolean(options.predict), prediction, aborted: signal.aborted, pausedMs: ctx.pauses.pausedIn('') };
  const doc = resultDocument(facts, outcome, rendered);
  const listenerErrors = emitter.listenerErrors();
  if (listenerErrors.length) doc.listener_errors = listenerErrors;
  const budget = budgetStanding(); // where each budget stood (a run with none has none)
  if (budget?.length) doc.budget = budget;
  if (options.resume ? options.resume.trigger : options.trigger) doc.trigger = options.resume?.trigger ?? options.trigger; // what started it
  if (checkpoint) {
    checkpoint.setStatus(doc.status);
    await checkpoint.flush();
    await checkpoint.writeResult(doc);
  }
  if (emitter.listening) emitter.emit({ type: 'run-ended', time: Date.now(), result: doc });
  return doc;
}

async function runNestedPipeline(
  file: string,
  inputs: Record<string, unknown>,
  parent: RunOptions,
  { depth, count }: { depth: number; count: NestedRunCount },
  signal: AbortSignal,
  tools: Record<string, ToolDefinition>,
  models: ModelRunner,
  nested: NestedRunOptions = {},
  parentInputs: Record<string, unknown> = {},
  from?: NestedRunAt,
): Promise<NestedRunResult> {
  if (depth > MAX_NESTING_DEPTH) throw new Error(`Pipelines nest deeper than ${MAX_NESTING_DEPTH} levels (a pipeline that runs itself?)`);
  // A nested run with nothing to wait for (no command, no model) runs in one chain of promise
  // callbacks: without a turn of the event loop here, a signal (Ctrl-C, SIGTERM) is never handled
  // and the run never learns it was cancelled.
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('The run was cancelled');
  if (count.started >= count.max) {
    throw new ToolError(`This run has started ${count.max.toLocaleString('en-US')} nested pipeline runs, the most one run may (set ORC_MAX_NESTED_RUNS to allow more)`, 'LimitError');
  }
  count.started++;
  // inline text (pipeline-executor) is named by `file` and lives in the parent's file
  const inline = typeof nested.source === 'string';
  const name = inline ? file : path.basename(file);
  let text: string;
  if (inline) text = nested.source!;
  else {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return { success: false, status: 'failed', execution_id: '', outputs: {}, error: `Pipeline file not found: ${file}` };
    }
  }
  // analyzed as a pipeline of its own (once per content): one that does not compile fails the step with its first error;
  // an inline one takes the inputs it is passed, declared or not, as in ContextLab
  const a = analyzedOnce(text, parent.tools, () => (parent.tools ? Object.fromEntries(Object.entries(parent.tools).map(([k, t]) => [k, t.spec])) : undefined), inline ? Object.keys(inputs) : undefined);
  if (hasErrors(a.findings)) {
    const first = a.findings.find((f) => f.severity === 'error')!;
    throw new ToolError(`Nested pipeline does not compile: ${name}:${first.range.start.line + 1}:${first.range.start.character + 1}: ${first.message}`, 'ValueError');
  }
  let given = inputs;
  if (nested.inherit) {
    given = { ...inputs };
    for (const p of a.pipeline!.parameters) if (!Object.prototype.hasOwnProperty.call(given, p.name) && Object.prototype.hasOwnProperty.call(parentInputs, p.name)) given[p.name] = parentInputs[p.name];
  }
  const options: RunOptions = {
    cwd: parent.cwd,
    workspace: parent.workspace ?? parent.cwd,
    allowOutsideWorkspace: parent.allowOutsideWorkspace,
    inputs: given,
    signal,
    checkpoint: false,
    pipelineFile: inline ? (parent.pipelineFile ?? null) : file,
    source: text,
    tools,
    models,
    depth,
    random: parent.random,
    iterationCap: parent.iterationCap,
    redactor: parent.redactor,
    interaction: parent.interaction,
    ...(from && parent.nestedListeners ? parent.nestedListeners(from) : {}),
  };
  nestedCounts.set(options, count);
  const doc = await runPipeline(a, options);
  const failedStep = doc.failed_steps[0] ?? Object.entries(doc.steps).find(([, r]) => r.success === false)?.[0];
  return {
    success: doc.success,
    status: doc.status,
    execution_id: doc.execution_id,
    outputs: doc.outputs,
    error: doc.success ? null : failedStep ? `step '${failedStep}' of ${name}: ${doc.steps[failedStep].error}` : `${name} ${doc.status}`,
    pipeline_id: doc.pipeline_id,
    steps_executed: Object.values(doc.steps).filter((r) => r.status === 'completed' || r.status === 'failed').length,
    depth,
  };
}
