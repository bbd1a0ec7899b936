// One attempt's cancellation. Every attempt has a signal of its own, which the run's cancellation
// aborts (the tool's listeners go on it and go with it, so parallel attempts never pile listeners
// on the run's signal). Making an AbortController costs more than a no-op step's whole run, so it is
// made only when the attempt's tool first asks for its signal: it is born aborted if the run was
// cancelled by then, and only then joins the run's in-flight set, which it leaves when the attempt ends.

/** What the run's cancellation aborts: an attempt's controller. */
export interface Abortable {
  abort(reason?: unknown): void;
}

/**
 * An attempt's cancellation as an executor elsewhere (a distributed run's workers) needs it: whether
 * and why it was cancelled, and a call when it is, without an AbortSignal of its own.
 */
export interface Cancellation {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** Calls `fn` once when the attempt is cancelled or times out (at once if it already was). */
  onAbort(fn: (reason: unknown) => void): void;
}

export class AttemptSignal implements Abortable, Cancellation {
  private controller: AbortController | null = null;
  private ended = false;
  private listener: ((reason: unknown) => void) | null = null;
  private abortedWith: { reason: unknown } | null = null;

  constructor(
    private readonly runSignal: AbortSignal,
    private readonly inflight: Set<Abortable>,
  ) {}

  /** The attempt's signal (made on first use). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
      else if (!this.ended) this.inflight.add(this);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortedWith !== null || this.runSignal.aborted;
  }

  get reason(): unknown {
    return this.abortedWith ? this.abortedWith.reason : this.runSignal.reason;
  }

  onAbort(fn: (reason: unknown) => void): void {
    if (this.aborted) return fn(this.reason);
    this.listener = fn;
    if (!this.ended) this.inflight.add(this);
  }

  abort(reason?: unknown): void {
    this.abortedWith ??= { reason };
    this.controller?.abort(reason);
    const l = this.listener;
    this.listener = null;
    l?.(reason);
  }

  /** The attempt is over: cancelling the run no longer reaches it. */
  end(): void {
    this.ended = true;
    this.listener = null;
    this.inflight.delete(this);
  }
}

/** An AbortSignal as a Cancellation (an attempt with a timeout has a controller of its own). */
export function cancellationOf(s: AbortSignal | AttemptSignal): Cancellation {
  if (s instanceof AttemptSignal) return s;
  return {
    get aborted() {
      return s.aborted;
    },
    get reason() {
      return s.reason;
    },
    onAbort(fn) {
      if (s.aborted) fn(s.reason);
      else s.addEventListener('abort', () => fn(s.reason), { once: true });
    },
  };
}

/** An attempt's signal, given as one, or as its maker. */
export function signalOf(s: AbortSignal | AttemptSignal): AbortSignal {
  return s instanceof AttemptSignal ? s.signal : s;
}
