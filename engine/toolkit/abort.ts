// How a tool's work ends when its step is cancelled or times out: the error it ends with, and a
// promise raced against the step's signal.

export function abortError(signal: AbortSignal): Error {
  return cancelledError(signal.reason);
}

/** The error an attempt cancelled for `reason` ends with: the reason when it is one (a timeout), else a CancelledError. */
export function cancelledError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  const e = new Error('The step was cancelled');
  e.name = 'CancelledError';
  return e;
}

/** `p`, or a rejection with the signal's reason when it aborts first. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
