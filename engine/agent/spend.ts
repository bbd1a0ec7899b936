// What an agent has spent, its sub-agents' spending included: each agent's own budget is held
// against its own total, and a sub-agent also stops when any agent above it is over its budget.
import type { AgentDecl } from '../spec/types';

export class Spend {
  tokens = 0;
  costUsd = 0;

  constructor(
    private readonly budget: AgentDecl['budget'],
    private readonly parent: Spend | null = null,
  ) {}

  add(tokens: number, costUsd: number): void {
    this.tokens += tokens;
    this.costUsd += costUsd;
    this.parent?.add(tokens, costUsd);
  }

  /** A sub-agent's spending, counted here too. */
  child(budget: AgentDecl['budget'] = { maxCostUsd: null, maxTokens: null }): Spend {
    return new Spend(budget, this);
  }

  /** This agent, or one above it, has reached its budget. */
  over(): boolean {
    const b = this.budget;
    return (b.maxCostUsd !== null && this.costUsd >= b.maxCostUsd) || (b.maxTokens !== null && this.tokens >= b.maxTokens) || (this.parent?.over() ?? false);
  }
}
