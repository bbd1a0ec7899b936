// What a guard's check says: a line of the step's result (`guardrails:`) and of the run event.
import type { GuardStage } from '../spec/types';

/** What the guard did: `pass`ed the text, or on a failure `block`, `redact`, `retry`, `ask` (and what the person chose). */
export type GuardAction = 'pass' | 'block' | 'redact' | 'retry' | 'ask-approved' | 'ask-denied';

export interface GuardrailLine {
  guard: string;
  stage: GuardStage;
  passed: boolean;
  action: GuardAction;
  /** Why it failed (or the judge's reason), in words; null when it passed with nothing to say. */
  reason: string | null;
  /** A judge's score. */
  score?: number;
}
