// Assertions: one function per kind, in a table. Each looks at a value of a finished run (an
// output, a step's result, or the run itself) and records what was expected, what was there,
// pass, score (0–1) and the reason. Operands are templates over `case`, `outputs`, `steps`,
// `value` and `run`, rendered with the project's template engine.
import Ajv from 'ajv';
import type { AgentStepResult, ResultDocument } from '../run/events';
import type { ModelRunner } from '../models/modelRunner';
import { evaluate, hasTemplateSyntax, renderValue, scopeOf, truthy } from '../template/index';
import { compileRegex, search } from '../template/regex';
import { embed } from '../models/embeddings';
import { TRAJECTORY_KINDS, type AssertionKind, type EvalAssertion, type EvalCase } from './evalFile';
import { judge } from './judge';
import { TRAJECTORY_CHECKS, type TrajectoryKind } from './trajectory';
import { isAgentResult } from '../agent/types';
import { guardAssertion, guardTarget, GUARD_ASSERTION_KINDS, type GuardTarget } from './guardAssertions';

export type AssertionStatus = 'pass' | 'fail' | 'error';

export interface AssertionResult {
  kind: AssertionKind;
  /** What was looked at: `output summary`, `step outline`, `run`. */
  target: string;
  description?: string;
  expected: unknown;
  actual: unknown;
  pass: boolean;
  status: AssertionStatus;
  score: number;
  reason: string;
  /** 0-based line of the assertion in the eval file (-1: not in it). */
  line: number;
  /** The judge's or the embedding model's own cost, counted apart from the run's. */
  judge_cost_usd?: number;
}

export interface AssertionContext {
  case: EvalCase;
  doc: ResultDocument;
  models: ModelRunner;
  /** Default judge (llm_rubric) and embedding (similar) models. */
  judge: string | null;
  embedding: string | null;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** The eval replays a cassette: nothing may go to the network (embeddings are not in cassettes). */
  replay?: boolean;
}

type Outcome = Pick<AssertionResult, 'expected' | 'actual' | 'pass' | 'reason'> & { score?: number; judge_cost_usd?: number };
type Check = (a: EvalAssertion, value: unknown, ctx: AssertionContext, render: (v: unknown) => unknown) => Outcome | Promise<Outcome>;

const MAX_SHOWN = 200;
export const DEFAULT_RUBRIC_THRESHOLD = 0.5;
export const DEFAULT_SIMILAR_THRESHOLD = 0.8;
export const DEFAULT_EMBEDDING_MODEL = 'openai:text-embedding-3-small';

/** A value as text: strings as they are, anything else as JSON. */
export function asText(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
}
const shown = (s: string) => (s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s);
const q = (v: unknown) => JSON.stringify(typeof v === 'string' ? shown(v) : v);

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

