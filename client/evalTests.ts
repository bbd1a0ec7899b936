// Evals in VS Code's Test Explorer: every `*.eval.yaml` in the workspace is a test item, its
// variants its children and their cases theirs (file → variant → case). Run runs the engine's
// runEval (the call `orc eval` makes, same records in `.orchestrator/evals/`) for what was picked;
// each case's result goes to the Testing API: passed or failed with its duration, and for each
// failed assertion a TestMessage with expected and actual (a diff) at the assertion's line in the
// eval file (an agent's calls one a line, so the diff lines them up call by call). Debug starts our debugger on one case's run: the pipeline with that case's inputs.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeEval, readRunResult, type ResultDocument, type AssertionResult, type BaselineComparison, caseInputs, type CaseResult, compareWithBaseline, CoverageCollector, coverageLine, toLcov, DatasetError, type EvalAnalysis, evalHasErrors, EvalInputError, type EvalMeta, evalOutline, EvalRecord, previousEval, runEval, TRAJECTORY_KINDS } from '../engine/api/index';
import { runFolder } from './configuration';
import { debugConfiguration } from './debugging';
import { EvalContinuousRuns } from './evalContinuous';
import { EvalTestActions, evalTag, evalTags, OFFLINE_TAG_ID, SEP } from './evalTestActions';
import type { EvalTestMessage } from './api';
import { trippedGuardMessages } from './evalGuardMessages';
import type { Log } from './log';
import type { RunServices } from './models';
import { canRun } from './trust';
import { addCaseCoverage, fileCoverage, servePerTestCoverage } from './evalCoverage';
import { CaseCoverage } from './evalCaseCoverage';
import { cassetteMisses, evalCassetteFile, missMessage } from './evalReplay';

/** One finished (or stopped) eval as the panel shows it. */
export interface EvalOutcomeView {
  uri: vscode.Uri;
  root: string;
  meta: EvalMeta;
  results: CaseResult[];
  baseline: BaselineComparison | null;
  /** The pipeline's top-level agent steps, in order (a cell opens its run with one selected). */
  agentSteps: string[];
  /** A run on the Coverage profile: the lcov text and the statements given to VS Code (1-based lines). */
  coverage?: { lcov: string; statements: { line: number; executed: number; branches: { label: string; executed: number }[] }[] };
}

/** What to run of one eval file: all variants / cases when the lists are empty. */
export interface EvalSelection {
  variants: string[];
  cases: string[];
}

const caseId = (file: string, variant: string, c: string) => `${file}${SEP}${variant}${SEP}${c}`;
const variantId = (file: string, variant: string) => `${file}${SEP}${variant}`;

