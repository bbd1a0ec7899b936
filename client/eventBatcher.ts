// Run events reach the panel in batches: at most one message per interval however fast a run
// emits, and never more than `maxBatch` events in one message.
import { type RunEvent } from '../engine/api/index';

export class EventBatcher {
  private pending: RunEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (events: RunEvent[]) => void,
    private readonly intervalMs = 50,
    private readonly maxBatch = 2000,
  ) {}

  push(e: RunEvent): void {
    this.pending.push(e);
    if (this.pending.length >= this.maxBatch) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Sends what is pending now (the run ended, or a batch is full). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.send(batch);
  }
}
