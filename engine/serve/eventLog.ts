// A served run's events as Server-Sent Events frames: each event is serialized once (secrets
// redacted), numbered and encoded, kept in a bounded buffer shared by every subscriber, and read
// from it by each subscriber at its own pace. A subscriber is a cursor, not a queue: it costs the
// run nothing, and it is written to only while its socket drains.
//
// What the run pays for an event does not grow with its audience (issue 74 item 14: 500 subscribers,
// each written in the run's own call, made a 1 s run take 78 s). With up to IMMEDIATE_AUDIENCE
// subscribers, a caught-up one gets the frame at once, in the run's own call (the run's next
// synchronous work, such as spawning the next step's process, would otherwise hold the frame back:
// bench/serve.bench.ts measures it). With more, `append` only stores the frame and schedules one
// flush (setImmediate: after the run's synchronous work and its promise continuations, never inside
// them), which writes each subscriber once with every frame it has not had (up to WRITE_BYTES a
// write; the subscribers at one cursor share one buffer), FLUSH_BATCH subscribers a turn of the event
// loop, so the run's own I/O goes on between them; frames appended meanwhile go in the same write or
// in the next round, which waits FLUSH_IDLE_FACTOR times the CPU the last one took (at most
// MAX_FLUSH_WAIT_MS), so the fan-out takes about a tenth of the server's CPU however many listen, and
// a frame still reaches every subscriber within a tenth of a second or so. A subscriber whose
// socket does not drain is not written to until it does, and is dropped with a last `dropped` frame
// when it falls too far behind; one that asks for events the buffer no longer holds gets a `gap`
// frame.
import type { ServerResponse } from 'node:http';

/** The most events a run keeps for subscribers (the oldest go first past it). */
export const MAX_KEPT_EVENTS = 5000;
/** The most bytes of frames a run keeps (the oldest go first past it). */
export const MAX_KEPT_BYTES = 4 * 1024 * 1024;
/** A subscriber this many events behind the newest is dropped (its socket does not drain). */
export const MAX_LAG_EVENTS = 2000;
/** Frames one write carries at most (bytes): the rest wait for the socket to drain. */
const WRITE_BYTES = 64 * 1024;
/** A dropped subscriber whose socket still has not taken its last frame is closed after this (ms). */
export const DROP_GRACE_MS = 5000;
/** A subscriber sent nothing for about this long gets a comment line, so proxies keep the connection (ms). */
export const KEEP_ALIVE_MS = 15_000;
/** Up to this many subscribers, a caught-up one is written in the call that appends the event; past it, in a flush after it. */
export const IMMEDIATE_AUDIENCE = 8;
/** A flush writes this many subscribers a turn of the event loop (setImmediate), so the run's I/O goes on between them. */
export const FLUSH_BATCH = 64;
/**
 * After a round of writes that took T ms of the process's CPU, the next round starts no sooner than
 * this many times T later: the fan-out takes at most a tenth of the server's CPU, whatever the
 * audience, and what comes meanwhile goes in one write a subscriber. CPU, not the clock: on a loaded
 * machine a round's wall time is mostly waiting for a core, and nine times that kept frames back for
 * seconds.
 */
export const FLUSH_IDLE_FACTOR = 9;
/** ... but never longer than this (ms), so a frame reaches every subscriber promptly however large the audience. */
export const MAX_FLUSH_WAIT_MS = 100;

/** One SSE frame. */
function frame(seq: number, type: string, data: string): string {
  // `data:` lines: JSON has no newline of its own (JSON.stringify without indent)
  return `id: ${seq}\nevent: ${type}\ndata: ${data}\n\n`;
}

const KEEP_ALIVE = Buffer.from(': keep-alive\n\n');

/** Where a subscriber's frames go: a socket (an HTTP response) or a web stream. */
export interface FrameSink {
  /** Writes the bytes now; false when the sink is full (nothing more until `onDrain`'s callback). */
  write(bytes: Uint8Array): boolean;
  /** Calls `cb` once when the sink takes more. */
  onDrain(cb: () => void): void;
  end(): void;
}

export interface Subscription {
  readonly stream: ReadableStream<Uint8Array>;
}

interface Subscriber {
  sink: FrameSink;
  /** The last sequence number written to it. */
  cursor: number;
  /** Its sink is full: written to again when it drains. */
  full: boolean;
  /** Something was written to it since the last keep-alive tick. */
  wrote: boolean;
  dropped: boolean;
  closed: boolean;
  /** Called once when it is dropped (closes its socket after a grace time). */
  onDrop: () => void;
}

