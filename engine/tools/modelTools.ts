// ContextLab's model-backed tools: prompt-optimization, task-delegation and multi-model-routing make
// real model calls through the step's models (structured answers where they return fields) and
// choose among the registry's configured models; the image tools are known but cannot run yet.
import type { RegistryModel } from '../models/registry';
import { capabilityScore, blendedPrice, selectModel, type SelectionSchema } from '../models/selection';
import { imageAnalysisSpec, imageGenerationSpec, multiModelRoutingSpec, promptOptimizationSpec, taskDelegationSpec } from '../toolkit/specs/modelTools';
import { ToolError, type ToolContext, type ToolDefinition, type ToolOutcome } from '../toolkit/runtime';
import type { ToolModels } from '../toolkit/toolModels';

// ---------- small readers ----------

const text = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);
const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : d);
const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const round = (n: number, places: number): number => Number(n.toFixed(places));
/** ContextLab's token estimate: 4 characters a token. */
const tokensOf = (s: string): number => Math.floor(s.length / 4);

/** A list given as a list, as JSON or Python list text (`"['a', 'b']"`), or as one item. */
function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('[') && s.endsWith(']')) {
      for (const attempt of [s, s.replace(/'/g, '"')]) {
        try {
          const parsed: unknown = JSON.parse(attempt);
          if (Array.isArray(parsed)) return parsed;
        } catch {
          /* next */
        }
      }
    }
    return [s];
  }
  return [v];
}

function models(ctx: ToolContext, tool: string): ToolModels {
  if (!ctx.models) throw new ToolError(`The '${tool}' tool calls a model: it runs only inside a pipeline run`, 'ConfigurationError');
  return ctx.models;
}

function only(tool: string, action: string, actions: string[]): void {
  if (!actions.includes(action)) throw new ToolError(`${tool} has no action '${action}': use ${actions.map((a) => `'${a}'`).join(', ')}`, 'ValueError');
}

const MAX_TASKS = 200;

// ---------- task analysis and model scoring (task-delegation, routing) ----------

const TASK_TYPES = ['code_generation', 'code_analysis', 'creative_writing', 'analysis', 'summarization', 'question_answering', 'translation', 'data_processing', 'general'];
const COMPLEXITIES = ['simple', 'moderate', 'complex'];
const CAPABILITIES = ['json_mode', 'tools', 'vision'];

export interface TaskAnalysis {
  task_type: string;
  complexity: string;
  required_capabilities: string[];
  max_tokens: number | null;
  response_format: string;
  language: string | null;
  domain: string | null;
}

const ANALYSIS_SCHEMA = {
  type: 'object',
  properties: {
    task_type: { type: 'string', enum: TASK_TYPES },
    complexity: { type: 'string', enum: COMPLEXITIES },
    required_capabilities: { type: 'array', items: { type: 'string', enum: CAPABILITIES } },
    response_format: { type: 'string', enum: ['text', 'json', 'structured'] },
    language: { type: ['string', 'null'] },
    domain: { type: ['string', 'null'] },
  },
  required: ['task_type', 'complexity', 'required_capabilities', 'response_format', 'language', 'domain'],
  additionalProperties: false,
};

const ANALYSIS_GUIDE = `For each task give:
- task_type: one of ${TASK_TYPES.join(', ')};
- complexity: simple, moderate or complex;
- required_capabilities: which of json_mode (the answer must be JSON), tools (it needs function calling), vision (it needs to see images) it needs, often none;
- response_format: text, json or structured;
- language: the language of the answer (a human or programming language), or null;
- domain: its field (medical, legal, technical, finance, ...), or null.`;

const ANALYST = 'You analyze tasks so that each can be given to the most suitable language model. You judge the task; you do not do it.';

