// An eval file (`NAME.eval.yaml`): its types, and the structural reading of its YAML into them with
// a finding (exact range) for every key or value of the wrong shape. What it says about the
// pipeline (outputs, steps, parameters) is checked by evalAnalysis.ts.
import * as path from 'node:path';
import { keyRange, valueRange, formatPath, type ParsedYaml } from '../parse/yamlDocument';
import type { Finding, Range, Severity, ValuePath } from '../spec/types';
import { didYouMean, suggest } from '../analyze/suggest';
import { EVAL_FINDING_CODES, type EvalFindingCode } from './evalCodes';
import { trialsOf, trialThresholdOf, type TrialsSpec } from './trialRules';
import { hasOwnKeys } from '../util/none';

import { ASSERTION_KINDS, assertionOperandProblem, type AssertionKind } from '../spec/assertionKinds';

export { ASSERTION_KINDS, type AssertionKind };
/** Kinds about the run (or a step) as a whole, which need no value to look at. */
export const RUN_KINDS: ReadonlySet<AssertionKind> = new Set(['max_cost_usd', 'max_latency_ms', 'status', 'expression']);
/** Kinds about an agent step's trajectory (its calls and turns): they look at `step: ID` of an agent step only. */
export const TRAJECTORY_KINDS: ReadonlySet<AssertionKind> = new Set(['tool_called', 'tool_not_called', 'tool_sequence', 'max_turns', 'max_tool_calls', 'handoff_to']);
const ASSERTION_OPTIONS = ['output', 'step', 'threshold', 'tolerance', 'model', 'description', 'args'];

export type AssertionTarget = { output: string } | { step: string } | null;

export interface EvalAssertion {
  kind: AssertionKind;
  target: AssertionTarget;
  /** The kind's operand as written (strings are templates, rendered per case). */
  operand: unknown;
  threshold: number | null;
  tolerance: number | null;
  /** The judge's (llm_rubric) or the embedding model's (similar) `provider:model`. */
  model: string | null;
  /** `tool_called`: the arguments a call must have (a subset; its strings are templates). */
  args: Record<string, unknown> | null;
  description: string | null;
  /** Where in the eval file (for a case's own assertions: in the dataset when inline). */
  path: ValuePath;
  /** 0-based line of the assertion in the eval file (-1 for assertions of a dataset file). */
  line: number;
}

export interface EvalVariant {
  name: string;
  /** `*` (every model step) or a step id → `provider:model`. */
  models: Record<string, string>;
  parameters: Record<string, unknown>;
  path: ValuePath;
}

export interface EvalCase {
  id: string;
  /** Every key of the case but `id`, `assert` and `skip`. */
  values: Record<string, unknown>;
  assert: EvalAssertion[];
  skip: string | null;
  /** 1-based line in the dataset file (or in the eval file, inline). */
  line: number;
  /** The case's own settings as written (CASE_OPTIONS: trials, trial_threshold, step, upstream, from_run, mocks, split: `orc improve`'s train or validation). */
  options?: Record<string, unknown>;
}

export type CasesSource = { kind: 'inline'; cases: EvalCase[] } | { kind: 'file'; file: string; format: 'jsonl' | 'csv' | 'json'; written: string };

export interface EvalSpec {
  /** The eval file's absolute path (null for text without a file). */
  file: string | null;
  /** The pipeline file, absolute, and as written. */
  pipeline: string;
  pipelineWritten: string;
  cases: CasesSource;
  variants: EvalVariant[];
  assert: EvalAssertion[];
  threshold: number;
  repeat: number;
  /** The default judge model of `llm_rubric` assertions. */
  judge: string | null;
  /** The default embedding model of `similar` assertions. */
  embedding: string | null;
  maxParallel: number | null;
  /** Answers given ahead to the steps that ask a person (an approval gate, an agent's `approve: true` calls), by step id: what `-i STEP_ID=VALUE` gives `orc run`. */
  answers: Record<string, unknown>;
  /** `trials:` of every case (a case may give its own), or null: each case runs `repeat` times as before. */
  trials: TrialsSpec | null;
  /** `trial_threshold:` the share of a case's trials that must pass (default 1: pass^k). */
  trialThreshold: number;
}

const TOP_KEYS = ['pipeline', 'cases', 'variants', 'assert', 'threshold', 'repeat', 'trials', 'trial_threshold', 'judge', 'embedding', 'max_parallel', 'answers', 'description'];
const VARIANT_KEYS = ['name', 'models', 'parameters', 'description'];
/** A case's own settings: not inputs, not columns. */
export const CASE_OPTIONS = ['trials', 'trial_threshold', 'step', 'upstream', 'from_run', 'mocks', 'split'];
export const CASE_RESERVED = ['id', 'assert', 'skip', ...CASE_OPTIONS];
const MODEL_FORM = /^[A-Za-z0-9_.-]+:\S+$/;