function parsedJson(v: unknown): { ok: true; value: unknown } | { ok: false; why: string } {
  if (typeof v !== 'string') return { ok: true, value: v };
  try {
    return { ok: true, value: JSON.parse(v) };
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
}

/** Made at the first `json_schema` assertion: an eval with none makes no validator (about 5 ms of its start). */
let ajvInstance: Ajv | null = null;
const ajvOf = () => (ajvInstance ??= new Ajv({ allErrors: false, strict: false }));

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

const containment = (negate: boolean, fold: boolean): Check => (a, value, _ctx, render) => {
  const expected = asText(render(a.operand));
  const actual = asText(value);
  const has = fold ? actual.toLowerCase().includes(expected.toLowerCase()) : actual.includes(expected);
  const pass = negate ? !has : has;
  return { expected, actual: shown(actual), pass, reason: pass ? '' : `${q(actual)} ${negate ? 'contains' : 'does not contain'} ${q(expected)}${fold ? ' (ignoring case)' : ''}` };
};

const length = (min: boolean): Check => (a, value) => {
  const n = Array.isArray(value) ? value.length : asText(value).length;
  const limit = a.operand as number;
  const pass = min ? n >= limit : n <= limit;
  return { expected: `${min ? '>=' : '<='} ${limit}`, actual: n, pass, reason: pass ? '' : `length ${n} is ${min ? 'under' : 'over'} ${limit}` };
};

/** A check of an agent step's trajectory (trajectory.ts): its value is the step's AgentStepResult. */
const trajectory = (kind: TrajectoryKind): Check => (a, value, _ctx, render) => TRAJECTORY_CHECKS[kind](a, value as AgentStepResult, render);

/** The table: one check per kind. */
export const CHECKS: Record<AssertionKind, Check> = {
  equals: (a, value, _ctx, render) => {
    const expected = render(a.operand);
    const pass = canonical(expected) === canonical(value) || (typeof value === 'string' && typeof expected !== 'string' && canonical(parsedJson(value).ok ? (parsedJson(value) as { value: unknown }).value : value) === canonical(expected));
    return { expected, actual: value, pass, reason: pass ? '' : `expected ${q(expected)}, got ${q(value)}` };
  },
  contains: containment(false, false),
  icontains: containment(false, true),
  not_contains: containment(true, false),
  regex: (a, value, _ctx, render) => {
    const pattern = asText(render(a.operand));
    const actual = asText(value);
    const pass = search(compileRegex(pattern), actual) !== null;
    return { expected: pattern, actual: shown(actual), pass, reason: pass ? '' : `${q(actual)} does not match /${pattern}/` };
  },
  is_json: (_a, value) => {
    const p = parsedJson(value);
    return { expected: 'JSON', actual: shown(asText(value)), pass: p.ok, reason: p.ok ? '' : `not JSON: ${p.why}` };
  },
  json_schema: (a, value) => {
    const p = parsedJson(value);
    if (!p.ok) return { expected: a.operand, actual: shown(asText(value)), pass: false, reason: `not JSON: ${p.why}` };
    const validate = ajvOf().compile(a.operand as Record<string, unknown>);
    const pass = validate(p.value) as boolean;
    const e = validate.errors?.[0];
    return { expected: a.operand, actual: p.value, pass, reason: pass ? '' : `${e?.instancePath || '(value)'} ${e?.message ?? 'does not match the schema'}` };
  },
  numeric: (a, value, _ctx, render) => {
    const expected = Number(render(a.operand));
    const actual = typeof value === 'number' ? value : Number(asText(value).trim());
    const tolerance = a.tolerance ?? 0;
    if (!Number.isFinite(expected)) throw new Error(`the expected value ${q(render(a.operand))} is not a number`);
    const pass = Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance;
    return { expected: tolerance ? `${expected} ± ${tolerance}` : expected, actual: Number.isFinite(actual) ? actual : shown(asText(value)), pass, reason: pass ? '' : Number.isFinite(actual) ? `${actual} is off ${expected} by ${Math.abs(actual - expected)}${tolerance ? ` (tolerance ${tolerance})` : ''}` : `${q(value)} is not a number` };
  },
  min_length: length(true),
  max_length: length(false),
  max_cost_usd: (a, value) => {
    const cost = value as number;
    const pass = cost <= (a.operand as number);
    return { expected: `<= ${a.operand}`, actual: cost, pass, reason: pass ? '' : `cost $${cost} is over $${a.operand}` };
  },
  max_latency_ms: (a, value) => {
    const ms = value as number;
    const pass = ms <= (a.operand as number);
    return { expected: `<= ${a.operand}`, actual: ms, pass, reason: pass ? '' : `${ms} ms is over ${a.operand} ms` };
  },
  status: (a, value) => {
    const pass = value === a.operand;
    return { expected: a.operand, actual: value, pass, reason: pass ? '' : `status is ${value}` };
  },
  expression: (a, _value, _ctx, render) => {
    const v = render(a.operand);
    const pass = truthy(v);
    return { expected: true, actual: v, pass, reason: pass ? '' : `${q(a.operand)} is ${q(v)}` };
  },
  llm_rubric: async (a, value, ctx, render) => {
    const rubric = asText(render(a.operand));
    const model = a.model ?? ctx.judge ?? (ctx.env.ORC_JUDGE_MODEL || null);
    if (!model) throw new Error("no judge model: give the assertion 'model:', the eval file 'judge:', or set ORC_JUDGE_MODEL");
    const v = await judge(ctx.models, model, rubric, asText(value), ctx.signal);
    const threshold = a.threshold ?? DEFAULT_RUBRIC_THRESHOLD;
    const pass = v.score >= threshold;
    return { expected: `score >= ${threshold}: ${rubric}`, actual: shown(asText(value)), pass, score: v.score, reason: v.reason, judge_cost_usd: v.costUsd };
  },
  similar: async (a, value, ctx, render) => {
    const expected = asText(render(a.operand));
    const model = a.model ?? ctx.embedding ?? DEFAULT_EMBEDDING_MODEL;
    if (ctx.replay) throw new Error(`'similar' asks ${model} for embeddings, which a cassette does not hold: under --replay it is not judged rather than called live`);
    const r = await embed(model, [asText(value), expected], { signal: ctx.signal, env: ctx.env });
    const score = Math.round(cosine(r.vectors[0], r.vectors[1]) * 1e4) / 1e4;
    const threshold = a.threshold ?? DEFAULT_SIMILAR_THRESHOLD;
    const pass = score >= threshold;
    return { expected, actual: shown(asText(value)), pass, score, reason: pass ? '' : `cosine similarity ${score} is under ${threshold}`, judge_cost_usd: r.costUsd };
  },
  tool_called: trajectory('tool_called'),
  tool_not_called: trajectory('tool_not_called'),
  tool_sequence: trajectory('tool_sequence'),
  max_turns: trajectory('max_turns'),
  max_tool_calls: trajectory('max_tool_calls'),
  handoff_to: trajectory('handoff_to'),
  guardrail_tripped: (a, value) => guardAssertion('guardrail_tripped', a.operand as string, value as GuardTarget),
  guardrail_not_tripped: (a, value) => guardAssertion('guardrail_not_tripped', a.operand as string, value as GuardTarget),
};

/** What an assertion looks at, in words and as a value (undefined: not there, with why). */
function targetOf(a: EvalAssertion, doc: ResultDocument): { label: string; value: unknown; missing: string | null } {
  const run = a.kind === 'max_cost_usd' || a.kind === 'max_latency_ms' || a.kind === 'status';
  if (GUARD_ASSERTION_KINDS.has(a.kind)) return guardTarget(a, doc);
  if (TRAJECTORY_KINDS.has(a.kind) && !(a.target && 'step' in a.target)) return { label: a.target ? `output ${a.target.output}` : 'run', value: undefined, missing: `'${a.kind}' looks at an agent step: give it 'step: ID'` };
  if (a.target && 'step' in a.target) {
    const r = doc.steps[a.target.step];
    const label = `step ${a.target.step}`;
    if (!r) return { label, value: undefined, missing: `step '${a.target.step}' has no result` };
    // a failed agent step keeps its loop so far as its result: its trajectory is judged as it is
    if (TRAJECTORY_KINDS.has(a.kind)) {
      if (isAgentResult(r.result)) return { label, value: r.result, missing: null };
      return { label, value: undefined, missing: r.status === 'completed' ? `step '${a.target.step}' is not an agent step: it has no tool calls or turns to look at` : `step '${a.target.step}' ${r.status}${r.error ? `: ${r.error}` : ''}` };
    }
    if (a.kind === 'max_cost_usd') return { label, value: r.cost_usd, missing: null };
    if (a.kind === 'max_latency_ms') return { label, value: r.duration_ms ?? 0, missing: null };
    if (a.kind === 'status') return { label, value: r.status === 'completed' && r.success !== false ? 'completed' : 'failed', missing: null };
    const missing = r.status === 'completed' ? null : `step '${a.target.step}' ${r.status}${r.error ? `: ${r.error}` : ''}`;
    return { label, value: r.result, missing };
  }
  if (a.target && 'output' in a.target && !run) {
    const has = Object.prototype.hasOwnProperty.call(doc.outputs, a.target.output);
    const why = doc.output_errors?.[a.target.output] ?? (doc.failed_steps.length ? `the run ${doc.status} at step '${doc.failed_steps[0]}': ${doc.steps[doc.failed_steps[0]]?.error ?? ''}` : `the run ${doc.status}`);
    // after a failed run an output may render from what is missing (null): it is not the pipeline's answer
    const produced = has && doc.status === 'completed';
    return { label: `output ${a.target.output}`, value: doc.outputs[a.target.output], missing: produced ? null : `output '${a.target.output}' was not produced (${why})` };
  }
  if (a.kind === 'max_cost_usd') return { label: 'run', value: doc.cost_usd, missing: null };
  if (a.kind === 'max_latency_ms') return { label: 'run', value: doc.duration_ms, missing: null };
  if (a.kind === 'status') return { label: 'run', value: doc.status === 'completed' ? 'completed' : 'failed', missing: null };
  return { label: 'run', value: undefined, missing: null };
}

/** The scope of an assertion's templates. */
function scopeFor(ctx: AssertionContext, value: unknown) {
  const { doc } = ctx;
  return scopeOf({
    case: { id: ctx.case.id, ...ctx.case.values },
    outputs: doc.outputs,
    steps: doc.steps,
    value,
    run: { status: doc.status, success: doc.success, cost_usd: doc.cost_usd, duration_ms: doc.duration_ms, tokens_in: doc.tokens_in, tokens_out: doc.tokens_out, execution_id: doc.execution_id },
  });
}

export function runAssertion(a: EvalAssertion, ctx: AssertionContext): Promise<AssertionResult> {
  try {
    return Promise.resolve(assertionNow(a, ctx));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * An assertion's result, at once when its check is synchronous (every kind but the judge's and the
 * embeddings'): an async layer per assertion made a promise, a frame and a reaction per case.
 */
export function assertionNow(a: EvalAssertion, ctx: AssertionContext): AssertionResult | Promise<AssertionResult> {
  const t = targetOf(a, ctx.doc);
  // made when an operand is first rendered (is_json, for one, renders nothing)
  let scope: ReturnType<typeof scopeFor> | null = null;
  const render = (v: unknown): unknown => (typeof v !== 'string' ? v : a.kind === 'expression' && !hasTemplateSyntax(v) ? evaluate(v, (scope ??= scopeFor(ctx, t.value))) : renderValue(v, (scope ??= scopeFor(ctx, t.value))));
  if (t.missing) return result(a, t, typeof a.operand === 'string' ? a.operand : a.operand, null, false, 'fail', 0, t.missing);
  let o: Outcome | Promise<Outcome>;
  try {
    o = CHECKS[a.kind](a, t.value, ctx, render);
  } catch (e) {
    return failed(a, t, ctx, e);
  }
  if (o instanceof Promise) return o.then((x) => passed(a, t, x), (e: unknown) => failed(a, t, ctx, e));
  return passed(a, t, o);
}

/**
 * A result in its fields' order (kind, target, description when there is one, line, ...): written
 * as literals, not spread from a base, which made each result a slow dictionary of a kilobyte.
 */
function result(a: EvalAssertion, t: { label: string }, expected: unknown, actual: unknown, pass: boolean, status: AssertionStatus, score: number, reason: string): AssertionResult {
  return a.description
    ? { kind: a.kind, target: t.label, description: a.description, line: a.line, expected, actual, pass, status, score, reason }
    : { kind: a.kind, target: t.label, line: a.line, expected, actual, pass, status, score, reason };
}

function passed(a: EvalAssertion, t: { label: string }, o: Outcome): AssertionResult {
  const r = result(a, t, o.expected, o.actual, o.pass, o.pass ? 'pass' : 'fail', o.score ?? (o.pass ? 1 : 0), o.reason);
  if (o.judge_cost_usd !== undefined) r.judge_cost_usd = o.judge_cost_usd;
  return r;
}

function failed(a: EvalAssertion, t: { label: string }, ctx: AssertionContext, e: unknown): AssertionResult {
  if (ctx.signal.aborted) throw e;
  return result(a, t, a.operand, null, false, 'error', 0, (e as Error).message);
}
