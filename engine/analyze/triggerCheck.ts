// `triggers:` checked: each entry is a cron schedule or a webhook; a cron expression croner reads
// as 5 or 6 fields, in a time zone that exists, and that fires at all; a webhook name that stands in
// a URL and is not used twice; options of the other kind of trigger; and the inputs (triggerInputs).
// Webhook names used by another pipeline under the same root are found by the language server and
// `orc serve`, which know the other files (webhookClashes).
import { formatPath, stringOffsets, valueRange } from '../parse/yamlDocument';
import { offsetAt } from '../parse/scalarOffsets';
import type { Finding, Pipeline, Range, ValuePath } from '../spec/types';
import type { FindingSink } from './findingSink';
import { cronFields, cronProblem, cronSchedule, isTimezone, timezoneNames } from './cronSchedule';
import { didYouMean, suggest } from './suggest';
import { CRON_KEYS, WEBHOOK_KEYS } from './triggerDecl';
import { checkTriggerInputs } from './triggerInputs';
import { FINDING_CODES } from './codes';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** What a webhook name may be: it stands in `/hooks/NAME` as written. */
export const WEBHOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** A webhook of a document: its name and where the name is written. */
export interface WebhookName {
  name: string;
  path: ValuePath;
  range: Range;
}

/** The webhooks a document declares (the name as written), in order. */
export function webhookNames(value: unknown, sink: Pick<FindingSink, 'parsed'>): WebhookName[] {
  const list = isObj(value) ? value.triggers : undefined;
  if (!Array.isArray(list)) return [];
  const out: WebhookName[] = [];
  list.forEach((e, i) => {
    if (isObj(e) && typeof e.webhook === 'string') out.push({ name: e.webhook, path: ['triggers', i, 'webhook'], range: valueRange(sink.parsed, ['triggers', i, 'webhook']) });
  });
  return out;
}

export function checkTriggers(value: unknown, pipeline: Pipeline, sink: FindingSink): void {
  const list = isObj(value) ? value.triggers : undefined;
  if (!Array.isArray(list)) return;
  list.forEach((entry, i) => {
    if (!isObj(entry)) return;
    const path: ValuePath = ['triggers', i];
    const cron = has(entry, 'cron');
    const webhook = has(entry, 'webhook');
    if (!cron && !webhook) {
      const first = Object.keys(entry)[0];
      const message = "A trigger needs 'cron: EXPRESSION' (a schedule) or 'webhook: NAME' (POST /hooks/NAME).";
      if (first !== undefined) sink.atKey('trigger.kind', message, [...path, first]);
      else sink.atValue('trigger.kind', message, path);
      return;
    }
    if (cron && webhook) {
      sink.atKey('trigger.kind', "A trigger is a cron schedule or a webhook, not both: write them as two entries of 'triggers'.", [...path, 'webhook']);
      return;
    }
    const other = cron ? WEBHOOK_KEYS : CRON_KEYS;
    for (const k of other) {
      if (has(entry, k)) sink.atKey('trigger.option-mismatch', `'${k}' belongs to a ${cron ? 'webhook' : 'cron'} trigger: a ${cron ? 'cron' : 'webhook'} trigger ignores it.`, [...path, k]);
    }
    if (cron) checkCron(entry, path, sink);
    checkTriggerInputs(entry, path, webhook, pipeline, sink);
  });
  duplicateWebhooks(value, sink);
}

function checkCron(entry: Obj, path: ValuePath, sink: FindingSink): void {
  const tz = typeof entry.timezone === 'string' ? entry.timezone : 'UTC';
  const tzOk = typeof entry.timezone !== 'string' || isTimezone(entry.timezone);
  if (!tzOk) {
    const suggestions = suggest(tz, timezoneNames());
    sink.atValue('trigger.timezone', `'${tz}' is not an IANA time zone this Node knows (such as 'UTC', 'Europe/Berlin', 'America/New_York').${didYouMean(suggestions)}`, [...path, 'timezone'], { suggestions });
  }
  if (typeof entry.cron !== 'string') return; // the schema says what it should be
  const expr = entry.cron;
  const problem = cronProblem(expr);
  if (problem) {
    const at = [...path, 'cron'];
    const field = problem.field !== null ? cronFields(expr)[problem.field] : null;
    const offsets = field ? stringOffsets(sink.parsed, at, expr) : null;
    if (field && offsets !== null) {
      const s = offsetAt(offsets, field.start);
      const e = offsetAt(offsets, field.start + field.text.length - 1) + 1;
      sink.atOffsets('trigger.cron', problem.message, s, e, at);
    } else sink.atValue('trigger.cron', problem.message, at);
    return;
  }
  if (tzOk && !nextRunOf(expr, tz)) sink.atValue('trigger.cron-never', `'${expr}' never fires: no date matches it (a day that no month has?).`, [...path, 'cron']);
}

function nextRunOf(expr: string, tz: string): Date | null {
  try {
    return cronSchedule(expr, tz).nextRun();
  } catch {
    return new Date(0); // not known: say nothing
  }
}

/** Webhook names that do not stand in a URL, and names used twice in the document (an error on each). */
function duplicateWebhooks(value: unknown, sink: FindingSink): void {
  const names = webhookNames(value, sink);
  const byName = new Map<string, WebhookName[]>();
  for (const w of names) {
    if (!WEBHOOK_NAME.test(w.name)) {
      sink.atValue('trigger.webhook-name', `Webhook name '${w.name}' does not stand in a URL as written: use letters, digits, '-' and '_', starting with a letter or digit.`, w.path);
      continue;
    }
    byName.set(w.name, [...(byName.get(w.name) ?? []), w]);
  }
  for (const [name, uses] of byName) {
    if (uses.length < 2) continue;
    for (const w of uses) {
      const others = uses.filter((u) => u !== w);
      sink.atValue('trigger.duplicate-webhook', `Webhook '${name}' is declared ${uses.length} times in this pipeline: POST /hooks/${name} can start only one trigger.`, w.path, {
        related: others.map((o) => ({ message: `also declared here`, range: o.range })),
      });
    }
  }
}

/** Another file that declares a webhook name: its path (as the reader shows it) and where. */
export interface WebhookUse {
  file: string;
  range: Range;
}

/**
 * The findings on a document's webhooks that other pipelines served with it declare too (`others`:
 * by name, the other files that declare it). One finding on each of the document's names that clash.
 */
export function webhookClashes(own: WebhookName[], others: Map<string, WebhookUse[]>, path: (file: string) => string = (f) => f): Finding[] {
  const out: Finding[] = [];
  for (const w of own) {
    if (!WEBHOOK_NAME.test(w.name)) continue;
    const uses = others.get(w.name);
    if (!uses?.length) continue;
    const files = uses.map((u) => path(u.file));
    out.push({
      code: 'trigger.duplicate-webhook',
      severity: FINDING_CODES['trigger.duplicate-webhook'].severity,
      message: `Webhook '${w.name}' is declared by another pipeline served from the same root too (${files.join(', ')}): POST /hooks/${w.name} can start only one of them.`,
      range: w.range,
      step: null,
      path: formatPath(w.path),
      suggestions: [],
    });
  }
  return out;
}
