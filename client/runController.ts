// Runs pipelines in the extension host with the engine's own runPipeline — the call `orc run` makes,
// with the same `.orchestrator/` state, so `orc runs` and `orc resume` see editor runs and the
// editor resumes CLI runs. One run per document; events go to the panel, the log, the status bar
// and a cancellable progress notification.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type Analysis, analyze, buildReport, type Checkpoint, CheckpointError, checkResume, DEFAULT_MAX_PARALLEL, type ForkSessions, hasErrors, InputError, isFinal, listRuns, loadCheckpoint, loadHistory, chainProviders, modelChainsOf, unusableChains, newExecutionId, orchestratorOf, type Pipeline, planShape, predict, type Prediction, registryOrShipped, RemoteAttempts, resolveInputs, type ResultDocument, type ResumeCheck, type RunDebugger, type RunEvent, type RunListener, runPipeline, runTraced, sha256, variantAnalysis, withLockedAutoAnswers } from '../engine/api/index';
import { runFolder, settings } from './configuration';
import { EventBatcher } from './eventBatcher';
import { editorInteraction } from './interaction';
import type { Log } from './log';
import type { RunServices } from './models';
import { askInputs } from './parameters';
import { withAutoAnswers } from './autoTags';
import { editorHasModels } from './languageModels';
import { fromHereCheckpoint, jumpsOf } from './runFromHere';
import { forkForDebugging, type ForkRequest } from './debugFork';
import type { RunStatusBar } from './statusBar';
import { canRun } from './trust';
import type { WebviewHost } from './webviewHost';

export interface RunRequest {
  /** Inputs given by the caller: no prompts (missing parameters take their defaults). */
  inputs?: Record<string, unknown>;
  /** Model steps whose provider has no key here: ask (default), run them on the editor's model, or let them fail. */
  missingKeys?: 'ask' | 'editor' | 'fail';
}

/** What the run controller needs of the model access (client/models.ts). */
export interface ModelServices {
  forRun(reroute?: Map<string, string>): Promise<RunServices>;
  unconfigured(providers: string[]): Promise<string[]>;
  /** The providers that cannot be called, each with why (engine/models/readiness.ts). */
  unready(providers: string[]): Promise<{ provider: string; reason: string | null }[]>;
  keyless(provider: string): boolean;
  askAndStore(provider?: string): Promise<boolean>;
  /** The stored values of the variables the pipeline's connections name. */
  connectionSecrets?(pipeline: Pipeline | null): Promise<Record<string, string>>;
}

/** A run under the debugger: its hooks, its own Stop, and a listener for its events. */
export interface DebugAttachment {
  hooks: RunDebugger;
  signal: AbortSignal;
  listener: RunListener;
  maxParallel?: number;
}

interface ActiveRun {
  runId: string;
  controller: AbortController;
  done: Promise<ResultDocument | undefined>;
}

/** The top-level steps whose results the engine takes from the checkpoint rather than running them. */
function restoredSteps(c: Checkpoint): string[] {
  return Object.entries(c.steps)
    .filter(([k, r]) => !k.includes('/') && isFinal(r))
    .map(([k]) => k);
}

/** The analysis with an eval variant's models (a debugged eval case's), as `orc eval` runs it: no cache, a debugged step runs. */
function withVariantModels<A extends Analysis>(a: A, models: Record<string, string> | undefined): A {
  return models && Object.keys(models).length ? (variantAnalysis(a, { name: 'debug', models, parameters: {}, path: [] }, false) as A) : a;
}

function cancelledError(): Error {
  const e = new Error('The run was cancelled');
  e.name = 'CancelledError';
  return e;
}

/** Debugged runs whose models a Restart Frame fork can still take over (client/runController.ts `rememberReroute`). */
const REROUTES_KEPT = 32;

