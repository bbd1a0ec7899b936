// Completion in a step's `guardrails:`: a new guard offers the kinds (each with a value to fill
// in); inside a guard, its other keys (`name`, `on_fail`, and the kinds only while it has none);
// `on_fail` the actions that stage and kind can take; `pii` its kinds.
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem } from 'vscode-languageserver';
import type { CompletionContext } from '../engine/analyze/completionContext';
import type { Analysis } from '../engine/analyze/index';
import { valueAt } from '../engine/spec/values';
import { GUARD_KINDS, GUARD_STAGES, guardAt, ON_FAIL_WORDS, PII_WORDS } from './guardWords';

const md = (value: string) => ({ kind: MarkupKind.Markdown, value });
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function kindItems(): CompletionItem[] {
  return Object.entries(GUARD_KINDS).map(([k, g], i) => ({ label: k, kind: CompletionItemKind.Function, detail: 'guard', documentation: md(g.doc), insertText: g.snippet, insertTextFormat: InsertTextFormat.Snippet, sortText: `0${i}` }));
}

const OPTION_DOCS: Record<string, string> = {
  name: "The guard's name in results, events, `orc report` and the eval's `guardrail_tripped` (default: its kind).",
  on_fail: 'What a failed check does: `block` (default), `redact`, `retry` (output), `ask`.',
};

/** The actions `on_fail` can take on this stage and kind (`retry` on the output only; `redact` where there is something to replace). */
function onFailItems(stage: string, guard: Obj): CompletionItem[] {
  const kind = Object.keys(GUARD_KINDS).find((k) => k in guard);
  return Object.entries(ON_FAIL_WORDS)
    .filter(([a]) => (a !== 'retry' || stage === 'output') && (a !== 'redact' || !kind || kind === 'deny' || kind === 'pii'))
    .map(([a, doc]) => ({ label: a, kind: CompletionItemKind.EnumMember, documentation: md(doc) }));
}

/** The items for a position in `guardrails:`, or null elsewhere (the schema's completion goes on). */
export function guardCompletions(a: Analysis, ctx: CompletionContext): CompletionItem[] | null {
  if (ctx.kind === 'list-item' && ctx.mapping[ctx.mapping.length - 1] === 'guardrails' && (GUARD_STAGES as readonly string[]).includes(ctx.key)) return kindItems();
  if (ctx.kind !== 'key' && ctx.kind !== 'value' && ctx.kind !== 'list-item') return null;
  const g = guardAt(ctx.mapping);
  if (!g || g.at !== ctx.mapping.length) return null;
  const guard = valueAt(a.parsed.value, ctx.mapping);
  if (!isObj(guard)) return null;
  if (ctx.kind === 'key') {
    const hasKind = Object.keys(GUARD_KINDS).some((k) => k in guard && k !== ctx.partial);
    const options = Object.entries(OPTION_DOCS)
      .filter(([k]) => !(k in guard) || k === ctx.partial)
      .map(([k, doc]) => ({ label: k, kind: CompletionItemKind.Property, documentation: md(doc), insertText: `${k}: `, sortText: `1${k}` }));
    return hasKind ? options : [...kindItems(), ...options];
  }
  if (ctx.key === 'on_fail') return onFailItems(g.stage, guard);
  if (ctx.key === 'pii') {
    const listed = Array.isArray(guard.pii) ? guard.pii.map(String) : [];
    const items = Object.entries(PII_WORDS).filter(([k]) => !listed.includes(k)).map(([k, doc]) => ({ label: k, kind: CompletionItemKind.EnumMember, documentation: md(doc) }));
    return ctx.kind === 'value' ? [{ label: 'true', kind: CompletionItemKind.Keyword, documentation: md('Every kind.') }, ...items] : items;
  }
  return null;
}
