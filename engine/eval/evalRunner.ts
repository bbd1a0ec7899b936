// Runs an eval: every case × variant × repeat is a real run of the engine (`runPipeline`), all of
// them through one model runner so provider rate limits and breakers are shared; at most
// `maxParallel` runs at once; results in case order, appended to the record as they finish.
// Cancelled: the finished cases stay in the record and `resume` runs the rest.
import { hasOwnKeys } from '../util/none';
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Analysis } from '../analyze/index';
import type { ModelRunner } from '../models/modelRunner';
import type { RegistryModel } from '../models/registry';
import { sha256 } from '../run/checkpointStore';
import type { EvalCaseEnd, EvalTraces } from '../run/evalTraces';
import { InputError, resolveInputs } from '../run/inputs';
import { DEFAULT_MAX_PARALLEL, newExecutionId, runPipeline, type RunOptions } from '../run/runPipeline';
import { RunRecordWriter, writeRunRecord } from './runRecord';
import { RUN_PACK } from '../run/runPacks';
import { recordedInputs, secretInputValues } from '../run/secretInputs';
import { withCassette, type CassetteOptions, type RunCassette } from '../models/cassette';
import type { Interaction } from '../toolkit/interaction';
import { withoutBom } from '../util/text';
import { Redactor } from '../toolkit/redact';
import { assertionNow, type AssertionResult } from './assertions';
import { readCaseBatches } from './dataset';
import type { EvalAnalysis } from './evalAnalysis';
import type { EvalCase, EvalSpec, EvalVariant } from './evalFile';
import { EvalRecord, resultKey, type CaseResult, type EvalMeta, type EvalSummary } from './evalRecord';
import { SummaryBuilder } from './evalSummary';
import { orderedPool } from './orderedPool';
import { inputsFor, trialAnalysis, variantAnalysis } from './variantPipeline';
import { caseTrials, combineTrials } from './trials';
import { trialVerdict, type TrialsSpec } from './trialRules';
import { inputsFromRun, prepareCase, oneIteration, stepCaseOf } from './stepCase';
import { mocksOf } from './mocks';
import type { ConnectionDecl } from '../spec/types';
import type { ResultDocument } from '../run/events';
import { loadUserConnections } from '../tools/sql/connections';

export const DEFAULT_EVAL_PARALLEL = 8;
/** How many case problems the first read reports before "and N more". */
const MAX_PROBLEMS = 10;

/** The eval cannot start: its cases or the options are wrong. Nothing ran. */
export class EvalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}

export interface EvalRunOptions {
  /** The folder holding `.orchestrator/` (runs, evals, the step cache). */
  root: string;
  analysis: EvalAnalysis;
  evalText: string;
  models: ModelRunner;
  maxParallel?: number;
  onlyVariants?: string[];
  onlyCases?: string[];
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Model steps reuse identical earlier calls (default: true when repeat is 1). */
  cache?: boolean;
  registry?: RegistryModel[];
  /** Record every model call (the judges' too) to a cassette, or answer them from one (`live`: steps that still call the model). */
  cassette?: CassetteOptions;
  /** Continue this record's eval: its finished results are kept, the rest run. */
  resume?: EvalRecord;
  /** After the first read of the cases: how many runs there are to do, the widest case id, the record. */
  onStart?(info: { planned: number; kept: number; idWidth: number; record: EvalRecord }): void;
  /** Each result, in case order. */
  onResult?(r: CaseResult): void;
  /** The eval's trace: its span, each case's, each case's run under its case (telemetry's `forEval`). */
  traces?: EvalTraces;
  /** `--quarantine`: flaky cases are reported but left out of the pass rate. */
  quarantine?: boolean;
  /** Each case run's result document, as it ends (coverage reads them). */
  onRun?(doc: ResultDocument): void;
}

export interface EvalOutcome {
  record: EvalRecord;
  summary: EvalSummary;
  status: 'completed' | 'cancelled';
}

