// The one resilience layer around every provider (cockatiel: retry, circuit breaker, bulkhead for
// concurrency; a small pacing limiter for requests and tokens per minute, which cockatiel lacks).
import { BrokenCircuitError, ConsecutiveBreaker, ConstantBackoff, bulkhead, circuitBreaker, handleWhen, retry, type CircuitBreakerPolicy, type BulkheadPolicy, type RetryPolicy } from 'cockatiel';
import { ProviderError } from './provider';

export interface ProviderLimits {
  /** Calls in flight at once. */
  concurrency: number;
  requestsPerMinute: number;
  tokensPerMinute: number;
}

export interface ResilienceOptions {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** First backoff (ms), doubled each retry, with full jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Consecutive failures that open a provider's breaker. */
  breakerFailures: number;
  /** How long an open breaker stays open before letting one trial call through (ms). */
  halfOpenAfterMs: number;
  /** Per-call time limit (ms). */
  callTimeoutMs: number;
  /** The length of the rate window: a minute in production, shorter in tests. */
  windowMs: number;
  random: () => number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  breakerFailures: 5,
  halfOpenAfterMs: 30_000,
  callTimeoutMs: 300_000,
  windowMs: 60_000,
  random: Math.random,
};

/** Conservative defaults (the lowest paid tiers); settings override them. */
export const DEFAULT_LIMITS: Record<string, ProviderLimits> = {
  openai: { concurrency: 8, requestsPerMinute: 500, tokensPerMinute: 200_000 },
  anthropic: { concurrency: 4, requestsPerMinute: 50, tokensPerMinute: 40_000 },
  google: { concurrency: 8, requestsPerMinute: 150, tokensPerMinute: 1_000_000 },
  ollama: { concurrency: 2, requestsPerMinute: 100_000, tokensPerMinute: 100_000_000 },
};
export const FALLBACK_LIMITS: ProviderLimits = { concurrency: 4, requestsPerMinute: 60, tokensPerMinute: 100_000 };

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

export class CircuitOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CircuitOpenError';
  }
}

/** Node's timers hold at most this long (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits for `p`, or rejects as soon as the signal aborts. */
export function waitFor(p: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/** Waits `ms`, or rejects as soon as the signal aborts; a delay past what one timer holds is waited in parts. */
export async function abortable(ms: number, signal: AbortSignal): Promise<void> {
  for (let left = ms; ; left -= MAX_TIMER_MS) {
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, Math.min(Math.max(0, left), MAX_TIMER_MS));
      const onAbort = () => {
        clearTimeout(t);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    if (left <= MAX_TIMER_MS) return;
  }
}

/** A span of time as a person reads it: `40 s`, `5 min`, `3 h`, `23 days`. */
export function durationWords(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s * 10) / 10} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** A provider asked for a wait longer than a call may take: the call fails now, with this error, instead of waiting. */
export function tooLongToWait(provider: string, waitMs: number, why: string, maxMs: number): ProviderError {
  return new ProviderError(`${provider} asks to wait ${durationWords(waitMs)} before another call (${why}): longer than a call may take (${durationWords(maxMs)}), so it was not tried again`, 429, waitMs, false);
}

/**
 * How long to wait before another attempt after `e`: what the provider asked (`retry-after`), else
 * a doubling backoff with jitter. A wait longer than `o.callTimeoutMs` is not waited: it throws.
 */
export function retryDelayMs(provider: string, e: unknown, attempt: number, o: ResilienceOptions): number {
  if (e instanceof ProviderError && e.retryAfterMs !== null) {
    if (e.retryAfterMs > o.callTimeoutMs) throw tooLongToWait(provider, e.retryAfterMs, 'retry-after', o.callTimeoutMs);
    return e.retryAfterMs;
  }
  const cap = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (o.random() * cap) / 2);
}

/**
 * Paces calls so that no window of `windowMs` holds more than `rpm` starts (consecutive starts are
 * at least windowMs/rpm apart, so the achieved rate approaches the limit and never exceeds it), and the
 * tokens spent in the last window stay under `tpm` (estimated at the start, corrected after).
 */
