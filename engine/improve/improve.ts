// `improvePrompts`: the search of search.ts with an eval as its oracle and a model as its
// reflection. A case run is the eval's own (evalRunner's judgeOneCase) on the pipeline with the
// candidate's prompts written into its text in memory (engine/edit/prompts.ts) and analysed again;
// the searched steps' requests and answers are taken on the way for the feedback. Reflection is one
// structured call through the same model runner, so its retries, limits, cassette and budget are the
// ones every call has. The budget is one ledger (engine/guard) for the whole search: every call, the
// cases' and the reflection's, reserves its worst case on it before it starts.
import { readFileSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import * as path from 'node:path';
import type { Analysis } from '../analyze/index';
import { orchestratorOf } from '../auto/orchestrator';
import { MODEL_PROVIDERS } from '../analyze/stepCheck';
import { EditRefused } from '../edit/textEdits';
import { promptsOf, promptSpan, sha256Text, writePrompts } from '../edit/prompts';
import { analyzeEval } from '../eval/evalAnalysis';
import { readCases } from '../eval/dataset';
import type { EvalCase } from '../eval/evalFile';
import { judgeOneCase, scan, type CaseRun } from '../eval/evalRunner';
import { RunRecordWriter } from '../eval/runRecord';
import { RUN_PACK } from '../run/runPacks';
import { inputsFor } from '../eval/variantPipeline';
import { wilson } from '../eval/stats';
import { BudgetExceededError } from '../guard/errors';
import { RunLedger } from '../guard/ledger';
import { withBudget } from '../guard/budgeted';
import { withCassette, type CassetteOptions, type RunCassette } from '../models/cassette';
import { createModelRunner } from '../models/index';
import { WORST_CASE_OUT_TOKENS, type ModelRequest, type ModelResponse, type ModelRunner } from '../models/modelRunner';
import { modelSteps } from '../optimize/optimizeEval';
import { newExecutionId } from '../run/executionId';
import type { ResultDocument } from '../run/events';
import { referencesOf } from '../template/references';
import { Redactor } from '../toolkit/redact';
import { withoutBom } from '../util/text';
import { ImproveRecord, type ImproveMeta } from './records';
import { isValidationCase, MAX_FEEDBACK, SearchBudgetSpent, searchPrompts, type CaseFeedback, type CaseOutcome, type Prompts, type Reflection, type SearchCandidate } from './search';
import type { ImproveCandidate, ImproveOptions, ImproveResult } from './types';

export const DEFAULT_VALIDATION = 0.3;
export const DEFAULT_SEED = 0;

/** Bad input found before any call: the CLI's exit 2. */
export class ImproveInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImproveInputError';
  }
}

/** The cassette beside the eval: NAME.cassette.jsonl for NAME.eval.yaml (as `orc eval` and `orc optimize`). */
export function improveCassetteFile(evalFile: string): string {
  return `${evalFile.replace(/(\.eval)?\.ya?ml$/i, '')}.cassette.jsonl`;
}

const REFLECTION_SCHEMA = {
  type: 'object',
  properties: {
    prompt: { type: 'string', description: 'The new prompt template of the step, whole.' },
    rationale: { type: 'string', description: 'Why this prompt would pass the failed cases, in one or two sentences.' },
  },
  required: ['prompt', 'rationale'],
  additionalProperties: false,
};

const REFLECTION_SYSTEM = 'You improve the prompts of LLM pipeline steps from the evidence of failed test cases, and answer only with JSON of the asked shape.';

const MAX_SHOWN_CHARS = 4000;
const shownText = (v: unknown): string => {
  const s = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
  return s.length > MAX_SHOWN_CHARS ? `${s.slice(0, MAX_SHOWN_CHARS)}… (${s.length - MAX_SHOWN_CHARS} more characters)` : s;
};

/** The names a template reads (`{{ ticket }}`, `{{ extract.result }}`: ticket, extract), sorted; null when it does not parse. */
export function templateNames(prompt: string): string[] | null {
  try {
    return [...new Set(referencesOf(prompt, 'template').names.map((n) => n.name))].sort();
  } catch {
    return null;
  }
}

