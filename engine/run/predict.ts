// Predicted duration and cost before a run (`orc plan`), per step and in total, each with a range:
// from earlier runs where the same step (by its definition's hash) ran, else for a model step from
// the registry's prices and a token estimate of its prompt, else unknown. The makespan is the
// engine's own scheduling (longest remaining path first, `max_parallel` slots) simulated with the
// predicted durations.
import { createHash } from 'node:crypto';
import type { Pipeline, Plan, Step } from '../spec/types';
import type { PredictedRange } from './events';
import type { HistoryRun, HistoryStep } from './history';
import { workingMs } from './pauseClock';
import type { RegistryModel } from '../models/registry';
import { actionSpec, TOOL_SPECS } from '../toolkit/toolSpecs';
import { renderValue, type Scope } from '../template/index';
import { Heap } from '../util/heap';

export type Range = PredictedRange;

export interface StepPrediction {
  step: string;
  source: 'history' | 'registry' | 'unknown';
  /** Earlier runs of this step as it is defined now. */
  samples: number;
  duration_ms: Range | null;
  cost_usd: Range | null;
  model?: string;
  tokens_in_estimate?: number;
  tokens_out_estimate?: number;
}

export interface Prediction {
  max_parallel: number;
  steps: StepPrediction[];
  /** Sum over the steps whose cost is known. */
  cost_usd: Range;
  /** The simulated makespan; steps of unknown duration count as 0 (they are listed in `unknown`). */
  makespan_ms: Range;
  /** The longest chain by expected duration. */
  critical_path: string[];
  unknown: string[];
}

/** A step's definition hash: the same step, defined the same way, in any run. */
export function definitionHash(step: Step): string {
  return createHash('sha256').update(JSON.stringify(step.raw)).digest('hex').slice(0, 16);
}

/** Output tokens assumed for a model step that sets no `max_tokens` (the expected figure; the range's high end is twice it). */
export const DEFAULT_OUTPUT_TOKENS = 512;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rangeOf = (xs: number[]): Range => ({ expected: median(xs), low: Math.min(...xs), high: Math.max(...xs) });
const roundCost = (x: number) => Math.round(x * 1e8) / 1e8;

function modelOf(step: Step, pipeline: Pipeline): string | null {
  if (typeof step.parameters.model === 'string' && step.parameters.model) return step.parameters.model;
  if (step.model) return step.model;
  if (step.expert && Object.prototype.hasOwnProperty.call(pipeline.experts, step.expert)) return pipeline.experts[step.expert];
  return pipeline.model;
}

/** The prompt's text as far as it can be rendered before the run: parameters only (step results are not known yet; a template that needs one counts as its own text). */
function promptText(step: Step, inputs: Record<string, unknown>): string {
  const scope: Scope = { lookup: (name) => (Object.prototype.hasOwnProperty.call(inputs, name) ? { found: true, value: inputs[name] } : name === 'parameters' || name === 'inputs' ? { found: true, value: inputs } : { found: false }) };
  const parts: string[] = [];
  for (const key of ['prompt', 'system', 'text', 'content', 'input']) {
    const v = step.parameters[key];
    if (typeof v !== 'string') continue;
    try {
      const r = renderValue(v, scope);
      parts.push(typeof r === 'string' ? r : JSON.stringify(r));
    } catch {
      parts.push(v);
    }
  }
  return parts.join('\n');
}

/** About four characters a token, as the providers' tokenizers average on English text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export interface PredictOptions {
  maxParallel: number;
  /** Parameter values (defaults filled in), for rendering prompts. */
  inputs: Record<string, unknown>;
  registry: RegistryModel[];
  /** Earlier runs of this pipeline (their result documents, or what predictionHistory keeps of them). */
  history: HistoryRun[];
}

export function predictStep(step: Step, pipeline: Pipeline, o: PredictOptions): StepPrediction {
  const hash = definitionHash(step);
  const ran = o.history
    .filter((d) => d.definitions?.[step.id] === hash)
    .map((d) => d.steps[step.id])
    .filter((r): r is HistoryStep => Boolean(r) && r!.status === 'completed' && r!.success === true && !r!.cached && r!.duration_ms !== null);
  if (ran.length) {
    return { step: step.id, source: 'history', samples: ran.length, duration_ms: rangeOf(ran.map((r) => workingMs(r)!)), cost_usd: rangeOf(ran.map((r) => r.cost_usd)) };
  }
  // a tool action that calls a model (prompt-optimization, ...) costs what its calls cost: unknown until it has run
  const usesModel = !step.loop && step.action !== null && actionSpec(TOOL_SPECS, step.tool, step.action)?.usesModel === true;
  const model = usesModel && !step.tool ? modelOf(step, pipeline) : null;
  const entry = model ? o.registry.find((m) => m.id === model) : undefined;
  if (entry) {
    const tokensIn = estimateTokens(promptText(step, o.inputs));
    const maxTokens = typeof step.parameters.max_tokens === 'number' ? step.parameters.max_tokens : null;
    const out = maxTokens ?? DEFAULT_OUTPUT_TOKENS;
    const price = (tin: number, tout: number) => roundCost((tin * entry.price_in + tout * entry.price_out) / 1_000_000);
    return {
      step: step.id,
      source: 'registry',
      samples: 0,
      duration_ms: null,
      cost_usd: { expected: price(tokensIn, out), low: price(tokensIn, 0), high: price(tokensIn, maxTokens ?? 2 * out) },
      model: entry.id,
      tokens_in_estimate: tokensIn,
      tokens_out_estimate: out,
    };
  }
  // a step without a model costs nothing; its duration is unknown until it has run
  return { step: step.id, source: 'unknown', samples: 0, duration_ms: null, cost_usd: usesModel ? null : { expected: 0, low: 0, high: 0 } };
}

