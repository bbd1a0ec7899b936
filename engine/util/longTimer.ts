// setTimeout for any delay: Node fires a timer of more than 2^31-1 ms (about 24.8 days) after 1 ms,
// so `timeout: 2147484` (seconds) would end a step at once. Longer delays are chained.

/** The longest delay one Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/** Calls `fn` after `ms` milliseconds (any finite length; Infinity never fires). */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  let timer: NodeJS.Timeout | null = null;
  let left = ms;
  const arm = () => {
    if (!Number.isFinite(left)) return;
    const now = Math.min(Math.max(0, left), MAX_TIMER_MS);
    left -= now;
    timer = setTimeout(() => (left > 0 ? arm() : fn()), now);
  };
  arm();
  return {
    clear() {
      if (timer) clearTimeout(timer);
      timer = null;
      left = 0;
    },
  };
}

/** Waits `ms` (any length), or less if the signal aborts; resolves false when aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setLongTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      t.clear();
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