export const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Findings of an eval file, placed on exact ranges of its YAML. */
export class EvalSink {
  readonly findings: Finding[] = [];
  constructor(readonly parsed: ParsedYaml) {}

  add(code: EvalFindingCode, message: string, range: Range, p: ValuePath, suggestions: string[] = [], severity?: Severity): void {
    this.findings.push({ code, severity: severity ?? EVAL_FINDING_CODES[code].severity, message, range, step: null, path: formatPath(p), suggestions });
  }
  atKey(code: EvalFindingCode, message: string, p: ValuePath, suggestions?: string[], severity?: Severity): void {
    this.add(code, message, keyRange(this.parsed, p), p, suggestions, severity);
  }
  /** At the value; a block mapping or list ends at its last character, not at the line after it. */
  atValue(code: EvalFindingCode, message: string, p: ValuePath, suggestions?: string[], severity?: Severity): void {
    const r = valueRange(this.parsed, p);
    const lines = this.parsed.lines;
    const start = lines.offset(r.start);
    let end = lines.offset(r.end);
    while (end > start + 1 && /\s/.test(this.parsed.text[end - 1])) end--;
    this.add(code, message, lines.range(start, end), p, suggestions, severity);
  }
  lineOf(p: ValuePath): number {
    return keyRange(this.parsed, p).start.line;
  }
}

function unknownKeys(sink: EvalSink, m: Record<string, unknown>, allowed: string[], where: string, at: ValuePath): void {
  for (const k of Object.keys(m)) {
    if (allowed.includes(k)) continue;
    const s = suggest(k, allowed);
    sink.atKey('eval.unknown-key', `Unknown key '${k}' in ${where}.${didYouMean(s)}`, [...at, k], s);
  }
}

function num(sink: EvalSink, v: unknown, p: ValuePath, what: string, min: number, max = Infinity, integer = false): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    const range = max === Infinity ? `${integer ? 'a whole number' : 'a number'} of at least ${min}` : `a number from ${min} to ${max}`;
    sink.atValue('eval.type', `'${what}' must be ${range}.`, p);
    return null;
  }
  return v;
}

function model(sink: EvalSink, v: unknown, p: ValuePath): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !MODEL_FORM.test(v)) {
    sink.atValue('eval.model-invalid', `Model ${JSON.stringify(v)} must be written 'provider:model' (e.g. openai:gpt-4o-mini).`, p);
    return null;
  }
  return v;
}

/** One assertion; null when it has no usable kind (a finding says why). */
export function readAssertion(sink: EvalSink, v: unknown, p: ValuePath, lines: boolean): EvalAssertion | null {
  if (!isMapping(v)) {
    sink.atValue('eval.type', 'An assertion is a mapping: a kind (`contains: x`, `equals: y`, ...) with `output:` or `step:`.', p);
    return null;
  }
  const kinds = Object.keys(v).filter((k) => (ASSERTION_KINDS as readonly string[]).includes(k)) as AssertionKind[];
  for (const k of Object.keys(v)) {
    if ((ASSERTION_KINDS as readonly string[]).includes(k) || ASSERTION_OPTIONS.includes(k)) continue;
    const s = suggest(k, [...ASSERTION_KINDS, ...ASSERTION_OPTIONS]);
    sink.atKey('eval.unknown-key', `Unknown key '${k}' in an assertion.${didYouMean(s)}`, [...p, k], s);
  }
  if (kinds.length !== 1) {
    if (kinds.length > 1) sink.atKey('eval.assertion-kind', `An assertion has one kind; this one has ${kinds.map((k) => `'${k}'`).join(' and ')}: write one assertion for each.`, [...p, kinds[1]]);
    else if (!Object.keys(v).some((k) => !ASSERTION_OPTIONS.includes(k))) sink.atValue('eval.assertion-kind', `An assertion needs a kind: ${ASSERTION_KINDS.join(', ')}.`, p);
    return null;
  }
  const kind = kinds[0];
  const operand = v[kind];
  const op = [...p, kind];
  const bad = (what: string) => sink.atValue('eval.type', `'${kind}' takes ${what}.`, op);
  const wanted = assertionOperandProblem(kind, operand);
  if (wanted) bad(wanted);
  let args: Record<string, unknown> | null = null;
  if (v.args !== undefined) {
    if (kind !== 'tool_called') sink.atKey('eval.unknown-key', `'args' goes with 'tool_called' (the arguments a call must have), not with '${kind}'.`, [...p, 'args']);
    else if (!isMapping(v.args)) sink.atValue('eval.type', "'args' maps argument names to the values a call must have (a subset of its arguments).", [...p, 'args']);
    else args = v.args;
  }
  const output = v.output;
  const step = v.step;
  let target: AssertionTarget = null;
  if (output !== undefined && step !== undefined) sink.atKey('eval.assertion-target', "An assertion looks at one value: 'output' or 'step', not both.", [...p, 'step']);
  else if (output !== undefined) {
    if (typeof output === 'string' && output) target = { output };
    else sink.atValue('eval.type', "'output' takes the name of one of the pipeline's outputs.", [...p, 'output']);
  } else if (step !== undefined) {
    if (typeof step === 'string' && step) target = { step };
    else sink.atValue('eval.type', "'step' takes a step id.", [...p, 'step']);
  }
  return {
    kind,
    target,
    operand,
    threshold: num(sink, v.threshold, [...p, 'threshold'], 'threshold', 0, 1),
    tolerance: num(sink, v.tolerance, [...p, 'tolerance'], 'tolerance', 0),
    model: model(sink, v.model, [...p, 'model']),
    args,
    description: typeof v.description === 'string' ? v.description : null,
    path: p,
    line: lines ? sink.lineOf(p) : -1,
  };
}

