// `optimize`: the search of search.ts with an eval as its oracle. One run of one case with one
// assignment is the eval's own case run (evalRunner's judgeOneCase): the pipeline with the
// assignment's models on its steps, its model steps cached (identical calls are free, unless a
// cassette records or replays), the eval's assertions judging it. Every result goes to the
// optimization's record as it comes; earlier records of the same eval and pipeline answer for free.
// The editor drives it as the CLI does: `onEvent` reports each run and each assignment's running
// figures, `signal` stops it (what ran stays recorded).
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Analysis } from '../analyze/index';
import { MODEL_PROVIDERS } from '../analyze/stepCheck';
import type { Step } from '../spec/types';
import type { ModelRunner } from '../models/modelRunner';
import { registryModels, type RegistryModel } from '../models/registry';
import { withCassette, type CassetteOptions, type RunCassette } from '../models/cassette';
import { sha256 } from '../run/checkpointStore';
import { newExecutionId } from '../run/runPipeline';
import { Redactor } from '../toolkit/redact';
import { actionSpec, TOOL_SPECS } from '../toolkit/toolSpecs';
import { withoutBom } from '../util/text';
import { readCases } from '../eval/dataset';
import type { EvalAnalysis } from '../eval/evalAnalysis';
import type { EvalCase } from '../eval/evalFile';
import { EvalInputError, judgeOneCase, scan, type CaseRun } from '../eval/evalRunner';
import { variantAnalysis } from '../eval/variantPipeline';
import { earlierRuns, OptimizeRecord, type OptimizeMeta } from './records';
import { bruteForceRuns, searchAssignments, type Assignment, type Objective, type Outcome, type Phase, type RunEvent, type SearchResult, type Trial } from './search';

export interface OptimizeOptions {
  /** The folder holding `.orchestrator/`. */
  root: string;
  analysis: EvalAnalysis;
  evalText: string;
  models: ModelRunner;
  /** The candidate models (`provider:model`), in any order: they are tried cheapest first by registry price. */
  candidates: string[];
  /** Only these steps get other models (default: every model step). */
  steps?: string[];
  /** Default: the eval's threshold. */
  minPassRate?: number;
  objective?: Objective;
  budgetRuns?: number;
  /** Case runs at once (default: the eval's max_parallel, else 4). */
  parallel?: number;
  cassette?: CassetteOptions;
  /** Prices and the runs' registry (default: the shipped one). */
  registry?: RegistryModel[];
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Take results of earlier optimizations of the same files (default: true, but never when recording a cassette: it must see every call). */
  reuse?: boolean;
  onEvent?(e: OptimizeEvent): void;
}

export type OptimizeEvent =
  | { kind: 'start'; optimizeId: string; dir: string; steps: string[]; models: string[]; cases: number; minPassRate: number; bruteForceRuns: number; known: number }
  | { kind: 'phase'; phase: Phase; detail: string }
  | { kind: 'run'; run: RunEvent }
  | { kind: 'trial'; trial: Trial; runsUsed: number };

export interface OptimizeOutcome extends SearchResult {
  record: OptimizeRecord;
  wall_ms: number;
}

/** The model steps an assignment can change (loop bodies included), in pipeline order. */
export function modelSteps(steps: Step[], out: Step[] = []): Step[] {
  for (const s of steps) {
    if (!s.loop && s.action && actionSpec(TOOL_SPECS, s.tool, s.action)?.usesModel) out.push(s);
    if (s.body) modelSteps(s.body, out);
  }
  return out;
}

/** The candidates cheapest first by registry price (input + output per million tokens); as given when a price is unknown. */
export function byPrice(models: string[], registry: RegistryModel[]): string[] {
  const price = (m: string) => {
    const r = registry.find((x) => x.id === m);
    return r ? r.price_in + r.price_out : null;
  };
  if (models.some((m) => price(m) === null)) return [...models];
  return [...models].sort((a, b) => price(a)! - price(b)!);
}

/** The search's plan before any call: steps, ordered candidates, cases; throws EvalInputError on a bad eval or options. */
/** Why a `--models` entry (written provider:model) cannot be a candidate, or null. */
function candidateProblem(m: string): string | null {
  const colon = m.indexOf(':');
  const provider = m.slice(0, colon);
  if (!MODEL_PROVIDERS.includes(provider)) return `'${m}' names an unknown provider '${provider}' (use ${MODEL_PROVIDERS.map((x) => `'${x}'`).join(', ')})`;
  if (!m.slice(colon + 1).trim()) return `'${m}' names no model after '${provider}:'`;
  return null;
}

