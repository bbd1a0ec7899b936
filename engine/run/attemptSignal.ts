// One attempt's cancellation. Every attempt has a signal of its own, which the run's cancellation
// aborts (the tool's listeners go on it and go with it, so parallel attempts never pile listeners
// on the run's signal). Making an AbortController costs more than a no-op step's whole run, so it is
// made only when the attempt's tool first asks for its signal: it is born aborted if the run was
// cancelled by then, and only then joins the run's in-flight set, which it leaves when the attempt ends.

/** What the run's cancellation aborts: an attempt's controller. */
export interface Abortable {
  abort(reason?: unknown): void;
}

export class AttemptSignal implements Abortable {
  private controller: AbortController | null = null;
  private ended = false;

  constructor(
    private readonly runSignal: AbortSignal,
    private readonly inflight: Set<Abortable>,
  ) {}

  /** The attempt's signal (made on first use). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.runSignal.aborted) this.controller.abort(this.runSignal.reason);
      else if (!this.ended) this.inflight.add(this);
    }
    return this.controller.signal;
  }

  abort(reason?: unknown): void {
    this.controller?.abort(reason);
  }

  /** The attempt is over: cancelling the run no longer reaches it. */
  end(): void {
    this.ended = true;
    if (this.controller) this.inflight.delete(this);
  }
}

/** An attempt's signal, given as one, or as its maker. */
export function signalOf(s: AbortSignal | AttemptSignal): AbortSignal {
  return s instanceof AttemptSignal ? s.signal : s;
}