export function readAssertions(sink: EvalSink, v: unknown, p: ValuePath, lines: boolean): EvalAssertion[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    sink.atValue('eval.type', "'assert' is a list of assertions.", p);
    return [];
  }
  const out: EvalAssertion[] = [];
  v.forEach((a, i) => {
    const r = readAssertion(sink, a, [...p, i], lines);
    if (r) out.push(r);
  });
  return out;
}

/** A case from a mapping (inline or a dataset row); `at` places its findings (inline only). */
export function caseOf(row: Record<string, unknown>, index: number, line: number, assertions: EvalAssertion[]): EvalCase {
  const values: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(row)) {
    if (CASE_OPTIONS.includes(k)) options[k] = val;
    else if (!CASE_RESERVED.includes(k)) values[k] = val;
  }
  const id = row.id === undefined || row.id === null || row.id === '' ? `case-${index + 1}` : String(row.id);
  const skip = row.skip === undefined || row.skip === null || row.skip === false || row.skip === '' ? null : typeof row.skip === 'string' ? row.skip : 'skipped';
  const c: EvalCase = { id, values, assert: assertions, skip, line };
  if (hasOwnKeys(options)) c.options = options;
  return c;
}

function readCases(sink: EvalSink, v: unknown, base: string): CasesSource | null {
  if (typeof v === 'string') {
    const ext = /\.(jsonl|csv|json)$/i.exec(v)?.[1]?.toLowerCase() as 'jsonl' | 'csv' | 'json' | undefined;
    if (!ext) {
      sink.atValue('eval.dataset-format', `'${v}' is not a dataset this reads: give a .jsonl, .csv or .json file, or a list of cases.`, ['cases']);
      return null;
    }
    return { kind: 'file', file: path.resolve(base, v), format: ext, written: v };
  }
  if (!Array.isArray(v)) {
    sink.atValue('eval.type', "'cases' is a file (.jsonl, .csv, .json) or a list of cases.", ['cases']);
    return null;
  }
  const cases: EvalCase[] = [];
  const seen = new Set<string>();
  v.forEach((row, i) => {
    const p: ValuePath = ['cases', i];
    if (!isMapping(row)) {
      sink.atValue('eval.type', 'A case is a mapping: its parameters, the values its assertions read, and optional id, assert, skip.', p);
      return;
    }
    const c = caseOf(row, i, sink.lineOf(p) + 1, readAssertions(sink, row.assert, [...p, 'assert'], true));
    readTrials(sink, row, p);
    if (row.split !== undefined && row.split !== 'train' && row.split !== 'validation') sink.atValue('eval.type', "'split' is train or validation (the case's side in `orc improve`).", [...p, 'split']);
    if (seen.has(c.id)) sink.atValue('eval.duplicate-name', `Two cases have the id '${c.id}'.`, row.id === undefined ? p : [...p, 'id']);
    seen.add(c.id);
    cases.push(c);
  });
  return { kind: 'inline', cases };
}

