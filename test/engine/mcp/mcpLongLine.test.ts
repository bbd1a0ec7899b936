// #63 item 8: `orc mcp` exited without a word on a request line over about 16 MB (the SDK's stdio
// transport closed at 10 MB buffered). Its transport now answers such a line with a JSON-RPC error
// (with the request's id when the line's first bytes say it), says why on stderr, and keeps serving.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { PipelineServer } from '../../../engine/api/mcpServe';
import { leadingId, LineTransport, MAX_LINE_BYTES } from '../../../engine/mcp/lineTransport';
import { tempDir } from '../../helpers/agentRun';
import { CLI, withoutProviderEnv } from '../../helpers/cli';

const PIPELINE = 'id: echo\nparameters:\n  text: {type: string}\nsteps:\n  - id: s\n    tool: data\n    action: convert\n    parameters: {data: "{{ text }}", format: json}\noutputs:\n  out: "{{ s.result.content }}"\n';

/** A served workspace over in-memory stdin/stdout: lines written, answers read as they come. */
async function served(dir: string) {
  const input = new PassThrough();
  const output = new PassThrough();
  const logged: string[] = [];
  const server = new PipelineServer({ root: dir, version: '0.0.0', log: (s) => logged.push(s), watch: false, env: {}, transport: new LineTransport(input, output, { log: (s) => logged.push(s) }) });
  await server.connect();
  const answers: Record<string, unknown>[] = [];
  let buffered = '';
  output.setEncoding('utf8').on('data', (c: string) => {
    buffered += c;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      answers.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
      buffered = buffered.slice(nl + 1);
    }
  });
  const next = async (id: unknown) => {
    for (let i = 0; i < 600; i++) {
      const a = answers.find((x) => x.id === id);
      if (a) return a;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no answer to ${String(id)}: ${JSON.stringify(answers).slice(0, 500)}`);
  };
  /** Writes a text in 1 MiB pieces, as a pipe delivers a long line. */
  const write = async (text: string) => {
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 1024 * 1024) if (!input.write(bytes.subarray(i, i + 1024 * 1024))) await new Promise((r) => input.once('drain', r));
  };
  return { server, input, write, next, logged, answers };
}

describe('hardening #63: orc mcp and a request line too long', function () {
  this.timeout(60_000);
  let dir: string;
  let s: Awaited<ReturnType<typeof served>>;
  beforeEach(async () => {
    dir = tempDir('orc-mcp-long-');
    fs.writeFileSync(path.join(dir, 'echo.pipeline.yaml'), PIPELINE);
    s = await served(dir);
    await s.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`);
    await s.next(1);
    await s.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  });
  afterEach(async () => {
    s.input.end();
    await s.server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a 17 MiB request: a JSON-RPC error with its id, a word on stderr, and the next request is served', async () => {
    const pad = 'x'.repeat(17 * 1024 * 1024);
    await s.write(`${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: pad } } })}\n`);
    const said = 'The request line is longer than 16 MiB: it was not read (request 7); the server goes on';
    assert.deepEqual(await s.next(7), { jsonrpc: '2.0', id: 7, error: { code: -32600, message: said } });
    assert.deepEqual(s.logged.filter((l) => !l.startsWith('orc mcp: serving')), [said]);
    await s.write(`${JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } })}\n`);
    const answer = (await s.next(8)) as { result: { structuredContent: unknown } };
    assert.deepEqual(answer.result.structuredContent, { out: '"hi"' });
  });

  it('a 12 MiB request (past the SDK transport\'s 10 MB) is read and answered', async () => {
    const text = 'y'.repeat(12 * 1024 * 1024);
    await s.write(`${JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { text } } })}\n`);
    const answer = (await s.next(9)) as { result: { isError?: boolean; structuredContent: { out: string } } };
    assert.equal(answer.result.isError, undefined);
    assert.equal(answer.result.structuredContent.out.length, text.length + 2);
  });

  it('a line that is not JSON, or not JSON-RPC, is answered with an error and the server goes on', async () => {
    await s.write('{"jsonrpc": "2.0", "id": 3, "method": \n');
    await s.write(`${JSON.stringify({ id: 4, hello: 'there' })}\n`);
    await s.write(`${JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ping' })}\n`);
    assert.deepEqual(await s.next(5), { jsonrpc: '2.0', id: 5, result: {} });
    const errors = s.answers.filter((a) => a.error).map((a) => [a.id, (a.error as { code: number }).code]);
    assert.deepEqual(errors, [[null, -32700], [4, -32600]]);
  });

  it("a too-long line's id is read only at the top level of its first bytes", () => {
    assert.equal(leadingId('{"jsonrpc":"2.0","id":"a\\"b","method":"x"'), 'a"b');
    assert.equal(leadingId('{"jsonrpc":"2.0","params":{"id":5},"id":6,'), 6);
    assert.equal(leadingId('{"jsonrpc":"2.0","params":{"id":5,"pad":"xxxx'), null);
    assert.equal(MAX_LINE_BYTES, 16 * 1024 * 1024);
  });

  it('the built orc mcp over its stdin: the error, the reason on stderr, and the next request answered', async () => {
    const child = spawn(process.execPath, [CLI, 'mcp', '--root', dir], { env: { ...withoutProviderEnv(), NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      // a server that stopped reading fails the assertions below, not the test process
      child.stdin.on('error', () => undefined);
      const answer = async (id: number) => {
        for (let i = 0; i < 600; i++) {
          const line = out.split('\n').find((l) => l.startsWith('{') && (JSON.parse(l) as { id?: unknown }).id === id);
          if (line) return JSON.parse(line) as Record<string, unknown>;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`no answer to ${id}; stderr: ${err}`);
      };
      const send = (m: unknown) => new Promise((r) => child.stdin.write(`${JSON.stringify(m)}\n`, r));
      await send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
      await answer(1);
      await send({ jsonrpc: '2.0', id: 2, method: 'ping', params: { _meta: { pad: 'z'.repeat(17 * 1024 * 1024) } } });
      assert.equal(((await answer(2)).error as { code: number }).code, -32600);
      await send({ jsonrpc: '2.0', id: 3, method: 'ping' });
      assert.deepEqual(await answer(3), { jsonrpc: '2.0', id: 3, result: {} });
      assert.match(err, /The request line is longer than 16 MiB: it was not read \(request 2\); the server goes on/);
      assert.equal(child.exitCode, null, 'still serving');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
