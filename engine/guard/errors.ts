// The two failures of this room: a guard that blocked a text, and a budget a call could not fit in.
// Neither is retried: the same text trips the same guard, and a spent budget stays spent.
import { ToolError } from '../toolkit/runtime';

/** A guard blocked the text: the step fails, and no later step sees the text. */
export class GuardrailError extends ToolError {
  constructor(
    readonly guard: string,
    readonly stage: string,
    readonly reason: string,
  ) {
    super(`Guardrail '${guard}' blocked the ${stage === 'tool_results' ? 'tool result' : stage}: ${reason}`, 'GuardrailError');
  }

  override get retryable(): boolean {
    return false;
  }
}

/** A budget (the run's or a step's) could not hold a model call's worst case, or was spent. */
export class BudgetExceededError extends ToolError {
  constructor(message: string) {
    super(message, 'BudgetExceededError');
  }

  override get retryable(): boolean {
    return false;
  }
}