/** One model call analyzes one task or several (in order). */
async function analyzeTasks(m: ToolModels, tasks: string[]): Promise<Omit<TaskAnalysis, 'max_tokens'>[]> {
  if (tasks.length === 1) {
    const a = await m.generate({ system: ANALYST, prompt: `Analyze this task.\n${ANALYSIS_GUIDE}\n\nTask:\n<<<\n${tasks[0]}\n>>>`, schema: ANALYSIS_SCHEMA });
    return [a.value as Omit<TaskAnalysis, 'max_tokens'>];
  }
  const schema = { type: 'object', properties: { analyses: { type: 'array', items: ANALYSIS_SCHEMA, minItems: tasks.length, maxItems: tasks.length } }, required: ['analyses'], additionalProperties: false };
  const list = tasks.map((t, i) => `Task ${i + 1}:\n<<<\n${t}\n>>>`).join('\n\n');
  const a = await m.generate({ system: ANALYST, prompt: `Analyze each of these ${tasks.length} tasks, in order: answer with one analysis per task in 'analyses'.\n${ANALYSIS_GUIDE}\n\n${list}`, schema });
  return (a.value as { analyses: Omit<TaskAnalysis, 'max_tokens'>[] }).analyses;
}

/** The model's analysis with the step's explicit `requirements` laid over it. */
function withRequirements(a: Omit<TaskAnalysis, 'max_tokens'>, req: Record<string, unknown>): TaskAnalysis {
  const caps = [...a.required_capabilities];
  for (const c of listOf(req.capabilities)) if (typeof c === 'string' && !caps.includes(c)) caps.push(c);
  const maxTokens = req.max_tokens === undefined || req.max_tokens === null ? null : Math.floor(num(req.max_tokens, 0)) || null;
  return {
    task_type: text(req.task_type) ?? a.task_type,
    complexity: text(req.complexity) ?? a.complexity,
    required_capabilities: caps,
    max_tokens: maxTokens,
    response_format: a.response_format,
    language: a.language,
    domain: text(req.domain) ?? a.domain,
  };
}

export interface ModelScore {
  model: string;
  score: number;
  reasons: string[];
  estimated_cost: number | null;
}

/** The registry entry of a model id, or null for a model the registry does not list. */
const entryOf = (registry: RegistryModel[], id: string): RegistryModel | null => registry.find((m) => m.id === id) ?? null;

/** USD for a task on a model: its prompt (4 characters a token) in, `outTokens` out, at registry prices. */
function costOf(m: RegistryModel | null, task: string, outTokens: number): number | null {
  return m ? round((tokensOf(task) * m.price_in + outTokens * m.price_out) / 1_000_000, 8) : null;
}

/**
 * Scores candidates for an analyzed task, best first. Fit (0-100): expertise in what the task needs
 * (code for code tasks and reasoning for complex ones, else general) 40 shared among them, or 20 for
 * a general model on a task that is not complex;
 * each needed capability the registry knows 10, or -50 when the model lacks it; capability against
 * complexity up to 30 (complex: the strongest; simple: the lightest; moderate: the middle); -50 when
 * the context window is smaller than `max_tokens`. Cost (0-100): 100 for the cheapest estimate, 0
 * for the dearest. Score: the weighted mean of fit and cost.
 */
