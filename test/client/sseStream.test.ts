// The SSE line parser on input cut anywhere (a field, a CRLF, a multi-byte character split between
// chunks), and the follower reconnecting with Last-Event-ID to a server that drops the stream.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { followEventStream, SseHttpError, SseParser, type SseEvent } from '../../client/sseStream';

function parse(chunks: string[]): { events: SseEvent[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const c of chunks) parser.feed(c);
  return { events, parser };
}

const STREAM =
  ': a comment, then the first event\r\n' +
  'id: 1\r\nevent: run-started\r\ndata: {"type":"run-started","n":1}\r\n\r\n' +
  'id: 2\nevent: step-output\ndata: {"chunk":"line one\ndata: line two"}\n\n' +
  'id:3\nevent:step-ended\ndata:{"é":"ünï"}\r\rretry: 1500\nevent: end\ndata: {"status":"completed"}\n\n';

const WANT: SseEvent[] = [
  { id: '1', event: 'run-started', data: '{"type":"run-started","n":1}' },
  { id: '2', event: 'step-output', data: '{"chunk":"line one\nline two"}' },
  { id: '3', event: 'step-ended', data: '{"é":"ünï"}' },
  { id: '3', event: 'end', data: '{"status":"completed"}' },
];

describe('SSE parser (client/sseStream.ts)', () => {
  it('reads a whole stream in one chunk: ids, event names, joined data lines, comments, CR, LF and CRLF', () => {
    const { events, parser } = parse([STREAM]);
    assert.deepEqual(events, WANT);
    assert.equal(parser.lastEventId, '3');
    assert.equal(parser.retryMs, 1500);
  });

  it('gives the same events however the stream is cut: at every position, and one character at a time', () => {
    for (let cut = 1; cut < STREAM.length; cut++) assert.deepEqual(parse([STREAM.slice(0, cut), STREAM.slice(cut)]).events, WANT, `cut at ${cut}: ${JSON.stringify(STREAM.slice(cut - 2, cut + 2))}`);
    assert.deepEqual(parse([...STREAM]).events, WANT);
  });

  it('an event without data is not dispatched (its id counts); `message` is the default name; a half-received event at the end is dropped, its id too', () => {
    const { events, parser } = parse(['event: nothing\nid: 7\n\n', 'data: a\n\n', 'id: 9\ndata: half']);
    assert.equal(parser.lastEventId, '7');
    parser.end();
    assert.deepEqual(events, [{ id: '7', event: 'message', data: 'a' }]);
    assert.equal(parser.lastEventId, '7');
  });
});

describe('following an event stream (client/sseStream.ts)', () => {
  let server: http.Server;
  let base: string;
  const seen: { lastEventId: string | undefined; auth: string | undefined }[] = [];
  const frames = [1, 2, 3, 4, 5].map((n) => `id: ${n}\nevent: tick\ndata: {"n":${n}}\n\n`);

  before(async () => {
    server = http.createServer((req, res) => {
      const last = req.headers['last-event-id'] as string | undefined;
      seen.push({ lastEventId: last, auth: req.headers.authorization });
      if (req.headers.authorization !== 'Bearer s3cret') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized","message":"a bearer token is needed"}}');
        return;
      }
      if (req.url === '/ended') {
        // orc serve to a reconnect whose Last-Event-ID is the run's end
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const from = last ? Number(last) : 0;
      if (req.url === '/slow' && from === 0) {
        // a subscriber that fell behind: dropped with a frame whose id is past what it was sent
        res.write(frames[0] + frames[1]);
        res.end(`id: 9\nevent: dropped\ndata: {"last_event_id":2}\n\n`);
        return;
      }
      if (from === 0) {
        // the first connection: two events (the second cut in half), then the connection drops
        res.write(`retry: 10\n${frames[from]}`);
        res.write(frames[from + 1].slice(0, 9));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      // resumed: the rest, then the end event in two chunks
      res.write(frames.slice(from).join(''));
      res.write('event: end\nda');
      res.end('ta: {"status":"completed"}\n\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  it('reconnects after a dropped connection with the last id it saw, and ends with the end event', async () => {
    seen.length = 0;
    const got: string[] = [];
    const reconnects: (string | undefined)[] = [];
    const end = await followEventStream({ url: `${base}/runs/r1/events`, token: 's3cret', signal: new AbortController().signal, onEvent: (e) => got.push(`${e.id}:${e.data}`), onReconnect: (last) => reconnects.push(last) });
    assert.deepEqual(end, { id: '5', event: 'end', data: '{"status":"completed"}' });
    // 1 from the first connection; 2 was cut in half there, so it comes again after 1, once
    assert.deepEqual(got, ['1:{"n":1}', '2:{"n":2}', '3:{"n":3}', '4:{"n":4}', '5:{"n":5}']);
    assert.deepEqual(
      seen.map((s) => s.lastEventId),
      [undefined, '1'],
    );
    assert.deepEqual(reconnects, ['1']);
  });

  it('resumes where a `dropped` frame says, not after its own id', async () => {
    seen.length = 0;
    const got: string[] = [];
    const end = await followEventStream({
      url: `${base}/slow`,
      token: 's3cret',
      signal: new AbortController().signal,
      onEvent: (e) => got.push(`${e.event}:${e.id}`),
      resumeAfter: (e) => (e.event === 'dropped' ? String((JSON.parse(e.data) as { last_event_id: number }).last_event_id) : undefined),
      retryMs: 10,
    });
    assert.equal(end?.event, 'end');
    assert.deepEqual(
      seen.map((s) => s.lastEventId),
      [undefined, '2'],
    );
    assert.deepEqual(got, ['tick:1', 'tick:2', 'dropped:9', 'tick:3', 'tick:4', 'tick:5']);
  });

  it('a refused token is an error at once (no reconnect), and the token is not in its message', async () => {
    seen.length = 0;
    await assert.rejects(
      followEventStream({ url: `${base}/runs/r1/events`, token: 'wrong-token', signal: new AbortController().signal, onEvent: () => undefined }),
      (e: unknown) => e instanceof SseHttpError && e.status === 401 && !e.message.includes('wrong-token') && /a bearer token is needed/.test(e.message),
    );
    assert.equal(seen.length, 1);
  });

  it('stops at a 204 (the stream ended, its end already seen): no error, no reconnect', async () => {
    seen.length = 0;
    const reconnects: (string | undefined)[] = [];
    const end = await followEventStream({ url: `${base}/ended`, token: 's3cret', lastEventId: '7', signal: new AbortController().signal, onEvent: () => undefined, onReconnect: (l) => reconnects.push(l), retryMs: 10 });
    assert.equal(end, undefined);
    assert.deepEqual(seen.map((x) => x.lastEventId), ['7']);
    assert.deepEqual(reconnects, []);
  });

  it('stops when aborted, resolving undefined', async () => {
    const controller = new AbortController();
    const done = followEventStream({ url: `${base}/runs/r1/events`, token: 's3cret', signal: controller.signal, onEvent: () => controller.abort() });
    assert.equal(await done, undefined);
  });
});