export class RunEventLog {
  private readonly frames: Buffer[] = [];
  /** The sequence number of frames[0]. */
  private first = 1;
  private bytes = 0;
  private next = 1;
  private ended = false;
  private readonly subscribers = new Set<Subscriber>();
  /** The subscribers whose sink is full: the only ones that can fall behind past the lag bound. */
  private readonly full = new Set<Subscriber>();
  /** No full subscriber is past the lag bound before this sequence number (a lower bound: checked when reached). */
  private lagCheckAt = Infinity;
  /** The flush: none, one scheduled, or a round under way (FLUSH_BATCH subscribers a turn). */
  private flush: 'idle' | 'scheduled' | 'running' = 'idle';
  /** An event came while a round was under way: another round follows it. */
  private flushAgain = false;
  /** No round starts before this (performance.now()): FLUSH_IDLE_FACTOR times the last round's CPU after it, at most MAX_FLUSH_WAIT_MS. */
  private nextRoundAt = 0;
  private keepAlive: NodeJS.Timeout | null = null;

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

  /** A flush is scheduled or under way: some subscriber may not have had every frame yet. */
  get flushing(): boolean {
    return this.flush !== 'idle';
  }

  /** The bytes of frames kept. */
  get keptBytes(): number {
    return this.bytes;
  }

  /** Appends an event (`data`: its JSON, already redacted); `end` closes the log after it. */
  append(type: string, data: string, end = false): number {
    if (this.ended) return this.next - 1;
    const seq = this.next++;
    const f = Buffer.from(frame(seq, type, data));
    this.frames.push(f);
    this.bytes += f.length;
    while (this.frames.length > 1 && (this.frames.length > this.limits.events || this.bytes > this.limits.bytes)) {
      this.bytes -= this.frames.shift()!.length;
      this.first++;
    }
    if (end) this.ended = true;
    if (seq >= this.lagCheckAt) this.dropLaggards(seq);
    if (this.subscribers.size <= IMMEDIATE_AUDIENCE) {
      for (const s of this.subscribers) if (!s.full) this.deliver(s);
    } else this.scheduleFlush();
    return seq;
  }

  /** Drops each full subscriber more than `lag` events behind `seq`; the next check is when the nearest one could be. */
  private dropLaggards(seq: number): void {
    let next = Infinity;
    for (const s of this.full) {
      if (seq - s.cursor > this.limits.lag) {
        // its socket has not drained for `lag` events: it gets a last frame when (if) it does
        s.dropped = true;
        this.forget(s);
        s.onDrop();
      } else next = Math.min(next, s.cursor + this.limits.lag + 1);
    }
    this.lagCheckAt = next;
  }

  /** A sink that takes no more: written again when it drains, and watched for lag meanwhile. */
  private markFull(sub: Subscriber): void {
    sub.full = true;
    this.full.add(sub);
    this.lagCheckAt = Math.min(this.lagCheckAt, sub.cursor + this.limits.lag + 1);
    sub.sink.onDrain(() => {
      sub.full = false;
      this.full.delete(sub);
      this.deliver(sub);
    });
  }

  private scheduleFlush(): void {
    if (this.flush === 'scheduled') return;
    if (this.flush === 'running') {
      this.flushAgain = true;
      return;
    }
    this.flush = 'scheduled';
    const wait = this.nextRoundAt - performance.now();
    if (wait > 0) setTimeout(() => this.flushRound(), wait);
    else setImmediate(() => this.flushRound());
  }

  /** Writes every subscriber what it has not had, FLUSH_BATCH a turn; a round follows if events came meanwhile. */
  private flushRound(): void {
    this.flush = 'running';
    this.flushAgain = false;
    const subs = [...this.subscribers];
    let i = 0;
    let spent = 0; // CPU, µs
    const turn = () => {
      const cpu = process.cpuUsage();
      const shared = new Map<number, { to: number; bytes: Buffer }>();
      for (const end = Math.min(i + FLUSH_BATCH, subs.length); i < end; i++) if (!subs[i].full) this.deliver(subs[i], shared);
      const used = process.cpuUsage(cpu);
      spent += used.user + used.system;
      if (i < subs.length) return void setImmediate(turn);
      this.flush = 'idle';
      this.nextRoundAt = performance.now() + Math.min((FLUSH_IDLE_FACTOR * spent) / 1000, MAX_FLUSH_WAIT_MS);
      if (this.flushAgain) this.scheduleFlush();
    };
    turn();
  }

  /**
   * Writes the frames after `after` (0: from the start) to `sink` as they come, and ends it after
   * the log's end. `onDrop` is called when the subscriber is dropped for lagging (the caller closes
   * its socket later). Returns a function that lets go of the subscriber (its connection closed).
   */
  attach(after: number, sink: FrameSink, onDrop: () => void = () => undefined): () => void {
    const sub: Subscriber = { sink, cursor: Math.max(0, Math.min(after, this.next - 1)), full: false, wrote: false, dropped: false, closed: false, onDrop };
    this.subscribers.add(sub);
    this.startKeepAlive();
    this.deliver(sub);
    return () => {
      sub.closed = true;
      this.forget(sub);
    };
  }

