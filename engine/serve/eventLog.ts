// A served run's events as Server-Sent Events frames: each event is serialized once (secrets
// redacted) and numbered, kept in a bounded buffer shared by every subscriber, and read from it by
// each subscriber at its own pace. A subscriber is a cursor, not a queue: it costs the run nothing,
// and it is pulled only as fast as its socket drains. One that falls too far behind is dropped with
// a last `dropped` frame; one that asks for events the buffer no longer holds gets a `gap` frame.

/** The most events a run keeps for subscribers (the oldest go first past it). */
export const MAX_KEPT_EVENTS = 5000;
/** The most bytes of frames a run keeps (the oldest go first past it). */
export const MAX_KEPT_BYTES = 4 * 1024 * 1024;
/** A subscriber this many events behind the newest is dropped (its socket does not drain). */
export const MAX_LAG_EVENTS = 2000;
/** Frames one pull writes at most (bytes): the rest wait for the socket to drain. */
const PULL_BYTES = 64 * 1024;
/** A dropped subscriber whose socket still has not taken its last frame is closed after this (ms). */
export const DROP_GRACE_MS = 5000;
/** A subscriber waiting this long for an event gets a comment line, so proxies keep the connection (ms). */
export const KEEP_ALIVE_MS = 15_000;

/** One SSE frame. */
function frame(seq: number, type: string, data: string): string {
  // `data:` lines: JSON has no newline of its own (JSON.stringify without indent)
  return `id: ${seq}\nevent: ${type}\ndata: ${data}\n\n`;
}

export interface Subscription {
  readonly stream: ReadableStream<Uint8Array>;
}

interface Subscriber {
  /** The last sequence number written to it. */
  cursor: number;
  /** Wakes a pull waiting for events. */
  wake: (() => void) | null;
  dropped: boolean;
  /** Called once when it is dropped (closes its socket after a grace time). */
  onDrop: () => void;
}

const encoder = new TextEncoder();

export class RunEventLog {
  private readonly frames: string[] = [];
  /** The sequence number of frames[0]. */
  private first = 1;
  private bytes = 0;
  private next = 1;
  private ended = false;
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly limits: { events: number; bytes: number; lag: number; keepAliveMs?: number } = { events: MAX_KEPT_EVENTS, bytes: MAX_KEPT_BYTES, lag: MAX_LAG_EVENTS }) {}

  /** The sequence number the next event gets. */
  get nextSeq(): number {
    return this.next;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** The bytes of frames kept. */
  get keptBytes(): number {
    return this.bytes;
  }

  /** Appends an event (`data`: its JSON, already redacted); `end` closes the log after it. */
  append(type: string, data: string, end = false): number {
    if (this.ended) return this.next - 1;
    const seq = this.next++;
    const f = frame(seq, type, data);
    this.frames.push(f);
    this.bytes += f.length;
    while (this.frames.length > 1 && (this.frames.length > this.limits.events || this.bytes > this.limits.bytes)) {
      this.bytes -= this.frames.shift()!.length;
      this.first++;
    }
    if (end) this.ended = true;
    for (const s of this.subscribers) {
      if (s.wake) {
        const w = s.wake;
        s.wake = null;
        w();
      } else if (!s.dropped && seq - s.cursor > this.limits.lag) {
        s.dropped = true;
        this.subscribers.delete(s);
        s.onDrop();
      }
    }
    return seq;
  }

  /**
   * A stream of the frames after `after` (0: from the start), ending after the log's end. `onDrop`
   * is called when the subscriber is dropped for lagging (the caller closes its socket later).
   */
  subscribe(after: number, onDrop: () => void = () => undefined): Subscription {
    const sub: Subscriber = { cursor: Math.max(0, Math.min(after, this.next - 1)), wake: null, dropped: false, onDrop };
    let closed = false;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: () => void this.subscribers.add(sub),
        pull: async (controller) => {
          if (closed) return;
          if (sub.dropped) {
            closed = true;
            this.subscribers.delete(sub);
            controller.enqueue(encoder.encode(frame(sub.cursor, 'dropped', JSON.stringify({ reason: `this subscriber fell more than ${this.limits.lag} events behind the run (its connection did not keep up); reconnect with Last-Event-ID: ${sub.cursor}`, last_event_id: sub.cursor }))));
            controller.close();
            return;
          }
          while (sub.cursor >= this.next - 1 && !this.ended && !closed && !sub.dropped) {
            let timer: NodeJS.Timeout | undefined;
            const woken = await new Promise<boolean>((r) => {
              sub.wake = () => r(true);
              timer = setTimeout(() => r(false), this.limits.keepAliveMs ?? KEEP_ALIVE_MS);
              timer.unref();
            });
            clearTimeout(timer);
            if (!woken && !closed) {
              sub.wake = null;
              // a quiet run: a comment (ignored by clients) keeps proxies from closing the stream
              controller.enqueue(encoder.encode(': keep-alive\n\n'));
              return;
            }
          }
          if (closed) return;
          let out = '';
          if (sub.cursor + 1 < this.first) {
            out += frame(this.first - 1, 'gap', JSON.stringify({ from: sub.cursor + 1, to: this.first - 1, reason: `the server keeps the last ${this.limits.events} events of a run (at most ${this.limits.bytes} bytes); these are no longer kept` }));
            sub.cursor = this.first - 1;
          }
          while (sub.cursor < this.next - 1 && out.length < PULL_BYTES) out += this.frames[++sub.cursor - this.first];
          if (out) controller.enqueue(encoder.encode(out));
          if (this.ended && sub.cursor >= this.next - 1) {
            closed = true;
            this.subscribers.delete(sub);
            controller.close();
          }
        },
        cancel: () => {
          closed = true;
          this.subscribers.delete(sub);
          sub.wake?.();
        },
      },
      { highWaterMark: 0 },
    );
    return { stream };
  }
}
