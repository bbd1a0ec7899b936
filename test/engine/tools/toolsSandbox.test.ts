// ContextLab's python-executor, headless-browser and pdf-compiler tools, run as a user runs them:
// `orc run FILE --json` with the built CLI, real python3, the system's Chromium, servers on
// 127.0.0.1 started here. Timeouts that must kill grandchildren, paths outside the workspace, the
// network namespace, a missing browser, and the analyzer's view of the new specs.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findBrowser } from '../../../engine/tools/browser';
import { blocks, markdownDocument } from '../../../engine/tools/pdfCompiler';
import { orc, orcAsync } from '../../helpers/cli';
import { ensureBrowser } from '../../helpers/browser';
import { alive } from '../../helpers/processes';

interface StepRecord {
  status: string;
  success: boolean;
  result: Record<string, unknown> | null;
  error: string | null;
  error_type: string | null;
}
interface RunRecord {
  status: string;
  steps: Record<string, StepRecord>;
}

let ws: string;

async function runPipeline(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<{ run: RunRecord; stderr: string }> {
  fs.writeFileSync(path.join(ws, 'p.pipeline.yaml'), yaml);
  const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: ws, env });
  let run: RunRecord;
  try {
    run = JSON.parse(r.stdout) as RunRecord;
  } catch {
    throw new Error(`orc run printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { run, stderr: r.stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `unshare` can give a process a network namespace of its own here (as the tool checks). */
function isolationWorks(): boolean {
  return [['--net', 'true'], ['--map-root-user', '--net', 'true']].some((a) => spawnSync('unshare', a, { stdio: 'ignore' }).status === 0);
}

/** A YAML block scalar of code, indented for `code: |`. */
const block = (code: string, indent = 8) =>
  code
    .trim()
    .split('\n')
    .map((l) => ' '.repeat(indent) + l)
    .join('\n');

describe('sandbox tools: python-executor, headless-browser, pdf-compiler', function () {
  this.timeout(60_000);
  beforeEach(() => {
    ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-sandbox-')));
  });
  afterEach(() => {
    fs.rmSync(ws, { recursive: true, force: true });
  });

  describe('python-executor', () => {
    it('runs the code in a fresh folder under .orchestrator/python/: exact output and result fields; the files it writes land there; provider keys are withheld', async () => {
      const { run } = await runPipeline(`
id: py
steps:
  - id: s
    tool: python-executor
    action: execute
    parameters:
      code: |
${block(`
import os, sys
print("hello", 6 * 7)
print("warning", file=sys.stderr)
with open("data.txt", "w") as f:
    f.write("written by python")
print(os.environ.get("OPENAI_API_KEY"), os.environ.get("MY_VAR"))
`)}
      env:
        MY_VAR: given
outputs:
  out: "{{ s.stdout }}"
  code: "{{ s.return_code }}"
`, { OPENAI_API_KEY: 'sk-sandbox-test-secret' });
      const s = run.steps.s;
      assert.equal(s.status, 'completed');
      assert.equal(s.success, true);
      const r = s.result!;
      assert.equal(typeof r.execution_time, 'number');
      assert.match(String(r.working_dir), /^\.orchestrator\/python\/run-[A-Za-z0-9]{6}$/);
      assert.deepEqual(
        { ...r, execution_time: 0, working_dir: '' },
        { stdout: 'hello 42\nNone given\n', stderr: 'warning\n', return_code: 0, exit_code: 0, success: true, execution_time: 0, working_dir: '', network_isolated: isolationWorks(), truncated: false },
      );
      const folder = path.join(ws, String(r.working_dir));
      assert.deepEqual(fs.readdirSync(folder), ['data.txt'], 'only the file the code wrote: the code itself lives elsewhere');
      assert.equal(fs.readFileSync(path.join(folder, 'data.txt'), 'utf8'), 'written by python');
      assert.deepEqual((run as unknown as { outputs: unknown }).outputs, { out: 'hello 42\nNone given\n', code: 0 });
    });

    it('a working_dir inside the workspace is created and used; one outside it, or in the run\'s state, is refused', async () => {
      const { run } = await runPipeline(`
id: wd
steps:
  - id: inside
    tool: python-executor
    action: execute
    parameters:
      working_dir: work/sub
      code: |
        open("f.txt", "w").write("here")
        import os; print(os.getcwd())
  - id: outside
    tool: python-executor
    action: execute
    parameters:
      working_dir: ../elsewhere
      code: print("never")
  - id: state
    tool: python-executor
    action: execute
    parameters:
      working_dir: .orchestrator/runs
      code: print("never")
`);
      assert.equal(run.steps.inside.success, true);
      assert.equal(run.steps.inside.result!.stdout, `${path.join(ws, 'work/sub')}\n`);
      assert.equal(run.steps.inside.result!.working_dir, 'work/sub');
      assert.equal(fs.readFileSync(path.join(ws, 'work/sub/f.txt'), 'utf8'), 'here');
      assert.equal(run.steps.outside.status, 'failed');
      assert.equal(run.steps.outside.error_type, 'PermissionError');
      assert.equal(run.steps.outside.error, 'Path escapes the workspace: ../elsewhere');
      assert.equal(fs.existsSync(path.join(path.dirname(ws), 'elsewhere')), false);
      assert.equal(run.steps.state.error_type, 'PermissionError');
      assert.match(run.steps.state.error!, /^Path is inside the run's own state \(\.orchestrator\/\)/);
    });

    it('a non-zero exit is a reported failure with the end of stderr in the error; output beyond the cap is cut with a note', async () => {
      const { run } = await runPipeline(`
id: fail
steps:
  - id: bad
    tool: python-executor
    action: execute
    parameters:
      code: |
        print("partial")
        raise ValueError("the data is wrong")
  - id: big
    tool: python-executor
    action: execute
    parameters:
      code: |
        print("x" * (1024 * 1024 + 10))
`);
      const bad = run.steps.bad;
      assert.equal(bad.status, 'completed');
      assert.equal(bad.success, false);
      assert.equal(bad.result!.return_code, 1);
      assert.equal(bad.result!.success, false);
      assert.equal(bad.result!.stdout, 'partial\n');
      assert.match(bad.error!, /^Python exited with code 1: Traceback \(most recent call last\):\n[\s\S]*\nValueError: the data is wrong$/);
      const big = run.steps.big.result!;
      assert.equal(big.truncated, true);
      assert.equal(big.stdout, `${'x'.repeat(1024 * 1024)}\n[output truncated: 11 more characters]`);
    });

    it('a timeout (the parameter, or the step\'s) kills the code and the processes it started: the grandchild is gone when the run ends', async () => {
      // the code and its grandchild sleep far beyond the test's timeout: a run that waited for them
      // could not pass, and only a kill ends the grandchild. 6 s: on a loaded machine python had not
      // started (nor written grandchild.pid) within 1 s, and once within 3 (a fresh clone's unit
      // stage at load 10)
      const code = block(`
import subprocess, time
child = subprocess.Popen(["sh", "-c", "sleep 600"])
with open("grandchild.pid", "w") as f:
    f.write(str(child.pid))
print("started", flush=True)
time.sleep(600)
`);
      const { run } = await runPipeline(`
id: slow
steps:
  - id: param
    tool: python-executor
    action: execute
    parameters:
      timeout: 6
      working_dir: param
      code: |
${code}
  - id: step
    tool: python-executor
    action: execute
    timeout: 6
    parameters:
      working_dir: step
      code: |
${code}
`);
      assert.equal(run.steps.param.status, 'failed');
      assert.equal(run.steps.param.error_type, 'TimeoutError');
      assert.equal(run.steps.param.error, 'Python code timed out after 6 s (it and every process it started were killed)');
      assert.equal(run.steps.step.status, 'failed');
      assert.equal(run.steps.step.error_type, 'TimeoutError');
      assert.match(run.steps.step.error!, /^Step 'step' timed out after 6 s/);
      // looked at as soon as orc has ended, not later: once orc is gone the watchdog of the command's
      // group would kill what was left within a second, which is not the step's timeout doing it
      for (const folder of ['param', 'step']) {
        const pid = Number(fs.readFileSync(path.join(ws, folder, 'grandchild.pid'), 'utf8'));
        assert.ok(pid > 0);
        assert.equal(alive(pid), false, `the grandchild ${pid} of step '${folder}' still runs`);
      }
    });

    it('has no network by default (where a network namespace is allowed); allow_network: true lifts it', async () => {
      let hits = 0;
      const server = http.createServer((_req, res) => {
        hits++;
        res.end('pong');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as AddressInfo).port;
      try {
        const code = block(`
import errno, socket
try:
    s = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
    s.sendall(b"GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    print(data.decode().split("\\r\\n\\r\\n", 1)[1])
except OSError as e:
    print("refused:", errno.errorcode.get(e.errno, e.errno))
`);
        const { run } = await runPipeline(`
id: net
steps:
  - id: closed
    tool: python-executor
    action: execute
    parameters:
      code: |
${code}
  - id: open
    tool: python-executor
    action: execute
    dependencies: [closed]
    parameters:
      allow_network: true
      code: |
${code}
`);
        assert.equal(run.steps.open.result!.stdout, 'pong\n');
        assert.equal(run.steps.open.result!.network_isolated, false);
        if (isolationWorks()) {
          assert.equal(run.steps.closed.result!.network_isolated, true);
          assert.match(String(run.steps.closed.result!.stdout), /^refused: E[A-Z]+\n$/);
          assert.equal(hits, 1, 'only the step with allow_network reached the server');
        } else {
          assert.equal(run.steps.closed.result!.network_isolated, false);
          assert.equal(hits, 2);
        }
      } finally {
        server.close();
      }
    });
  });

  describe('headless-browser and pdf-compiler (the system\'s Chromium)', () => {
    let server: http.Server;
    let base: string;
    const PAGE = `<!doctype html><html><head><title>Sandbox Page</title><meta name="description" content="A page for the browser tool"></head>
<body><h1>Welcome</h1>
<p>First   paragraph with <a href="/about" title="About us">About</a>.</p>
<ul><li>one</li><li>two</li></ul>
<div style="display:none">hidden text</div>
<a href="https://example.com/x">Example</a>
<img src="/logo.png" alt="Logo">
<script>document.body.insertAdjacentHTML('beforeend', '<p>Added by script</p>')</script>
</body></html>`;

    before(function () {
      this.timeout(600_000);
      ensureBrowser();
    });
    beforeEach(async () => {
      server = http.createServer((req, res) => {
        if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
        else if (req.url === '/about') res.writeHead(200, { 'content-type': 'text/html', 'content-length': 37, 'last-modified': 'Wed, 21 Oct 2026 07:28:00 GMT' }).end('<title>About</title><p>About page</p>');
        else res.writeHead(404, { 'content-type': 'text/html' }).end('<title>Not found</title><p>nothing here</p>');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => {
      server.closeAllConnections();
      server.close();
    });

    it('scrape gives the rendered page\'s exact text, title and links; verify tells reachability; screenshot writes a PNG inside the workspace', async () => {
      const { run } = await runPipeline(`
id: web
steps:
  - id: page
    tool: headless-browser
    action: scrape
    parameters:
      url: ${base}/
  - id: missing
    tool: headless-browser
    action: scrape
    parameters:
      url: ${base}/nope
  - id: ok
    tool: headless-browser
    action: verify
    parameters:
      url: ${base}/about
  - id: gone
    tool: headless-browser
    action: verify
    parameters:
      url: ${base}/gone
  - id: shot
    tool: headless-browser
    action: screenshot
    parameters:
      url: ${base}/
      path: shots/page.png
      width: 800
      height: 600
outputs:
  title: "{{ page.title }}"
`);
      assert.deepEqual(run.steps.page.result, {
        url: `${base}/`,
        status_code: 200,
        content_type: 'text/html; charset=utf-8',
        title: 'Sandbox Page',
        description: 'A page for the browser tool',
        text: 'Welcome\nFirst paragraph with About.\none\ntwo\nExample\nAdded by script',
        content: 'Welcome\nFirst paragraph with About.\none\ntwo\nExample\nAdded by script',
        links: [
          { url: `${base}/about`, text: 'About', title: 'About us' },
          { url: 'https://example.com/x', text: 'Example', title: '' },
        ],
        images: [{ url: `${base}/logo.png`, alt: 'Logo', title: '' }],
        word_count: 11,
        truncated: false,
      });
      assert.equal(run.steps.page.success, true);
      assert.deepEqual((run as unknown as { outputs: unknown }).outputs, { title: 'Sandbox Page' });

      assert.equal(run.steps.missing.status, 'completed');
      assert.equal(run.steps.missing.success, false);
      assert.equal(run.steps.missing.error, `The page answered HTTP 404: ${base}/nope`);
      assert.equal(run.steps.missing.result!.title, 'Not found');

      assert.deepEqual(run.steps.ok.result, { url: `${base}/about`, accessible: true, status_code: 200, content_type: 'text/html', content_length: 37, last_modified: 'Wed, 21 Oct 2026 07:28:00 GMT', title: 'About', error: null });
      assert.deepEqual(run.steps.gone.result, { url: `${base}/gone`, accessible: false, status_code: 404, content_type: 'text/html', content_length: null, last_modified: '', title: 'Not found', error: 'HTTP 404' });

      const png = fs.readFileSync(path.join(ws, 'shots/page.png'));
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.deepEqual(run.steps.shot.result, { url: `${base}/`, path: 'shots/page.png', title: 'Sandbox Page', width: 800, height: 600, file_size: png.length });
    });

    it('a workspace file is served to the browser (links shown as file:// URLs); files and screenshots outside the workspace are refused', async () => {
      fs.writeFileSync(path.join(ws, 'local.html'), '<title>Local</title><p>From the workspace <a href="other.html">other</a></p>');
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-sandbox-out-'));
      fs.writeFileSync(path.join(outside, 'secret.html'), '<title>Secret</title>');
      try {
        const { run } = await runPipeline(`
id: local
steps:
  - id: local
    tool: headless-browser
    action: scrape
    parameters:
      url: local.html
  - id: secret
    tool: headless-browser
    action: scrape
    parameters:
      url: file://${outside}/secret.html
  - id: shot
    tool: headless-browser
    action: screenshot
    parameters:
      url: ${base}/
      path: ../escaped.png
  - id: scheme
    tool: headless-browser
    action: scrape
    parameters:
      url: ftp://example.com/
`);
        assert.equal(run.steps.local.success, true);
        assert.equal(run.steps.local.result!.text, 'From the workspace other');
        assert.equal(run.steps.local.result!.title, 'Local');
        assert.deepEqual(run.steps.local.result!.links, [{ url: `file://${ws}/other.html`, text: 'other', title: '' }]);
        assert.equal(run.steps.secret.error_type, 'PermissionError');
        assert.equal(run.steps.secret.error, `Path escapes the workspace: ${outside}/secret.html`);
        assert.equal(run.steps.shot.error_type, 'PermissionError');
        assert.equal(run.steps.shot.error, 'Path escapes the workspace: ../escaped.png');
        assert.equal(fs.existsSync(path.join(path.dirname(ws), 'escaped.png')), false);
        assert.equal(run.steps.scheme.error_type, 'ValueError');
        assert.equal(run.steps.scheme.error, 'Only http://, https:// and file:// URLs (inside the workspace) are supported, got ftp://example.com/');
      } finally {
        fs.rmSync(outside, { recursive: true, force: true });
      }
    });

    it('a step that times out while its page loads closes the browser and removes its profile', async () => {
      const profiles = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('orc-browser-'));
      const before = new Set(profiles());
      const hung: http.ServerResponse[] = [];
      server.removeAllListeners('request');
      server.on('request', (_req, res: http.ServerResponse) => void hung.push(res));
      const { run } = await runPipeline(`
id: hang
steps:
  - id: hang
    tool: headless-browser
    action: scrape
    # long enough for playwright-core to load and chromium to start and ask for the page on a busy
    # machine (3 s was not, and the browser had not asked yet), far within the test's 60 s
    timeout: 15
    parameters:
      url: ${base}/hang
`);
      assert.equal(run.steps.hang.status, 'failed');
      assert.equal(run.steps.hang.error_type, 'TimeoutError');
      assert.match(run.steps.hang.error!, /^Step 'hang' timed out after 15 s/);
      assert.ok(hung.length >= 1, 'the browser asked for the page');
      await sleep(500);
      const browsers = fs.readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && (() => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${path.join(os.tmpdir(), 'orc-browser-')}`);
        } catch {
          return false;
        }
      })());
      assert.deepEqual(browsers, [], 'no browser of the step is left');
      assert.deepEqual(profiles().filter((n) => !before.has(n)), [], 'its profile is removed');
    });

    it('without a browser both tools refuse with a ConfigurationError that says how to install one', async () => {
      const { run } = await runPipeline(
        `
id: nobrowser
steps:
  - id: page
    tool: headless-browser
    action: scrape
    parameters:
      url: ${base}/
  - id: pdf
    tool: pdf-compiler
    action: compile
    parameters:
      markdown_content: "# Hi"
      output_path: out.pdf
`,
        { ORC_BROWSER: '/nonexistent/chromium', PATH: '' },
      );
      const want = 'ORC_BROWSER is set to /nonexistent/chromium, which is not an executable file. Install Chromium (Debian/Ubuntu: `apt-get install chromium`; Fedora: `dnf install chromium`; macOS: install Google Chrome) or set ORC_BROWSER to the path of a Chromium or Chrome executable.';
      for (const id of ['page', 'pdf']) {
        assert.equal(run.steps[id].status, 'failed');
        assert.equal(run.steps[id].error_type, 'ConfigurationError');
        assert.equal(run.steps[id].error, want);
      }
      assert.equal(fs.existsSync(path.join(ws, 'out.pdf')), false);
    });

    it('pdf-compiler writes a PDF holding the title, author and the text (HTML in it shown as text); outside the workspace is refused', async () => {
      // a 1x1 PNG in the workspace, embedded; a remote image is never fetched
      fs.writeFileSync(path.join(ws, 'dot.png'), Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
      const { run } = await runPipeline(`
id: pdf
steps:
  - id: pdf
    tool: pdf-compiler
    action: compile
    parameters:
      title: Quarterly Sandbox Report
      author: The Test Suite
      output_path: reports/q.pdf
      markdown_content: |
        # Findings

        Revenue grew **12%** in the <script>alert(1)</script> quarter.

        - first point
        - second point

        | Region | Sales |
        |--------|------:|
        | North  | 42    |

        ![a dot](dot.png) ![remote chart](${base}/chart.png)
  - id: escape
    tool: pdf-compiler
    action: compile
    parameters:
      markdown_content: "# Hi"
      output_path: ../escaped.pdf
outputs:
  file: "{{ pdf.output_path }}"
`);
      const pdf = fs.readFileSync(path.join(ws, 'reports/q.pdf'));
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.deepEqual(run.steps.pdf.result, { output_path: 'reports/q.pdf', file_size: pdf.length, message: 'PDF generated successfully: reports/q.pdf' });
      assert.deepEqual((run as unknown as { outputs: unknown }).outputs, { file: 'reports/q.pdf' });
      const text = spawnSync('pdftotext', [path.join(ws, 'reports/q.pdf'), '-'], { encoding: 'utf8' });
      if (text.status === 0) {
        const words = text.stdout.replace(/\s+/g, ' ');
        for (const s of ['Quarterly Sandbox Report', 'The Test Suite', 'Findings', 'Revenue grew 12% in the <script>alert(1)</script> quarter.', 'first point', 'second point', 'Region', 'North', '[remote chart]']) assert.ok(words.includes(s), `the PDF's text holds ${s}: ${words}`);
      } else {
        assert.ok(pdf.includes('/Title (Quarterly Sandbox Report)'), 'the PDF is titled');
      }
      assert.equal(run.steps.escape.status, 'failed');
      assert.equal(run.steps.escape.error_type, 'PermissionError');
      assert.equal(run.steps.escape.error, 'Path escapes the workspace: ../escaped.pdf');
      assert.equal(fs.existsSync(path.join(path.dirname(ws), 'escaped.pdf')), false);
    });
  });

  describe('the Markdown converter', () => {
    it('escapes every piece of text, keeps only safe links and turns blocks into their HTML', () => {
      const md = [
        '## A <b>title</b>',
        '',
        'Text with *em*, **strong**, `a <code>`, [ok](https://x.org/?a=1&b=2) and [bad](javascript:alert(1)).',
        '',
        '1. one',
        '2. two',
        '',
        '> quoted',
        '',
        '```js',
        'if (a < b) {}',
        '```',
        '',
        '| a | b |',
        '|:--|:-:|',
        '| 1 | 2 |',
        '',
        '---',
        '',
        'a line  ',
        'broken',
      ];
      assert.equal(
        blocks(md),
        [
          '<h2>A &lt;b&gt;title&lt;/b&gt;</h2>',
          '<p>Text with <em>em</em>, <strong>strong</strong>, <code>a &lt;code&gt;</code>, <a href="https://x.org/?a=1&amp;b=2">ok</a> and bad.</p>',
          '<ol><li>one</li><li>two</li></ol>',
          '<blockquote><p>quoted</p></blockquote>',
          '<pre><code class="language-js">if (a &lt; b) {}</code></pre>',
          '<table><thead><tr><th style="text-align:left">a</th><th style="text-align:center">b</th></tr></thead><tbody><tr><td style="text-align:left">1</td><td style="text-align:center">2</td></tr></tbody></table>',
          '<hr>',
          '<p>a line<br>\nbroken</p>',
        ].join('\n'),
      );
      const doc = markdownDocument('# First\n\nbody', { title: 'T <x>', author: 'A & B' });
      assert.match(doc, /<title>T &lt;x&gt;<\/title>/);
      assert.match(doc, /<header class="title-block"><h1>T &lt;x&gt;<\/h1><p class="author">A &amp; B<\/p><\/header>/);
      assert.match(markdownDocument('# First *one*\n\nbody', {}), /<title>First one<\/title>/);
    });
  });

  describe('the analyzer knows the new tools', () => {
    it('orc validate flags an unknown parameter and a result field the tool does not return, and accepts the ones it does', () => {
      fs.writeFileSync(
        path.join(ws, 'v.pipeline.yaml'),
        `id: v
steps:
  - id: py
    tool: python-executor
    action: execute
    parameters:
      code: print(1)
      lang: python
  - id: use
    tool: python-executor
    action: execute
    dependencies: [py]
    parameters:
      code: "print('{{ py.stdout }} {{ py.result.return_code }} {{ py.nope }}')"
  - id: pdf
    tool: pdf-compiler
    action: compile
    dependencies: [use]
    parameters:
      markdown_content: "{{ use.result.stdout }}"
      output_path: out.pdf
outputs:
  size: "{{ pdf.file_size }}"
  shot: "{{ pdf.result.nope }}"
`,
      );
      const r = orc(['validate', 'v.pipeline.yaml', '--json'], { cwd: ws });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const findings = (JSON.parse(r.stdout) as { findings: { code: string; message: string }[] }).findings.map((f) => [f.code, f.message]);
      assert.deepEqual(findings.map((f) => f[0]).sort(), ['param.unknown', 'template.unknown-result-field', 'template.unknown-step-field']);
      assert.ok(findings.some(([c, m]) => c === 'param.unknown' && m.startsWith("'python-executor.execute' has no parameter 'lang'")), JSON.stringify(findings));
      assert.ok(findings.some(([c, m]) => c === 'template.unknown-step-field' && m.startsWith("Step 'py' has no field 'nope'")), JSON.stringify(findings));
      assert.ok(findings.some(([c, m]) => c === 'template.unknown-result-field' && m.startsWith("The result of 'pdf-compiler.compile' has no field 'nope'")), JSON.stringify(findings));
    });
  });
});
