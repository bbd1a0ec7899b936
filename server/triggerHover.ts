// Hover on a trigger (`triggers:`): on a cron expression, the next three times it fires in its time
// zone (what is wrong with it when croner cannot read it); on a webhook name, the request that fires
// it and whether it must be signed.
import type { Analysis } from '../engine/analyze/index';
import type { Located } from '../engine/analyze/locate';
import { cronProblem, formatFire, isTimezone, nextFires } from '../engine/analyze/cronSchedule';
import { DEFAULT_OVERLAP, DEFAULT_TIMEZONE } from '../engine/analyze/triggerDecl';
import { WEBHOOK_NAME } from '../engine/analyze/triggerCheck';
import { valueAt } from '../engine/spec/values';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What `overlap` does, as the hover says it. */
const OVERLAP_WORDS: Record<string, string> = {
  skip: 'a time that comes while the last run it started still runs is skipped',
  queue: 'a time that comes while the last run it started still runs starts its run when that one ends',
  allow: 'every time starts a run, whether the last one still runs or not',
};

/** The hover's Markdown on a trigger's `cron` or `webhook` value, or null elsewhere. */
export function triggerHover(a: Analysis, at: Located, now: Date = new Date()): string | null {
  const path = at.path;
  if (at.onKey || path.length !== 3 || path[0] !== 'triggers' || typeof path[1] !== 'number') return null;
  const entry = valueAt(a.parsed.value, path.slice(0, 2));
  if (!isObj(entry)) return null;
  if (path[2] === 'cron' && typeof entry.cron === 'string') return cronHover(entry.cron, entry, now);
  if (path[2] === 'webhook' && typeof entry.webhook === 'string') return webhookHover(entry.webhook, entry);
  return null;
}

function cronHover(expr: string, entry: Obj, now: Date): string {
  const tz = typeof entry.timezone === 'string' ? entry.timezone : DEFAULT_TIMEZONE;
  const head = `**cron trigger** \`${expr}\` (${tz})`;
  const problem = cronProblem(expr);
  if (problem) return `${head}\n\n${problem.message}`;
  if (!isTimezone(tz)) return `${head}\n\n'${tz}' is not a time zone: no fire times.`;
  const fires = nextFires(expr, tz, now, 3);
  if (!fires.length) return `${head}\n\nNever fires: no date matches it.`;
  const overlap = typeof entry.overlap === 'string' && OVERLAP_WORDS[entry.overlap] ? entry.overlap : DEFAULT_OVERLAP;
  return [head, '', `Next ${fires.length === 1 ? 'time' : `${fires.length} times`}:`, ...fires.map((d) => `- ${formatFire(d, tz)}`), '', `\`overlap: ${overlap}\`: ${OVERLAP_WORDS[overlap]}.`].join('\n');
}

function webhookHover(name: string, entry: Obj): string {
  const head = `**webhook trigger** \`POST /hooks/${name}\``;
  if (!WEBHOOK_NAME.test(name)) return `${head}\n\nNot a name that stands in a URL as written.`;
  const secret = typeof entry.secret_env === 'string' ? entry.secret_env : null;
  const signed = secret
    ? `Signed: a request must carry \`X-Hub-Signature-256: sha256=<hex>\`, the HMAC-SHA256 of its raw body with the secret in \`$${secret}\` (as GitHub signs); one with a bad or missing signature is refused (401) and starts nothing.`
    : 'Unsigned: no `secret_env`, so any request that reaches the server (with its token) starts a run.';
  return `${head}\n\n${signed}\n\nIts \`inputs\` read \`request.body\`, \`request.headers\` and \`request.query\`.`;
}