function readVariants(sink: EvalSink, v: unknown): EvalVariant[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    sink.atValue('eval.type', "'variants' is a list of variants: each a name with models and parameters.", ['variants']);
    return [];
  }
  const out: EvalVariant[] = [];
  const seen = new Set<string>();
  v.forEach((row, i) => {
    const p: ValuePath = ['variants', i];
    if (!isMapping(row)) return sink.atValue('eval.type', 'A variant is a mapping: name, models, parameters.', p);
    unknownKeys(sink, row, VARIANT_KEYS, 'a variant', p);
    if (typeof row.name !== 'string' || !row.name) return sink.atValue(row.name === undefined ? 'eval.missing-key' : 'eval.type', 'A variant needs a name.', row.name === undefined ? p : [...p, 'name']);
    if (seen.has(row.name)) sink.atValue('eval.duplicate-name', `Two variants are named '${row.name}'.`, [...p, 'name']);
    seen.add(row.name);
    const models: Record<string, string> = {};
    if (row.models !== undefined) {
      if (!isMapping(row.models)) sink.atValue('eval.type', "'models' maps '*' (every model step) or a step id to a model.", [...p, 'models']);
      else for (const [k, m] of Object.entries(row.models)) {
        const ok = model(sink, m, [...p, 'models', k]);
        if (ok) models[k] = ok;
      }
    }
    let parameters: Record<string, unknown> = {};
    if (row.parameters !== undefined) {
      if (!isMapping(row.parameters)) sink.atValue('eval.type', "'parameters' maps the pipeline's parameters to values.", [...p, 'parameters']);
      else parameters = row.parameters;
    }
    out.push({ name: row.name, models, parameters, path: p });
  });
  return out;
}

/** `answers: {STEP_ID: VALUE}`: what each step that asks a person is answered in every case's run. */
function readAnswers(sink: EvalSink, v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (v === undefined) return out;
  if (!isMapping(v)) {
    sink.atValue('eval.type', "'answers' maps the id of a step that asks a person (an approval gate, an agent with approve: true) to its answer, as -i STEP_ID=VALUE does for orc run.", ['answers']);
    return out;
  }
  for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Reads `trials` and `trial_threshold` of the eval (or of an inline case at `at`), with findings. */
function readTrials(sink: EvalSink, m: Record<string, unknown>, at: ValuePath): { trials: TrialsSpec | null; threshold: number | null } {
  const t = trialsOf(m.trials);
  if (typeof t === 'string') sink.atValue('eval.type', t, [...at, 'trials']);
  const th = trialThresholdOf(m.trial_threshold);
  if (typeof th === 'string') sink.atValue('eval.type', th, [...at, 'trial_threshold']);
  return { trials: typeof t === 'string' ? null : t, threshold: typeof th === 'string' ? null : th };
}

/** The eval spec of a parsed eval file; null when it lacks what an eval needs (findings say what). */
export function readEvalSpec(sink: EvalSink, value: unknown, file: string | null): EvalSpec | null {
  if (!isMapping(value)) {
    sink.atValue('eval.not-a-mapping', 'An eval file is a mapping: pipeline, cases, assert, and optional variants, threshold, repeat.', []);
    return null;
  }
  unknownKeys(sink, value, TOP_KEYS, 'an eval file', []);
  const base = file ? path.dirname(file) : process.cwd();
  const firstLine = sink.parsed.lines.range(0, Math.max(0, sink.parsed.text.search(/\r?\n|$/)));
  for (const k of ['pipeline', 'cases']) if (value[k] === undefined) sink.add('eval.missing-key', `An eval file needs '${k}'.`, firstLine, []);
  let pipeline: string | null = null;
  if (value.pipeline !== undefined) {
    if (typeof value.pipeline === 'string' && value.pipeline) pipeline = value.pipeline;
    else sink.atValue('eval.type', "'pipeline' is the pipeline file's path, relative to this file.", ['pipeline']);
  }
  const cases = value.cases === undefined ? null : readCases(sink, value.cases, base);
  const trials = readTrials(sink, value, []);
  if (trials.trials && typeof value.repeat === 'number' && value.repeat > 1) sink.atKey('eval.type', "'repeat' and 'trials' both run a case more than once: give 'trials' alone (it judges the case on its trials' pass rate).", ['repeat']);
  const spec: EvalSpec = {
    file,
    pipeline: pipeline ? path.resolve(base, pipeline) : '',
    pipelineWritten: pipeline ?? '',
    cases: cases ?? { kind: 'inline', cases: [] },
    variants: readVariants(sink, value.variants),
    assert: readAssertions(sink, value.assert, ['assert'], true),
    threshold: num(sink, value.threshold, ['threshold'], 'threshold', 0, 1) ?? 1,
    repeat: num(sink, value.repeat, ['repeat'], 'repeat', 1, Infinity, true) ?? 1,
    judge: model(sink, value.judge, ['judge']),
    embedding: model(sink, value.embedding, ['embedding']),
    maxParallel: num(sink, value.max_parallel, ['max_parallel'], 'max_parallel', 1, Infinity, true),
    answers: readAnswers(sink, value.answers),
    trials: trials.trials,
    trialThreshold: trials.threshold ?? 1,
  };
  return pipeline && cases ? spec : null;
}