/** The reflection's request: one step's prompt and its failures (SPEC "Feedback and reflection"). */
export function reflectionPrompt(step: string, current: string, failures: CaseFeedback[], all: string[]): string {
  const names = templateNames(current) ?? [];
  const lines: string[] = [];
  lines.push(`The pipeline step '${step}' runs a language model with the prompt template below. Its eval's cases that failed with it are listed after it, each with the inputs, what the step received (its prompt rendered) and returned, and every failed assertion's message.`);
  if (all.length > 1) lines.push(`The pipeline's searched steps are ${all.map((s) => `'${s}'`).join(', ')}; only the prompt of '${step}' is to change now. What the other steps received and returned in each failing run is shown too.`);
  lines.push('', `<current_prompt step="${step}">`, current, '</current_prompt>', '');
  lines.push(`Its template names are ${names.length ? names.map((n) => `{{ ${n} }}`).join(', ') : 'none'}: the new prompt keeps every one of them and adds no other.`, '');
  for (const f of failures.slice(0, MAX_FEEDBACK)) {
    lines.push(`<case id="${f.case}">`, `<inputs>${JSON.stringify(f.inputs)}</inputs>`);
    const order = [step, ...Object.keys(f.steps).filter((s) => s !== step)];
    for (const s of order) {
      const io = f.steps[s];
      if (!io) continue;
      lines.push(`<step id="${s}"${s === step ? ' changing="yes"' : ''} status="${io.status ?? 'not run'}">`, `<received>${io.prompt === null ? '(did not run)' : shownText(io.prompt)}</received>`, `<returned>${shownText(io.answer)}</returned>`);
      if (io.error) lines.push(`<error>${shownText(io.error)}</error>`);
      lines.push('</step>');
    }
    if (f.error) lines.push(`<error>${shownText(f.error)}</error>`);
    for (const a of f.failures) {
      lines.push(`<failed_assertion kind="${a.kind}" target="${a.target}"${a.description ? ` description="${a.description.replace(/"/g, "'")}"` : ''}>`, `<message>${shownText(a.reason)}</message>`, `<expected>${shownText(a.expected)}</expected>`, `<actual>${shownText(a.actual)}</actual>`, '</failed_assertion>');
    }
    lines.push('</case>', '');
  }
  lines.push(`Write the whole new prompt template of step '${step}' so that these cases would pass and the cases that pass now still pass. Answer with JSON: {"prompt": the new template, "rationale": why}.`);
  return lines.join('\n');
}

/** A runner whose calls of the searched steps are told to `seen` (request prompt and answer, by step). */
function watching(models: ModelRunner, seen: Map<string, { prompt: string | null; answer: unknown }>, steps: Set<string>): ModelRunner {
  const bound = Object.create(models) as ModelRunner;
  bound.run = async (req: ModelRequest): Promise<ModelResponse> => {
    const r = await models.run(req);
    if (req.stepId && steps.has(req.stepId)) seen.set(req.stepId, { prompt: typeof req.params.prompt === 'string' ? req.params.prompt : shownText(req.params.prompt ?? req.params.text), answer: r.value });
    return r;
  };
  return bound;
}

interface Plan {
  steps: string[];
  train: EvalCase[];
  validation: EvalCase[];
  reflect: string;
  secrets: string[];
}

function checkNumbers(o: ImproveOptions): void {
  if (o.maxEvals !== undefined && (!Number.isInteger(o.maxEvals) || o.maxEvals < 1)) throw new ImproveInputError(`--max-evals takes a whole number of case runs of at least 1 (not ${o.maxEvals})`);
  if (o.budgetUsd !== undefined && (!Number.isFinite(o.budgetUsd) || o.budgetUsd <= 0)) throw new ImproveInputError(`--budget-usd takes an amount over 0 in US dollars (not ${o.budgetUsd}): a search with no money makes no call`);
  if (o.validation !== undefined && (!Number.isFinite(o.validation) || o.validation < 0 || o.validation > 0.9)) throw new ImproveInputError(`--validation takes the validation share from 0 to 0.9 (not ${o.validation})`);
  if (o.seed !== undefined && (!Number.isInteger(o.seed) || o.seed < 0)) throw new ImproveInputError(`--seed takes a whole number of at least 0 (not ${o.seed})`);
}