export function scoreModels(ids: string[], registry: RegistryModel[], task: string, a: TaskAnalysis, costWeight: number, qualityWeight: number): ModelScore[] {
  const known = new Set(registry.flatMap((m) => m.capabilities));
  const wanted = [...(a.task_type.startsWith('code') ? ['code'] : []), ...(a.complexity === 'complex' ? ['reasoning'] : [])];
  if (!wanted.length) wanted.push('general');
  const outTokens = a.max_tokens ?? 1000;
  const entries = ids.map((id) => ({ id, m: entryOf(registry, id) }));
  const caps = entries.map((e) => (e.m ? capabilityScore(e.m) : 0));
  const maxCap = Math.max(1e-9, ...caps);
  const minCap = Math.min(...caps);
  const costs = entries.map((e) => costOf(e.m, task, outTokens));
  const knownCosts = costs.filter((c): c is number => c !== null);
  const maxCost = knownCosts.length ? Math.max(...knownCosts) : 0;
  const cw = Math.min(1, Math.max(0, costWeight));
  const qw = Math.min(1, Math.max(0, qualityWeight));
  const out = entries.map(({ id, m }, i): ModelScore => {
    const reasons: string[] = [];
    let fit = 0;
    if (!m) reasons.push('Not in the model registry: fit and cost unknown');
    else {
      const matched = wanted.filter((w) => m.expertise.includes(w));
      for (const w of matched) {
        fit += 40 / wanted.length;
        reasons.push(w === 'general' ? 'General-purpose model' : `Has expertise in ${w}`);
      }
      if (!matched.length && a.complexity !== 'complex' && m.expertise.includes('general')) {
        fit += 20;
        reasons.push('General-purpose model');
      } else if (!matched.length) reasons.push(`No expertise in ${wanted.join(' or ')}`);
      for (const c of a.required_capabilities) {
        if (!known.has(c)) continue;
        if (m.capabilities.includes(c)) {
          fit += 10;
          reasons.push(`Supports ${c}`);
        } else {
          fit -= 50;
          reasons.push(`Lacks required ${c}`);
        }
      }
      const rank = caps[i] / maxCap;
      const part = a.complexity === 'complex' ? rank : a.complexity === 'simple' ? 1 - rank : 1 - Math.abs(rank - 0.5) * 2;
      fit += 30 * part;
      const lightest = caps[i] === minCap;
      reasons.push(
        a.complexity === 'complex'
          ? caps[i] === maxCap ? 'Strongest candidate for a complex task' : 'Lighter than the strongest candidate for a complex task'
          : a.complexity === 'simple'
            ? lightest ? 'Lightest candidate for a simple task' : 'Heavier than a simple task needs'
            : part >= 0.5 ? 'Mid-sized candidate for a moderate task' : 'Less suited in size to a moderate task',
      );
      if (a.max_tokens !== null && m.context_window < a.max_tokens) {
        fit -= 50;
        reasons.push(`Context window ${m.context_window} is below max_tokens ${a.max_tokens}`);
      }
    }
    fit = Math.min(100, Math.max(0, fit));
    const cost = costs[i];
    const costScore = cost === null ? 0 : maxCost > 0 ? 100 * (1 - cost / maxCost) : 100;
    if (cost !== null) reasons.push(`Estimated $${cost.toFixed(6)} for the task`);
    const score = cw + qw > 0 ? (qw * fit + cw * costScore) / (qw + cw) : fit;
    return { model: id, score: round(score, 2), reasons, estimated_cost: cost };
  });
  return out.sort((x, y) => y.score - x.score || x.model.localeCompare(y.model));
}

async function configuredIds(m: ToolModels, tool: string): Promise<string[]> {
  const ids = (await m.available()).map((x) => x.id);
  if (!ids.length) throw new ToolError(`${tool}: no model of the registry has a configured provider: set OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY (or GOOGLE_API_KEY), or OLLAMA_HOST`, 'ConfigurationError');
  return ids;
}

// ---------- task-delegation ----------

async function taskDelegation(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  only('task-delegation', action, ['execute']);
  const task = text(p.task);
  if (!task || !task.trim()) throw new ToolError("task-delegation needs 'task': the task to delegate", 'ValueError');
  const m = models(ctx, 'task-delegation');
  const ids = await configuredIds(m, 'task-delegation');
  const [raw] = await analyzeTasks(m, [task]);
  const analysis = withRequirements(raw, isRecord(p.requirements) ? p.requirements : {});
  const scores = scoreModels(ids, m.registry(), task, analysis, num(p.cost_weight, 0.3), num(p.quality_weight, 0.7));
  const best = scores[0];
  return {
    success: true,
    result: {
      selected_model: best.model,
      score: best.score,
      reasons: best.reasons,
      estimated_cost: best.estimated_cost,
      estimated_latency: null,
      task_analysis: analysis,
      fallback_models: bool(p.fallback_enabled, true) ? scores.slice(1, 4).map((s) => s.model) : [],
      all_scores: scores.slice(0, 5).map((s) => ({ model: s.model, score: s.score, reasons: s.reasons })),
    },
  };
}

// ---------- prompt-optimization ----------

const GOAL_MEANINGS: Record<string, string> = {
  clarity: 'clarity: unambiguous wording, an explicit structure, and the output format stated',
  brevity: 'brevity: fewer words with the same meaning',
  specificity: 'specificity: concrete requests instead of vague ones',
  model_specific: 'model_specific: phrased the way the target model works best',
};