interface Job {
  c: EvalCase;
  v: EvalVariant | null;
  repeat: number;
}

const variantName = (v: EvalVariant | null) => v?.name ?? 'default';

/** What a case's span records of its (redacted) result. */
const caseEnd = (r: CaseResult): EvalCaseEnd => ({
  status: r.status,
  score: r.score,
  runId: r.run_id,
  runStatus: r.run_status,
  ...(r.error !== undefined ? { error: r.error } : {}),
  assertions: r.assertions.map((a) => ({ kind: a.kind, target: a.target, ...(a.description ? { description: a.description } : {}), status: a.status, pass: a.pass, score: a.score, reason: a.reason, line: a.line })),
});

/** The variants asked for (all when none is named). */
export function chosenVariants(spec: EvalSpec, only: string[]): (EvalVariant | null)[] {
  if (!only.length) return spec.variants.length ? spec.variants : [null];
  const names = spec.variants.map((v) => v.name);
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length) throw new EvalInputError(`no variant ${unknown.map((n) => `'${n}'`).join(', ')} in the eval${names.length ? ` (variants: ${names.join(', ')})` : ' (it has no variants)'}`);
  return spec.variants.filter((v) => only.includes(v.name));
}

/** The first read: every case's inputs checked for every variant before any call; counts and widths. */
export async function scan(spec: EvalSpec, a: Analysis, variants: (EvalVariant | null)[], only: Set<string>, signal: AbortSignal, workspace?: string): Promise<{ cases: number; idWidth: number; secrets: string[] }> {
  const params = a.pipeline!.parameters;
  const names = params.map((p) => p.name);
  // the values of `secret: true` parameters the cases give: the eval's cassette and records redact them as a run does
  const secretParams = params.some((p) => p.secret);
  const secrets = new Set<string>();
  const lines = new Map<string, number>();
  const problems: string[] = [];
  let count = 0;
  let idWidth = 4;
  const where = (c: EvalCase) => `case '${c.id}' (${spec.cases.kind === 'file' ? `${spec.cases.written}:${c.line}` : `line ${c.line}`})`;
  for await (const batch of readCaseBatches(spec.cases, { signal, workspace }))
    for (const c of batch) {
      if (only.size && !only.has(c.id)) continue;
      const seen = lines.get(c.id);
      if (seen !== undefined) problems.push(`${where(c)}: the id is used already at line ${seen}`);
      lines.set(c.id, c.line);
      count++;
      idWidth = Math.max(idWidth, c.id.length);
      if (c.skip) continue;
      try {
        caseTrials(spec, c);
        const sc = stepCaseOf(c, a);
        if (typeof sc === 'string') throw new Error(sc);
        const mocks = mocksOf(c.options?.mocks);
        if (typeof mocks === 'string') throw new Error(mocks);
      } catch (e) {
        problems.push(`${where(c)}: ${(e as Error).message}`);
      }
      // a step case from a recorded run takes the run's inputs
      if (inputsFromRun(c)) continue;
      for (const v of variants) {
        try {
          const resolved = resolveInputs(params, inputsFor(c.values, v, names));
          if (secretParams) for (const x of secretInputValues(params, resolved)) secrets.add(x);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          problems.push(`${where(c)}${v ? `, variant '${v.name}'` : ''}: ${e.message.replace(/: give it with -i .*$/, '')}`);
        }
      }
    }
  const missing = [...only].filter((id) => !lines.has(id));
  if (missing.length) problems.push(`no case ${missing.map((m) => `'${m}'`).join(', ')} in the dataset`);
  if (problems.length) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    if (problems.length > MAX_PROBLEMS) shown.push(`and ${problems.length - MAX_PROBLEMS} more`);
    throw new EvalInputError(`the cases are not all runnable; nothing ran:\n  ${shown.join('\n  ')}`);
  }
  return { cases: count, idWidth, secrets: [...secrets] };
}