/**
 * How many of the times `times[from..]` (in increasing order) are after `since`: a binary search.
 * The limiter counted the starts of its window walking back from the newest at every call: 2,000
 * calls of an eval under a high limit walked 2 million, and 10,000 walked 50 million (37 ms of an
 * eval's main thread, in a CPU profile).
 */
export function countSince(times: readonly number[], from: number, since: number): number {
  let lo = from;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] > since) hi = mid;
    else lo = mid + 1;
  }
  return times.length - lo;
}

/**
 * How much later than its start a call's request may leave the process (the SDK's own work, then
 * the event loop's turn), and so how much wider than its rule's span a window of starts is held:
 * a provider counts requests where they arrive, and on a busy machine the requests left with more
 * jitter than the margin's 15 ms of a 3 s window: 31 of 30 in one window where they left the process
 * (the limiter's test in a fresh clone's `npm test`, 2026-11-25). 30 ms is 0.05 % of a minute.
 */
const SEND_SLACK_MS = 30;

export class RateLimiter {
  protected nextSlot = 0;
  /** How much wider than the limit's spacing the grid is. */
  protected margin = 1.005;
  /** The calls of the last window and their tokens, oldest first from `head` on, and the tokens' sum: a call trims and sums in constant time (amortized), not over every call of the window. */
  private spent: { at: number; tokens: number; gone: boolean }[] = [];
  private head = 0;
  private used = 0;
  /** The times of the calls' starts, oldest first from `startsHead` on: those of the last window
   * and its margin (`windowRule`); the learned limiter also reads what its last window held. */
  private starts: number[] = [];
  private startsHead = 0;
  /** Settles when the call before has passed `clearWindow`: calls pass it one at a time, in turn. */
  private gate: Promise<void> = Promise.resolve();
  constructor(
    protected rpm: number,
    protected tpm: number,
    protected readonly windowMs: number,
  ) {}

  /** Waits for a start slot; resolves with the ms waited and a function that records actual tokens. */
  async acquire(estimatedTokens: number, signal: AbortSignal): Promise<{ waitedMs: number; settle(actual: number): void }> {
    const t0 = performance.now();
    // starts sit on a grid 0.5 % wider than the limit's spacing: a late timer delays one call
    // but not the grid, so the long-run rate stays at the limit, and no window of windowMs
    // holds more than rpm starts
    const interval = (this.windowMs / this.rpm) * this.margin;
    const now = performance.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + interval;
    if (slot > now) await abortable(slot - now, signal);
    else if (signal.aborted) throw signal.reason;
    // tokens: wait until the window's spend leaves room (a call larger than the whole budget goes alone)
    for (;;) {
      const at = performance.now();
      this.trimSpent(at);
      const used = this.used;
      if (used === 0 || used + estimatedTokens <= this.tpm) break;
      await abortable(Math.max(1, this.windowMs - (at - this.spent[this.head].at)), signal);
    }
    await this.clearWindow(signal);
    const entry = { at: performance.now(), tokens: estimatedTokens, gone: false };
    this.spent.push(entry);
    this.used += estimatedTokens;
    return {
      waitedMs: performance.now() - t0,
      settle: (actual: number) => {
        if (!entry.gone) this.used += actual - entry.tokens;
        entry.tokens = actual;
      },
    };
  }

  /**
   * How many starts a span of time may hold: `cap` in any `spanMs`. Here the limit in a window and
   * its margin (the grid is as wide: the rule holds only where a late timer bunched the starts);
   * the learned limiter keeps its window and takes the margin off the count.
   */
  protected windowRule(): { spanMs: number; cap: number } {
    return { spanMs: this.windowMs * this.margin, cap: Math.floor(this.rpm) };
  }

  /** How many starts the last `ms` held (see `countSince`). */
  protected startsWithin(ms: number, now = performance.now()): number {
    return countSince(this.starts, this.startsHead, now - ms);
  }