async function promptOptimization(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  only('prompt-optimization', action, ['execute']);
  const prompt = text(p.prompt);
  if (!prompt || !prompt.trim()) throw new ToolError("prompt-optimization needs 'prompt': the prompt to optimize", 'ValueError');
  const m = models(ctx, 'prompt-optimization');
  const goals = [...new Set((p.optimization_goals === undefined || p.optimization_goals === null ? ['clarity', 'model_specific'] : listOf(p.optimization_goals)).map((g) => String(g).trim()).filter(Boolean))];
  const extra = text(p.optimization_goal);
  if (extra && extra.trim() && !goals.includes(extra.trim())) goals.push(extra.trim());
  if (!goals.length) throw new ToolError("prompt-optimization needs at least one goal in 'optimization_goals'", 'ValueError');
  const target = text(p.model)?.trim() || null;
  const maxTokens = p.max_tokens === undefined || p.max_tokens === null ? null : Math.floor(num(p.max_tokens, 0));
  if (maxTokens !== null && maxTokens < 1) throw new ToolError("'max_tokens' must be a positive integer", 'ValueError');
  const preserve = bool(p.preserve_intent, true);
  const task = text(p.task);
  const lines = [
    'Optimize the prompt below for these goals:',
    ...goals.map((g) => `- ${GOAL_MEANINGS[g] ?? g}`),
    target ? `The prompt will be sent to the model ${target}.` : 'The prompt will be sent to a large language model.',
    ...(task ? [`The prompt is for: ${task}.`] : []),
    preserve ? 'Keep its intent and every requirement it states.' : 'You may change its intent where that serves the goals.',
    ...(maxTokens !== null ? [`Keep the optimized prompt under about ${maxTokens} tokens (${maxTokens * 4} characters).`] : []),
    ...(bool(p.include_style_suggestions, false) ? ['Include style suggestions among the recommendations.'] : []),
    'Answer with optimized_prompt (the rewritten prompt only), applied_optimizations (the goals your rewrite applied) and recommendations (short advice for improving the prompt further).',
    '',
    'Prompt:',
    '<<<',
    prompt,
    '>>>',
  ];
  const schema = {
    type: 'object',
    properties: {
      optimized_prompt: { type: 'string' },
      applied_optimizations: { type: 'array', items: { type: 'string', enum: goals } },
      recommendations: { type: 'array', items: { type: 'string' } },
    },
    required: ['optimized_prompt', 'applied_optimizations', 'recommendations'],
    additionalProperties: false,
  };
  const answer = await m.generate({ system: 'You are an expert in writing prompts for language models.', prompt: lines.join('\n'), schema, fallbackModel: target });
  const v = answer.value as { optimized_prompt: string; applied_optimizations: string[]; recommendations: string[] };
  let optimized = v.optimized_prompt;
  const applied = [...new Set(v.applied_optimizations)];
  if (maxTokens !== null && tokensOf(optimized) > maxTokens) {
    const allowed = maxTokens * 4;
    if (preserve) {
      const half = Math.floor(allowed / 2);
      optimized = `${optimized.slice(0, half)}\n[...truncated...]\n${optimized.slice(optimized.length - half)}`;
    } else optimized = optimized.slice(0, allowed);
    applied.push('truncation');
  }
  const before = tokensOf(prompt);
  const after = tokensOf(optimized);
  return {
    success: true,
    result: {
      original_prompt: prompt,
      optimized_prompt: optimized,
      model: target ?? answer.model,
      applied_optimizations: applied,
      metrics: { original_tokens: before, optimized_tokens: after, token_reduction: before - after, reduction_percentage: before > 0 ? round(((before - after) / before) * 100, 2) : 0 },
      recommendations: v.recommendations,
    },
  };
}

// ---------- multi-model-routing ----------

/** Requests routed to each model by this tool in this process (ContextLab's load). */
const routed = new Map<string, number>();
let roundRobin = 0;

const STRATEGIES = ['round_robin', 'least_loaded', 'cost_optimized', 'capability_based'];

function taskText(t: unknown): string {
  if (isRecord(t)) {
    const task = text(t.task) ?? '';
    const context = text(t.context);
    return context ? `${task}\n\nContext: ${context}` : task;
  }
  return text(t) ?? JSON.stringify(t);
}

function tasksOf(p: Record<string, unknown>, tool: string): unknown[] {
  const tasks = listOf(p.tasks);
  if (!tasks.length) throw new ToolError(`${tool} needs 'tasks': a list of tasks`, 'ValueError');
  if (tasks.length > MAX_TASKS) throw new ToolError(`${tool} takes at most ${MAX_TASKS} tasks (got ${tasks.length})`, 'ValueError');
  return tasks;
}

