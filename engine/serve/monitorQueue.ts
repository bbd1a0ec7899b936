// The monitors' own queue: checks wait here after their run's result has been returned, and run a
// few at a time, off the request's path (a check is started on a later turn of the event loop,
// never in the call that ended the run). It is bounded: when it is full, the oldest check not yet
// started is dropped (and counted by the caller), so a flood of runs or a slow judge never makes it
// grow without bound.

/** Checks waiting at most (the oldest unstarted goes first past it). */
export const DEFAULT_QUEUE_SIZE = 1000;
/** Checks running at once. */
export const DEFAULT_CONCURRENCY = 4;

export class BoundedQueue<T> {
  private readonly waiting: T[] = [];
  private head = 0;
  private running = 0;
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly work: (item: T) => Promise<void>,
    private readonly onDrop: (item: T) => void,
    readonly size = DEFAULT_QUEUE_SIZE,
    readonly concurrency = DEFAULT_CONCURRENCY,
  ) {}

  get length(): number {
    return this.waiting.length - this.head;
  }

  /** Queues an item (O(1)); drops the oldest waiting one when full. */
  push(item: T): void {
    if (this.closed) return;
    this.waiting.push(item);
    if (this.length > this.size) this.onDrop(this.shift()!);
    this.schedule();
  }

  private shift(): T | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const item = this.waiting[this.head];
    this.waiting[this.head++] = undefined as T;
    // compact now and then, so the array does not keep what has left it
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed && this.running < this.concurrency && this.length > 0) {
      const item = this.shift()!;
      this.running++;
      void this.work(item)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          if (this.length > 0) this.pump();
          else if (this.running === 0) this.settle();
        });
    }
    if (this.running === 0 && this.length === 0) this.settle();
  }

  private settle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    if (this.running === 0 && this.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Drops what waits (each dropped), lets what runs finish. */
  close(): void {
    this.closed = true;
    for (let item = this.shift(); item !== undefined; item = this.shift()) this.onDrop(item);
    if (this.running === 0) this.settle();
  }
}
