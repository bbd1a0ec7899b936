// The event log written straight to HTTP responses (engine/serve/eventLog.ts, responseSink), as
// `orc serve` writes it: a caught-up subscriber's frame leaves for its socket in the very call that
// appended the event (so the run's next synchronous work does not hold it back), and a subscriber
// whose socket stops draining is not written to, holds no more than a socket's buffer on the
// server, and is dropped past the lag bound while a live one beside it gets every frame.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as net from 'node:net';
import { responseSink, RunEventLog } from '../../../engine/serve/eventLog';
import { until } from '../../helpers/processes';
import { framesOf } from '../../helpers/serveProcess';

interface Served {
  url: string;
  port: number;
  /** The server's side of each subscriber's response, in the order they came. */
  responses: http.ServerResponse[];
  close(): Promise<void>;
}

/** A node:http server that attaches every GET to `log`. */
async function serveLog(log: RunEventLog, onDrop: () => void = () => undefined): Promise<Served> {
  const responses: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    responses.push(res);
    res.once('close', log.attach(0, responseSink(res), onDrop));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    responses,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A subscriber reading everything as it comes. */
function reader(url: string): { text(): string; ended: Promise<void>; req: http.ClientRequest } {
  let text = '';
  let ended!: () => void;
  const done = new Promise<void>((r) => (ended = r));
  const req = http.get(url, (res) => {
    res.setEncoding('utf8').on('data', (c: string) => (text += c));
    res.on('end', () => ended());
    res.on('close', () => ended());
  });
  req.on('error', () => ended());
  return { text: () => text, ended: done, req };
}

describe('orc serve: event frames written to sockets', () => {
  let served: Served | null = null;
  afterEach(async () => {
    await served?.close();
    served = null;
  });

  it('sends a caught-up subscriber its frame within the call that appended the event', async () => {
    const log = new RunEventLog();
    served = await serveLog(log);
    const r = reader(served.url);
    await until(() => served!.responses.length === 1 && served!.responses[0].socket!.writableLength === 0);
    const res = served.responses[0];
    log.append('step-ended', '{"stepId":"a"}');
    // nothing waits in node for a later tick: the bytes were handed to the kernel in the call
    assert.equal(res.writableLength, 0);
    assert.equal(res.socket!.writableLength, 0);
    assert.equal(res.socket!.writableCorked, 0);
    log.append('end', '{"status":"completed"}', true);
    assert.equal(res.socket!.writableLength, 0);
    await r.ended;
    assert.deepEqual(framesOf(r.text()), [
      { id: 1, event: 'step-ended', data: { stepId: 'a' } },
      { id: 2, event: 'end', data: { status: 'completed' } },
    ]);
    assert.equal(log.subscriberCount, 0);
  });

  it('writes nothing more to a subscriber whose socket does not drain, drops it past the lag bound, and keeps a live one going', async function () {
    this.timeout(60_000);
    const LAG = 50;
    const log = new RunEventLog({ events: 200, bytes: 4 << 20, lag: LAG });
    let dropped = 0;
    served = await serveLog(log, () => dropped++);
    const live = reader(served.url);
    await until(() => served!.responses.length === 1);
    // a subscriber that sends its request and never reads a byte of the answer
    const stuck = net.connect(served.port, '127.0.0.1');
    stuck.write(`GET / HTTP/1.1\r\nhost: 127.0.0.1:${served.port}\r\n\r\n`);
    stuck.pause();
    await until(() => served!.responses.length === 2);
    const stuckRes = served.responses[1];
    const payload = JSON.stringify({ text: 'x'.repeat(16 * 1024) });
    let appended = 0;
    let heldAtDrop = -1;
    // until the kernel's buffers for the stuck socket are full and it falls LAG events behind
    while (!dropped && appended < 20_000) {
      log.append('token', payload);
      appended++;
      if (dropped) heldAtDrop = stuckRes.writableLength;
      if (appended % 4 === 0) await new Promise((r) => setImmediate(r)); // the live reader reads
    }
    assert.equal(dropped, 1, `dropped after ${appended} events`);
    // what the server holds for it: at most one write past the socket's high-water mark
    assert.ok(heldAtDrop <= 64 * 1024 + stuckRes.writableHighWaterMark + 4 * payload.length, `held ${heldAtDrop} bytes for the stuck subscriber`);
    for (let i = 0; i < 100; i++) log.append('token', payload);
    assert.equal(stuckRes.writableLength, heldAtDrop, 'a dropped subscriber is written nothing more');
    assert.equal(log.subscriberCount, 1);
    log.append('end', '{}', true);
    await live.ended;
    const frames = framesOf(live.text());
    assert.equal(frames.length, appended + 101);
    assert.deepEqual(frames.map((f) => f.id), Array.from({ length: appended + 101 }, (_, i) => i + 1));
    stuck.destroy();
  });
});