async function routeOne(p: Record<string, unknown>, m: ToolModels): Promise<ToolOutcome> {
  const first = listOf(p.tasks)[0];
  const request = text(p.request) ?? (first !== undefined ? taskText(first) : null);
  if (!request || !request.trim()) throw new ToolError("multi-model-routing needs 'request' (or 'tasks')", 'ValueError');
  const strategy = text(p.strategy) ?? 'capability_based';
  if (!STRATEGIES.includes(strategy)) throw new ToolError(`Unknown strategy '${strategy}': use ${STRATEGIES.join(', ')}`, 'ValueError');
  const given = listOf(p.models).map((x) => String(x).trim()).filter(Boolean);
  const candidates = given.length ? [...new Set(given)] : await configuredIds(m, 'multi-model-routing');
  const cap = Math.max(1, Math.floor(num(p.max_concurrent, 5)));
  const loads = () => Object.fromEntries(candidates.map((c) => [c, routed.get(c) ?? 0]));
  const open = candidates.filter((c) => (routed.get(c) ?? 0) < cap);
  if (!open.length) return { success: false, result: { strategy, all_loads: loads() }, error: `All models are at capacity (max_concurrent ${cap})` };
  const registry = m.registry();
  let selected: string;
  let reason: string;
  if (strategy === 'round_robin') {
    selected = open[roundRobin++ % open.length];
    reason = 'Round-robin selection';
  } else if (strategy === 'least_loaded') {
    selected = open.reduce((a, b) => ((routed.get(b) ?? 0) < (routed.get(a) ?? 0) ? b : a));
    reason = `Least loaded (current load: ${routed.get(selected) ?? 0})`;
  } else if (strategy === 'cost_optimized') {
    const price = (id: string) => {
      const e = entryOf(registry, id);
      return e ? blendedPrice(e) : Infinity;
    };
    selected = open.reduce((a, b) => (price(b) < price(a) ? b : a));
    reason = Number.isFinite(price(selected)) ? `Lowest cost ($${price(selected).toFixed(2)} per million tokens, input and output averaged)` : 'No candidate is in the model registry: the first one';
  } else {
    const [raw] = await analyzeTasks(m, [request]);
    const scores = scoreModels(open, registry, request, withRequirements(raw, {}), 0.3, 0.7);
    selected = scores[0].model;
    reason = `Best for the task: ${scores[0].reasons.slice(0, 2).join(', ')}`;
  }
  routed.set(selected, (routed.get(selected) ?? 0) + 1);
  return { success: true, result: { selected_model: selected, routing_reason: reason, strategy, current_load: routed.get(selected), average_latency: null, all_loads: loads() } };
}

const ROUTING_WEIGHTS: Record<string, [number, number]> = {
  cost: [0.9, 0.1],
  cost_optimized: [0.9, 0.1],
  quality: [0.1, 0.9],
  quality_optimized: [0.1, 0.9],
  balanced: [0.5, 0.5],
  speed: [0.5, 0.5],
};

async function routeTasks(p: Record<string, unknown>, m: ToolModels): Promise<ToolOutcome> {
  const tasks = tasksOf(p, 'multi-model-routing route').map(taskText);
  const strategy = text(p.routing_strategy) ?? 'balanced';
  const weights = ROUTING_WEIGHTS[strategy];
  if (!weights) throw new ToolError(`Unknown routing_strategy '${strategy}': use ${Object.keys(ROUTING_WEIGHTS).join(', ')}`, 'ValueError');
  const constraints = isRecord(p.constraints) ? p.constraints : {};
  const budget = num(constraints.total_budget, 100);
  const ids = await configuredIds(m, 'multi-model-routing');
  const analyses = await analyzeTasks(m, tasks);
  const registry = m.registry();
  const recommendations: Record<string, unknown>[] = [];
  let total = 0;
  for (let i = 0; i < tasks.length; i++) {
    const scores = scoreModels(ids, registry, tasks[i], withRequirements(analyses[i], {}), weights[0], weights[1]);
    const left = budget - total;
    const pick = scores.find((s) => (s.estimated_cost ?? 0) <= left + 1e-12);
    if (!pick) {
      const result = { recommendations, total_estimated_cost: round(total, 8), models_selected: [...new Set(recommendations.map((r) => r.model as string))], routing_strategy: strategy, tasks_count: tasks.length };
      return { success: false, result, error: `Task ${i + 1} cannot be routed within the remaining budget ($${left.toFixed(8)} of total_budget $${budget})` };
    }
    const reasons = pick === scores[0] ? pick.reasons : [...pick.reasons, `Within the remaining budget ($${left.toFixed(8)})`];
    recommendations.push({ task_index: i, model: pick.model, estimated_cost: pick.estimated_cost, estimated_latency: null, reasons });
    total += pick.estimated_cost ?? 0;
  }
  return { success: true, result: { recommendations, total_estimated_cost: round(total, 8), models_selected: [...new Set(recommendations.map((r) => r.model as string))], routing_strategy: strategy, tasks_count: tasks.length } };
}

