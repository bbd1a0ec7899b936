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
import { alive, until } from '../../helpers/processes';
import { MAX_CAPTURE } from '../../../engine/tools/terminal';
import { orcAsync } from '../../helpers/cli';
import { ensureBrowser } from '../../helpers/browser';

let root: string;
let outside: string;

const ctx = (over: Partial<ToolContext> = {}): ToolContext => toolContext(root, over);

const run = (tool: string, action: string, params: Record<string, unknown>, c = ctx()): Promise<ToolOutcome> => BUILTIN_TOOLS[tool].run(action, params, c);

/** Waits until a process is gone. What the tests wait on sleeps 600 s: one nothing killed keeps the test waiting until its timeout fails it. */
const gone = (pid: number) => until(() => !alive(pid));

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
      // execution_time is the seconds it ran: checked against the time the whole call took around it
      // (seconds, not milliseconds, whatever the machine's speed), the rest exactly
      const timed = async (call: () => Promise<ToolOutcome>) => {
        const t0 = performance.now();
        const o = await call();
        const took = (performance.now() - t0) / 1000;
        const r = o.result as { execution_time: number };
        // the tool rounds to whole milliseconds: 0.001 s of room for that
        assert.ok(r.execution_time >= 0 && r.execution_time <= took + 0.001, `execution_time ${r.execution_time} s, the call took ${took} s`);
        return { ...o, result: { ...r, execution_time: 'seconds' } };
      };
      assert.deepEqual(await timed(() => run('terminal', 'execute', { command: 'echo out; echo err >&2' })), { success: true, result: { stdout: 'out\n', stderr: 'err\n', exit_code: 0, return_code: 0, command: 'echo out; echo err >&2', working_dir: '.', execution_time: 'seconds' } });
      assert.deepEqual(await timed(() => run('terminal', 'execute', { command: 'echo oops >&2; exit 3' })), { success: false, result: { stdout: '', stderr: 'oops\n', exit_code: 3, return_code: 3, command: 'echo oops >&2; exit 3', working_dir: '.', execution_time: 'seconds' }, error: 'Command exited with code 3: oops' });
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
      // the command and its grandchild sleep far beyond the test's timeout: a call that waited for them could not pass
      await rejects(run('terminal', 'execute', { command: `sh -c 'sleep 600' & echo $! > ${pidFile}; sleep 600`, timeout: 0.5 }), 'TimeoutError', /Command timed out after 0\.5 s/);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.ok(pid > 0);
      await gone(pid); // the grandchild would sleep on: only the kill ends it
    });

    it('cancellation (the step timeout, Ctrl-C) kills the process tree too', async () => {
      const pidFile = path.join(root, 'child.pid');
      const ctl = new AbortController();
      const p = run('terminal', 'execute', { command: `sleep 600 & echo $! > ${pidFile}; wait` }, ctx({ signal: ctl.signal }));
      // cancelled once the command runs and has started its child, however long the machine takes to get there
      while (!fs.existsSync(pidFile) || !fs.readFileSync(pidFile, 'utf8').endsWith('\n')) await new Promise((r) => setTimeout(r, 10));
      const reason = new Error('step timed out');
      reason.name = 'TimeoutError';
      ctl.abort(reason);
      await rejects(p, 'TimeoutError', /step timed out/);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.ok(pid > 0);
      await gone(pid); // the child would sleep on: only the kill ends it
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

// sleeps far beyond any test's timeout: only a kill ends it, and an orc that waited for it could not end by itself
const ESCAPE = `setsid sh -c 'echo $$ > escaped.pid; exec sleep 600' &`;

// 2^64 ways to split the a's: a backtracking engine would never finish, so a run that ends at all ran it on RE2
const EVIL = 'a'.repeat(64) + '!';

describe('hostile input', () => {
  // Holes found from outside in the tools (issue 9): a dangling symlink that let a write land outside
  // the workspace, steps that deleted the run's own state or the workspace, and shell quoting.
  describe('hardening: filesystem paths', function () {
    this.timeout(20_000);
    beforeEach(() => {
      root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-ws-')));
      outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-out-')));
    });
    afterEach(() => {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    });

    it('a symlink to a file that does not exist yet cannot be used to create it outside the workspace', async () => {
      const target = path.join(outside, 'created.txt');
      fs.symlinkSync(target, path.join(root, 'dangling'));
      await rejects(run('filesystem', 'write', { path: 'dangling', content: 'x' }), 'PermissionError', /^Path is a symbolic link to a missing file: dangling$/);
      await rejects(run('filesystem', 'append', { path: 'dangling', content: 'x' }), 'PermissionError', /symbolic link to a missing file/);
      await rejects(run('filesystem', 'copy', { source: 'a.txt', destination: 'dangling' }), 'PermissionError', /symbolic link to a missing file/);
      assert.equal(fs.existsSync(target), false, 'nothing was created outside');
      // a dangling link to a folder that would be created, in the middle of the path
      fs.symlinkSync(path.join(outside, 'nodir'), path.join(root, 'dirlink'));
      await rejects(run('filesystem', 'write', { path: 'dirlink/f.txt', content: 'x' }), 'PermissionError', /symbolic link to a missing file: dirlink\/f\.txt/);
      assert.equal(fs.existsSync(path.join(outside, 'nodir')), false);
    });

    it('a link inside the workspace to a file inside it is still written through', async () => {
      fs.writeFileSync(path.join(root, 'real.txt'), 'old');
      fs.symlinkSync(path.join(root, 'real.txt'), path.join(root, 'alias'));
      const r = await run('filesystem', 'write', { path: 'alias', content: 'new' });
      assert.deepEqual(r, { success: true, result: { path: 'alias', size: 3 } });
      assert.equal(fs.readFileSync(path.join(root, 'real.txt'), 'utf8'), 'new');
      assert.ok(fs.lstatSync(path.join(root, 'alias')).isSymbolicLink());
    });

    it("refuses to change or delete the run's own state, and to delete or move the workspace", async () => {
      fs.mkdirSync(path.join(root, '.orchestrator', 'runs'), { recursive: true });
      fs.writeFileSync(path.join(root, '.orchestrator', 'runs', 'c.json'), '{}');
      await rejects(run('filesystem', 'write', { path: '.orchestrator/runs/c.json', content: 'x' }), 'PermissionError', /^Path is inside the run's own state \(\.orchestrator\/\), which steps may not change: \.orchestrator\/runs\/c\.json$/);
      await rejects(run('filesystem', 'delete', { path: '.orchestrator', recursive: true }), 'PermissionError', /run's own state/);
      await rejects(run('filesystem', 'move', { source: '.orchestrator', destination: 'x' }), 'PermissionError', /run's own state/);
      await rejects(run('filesystem', 'delete', { path: '.', recursive: true }), 'PermissionError', /^Refusing to delete or move the workspace or a folder that holds it: \.$/);
      await rejects(run('filesystem', 'delete', { path: 'sub/..', recursive: true }), 'PermissionError', /Refusing to delete/);
      await rejects(run('filesystem', 'move', { source: '.', destination: 'elsewhere' }), 'PermissionError', /Refusing to delete or move/);
      assert.equal(fs.readFileSync(path.join(root, '.orchestrator', 'runs', 'c.json'), 'utf8'), '{}');
      // reading it is fine, and so is deleting an ordinary folder
      assert.equal((await run('filesystem', 'read', { path: '.orchestrator/runs/c.json' })).success, true);
      fs.mkdirSync(path.join(root, 'tmp'));
      assert.deepEqual(await run('filesystem', 'delete', { path: 'tmp', recursive: true }), { success: true, result: { path: 'tmp', deleted: true } });
    });
  });

  describe('hardening: YAML tags that would change data silently', function () {
    this.timeout(20_000);
    beforeEach(() => {
      root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-ws-')));
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it('data.parse refuses !!binary, !!set and !!timestamp instead of returning {"0":104,...} or {}', async () => {
      for (const [text, tag] of [['b: !!binary aGVsbG8=', 'binary'], ['s: !!set {a, b}', 'set'], ['t: !!timestamp 2024-01-01', 'timestamp']]) {
        await rejects(run('data', 'parse', { content: text, format: 'yaml' }), 'ParseError', new RegExp(`^Could not parse the yaml: the tag '!!${tag}' is not supported`));
      }
      assert.deepEqual(await run('data', 'parse', { content: 'a: [1, two]\nb: {c: true}', format: 'yaml' }), { success: true, result: { data: { a: [1, 'two'], b: { c: true } } } });
    });

    it('data.parse refuses YAML nested deeper than 200 levels with a clear error (3,000 such lines aborted the process), and reads 199', async () => {
      const brackets = (n: number) => `a: ${'['.repeat(n)}1${']'.repeat(n)}`;
      const lines = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}- `).join('\n') + 'x\n';
      for (const content of [brackets(20_000), lines(3000)]) {
        await rejects(run('data', 'parse', { content, format: 'yaml' }), 'ParseError', /^Could not parse the yaml: Lists and mappings nest more than 200 levels deep here: the text is not read/);
      }
      for (const [content, key] of [[brackets(199), 'a'], [`b:\n${lines(199).replace(/^/gm, ' ')}`, 'b']] as const) {
        let inner: unknown = ((await run('data', 'parse', { content, format: 'yaml' })).result as { data: Record<string, unknown> }).data[key];
        let depth = 0;
        while (Array.isArray(inner)) {
          depth++;
          inner = inner[0];
        }
        assert.equal(depth, 199, key);
      }
    });

    it('data.parse reads a YAML mapping of 100,000 keys (the duplicate check compared every pair); a later duplicate wins', async function () {
      // the yaml library's own parse of 1.1 MB: 1.6 s alone, 4.0 s in the unit stage quiet and 7.9 s
      // beside stress-ng --cpu 2 (39 % of the default 20 s, 2026-11-28). The pairwise check this
      // guards against made 5 billion comparisons here: far past any of these bounds
      this.timeout(40_000);
      const content = Array.from({ length: 100_000 }, (_, i) => `k${i}: ${i}`).join('\n') + '\nk0: last';
      const r = await run('data', 'parse', { content, format: 'yaml' });
      const data = (r.result as { data: Record<string, unknown> }).data;
      assert.equal(Object.keys(data).length, 100_000);
      assert.deepEqual([data.k0, data.k99999], ['last', 99999]);
    });
  });

  // Hardening, round two (issue 24): terminal output over 10 MiB was cut silently (python-executor's
  // had a marker). The cut is now marked and the result says `truncated: true`.
  describe('hardening 2: terminal output past the cap', function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-out-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('12 MiB on stdout: 10 MiB kept, the cut marked with what was left out, truncated: true', async () => {
      const total = 12 * 1024 * 1024;
      const r = await BUILTIN_TOOLS.terminal.run('execute', { command: `head -c ${total} /dev/zero | tr '\\0' x; echo done >&2` }, toolContext(dir));
      assert.equal(r.success, true);
      const res = r.result as { stdout: string; stderr: string; truncated?: boolean };
      const marker = `\n[output truncated: ${total - MAX_CAPTURE} more characters]`;
      assert.equal(res.stdout.length, MAX_CAPTURE + marker.length);
      assert.ok(res.stdout.endsWith('x' + marker), res.stdout.slice(-80));
      assert.equal(res.stderr, 'done\n');
      assert.equal(res.truncated, true);
    });

    it('output under the cap is whole and has no truncated flag', async () => {
      const r = await BUILTIN_TOOLS.terminal.run('execute', { command: 'echo hi' }, toolContext(dir));
      assert.equal((r.result as { stdout: string }).stdout, 'hi\n');
      assert.equal('truncated' in (r.result as object), false);
    });
  });

  // Hardening, round two (issue 24): a process a command starts in a new session (`setsid`,
  // `start_new_session=True`) left the step's process group, survived its timeout, and kept `orc`
  // alive until it ended (its hold on the output pipe). Every process the command starts is now found
  // by the token in its environment and killed when the step ends, and nothing is waited on after.
  describe('hardening 2: processes that leave their group', function () {
    this.timeout(90_000);
    let dir: string;
    let pid = 0;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-proc-'))));
    afterEach(() => {
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      pid = 0;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    // orcAsync kills an orc still running after 60 s (its exit code is then null); the child sleeps
    // 600 s, so an orc that waited for it could only end that way
    async function runWith(command: string, timeout: string): Promise<{ code: number | null; doc: { steps: Record<string, { status: string; error?: string }> } }> {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), `id: p\nsteps:\n  - id: s\n    tool: terminal\n    action: execute\n${timeout}    parameters:\n      command: "${command}"\n`);
      const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      pid = Number(fs.readFileSync(path.join(dir, 'escaped.pid'), 'utf8'));
      assert.notEqual(r.code, null, `orc did not end by itself: it waited for the child (${r.stderr})`);
      return { code: r.code, doc: JSON.parse(r.stdout) };
    }

    it('a step that times out: the setsid child is killed and orc ends at once', async () => {
      const { code, doc } = await runWith(`${ESCAPE} sleep 600`, '    timeout: 2\n');
      assert.equal(code, 1);
      assert.equal(doc.steps.s.status, 'failed');
      assert.match(String(doc.steps.s.error), /timed out/);
      assert.ok(pid > 0);
      await gone(pid); // the child in its own session would sleep on: only the kill ends it
    });

    it('a command that ends while its setsid child holds the output: the step ends, the child is killed', async () => {
      const { code, doc } = await runWith(`${ESCAPE} echo done`, '');
      assert.equal(code, 0);
      assert.equal(doc.steps.s.status, 'completed');
      assert.ok(pid > 0);
      await gone(pid);
    });
  });

  // Hardening, round two (issue 24): every user-supplied pattern outside templates runs on RE2. A
  // JSON-schema `pattern` in `validation`, a `user-prompt` `validation_pattern` and a `filesystem.list`
  // glob with many `*` froze the process past the step's timeout (a glob was reported as success after
  // 11 s under `timeout: 2`); each now answers at once, with the same verdict a backtracking engine
  // would have reached.
  describe('hardening 2: user patterns cannot freeze a run', function () {
    this.timeout(90_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-re-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    // orcAsync kills an orc still running after 60 s (its exit code is then null): a pattern run by
    // backtracking on these inputs would hold it far longer than that
    async function orcRun(yaml: string, args: string[] = []): Promise<{ doc: { steps: Record<string, { status: string; result: unknown; error?: string }> }; code: number | null }> {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), yaml);
      const r = await orcAsync(['run', 'p.pipeline.yaml', '--json', ...args], { cwd: dir });
      assert.notEqual(r.code, null, `orc did not end by itself: the pattern froze it (${r.stderr})`);
      return { doc: JSON.parse(r.stdout), code: r.code };
    }

    it('a JSON-schema pattern in validation.validate', async () => {
      const { doc } = await orcRun(`id: v\nsteps:\n  - id: check\n    tool: validation\n    action: validate\n    timeout: 2\n    parameters:\n      data: "${EVIL}"\n      schema: {type: string, pattern: "^(a+)+$"}\n`);
      assert.equal(doc.steps.check.status, 'completed', doc.steps.check.error);
      assert.deepEqual((doc.steps.check.result as { valid: boolean; errors: unknown[] }).valid, false);
      assert.deepEqual((doc.steps.check.result as { errors: unknown[] }).errors, [{ path: '/', message: 'must match pattern "^(a+)+$"' }]);
    });

    it("a user-prompt's validation_pattern (answered ahead with -i)", async () => {
      const { doc, code } = await orcRun(`id: u\nsteps:\n  - id: ask\n    tool: user-prompt\n    action: execute\n    timeout: 2\n    parameters: {prompt: "Code?", validation_pattern: "(a+)+$"}\n`, ['-i', `ask=${EVIL}`]);
      assert.equal(code, 1);
      assert.equal(doc.steps.ask.status, 'failed');
      assert.match(String(doc.steps.ask.error), /does not match the pattern \(a\+\)\+\$/);
    });

    it('a filesystem.list glob with many *', async () => {
      // C(200, 30) ways to place the pattern's a's in the name: backtracking would never finish
      fs.writeFileSync(path.join(dir, 'a'.repeat(200)), '');
      fs.writeFileSync(path.join(dir, 'a-b'), '');
      const { doc } = await orcRun(`id: g\nsteps:\n  - id: ls\n    tool: filesystem\n    action: list\n    timeout: 2\n    parameters: {path: ., pattern: "${'a*'.repeat(30)}b"}\n`);
      assert.equal(doc.steps.ls.status, 'completed', doc.steps.ls.error);
      assert.deepEqual((doc.steps.ls.result as { entries: { name: string }[] }).entries.map((e) => e.name), []);
      const two = await orcRun(`id: g\nsteps:\n  - id: ls\n    tool: filesystem\n    action: list\n    parameters: {path: ., pattern: "a*?b"}\n`);
      assert.deepEqual((two.doc.steps.ls.result as { entries: { name: string }[] }).entries.map((e) => e.name), ['a-b']);
    });
  });

  // Hardening, round two (issue 24): a time a user gives may be longer than one Node timer holds
  // (2^31-1 ms, about 24.8 days). `http` with `timeout: 2147484` failed after 59 ms, and
  // `headless-browser` with `timeout: 3e9` failed at once (Node's TimeoutOverflowWarning): both now
  // wait as long as the request takes.
  describe('hardening 2: long user times', function () {
    this.timeout(120_000);
    let dir: string;
    let server: http.Server;
    let base: string;
    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-timer-'));
      // answers after 300 ms, as a slow server would
      server = http.createServer((_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Slow</title><p>slow page</p>'), 300));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => {
      server.closeAllConnections();
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('http with timeout: 2147484 (seconds) waits for the answer', async () => {
      fs.writeFileSync(path.join(dir, 'h.pipeline.yaml'), `id: h\nsteps:\n  - id: get\n    tool: http\n    action: get\n    parameters: {url: "${base}/", timeout: 2147484}\n`);
      const r = await orcAsync(['run', 'h.pipeline.yaml', '--json'], { cwd: dir });
      const doc = JSON.parse(r.stdout) as { steps: Record<string, { status: string; error?: string; result: { status: number; body: string } }> };
      assert.equal(doc.steps.get.status, 'completed', doc.steps.get.error);
      assert.deepEqual([doc.steps.get.result.status, doc.steps.get.result.body], [200, '<title>Slow</title><p>slow page</p>']);
      assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/);
    });

    it('headless-browser with timeout: 3e9 scrapes the page', async function () {
      this.timeout(300_000); // a first run installs Chromium
      ensureBrowser();
      fs.writeFileSync(path.join(dir, 'b.pipeline.yaml'), `id: b\nsteps:\n  - id: page\n    tool: headless-browser\n    action: scrape\n    parameters: {url: "${base}/", timeout: 3e9}\n`);
      const r = await orcAsync(['run', 'b.pipeline.yaml', '--json'], { cwd: dir });
      const doc = JSON.parse(r.stdout) as { steps: Record<string, { status: string; error?: string; result: { title: string } }> };
      assert.equal(doc.steps.page.status, 'completed', doc.steps.page.error);
      assert.equal(doc.steps.page.result.title, 'Slow');
      assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/);
    });
  });
});