/** The engine's list scheduling, simulated: a step starts when its dependencies have ended and a slot is free, longest remaining path first. */
export function simulateMakespan(plan: Plan, durations: Map<string, number>, maxParallel: number): number {
  const children = new Map<string, string[]>(plan.steps.map((s) => [s, []]));
  const waiting = new Map<string, number>(plan.steps.map((s) => [s, 0]));
  for (const e of plan.edges) {
    children.get(e.from)?.push(e.to);
    waiting.set(e.to, (waiting.get(e.to) ?? 0) + 1);
  }
  const rank = new Map<string, number>();
  for (let i = plan.executionOrder.length - 1; i >= 0; i--) {
    const id = plan.executionOrder[i];
    rank.set(id, (durations.get(id) ?? 0) + Math.max(0, ...(children.get(id) ?? []).map((c) => rank.get(c) ?? 0)));
  }
  const order = new Map(plan.executionOrder.map((id, i) => [id, i]));
  // ready: longest remaining path first, then document order; running: earliest end first
  const ready = new Heap<string>((a, b) => (rank.get(b) ?? 0) - (rank.get(a) ?? 0) || order.get(a)! - order.get(b)!);
  for (const id of plan.executionOrder) if (waiting.get(id) === 0) ready.push(id);
  const running = new Heap<{ id: string; end: number }>((a, b) => a.end - b.end);
  let now = 0;
  let makespan = 0;
  const slots = Math.max(1, maxParallel);
  while (ready.size || running.size) {
    while (running.size < slots && ready.size) {
      const id = ready.pop()!;
      running.push({ id, end: now + (durations.get(id) ?? 0) });
    }
    const next = running.pop()!;
    now = next.end;
    makespan = Math.max(makespan, now);
    for (const c of children.get(next.id) ?? []) {
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) ready.push(c);
    }
  }
  return makespan;
}

function longestPath(plan: Plan, durations: Map<string, number>): string[] {
  const best = new Map<string, { total: number; prev: string | null }>();
  const parents = new Map<string, string[]>();
  for (const e of plan.edges) parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
  for (const id of plan.executionOrder) {
    let prev: string | null = null;
    let base = 0;
    for (const p of parents.get(id) ?? []) {
      const b = best.get(p);
      if (b && b.total > base) {
        base = b.total;
        prev = p;
      }
    }
    best.set(id, { total: base + (durations.get(id) ?? 0), prev });
  }
  let end: string | null = null;
  for (const [id, b] of best) if (end === null || b.total > best.get(end)!.total) end = id;
  const path: string[] = [];
  for (let at = end; at; at = best.get(at)!.prev) path.unshift(at);
  return path;
}

export function predict(pipeline: Pipeline, plan: Plan, o: PredictOptions): Prediction {
  const steps = pipeline.steps.map((s) => predictStep(s, pipeline, o));
  const pick = (k: keyof Range) => new Map(steps.map((p) => [p.step, p.duration_ms?.[k] ?? 0]));
  const sum = (k: keyof Range) => roundCost(steps.reduce((t, p) => t + (p.cost_usd?.[k] ?? 0), 0));
  return {
    max_parallel: o.maxParallel,
    steps,
    cost_usd: { expected: sum('expected'), low: sum('low'), high: sum('high') },
    makespan_ms: { expected: simulateMakespan(plan, pick('expected'), o.maxParallel), low: simulateMakespan(plan, pick('low'), o.maxParallel), high: simulateMakespan(plan, pick('high'), o.maxParallel) },
    // with no duration known there is no path by time to speak of
    critical_path: steps.some((p) => p.duration_ms) ? longestPath(plan, pick('expected')) : [],
    unknown: steps.filter((p) => p.duration_ms === null).map((p) => p.step),
  };
}