/** Everything decided before any call; throws ImproveInputError for bad input. */
async function planOf(o: ImproveOptions, pa: Analysis, root: string, signal: AbortSignal, env: NodeJS.ProcessEnv, spec: NonNullable<ReturnType<typeof analyzeEval>['eval']>): Promise<Plan> {
  const p = pa.pipeline!;
  const prompted = modelSteps(p.steps)
    .map((s) => s.id)
    .filter((id) => {
      try {
        promptSpan(pa, id);
        return true;
      } catch {
        return false;
      }
    });
  if (!prompted.length) throw new ImproveInputError('the pipeline has no model step with a prompt written in its file (parameters.prompt): there is nothing to improve');
  const unknown = (o.steps ?? []).filter((s) => !prompted.includes(s));
  if (unknown.length) throw new ImproveInputError(`--steps ${unknown.map((s) => `'${s}'`).join(', ')}: not a model step with a prompt written in the pipeline file (those are: ${prompted.join(', ')})`);
  const steps = o.steps?.length ? prompted.filter((s) => o.steps!.includes(s)) : prompted;
  const { secrets } = await scan(spec, pa, [null], new Set(), signal, root);
  const share = o.validation ?? DEFAULT_VALIDATION;
  const seed = o.seed ?? DEFAULT_SEED;
  const train: EvalCase[] = [];
  const validation: EvalCase[] = [];
  for await (const c of readCases(spec.cases, { signal, workspace: root })) {
    if (c.skip) continue;
    const own = c.options?.split;
    const side = own === 'train' || own === 'validation' ? own : isValidationCase(c.id, seed, share) ? 'validation' : 'train';
    (side === 'train' ? train : validation).push(c);
  }
  if (!train.length) throw new ImproveInputError(`the split leaves no train case (${validation.length} validation case${validation.length === 1 ? '' : 's'}, --validation ${share}, --seed ${seed}): lower --validation or mark a case split: train`);
  const fromPipeline = orchestratorOf({ orchestrator: p.orchestrator, model: null }) ?? (env.ORC_ORCHESTRATOR_MODEL || null) ?? orchestratorOf({ orchestrator: null, model: p.model });
  const reflect = o.reflect ?? fromPipeline;
  if (!reflect) throw new ImproveInputError("the search needs a reflection model: --reflect provider:model, or 'orchestrator: provider:model' in the pipeline (or ORC_ORCHESTRATOR_MODEL)");
  if (!/^[A-Za-z0-9_.-]+:\S+$/.test(reflect)) throw new ImproveInputError(`--reflect '${reflect}': a model is written provider:model`);
  const provider = reflect.slice(0, reflect.indexOf(':'));
  if (!MODEL_PROVIDERS.includes(provider)) throw new ImproveInputError(`--reflect '${reflect}' names an unknown provider '${provider}' (use ${MODEL_PROVIDERS.map((x) => `'${x}'`).join(', ')})`);
  return { steps, train, validation, reflect, secrets };
}

const rate = (passed: number, n: number) => (n ? passed / n : 0);
const pair = (i: { low: number; high: number }): [number, number] => [Math.round(i.low * 1e4) / 1e4, Math.round(i.high * 1e4) / 1e4];

