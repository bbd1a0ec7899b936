// `orc serve --a2a --max-body N`: the A2A agents' JSON-RPC endpoints take no larger body than the
// runs endpoint does (issue 74 item 2: POST /a2a/{id} took a 64 MB body, 2 MB under --max-body
// 65536). A body of N+1 bytes is refused with the runs endpoint's 413 document and Connection:
// close, whether it says its length (Content-Length) or not (chunked), and a chunked body that
// never ends is refused too: the server answers after N+1 bytes, without waiting for the rest.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { tempDir } from '../../helpers/agentRun';
import { startServe, type ServeProcess } from '../../helpers/serveProcess';

const TOKEN = 'tok-a2a-limit-0123456789';
const MAX = 65536;

const ASK = `id: ask
name: Asker
description: Answers a question.
model: openai:gpt-4o-mini
parameters:
  question: {type: string, required: true}
steps:
  - id: answer
    action: agent
    parameters:
      prompt: "{{ question }}"
`;

const TOO_LARGE = { error: { code: 'body_too_large', message: `The request's body is larger than this server takes (${MAX} bytes, --max-body)` } };

/** A JSON-RPC request of exactly `size` bytes (tasks/get of an unknown task: nothing runs if it is taken). */
function rpcOfSize(size: number): Buffer {
  const head = '{"jsonrpc":"2.0","id":"big","method":"tasks/get","params":{"id":"';
  const tail = '"}}';
  return Buffer.from(head + 'x'.repeat(size - head.length - tail.length) + tail);
}

interface Answer {
  status: number;
  connection: string | undefined;
  text: string;
  /** Whether the request's body had been ended when the answer came. */
  bodyEnded: boolean;
}

/**
 * POSTs `body` to `url`: with its Content-Length, or chunked (no length) in 16 KB chunks; `end:
 * false` never ends a chunked body (it keeps it open until the answer comes).
 */
function post(url: string, body: Buffer, o: { chunked: boolean; end?: boolean }): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let bodyEnded = false;
    const headers: Record<string, string | number> = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    if (!o.chunked) headers['content-length'] = body.length;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text, bodyEnded });
        req.destroy();
      });
    });
    // the server may close while the rest of a refused body is still being written
    req.on('error', (e) => (req.writableEnded ? undefined : reject(e)));
    if (!o.chunked) {
      req.end(body, () => (bodyEnded = true));
      return;
    }
    for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.subarray(i, i + 16 * 1024));
    if (o.end !== false) req.end(() => (bodyEnded = true));
    // a server that waits for the rest of a body that never ends never answers: say so, before the test's timeout
    else setTimeout(() => reject(new Error('no answer within 10 s to a chunked body past --max-body that stays open')), 10_000).unref();
  });
}

describe('orc serve --a2a --max-body: the A2A agents\' endpoints have the same body limit as every route', function () {
  this.timeout(30_000);
  let dir: string;
  let s: ServeProcess;

  before(async () => {
    dir = tempDir('orc-a2a-limit-');
    fs.writeFileSync(path.join(dir, 'ask.pipeline.yaml'), ASK);
    s = await startServe(dir, ['--a2a', '--max-body', String(MAX)], { ORC_SERVE_TOKENS: TOKEN });
  });

  after(async () => {
    await s?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a body of --max-body + 1 bytes to POST /a2a/{id} is 413 with the runs endpoint\'s error document and Connection: close, with and without Content-Length', async () => {
    const big = rpcOfSize(MAX + 1);
    for (const target of [`${s.url}/a2a/ask`, `${s.url}/a2a/ask/`, `${s.url}/pipelines/ask/runs`]) {
      for (const chunked of [false, true]) {
        const a = await post(target, big, { chunked });
        assert.equal(a.status, 413, `${target} chunked=${chunked}: ${a.text.slice(0, 200)}`);
        assert.deepEqual(JSON.parse(a.text), TOO_LARGE, `${target} chunked=${chunked}`);
        assert.equal(a.connection, 'close', `${target} chunked=${chunked}`);
      }
    }
    // a body of --max-body bytes is taken: the agent answers it (the task is unknown)
    for (const chunked of [false, true]) {
      const ok = await post(`${s.url}/a2a/ask`, rpcOfSize(MAX), { chunked });
      assert.equal(ok.status, 200, ok.text.slice(0, 200));
      const rpc = JSON.parse(ok.text) as { id: string; error?: { code: number } };
      assert.deepEqual([rpc.id, rpc.error?.code], ['big', -32001]);
    }
    assert.ok(!(s.stdout() + s.stderr()).includes(TOKEN));
  });

  it('a chunked body that never ends is refused once it passes --max-body: the answer comes while the body is still open', async () => {
    const a = await post(`${s.url}/a2a/ask`, rpcOfSize(MAX + 1), { chunked: true, end: false });
    assert.equal(a.status, 413, a.text.slice(0, 200));
    assert.deepEqual(JSON.parse(a.text), TOO_LARGE);
    assert.equal(a.connection, 'close');
    assert.equal(a.bodyEnded, false);
    // the server is still there for the next request
    const next = await post(`${s.url}/a2a/ask`, rpcOfSize(200), { chunked: false });
    assert.equal(next.status, 200, next.text);
  });
});