function statusOf(assertions: AssertionResult[], runStatus: string): CaseResult['status'] {
  if (assertions.some((x) => x.status === 'error')) return 'error';
  // a case passes when every assertion passes, and its run completed unless an assertion checks the
  // status or that a guard tripped (a guard that blocks fails its run: that is the path under test)
  const ran = runStatus === 'completed' || assertions.some((x) => x.kind === 'status' || x.kind === 'guardrail_tripped');
  return assertions.every((x) => x.pass) && ran ? 'pass' : 'fail';
}

export async function runEval(o: EvalRunOptions): Promise<EvalOutcome> {
  const spec = o.analysis.eval!;
  const pa = o.analysis.pipeline!;
  const signal = o.signal ?? new AbortController().signal;
  // every running case's run and model calls listen to it: many at once is expected, not a leak
  setMaxListeners(0, signal);
  const env = o.env ?? process.env;
  const variants = chosenVariants(spec, o.onlyVariants ?? []);
  const only = new Set(o.onlyCases ?? []);
  const { cases, idWidth, secrets } = await scan(spec, pa, variants, only, signal, o.root);
  const pipelineSource = withoutBom(readFileSync(spec.pipeline, 'utf8'));
  // a recording must see every call (a cached step makes none), and a replay answers them all
  const cache = !o.cassette && (o.cache ?? spec.repeat === 1);
  const names = pa.pipeline!.parameters.map((p) => p.name);
  // the runs redact their results; the record redacts what assertions and errors said about them too,
  // and the cassette what the judges were asked: the environment's secrets and the cases' secret
  // inputs (as `orc run` records them: `[redacted: secret]`, so a replay's requests match)
  const redactor = new Redactor(env, secrets);
  // one cassette for the whole eval, opened before anything runs: every case's run and every judge share it
  let models = o.models;
  let tape: RunCassette | null = null;
  if (o.cassette) ({ models, cassette: tape } = withCassette(o.models, o.cassette, redactor));
  try {
    return await evalWith(o, { spec, pa, signal, env, variants, only, cases, idWidth, pipelineSource, cache, names, redactor, models });
  } finally {
    tape?.close();
  }
}

interface Prepared {
  spec: EvalSpec;
  pa: Analysis;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  variants: (EvalVariant | null)[];
  only: Set<string>;
  cases: number;
  idWidth: number;
  pipelineSource: string;
  cache: boolean;
  names: string[];
  redactor: Redactor;
  models: ModelRunner;
}

