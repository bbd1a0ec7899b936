// How many attempts a step gets and how long to wait between them.
import type { FailurePolicy, PipelineContext, RetryPolicy } from '../spec/types';

/** Attempts when `on_failure: retry` is given without a count. */
export const DEFAULT_RETRY_ATTEMPTS = 3;

/** The default policies of a pipeline's context (read-only, shared by its steps): for `on_failure: retry`, and for the others. */
const defaults = new WeakMap<PipelineContext, { retry: RetryPolicy; other: RetryPolicy }>();

function defaultPolicy(attempts: number): RetryPolicy {
  return Object.freeze({ maxAttempts: Math.max(1, attempts), backoff: 'exponential', initialDelay: 1, maxDelay: 60 });
}

export function effectiveRetry(step: { retry: RetryPolicy | null; onFailure: FailurePolicy }, ctx: PipelineContext): RetryPolicy {
  if (step.retry) return step.retry;
  let d = defaults.get(ctx);
  if (!d) {
    d = { retry: defaultPolicy(ctx.maxRetries ?? DEFAULT_RETRY_ATTEMPTS), other: defaultPolicy(ctx.maxRetries ?? 1) };
    defaults.set(ctx, d);
  }
  return step.onFailure.kind === 'retry' ? d.retry : d.other;
}

/** Delay before attempt `next` (2 = the first retry), in ms: exponential with jitter, or fixed. */
export function retryDelayMs(policy: RetryPolicy, next: number, random: () => number = Math.random): number {
  const base = policy.backoff === 'fixed' ? policy.initialDelay : policy.initialDelay * Math.pow(2, next - 2);
  const capped = Math.min(policy.maxDelay, base);
  // equal jitter: half fixed, half random, so retries of parallel steps do not stampede
  return Math.round(1000 * (policy.backoff === 'fixed' ? capped : capped / 2 + (random() * capped) / 2));
}