export class RunController implements vscode.Disposable {
  private readonly active = new Map<string, ActiveRun>();
  /** Debugged runs' providers sent to the editor's model (by run id): a Restart Frame fork runs as its parent did. */
  private readonly debugReroutes = new Map<string, Map<string, string>>();
  /** Runs followed from elsewhere (a served run, client/servedRunFollower.ts): Cancel Run asks their server. */
  private readonly followed = new Map<string, { runId: string; cancel: () => void }>();
  private readonly results = new Map<string, ResultDocument>();
  private refusal: string | undefined;

  constructor(
    private readonly host: WebviewHost,
    private readonly log: Log,
    private readonly status: RunStatusBar,
    /** The run's model runner and redactor (API keys from secret storage), read when a run starts. */
    private readonly models: ModelServices,
  ) {}

  lastResult(uri: string): ResultDocument | undefined {
    return this.results.get(uri);
  }

  isRunning(uri: string): boolean {
    return this.active.has(uri);
  }

  /** Whether the run with this id is running in this window. */
  isRunningId(runId: string): boolean {
    return [...this.active.values()].some((r) => r.runId === runId);
  }

  lastRefusal(): string | undefined {
    return this.refusal;
  }

  private refuse(reason: string, show = true, uri?: vscode.Uri): undefined {
    this.refusal = reason;
    this.log.line(`refused: ${reason}`);
    if (show) void vscode.window.showErrorMessage(reason);
    if (uri) this.host.notice(uri, show ? 'error' : 'info', reason);
    return undefined;
  }

  /** Run Pipeline. Resolves with the result document when the run ends; undefined when it did not start. */
  async run(uri: vscode.Uri, request: RunRequest = {}): Promise<ResultDocument | undefined> {
    const ready = await this.prepare(uri, request.missingKeys);
    if (!ready) return undefined;
    const { doc, analysis, reroute } = ready;
    let inputs = request.inputs;
    if (!inputs) {
      const params = analysis.pipeline!.parameters;
      inputs = params.length ? await askInputs(params, `Run ${analysis.pipeline!.id}`) : {};
      if (!inputs) return this.refuse('The run was not started: a parameter prompt was dismissed.', false);
    }
    // checked as `orc run` checks `-i` values, before anything starts (no panel reset, no record)
    try {
      resolveInputs(analysis.pipeline!.parameters, inputs);
    } catch (e) {
      if (e instanceof InputError) return this.refuse(`${analysis.pipeline!.id}: ${e.message} Nothing ran.`, true, uri);
      throw e;
    }
    return this.start(doc, analysis, { inputs }, [], undefined, reroute);
  }

  /** Debug Pipeline: the same checks and prompts as Run, then a run the debug adapter holds and
   * steps through; `refused` says why it did not start. */
  async debug(uri: vscode.Uri, inputs: Record<string, unknown> | undefined, attach: DebugAttachment, models?: Record<string, string>, missingKeys: RunRequest['missingKeys'] = 'ask'): Promise<{ done: Promise<ResultDocument | undefined> } | { refused: string }> {
    const ready = await this.prepare(uri, missingKeys, models);
    if (!ready) return { refused: this.refusal ?? 'The run was not started.' };
    const { doc, analysis } = ready;
    let given = inputs;
    if (!given) {
      const params = analysis.pipeline!.parameters;
      given = params.length ? await askInputs(params, `Debug ${analysis.pipeline!.id}`) : {};
      if (!given) return { refused: 'The run was not started: a parameter prompt was dismissed.' };
    }
    try {
      resolveInputs(analysis.pipeline!.parameters, given);
    } catch (e) {
      if (e instanceof InputError) return { refused: `${analysis.pipeline!.id}: ${e.message} Nothing ran.` };
      throw e;
    }
    return { done: this.start(doc, analysis, { inputs: given }, [], attach, ready.reroute) };
  }