async function evalWith(o: EvalRunOptions, { spec, pa, signal, env, variants, only, cases, idWidth, pipelineSource, cache, names, redactor, models }: Prepared): Promise<EvalOutcome> {
  const analyses = new Map(variants.map((v) => [variantName(v), variantAnalysis(pa, v, cache)]));
  const summary = new SummaryBuilder(variants.map(variantName));
  const done = new Set<string>();
  let record: EvalRecord;
  if (o.resume) {
    record = o.resume;
    if (record.meta.eval_sha256 !== sha256(o.evalText)) throw new EvalInputError(`${record.meta.eval_file} has changed since eval ${record.meta.eval_id} started; resuming would mix two evals. Start a new one.`);
    for await (const r of record.results()) {
      done.add(resultKey(r.case, r.variant, r.repeat));
      summary.add(r);
    }
    record.meta.status = 'running';
    record.meta.ended_at = null;
    record.writeMeta(false);
  } else {
    const now = new Date();
    const meta: EvalMeta = {
      format: 1,
      eval_id: newExecutionId(now),
      eval_file: spec.file ? path.relative(o.root, spec.file) : '',
      eval_sha256: sha256(o.evalText),
      pipeline_file: path.relative(o.root, spec.pipeline),
      pipeline_id: pa.pipeline!.id,
      status: 'running',
      started_at: now.toISOString(),
      updated_at: now.toISOString(),
      ended_at: null,
      only_variants: o.onlyVariants ?? [],
      only_cases: o.onlyCases ?? [],
      variants: variants.map(variantName),
      repeat: spec.repeat,
      threshold: spec.threshold,
      planned: cases * variants.length * spec.repeat,
      summary: null,
    };
    record = EvalRecord.create(o.root, meta);
  }
  o.onStart?.({ planned: record.meta.planned, kept: done.size, idWidth, record });
  const m = record.meta;
  o.traces?.start({ evalId: m.eval_id, evalFile: m.eval_file, pipelineId: m.pipeline_id, pipelineFile: m.pipeline_file, variants: m.variants, repeat: m.repeat, planned: m.planned, resumed: Boolean(o.resume) });

  async function* jobs(): AsyncGenerator<Job> {
    for await (const batch of readCaseBatches(spec.cases, { signal, workspace: o.root }))
      for (const c of batch) {
        if (signal.aborted) return;
        if (only.size && !only.has(c.id)) continue;
        for (const v of variants) for (let r = 0; r < spec.repeat; r++) if (!done.has(resultKey(c.id, variantName(v), r))) yield { c, v, repeat: r };
      }
  }

  const runCase = async (job: Job): Promise<CaseResult | null> => {
    const traced = o.traces?.case({ case: job.c.id, variant: variantName(job.v), repeat: job.repeat }, redactor);
    const r = await judgeCase(job, traced?.run ?? {});
    traced?.end(r ? caseEnd(redactor.value(r)) : null);
    return r;
  };

  // the cases' run records: a line each in the eval's pack, beside its results
  const records = new RunRecordWriter(path.join(record.dir, RUN_PACK));
  const caseRun: CaseRun = { root: o.root, spec, pa, names, models, cassette: o.cassette, rawModels: o.models, signal, env, pipelineSource, registry: o.registry, redactor, records, userConnections: loadUserConnections(process.env).connections, onRun: o.onRun };
  const judgeCase = (job: Job, hooks: Pick<RunOptions, 'listeners' | 'nestedListeners'>) => {
    const analysis = analyses.get(variantName(job.v))!;
    const t = job.c.skip ? null : caseTrials(spec, job.c);
    return t ? judgeTrials(caseRun, analysis, job, hooks, t, o.quarantine === true) : judgeOneCase(caseRun, analysis, job.c, job.v, job.repeat, hooks);
  };

  // A case frees its slot once it is judged; its result is reported (and appended to the record)
  // once its run's record is on disk, in order: the writes go on behind the cases that run meanwhile.
  let reported: Promise<void> = Promise.resolve();
  try {
    try {
      await orderedPool(jobs(), o.maxParallel ?? spec.maxParallel ?? DEFAULT_EVAL_PARALLEL, runCase, (judged) => {
        if (!judged) return;
        const written = recordWrites.get(judged) ?? Promise.resolve();
        const report = (r: CaseResult) => {
          r = redactor.value(r);
          record.append(r);
          summary.add(r);
          o.onResult?.(r);
        };
        reported = Promise.all([reported, written.then(() => judged, (e: Error) => unrecorded(judged, e))]).then(([, r]) => report(r));
      }, signal);
    } finally {
      await records.close();
      await reported;
    }
  } catch (e) {
    // the results file is closed on the way out too (it is held open while the cases run)
    await record.flush().catch(() => undefined);
    throw e;
  }

  // the results appended in the background are on disk before the eval says it ended
  await record.flush();
  const status = signal.aborted ? 'cancelled' : 'completed';
  const s = summary.summary(spec.threshold);
  record.meta.status = status;
  record.meta.ended_at = new Date().toISOString();
  record.meta.summary = s;
  record.writeMeta();
  o.traces?.end({ status, total: s.total, passed: s.passed, passRate: s.pass_rate, verdict: s.verdict });
  return { record, summary: s, status };
}

