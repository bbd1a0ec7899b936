// Guards and budgets in the pipeline panel: the budget in the run header (spent of its limit, live
// from the ledger's events; marked once it is spent), and in a step's panel a blocked answer shown
// as blocked (which guard, on what, why) instead of the text, and each guard's checks in order.
import type { BudgetStanding } from '../engine/guard/ledger';
import type { GuardrailLine } from '../engine/guard/types';
import { costEl, el } from './page';
import { formatCost, type RunView, type StepView } from './runState';

const budgetValue = el('span', { 'data-testid': 'budget' });
const budgetStat = el('span', { class: 'stat budget-stat', hidden: '' });
budgetStat.append(el('span', { class: 'stat-label' }, 'budget'), budgetValue);

const money = (usd: number) => (usd === 0 ? '$0' : usd < 0.01 ? `$${Number(usd.toPrecision(2))}` : formatCost(usd));

/** One budget as the header says it: dollars when it has a cost limit, else tokens. */
function spentOf(b: BudgetStanding): string {
  if (b.max_cost_usd !== null) return `${money(b.spent_usd)} / ${money(b.max_cost_usd)}`;
  if (b.max_tokens !== null) return `${b.spent_tokens.toLocaleString('en-US')} / ${b.max_tokens.toLocaleString('en-US')} tokens`;
  return money(b.spent_usd);
}

function budgetTitle(b: BudgetStanding): string {
  const held = b.held_usd || b.held_tokens ? `; ${money(b.held_usd)} and ${b.held_tokens.toLocaleString('en-US')} tokens held by calls in flight` : '';
  const limits = [b.max_cost_usd !== null ? `max_cost_usd ${money(b.max_cost_usd)}` : '', b.max_tokens !== null ? `max_tokens ${b.max_tokens.toLocaleString('en-US')}` : ''].filter(Boolean).join(', ');
  return `${b.budget[0].toUpperCase()}${b.budget.slice(1)} (${limits || 'no limit'}): spent ${money(b.spent_usd)} and ${b.spent_tokens.toLocaleString('en-US')} tokens${held}${b.spent ? '; spent: no call starts' : ''}`;
}

/** The header's budget: the run's ledger (else the first step's), hidden for a run with none. */
export function renderBudget(run: RunView): void {
  if (!budgetStat.isConnected) costEl.parentElement?.after(budgetStat);
  const list = run.budget ?? [];
  const b = list[0];
  budgetStat.hidden = !b;
  if (!b) return;
  const spent = list.some((x) => x.spent);
  const text = `${spentOf(b)}${spent ? ' · spent' : ''}`;
  if (budgetValue.textContent !== text) budgetValue.textContent = text;
  budgetValue.setAttribute('data-spent', String(spent));
  budgetStat.title = list.map(budgetTitle).join('\n');
}

const STAGE_WORDS: Record<string, string> = { input: 'the input', output: 'the answer', tool_results: 'a tool result' };

/** The check that stopped the step's text, if one did (a block, or a person's no). */
function blockedBy(guards: GuardrailLine[]): GuardrailLine | null {
  return guards.find((g) => g.action === 'block' || g.action === 'ask-denied') ?? null;
}

/** Right under the step's status: the text was blocked (the guard, what it looked at, why), or redacted. */
export function guardBanner(s: StepView | undefined): HTMLElement | null {
  const guards = s?.guards ?? [];
  const b = blockedBy(guards);
  if (b) {
    const d = el('div', { class: 'guard-blocked', role: 'status', 'data-testid': 'guard-blocked', 'data-guard': b.guard, 'data-stage': b.stage });
    d.append(el('strong', {}, `Blocked by guardrail '${b.guard}'`), document.createTextNode(` on ${STAGE_WORDS[b.stage] ?? b.stage}${b.action === 'ask-denied' ? ' (a person said no)' : ''}: ${b.reason ?? 'failed'}. `), el('span', { class: 'muted' }, b.stage === 'input' ? 'It was never sent to the model.' : 'No later step, file or view saw it.'));
    return d;
  }
  const redacted = guards.filter((g) => g.action === 'redact');
  if (!redacted.length) return null;
  const d = el('div', { class: 'guard-redacted', role: 'status', 'data-testid': 'guard-redacted' });
  d.append(el('strong', {}, 'Redacted'), document.createTextNode(`: ${redacted.map((g) => `guardrail '${g.guard}' on ${STAGE_WORDS[g.stage] ?? g.stage} (${g.reason ?? 'failed'})`).join('; ')}. What is shown is the redacted text.`));
  return d;
}

/** Each check, in order: the guard, what it looked at, what it did and why. */
export function guardChecks(s: StepView | undefined): HTMLElement | null {
  const guards = s?.guards ?? [];
  if (!guards.length) return null;
  const list = el('ol', { class: 'guard-checks', 'data-testid': 'guard-checks' });
  for (const g of guards) {
    const li = el('li', { 'data-action': g.action, 'data-passed': String(g.passed) });
    li.append(el('strong', {}, g.guard), document.createTextNode(` · ${g.stage} · ${g.action}${g.score !== undefined ? ` · score ${g.score}` : ''}${g.reason ? `: ${g.reason}` : ''}`));
    list.append(li);
  }
  return list;
}
