// The `fetch` the provider SDKs are given (engine/models/httpTransport.ts): Node's HTTP client with a
// keep-alive agent. What a caller of fetch relies on must hold: the answer as the global fetch gives
// it, events streamed as they come, connections reused and never used once the server closed them,
// aborts, failures with their cause, redirects, compressed answers, and bodies it does not take.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { callSignalOptions, modelFetch } from '../../../engine/models/httpTransport';
import { openaiProvider } from '../../../engine/models/openaiProvider';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A loopback server whose answer is `handler`'s; counts the connections it accepts. */
async function serve(handler: Handler): Promise<{ origin: string; connections: () => number; server: Server }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = server.close.bind(server);
  server.close = (cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  };
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections, server };
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req-1', ...headers });
  res.end(JSON.stringify(value));
};

describe('the model calls\' fetch (Node\'s HTTP client)', function () {
  this.timeout(20_000);
  let servers: Server[] = [];
  afterEach(() => {
    for (const s of servers) s.close();
    servers = [];
  });
  const start = async (handler: Handler) => {
    const s = await serve(handler);
    servers.push(s.server);
    return s;
  };

  it('a JSON answer is what the global fetch gets: status, status text, headers, body, and the URL', async () => {
    const { origin } = await start((req, res, body) => json(res, 201, { method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], got: JSON.parse(body) }));
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', prompt: 'é' }) };
    const ours = await modelFetch(`${origin}/v1/chat`, init);
    const theirs = await fetch(`${origin}/v1/chat`, init);
    assert.equal(ours.status, 201);
    assert.equal(ours.statusText, theirs.statusText);
    assert.equal(ours.url, `${origin}/v1/chat`);
    assert.equal(ours.headers.get('x-request-id'), 'req-1');
    assert.equal(ours.headers.get('content-type'), theirs.headers.get('content-type'));
    // the body's length is its bytes: 'é' is two
    assert.deepEqual(await ours.json(), { method: 'POST', type: 'application/json', length: '27', got: { model: 'm', prompt: 'é' } });
    assert.deepEqual(await theirs.json(), await (await modelFetch(`${origin}/v1/chat`, init)).json());
  });

  it('server-sent events come as the server sends them, not when the answer ends', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { origin } = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
      // the second event waits until the caller has read the first
      void released.then(() => res.end('data: {"n":2}\n\ndata: [DONE]\n\n'));
    });
    const r = await modelFetch(`${origin}/v1/stream`, { method: 'POST', body: '{}' });
    const reader = r.body!.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), 'data: {"n":1}\n\n');
    release();
    let rest = '';
    for (let c = await reader.read(); !c.done; c = await reader.read()) rest += new TextDecoder().decode(c.value);
    assert.equal(rest, 'data: {"n":2}\n\ndata: [DONE]\n\n');
  });

  it('calls one after another share one connection', async () => {
    const { origin, connections } = await start((_req, res) => json(res, 200, { ok: true }));
    for (let i = 0; i < 3; i++) assert.deepEqual(await (await modelFetch(`${origin}/v1/x`, { method: 'POST', body: '{}' })).json(), { ok: true });
    assert.equal(connections(), 1);
  });

  it('a connection the server closed while idle is not used again: the next call opens another and succeeds', async () => {
    // the server closes the connection 200 ms after its answer, though its Keep-Alive said 5 s (a
    // proxy's idle timeout, say): the connection is dropped from the pool when the close arrives
    const { origin, connections } = await start((req, res) => {
      json(res, 200, { ok: true });
      setTimeout(() => req.socket.end(), 200);
    });
    assert.equal((await modelFetch(`${origin}/v1/x`, { method: 'POST', body: '{}' })).status, 200);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await modelFetch(`${origin}/v1/x`, { method: 'POST', body: '{}' })).status, 200);
    assert.equal(connections(), 2);
  });

  it('an abort before the answer rejects with the signal\'s reason, and the server sees the connection close', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    const { origin } = await start((req) => req.socket.once('close', () => closed()));
    const controller = new AbortController();
    const reason = new Error('the step was cancelled');
    const call = modelFetch(`${origin}/v1/hang`, { method: 'POST', body: '{}', signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await assert.rejects(call, (e) => e === reason);
    await serverSawClose;
    // a signal aborted already: nothing is sent
    await assert.rejects(modelFetch(`${origin}/v1/hang`, { method: 'POST', body: '{}', signal: AbortSignal.abort(reason) }), (e) => e === reason);
  });

  it('an abort while events stream ends the stream with an error', async () => {
    const { origin } = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
    });
    const controller = new AbortController();
    const r = await modelFetch(`${origin}/v1/stream`, { method: 'POST', body: '{}', signal: controller.signal });
    const reader = r.body!.getReader();
    await reader.read();
    controller.abort(new Error('stop'));
    await assert.rejects(reader.read(), /stop/);
  });

  it("a call's signal handed past the SDK (callSignalOptions) aborts the request; its header never reaches the server", async () => {
    const seen: Record<string, string | string[] | undefined>[] = [];
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    const { origin } = await start((req, res) => {
      seen.push(req.headers);
      if (req.url === '/v1/hang') req.socket.once('close', () => closed());
      else json(res, 200, { ok: true });
    });
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${origin}/v1`, maxRetries: 0, fetch: modelFetch });
    // answered: the header is gone from what the server got, and the id is spent
    const ok = callSignalOptions(new AbortController().signal);
    assert.deepEqual(await client.post('/ok', { body: {}, ...ok.options }), { ok: true });
    assert.equal(seen[0]['x-orchestrator-call'], undefined);
    assert.equal(seen[0].authorization, 'Bearer sk-test');
    ok.release();
    // aborted mid-call through the handed signal alone (the SDK was given none)
    const controller = new AbortController();
    const reason = new Error('the step was cancelled');
    const hung = callSignalOptions(controller.signal);
    const call = client.post('/hang', { body: {}, ...hung.options });
    setTimeout(() => controller.abort(reason), 100);
    await assert.rejects(call);
    await serverSawClose;
    assert.equal(seen[1]['x-orchestrator-call'], undefined);
    hung.release();
  });

  it("the provider's call is cancelled by the call's signal and fails with its reason; answered calls keep working", async () => {
    let requests = 0;
    const { origin } = await start((req, res, body) => {
      requests++;
      assert.equal(req.headers['x-orchestrator-call'], undefined);
      if (JSON.parse(body).messages[0].content === 'hang') return;
      json(res, 200, { id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi.' } }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
    });
    const p = openaiProvider({ name: 'openai', apiKey: 'sk-test', baseURL: `${origin}/v1` });
    const call = (prompt: string, signal: AbortSignal) => p.generate({ model: 'gpt-4o-mini', system: null, prompt, maxTokens: null, temperature: null, signal });
    assert.equal((await call('hello', new AbortController().signal)).text, 'Hi.');
    const controller = new AbortController();
    const reason = new Error('the run was cancelled');
    const hung = call('hang', controller.signal);
    setTimeout(() => controller.abort(reason), 100);
    await assert.rejects(hung, (e) => e === reason);
    // a signal aborted before the call: nothing is sent
    await assert.rejects(call('hello', AbortSignal.abort(reason)), (e) => e === reason);
    assert.equal(requests, 2);
    assert.equal((await call('hello again', new AbortController().signal)).text, 'Hi.');
  });

  it('a server that is not there: TypeError "fetch failed" with the connection\'s error as its cause, as the global fetch', async () => {
    const { origin, server } = await start(() => {});
    server.close();
    await once(server, 'close');
    await assert.rejects(modelFetch(`${origin}/v1/x`, { method: 'POST', body: '{}' }), (e: unknown) => e instanceof TypeError && e.message === 'fetch failed' && (e.cause as { code?: string }).code === 'ECONNREFUSED');
  });

  it('an answer cut off before its end rejects ("terminated", the cause with it)', async () => {
    const { origin } = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.socket!.destroy(), 50);
    });
    await assert.rejects(modelFetch(`${origin}/v1/x`, { method: 'POST', body: '{}' }), (e: unknown) => e instanceof TypeError && e.message === 'terminated' && e.cause instanceof Error);
  });

  it('a redirect is followed, as the global fetch follows it', async () => {
    const { origin } = await start((req, res, body) => {
      if (req.url === '/v1/old') {
        res.writeHead(307, { location: '/v1/new' });
        return void res.end();
      }
      json(res, 200, { at: req.url, body });
    });
    const r = await modelFetch(`${origin}/v1/old`, { method: 'POST', body: '{"a":1}' });
    assert.deepEqual(await r.json(), { at: '/v1/new', body: '{"a":1}' });
  });

  it('a compressed answer is read decompressed', async () => {
    const { origin } = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ text: 'hello' })));
    });
    assert.deepEqual(await (await modelFetch(`${origin}/v1/x`, { method: 'POST', body: '{}' })).json(), { text: 'hello' });
  });

  it('a body it does not take (a form) goes to the global fetch, and arrives whole', async () => {
    const { origin } = await start((req, res, body) => json(res, 200, { type: String(req.headers['content-type']).split(';')[0], hasFile: body.includes('name="purpose"') && body.includes('fine-tune') }));
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    assert.deepEqual(await (await modelFetch(`${origin}/v1/files`, { method: 'POST', body: form })).json(), { type: 'multipart/form-data', hasFile: true });
  });

  it('an answer without a body (204) has none', async () => {
    const { origin } = await start((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const r = await modelFetch(`${origin}/v1/x`, { method: 'DELETE' });
    assert.equal(r.status, 204);
    assert.equal(r.body, null);
  });
});
