// Completion in `monitors:`: a new monitor offers a skeleton beside its keys; in an assertion,
// `type`'s values are the eval's assertion types (each with the value it takes), and its keys
// are `type`, `value` and the options, or (in the eval file's form, `{contains: x}`) the kinds.
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem } from 'vscode-languageserver';
import type { CompletionContext } from '../engine/analyze/completionContext';
import { ASSERTION_KINDS, assertionOperandProblem, type AssertionKind } from '../engine/spec/assertionKinds';
import type { ValuePath } from '../engine/spec/types';
import { ASSERTION_KIND_DOCS } from './evalHover';

const md = (value: string) => ({ kind: MarkupKind.Markdown, value });
const KINDS: readonly string[] = ASSERTION_KINDS;
const has = (o: unknown, k: string) => !!o && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k);

/** `monitors[i]`. */
export const isMonitor = (p: ValuePath) => p.length === 2 && p[0] === 'monitors' && typeof p[1] === 'number';
/** `monitors[i].assert[j]`. */
export const isMonitorAssertion = (p: ValuePath) => p.length === 4 && p[0] === 'monitors' && typeof p[1] === 'number' && p[2] === 'assert' && typeof p[3] === 'number';

/** What a kind's `value` is, in words. */
export function valueWords(kind: AssertionKind): string {
  if (kind === 'is_json') return 'none needed';
  return assertionOperandProblem(kind, undefined) ?? 'any value (the output must equal it)';
}

const MONITOR_SNIPPET: CompletionItem = {
  label: 'monitor',
  kind: CompletionItemKind.Snippet,
  insertTextFormat: InsertTextFormat.Snippet,
  insertText: 'name: ${1:grounded}\nsample: ${2:1}\nassert:\n  - type: ${3|contains,not-contains,regex,is-json,max_length,llm_rubric|}\n    value: ${4}\nwindow: ${5:50}\nmin_checks: ${6:10}\nalert_below: ${7:0.9}',
  documentation: md('A monitor: the share of served runs it checks, its assertions, and the window whose pass rate alerts below `alert_below`.'),
  sortText: '2monitor',
};

/** The schema's key items of a monitor or of a monitor's assertion, narrowed and ordered; null elsewhere. */
export function monitorKeyItems(mapping: ValuePath, items: CompletionItem[], present: unknown, newListItem: boolean): CompletionItem[] | null {
  if (isMonitor(mapping)) return newListItem ? [...items, MONITOR_SNIPPET] : items;
  if (!isMonitorAssertion(mapping)) return null;
  const typed = has(present, 'type');
  const evalForm = KINDS.some((k) => has(present, k));
  return items
    .filter((i) => (KINDS.includes(i.label) ? !typed && !evalForm : !(evalForm && (i.label === 'type' || i.label === 'value'))))
    .map((i) => {
      const kind = KINDS.includes(i.label) ? (i.label as AssertionKind) : null;
      if (kind) return { ...i, kind: CompletionItemKind.Function, detail: `the eval file's form of type: ${kind}`, documentation: md(ASSERTION_KIND_DOCS[kind]), sortText: `3${i.label}` };
      return { ...i, sortText: `${i.label === 'type' ? 0 : i.label === 'value' ? 1 : 2}${i.label}` };
    });
}

/** `type:`'s values in a monitor's assertion; null elsewhere. */
export function monitorValueItems(ctx: CompletionContext): CompletionItem[] | null {
  if (ctx.kind !== 'value' || ctx.key !== 'type' || !isMonitorAssertion(ctx.mapping)) return null;
  return ASSERTION_KINDS.map((k, i) => ({ label: k, kind: CompletionItemKind.EnumMember, detail: `value: ${valueWords(k)}`, documentation: md(ASSERTION_KIND_DOCS[k]), sortText: String(i).padStart(2, '0') }));
}
