// A rate limiter that learns its limits instead of guessing them: it starts unpaced (only the
// provider's concurrency bounds it), takes the limits the provider announces in its headers as
// soon as one answers, waits out an announced `remaining: 0` until its reset, and, for a provider
// that announces nothing, halves its rate on a 429 and adds one request per window for each success
// (additive increase, multiplicative decrease). A 429's retry-after stays the authority on when to
// retry (the retry policy reads it). Limits the user sets use the fixed RateLimiter instead.
import type { AnnouncedLimits } from './rateHeaders';
import { RateLimiter, tooLongToWait, waitFor } from './resilience';

export class LearnedRateLimiter extends RateLimiter {
  private announced = false;
  /** Until the provider first answers, one call goes alone: its headers tell the limits before a burst. */
  private firstAnswer: Promise<void> | null = null;
  private heard: (() => void) | null = null;
  private probing = false;
  /** An announced reset further away than a call may wait: calls fail at once until then. */
  private closedUntil: number | null = null;

  constructor(
    windowMs: number,
    /** The provider, as errors name it. */
    private readonly provider = 'the provider',
    /** The longest wait for an announced reset (a call's own time limit). */
    private readonly maxWaitMs = Infinity,
  ) {
    super(Infinity, Infinity, windowMs);
    // 1 % under the announced limit: the server counts arrivals, which a loaded machine's timers
    // and the network bunch by a few ms, and the goal is to stay within 2 % of the limit, never above
    this.margin = 1.01;
  }

  /** No more than the limit less the margin in any window (see the margin above). */
  protected override windowRule(): { spanMs: number; cap: number } {
    return { spanMs: this.windowMs, cap: Math.max(1, Math.floor(this.rpm / this.margin)) };
  }

  /** The limit in force (requests per window; Infinity while none is known). */
  get requestsPerWindow(): number {
    return this.rpm;
  }

  override async acquire(estimatedTokens: number, signal: AbortSignal): Promise<{ waitedMs: number; settle(actual: number): void }> {
    if (this.closedUntil !== null) {
      const left = this.closedUntil - performance.now();
      if (left > 0) throw tooLongToWait(this.provider, left, 'its rate limit resets then', this.maxWaitMs);
      this.closedUntil = null;
    }
    if (this.heard === null && this.firstAnswer === null) this.firstAnswer = new Promise<void>((resolve) => (this.heard = resolve));
    if (this.probing || this.firstAnswer !== null) {
      if (this.probing) await waitFor(this.firstAnswer!, signal);
      else this.probing = true;
    }
    try {
      // the grid, then the window's starts (windowRule): catching up after a late timer never puts
      // more than the limit less the margin in one window
      return await super.acquire(estimatedTokens, signal);
    } catch (e) {
      this.heardBack();
      throw e;
    }
  }

  /** The provider answered (or failed): the calls held for its first answer go on. */
  private heardBack(): void {
    if (this.heard) {
      this.heard();
      this.heard = () => undefined;
      this.firstAnswer = null;
      this.probing = false;
    }
  }

  /** A successful answer and the limits its headers announced (null: none). */
  answered(a: AnnouncedLimits | null): void {
    if (a) this.learn(a);
    this.succeeded();
    this.heardBack();
  }

  /** A failed call (status null for no HTTP answer). */
  failed(status: number | null): void {
    if (status === 429) this.throttled();
    this.heardBack();
  }

  /** What a response's headers announced. */
  learn(a: AnnouncedLimits): void {
    const now = performance.now();
    if (a.requests !== undefined && a.requests > 0 && a.requests !== this.rpm) {
      this.rpm = a.requests;
      this.announced = true;
      // the starts already made in this window count against the limit, and the server may have
      // seen them as late as now (a first connection is slow): the grid goes on after them from now
      const interval = (this.windowMs / this.rpm) * this.margin;
      const held = this.startsWithin(this.windowMs, now);
      if (held) this.nextSlot = Math.max(this.nextSlot, now + held * interval);
    }
    if (a.tokens !== undefined && a.tokens > 0) this.tpm = a.tokens;
    if (a.remainingRequests === 0 && a.resetRequestsMs !== undefined) {
      if (a.resetRequestsMs > this.maxWaitMs) this.closedUntil = now + a.resetRequestsMs;
      else this.nextSlot = Math.max(this.nextSlot, now + a.resetRequestsMs);
    }
  }

  /**
   * A 429 from a provider that announces no limit: half the rate of the last window, once it holds
   * enough starts to measure one (its retry-after, which the retry obeys, says when to try again).
   */
  throttled(): void {
    if (this.announced) return;
    const held = this.startsWithin(this.windowMs);
    if (held >= 4) this.rpm = Math.max(2, Math.floor(Math.min(this.rpm, held) / 2));
  }

  /** A success from a provider that announces no limit: one more request per window. */
  succeeded(): void {
    if (!this.announced && Number.isFinite(this.rpm)) this.rpm += 1;
  }
}