  /**
   * Waits until the span of `windowRule` has room for one more start, then records it. The grid
   * alone is not enough: a timer that fires late delays its call but not the grid, and the calls a
   * window later come on time, so that window held one start more than the limit (31 of 30, seen in
   * a test on a busy machine, the requests timed where they leave the process). Calls pass one at a
   * time, in turn, so two cannot take the same room.
   */
  private async clearWindow(signal: AbortSignal): Promise<void> {
    const before = this.gate;
    let passed!: () => void;
    this.gate = new Promise<void>((resolve) => (passed = resolve));
    try {
      // the calls before this one have started (or given up): `starts` holds theirs
      await waitFor(before, signal);
      for (;;) {
        const now = performance.now();
        const rule = this.windowRule();
        const spanMs = rule.spanMs + SEND_SLACK_MS;
        const cap = rule.cap;
        this.trimStarts(now, Math.max(spanMs, this.windowMs));
        const held = this.startsWithin(spanMs, now);
        if (!Number.isFinite(cap) || held < Math.max(1, cap)) break;
        // the oldest start that leaves room when it is a span old
        await abortable(this.starts[this.starts.length - Math.max(1, cap)] + spanMs - now, signal);
      }
      this.starts.push(performance.now());
    } finally {
      // a call that gave up lets the next one go only after the calls before it, as it would have
      void before.then(passed);
    }
  }

  /** Drops the starts older than `keepMs` (the list is compacted once half of it is gone). */
  private trimStarts(now: number, keepMs: number): void {
    const s = this.starts;
    while (this.startsHead < s.length && now - s[this.startsHead] >= keepMs) this.startsHead++;
    if (this.startsHead === s.length) {
      this.starts = [];
      this.startsHead = 0;
    } else if (this.startsHead > 1024 && this.startsHead * 2 > s.length) {
      this.starts = s.slice(this.startsHead);
      this.startsHead = 0;
    }
  }

  /** Drops the starts older than the window from the count (the list is compacted once half of it is gone). */
  private trimSpent(at: number): void {
    const s = this.spent;
    while (this.head < s.length && at - s[this.head].at >= this.windowMs) {
      const e = s[this.head++];
      e.gone = true;
      this.used -= e.tokens;
    }
    if (this.head === s.length) {
      this.spent = [];
      this.head = 0;
      this.used = 0;
    } else if (this.head > 1024 && this.head * 2 > s.length) {
      this.spent = s.slice(this.head);
      this.head = 0;
    }
  }
}

export interface ProviderGuard {
  limiter: RateLimiter;
  concurrency: BulkheadPolicy;
  retry: RetryPolicy;
  breaker: CircuitBreakerPolicy;
  name: string;
}

function isRetryable(e: Error): boolean {
  return e instanceof ProviderError && e.transient;
}

export function providerGuard(name: string, limits: ProviderLimits, o: ResilienceOptions): ProviderGuard {
  // cockatiel's own delay between attempts cannot be cancelled: the caller waits before each retry
  // (retryDelayMs, abortable), so cockatiel's is none
  const backoff = new ConstantBackoff(0);
  return {
    name,
    limiter: new RateLimiter(limits.requestsPerMinute, limits.tokensPerMinute, o.windowMs),
    concurrency: bulkhead(limits.concurrency, Number.MAX_SAFE_INTEGER),
    retry: retry(handleWhen(isRetryable), { maxAttempts: o.maxAttempts - 1, backoff }),
    // only failures of the provider count: a bad schema or a cancelled run says nothing about its health
    breaker: circuitBreaker(handleWhen(isRetryable), { halfOpenAfter: o.halfOpenAfterMs, breaker: new ConsecutiveBreaker(o.breakerFailures) }),
  };
}

/** The breaker's own error in words a user can act on. */
export function describeBreak(name: string, e: unknown, halfOpenAfterMs: number): unknown {
  if (e instanceof BrokenCircuitError) return new CircuitOpenError(`The circuit breaker for provider '${name}' is open after repeated failures: calls fail fast for up to ${halfOpenAfterMs >= 1000 ? `${Math.round(halfOpenAfterMs / 1000)} s` : `${halfOpenAfterMs} ms`}, then one trial call is let through`);
  return e;
}
