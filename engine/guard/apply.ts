// A stage's guards run over one text, in order: each check a line of the step's result and a run
// event; a failure acts as its guard says: `block` (GuardrailError: the text goes no further),
// `redact` (the text goes on with `[REDACTED:kind]` in place of what failed), `retry` (the output
// stage answers the reason to the model, within `repair.max_attempts`), `ask` (a person decides).
import type { GuardDecl, GuardStage } from '../spec/types';
import type { Interaction } from '../toolkit/interaction';
import { checkGuard, type GuardHost } from './checks';
import { GuardrailError } from './errors';
import type { GuardrailLine } from './types';

export interface StageRun {
  stage: GuardStage;
  guards: readonly GuardDecl[];
  host: GuardHost;
  signal: AbortSignal;
  /** Records one check (the step's `guardrails` lines, the `guardrail` event), with how long it took. */
  record(line: GuardrailLine, ms: number): void;
  /** Who decides an `ask` guard; absent: no one, and the text is blocked. */
  interaction?: Interaction;
  stepId: string;
  /** A model may be asked again (the output stage, with repair attempts left): `retry` returns its reason. */
  canRetry: boolean;
}

/** What the stage let through: the text (redacted where a guard said so), or the reason to answer the model with for another try. */
export type StageOutcome = { text: string; retry: null } | { text: string; retry: string };

async function asked(run: StageRun, g: GuardDecl, reason: string, text: string): Promise<boolean> {
  const i = run.interaction;
  if (!i) return false;
  const ahead = i.answerFor?.(run.stepId);
  if (ahead) return ahead.value === true || ahead.value === 'approve' || ahead.value === 'yes';
  if (i.assumeYes) return true;
  if (!i.interactive) return false;
  const answer = await i.ask({ kind: 'confirm', step: run.stepId, title: `Guardrail '${g.name}' tripped on the ${run.stage === 'tool_results' ? 'tool result' : run.stage}`, prompt: 'Let it through?', detail: `${reason}\n\n${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}` }, run.signal);
  return answer === true;
}

export async function runStage(run: StageRun, text: string): Promise<StageOutcome> {
  let current = text;
  for (const g of run.guards) {
    const t0 = performance.now();
    const out = await checkGuard(g, current, run.host, run.signal);
    const ms = Math.round((performance.now() - t0) * 1000) / 1000;
    const base = { guard: g.name, stage: run.stage, passed: out.passed, reason: out.reason, ...(out.score !== undefined ? { score: out.score } : {}) };
    if (out.passed) {
      run.record({ ...base, action: 'pass' }, ms);
      continue;
    }
    const reason = out.reason ?? 'failed';
    if (g.onFail === 'redact' && out.redacted !== undefined) {
      run.record({ ...base, action: 'redact' }, ms);
      current = out.redacted;
      continue;
    }
    if (g.onFail === 'retry' && run.canRetry) {
      run.record({ ...base, action: 'retry' }, ms);
      return { text: current, retry: `guardrail '${g.name}': the answer ${reason}` };
    }
    if (g.onFail === 'ask') {
      const yes = await asked(run, g, reason, current);
      run.record({ ...base, action: yes ? 'ask-approved' : 'ask-denied' }, ms);
      if (yes) continue;
      throw new GuardrailError(g.name, run.stage, `${reason} (a person did not let it through)`);
    }
    run.record({ ...base, action: 'block' }, ms);
    throw new GuardrailError(g.name, run.stage, reason);
  }
  return { text: current, retry: null };
}
