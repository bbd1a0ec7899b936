// The most a pipeline's model calls can cost before it runs (`orc plan`, `budget.exceedable`): for
// each model step, its calls (structured-output repairs, `retry` guards, judge calls, an agent's
// turns) × its attempts × the bounds of the loops around it, each call at the registry's price for
// its prompt (as written) and its `max_tokens` out (4,096 when it sets none). A loop over a list
// known only at run time has no bound here: the worst case of what is inside it is unbounded.
import { findModel } from '../models/registry';
import { WORST_CASE_OUT_TOKENS } from '../models/modelRunner';
import type { Pipeline, Step, ValuePath } from '../spec/types';

export interface StepWorstCase {
  /** `loop › step` for a step inside a loop. */
  label: string;
  step: string;
  path: ValuePath;
  model: string | null;
  /** Calls at most; null: unbounded (a loop over a list known only at run time). */
  calls: number | null;
  usd: number | null;
  tokens: number | null;
  /** Why it is unbounded, or what it does not count. */
  note?: string;
  /** false: the registry has no price for its model (its `usd` counts it at $0). */
  priced?: boolean;
}

export interface WorstCase {
  steps: StepWorstCase[];
  /** The run's worst case; null: unbounded. */
  usd: number | null;
  tokens: number | null;
}

const MODEL_ACTIONS = new Set(['generate', 'generate_structured', 'analyze_text', 'evaluate_condition', 'agent', 'embed']);

/** An `embed` step's texts as written: their characters, when they are written out. */
function embedChars(step: Step): number {
  const t = step.parameters.texts;
  return typeof t === 'string' ? t.length : Array.isArray(t) ? t.reduce((n: number, x) => n + (typeof x === 'string' ? x.length : 0), 0) : 0;
}

function modelOf(step: Step, p: Pipeline): string | null {
  if (typeof step.parameters.model === 'string') return step.parameters.model;
  if (step.model) return step.model;
  if (step.expert && Object.prototype.hasOwnProperty.call(p.experts, step.expert)) return p.experts[step.expert];
  return p.model;
}

/** A loop's bound: the items of a list written out, `max_iterations` of a while; null when known only at run time. */
function loopBound(step: Step): number | null {
  const l = step.loop;
  if (!l) return 1;
  if (l.kind === 'while') return typeof l.maxIterations === 'number' ? l.maxIterations : null;
  return Array.isArray(l.items) ? l.items.length : null;
}

function oneStep(step: Step, p: Pipeline, times: number | null, label: string): StepWorstCase {
  const model = modelOf(step, p);
  const m = model ? findModel(model) : undefined;
  const prompt = typeof step.parameters.prompt === 'string' ? step.parameters.prompt : '';
  const embeds = step.action === 'embed';
  const tokensIn = Math.ceil((embeds ? embedChars(step) : prompt.length) / 4);
  // an embedding gives vectors, not tokens: nothing out
  const maxTokens = embeds ? 0 : typeof step.parameters.max_tokens === 'number' ? step.parameters.max_tokens : WORST_CASE_OUT_TOKENS;
  const repairs = step.repairAttempts ?? 1;
  const structured = step.vars.length > 0 || step.action === 'generate_structured' || step.action === 'evaluate_condition';
  const output = step.guardrails?.output ?? [];
  const retries = output.some((g) => g.onFail === 'retry') ? repairs : 0;
  const judges = output.filter((g) => g.kind === 'judge').length;
  let perAttempt: number;
  if (embeds) perAttempt = 1;
  else if (step.agent) perAttempt = step.agent.maxTurns + (step.agent.onLimit === 'answer' ? 1 : 0) + (step.vars.length ? 2 : 0);
  else perAttempt = (structured ? 1 + repairs : 1) * (1 + retries) * (1 + judges);
  const attempts = step.retry?.maxAttempts ?? p.context.maxRetries ?? 1;
  const calls = times === null ? null : perAttempt * attempts * times;
  const perCallUsd = m ? (tokensIn * m.price_in + maxTokens * m.price_out) / 1_000_000 : 0;
  return {
    label,
    step: step.id,
    path: step.path,
    model,
    calls,
    usd: calls === null ? null : calls * perCallUsd,
    tokens: calls === null ? null : calls * (tokensIn + maxTokens),
    ...(times === null ? { note: 'inside a loop over a list known only at run time' } : !m && model ? { note: `'${model}' has no price in the model registry` } : {}),
    ...(model && !m ? { priced: false } : {}),
  };
}

export function worstCase(p: Pipeline): WorstCase {
  const steps: StepWorstCase[] = [];
  const walk = (list: Step[], times: number | null, prefix: string) => {
    for (const s of list) {
      const label = `${prefix}${s.id}`;
      if (s.body) {
        const b = loopBound(s);
        walk(s.body, times === null || b === null ? null : times * b, `${label} › `);
      } else if (!s.tool && s.action && MODEL_ACTIONS.has(s.action)) steps.push(oneStep(s, p, times, label));
    }
  };
  walk(p.steps, 1, '');
  const unbounded = steps.some((s) => s.calls === null);
  return { steps, usd: unbounded ? null : steps.reduce((n, s) => n + s.usd!, 0), tokens: unbounded ? null : steps.reduce((n, s) => n + s.tokens!, 0) };
}
