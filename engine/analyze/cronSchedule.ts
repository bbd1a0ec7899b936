// Cron expressions and time zones of `triggers:`, read by croner as `orc serve` reads them: what is
// wrong with one (in words, with the field it is about), and when a schedule fires next.
import { Cron } from 'croner';
import { suggest } from './suggest';

/** The nicknames croner reads, each the same as a 5-field expression (`@reboot` has no time). */
export const CRON_NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** The fields of a 5-field expression, and of a 6-field one (seconds first). */
const FIELDS_5 = ['minute', 'hour', 'day of month', 'month', 'day of week'];
const FIELDS_6 = ['second', ...FIELDS_5];
/** croner's name of a field (in its messages) → ours, and what the field takes. */
const CRONER_FIELDS: Record<string, { name: string; takes: string }> = {
  second: { name: 'second', takes: '0-59' },
  minute: { name: 'minute', takes: '0-59' },
  hour: { name: 'hour', takes: '0-23' },
  day: { name: 'day of month', takes: '1-31, or L' },
  month: { name: 'month', takes: '1-12 or JAN-DEC' },
  dayOfWeek: { name: 'day of week', takes: '0-7 (0 and 7 are Sunday) or SUN-SAT' },
};

/** How a schedule is built, the same for every reader (the analysis, the hover, `orc serve`). */
export function cronSchedule(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, paused: true, mode: '5-or-6-parts' });
}

/** What is wrong with a cron expression; `field`: the index (among its space-separated fields) of the field it is about. */
export interface CronProblem {
  message: string;
  field: number | null;
}

/** The space-separated fields of an expression, with where each starts in it. */
export function cronFields(expression: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  const re = /\S+/g;
  for (let m = re.exec(expression); m; m = re.exec(expression)) out.push({ text: m[0], start: m.index });
  return out;
}

/** Null when croner reads the expression as 5 or 6 fields (or a nickname), else what is wrong. */
export function cronProblem(expression: string): CronProblem | null {
  const fields = cronFields(expression);
  const shown = expression.trim();
  if (fields.length === 1 && shown.startsWith('@')) {
    if (CRON_NICKNAMES.includes(shown.toLowerCase())) return null;
    const near = suggest(shown.toLowerCase(), CRON_NICKNAMES);
    return { message: `Unknown cron nickname '${shown}': use ${CRON_NICKNAMES.filter((n) => n !== '@annually' && n !== '@midnight').join(', ')}, or 5 fields.${near.length ? ` Did you mean '${near[0]}'?` : ''}`, field: null };
  }
  if (fields.length !== 5 && fields.length !== 6) {
    const year = fields.length === 7 ? ' (a year field is not read)' : '';
    return { message: `A cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; '${shown}' has ${fields.length}${year}.`, field: null };
  }
  try {
    cronSchedule(expression, 'UTC');
    return null;
  } catch (e) {
    return explained(String((e as Error).message ?? e), fields);
  }
}

/** croner's message in our words, on the field it names when it names one. */
function explained(raw: string, fields: { text: string }[]): CronProblem {
  const message = raw.replace(/^CronPattern:\s*/, '');
  const names = fields.length === 6 ? FIELDS_6 : FIELDS_5;
  const value = /^Invalid value for (\w+): (.*)$/.exec(message);
  if (value && CRONER_FIELDS[value[1]]) {
    const f = CRONER_FIELDS[value[1]];
    const index = names.indexOf(f.name);
    // the field as written: croner's value is the one it counts from (a day of month 32 is 'day: 31')
    const written = `'${index >= 0 ? fields[index].text : value[2]}'`;
    return { message: `Invalid cron expression: ${written} is not a valid ${f.name} (it takes ${f.takes}, ranges a-b, steps */n and lists a,b).`, field: index >= 0 ? index : null };
  }
  // `configuration entry N (TEXT)`: croner counts the fields of 6, seconds first
  const entry = /^configuration entry (\d+) \((.*)\) contains illegal characters/.exec(message);
  if (entry) {
    const index = Number(entry[1]) - (fields.length === 5 ? 1 : 0);
    if (index >= 0 && index < fields.length) return { message: `Invalid cron expression: '${entry[2]}' is not a valid ${names[index]}: it holds characters a cron field does not take.`, field: index };
  }
  const text = message.replace(/\s*Value: .*$/, '').replace(/\.$/, '');
  // the field a message is about: the one holding the part croner quotes, or an nth weekday's
  const quoted = /'([^']+)'/.exec(message)?.[1];
  let index = quoted ? fields.findIndex((f) => f.text === quoted || f.text.split(',').includes(quoted)) : -1;
  if (index < 0 && /nth weekday|nth \(#\)/.test(message)) index = fields.findIndex((f) => f.text.includes('#'));
  if (index < 0) {
    const step = /illegal stepping: (\S+)$/.exec(text)?.[1];
    if (step) index = fields.findIndex((f) => f.text.includes(`/${step}`));
  }
  const where = index >= 0 ? ` in the ${names[index]} field ('${fields[index].text}')` : '';
  return { message: `Invalid cron expression${where}: ${text}.`, field: index >= 0 ? index : null };
}

/** Whether an IANA time zone name is one this Node knows. */
export function isTimezone(name: string): boolean {
  if (!name.trim()) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The time zone names this Node knows, for did-you-mean. */
export function timezoneNames(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  return ['UTC', ...(intl.supportedValuesOf?.('timeZone') ?? [])];
}

/** The next `count` times the schedule fires after `from` (fewer when it never fires again); empty when it is not valid. */
export function nextFires(expression: string, timezone: string, from: Date, count: number): Date[] {
  if (cronProblem(expression) || !isTimezone(timezone)) return [];
  try {
    return cronSchedule(expression, timezone).nextRuns(count, from);
  } catch {
    return [];
  }
}

/** A fire time as a reader reads it in the trigger's zone: `Mon 2026-01-05 07:00 UTC` (seconds when not 0). */
export function formatFire(date: Date, timezone: string, withDate = true): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const time = `${parts.hour}:${parts.minute}${parts.second !== '00' ? `:${parts.second}` : ''}`;
  return withDate ? `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${time} ${timezone}` : `${time} ${timezone}`;
}
