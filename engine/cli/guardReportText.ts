// The guardrails and budgets of `orc report` as text: a row per guard of each step (its checks,
// how many tripped, what it did, its last reason), then each budget: spent of its limits.
import type { GuardReport } from '../api/index';
import { paint, type Style } from './findingFormat';
import { stripControls } from './terminalText';

const money = (usd: number): string => `$${Number(usd.toPrecision(6))}`;

function oneLine(s: string, max = 100): string {
  const flat = stripControls(s).replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function table(head: string[], rows: string[][], style: Style, out: (s: string) => void): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  out(paint(style, 'bold', `  ${head.map((h, i) => h.padEnd(widths[i])).join('  ')}`.trimEnd()));
  for (const r of rows) out(`  ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd());
}

/** Prints nothing for a run with no guard and no budget. */
export function printGuards(g: GuardReport, style: Style, out: (s: string) => void): void {
  if (g.guardrails.length) {
    out('');
    out(paint(style, 'bold', 'Guardrails'));
    table(
      ['STEP', 'GUARD', 'STAGE', 'CHECKS', 'TRIPPED', 'ACTIONS', 'LAST REASON'],
      g.guardrails.map((r) => [
        r.step,
        r.guard,
        r.stage,
        String(r.checks),
        String(r.tripped),
        Object.entries(r.actions).map(([a, n]) => (n === 1 ? a : `${a} ×${n}`)).join(', '),
        `${r.score !== undefined ? `score ${r.score}${r.reason ? ': ' : ''}` : ''}${r.reason ? oneLine(r.reason) : r.score !== undefined ? '' : '–'}`,
      ]),
      style,
      out,
    );
  }
  if (g.budget?.length) {
    out('');
    out(paint(style, 'bold', 'Budget'));
    table(
      ['BUDGET', 'SPENT', 'OF', 'TOKENS', 'OF', 'STATE'],
      g.budget.map((b) => [
        b.step === null ? 'run' : `step ${b.step}`,
        money(b.spent_usd),
        b.max_cost_usd === null ? '–' : `${money(b.max_cost_usd)} (${Math.round((b.spent_usd / (b.max_cost_usd || Number.MIN_VALUE)) * 100)}%)`,
        String(b.spent_tokens),
        b.max_tokens === null ? '–' : `${b.max_tokens} (${Math.round((b.spent_tokens / (b.max_tokens || 1)) * 100)}%)`,
        b.spent ? 'spent: calls refused' : 'within',
      ]),
      style,
      out,
    );
  }
}
