// What a run's guards and budgets did (`orc report`): each guard of each step that checked anything,
// its checks and how many tripped, what it did then (blocked, redacted, retried, asked) and its last
// reason; and where each budget stood at the end (spent, of its limits, and whether it ran out).
// Read from the result document: the steps' `guardrails` lines (loop iterations too) and `budget`.
import type { BudgetStanding } from '../guard/ledger';
import type { GuardAction } from '../guard/types';
import type { ResultDocument, StepResult } from './events';

export interface GuardFigures {
  /** The step's key: its id, or `loop[2]/step` in a loop's iteration. */
  step: string;
  guard: string;
  stage: string;
  checks: number;
  /** Checks that did not pass. */
  tripped: number;
  /** What it did on its checks, by action, in the order first seen (`pass` included). */
  actions: Partial<Record<GuardAction, number>>;
  /** The reason of its last failed check (else of its last check), in words. */
  reason: string | null;
  /** A judge's last score. */
  score?: number;
}

export interface GuardReport {
  guardrails: GuardFigures[];
  /** Null for a run that had no budget. */
  budget: BudgetStanding[] | null;
}

export function guardReport(doc: ResultDocument): GuardReport {
  const rows: GuardFigures[] = [];
  const walk = (steps: Record<string, StepResult>, prefix: string) => {
    for (const [id, r] of Object.entries(steps)) {
      const byKey = new Map<string, GuardFigures>();
      for (const l of r.guardrails ?? []) {
        const key = `${l.stage}\u0000${l.guard}`;
        let f = byKey.get(key);
        if (!f) byKey.set(key, (f = { step: `${prefix}${id}`, guard: l.guard, stage: l.stage, checks: 0, tripped: 0, actions: {}, reason: null }));
        f.checks++;
        if (!l.passed) f.tripped++;
        f.actions[l.action] = (f.actions[l.action] ?? 0) + 1;
        if (l.reason !== null && (!l.passed || f.tripped === 0)) f.reason = l.reason;
        if (l.score !== undefined) f.score = l.score;
      }
      rows.push(...byKey.values());
      for (const it of r.iterations ?? []) walk(it.steps, `${prefix}${id}[${it.index}]/`);
    }
  };
  walk(doc.steps, '');
  return { guardrails: rows, budget: doc.budget?.length ? doc.budget : null };
}

/** What the guards and budgets suggest: a budget that ran out, a guard that blocks every time. */
export function guardSuggestions(g: GuardReport): string[] {
  const out: string[] = [];
  for (const b of g.budget ?? []) if (b.spent) out.push(`${b.budget[0].toUpperCase()}${b.budget.slice(1)} ran out: raise it, set max_tokens on its model steps (a call reserves its worst case), or use a cheaper model.`);
  return out;
}