  /** The frames after `after` as a web stream (read at the reader's pace): `attach` to a stream. */
  subscribe(after: number, onDrop: () => void = () => undefined): Subscription {
    let drained: (() => void) | null = null;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let detach: () => void = () => undefined;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => void (controller = c),
        // a read waits: the sink takes more
        pull: () => {
          const d = drained;
          drained = null;
          d?.();
        },
        cancel: () => detach(),
      },
      { highWaterMark: 0 },
    );
    detach = this.attach(
      after,
      {
        write: (b) => {
          controller.enqueue(b);
          return false; // one chunk a read
        },
        onDrain: (cb) => void (drained = cb),
        end: () => controller.close(),
      },
      onDrop,
    );
    return { stream };
  }

  /**
   * Writes what `sub` has not had yet, while its sink takes it; ends it after the log's end. `shared`
   * (one turn of a flush, while the frames cannot change): the bytes of a write by the cursor it
   * starts after, so the subscribers at one cursor (most of them: caught up) share one buffer.
   */
  private deliver(sub: Subscriber, shared?: Map<number, { to: number; bytes: Buffer }>): void {
    if (sub.closed) return;
    try {
      if (sub.dropped) {
        sub.closed = true;
        sub.sink.write(Buffer.from(frame(sub.cursor, 'dropped', JSON.stringify({ reason: `this subscriber fell more than ${this.limits.lag} events behind the run (its connection did not keep up); reconnect with Last-Event-ID: ${sub.cursor}`, last_event_id: sub.cursor }))));
        sub.sink.end();
        return;
      }
      while (sub.cursor < this.next - 1) {
        const from = sub.cursor;
        const known = shared?.get(from);
        let bytes: Buffer;
        if (known) {
          bytes = known.bytes;
          sub.cursor = known.to;
        } else {
          const parts: Buffer[] = [];
          let size = 0;
          if (sub.cursor + 1 < this.first) {
            parts.push(Buffer.from(frame(this.first - 1, 'gap', JSON.stringify({ from: sub.cursor + 1, to: this.first - 1, reason: `the server keeps the last ${this.limits.events} events of a run (at most ${this.limits.bytes} bytes); these are no longer kept` }))));
            sub.cursor = this.first - 1;
          }
          while (sub.cursor < this.next - 1 && size < WRITE_BYTES) {
            const f = this.frames[++sub.cursor - this.first];
            parts.push(f);
            size += f.length;
          }
          bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
          shared?.set(from, { to: sub.cursor, bytes });
        }
        sub.wrote = true;
        if (!sub.sink.write(bytes)) {
          this.markFull(sub);
          return;
        }
      }
      if (this.ended) {
        sub.closed = true;
        this.forget(sub);
        sub.sink.end();
      }
    } catch {
      // a sink that throws (its socket gone) is let go: never the run's problem
      sub.closed = true;
      this.forget(sub);
    }
  }

  private forget(sub: Subscriber): void {
    this.subscribers.delete(sub);
    this.full.delete(sub);
    if (this.subscribers.size === 0 && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = null;
    }
  }

  /** A quiet run: a comment (ignored by clients) to each subscriber sent nothing since the last tick. */
  private startKeepAlive(): void {
    if (this.keepAlive || this.ended) return;
    this.keepAlive = setInterval(() => {
      for (const s of this.subscribers) {
        if (!s.wrote && !s.full && !s.closed) {
          try {
            if (!s.sink.write(KEEP_ALIVE)) this.markFull(s);
          } catch {
            s.closed = true;
            this.forget(s);
          }
        }
        s.wrote = false;
      }
    }, this.limits.keepAliveMs ?? KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }
}

/**
 * A node HTTP response as a sink: each write leaves for the socket at once (Node corks a
 * response's socket until the next tick; a frame waiting for it would wait for the run's
 * synchronous work), Nagle off; full past the socket's high-water mark.
 */
export function responseSink(res: ServerResponse): FrameSink {
  res.socket?.setNoDelay(true);
  return {
    write: (bytes) => {
      const socket = res.socket;
      const corked = socket?.writableCorked ?? 0;
      const ok = res.write(bytes);
      if (socket) while (socket.writableCorked > corked) socket.uncork();
      return ok && !res.destroyed;
    },
    onDrain: (cb) => void res.once('drain', cb),
    end: () => void res.end(),
  };
}