  /** Restart Frame in a debugged run: a fork of the (stopped) run at a top-level step, as `orc fork`
   * makes it (client/debugFork.ts), debugged in its place; `refused` says why it did not start. The
   * fork runs on the models its parent ran on: the eval variant's (`models`, the session's launch
   * argument), and the editor's model for the providers the parent was sent there from. */
  async debugFork(uri: vscode.Uri, fork: ForkRequest, attach: DebugAttachment, models?: Record<string, string>): Promise<{ done: Promise<ResultDocument | undefined> } | { refused: string }> {
    const cwd = runFolder(uri);
    let made;
    try {
      made = forkForDebugging(cwd, fork);
    } catch (e) {
      return { refused: `Run ${fork.run} cannot be forked at '${fork.at}': ${(e as Error).message}` };
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(made.file));
    const reroute = this.debugReroutes.get(fork.run) ?? new Map<string, string>();
    const analysis = withVariantModels(made.analysis, models);
    this.log.line(`fork ${made.record.execution_id} of run ${fork.run} at '${fork.at}' (Restart Frame)${reroute.size ? `; steps on ${[...reroute.keys()].join(', ')} run on the editor's language model, as in run ${fork.run}` : ''}`);
    return { done: this.start(doc, analysis, { resume: made.record, cwd, forkSessions: made.sessions }, restoredSteps(made.record), attach, reroute) };
  }

  /** Run From Here: a new run that reuses the latest run's results for the steps before `stepId`. */
  async runFromHere(uri: vscode.Uri, stepId: string): Promise<ResultDocument | undefined> {
    const ready = await this.prepare(uri);
    if (!ready) return undefined;
    const { doc, analysis } = ready;
    if (!analysis.pipeline!.steps.some((s) => s.id === stepId)) return this.refuse(`Run From Here: '${stepId}' is not a top-level step of ${path.basename(uri.fsPath)}.`);
    const cwd = runFolder(uri);
    const latest = listRuns(cwd).find((r) => 'pipeline_file' in r && r.pipeline_file === uri.fsPath);
    if (!latest) {
      void vscode.window.showInformationMessage(`No earlier run of ${path.basename(uri.fsPath)} to reuse: running the whole pipeline.`);
      return this.run(uri);
    }
    let previous: Checkpoint;
    try {
      previous = loadCheckpoint(cwd, latest.execution_id);
    } catch (e) {
      return this.refuse(`Run From Here: the latest run cannot be read (${(e as Error).message}).`);
    }
    const text = doc.getText();
    const checkpoint = fromHereCheckpoint(previous, analysis.plan!, jumpsOf(analysis.pipeline!.steps), stepId, { executionId: newExecutionId(), sourceSha256: sha256(text), pipelineFile: uri.fsPath, now: new Date() });
    const reused = restoredSteps(checkpoint);
    this.log.line(`run from ${stepId}: reusing ${reused.length ? reused.join(', ') : 'nothing'} from run ${previous.execution_id}`);
    return this.start(doc, analysis, { resume: checkpoint }, reused, undefined, ready.reroute);
  }

  /** Resume Run: finishes a stopped, cancelled or crashed run (the editor's or the CLI's). */
  async resume(runId: string, folder: string): Promise<ResultDocument | undefined> {
    if (!canRun((r) => (this.refusal = r))) return undefined;
    let check: ResumeCheck;
    try {
      check = checkResume(folder, runId);
    } catch (e) {
      if (e instanceof CheckpointError) return this.refuse(e.message);
      throw e;
    }
    if (check.kind === 'never-recorded') return this.refuse(`Run ${runId} was stopped before its first record: there is nothing to resume.`);
    if (check.kind === 'mismatch') return this.refuse(`Run ${runId}: ${check.message}.`);
    if (check.kind === 'completed') {
      void vscode.window.showInformationMessage(`Run ${runId} already completed; nothing to resume.`);
      return check.resultJson === null ? undefined : (JSON.parse(check.resultJson) as ResultDocument);
    }
    if (check.kind === 'pipeline-gone') return this.refuse(`Run ${runId} ran ${check.file || 'a pipeline from standard input'}, which is not there any more.`);
    const file = check.file;
    const uri = vscode.Uri.file(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty) return this.refuse(`${path.basename(file)} has unsaved changes; save or revert them before resuming run ${runId}.`);
    if (check.kind === 'pipeline-changed') return this.refuse(`${path.basename(file)} has changed since run ${runId} started; resuming would mix two pipelines. Start a new run instead.`);
    const { source, checkpoint } = check;
    // the AUTO answers the run started with (from the lock; no call)
    const analysis = withLockedAutoAnswers(file, source, analyze(source));
    if (!analysis.pipeline || !analysis.plan || hasErrors(analysis.findings)) return this.refuse(`${path.basename(file)} does not compile; fix its errors first.`);
    if (this.active.has(uri.toString())) return this.refuse(`${path.basename(file)} is already running.`);
    const reused = restoredSteps(checkpoint);
    return this.start(doc, analysis, { resume: checkpoint, cwd: folder }, reused);
  }

  /** A run of this document followed from elsewhere: until the returned disposable goes, Cancel Run
   * (when no local run of the document is in progress) calls `cancel`. */
  follow(uri: vscode.Uri, runId: string, cancel: () => void): vscode.Disposable {
    const key = uri.toString();
    const entry = { runId, cancel };
    this.followed.set(key, entry);
    return new vscode.Disposable(() => {
      if (this.followed.get(key) === entry) this.followed.delete(key);
    });
  }

  cancel(uri: vscode.Uri): boolean {
    const run = this.active.get(uri.toString());
    if (!run) {
      const followed = this.followed.get(uri.toString());
      followed?.cancel();
      return Boolean(followed);
    }
    this.log.line(`cancelling run ${run.runId}`);
    run.controller.abort(cancelledError());
    return true;
  }

  /** Checks trust, the document (saved, compiles) and that it is not running already. */
  private async prepare(uri: vscode.Uri, missingKeys: RunRequest['missingKeys'] = 'ask', models?: Record<string, string>): Promise<{ doc: vscode.TextDocument; analysis: Analysis; reroute: Map<string, string> } | undefined> {
    if (!canRun((r) => (this.refusal = r))) {
      this.log.line(`refused: ${this.refusal}`);
      this.host.notice(uri, 'warning', this.refusal!);
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty) {
      const pick = await vscode.window.showWarningMessage(`${path.basename(uri.fsPath)} has unsaved changes. A run reads the file on disk.`, { modal: true }, 'Save and Run');
      if (pick !== 'Save and Run') return this.refuse('The run was not started: the document has unsaved changes.', false);
      if (!(await doc.save())) return this.refuse(`${path.basename(uri.fsPath)} could not be saved.`);
    }
    const key = uri.toString();
    const running = this.active.get(key);
    if (running) {
      const pick = await vscode.window.showWarningMessage(`${path.basename(uri.fsPath)} is already running (run ${running.runId}).`, { modal: true }, 'Cancel It and Run Again');
      if (pick !== 'Cancel It and Run Again') return this.refuse('The run was not started: the pipeline is already running.', false);
      running.controller.abort(cancelledError());
      await running.done;
    }
    const compiled = analyze(doc.getText());
    const errors = compiled.findings.filter((f) => f.severity === 'error');
    if (!compiled.pipeline || !compiled.plan || errors.length) {
      const first = errors[0];
      return this.refuse(`${path.basename(uri.fsPath)} does not compile (${errors.length} error${errors.length === 1 ? '' : 's'}${first ? `; line ${first.range.start.line + 1}: ${first.message}` : ''}): nothing ran.`);
    }
    // an eval case debugged in its variant: the variant's models, as `orc eval` runs it (no cache:
    // a debugged step runs), checked for keys below like the file's own
    const analysis = withVariantModels(compiled, models);
    // model steps that cannot call any model of their chain here: the editor's own model may run them
    // instead. A chain with one callable model runs (the models before it are passed over, 'not
    // configured'); a chain of one model counts when that model cannot be called.
    const reroute = new Map<string, string>();
    const unready = missingKeys === 'fail' ? [] : await this.blockingProviders(analysis.pipeline!, settings(uri).models.default);
    const missing = unready.map((u) => u.provider);
    if (missing.length) {
      const names = missing.join(', ');
      // "no API key for openai (set OPENAI_API_KEY); no Ollama answers at http://127.0.0.1:11434/v1"
      const why = unready.map((u) => u.reason).join('; ');
      const keyed = missing.filter((p) => !this.models.keyless(p));
      let choice: string | undefined = missingKeys === 'editor' ? 'editor' : undefined;
      if (!choice) {
        const pick = await vscode.window.showWarningMessage(`${analysis.pipeline!.id} has model steps on ${names}, and here ${why}.`, { modal: true, detail: `Run those steps with the editor's own language model (vscode:*)${keyed.length ? ', or store a key (Set API Key)' : ''}.` }, "Use the Editor's Model", ...(keyed.length ? ['Set API Key'] : []));
        choice = pick === "Use the Editor's Model" ? 'editor' : pick === 'Set API Key' ? 'key' : undefined;
      }
      if (!choice) return this.refuse(`The run was not started: ${why}.`, false, uri);
      if (choice === 'key') {
        if (keyed.length < missing.length) return this.refuse(`The run was not started: ${unready.filter((u) => this.models.keyless(u.provider)).map((u) => u.reason).join('; ')} (it takes no key: start it, or set its address).`, false, uri);
        for (const p of missing) if (!(await this.models.askAndStore(p))) return this.refuse(`The run was not started: no API key for ${p}.`, false, uri);
      } else {
        if (!(await editorHasModels())) return this.refuse(`Here ${why}, and the editor offers no language model to run those steps instead (is GitHub Copilot, or another model provider, installed and signed in?).`, true, uri);
        for (const p of missing) reroute.set(p, 'vscode:*');
        this.log.line(`steps on ${names} run on the editor's language model (${why})`);
      }
    }
    // AUTO tags answered before the run: the lock's answers, the missing ones asked now
    const auto = await withAutoAnswers(doc, analysis, await this.models.forRun(reroute), this.log);
    if ('refused' in auto) return this.refuse(auto.refused, true, uri);
    return { doc, analysis: auto.analysis, reroute };
  }

  /** A debugged run's providers sent to the editor's model, for a Restart Frame fork of it (and a fork of that fork); the latest few runs only. */
  private rememberReroute(runId: string, reroute: Map<string, string>): void {
    this.debugReroutes.delete(runId);
    if (!reroute.size) return;
    this.debugReroutes.set(runId, reroute);
    if (this.debugReroutes.size > REROUTES_KEPT) this.debugReroutes.delete(this.debugReroutes.keys().next().value!);
  }

  /** The providers that cannot be called here and that some chain cannot do without, each with why. */
  private async blockingProviders(pipeline: Pipeline, defaultModel: string | null): Promise<{ provider: string; reason: string | null }[]> {
    const registry = registryOrShipped(process.env.ORC_MODEL_REGISTRY || undefined);
    const chains = modelChainsOf(pipeline, defaultModel, (m) => registry.find((r) => r.id === m)?.fallbacks);
    const all = await this.models.unready(chainProviders(chains));
    const reasons = new Map(all.map((u) => [u.provider, u.reason ?? 'cannot be called here']));
    // the editor's own models (vscode:) are always there; the model layer leaves them out of `unready`
    const blocking = new Set(unusableChains(chains, reasons).flatMap((c) => c.chain.map((m) => m.slice(0, m.indexOf(':')))));
    return all.filter((u) => blocking.has(u.provider));
  }

  private start(doc: vscode.TextDocument, analysis: Analysis, how: { inputs?: Record<string, unknown>; resume?: Checkpoint; cwd?: string; forkSessions?: ForkSessions }, reused: string[], debug?: DebugAttachment, reroute: Map<string, string> = new Map()): Promise<ResultDocument | undefined> {
    const uri = doc.uri;
    const key = uri.toString();
    const pipeline = analysis.pipeline!;
    const cwd = how.cwd ?? runFolder(uri);
    const conf = settings(uri);
    const controller = new AbortController();
    // the debugger's Stop cancels the run like Cancel Run does
    if (debug) debug.signal.addEventListener('abort', () => controller.abort(debug.signal.reason), { once: true });
    const runId = how.resume?.execution_id ?? newExecutionId();
    if (debug) this.rememberReroute(runId, reroute);
    // the latest request started: there is no refusal to report
    this.refusal = undefined;
    if (conf.openPanelOnRun) this.host.show(uri);
    this.host.runStarted(uri, runId, reused);
    const batcher = new EventBatcher((events) => this.host.runEvents(uri, runId, events));
    const total = analysis.plan!.executionOrder.length;
    const topLevel = new Set(analysis.plan!.executionOrder);
    // steps an earlier run supplies (Resume, Run From Here) count as done from the start
    let done = reused.filter((id) => topLevel.has(id)).length;
    this.status.started(pipeline.id, uri, total);
    this.status.progress(done, total);
    this.log.line(`${how.resume ? 'resuming' : 'running'} ${pipeline.id} (${uri.fsPath}) as run ${runId} in ${cwd}`);

    let report: ((p: { message?: string; increment?: number }) => void) | null = null;
    // every line of this run's log passes the run's redactor (it knows the stored API keys too)
    let redact = (t: string) => t;
    const line = (t: string) => this.log.line(redact(t));
    const listener = (e: RunEvent) => {
      batcher.push(e);
      switch (e.type) {
        case 'step-started':
          if (!e.scope.length) line(`▶ ${e.stepId}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
          break;
        case 'attempt-failed':
          line(`  ${e.stepId}: attempt ${e.attempt} failed: ${e.errorType}: ${e.error}${e.retryInMs !== null ? `; retrying in ${e.retryInMs} ms` : ''}`);
          break;
        case 'step-ended':
          if (!e.scope.length && topLevel.has(e.stepId)) {
            if (e.result.status !== 'cancelled') done++;
            this.status.progress(done, total);
            report?.({ message: `${done}/${total} steps · ${e.stepId} ${e.result.status}`, increment: 100 / Math.max(1, total) });
            line(`${e.result.status === 'completed' ? '✓' : e.result.status === 'failed' ? '✗' : '–'} ${e.stepId} ${e.result.status}${e.result.duration_ms != null ? ` in ${e.result.duration_ms} ms` : ''}${e.result.error ? `: ${e.result.error_type ?? 'Error'}: ${e.result.error}` : ''}`);
          }
          break;
        case 'warning':
          line(`warning${e.stepId ? ` (${e.stepId})` : ''}: ${e.message}`);
          break;
        default:
          break;
      }
    };

    const execution = (async (): Promise<ResultDocument | undefined> => {
      try {
        const services = await this.models.forRun(reroute);
        redact = (t) => services.redactor.text(t);
        // orchestrator.redis.url: the steps go to `orc worker` processes (not while debugging)
        const remote = conf.redisUrl && !debug ? await RemoteAttempts.open({ url: conf.redisUrl, pipelineSha256: sha256(analysis.text), steps: analysis.pipeline?.steps ?? [], resume: Boolean(how.resume) }) : undefined;
        // orchestrator.telemetry.otlpEndpoint and OTEL_*: the run's trace and metrics (docs/telemetry.md)
        const traceTo = { pipelineId: pipeline.id, endpoints: conf.otlpEndpoint, warn: line };
        const doc = await runTraced({
          attempts: remote,
          cwd,
          inputs: how.inputs,
          resume: how.resume,
          ...(how.forkSessions ? { forkSessions: how.forkSessions } : {}),
          executionId: runId,
          maxParallel: how.resume ? undefined : (debug?.maxParallel ?? conf.maxParallel),
          pipelineFile: uri.fsPath,
          source: analysis.text,
          signal: controller.signal,
          listeners: debug ? [listener, debug.listener] : [listener],
          debugger: debug?.hooks,
          predict: true,
          defaultModel: conf.models.default,
          orchestrator: orchestratorOf(pipeline) ?? conf.models.orchestrator,
          models: services.models,
          redactor: services.redactor,
          connectionSecrets: await this.models.connectionSecrets?.(pipeline),
          // the human-in-the-loop steps ask in the editor (Run and Debug alike)
          interaction: editorInteraction(),
        }, traceTo, (o) => runPipeline(analysis, o)).finally(() => remote?.close());
        batcher.flush();
        this.results.set(key, doc);
        // where the time went: the panel's timeline, with the critical path as it ran
        try {
          const shape = planShape(analysis.plan!);
          const used = how.resume?.max_parallel ?? debug?.maxParallel ?? conf.maxParallel ?? pipeline.context.maxParallel ?? DEFAULT_MAX_PARALLEL;
          this.host.report(uri, doc.execution_id, buildReport({ doc, deps: shape.deps, maxParallel: used, widestLevel: shape.widest, history: loadHistory(cwd, pipeline.id) }));
        } catch (e) {
          line(`the run's report could not be made: ${(e as Error).message}`);
        }
        this.status.ended(doc.status);
        line(`run ${doc.execution_id} ${doc.status} in ${doc.duration_ms} ms; record: ${path.join(cwd, '.orchestrator', 'runs', doc.execution_id)}`);
        if (doc.status === 'failed') {
          void vscode.window.showErrorMessage(`${pipeline.id} failed: ${doc.failed_steps.join(', ') || 'a step reported failure'}.`, 'Show Graph', 'Show Log').then((pick) => {
            if (pick === 'Show Graph') this.host.show(uri, false);
            if (pick === 'Show Log') this.log.show();
          });
        }
        return doc;
      } catch (e) {
        batcher.flush();
        this.status.ended('failed');
        if (e instanceof InputError) return this.refuse(`${pipeline.id}: ${e.message}`);
        line(`run ${runId} crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        void vscode.window.showErrorMessage(redact(`${pipeline.id}: the run stopped with an internal error: ${e instanceof Error ? e.message : String(e)}`));
        return undefined;
      } finally {
        if (this.active.get(key)?.runId === runId) this.active.delete(key);
      }
    })();

    this.active.set(key, { runId, controller, done: execution });
    // a debugged run has the debug toolbar (Stop) and no progress notification over the editor
    if (debug) return execution;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Running ${pipeline.id}`, cancellable: true },
      (progress, token) => {
        report = (p) => progress.report(p);
        token.onCancellationRequested(() => this.cancel(uri));
        return execution;
      },
    );
    return execution;
  }

  /** What the next run of a document is predicted to take: earlier runs in its run folder, the registry's prices. */
  async predict(uri: vscode.Uri): Promise<Prediction | null> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const a = analyze(doc.getText());
    if (!a.pipeline || !a.plan || hasErrors(a.findings)) return null;
    let inputs: Record<string, unknown> = {};
    try {
      inputs = resolveInputs(a.pipeline.parameters, {});
    } catch {
      // a required parameter without a default: prompts render without it
    }
    const maxParallel = settings(uri).maxParallel ?? a.pipeline.context.maxParallel ?? DEFAULT_MAX_PARALLEL;
    return predict(a.pipeline, a.plan, { maxParallel, inputs, registry: registryOrShipped(process.env.ORC_MODEL_REGISTRY || undefined), history: loadHistory(runFolder(uri), a.pipeline.id) });
  }

  /** Runs in the pipeline's run folder, for the Resume quick pick. */
  pickableRuns(folder: string) {
    return listRuns(folder);
  }

  dispose(): void {
    for (const run of this.active.values()) run.controller.abort(cancelledError());
  }
}
