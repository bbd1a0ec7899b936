// Every tool operation against the real filesystem, real processes and a real local HTTP server,
// refusals included: paths that escape the workspace (symlinks too), oversized HTTP bodies, a
// terminal timeout that kills a whole process tree.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_TOOLS } from '../../../engine/tools/registry';
import type { ToolContext, ToolOutcome } from '../../../engine/toolkit/runtime';
import { toolContext } from '../../helpers/toolContext';
import { alive } from '../../helpers/processes';

let root: string;
let outside: string;

const ctx = (over: Partial<ToolContext> = {}): ToolContext => toolContext(root, over);

const run = (tool: string, action: string, params: Record<string, unknown>, c = ctx()): Promise<ToolOutcome> => BUILTIN_TOOLS[tool].run(action, params, c);

async function rejects(p: Promise<unknown>, errorType: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { errorType?: string }) => {
    assert.equal(e.errorType ?? e.name, errorType);
    assert.match(e.message, message);
    return true;
  });
}

describe('tools', function () {
  this.timeout(20_000);
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-tools-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-outside-')));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'do not read');
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  describe('filesystem', () => {
    it('write creates folders and returns the path as given; read returns content, size and path', async () => {
      assert.deepEqual(await run('filesystem', 'write', { path: './out/a/b.txt', content: 'héllo' }), { success: true, result: { path: './out/a/b.txt', size: 6 } });
      assert.equal(fs.readFileSync(path.join(root, 'out/a/b.txt'), 'utf8'), 'héllo');
      assert.deepEqual(await run('filesystem', 'read', { path: './out/a/b.txt' }), { success: true, result: { content: 'héllo', size: 6, path: './out/a/b.txt' } });
    });

    it('reading a missing file is a reported failure naming the path as given', async () => {
      assert.deepEqual(await run('filesystem', 'read', { path: './nope.txt' }), { success: false, result: null, error: 'File not found: ./nope.txt' });
    });

    it('writes data as JSON, appends, copies, moves, lists, checks existence and deletes', async () => {
      await run('filesystem', 'write', { path: 'd.json', content: { a: [1, 2] } });
      assert.equal(fs.readFileSync(path.join(root, 'd.json'), 'utf8'), '{\n  "a": [\n    1,\n    2\n  ]\n}');
      await run('filesystem', 'write', { path: 'log.txt', content: 'one\n' });
      assert.deepEqual(await run('filesystem', 'append', { path: 'log.txt', content: 'two\n' }), { success: true, result: { path: 'log.txt', size: 8 } });
      assert.deepEqual(await run('filesystem', 'copy', { source: 'log.txt', destination: 'copy/log.txt' }), { success: true, result: { source: 'log.txt', destination: 'copy/log.txt' } });
      assert.deepEqual(await run('filesystem', 'copy', { source: 'log.txt', destination: 'copy/log.txt' }), { success: false, result: null, error: 'Destination exists: copy/log.txt (set overwrite: true to replace it)' });
      assert.deepEqual(await run('filesystem', 'move', { source: 'copy/log.txt', destination: 'moved.txt' }), { success: true, result: { source: 'copy/log.txt', destination: 'moved.txt' } });
      assert.equal(fs.readFileSync(path.join(root, 'moved.txt'), 'utf8'), 'one\ntwo\n');
      assert.deepEqual(await run('filesystem', 'list', { path: '.', pattern: '*.txt' }), {
        success: true,
        result: { path: '.', entries: [{ name: 'log.txt', path: 'log.txt', type: 'file', size: 8 }, { name: 'moved.txt', path: 'moved.txt', type: 'file', size: 8 }], count: 2 },
      });
      assert.deepEqual(await run('filesystem', 'exists', { path: 'copy' }), { success: true, result: { path: 'copy', exists: true, type: 'directory' } });
      assert.deepEqual(await run('filesystem', 'delete', { path: 'copy' }), { success: false, result: null, error: 'Is a folder: copy (set recursive: true to delete it)' });
      assert.deepEqual(await run('filesystem', 'delete', { path: 'copy', recursive: true }), { success: true, result: { path: 'copy', deleted: true } });
      assert.deepEqual(await run('filesystem', 'exists', { path: 'copy' }), { success: true, result: { path: 'copy', exists: false, type: null } });
    });

    it('refuses a path that escapes the workspace with ..', async () => {
      await rejects(run('filesystem', 'read', { path: '../' + path.basename(outside) + '/secret.txt' }), 'PermissionError', /^Path escapes the workspace: \.\.\//);
      await rejects(run('filesystem', 'write', { path: '/etc/orc-test.txt', content: 'x' }), 'PermissionError', /Path escapes the workspace: \/etc\/orc-test\.txt/);
      assert.ok(!fs.existsSync('/etc/orc-test.txt'));
    });

    it('refuses a symlink inside the workspace that points outside, for reading and for writing through it', async () => {
      fs.symlinkSync(outside, path.join(root, 'link'));
      await rejects(run('filesystem', 'read', { path: 'link/secret.txt' }), 'PermissionError', /Path escapes the workspace: link\/secret\.txt/);
      await rejects(run('filesystem', 'write', { path: 'link/new.txt', content: 'x' }), 'PermissionError', /escapes/);
      assert.ok(!fs.existsSync(path.join(outside, 'new.txt')));
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'file-link'));
      await rejects(run('filesystem', 'read', { path: 'file-link' }), 'PermissionError', /escapes/);
    });

    it('allows outside paths only when the run allows them', async () => {
      const r = await run('filesystem', 'read', { path: path.join(outside, 'secret.txt') }, ctx({ allowOutsideWorkspace: true }));
      assert.equal((r.result as { content: string }).content, 'do not read');
    });
  });

  describe('terminal', () => {
    it('captures stdout, stderr and the exit code; a non-zero exit is a reported failure', async () => {
      // execution_time is the seconds it ran: checked for its type and bound, the rest exactly
      const timed = (o: ToolOutcome) => {
        const r = o.result as { execution_time: number };
        assert.ok(r.execution_time >= 0 && r.execution_time < 10, String(r.execution_time));
        return { ...o, result: { ...r, execution_time: 'seconds' } };
      };
      assert.deepEqual(timed(await run('terminal', 'execute', { command: 'echo out; echo err >&2' })), { success: true, result: { stdout: 'out\n', stderr: 'err\n', exit_code: 0, return_code: 0, command: 'echo out; echo err >&2', working_dir: '.', execution_time: 'seconds' } });
      assert.deepEqual(timed(await run('terminal', 'execute', { command: 'echo oops >&2; exit 3' })), { success: false, result: { stdout: '', stderr: 'oops\n', exit_code: 3, return_code: 3, command: 'echo oops >&2; exit 3', working_dir: '.', execution_time: 'seconds' }, error: 'Command exited with code 3: oops' });
    });

    it("takes ContextLab's working_dir, and capture_output: false keeps the output out of the result", async () => {
      fs.mkdirSync(path.join(root, 'wd'));
      const r = await run('terminal', 'execute', { command: 'pwd; echo err >&2', working_dir: 'wd', capture_output: false });
      assert.deepEqual([(r.result as { stdout: string }).stdout, (r.result as { stderr: string }).stderr, (r.result as { working_dir: string }).working_dir], ['', '', 'wd']);
      const seen = await run('terminal', 'execute', { command: 'pwd', working_dir: 'wd' });
      assert.equal((seen.result as { stdout: string }).stdout, `${path.join(root, 'wd')}\n`);
      await rejects(run('terminal', 'execute', { command: 'pwd', working_dir: '../..' }), 'PermissionError', /^Path escapes the workspace: \.\.\/\.\.$/);
    });

    it('takes cwd, env and standard input', async () => {
      fs.mkdirSync(path.join(root, 'sub'));
      const r = await run('terminal', 'execute', { command: 'pwd; echo $GREETING; cat', cwd: 'sub', env: { GREETING: 'hi' }, input: 'from stdin' });
      assert.equal((r.result as { stdout: string }).stdout, `${path.join(root, 'sub')}\nhi\nfrom stdin`);
    });

    it('a timeout kills the command and every process it started', async () => {
      const pidFile = path.join(root, 'child.pid');
      const t0 = Date.now();
      await rejects(run('terminal', 'execute', { command: `sh -c 'sleep 30' & echo $! > ${pidFile}; sleep 30`, timeout: 0.5 }), 'TimeoutError', /Command timed out after 0\.5 s/);
      assert.ok(Date.now() - t0 < 5000);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(alive(pid), false, `grandchild ${pid} is still alive`);
    });

    it('cancellation (the step timeout, Ctrl-C) kills the process tree too', async () => {
      const pidFile = path.join(root, 'child.pid');
      const ctl = new AbortController();
      const p = run('terminal', 'execute', { command: `sleep 30 & echo $! > ${pidFile}; wait` }, ctx({ signal: ctl.signal }));
      await new Promise((r) => setTimeout(r, 300));
      const reason = new Error('step timed out');
      reason.name = 'TimeoutError';
      ctl.abort(reason);
      await rejects(p, 'TimeoutError', /step timed out/);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(alive(pid), false, `grandchild ${pid} is still alive`);
    });
  });

  describe('http (against a local server)', () => {
    let server: http.Server;
    let base: string;
    before(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          if (req.url === '/json') {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ ok: true, method: req.method, body: body ? JSON.parse(body) : null, ct: req.headers['content-type'] ?? null }));
          } else if (req.url === '/missing') {
            res.writeHead(404, { 'content-type': 'text/plain' });
            res.end('no such thing');
          } else if (req.url === '/big-declared') {
            res.writeHead(200, { 'content-length': String(2_000_000) });
            res.end(Buffer.alloc(2_000_000, 97));
          } else if (req.url === '/big-streamed') {
            res.writeHead(200, { 'content-type': 'text/plain' }); // chunked: no length declared
            let sent = 0;
            const push = () => {
              while (sent < 5_000_000) {
                sent += 65536;
                if (!res.write(Buffer.alloc(65536, 98))) return res.once('drain', push);
              }
              res.end();
            };
            push();
          } else if (req.url === '/slow') {
            setTimeout(() => res.end('late'), 3000);
          } else {
            res.writeHead(200);
            res.end('plain text');
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }));

    it('GET parses JSON; POST sends data as JSON', async () => {
      const g = await run('http', 'get', { url: `${base}/json` });
      assert.equal(g.success, true);
      assert.deepEqual((g.result as { json: unknown }).json, { ok: true, method: 'GET', body: null, ct: null });
      const p = await run('http', 'post', { url: `${base}/json`, body: { q: 1 } });
      assert.deepEqual((p.result as { json: unknown }).json, { ok: true, method: 'POST', body: { q: 1 }, ct: 'application/json' });
      const t = await run('http', 'request', { method: 'put', url: `${base}/text`, body: 'raw' });
      assert.deepEqual([(t.result as { status: number }).status, (t.result as { body: string }).body], [200, 'plain text']);
    });

    it('a 4xx answer is a reported failure with the status', async () => {
      const r = await run('http', 'get', { url: `${base}/missing` });
      assert.equal(r.success, false);
      assert.equal(r.error, `HTTP 404 Not Found from GET ${base}/missing`);
      assert.equal((r.result as { body: string }).body, 'no such thing');
    });

    it('refuses a body over max_bytes, declared or streamed', async () => {
      await rejects(run('http', 'get', { url: `${base}/big-declared`, max_bytes: 1_000_000 }), 'ResponseTooLarge', /Response body of 2000000 bytes is larger than max_bytes \(1000000\)/);
      await rejects(run('http', 'get', { url: `${base}/big-streamed`, max_bytes: 1_000_000 }), 'ResponseTooLarge', /Response body is larger than max_bytes \(1000000\)/);
    });

    it('times out, and a closed port is a connection error', async () => {
      await rejects(run('http', 'get', { url: `${base}/slow`, timeout: 0.3 }), 'TimeoutError', /Request timed out after 0\.3 s/);
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      await rejects(run('http', 'get', { url: `http://127.0.0.1:${port}/` }), 'ConnectionError', /ECONNREFUSED/);
    });
  });

  describe('data', () => {
    const rows = [
      { name: 'ada', team: 'x', score: 5 },
      { name: 'bo', team: 'y', score: 2 },
      { name: 'cy', team: 'x', score: 9 },
    ];
    it('parses and converts JSON, CSV and YAML', async () => {
      assert.deepEqual(await run('data', 'parse', { content: 'name,score\n"a, b",3\nc,4\n', format: 'csv' }), { success: true, result: { data: [{ name: 'a, b', score: '3' }, { name: 'c', score: '4' }] } });
      assert.deepEqual(await run('data', 'parse', { content: 'a: [1, 2]', format: 'yaml' }), { success: true, result: { data: { a: [1, 2] } } });
      assert.deepEqual(await run('data', 'convert', { data: rows.slice(0, 2), format: 'csv' }), { success: true, result: { content: 'name,team,score\nada,x,5\nbo,y,2\n' } });
      await rejects(run('data', 'parse', { content: '{nope', format: 'json' }), 'ParseError', /Could not parse the json/);
    });
    it('filters, maps, sorts, groups and aggregates', async () => {
      assert.deepEqual(await run('data', 'filter', { data: rows, where: 'item.score > 3' }), { success: true, result: { data: [rows[0], rows[2]], count: 2 } });
      assert.deepEqual(await run('data', 'map', { data: rows, expression: 'item.name | upper' }), { success: true, result: { data: ['ADA', 'BO', 'CY'], count: 3 } });
      assert.deepEqual(((await run('data', 'sort', { data: rows, by: 'score', reverse: true })).result as { data: { name: string }[] }).data.map((r) => r.name), ['cy', 'ada', 'bo']);
      assert.deepEqual(await run('data', 'group', { data: rows, by: 'team' }), { success: true, result: { groups: { x: [rows[0], rows[2]], y: [rows[1]] }, count: 2 } });
      assert.deepEqual(await run('data', 'aggregate', { data: rows, field: 'score', by: 'team' }), {
        success: true,
        result: { result: { x: { count: 2, sum: 14, avg: 7, min: 5, max: 9 }, y: { count: 1, sum: 2, avg: 2, min: 2, max: 2 } } },
      });
      assert.deepEqual(await run('data', 'aggregate', { data: rows }), { success: true, result: { result: { count: 3 } } });
    });
  });

  describe('validation', () => {
    it('valid data succeeds; invalid data is a reported failure listing every error', async () => {
      const schema = { type: 'object', required: ['name'], properties: { name: { type: 'string' }, age: { type: 'integer' } } };
      assert.deepEqual(await run('validation', 'validate', { data: { name: 'a' }, schema }), { success: true, result: { valid: true, errors: [], warnings: [], data: { name: 'a' }, mode: 'strict' } });
      assert.deepEqual(await run('validation', 'validate', { data: { age: 'x' }, schema }), {
        success: false,
        result: { valid: false, errors: [{ path: '/', message: "must have required property 'name'" }, { path: '/age', message: 'must be integer' }], warnings: [], data: { age: 'x' }, mode: 'strict' },
        error: "Data does not match the schema: / must have required property 'name'; /age must be integer",
      });
      await rejects(run('validation', 'validate', { data: 1, schema: { type: 'nonsense' } }), 'SchemaError', /Invalid JSON Schema/);
    });
  });
});
