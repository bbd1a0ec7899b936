// The rate limits a provider announces in its response headers, read into one shape:
// OpenAI and OpenAI-compatible servers (`x-ratelimit-limit-requests`, `-remaining-`, `-reset-`, and
// the `-tokens` forms; resets written `6m0s`, `1s`, `20ms`), Anthropic
// (`anthropic-ratelimit-requests-limit`, `-remaining`, `-reset` as an RFC 3339 time; the tokens forms).
// Google sends none through its SDK: its quota errors are 429s, which the adaptive limiter reads.

export interface AnnouncedLimits {
  /** Requests allowed per window (a minute). */
  requests?: number;
  remainingRequests?: number;
  /** Until the request window resets (ms). */
  resetRequestsMs?: number;
  tokens?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
}

interface HeaderSource {
  get(name: string): string | null;
}

const count = (v: string | null): number | undefined => (v !== null && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : undefined);

/** `6m0s`, `1.5s`, `20ms`, `1h2m`, or a plain number of seconds, to ms. */
export function durationMs(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = '';
  for (const m of v.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * unit[m[2]];
    matched += m[0];
  }
  return matched === v.trim() ? total : undefined;
}

/** An RFC 3339 time to ms from now. */
function untilMs(v: string | null, now: number): number | undefined {
  if (v === null) return undefined;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function compact(a: AnnouncedLimits): AnnouncedLimits | null {
  const out: AnnouncedLimits = {};
  for (const [k, v] of Object.entries(a) as [keyof AnnouncedLimits, number | undefined][]) if (v !== undefined && Number.isFinite(v)) out[k] = v;
  return Object.keys(out).length ? out : null;
}

/** The limits in these headers, or null when they announce none. */
export function announcedLimits(headers: HeaderSource | null | undefined, now = Date.now()): AnnouncedLimits | null {
  if (!headers || typeof headers.get !== 'function') return null;
  const openai = compact({
    requests: count(headers.get('x-ratelimit-limit-requests')),
    remainingRequests: count(headers.get('x-ratelimit-remaining-requests')),
    resetRequestsMs: durationMs(headers.get('x-ratelimit-reset-requests')),
    tokens: count(headers.get('x-ratelimit-limit-tokens')),
    remainingTokens: count(headers.get('x-ratelimit-remaining-tokens')),
    resetTokensMs: durationMs(headers.get('x-ratelimit-reset-tokens')),
  });
  if (openai) return openai;
  return compact({
    requests: count(headers.get('anthropic-ratelimit-requests-limit')),
    remainingRequests: count(headers.get('anthropic-ratelimit-requests-remaining')),
    resetRequestsMs: untilMs(headers.get('anthropic-ratelimit-requests-reset'), now),
    tokens: count(headers.get('anthropic-ratelimit-tokens-limit')),
    remainingTokens: count(headers.get('anthropic-ratelimit-tokens-remaining')),
    resetTokensMs: untilMs(headers.get('anthropic-ratelimit-tokens-reset'), now),
  });
}
