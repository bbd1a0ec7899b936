// Completion in `triggers:`: an entry's keys (a new entry's kind first: `cron` or `webhook`; in an
// entry of one kind, that kind's options and `inputs`), and IANA time zones for `timezone`.
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import { timezoneNames } from '../engine/analyze/cronSchedule';
import { CRON_KEYS, WEBHOOK_KEYS } from '../engine/analyze/triggerDecl';
import { REQUEST_FIELDS, REQUEST_NAME } from '../engine/analyze/triggerInputs';

const has = (o: unknown, k: string) => !!o && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k);

/** The schema's keys of a trigger entry (`items`), narrowed to the entry's kind and ordered: the kinds first. */
export function triggerKeyItems(items: CompletionItem[], present: unknown): CompletionItem[] {
  const kind = has(present, 'cron') ? 'cron' : has(present, 'webhook') ? 'webhook' : null;
  const other: readonly string[] = kind === 'cron' ? WEBHOOK_KEYS : kind === 'webhook' ? CRON_KEYS : [];
  return items
    .filter((i) => !other.includes(i.label))
    .map((i) => ({ ...i, sortText: `${i.label === 'cron' || i.label === 'webhook' ? 0 : 1}${i.label}` }));
}

let zones: CompletionItem[] | null = null;

/** Every IANA time zone this Node knows, `UTC` first. */
export function timezoneItems(): CompletionItem[] {
  zones ??= timezoneNames().map((z, i) => ({ label: z, kind: CompletionItemKind.Value, sortText: i === 0 ? '0' : `1${z}` }));
  return zones;
}

/** Inside a template of a trigger's `inputs` (`entry`: the trigger it belongs to): a webhook's `request` and its fields; a cron trigger's see nothing. */
export function triggerTemplateItems(entry: unknown, expression: string): CompletionItem[] {
  if (!has(entry, 'webhook')) return [];
  if (/\brequest\s*\.\s*\w*$/.test(expression)) return REQUEST_FIELDS.map((f) => ({ label: f, kind: CompletionItemKind.Field, detail: `request.${f}` }));
  if (/[.\]]\s*\w*$/.test(expression)) return [];
  return [{ label: REQUEST_NAME, kind: CompletionItemKind.Module, detail: 'the webhook request: body, headers, query' }];
}