export async function runImprove(o: ImproveOptions & { now?: () => Date }): Promise<ImproveResult> {
  checkNumbers(o);
  const root = o.root;
  const env = o.env ?? process.env;
  const signal = o.signal ?? new AbortController().signal;
  setMaxListeners(0, signal);
  let evalText: string;
  try {
    evalText = withoutBom(readFileSync(o.evalFile, 'utf8'));
  } catch (e) {
    throw new ImproveInputError(`cannot read ${o.evalFile}: ${(e as Error).message}`);
  }
  const ea = analyzeEval(evalText, o.evalFile);
  const errors = ea.findings.filter((f) => f.severity === 'error');
  if (errors.length || !ea.eval || !ea.pipeline?.pipeline) throw new ImproveInputError(`${o.evalFile} does not compile: ${errors.map((f) => f.message).join('; ') || 'no pipeline'}`);
  const spec = ea.eval;
  const pa = ea.pipeline;
  const pipelineText = withoutBom(readFileSync(spec.pipeline, 'utf8'));
  const pipelineHash = sha256Text(pipelineText);
  const plan = await planOf(o, pa, root, signal, env, spec);
  const steps = plan.steps;
  const searched = new Set(steps);
  const seedPrompts = promptsOf(pa, steps);
  const baseErrors = pa.findings.filter((f) => f.severity === 'error').length;
  const redactor = new Redactor(env, plan.secrets);

  // the runners: the search's budget on every call, the cassette beside the eval
  const raw = o.models ?? createModelRunner({ env, registryFile: env.ORC_MODEL_REGISTRY || undefined });
  const ledger = o.budgetUsd !== undefined ? new RunLedger({ maxCostUsd: o.budgetUsd, maxTokens: null, maxDuration: null }) : null;
  const budgeted = ledger ? withBudget(raw, ledger, new Map()) : raw;
  const cassette: CassetteOptions | undefined = o.cassette ? { mode: o.cassette, file: o.cassetteFile ?? improveCassetteFile(o.evalFile) } : undefined;
  let models = budgeted;
  let tape: RunCassette | null = null;
  if (cassette) ({ models, cassette: tape } = withCassette(budgeted, cassette, redactor));
  const spent = () => ledger?.account.exceeded !== null && ledger?.account.exceeded !== undefined;

  const now = o.now?.() ?? new Date();
  const meta: ImproveMeta = {
    format: 1,
    improve_id: newExecutionId(now),
    eval_file: path.relative(root, o.evalFile),
    eval_sha256: sha256Text(evalText),
    pipeline_file: path.relative(root, spec.pipeline),
    pipeline_sha256: pipelineHash,
    steps,
    train: plan.train.map((c) => c.id),
    validation: plan.validation.map((c) => c.id),
    reflect: plan.reflect,
    seed: o.seed ?? DEFAULT_SEED,
    validation_share: o.validation ?? DEFAULT_VALIDATION,
    max_evals: o.maxEvals ?? null,
    budget_usd: o.budgetUsd ?? null,
    cassette: o.cassette ?? null,
    status: 'running',
    stopped: null,
    started_at: now.toISOString(),
    ended_at: null,
  };
  const record = ImproveRecord.create(root, meta);
  // the cases' run records: a line each in the search's pack (as an eval's), beside its record
  const records = new RunRecordWriter(path.join(record.dir, RUN_PACK));
  o.onEvent?.({ kind: 'start', improveId: meta.improve_id, dir: record.dir, steps, train: plan.train.length, validation: plan.validation.length, maxEvals: o.maxEvals ?? null });

  // a candidate's pipeline: its prompts written into the text, analysed again (refused when that breaks it)
  const analyses = new Map<string, { text: string; analysis: Analysis } | string>();
  const candidateOf = (prompts: Prompts): { text: string; analysis: Analysis } | string => {
    const key = JSON.stringify(steps.map((s) => prompts[s]));
    let hit = analyses.get(key);
    if (hit === undefined) {
      try {
        const { text, analysis } = writePrompts(pa, prompts);
        const errs = analysis.findings.filter((f) => f.severity === 'error');
        hit = errs.length > baseErrors ? `the analyzer refuses it: ${errs[0].message}` : { text, analysis };
      } catch (e) {
        hit = e instanceof EditRefused ? `it cannot be written into the pipeline: ${e.message}` : `it cannot be written into the pipeline: ${(e as Error).message}`;
      }
      analyses.set(key, hit);
    }
    return hit;
  };
  const byId = new Map([...plan.train, ...plan.validation].map((c) => [c.id, c]));
  const names = pa.pipeline!.parameters.map((p) => p.name);

  /** One case run with these prompts; null when cancelled. */
  const evaluate = async (prompts: Prompts, caseId: string): Promise<CaseOutcome | null> => {
    if (spent()) throw new SearchBudgetSpent();
    const cand = candidateOf(prompts);
    if (typeof cand === 'string') throw new Error(cand);
    const c = byId.get(caseId)!;
    const seen = new Map<string, { prompt: string | null; answer: unknown }>();
    let doc: ResultDocument | null = null;
    const caseModels = watching(models, seen, searched);
    const k: CaseRun = { root, spec, pa, names, models: caseModels, rawModels: watching(budgeted, seen, searched), cassette, signal, env, pipelineSource: cand.text, registry: undefined, redactor, records, onRun: (d) => void (doc = d) };
    const r = await judgeOneCase(k, cand.analysis, c, null, 0);
    if (!r) return null;
    // a case whose call the budget refused was not judged: the search stops, the case does not count
    if (spent()) throw new SearchBudgetSpent();
    const cost = Math.round((r.cost_usd + r.judge_cost_usd) * 1e9) / 1e9;
    if (r.pass) return { pass: true, cost_usd: cost, feedback: null };
    const d = doc as ResultDocument | null;
    const stepsSeen: CaseFeedback['steps'] = {};
    for (const s of steps) {
      const io = seen.get(s);
      const sr = d?.steps?.[s];
      stepsSeen[s] = { prompt: io?.prompt ?? null, answer: io ? io.answer : (sr?.result ?? null), status: sr?.status ?? null, ...(sr?.error ? { error: sr.error } : {}) };
    }
    const inputs = inputsFor(c.values, null, names);
    const feedback: CaseFeedback = {
      case: c.id,
      inputs: JSON.parse(redactor.text(JSON.stringify(inputs))) as Record<string, unknown>,
      steps: stepsSeen,
      failures: r.assertions.filter((a) => !a.pass).map((a) => ({ kind: a.kind, target: a.target, ...(a.description ? { description: a.description } : {}), expected: a.expected, actual: a.actual, reason: a.reason })),
      ...(r.error ? { error: r.error } : {}),
    };
    return { pass: false, cost_usd: cost, feedback };
  };

  let calls = 0;
  let reflectionCost = 0;
  const reflect = async (step: string, current: string, failures: CaseFeedback[]): Promise<Reflection> => {
    if (spent()) throw new SearchBudgetSpent();
    try {
      const r = await models.run({ model: plan.reflect, action: 'generate_structured', params: { prompt: redactor.text(reflectionPrompt(step, current, failures, steps)), stream: false }, system: REFLECTION_SYSTEM, schema: REFLECTION_SCHEMA, signal, onText: () => undefined });
      calls++;
      reflectionCost = Math.round((reflectionCost + r.cost_usd) * 1e9) / 1e9;
      return r.value as Reflection;
    } catch (e) {
      // refused by the budget before it was made: no call
      if (e instanceof BudgetExceededError || spent()) throw new SearchBudgetSpent();
      calls++;
      throw e;
    }
  };

  const check = (step: string, proposed: unknown, current: Prompts): string | null => {
    if (typeof proposed !== 'string') return 'the reflection\'s answer is not a prompt';
    if (!proposed.trim()) return 'the proposed prompt is empty';
    const s = pa.stepIndex.get(step)?.step;
    const maxTokens = typeof s?.parameters.max_tokens === 'number' ? s.parameters.max_tokens : WORST_CASE_OUT_TOKENS;
    if (proposed.length > maxTokens * 4) return `the proposed prompt is ${proposed.length} characters, over the step's max_tokens worth (${maxTokens} tokens, about ${maxTokens * 4} characters)`;
    const before = templateNames(current[step]) ?? [];
    const after = templateNames(proposed);
    if (after === null) return 'the proposed prompt is not a template that parses';
    const dropped = before.filter((n) => !after.includes(n));
    const added = after.filter((n) => !before.includes(n));
    if (dropped.length || added.length) return `the analyzer refuses it: it ${dropped.length ? `drops the template name${dropped.length === 1 ? '' : 's'} ${dropped.map((n) => `{{ ${n} }}`).join(', ')}` : ''}${dropped.length && added.length ? ' and ' : ''}${added.length ? `adds ${added.map((n) => `{{ ${n} }}`).join(', ')}` : ''}`;
    const cand = candidateOf({ ...current, [step]: proposed });
    return typeof cand === 'string' ? cand : null;
  };

  const publicCandidate = (c: SearchCandidate): ImproveCandidate => {
    const n = plan.train.filter((x) => x.id in c.results).length;
    const passed = plan.train.filter((x) => c.results[x.id]).length;
    return { id: c.id, parent: c.parent, steps: { ...c.prompts }, train_pass_rate: rate(passed, n), train_passed: passed, train_cases: n, cost_usd: c.cost_usd };
  };
  const parallel = Math.max(1, o.parallel ?? spec.maxParallel ?? 4);
  let caseCost = 0;
  let validationEvals = 0;
  let refusedCount = 0;

  /** The validation cases on these prompts (one after another: the figures are the same in any order); null when none or not all could run. */
  const validate = async (prompts: Prompts, who: string): Promise<{ passed: number; cases: number } | null> => {
    if (!plan.validation.length) return null;
    if (o.maxEvals !== undefined && validationEvals + plan.validation.length > o.maxEvals) return null;
    // `parallel` at once; the figures and the record's lines in the cases' order
    const queue = [...plan.validation];
    const got = new Map<string, CaseOutcome | null>();
    let spentOut = false;
    const worker = async () => {
      for (let c = queue.shift(); c && !signal.aborted && !spentOut; c = queue.shift()) {
        validationEvals++;
        try {
          got.set(c.id, await evaluate(prompts, c.id));
        } catch (e) {
          if (!(e instanceof SearchBudgetSpent)) throw e;
          validationEvals--;
          spentOut = true;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, plan.validation.length) }, worker));
    let passed = 0;
    for (const c of plan.validation) {
      const r = got.get(c.id);
      if (!r) continue;
      caseCost = Math.round((caseCost + r.cost_usd) * 1e9) / 1e9;
      record.append('cases.jsonl', { candidate: who, case: c.id, phase: 'validation', pass: r.pass, cost_usd: r.cost_usd });
      if (r.pass) passed++;
    }
    if (got.size < plan.validation.length || [...got.values()].some((r) => r === null)) return null;
    return { passed, cases: plan.validation.length };
  };

  let result: ImproveResult;
  try {
    // the first prompts' validation figure, before the search can spend the budget
    const seedPrompts0 = { ...seedPrompts };
    const vBefore = await validate(seedPrompts0, 'c0');
    const search = await searchPrompts({
      steps,
      seed: seedPrompts,
      train: plan.train.map((c) => c.id),
      rngSeed: o.seed ?? DEFAULT_SEED,
      maxEvals: o.maxEvals === undefined ? null : o.maxEvals - validationEvals,
      // room kept for the chosen prompts' validation runs
      reserveEvals: plan.validation.length,
      parallel,
      patience: o.patience,
      signal,
      evaluate,
      reflect,
      check,
      onCandidate: (c, evals) => {
        record.append('candidates.jsonl', { id: c.id, parent: c.parent, ...(c.merged_with ? { merged_with: c.merged_with } : {}), kind: c.kind, ...(c.step ? { step: c.step } : {}), ...(c.rationale !== undefined ? { rationale: c.rationale } : {}), prompts: c.prompts, results: c.results, complete: c.complete, cost_usd: c.cost_usd });
        o.onEvent?.({ kind: 'candidate', candidate: publicCandidate(c), evals: evals + validationEvals, calls, cost_usd: Math.round((caseCost + reflectionCost) * 1e9) / 1e9 });
      },
      onRefused: (step, reason) => {
        refusedCount++;
        record.append('refused.jsonl', { step, reason });
        o.onEvent?.({ kind: 'refused', step, reason });
      },
      onFront: (front) => {
        const f = front.map(publicCandidate);
        record.writeJson('front.json', f);
        o.onEvent?.({ kind: 'front', front: f });
      },
      onCaseRun: (candidate, caseId, outcome, phase) => {
        caseCost = Math.round((caseCost + outcome.cost_usd) * 1e9) / 1e9;
        record.append('cases.jsonl', { candidate, case: caseId, phase, pass: outcome.pass, cost_usd: outcome.cost_usd });
      },
    });
    const chosen = search.chosen;
    const seed = search.seed;
    // validation: the first prompts and the chosen ones (the same run when they are the same)
    const cancelled = search.stopped === 'cancelled';
    const vAfter = cancelled ? null : chosen === seed ? vBefore : await validate(chosen.prompts, chosen.id);
    const trainN = plan.train.length;
    const passedOn = (c: SearchCandidate) => plan.train.filter((x) => c.results[x.id]).length;
    const vn = plan.validation.length;
    result = {
      improveId: meta.improve_id,
      dir: record.dir,
      pipelineFile: spec.pipeline,
      pipelineHash,
      steps: Object.fromEntries(steps.map((s) => [s, { before: seed.prompts[s], after: chosen.prompts[s] }])),
      train: { before: rate(passedOn(seed), trainN), after: rate(passedOn(chosen), trainN), before_interval: pair(wilson(passedOn(seed), trainN)), after_interval: pair(wilson(passedOn(chosen), trainN)), cases: trainN },
      validation: {
        before: vBefore ? rate(vBefore.passed, vn) : null,
        after: vAfter ? rate(vAfter.passed, vn) : null,
        before_interval: vBefore ? pair(wilson(vBefore.passed, vn)) : null,
        after_interval: vAfter ? pair(wilson(vAfter.passed, vn)) : null,
        cases: vn,
      },
      evals: search.evals + validationEvals,
      calls,
      cost_usd: Math.round((caseCost + reflectionCost) * 1e9) / 1e9,
      front: search.front.map((c) => ({ id: c.id, steps: { ...c.prompts }, train_pass_rate: rate(passedOn(c), trainN), cost_usd: c.cost_usd })),
      chosen: chosen.id,
      stopped: search.stopped,
      refused: refusedCount,
      reflect: plan.reflect,
    };
  } finally {
    tape?.close();
    await records.close();
  }
  meta.status = 'done';
  meta.stopped = result.stopped;
  meta.ended_at = new Date().toISOString();
  record.writeMeta();
  record.writeJson('result.json', result);
  o.onEvent?.({ kind: 'done', result });
  return result;
}
