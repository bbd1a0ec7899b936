// A provider's `usage` is untrusted input: the token counts an answer reports feed the rate
// limiter, the budgets of agents and the costs of runs. A count that is not a finite number of
// zero or more ("lots", -600, NaN, Infinity) is taken as unknown: counted as 0 and said so, never
// negative (it would pay a budget back) and never NaN (it stalled the rate limiter for good).
// Fractions are rounded up to whole tokens. A count the provider did not send at all (null,
// absent) is 0, as the adapters always took it.

/** What the counts of an answer came to. */
export interface UsageFigures {
  tokensIn: number;
  tokensOut: number;
  /** Why a count was not taken, for the call's record (`unknown: the provider reported …`); null when both were. */
  unknown: string | null;
}

/** The provider's words for a count, short enough for a record (a string of any length may come). */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v;
}

/** One count: a whole number of zero or more, or null when it cannot be taken. */
export function tokenCount(v: unknown): number | null {
  if (v === null || v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return null;
  return Math.ceil(v);
}

/** The counts of one answer, checked. */
export function usageFigures(tokensIn: unknown, tokensOut: unknown): UsageFigures {
  const i = tokenCount(tokensIn), o = tokenCount(tokensOut);
  if (i !== null && o !== null) return { tokensIn: i, tokensOut: o, unknown: null };
  const bad = [i === null ? `tokens_in ${shown(tokensIn)}` : '', o === null ? `tokens_out ${shown(tokensOut)}` : ''].filter(Boolean).join(', ');
  return { tokensIn: i ?? 0, tokensOut: o ?? 0, unknown: `unknown: the provider reported ${bad} (counted as 0)` };
}

/** A cost in dollars from a host's models: a finite amount of zero or more, else 0. */
export function costFigure(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * A provider's answer with its counts checked in place (`tokensIn`, `tokensOut`), and `usage`
 * saying why when one was unknown. Every provider call of the runner passes here (the SDK
 * adapters, host-supplied providers, cassette replays).
 */
export function checkUsage<T extends { tokensIn: number; tokensOut: number }>(answer: T): T & { usage?: string } {
  const u = usageFigures(answer.tokensIn, answer.tokensOut);
  answer.tokensIn = u.tokensIn;
  answer.tokensOut = u.tokensOut;
  if (u.unknown) (answer as T & { usage?: string }).usage = u.unknown;
  return answer;
}

/** A call's record from a cassette (a file that may have been edited): its counts and cost checked in place. */
export function checkRecordUsage<R extends { tokens_in: number; tokens_out: number; cost_usd: number; usage?: string }>(record: R): R {
  const u = usageFigures(record.tokens_in, record.tokens_out);
  record.tokens_in = u.tokensIn;
  record.tokens_out = u.tokensOut;
  record.cost_usd = costFigure(record.cost_usd);
  if (u.unknown) record.usage = u.unknown;
  return record;
}