export async function planOptimization(o: Pick<OptimizeOptions, 'root' | 'analysis' | 'candidates' | 'steps' | 'registry' | 'signal'>): Promise<{ steps: string[]; models: string[]; cases: EvalCase[]; /** The values of the cases' `secret: true` inputs. */ secrets: string[] }> {
  const spec = o.analysis.eval!;
  const pa = o.analysis.pipeline!;
  const signal = o.signal ?? new AbortController().signal;
  const all = modelSteps(pa.pipeline!.steps).map((s) => s.id);
  if (!all.length) throw new EvalInputError('the pipeline has no model steps to assign models to');
  const unknown = (o.steps ?? []).filter((s) => !all.includes(s));
  if (unknown.length) throw new EvalInputError(`--steps ${unknown.map((s) => `'${s}'`).join(', ')}: not a model step of the pipeline (model steps: ${all.join(', ')})`);
  const bad = o.candidates.filter((m) => m.indexOf(':') <= 0);
  if (bad.length) throw new EvalInputError(`--models ${bad.map((m) => `'${m}'`).join(', ')}: a model is written provider:model`);
  // refused before any call: a bad name would otherwise be spent as a candidate that fails every case
  const problems = o.candidates.map(candidateProblem).filter((p): p is string => p !== null);
  if (problems.length) throw new EvalInputError(`--models: ${problems.join('; ')}`);
  const candidates = [...new Set(o.candidates)];
  if (!candidates.length) throw new EvalInputError('--models needs at least one model');
  const { secrets } = await scan(spec, pa, [null], new Set(), signal, o.root);
  const cases: EvalCase[] = [];
  for await (const c of readCases(spec.cases, { signal, workspace: o.root })) if (!c.skip) cases.push(c);
  if (!cases.length) throw new EvalInputError('the eval has no case to run (every case is skipped)');
  return { steps: o.steps?.length ? all.filter((s) => o.steps!.includes(s)) : all, models: byPrice(candidates, o.registry ?? registryModels()), cases, secrets };
}

export async function optimize(o: OptimizeOptions): Promise<OptimizeOutcome> {
  const t0 = performance.now();
  const spec = o.analysis.eval!;
  const pa = o.analysis.pipeline!;
  const signal = o.signal ?? new AbortController().signal;
  setMaxListeners(0, signal);
  const env = o.env ?? process.env;
  const plan = await planOptimization(o);
  const byId = new Map(plan.cases.map((c) => [c.id, c]));
  const pipelineSource = withoutBom(readFileSync(spec.pipeline, 'utf8'));
  const evalSha = sha256(o.evalText);
  const pipelineSha = sha256(pipelineSource);
  const recording = o.cassette?.mode === 'record';
  const known = o.reuse === false || recording ? new Map<string, Outcome>() : earlierRuns(o.root, evalSha, pipelineSha);
  const cache = !o.cassette;
  // the environment's secrets and the cases' secret inputs, kept out of the cassette as `orc eval` keeps them
  const redactor = new Redactor(env, plan.secrets);
  const minPassRate = o.minPassRate ?? spec.threshold;
  const objective = o.objective ?? 'cost';
  const now = new Date();
  const meta: OptimizeMeta = {
    format: 1,
    optimize_id: newExecutionId(now),
    eval_file: spec.file ? path.relative(o.root, spec.file) : '',
    eval_sha256: evalSha,
    pipeline_file: path.relative(o.root, spec.pipeline),
    pipeline_sha256: pipelineSha,
    models: plan.models,
    steps: plan.steps,
    cases: plan.cases.length,
    min_pass_rate: minPassRate,
    objective,
    budget_runs: o.budgetRuns ?? null,
    status: 'running',
    started_at: now.toISOString(),
    ended_at: null,
    runs_used: 0,
    runs_reused: 0,
    brute_force_runs: bruteForceRuns(plan.steps.map(() => ({ models: plan.models })), plan.cases.length),
    chosen: null,
  };
  const record = OptimizeRecord.create(o.root, meta);
  o.onEvent?.({ kind: 'start', optimizeId: meta.optimize_id, dir: record.dir, steps: plan.steps, models: plan.models, cases: plan.cases.length, minPassRate, bruteForceRuns: meta.brute_force_runs, known: known.size });
  let models = o.models;
  let tape: RunCassette | null = null;
  if (o.cassette) ({ models, cassette: tape } = withCassette(o.models, o.cassette, redactor));
  const caseRun: CaseRun = { root: o.root, spec, pa, names: pa.pipeline!.parameters.map((p) => p.name), models, rawModels: o.models, cassette: o.cassette, signal, env, pipelineSource, registry: o.registry, redactor };
  const analyses = new Map<string, Analysis>();
  let runsUsed = 0;
  const oracle = async (a: Assignment, caseId: string): Promise<Outcome> => {
    const key = JSON.stringify(a);
    if (!analyses.has(key)) analyses.set(key, variantAnalysis(pa, { name: 'optimize', models: a, parameters: {}, path: [] }, cache));
    const r = await judgeOneCase(caseRun, analyses.get(key)!, byId.get(caseId)!, null, 0);
    return { pass: r?.pass ?? false, cost_usd: r?.cost_usd ?? 0, latency_ms: r?.latency_ms ?? 0 };
  };
  let result: SearchResult;
  try {
    result = await searchAssignments({
      oracle,
      steps: plan.steps.map((id) => ({ id, models: plan.models })),
      cases: plan.cases.map((c) => c.id),
      minPassRate,
      objective,
      budgetRuns: o.budgetRuns,
      parallel: o.parallel ?? spec.maxParallel ?? 4,
      known,
      signal,
      onRun: (run) => {
        if (!run.reused) runsUsed++;
        record.appendRun({ assignment: run.assignment, case: run.caseId, ...run.outcome });
        o.onEvent?.({ kind: 'run', run });
      },
      onTrial: (trial) => o.onEvent?.({ kind: 'trial', trial, runsUsed }),
      onPhase: (phase, detail) => o.onEvent?.({ kind: 'phase', phase, detail }),
    });
  } finally {
    tape?.close();
  }
  meta.status = result.stopped ?? 'completed';
  meta.ended_at = new Date().toISOString();
  meta.runs_used = result.runs_used;
  meta.runs_reused = result.runs_reused;
  meta.chosen = result.chosen?.assignment ?? null;
  record.writeMeta();
  record.writeTrials(result.trials);
  return { ...result, record, wall_ms: performance.now() - t0 };
}
