// A run's model runner bound to its ledger: every request names the budget it draws on (the step's
// own account under the run's, engine/guard/ledger.ts). The provider runner reserves each provider
// call on it (ProviderModelRunner.call); any other runner is reserved around each request here.
import { findModel } from '../models/registry';
import { WORST_CASE_OUT_TOKENS, type BudgetHold, type BudgetHook, type ChatRequest, type ModelRequest, type ModelRunner, type WorstCase } from '../models/modelRunner';
import type { BudgetDecl, Pipeline, Step } from '../spec/types';
import { RunLedger, type BudgetAccount } from './ledger';

/** Each step's own `budget:` (model steps), by id, the loop bodies' included. */
export function stepBudgets(pipeline: Pipeline): Map<string, BudgetDecl> {
  const out = new Map<string, BudgetDecl>();
  const walk = (steps: Step[]) => {
    for (const s of steps) {
      if (s.budget) out.set(s.id, s.budget);
      if (s.body) walk(s.body);
    }
  };
  walk(pipeline.steps);
  return out;
}

/** The run's budget: the pipeline's `budget:`, its `max_cost_usd` set or lowered by `--budget-usd`; null when there is none. */
export function runBudgetOf(pipeline: Pipeline, budgetUsd?: number): BudgetDecl | null {
  const b = pipeline.budget;
  if (budgetUsd === undefined || !Number.isFinite(budgetUsd) || budgetUsd < 0) return b ?? null;
  return { maxCostUsd: b?.maxCostUsd !== null && b?.maxCostUsd !== undefined ? Math.min(b.maxCostUsd, budgetUsd) : budgetUsd, maxTokens: b?.maxTokens ?? null, maxDuration: b?.maxDuration ?? null };
}

/** Two budgets as one: a call holds on both (a nested pipeline's own budget under its caller's). */
function both(inner: BudgetHook, outer: BudgetHook): BudgetHook {
  return {
    async reserve(worst, signal) {
      const a = await inner.reserve(worst, signal);
      let b: BudgetHold;
      try {
        b = await outer.reserve(worst, signal);
      } catch (e) {
        a.settle(0, 0);
        throw e;
      }
      return { signal: AbortSignal.any([a.signal, b.signal]), settle: (t, c) => (a.settle(t, c), b.settle(t, c)) };
    },
  };
}

/** A request's worst case, for a runner that does not reserve its own calls. */
function worstOf(model: string, promptChars: number, maxTokens: number | null): WorstCase {
  const m = findModel(model);
  const tokensIn = Math.ceil(promptChars / 4);
  const tokensOut = maxTokens ?? WORST_CASE_OUT_TOKENS;
  return { model, tokensIn, tokensOut, usd: m ? (tokensIn * m.price_in + tokensOut * m.price_out) / 1_000_000 : 0, priced: m !== undefined };
}

async function reservedAround<R>(hook: BudgetHook, worst: WorstCase, signal: AbortSignal, call: (signal: AbortSignal) => Promise<R>, cost: (r: R) => { tokens: number; usd: number }): Promise<R> {
  const hold = await hook.reserve(worst, signal);
  let spent: { tokens: number; usd: number } | null = null;
  try {
    const r = await call(AbortSignal.any([signal, hold.signal]));
    spent = cost(r);
    return r;
  } finally {
    hold.settle(spent?.tokens ?? 0, spent?.usd ?? 0);
  }
}

const answerCost = (r: { tokens_in: number; tokens_out: number; cost_usd: number }) => ({ tokens: r.tokens_in + r.tokens_out, usd: r.cost_usd });

/**
 * The runner a run with a budget calls: each request draws on its step's account. Returns the
 * runner as it is when neither the run nor any step has a budget.
 */
export function withBudget<M extends ModelRunner>(models: M, ledger: RunLedger, budgets: Map<string, BudgetDecl>): M {
  const bound = Object.create(models) as M;
  const hookOf = (stepId: string | undefined, given: BudgetHook | undefined): BudgetHook => {
    const mine = ledger.hookFor(stepId, stepId ? budgets.get(stepId) : undefined);
    return given ? both(given, mine) : mine;
  };
  const honours = models.honoursBudget === true;
  bound.run = (req: ModelRequest) => {
    const budget = hookOf(req.stepId, req.budget);
    if (honours) return models.run({ ...req, budget });
    const chars = String(req.params.prompt ?? '').length + String(req.params.text ?? '').length + (req.system?.length ?? 0);
    const max = typeof req.params.max_tokens === 'number' ? req.params.max_tokens : null;
    return reservedAround(budget, worstOf(req.model, chars, max), req.signal, (signal) => models.run({ ...req, signal }), answerCost);
  };
  const chat = models.chat;
  if (chat) {
    bound.chat = (req: ChatRequest) => {
      const budget = hookOf(req.stepId, req.budget);
      if (honours) return chat.call(models, { ...req, budget });
      const chars = (req.system?.length ?? 0) + JSON.stringify(req.messages).length;
      return reservedAround(budget, worstOf(req.model, chars, req.maxTokens ?? null), req.signal, (signal) => chat.call(models, { ...req, signal }), answerCost);
    };
  }
  // embeddings count too: each batch reserves its texts' tokens (the provider runner), or the whole call is reserved here
  const embed = models.embed;
  if (embed) {
    bound.embed = (model, texts, signal, onCall, via) => {
      const budget = hookOf(via?.stepId, via?.budget);
      if (honours) return embed.call(models, model, texts, signal, onCall, { ...via, budget });
      const chars = texts.reduce((n, t) => n + String(t).length, 0);
      return reservedAround(budget, worstOf(model, chars, 0), signal, (s) => embed.call(models, model, texts, s, onCall, via), (r) => ({ tokens: r.tokensIn, usd: r.costUsd }));
    };
  }
  return bound;
}

/** The ledger of a run that has a budget (the pipeline's, `--budget-usd`, or a step's), else null. */
export function ledgerFor(pipeline: Pipeline, budgetUsd: number | undefined, onChange: (a: BudgetAccount) => void): { ledger: RunLedger; budgets: Map<string, BudgetDecl> } | null {
  const run = runBudgetOf(pipeline, budgetUsd);
  const budgets = stepBudgets(pipeline);
  if (!run && !budgets.size) return null;
  return { ledger: new RunLedger(run, onChange), budgets };
}