const BATCH_GOALS: Record<string, SelectionSchema> = { minimize_cost: 'cost', balanced: 'balanced', maximize_quality: 'performance' };

async function optimizeBatch(p: Record<string, unknown>, m: ToolModels, signal: AbortSignal): Promise<ToolOutcome> {
  const tasks = tasksOf(p, 'multi-model-routing optimize_batch').map(taskText);
  const goal = text(p.optimization_goal) ?? 'minimize_cost';
  const schema = BATCH_GOALS[goal];
  if (!schema) throw new ToolError(`Unknown optimization_goal '${goal}': use ${Object.keys(BATCH_GOALS).join(', ')}`, 'ValueError');
  const constraints = isRecord(p.constraints) ? p.constraints : {};
  const perTask = num(constraints.max_budget_per_task, 0.05);
  const maxTokens = Math.max(1, Math.floor(num(p.max_tokens, 500)));
  const available = await m.available();
  if (!available.length) await configuredIds(m, 'multi-model-routing');
  const longest = tasks.reduce((a, b) => (b.length > a.length ? b : a));
  const over = available.filter((x) => (costOf(x, longest, maxTokens) ?? 0) > perTask).map((x) => x.id);
  let chosen;
  try {
    chosen = selectModel(available, { excluded: over }, schema, () => true);
  } catch {
    throw new ToolError(`No configured model can run a task within max_budget_per_task $${perTask} (estimated with max_tokens ${maxTokens})`, 'ValueError');
  }
  const results: string[] = [];
  let cost = 0;
  for (const t of tasks) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('The step was cancelled');
    const a = await m.generate({ prompt: t, model: chosen.model, max_tokens: maxTokens });
    results.push(String(a.value));
    cost += a.cost_usd;
  }
  return {
    success: true,
    result: { results, total_cost: round(cost, 8), average_cost: round(cost / tasks.length, 8), models_used: [chosen.model], strategy: goal, optimization_goal: goal, task_count: tasks.length },
  };
}

async function multiModelRouting(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  only('multi-model-routing', action, ['execute', 'route', 'optimize_batch']);
  const m = models(ctx, 'multi-model-routing');
  const sub = action === 'execute' ? (text(p.action) ?? 'execute') : action;
  if (sub === 'route') return routeTasks(p, m);
  if (sub === 'optimize_batch') return optimizeBatch(p, m, ctx.signal);
  if (sub !== 'execute') throw new ToolError(`multi-model-routing: unknown action '${sub}' in parameters: use execute, route or optimize_batch`, 'ValueError');
  return routeOne(p, m);
}

// ---------- image tools ----------

function noImages(tool: string) {
  return async (action: string): Promise<ToolOutcome> => {
    only(tool, action, ['execute']);
    throw new ToolError(`image input/output is not supported by the models layer yet; the '${tool}' tool cannot run (no provider call here can send or receive an image). Call an image API with the http or terminal tool instead.`, 'ConfigurationError');
  };
}

export const promptOptimizationTool: ToolDefinition = { spec: promptOptimizationSpec, run: promptOptimization };
export const taskDelegationTool: ToolDefinition = { spec: taskDelegationSpec, run: taskDelegation };
export const multiModelRoutingTool: ToolDefinition = { spec: multiModelRoutingSpec, run: multiModelRouting };
export const imageAnalysisTool: ToolDefinition = { spec: imageAnalysisSpec, run: noImages('image-analysis') };
export const imageGenerationTool: ToolDefinition = { spec: imageGenerationSpec, run: noImages('image-generation') };