function show(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

/**
 * A side of an assertion's diff. A trajectory's calls (the engine's list of `filesystem.list`,
 * `filesystem.read {"path":"a.md"}`, `filesystem.write (denied)`) are one call a line, as written:
 * the diff then lines the expected calls up with the actual ones, where a JSON array would quote
 * and escape every one. Anything else is its text, or indented JSON.
 */
export function diffSide(a: Pick<AssertionResult, 'kind'>, v: unknown): string {
  if (TRAJECTORY_KINDS.has(a.kind) && Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.length ? v.join('\n') : '(no tool calls)';
  return show(v);
}

/** A message as the automation API reports it. */
function messageView(m: vscode.TestMessage): EvalTestMessage {
  const text = typeof m.message === 'string' ? m.message : m.message.value;
  return { message: text, expected: m.expectedOutput ?? null, actual: m.actualOutput ?? null, line: m.location ? m.location.range.start.line : null };
}

/** A failed assertion as the Testing API shows it: a diff of expected and actual at its line. */
export function assertionMessage(a: AssertionResult, evalUri: vscode.Uri): vscode.TestMessage {
  const text = `${a.kind}${a.target ? ` on ${a.target}` : ''}${a.status === 'error' ? ' (error)' : ''}: ${a.reason}`;
  const m = a.expected !== undefined || a.actual !== undefined ? vscode.TestMessage.diff(text, diffSide(a, a.expected), diffSide(a, a.actual)) : new vscode.TestMessage(text);
  if (a.line >= 0) m.location = new vscode.Location(evalUri, new vscode.Position(a.line, 0));
  return m;
}

export class EvalTests implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('orchestrator.evals', 'Orchestrator Evals');
  private readonly disposables: vscode.Disposable[] = [this.controller];
  private readonly outcomes = new Map<string, EvalOutcomeView>();
  /** What the latest run of each case item gave the Test Explorer, by the item's id. */
  private readonly given = new Map<string, { case: string; variant: string; messages: EvalTestMessage[] }>();
  private readonly finished = new vscode.EventEmitter<EvalOutcomeView>();
  /** An eval ended (its results, for the panel). */
  readonly onDidFinish = this.finished.event;
  private readonly discovered: Promise<void>;
  readonly replayProfile: vscode.TestRunProfile;
  /** Stack traces, context values and the actions on a failed case's messages (evalTestActions.ts). */
  readonly actions = new EvalTestActions();
  readonly continuous = new EvalContinuousRuns({ controller: this.controller, refresh: (u) => this.refresh(u), runReplay: (r, t) => this.runRequest(r, t, { replay: true }) });

  constructor(
    private readonly models: { forRun(): Promise<RunServices> },
    private readonly log: Log,
  ) {
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (r, t) => this.runRequest(r, t), true);
    // every model call (the judges' too) answered from NAME.cassette.jsonl, as `orc eval --replay`: offline, free;
    // for the items tagged offline, and continuously (re-runs what a save affects: evalContinuous.ts)
    this.replayProfile = this.controller.createRunProfile('Run (replay)', vscode.TestRunProfileKind.Run, (r, t) => (r.continuous ? this.continuous.start(r, t) : this.runRequest(r, t, { replay: true })), false, evalTag(OFFLINE_TAG_ID), true);
    this.controller.createRunProfile('Debug', vscode.TestRunProfileKind.Debug, (r, t) => this.debugRequest(r, t), true);
    // which steps, branches, failure policies, loop shapes and agent tools the cases exercised, on the pipeline's YAML
    this.coverageProfile = this.controller.createRunProfile('Coverage', vscode.TestRunProfileKind.Coverage, (r, t) => this.runRequest(r, t, { coverage: true }), true);
    this.coverageProfile.loadDetailedCoverage = async (_run, file) => this.coverageDetails.get(file) ?? [];
    servePerTestCoverage(this.coverageProfile);
    // the same coverage from the cassette (`orc eval --replay --coverage`): offline and free, for the items tagged offline
    this.replayCoverageProfile = this.controller.createRunProfile('Coverage (replay)', vscode.TestRunProfileKind.Coverage, (r, t) => this.runRequest(r, t, { coverage: true, replay: true }), false, evalTag(OFFLINE_TAG_ID));
    this.replayCoverageProfile.loadDetailedCoverage = async (_run, file) => this.coverageDetails.get(file) ?? [];
    servePerTestCoverage(this.replayCoverageProfile);
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discoverAll();
    };
    this.controller.refreshHandler = () => this.discoverAll();
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.eval.{yaml,yml}');
    this.disposables.push(
      watcher,
      watcher.onDidCreate((u) => void this.refresh(u)),
      watcher.onDidChange((u) => void this.refresh(u)),
      watcher.onDidDelete((u) => this.controller.items.delete(u.toString())),
      vscode.workspace.onDidSaveTextDocument((d) => (/\.eval\.ya?ml$/i.test(d.fileName) ? void this.refresh(d.uri) : undefined)),
      ...this.actions.watchCassettes((u) => this.refresh(u)),
      this.finished,
    );
    this.discovered = this.discoverAll();
  }

  /** Resolves once the workspace's eval files are listed. */
  ready(): Promise<void> {
    return this.discovered;
  }

  lastOutcome(uri: vscode.Uri): EvalOutcomeView | undefined {
    return this.outcomes.get(uri.toString());
  }

  /** The messages the latest run of each case of this eval file gave the Test Explorer (none: it passed). */
  testMessages(uri: vscode.Uri): { case: string; variant: string; messages: EvalTestMessage[] }[] {
    const prefix = `${uri.toString()}${SEP}`;
    return [...this.given].filter(([id]) => id.startsWith(prefix)).map(([, v]) => v);
  }

  private async discoverAll(): Promise<void> {
    const files = await vscode.workspace.findFiles('**/*.eval.{yaml,yml}', '**/{node_modules,.orchestrator}/**');
    await Promise.all(files.map((f) => this.refresh(f)));
  }

  private read(uri: vscode.Uri): { text: string; analysis: EvalAnalysis } {
    // an open document's unsaved edits are what the person sees; otherwise the file on disk (an
    // open document catches up with a change on disk after the watcher has told us)
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && d.isDirty);
    const text = open ? open.getText() : readFileSync(uri.fsPath, 'utf8');
    return { text, analysis: analyzeEval(text, uri.fsPath) };
  }

  /** (Re)lists one eval file's variants and cases. */
  async refresh(uri: vscode.Uri): Promise<vscode.TestItem | undefined> {
    let read: { text: string; analysis: EvalAnalysis };
    try {
      read = this.read(uri);
    } catch {
      this.controller.items.delete(uri.toString());
      return undefined;
    }
    const id = uri.toString();
    const file = this.controller.items.get(id) ?? this.controller.createTestItem(id, path.basename(uri.fsPath), uri);
    file.range = new vscode.Range(0, 0, 0, 0);
    // offline (a cassette to replay) or live, on every item of the file
    const tags = (file.tags = evalTags(uri.fsPath));
    const first = read.analysis.findings.find((f) => f.severity === 'error');
    file.error = first ? new vscode.MarkdownString(`The eval does not compile: line ${first.range.start.line + 1}: ${first.message}`) : undefined;
    const outline = await evalOutline(read.analysis, read.text);
    const variants = outline.variants.map((v) => {
      // the items already listed are kept (a refresh, as when the Test Explorer opens, must not drop
      // the last run's trials and its flaky mark)
      const item = file.children.get(variantId(id, v.name)) ?? this.controller.createTestItem(variantId(id, v.name), v.name, uri);
      item.range = new vscode.Range(v.line, 0, v.line, 0);
      item.tags = tags;
      item.children.replace(
        outline.cases.map((c) => {
          const kept = item.children.get(caseId(id, v.name, c.id));
          const ci = kept && kept.uri?.fsPath === c.file ? kept : this.controller.createTestItem(caseId(id, v.name, c.id), c.id, vscode.Uri.file(c.file));
          ci.range = new vscode.Range(c.line, 0, c.line, 0);
          ci.tags = tags;
          ci.description = c.skip ? `skip: ${c.skip}` : ci.description?.startsWith('flaky') ? ci.description : undefined;
          return ci;
        }),
      );
      return item;
    });
    file.children.replace(variants);
    file.description = outline.truncated ? `first ${outline.cases.length} cases listed` : undefined;
    this.controller.items.add(file);
    return file;
  }

  /** What each eval file of a request runs. */
  private selections(items: readonly vscode.TestItem[]): Map<string, EvalSelection[]> {
    const byFile = new Map<string, { whole: boolean; variants: Set<string>; cases: Map<string, Set<string>> }>();
    for (const item of items) {
      const [file, variant, c] = item.id.split(SEP);
      const s = byFile.get(file) ?? { whole: false, variants: new Set<string>(), cases: new Map<string, Set<string>>() };
      byFile.set(file, s);
      if (variant === undefined) s.whole = true;
      else if (c === undefined) s.variants.add(variant);
      else s.cases.set(variant, (s.cases.get(variant) ?? new Set<string>()).add(c));
    }
    const out = new Map<string, EvalSelection[]>();
    for (const [file, s] of byFile) {
      if (s.whole) {
        out.set(file, [{ variants: [], cases: [] }]);
        continue;
      }
      const jobs: EvalSelection[] = s.variants.size ? [{ variants: [...s.variants], cases: [] }] : [];
      for (const [v, cs] of s.cases) if (!s.variants.has(v)) jobs.push({ variants: [v], cases: [...cs] });
      out.set(file, jobs);
    }
    return out;
  }

  private caseItems(fileId: string, sel: EvalSelection): vscode.TestItem[] {
    const file = this.controller.items.get(fileId);
    if (!file) return [];
    const out: vscode.TestItem[] = [];
    file.children.forEach((v) => {
      if (sel.variants.length && !sel.variants.includes(v.label)) return;
      v.children.forEach((c) => {
        if (!sel.cases.length || sel.cases.includes(c.label)) out.push(c);
      });
    });
    return out;
  }

  /** Run Eval from a lens or the palette: the whole file, or one variant, in the Test Explorer's run. */
  async runEvalFile(uri: vscode.Uri, only: { variant?: string; case?: string; replay?: boolean; coverage?: boolean } = {}): Promise<EvalOutcomeView | undefined> {
    const file = (await this.refresh(uri)) ?? undefined;
    if (!file) return undefined;
    // a variant, a cell (case and variant), a row (a case in every variant), or the whole file
    const targets: vscode.TestItem[] = [];
    file.children.forEach((v) => {
      if (only.variant && v.label !== only.variant) return;
      if (!only.case) return void targets.push(v);
      const c = v.children.get(caseId(file.id, v.label, only.case));
      if (c) targets.push(c);
    });
    const whole = !only.variant && !only.case;
    const request = new vscode.TestRunRequest(whole || !targets.length ? [file] : targets, undefined, only.coverage ? (only.replay ? this.replayCoverageProfile : this.coverageProfile) : undefined);
    const cts = new vscode.CancellationTokenSource();
    try {
      await this.runRequest(request, cts.token, { replay: only.replay, coverage: only.coverage });
    } finally {
      cts.dispose();
    }
    return this.outcomes.get(uri.toString());
  }

  private readonly coverageProfile: vscode.TestRunProfile;
  readonly replayCoverageProfile: vscode.TestRunProfile;
  private readonly coverageDetails = new WeakMap<vscode.FileCoverage, vscode.StatementCoverage[]>();

  async runRequest(request: vscode.TestRunRequest, token: vscode.CancellationToken, how: { replay?: boolean; coverage?: boolean } = {}): Promise<void> {
    const items: vscode.TestItem[] = [];
    if (request.include) items.push(...request.include);
    else this.controller.items.forEach((i) => void items.push(i));
    const run = this.controller.createTestRun(request, how.replay ? 'Eval (replay)' : 'Eval', true);
    try {
      if (!canRun(() => undefined)) {
        for (const i of items) run.skipped(i);
        run.appendOutput('This workspace is in Restricted Mode: an eval runs pipelines, so it needs a trusted workspace.\r\n');
        return;
      }
      for (const [fileId, jobs] of this.selections(items)) {
        for (const sel of jobs) {
          if (token.isCancellationRequested) return;
          await this.runSelection(vscode.Uri.parse(fileId), sel, run, token, how.replay ?? false, how.coverage ?? request.profile?.kind === vscode.TestRunProfileKind.Coverage);
        }
      }
    } finally {
      run.end();
    }
  }

  private async runSelection(uri: vscode.Uri, sel: EvalSelection, run: vscode.TestRun, token: vscode.CancellationToken, replay: boolean, withCoverage = false): Promise<void> {
    const fileId = uri.toString();
    const { text, analysis } = this.read(uri);
    const file = this.controller.items.get(fileId);
    if (evalHasErrors(analysis)) {
      const first = analysis.findings.find((f) => f.severity === 'error');
      const m = new vscode.TestMessage(`The eval does not compile${first ? `: line ${first.range.start.line + 1}: ${first.message}` : ''}`);
      if (first) m.location = new vscode.Location(uri, new vscode.Range(first.range.start.line, first.range.start.character, first.range.end.line, first.range.end.character));
      if (file) run.errored(file, m);
      return;
    }
    const cases = this.caseItems(fileId, sel);
    for (const c of cases) run.enqueued(c);
    const byKey = new Map(cases.map((c) => [c.id, c]));
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    const root = runFolder(uri);
    const results: CaseResult[] = [];
    const noVariants = !analysis.eval!.variants.length;
    const cassette = replay ? evalCassetteFile(uri.fsPath) : null;
    if (cassette) run.appendOutput(`replaying ${path.basename(cassette)}: no model is called\r\n`);
    const pipelinePath = analysis.eval!.pipeline;
    const coverage = withCoverage ? new CoverageCollector(analysis.pipeline!, path.relative(root, pipelinePath)) : null;
    // and each case's own (per-test coverage: which case covered which step)
    const byCase = withCoverage ? new CaseCoverage<vscode.TestItem>(analysis.pipeline!, path.relative(root, pipelinePath)) : null;
    try {
      const services = await this.models.forRun();
      const outcome = await runEval({
        root,
        analysis,
        evalText: text,
        models: services.models,
        signal: controller.signal,
        onlyVariants: noVariants ? [] : sel.variants,
        onlyCases: sel.cases,
        ...(cassette ? { cassette: { mode: 'replay' as const, file: cassette } } : {}),
        ...(coverage ? { onRun: (doc: ResultDocument) => void (coverage.add(doc), byCase?.run(doc)) } : {}),
        onStart: () => cases.forEach((c) => run.started(c)),
        onResult: (r) => {
          results.push(r);
          const item = byKey.get(caseId(fileId, r.variant, r.case));
          byCase?.result(item, r);
          const repeat = analysis.eval!.repeat > 1 ? ` (repeat ${r.repeat + 1})` : '';
          run.appendOutput(`${r.case} [${r.variant}]${repeat}: ${r.status}, score ${r.score.toFixed(2)}, ${r.latency_ms} ms${r.run_id ? `, run ${r.run_id}` : ''}\r\n`, undefined, item);
          if (!item) return;
          if (r.trials) this.trialResults(run, item, r);
          // a replayed case that missed the cassette says so first: which case, which calls
          const misses = cassette && r.status !== 'pass' && r.status !== 'skipped' ? cassetteMisses(r, this.caseRun(root, r.run_id)) : [];
          const missed = misses.length ? [new vscode.TestMessage(missMessage(r, misses, cassette!))] : [];
          let messages: vscode.TestMessage[] = [];
          if (r.quarantined) run.skipped(item);
          else if (r.status === 'pass') run.passed(item, r.latency_ms);
          else if (r.status === 'skipped') run.skipped(item);
          else if (r.status === 'error') run.errored(item, (messages = missed.concat(r.assertions.filter((a) => a.status === 'error').map((a) => assertionMessage(a, uri)).concat(r.error ? [new vscode.TestMessage(r.error)] : []))), r.latency_ms);
          else {
            const failed = r.assertions.filter((a) => !a.pass);
            // and each guard of the pipeline that acted on the case's run, at its line
            const guarded = trippedGuardMessages(analysis.pipeline, vscode.Uri.file(pipelinePath), this.caseRun(root, r.run_id));
            messages = missed.concat(failed.length ? failed.map((a) => assertionMessage(a, uri)) : guarded.length ? [] : [new vscode.TestMessage(`The case's run ended ${r.run_status ?? 'without a result'}.`)], guarded);
            run.failed(item, messages, r.latency_ms);
          }
          // each message's stack trace (tool call, step, pipeline) and what can be done with it
          this.actions.decorate(item.id, r, messages, { root, evalUri: uri, pipelineUri: vscode.Uri.file(pipelinePath), pipeline: analysis.pipeline, doc: messages.length ? this.caseRun(root, r.run_id) : null });
          this.given.set(item.id, { case: r.case, variant: r.variant, messages: messages.map(messageView) });
        },
      });
      const s = outcome.summary;
      run.appendOutput(`eval ${outcome.record.meta.eval_id}: ${s.passed}/${s.total} passed, threshold ${s.threshold}: ${s.verdict}\r\n`);
      let baseline: BaselineComparison | null = null;
      const prev = previousEval(root, outcome.record.meta);
      if (prev) baseline = await compareWithBaseline(outcome.record, EvalRecord.open(root, prev.eval_id)).catch(() => null);
      const agentSteps = (analysis.pipeline?.pipeline?.steps ?? []).filter((st) => st.agent).map((st) => st.id);
      const view: EvalOutcomeView = { uri, root, meta: outcome.record.meta, results, baseline, agentSteps };
      if (coverage) view.coverage = this.addCoverage(run, coverage, pipelinePath, byCase);
      this.outcomes.set(fileId, view);
      this.finished.fire(view);
    } catch (e) {
      if (!(e instanceof EvalInputError || e instanceof DatasetError)) this.log.line(`eval ${uri.fsPath} failed: ${(e as Error).stack ?? e}`);
      const m = new vscode.TestMessage((e as Error).message);
      for (const c of cases) run.errored(c, m);
    } finally {
      sub.dispose();
    }
  }

  /** The collected coverage given to the run (and kept for the details VS Code asks for when the file is opened). */
  private addCoverage(run: vscode.TestRun, coverage: CoverageCollector, pipelinePath: string, byCase: CaseCoverage<vscode.TestItem> | null): NonNullable<EvalOutcomeView['coverage']> {
    const report = coverage.report();
    const text = readFileSync(pipelinePath, 'utf8');
    const { file, details } = fileCoverage(report, vscode.Uri.file(pipelinePath), text);
    this.coverageDetails.set(file, details);
    if (byCase) addCaseCoverage(file, text, byCase);
    run.addCoverage(file);
    const count = (x: number | boolean) => (typeof x === 'number' ? x : x ? 1 : 0);
    const statements = details.map((d) => ({ line: (d.location as vscode.Range).start.line + 1, executed: count(d.executed), branches: d.branches.map((b) => ({ label: b.label ?? '', executed: count(b.executed) })) }));
    run.appendOutput(`${coverageLine(report)}\r\n`);
    return { lcov: toLcov(report), statements };
  }

  /**
   * A case run in trials: each trial a child of the case's item, passed or failed as it went; the
   * case says `flaky` when its trials disagreed, and its output line gives the rate and pass@k/pass^k.
   */
  private trialResults(run: vscode.TestRun, item: vscode.TestItem, r: CaseResult): void {
    const t = r.trials!;
    const children = t.runs.map((x) => {
      const child = this.controller.createTestItem(`${item.id}${SEP}#${x.trial}`, `trial ${x.trial}`, item.uri);
      child.range = item.range;
      child.tags = item.tags;
      return child;
    });
    item.children.replace(children);
    t.runs.forEach((x, i) => {
      const child = children[i];
      run.started(child);
      if (x.status === 'pass') run.passed(child, x.latency_ms);
      else if (x.status === 'error') run.errored(child, new vscode.TestMessage(`trial ${x.trial} could not be judged`), x.latency_ms);
      else run.failed(child, new vscode.TestMessage(`trial ${x.trial} failed${x.run_id ? ` (run ${x.run_id})` : ''}`), x.latency_ms);
    });
    item.description = r.flaky ? (r.quarantined ? 'flaky (quarantined)' : 'flaky') : undefined;
    run.appendOutput(`  trials ${t.passed}/${t.run} passed (${Math.round(t.rate * 1000) / 10}%), pass@k ${t.pass_at_k ? 'yes' : 'no'}, pass^k ${t.pass_hat_k ? 'yes' : 'no'}${r.flaky ? ': flaky' : ''}${t.stopped ? `; stopped early: ${t.stopped}` : ''}\r\n`, undefined, item);
  }

  /** A case's run as its result document says it ended (null: no run, or no record to read). */
  private caseRun(root: string, runId: string | null): ResultDocument | null {
    if (!runId) return null;
    // its line in the eval's pack (runPacks.ts), or its folder
    const doc = readRunResult(root, runId);
    return typeof doc === 'string' ? null : doc;
  }

  /** Debug: one case's run under our debugger (the pipeline with the inputs the case gets in its variant). */
  async debugRequest(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const picked = request.include?.find((i) => i.id.split(SEP).length === 3) ?? request.include?.flatMap((i) => this.firstCase(i))[0];
    const run = this.controller.createTestRun(request, 'Debug eval case', false);
    try {
      if (!picked) {
        run.appendOutput('Debug runs one case: pick a case of a variant.\r\n');
        return;
      }
      await this.debugCase(picked, run, token);
    } finally {
      run.end();
    }
  }

  private firstCase(item: vscode.TestItem): vscode.TestItem[] {
    if (item.id.split(SEP).length === 3) return [item];
    const out: vscode.TestItem[] = [];
    item.children.forEach((c) => void out.push(...this.firstCase(c)));
    return out.slice(0, 1);
  }

  private async debugCase(item: vscode.TestItem, run: vscode.TestRun, token: vscode.CancellationToken): Promise<void> {
    const [fileId, variant, c] = item.id.split(SEP);
    const uri = vscode.Uri.parse(fileId);
    const { analysis } = this.read(uri);
    const inputs = evalHasErrors(analysis) ? null : await caseInputs(analysis, c, variant);
    if (!inputs || !analysis.eval) {
      run.errored(item, new vscode.TestMessage(`Case '${c}' cannot be debugged: the eval does not compile or has no such case.`));
      return;
    }
    // the variant's parameters are in the inputs (caseInputs); its models go to the debugged run
    const models = analysis.eval.variants.find((v) => v.name === variant)?.models ?? {};
    const config = { ...debugConfiguration(analysis.eval.pipeline), name: `Debug eval case ${c} [${variant}]`, inputs, ...(Object.keys(models).length ? { models } : {}) };
    run.started(item);
    const ended = new Promise<void>((resolve) => {
      const d = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.configuration.name !== config.name) return;
        d.dispose();
        resolve();
      });
      token.onCancellationRequested(() => resolve());
    });
    const started = await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), config, { testRun: run });
    if (!started) {
      run.errored(item, new vscode.TestMessage('The debug session did not start.'));
      return;
    }
    await ended;
    run.appendOutput(`debug session of case ${c} [${variant}] ended\r\n`, undefined, item);
    run.skipped(item);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
