// Server-sent events (text/event-stream), read with Node's fetch: a line parser that takes the body in
// whatever chunks the network gives (a line, a field, even a CRLF may be split between two), and a
// follower that reconnects with Last-Event-ID when the stream drops before its `end` event. Pure (no
// vscode): the served-run follower (client/servedRunFollower.ts) and the tests use it.

/** One event of the stream, as the WHATWG rules assemble it from its fields. */
export interface SseEvent {
  /** The `id:` field (the server's sequence number); the last one seen when the event had none. */
  id: string | undefined;
  /** The `event:` field; `message` when none was given. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

/** Parses a stream of text into events, chunk by chunk. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  /** The `id:` fields' value so far; it becomes the last event id when an event is complete (a blank line). */
  private idBuffer: string | undefined;
  private lastId: string | undefined;
  private sawData = false;
  /** The last `retry:` the server asked for, in ms. */
  retryMs: number | undefined;
  /** A `\r` ended the last chunk: a `\n` opening the next one belongs to it. */
  private pendingCR = false;

  constructor(private readonly emit: (e: SseEvent) => void) {}

  /** The id of the last event dispatched (what Last-Event-ID sends on a reconnect). */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  feed(chunk: string): void {
    let text = chunk;
    if (this.pendingCR && text.startsWith('\n')) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 === this.buffer.length) this.pendingCR = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** The stream ended: a half-received event is dropped (its id too), as the rules say. */
  end(): void {
    this.buffer = '';
    this.idBuffer = this.lastId;
    this.data = [];
    this.event = '';
    this.sawData = false;
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.sawData = true;
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
  }

  private dispatch(): void {
    this.lastId = this.idBuffer;
    if (this.sawData) this.emit({ id: this.lastId, event: this.event || 'message', data: this.data.join('\n') });
    this.data = [];
    this.event = '';
    this.sawData = false;
  }
}

/** An answer that is not the stream: reconnecting would not help (a wrong token, an unknown run). */
export class SseHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SseHttpError';
  }
}

export interface FollowOptions {
  url: string;
  /** Sent as `Authorization: Bearer …`; never part of an error message. */
  token?: string;
  signal: AbortSignal;
  /** Every event but the last (`end`). */
  onEvent: (e: SseEvent) => void;
  /** The event that ends the stream (default `end`). */
  endEvent?: string;
  /** Resume after this id (a follower that was following before). */
  lastEventId?: string;
  /** An event that says where to resume (a server that dropped a slow subscriber names the last event
   * it was sent): the id to send as Last-Event-ID on the reconnect, instead of the last `id:` seen. */
  resumeAfter?: (e: SseEvent) => string | undefined;
  /** Called before each reconnect, with the id it resumes after. */
  onReconnect?: (lastEventId: string | undefined, attempt: number) => void;
  /** Reconnects in a row that bring no event before giving up (default 30). */
  maxRetries?: number;
  /** The first wait before a reconnect, in ms (doubles up to 5 s; the server's `retry:` overrides it). */
  retryMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Follows an event stream to its end event, reconnecting with Last-Event-ID whenever the connection
 * drops or the body ends before it. Resolves with the end event (undefined when aborted). */
export async function followEventStream(o: FollowOptions): Promise<SseEvent | undefined> {
  const endEvent = o.endEvent ?? 'end';
  let lastId = o.lastEventId;
  let failures = 0;
  let ended: SseEvent | undefined;
  let serverRetry: number | undefined;
  for (let attempt = 0; !o.signal.aborted; attempt++) {
    if (attempt > 0) {
      o.onReconnect?.(lastId, attempt);
      await sleep(serverRetry ?? Math.min(5000, (o.retryMs ?? 250) * 2 ** Math.min(failures, 5)), o.signal);
      if (o.signal.aborted) break;
    }
    let progressed = false;
    let resumeAt: string | undefined;
    const parser = new SseParser((e) => {
      progressed = true;
      if (e.event === endEvent) ended = e;
      else {
        o.onEvent(e);
        resumeAt = o.resumeAfter?.(e) ?? resumeAt;
      }
    });
    const seen = () => resumeAt ?? parser.lastEventId ?? lastId;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (lastId !== undefined) headers['last-event-id'] = lastId;
      const res = await fetch(o.url, { headers, signal: o.signal });
      // 204: the stream ended and Last-Event-ID was its end (the SSE standard's "stop reconnecting")
      if (res.status === 204) return ended;
      if (!res.ok || !res.body) {
        const text = await res.text().catch(() => '');
        const err = new SseHttpError(res.status, `${res.status} ${res.statusText}${text ? `: ${text.slice(0, 300)}` : ''}`);
        // the server is there and says no: a retry would say no again (but a 5xx, or 429, may pass)
        if (res.status < 500 && res.status !== 429) throw err;
        failures++;
        if (failures > (o.maxRetries ?? 30)) throw err;
        continue;
      }
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        lastId = seen();
        if (ended) break;
      }
      parser.feed(decoder.decode());
      parser.end();
      serverRetry = parser.retryMs ?? serverRetry;
      lastId = seen();
      if (ended) return ended;
    } catch (e) {
      if (e instanceof SseHttpError) throw e;
      if (o.signal.aborted) break;
      serverRetry = parser.retryMs ?? serverRetry;
      lastId = seen();
      if (ended) return ended;
    }
    failures = progressed ? 0 : failures + 1;
    if (failures > (o.maxRetries ?? 30)) throw new Error(`the event stream of ${new URL(o.url).pathname} dropped ${failures} times in a row without an event`);
  }
  return undefined;
}
