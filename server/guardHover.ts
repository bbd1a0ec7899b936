// Hover in guards and budgets: an `on_fail` action and a PII kind in words; on a `budget` key, its
// doc and the worst case beside it (the run's, with its costliest step; a step's own). A step's
// hover line with its worst case is `stepWorstLine` (guardWords.ts).
import type { Analysis } from '../engine/analyze/index';
import type { Located } from '../engine/analyze/locate';
import { describeKey } from '../engine/spec/schemaNavigator';
import { valueAt } from '../engine/spec/values';
import { budgetWorstLines, guardAt, ON_FAIL_WORDS, PII_WORDS } from './guardWords';

/** The hover's Markdown, or null where guards and budgets have nothing to say. */
export function guardHover(a: Analysis, at: Located): string | null {
  const path = at.path;
  const last = path[path.length - 1];
  if (at.onKey && last === 'budget') {
    const doc = describeKey(path);
    const step = path.length === 3 && path[0] === 'steps' ? (valueAt(a.parsed.value, path.slice(0, 2)) as { id?: unknown } | undefined) : undefined;
    const lines = budgetWorstLines(a, path.length === 1 ? null : typeof step?.id === 'string' ? step.id : null);
    if (!lines.length) return null;
    return [`**\`budget\`**${doc ? ` — ${doc}` : ''}`, ...lines].join('\n\n');
  }
  if (at.onKey) return null;
  const g = guardAt(path);
  if (!g) return null;
  const v = valueAt(a.parsed.value, path);
  if (path.length === g.at + 1 && last === 'on_fail' && typeof v === 'string' && ON_FAIL_WORDS[v]) return `**\`on_fail: ${v}\`** — ${ON_FAIL_WORDS[v]}`;
  if (path.length === g.at + 2 && path[g.at] === 'pii' && typeof v === 'string' && PII_WORDS[v]) return `**PII kind \`${v}\`** — ${PII_WORDS[v]}`;
  return null;
}
