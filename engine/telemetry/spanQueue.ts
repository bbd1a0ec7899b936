// The span processor of one OTLP target: ended spans wait in a bounded queue and go in batches of
// BATCH_SIZE, several exports at a time, on the next turn of the event loop (a run of trivial steps
// that never yields piles them up, within the bound, and they go when it does: no span is lost to a
// busy run). A collector that cannot be reached is not tried again for a while (a circuit breaker:
// 1 s after the first failure, doubling up to 30 s, back to 1 s after an export that works): while
// it is open, ended spans are counted as lost at once (no queue, no encoding, no connection), and the
// exit does not wait on exports that can only fail. What is lost is counted, with why, and said once
// (sdk.ts, at shutdown). Loaded with the SDK.
import type { Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Spans waiting for an exporter, not yet encoded (about 1.3 KB each: 21 MB at most). A run that never
 * yields and ends more than this sends a batch at once (encoded, a third of the memory) while fewer
 * than MAX_INFLIGHT exports are under way; past that, spans are dropped (and counted).
 */
export const MAX_QUEUE = 16_384;
export const BATCH_SIZE = 512;
/** Exports under way at once. */
export const MAX_INFLIGHT = 8;
/** How long a span that does not fill a batch waits for others. */
export const DELAY_MS = 1000;
export const BACKOFF_MIN_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;

/** An export's failure in words: `HTTP 500 Internal Server Error`, `connect ECONNREFUSED …`. */
export function errorText(e: Error | undefined): string {
  if (!e) return 'export failed';
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? `HTTP ${code}${e.message ? ` ${e.message}` : ''}` : e.message || e.name;
}

/** Socket errors that say the collector cannot be reached at all (not a slow or failing one). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export interface SpanQueueOptions {
  maxQueue?: number;
  batchSize?: number;
  maxInflight?: number;
  delayMs?: number;
}

/** One export under way: how many spans it carries. */
interface Export {
  n: number;
  done: Promise<void>;
  /** Settles `done`: the export answered, or the breaker gave up on it. */
  resolve: () => void;
}

export class SpanQueue implements SpanProcessor {
  /** Spans lost: refused by a full queue, ended while the breaker was open, or in a failed export. */
  dropped = 0;
  /** Why the first were lost. */
  error: string | null = null;
  private queue: ReadableSpan[] = [];
  private readonly exports = new Set<Export>();
  /** Exports the breaker gave up on, still retrying inside the exporter until they answer. */
  private readonly abandoned = new Set<Export>();
  /** The breaker: open (spans are not even queued) until its timer closes it. */
  private open = false;
  private backoffMs = BACKOFF_MIN_MS;
  private breakerTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private drainSoon: NodeJS.Immediate | undefined;
  private stopped = false;
  private readonly maxQueue: number;
  private readonly batchSize: number;
  private readonly maxInflight: number;
  private readonly delayMs: number;

  constructor(
    private readonly exporter: SpanExporter,
    readonly target: string,
    o: SpanQueueOptions = {},
  ) {
    this.maxQueue = o.maxQueue ?? MAX_QUEUE;
    this.batchSize = o.batchSize ?? BATCH_SIZE;
    this.maxInflight = o.maxInflight ?? MAX_INFLIGHT;
    this.delayMs = o.delayMs ?? DELAY_MS;
  }

  /** Spans queued or being exported (what an exit that cannot wait loses). */
  get pending(): number {
    let n = this.queue.length;
    for (const e of this.exports) n += e.n;
    return n;
  }

  onStart(_span: Span, _parent: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return;
    if (this.open || this.stopped) {
      this.dropped++;
      if (this.stopped) this.error ??= 'ended after the exit flushed the traces';
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      if (this.exports.size >= this.maxInflight) {
        this.dropped++;
        this.error ??= `the queue of ${this.maxQueue} spans was full`;
        return;
      }
      // the loop has not turned for a long while: this batch is encoded now, not held as spans
      this.send(this.queue.splice(0, this.batchSize));
      if (this.open) {
        this.dropped++;
        return;
      }
    }
    const q = this.queue;
    q.push(span);
    if (q.length % this.batchSize === 0) {
      // a full batch goes on the next turn of the loop (encoding it now would slow the step that ended it)
      this.drainSoon ??= setImmediate(() => {
        this.drainSoon = undefined;
        this.drain(false);
      });
    } else if (!this.drainTimer) {
      this.drainTimer = setTimeout(() => {
        this.drainTimer = undefined;
        this.drain(true);
      }, this.delayMs);
      this.drainTimer.unref();
    }
  }

  /** Sends full batches (all of the queue when `all`) while fewer than the most exports are under way. */
  private drain(all: boolean): void {
    while (!this.open && this.exports.size < this.maxInflight && (this.queue.length >= this.batchSize || (all && this.queue.length > 0))) {
      this.send(this.queue.length <= this.batchSize ? this.queue.splice(0) : this.queue.splice(0, this.batchSize));
    }
    if (this.queue.length && !this.drainTimer && !this.open) {
      this.drainTimer = setTimeout(() => {
        this.drainTimer = undefined;
        this.drain(true);
      }, this.delayMs);
      this.drainTimer.unref();
    }
  }

  private send(spans: ReadableSpan[]): void {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const x: Export = { n: spans.length, done, resolve };
    this.exports.add(x);
    const settle = (r: ExportResult) => {
      if (this.abandoned.delete(x) || !this.exports.delete(x)) return;
      if (r.code === ExportResultCode.SUCCESS) {
        this.backoffMs = BACKOFF_MIN_MS;
      } else {
        this.dropped += x.n;
        this.error ??= errorText(r.error);
        this.trip();
      }
      x.resolve();
      if (this.queue.length >= this.batchSize) this.drain(false);
    };
    try {
      this.exporter.export(spans, settle);
    } catch (e) {
      settle({ code: ExportResultCode.FAILED, error: e as Error });
    }
  }

  /**
   * A socket to the collector failed (seen before the exporter's own retries): the collector cannot
   * be reached. The exports under way can only fail: they are counted lost now and not waited for.
   */
  unreachable(e: Error & { code?: string }): void {
    if (!UNREACHABLE.has(e.code ?? '')) return;
    this.error ??= e.message || e.code || 'unreachable';
    for (const x of this.exports) {
      this.abandoned.add(x);
      this.dropped += x.n;
      x.resolve();
    }
    this.exports.clear();
    this.trip();
  }

  /** Opens the breaker: nothing is queued or sent until the back-off passes; then one batch tries. */
  private trip(): void {
    if (this.open || this.stopped) return;
    this.open = true;
    this.dropped += this.queue.length;
    this.queue = [];
    this.breakerTimer = setTimeout(() => {
      this.open = false;
      this.breakerTimer = undefined;
    }, this.backoffMs);
    this.breakerTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
  }

  /** Everything queued goes now; resolves when every export that may still succeed has answered. */
  async forceFlush(): Promise<void> {
    if (this.open) {
      this.dropped += this.queue.length;
      this.queue = [];
    }
    while (this.queue.length || this.exports.size) {
      this.drain(true);
      if (!this.exports.size) break;
      await Promise.race([...this.exports].map((x) => x.done));
    }
  }

  /** Exports still under way that the breaker gave up on (their retries may hold the process a while). */
  get hanging(): boolean {
    return this.abandoned.size > 0;
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopped = true;
    clearTimeout(this.drainTimer);
    clearTimeout(this.breakerTimer);
    if (this.drainSoon) clearImmediate(this.drainSoon);
    if (!this.hanging) await this.exporter.shutdown();
  }
}