/** What running one case needs, the same for every case of an eval (or of an optimization). */
export interface CaseRun {
  root: string;
  spec: EvalSpec;
  pa: Analysis;
  names: string[];
  /** The runner the assertions' judges use (the cassette's when there is one). */
  models: ModelRunner;
  /** The runner the run opens the cassette on (the same file, shared in this process). */
  rawModels: ModelRunner;
  cassette?: CassetteOptions;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  pipelineSource: string;
  registry?: RegistryModel[];
  redactor: Redactor;
  /** The user's connection declarations, read once for the eval's runs (RunOptions.userConnections). */
  userConnections?: Record<string, ConnectionDecl>;
  /** Writes the cases' run records (absent: each case writes its own, without the writer's shortcuts). */
  records?: RunRecordWriter;
  /** Each case run's result document (EvalRunOptions.onRun). */
  onRun?(doc: ResultDocument): void;
}

/** One case of one variant: its run through the engine (`analysis`: the variant's), its run record, its assertions; null when cancelled. */
export async function judgeOneCase(k: CaseRun, analysis: Analysis, c: EvalCase, v: EvalVariant | null, repeat: number, hooks: Pick<RunOptions, 'listeners' | 'nestedListeners'> = {}, trial = 0): Promise<CaseResult | null> {
  const { root, spec, pa, names, models, signal, env, pipelineSource, redactor } = k;
  // what a case that did not run reports before its status (made only then)
  const base = () => ({ case: c.id, variant: variantName(v), repeat, cost_usd: 0, judge_cost_usd: 0, tokens_in: 0, tokens_out: 0, latency_ms: 0 });
  if (c.skip) return { ...base(), status: 'skipped', pass: false, score: 0, run_id: null, run_status: null, error: c.skip, assertions: [] };
  try {
    const prepared = prepareCase(root, pa, c, inputsFor(c.values, v, names), spec.pipeline, (given) => resolveInputs(pa.pipeline!.parameters, given));
    const inputs = prepared.inputs;
    // (a literal, then the optional parts: spreads inside it made a slow dictionary object per case)
    const options: RunOptions = {
      cwd: root,
      inputs,
      // the case's run record is written once at its end (runRecord.ts)
      checkpoint: false,
      models,
      signal,
      pipelineFile: spec.pipeline,
      source: pipelineSource,
      registry: k.registry,
      redactor,
      userConnections: k.userConnections,
      // no one to ask: the eval's answers, given ahead
      interaction: answersAhead(spec.answers),
    };
    // the run opens the eval's cassette too (the same file, shared in this process): its model
    // calls and its agents' tool calls are recorded or replayed through it
    if (k.cassette) {
      options.models = k.rawModels;
      // each trial's calls are its own in the cassette: a replayed trial replays that trial's answers
      options.cassette = trial ? { ...k.cassette, trial } : k.cassette;
    }
    if (hasOwnKeys(hooks)) Object.assign(options, hooks);
    // a step case resumes a checkpoint made for it (only its step runs); mocked tools answer instead of the real ones
    if (prepared.resume) options.resume = prepared.resume;
    if (prepared.tools) options.tools = prepared.tools;
    if (prepared.mcp) options.mcpStandIn = prepared.mcp;
    // a step in a loop's body runs in its one iteration (stepCase.ts)
    const doc = await runPipeline(prepared.inLoop ? oneIteration(analysis, prepared.inLoop) : analysis, options);
    if (signal.aborted) return null;
    k.onRun?.(doc);
    // its inputs as `orc run` records them: a secret parameter's by its placeholder
    const facts = { inputs: recordedInputs(pa.pipeline!.parameters, inputs, redactor), pipelineFile: spec.pipeline, source: pipelineSource, maxParallel: pa.pipeline!.context.maxParallel ?? DEFAULT_MAX_PARALLEL };
    // with a writer, the record is written while the next cases run (the result waits for it, not the slot)
    const written = k.records ? k.records.write(doc, facts) : null;
    if (!written) await writeRunRecord(root, doc, facts);
    const ctx = { case: c, doc, models, judge: spec.judge, embedding: spec.embedding, signal, env, replay: k.cassette?.mode === 'replay' };
    const assertions: AssertionResult[] = [];
    // a synchronous check is not awaited (a promise and a turn per assertion)
    for (const list of [spec.assert, c.assert])
      for (const a of list) {
        const x = assertionNow(a, ctx);
        assertions.push(x instanceof Promise ? await x : x);
      }
    const status = statusOf(assertions, doc.status);
    // both sums in the assertions' order, as the reduce() calls they replace
    let scores = 0;
    let judgeCost = 0;
    for (const x of assertions) {
      scores += x.score;
      judgeCost += x.judge_cost_usd ?? 0;
    }
    const score = assertions.length ? Math.round((scores / assertions.length) * 1e4) / 1e4 : status === 'pass' ? 1 : 0;
    // a literal in the order `{ ...base, status, ... }` gave (a spread of base made a slow dictionary object)
    const result: CaseResult = { case: c.id, variant: variantName(v), repeat, cost_usd: doc.cost_usd, judge_cost_usd: Math.round(judgeCost * 1e6) / 1e6, tokens_in: doc.tokens_in, tokens_out: doc.tokens_out, latency_ms: doc.duration_ms, status, pass: status === 'pass', score, run_id: doc.execution_id, run_status: doc.status, assertions };
    if (prepared.mocked) result.mocked = prepared.mocked();
    if (written) recordWrites.set(result, written);
    return result;
  } catch (e) {
    if (signal.aborted) return null;
    return { ...base(), status: 'error', pass: false, score: 0, run_id: null, run_status: null, error: (e as Error).message, assertions: [] };
  }
}

