// A run's budget wired to its model runner and its events (engine/guard/ledger.ts): the runner it
// calls through, and a `budget` event each time the ledger moves. A run without any budget keeps
// its runner as it is. A nested run's calls go through its caller's runner, so its caller's budget.
import { ledgerFor, withBudget } from '../guard/budgeted';
import type { ModelRunner } from '../models/modelRunner';
import type { Pipeline } from '../spec/types';
import type { RunEmitter } from './events';

export function runBudget(pipeline: Pipeline, models: ModelRunner, budgetUsd: number | undefined, emitter: RunEmitter): ModelRunner {
  const made = ledgerFor(pipeline, budgetUsd, (a) => {
    if (emitter.listening) emitter.emit({ type: 'budget', time: Date.now(), stepId: a.stepId, ...a.figures(), spent: a.exceeded !== null });
  });
  return made ? withBudget(models, made.ledger, made.budgets) : models;
}
