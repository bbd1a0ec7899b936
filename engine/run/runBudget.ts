// A run's budget wired to its model runner and its events (engine/guard/ledger.ts): the runner it
// calls through, a `budget` event each time the ledger moves, and where each budget stood at the
// end (the result document's `budget`). A run without any budget keeps its runner as it is. A
// nested run's calls go through its caller's runner, so its caller's budget.
import { ledgerFor, withBudget } from '../guard/budgeted';
import type { BudgetStanding } from '../guard/ledger';
import type { ModelRunner } from '../models/modelRunner';
import type { Pipeline } from '../spec/types';
import type { RunEmitter } from './events';

export function runBudget(pipeline: Pipeline, models: ModelRunner, budgetUsd: number | undefined, emitter: RunEmitter): { models: ModelRunner; standing: () => BudgetStanding[] | null } {
  const made = ledgerFor(pipeline, budgetUsd, (a) => {
    if (emitter.listening) emitter.emit({ type: 'budget', time: Date.now(), stepId: a.stepId, ...a.figures(), spent: a.exceeded !== null });
  });
  if (!made) return { models, standing: () => null };
  return { models: withBudget(models, made.ledger, made.budgets), standing: () => made.ledger.standing() };
}