/** A case run in trials (one after another, so adaptive trials can stop); null when cancelled. */
async function judgeTrials(k: CaseRun, analysis: Analysis, job: Job, hooks: Pick<RunOptions, 'listeners' | 'nestedListeners'>, t: { trials: TrialsSpec; threshold: number }, quarantine: boolean): Promise<CaseResult | null> {
  const done: CaseResult[] = [];
  let verdict: ReturnType<typeof trialVerdict> = null;
  while (!verdict) {
    const r = await judgeOneCase(k, trialAnalysis(analysis, done.length), job.c, job.v, 0, hooks, done.length);
    if (!r) return null;
    done.push(r);
    if (r.status === 'error') break;
    verdict = trialVerdict(t.trials, t.threshold, done.filter((x) => x.status === 'pass').length, done.length);
  }
  const result = combineTrials(done, t.trials, t.threshold, verdict?.verdict ?? null, verdict?.stopped);
  if (quarantine && result.flaky) result.quarantined = true;
  const writes = done.map((r) => recordWrites.get(r)).filter((w): w is Promise<void> => w !== undefined);
  if (writes.length) recordWrites.set(result, Promise.all(writes).then(() => undefined));
  return result;
}

/** The run record a judged case's result waits for before it is reported (written by the eval's RunRecordWriter). */
const recordWrites = new WeakMap<CaseResult, Promise<void>>();

/** A case whose run record could not be written: an error, as it was when the case wrote its record itself. */
function unrecorded(r: CaseResult, e: Error): CaseResult {
  return { case: r.case, variant: r.variant, repeat: r.repeat, cost_usd: 0, judge_cost_usd: 0, tokens_in: 0, tokens_out: 0, latency_ms: 0, status: 'error', pass: false, score: 0, run_id: null, run_status: null, error: e.message, assertions: [] };
}

/** The Interaction of a case's run: nobody at a terminal, the eval file's `answers` given ahead by step id. One per answers (every case of an eval shares it: it holds no state). */
function answersAhead(answers: Record<string, unknown>): Interaction {
  let made = interactions.get(answers);
  if (!made) interactions.set(answers, (made = answersInteraction(answers)));
  return made;
}
const interactions = new WeakMap<Record<string, unknown>, Interaction>();

function answersInteraction(answers: Record<string, unknown>): Interaction {
  return {
    interactive: false,
    answerFor: (stepId) => (Object.prototype.hasOwnProperty.call(answers, stepId) ? { value: answers[stepId] } : undefined),
    ask: () => Promise.resolve(null),
  };
}
