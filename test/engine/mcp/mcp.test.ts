// MCP tools as a user meets them through `orc`: servers declared in a pipeline (or the user's
// settings), their tools listed and cached for `orc validate`, called by `orc run` over stdio and
// streamable HTTP, with timeouts, crashes and reported errors; and ContextLab's `mcp-server` and
// `mcp-memory` tools. The server is test/fixtures/mcp/server.ts, built with the official SDK.
import { WORKSPACE_TRUSTED_NOTIFICATION } from '../../../server/protocol';
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { orc, orcAsync, ROOT } from '../../helpers/cli';
import { parametersOf, toolSpecs } from '../../../engine/mcp/catalog';
import { McpMemory } from '../../../engine/tools/mcpMemory';
import { parseMcpTool } from '../../../engine/mcp/names';
import { effectiveServers, loadUserServers } from '../../../engine/mcp/config';
import { analyze } from '../../../engine/analyze/index';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient } from '../../helpers/lspClient';
import { alive as aliveNotZombie } from '../../helpers/processes';

interface Finding {
  code: string;
  severity: string;
  message: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  step: string | null;
}

const STEP_KEYS = ['status', 'success', 'result', 'error', 'error_type'] as const;
const pick = (r: Record<string, unknown>) => Object.fromEntries(STEP_KEYS.map((k) => [k, r[k]]));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('MCP tools', function () {
  this.timeout(60_000);
  let dir: string;
  let server: string;
  let log: string;
  let env: NodeJS.ProcessEnv;
  const starts = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []);
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  const servers = (decl = `command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(server)}]`) => `mcp_servers:\n  fx:\n    ${decl}\n`;
  const runJson = (file: string, extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = orc(['run', file, '--json'], { cwd: dir, env: { ...env, ...extraEnv } });
    assert.ok(r.stdout.trim().startsWith('{'), `no result document (exit ${r.code}): ${r.stderr}`);
    return { code: r.code, doc: JSON.parse(r.stdout) as { status: string; outputs: Record<string, unknown>; steps: Record<string, Record<string, unknown>>; duration_ms: number }, stderr: r.stderr };
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-mcp-'));
    server = path.join(dir, 'fixture-server.js');
    log = path.join(dir, 'starts.log');
    await build({ entryPoints: [path.join(ROOT, 'test/fixtures/mcp/server.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node22', outfile: server, logLevel: 'warning' });
    // no user settings of the machine's: HOME is the test's folder
    env = { HOME: dir, ORC_MCP_CONFIG: '', MCP_FIXTURE_LOG: log };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    fs.rmSync(log, { force: true });
    fs.rmSync(path.join(dir, '.orchestrator'), { recursive: true, force: true });
  });

  it('orc validate lists the tools and checks parameters, tools and servers, with exact findings', () => {
    write(
      'check.pipeline.yaml',
      `id: check\n${servers()}steps:\n  - id: sum\n    tool: mcp:fx.add\n    parameters: { a: 2, c: 3 }\n  - id: typo\n    tool: mcp:fx.ad\n  - id: elsewhere\n    tool: mcp:fz.add\n    parameters: { a: 1, b: 2 }\n`,
    );
    const r = orc(['validate', 'check.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message, range: f.range, step: f.step }));
    const at = (line: number, from: number, to: number) => ({ start: { line, character: from }, end: { line, character: to } });
    assert.deepEqual(findings, [
      { code: 'param.missing', severity: 'error', message: "'mcp:fx.add' needs the parameter 'b'.", range: at(8, 4, 14), step: 'sum' },
      { code: 'param.unknown', severity: 'warning', message: "'mcp:fx.add' has no parameter 'c': it is ignored. Did you mean 'a' or 'b'? It takes 'a', 'b'.", range: at(8, 24, 25), step: 'sum' },
      { code: 'mcp.unknown-tool', severity: 'error', message: "MCP server 'fx' has no tool 'ad'. Did you mean 'mcp:fx.add'? It has 'add', 'echo', 'fail', 'hang', 'crash'.", range: at(10, 10, 19), step: 'typo' },
      { code: 'mcp.unknown-server', severity: 'error', message: "No MCP server 'fz': the declared servers are 'fx'. Did you mean 'mcp:fx.add'?", range: at(12, 10, 20), step: 'elsewhere' },
    ]);
    assert.equal(starts().length, 1, 'the server was started once to list its tools');
  });

  it('a second validate takes the listing from the cache: the server is not started again', () => {
    write('cached.pipeline.yaml', `id: cached\n${servers()}steps:\n  - id: sum\n    tool: mcp:fx.add\n    parameters: { a: 2, b: 3 }\n`);
    assert.equal(orc(['validate', 'cached.pipeline.yaml'], { cwd: dir, env }).code, 0);
    assert.equal(starts().length, 1);
    const cached = fs.readdirSync(path.join(dir, '.orchestrator', 'mcp'));
    assert.equal(cached.length, 1);
    const r = orc(['validate', 'cached.pipeline.yaml'], { cwd: dir, env });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'cached.pipeline.yaml: valid\n');
    assert.equal(starts().length, 1, 'the second validate started no server');
  });

  it('orc run calls add and echo: the result document holds content, text and structured', () => {
    write(
      'calls.pipeline.yaml',
      `id: calls\n${servers()}steps:\n  - id: sum\n    tool: mcp:fx.add\n    parameters: { a: 2, b: 3 }\n  - id: say\n    tool: mcp:fx.echo\n    action: call\n    dependencies: [sum]\n    parameters:\n      text: "sum is {{ sum.result.text }}"\n      times: 2\noutputs:\n  total: "{{ sum.result.structured.sum }}"\n  said: "{{ say.result.text }}"\n  direct: "{{ say.text }}"\n`,
    );
    const { code, doc } = runJson('calls.pipeline.yaml');
    assert.equal(code, 0);
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.outputs, { total: 5, said: 'sum is 5\nsum is 5', direct: 'sum is 5\nsum is 5' });
    assert.deepEqual(pick(doc.steps.sum), { status: 'completed', success: true, result: { content: [{ type: 'text', text: '5' }], text: '5', structured: { sum: 5 } }, error: null, error_type: null });
    assert.deepEqual(pick(doc.steps.say), {
      status: 'completed',
      success: true,
      result: { content: [{ type: 'text', text: 'sum is 5' }, { type: 'text', text: 'sum is 5' }], text: 'sum is 5\nsum is 5', structured: null },
      error: null,
      error_type: null,
    });
    // listed for the check (once), then started once for the run and shared by both steps
    assert.equal(starts().length, 2);
    for (const line of starts()) assert.equal(alive(Number(line.split(' ')[1])), false, `server ${line} outlived the run`);
  });

  it('a tool result with isError is a reported failure with its text', () => {
    write('fail.pipeline.yaml', `id: failing\n${servers()}steps:\n  - id: boom\n    tool: mcp:fx.fail\n`);
    const { code, doc } = runJson('fail.pipeline.yaml');
    assert.equal(code, 1);
    assert.deepEqual(pick(doc.steps.boom), {
      status: 'completed',
      success: false,
      result: { content: [{ type: 'text', text: 'the fixture failed on purpose' }], text: 'the fixture failed on purpose', structured: null },
      error: 'the fixture failed on purpose',
      error_type: null,
    });
  });

  it('a hung tool fails with TimeoutError at the step timeout, and the server is killed when the run ends', () => {
    write('hang.pipeline.yaml', `id: hanging\n${servers()}steps:\n  - id: wait\n    tool: mcp:fx.hang\n    timeout: 1\n`);
    // the tool never answers: a run that ended at all was ended by the step's timeout, and not before it
    const { code, doc } = runJson('hang.pipeline.yaml');
    assert.equal(code, 1);
    assert.deepEqual(pick(doc.steps.wait), { status: 'failed', success: false, result: null, error: "Step 'wait' timed out after 1 s (attempt 1 of 1)", error_type: 'TimeoutError' });
    assert.ok((doc.steps.wait.duration_ms as number) >= 950, `step took ${doc.steps.wait.duration_ms} ms`);
    assert.equal(starts().length, 2, 'listed once, started once for the run');
    const runStart = starts()[1];
    assert.equal(alive(Number(runStart.split(' ')[1])), false, 'the hung server was killed');
  });

  it('cancelling the run (Ctrl-C) cancels the call and stops the server', async () => {
    write('cancel.pipeline.yaml', `id: cancelling\n${servers()}steps:\n  - id: wait\n    tool: mcp:fx.hang\n`);
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', 'cancel.pipeline.yaml', '--json'], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // listed once for the check, then started for the run
    while (starts().length < 2) await new Promise((r) => setTimeout(r, 50));
    assert.equal(starts().length, 2);
    await new Promise((r) => setTimeout(r, 300));
    // the tool never answers: the run ends only because Ctrl-C cut the call short
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130);
    const doc = JSON.parse(stdout) as { status: string; steps: Record<string, Record<string, unknown>> };
    assert.equal(doc.status, 'cancelled');
    assert.deepEqual([doc.steps.wait.status, doc.steps.wait.error_type], ['cancelled', 'CancelledError']);
    assert.equal(alive(Number(starts()[1].split(' ')[1])), false, 'the server was stopped');
  });

  it('a server that crashes fails the step with its exit and the tail of its stderr', () => {
    write('crash.pipeline.yaml', `id: crashing\n${servers()}steps:\n  - id: down\n    tool: mcp:fx.crash\n`);
    const { code, doc } = runJson('crash.pipeline.yaml');
    assert.equal(code, 1);
    assert.deepEqual(pick(doc.steps.down), {
      status: 'failed',
      success: false,
      result: null,
      error: "MCP server 'fx' stopped while calling 'crash': the server process exited with code 3; its stderr ends with: fixture: crashing on purpose",
      error_type: 'ConnectionError',
    });
  });

  describe('over streamable HTTP', () => {
    let http: ChildProcess;
    let url: string;
    before(async () => {
      http = spawn(process.execPath, [server, '--http'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, MCP_FIXTURE_LOG: '' } });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        http.stdout!.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          const m = /listening (\d+)/.exec(out);
          if (m) resolve(`http://127.0.0.1:${m[1]}/mcp`);
        });
        http.on('exit', () => reject(new Error('the HTTP fixture exited')));
      });
    });
    after(() => {
      if (http.pid) process.kill(http.pid, 'SIGKILL');
    });

    it('validates and calls add; a `${VAR}` in headers is taken from the environment and written nowhere', async () => {
      write('http.pipeline.yaml', `id: over-http\nmcp_servers:\n  web:\n    url: ${url}\n    headers: { Authorization: "Bearer \${FIXTURE_TOKEN}" }\nsteps:\n  - id: sum\n    tool: mcp:web.add\n    parameters: { a: 20, b: 22 }\n`);
      const token = 'tok-3f9a7c1e5d';
      const v = await orcAsync(['validate', 'http.pipeline.yaml'], { cwd: dir, env: { ...env, FIXTURE_TOKEN: token } });
      assert.equal(v.code, 0, v.stdout + v.stderr);
      const r = await orcAsync(['run', 'http.pipeline.yaml', '--json'], { cwd: dir, env: { ...env, FIXTURE_TOKEN: token } });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { steps: Record<string, Record<string, unknown>> };
      assert.deepEqual(pick(doc.steps.sum), { status: 'completed', success: true, result: { content: [{ type: 'text', text: '42' }], text: '42', structured: { sum: 42 } }, error: null, error_type: null });
      const cacheDir = path.join(dir, '.orchestrator', 'mcp');
      for (const f of fs.readdirSync(cacheDir)) assert.ok(!fs.readFileSync(path.join(cacheDir, f), 'utf8').includes(token));
      assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token));
    });
  });

  it('a server whose tools cannot be listed gives a warning, not a false error, and the step is not checked', () => {
    write('broken.pipeline.yaml', `id: broken\n${servers('command: orc-no-such-mcp-server')}steps:\n  - id: sum\n    tool: mcp:fx.add\n    parameters: { anything: 1 }\n`);
    const r = orc(['validate', 'broken.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stdout);
    const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity, f.message, f.range.start.line, f.range.start.character]),
      [['mcp.unchecked', 'warning', "The tools of MCP server 'fx' are not known (MCP server 'fx' (orc-no-such-mcp-server) could not start: no program 'orc-no-such-mcp-server' (not found on PATH or in " + fs.realpathSync(dir) + ")): the parameters of this step are not checked.", 6, 10]],
    );
  });

  it("servers in the user's settings (ORC_MCP_CONFIG) are callable; the pipeline's declaration wins over them", () => {
    const settings = path.join(dir, 'mcp.json');
    fs.writeFileSync(settings, JSON.stringify({ servers: { fx: { command: process.execPath, args: [server] }, other: { command: 'orc-no-such-mcp-server' } } }));
    write('user.pipeline.yaml', 'id: from-settings\nsteps:\n  - id: sum\n    tool: mcp:fx.add\n    parameters: { a: 1, b: 1 }\n');
    const v = orc(['validate', 'user.pipeline.yaml'], { cwd: dir, env: { ...env, ORC_MCP_CONFIG: settings } });
    assert.equal(v.stdout, 'user.pipeline.yaml: valid\n');
    const { code, doc } = runJson('user.pipeline.yaml', { ORC_MCP_CONFIG: settings });
    assert.equal(code, 0);
    assert.equal((doc.steps.sum.result as { text: string }).text, '2');
    // without the settings the same pipeline names an undeclared server
    const bare = orc(['validate', 'user.pipeline.yaml'], { cwd: dir, env });
    assert.equal(bare.code, 2);
    assert.match(bare.stdout, /error mcp.unknown-server No MCP server 'fx': the pipeline declares no 'mcp_servers' \(nor do your settings\)\./);
    const user = loadUserServers({ ORC_MCP_CONFIG: settings });
    const merged = effectiveServers(analyze(`id: x\n${servers('url: http://127.0.0.1:9/mcp')}steps: []\n`).pipeline, user.servers);
    assert.deepEqual(merged.fx, { url: 'http://127.0.0.1:9/mcp' });
    assert.deepEqual(Object.keys(merged).sort(), ['fx', 'other']);
  });

  it('mcp-memory stores, retrieves, lists and expires values for the run', () => {
    write(
      'memory.pipeline.yaml',
      [
        'id: memory',
        'steps:',
        '  - id: keep',
        '    tool: mcp-memory',
        '    action: execute',
        '    parameters: { action: store, namespace: conversation, key: user_profile, value: { name: Ada }, ttl: 7200 }',
        '  - id: brief',
        '    tool: mcp-memory',
        '    action: execute',
        '    dependencies: [keep]',
        '    parameters: { action: store, namespace: conversation, key: short, value: soon gone, ttl: 0.05 }',
        '  - id: pause',
        '    tool: terminal',
        '    action: execute',
        '    dependencies: [brief]',
        '    parameters: { command: sleep 0.2 }',
        '  - id: back',
        '    tool: mcp-memory',
        '    action: execute',
        '    dependencies: [pause]',
        '    parameters: { action: retrieve, namespace: conversation, key: user_profile }',
        '  - id: gone',
        '    tool: mcp-memory',
        '    action: execute',
        '    dependencies: [back]',
        '    parameters: { action: retrieve, namespace: conversation, key: short }',
        '  - id: keys',
        '    tool: mcp-memory',
        '    action: execute',
        '    dependencies: [gone]',
        '    parameters: { action: list, namespace: conversation }',
        'outputs:',
        "  context_keys: \"{{ keys.result['keys'] | tojson }}\"",
        "  found: \"{{ back.result['found'] }}\"",
        '',
      ].join('\n'),
    );
    const { code, doc } = runJson('memory.pipeline.yaml');
    assert.equal(code, 0);
    assert.deepEqual(doc.outputs, { context_keys: '["user_profile"]', found: true });
    assert.deepEqual(doc.steps.keep.result, { namespace: 'conversation', key: 'user_profile', stored: true, ttl: 7200 });
    const back = doc.steps.back.result as Record<string, unknown>;
    assert.deepEqual({ ...back, metadata: { ...(back.metadata as object), stored_at: 'x' } }, { namespace: 'conversation', key: 'user_profile', found: true, value: { name: 'Ada' }, expired: false, metadata: { stored_at: 'x', ttl: 7200, type: 'object' } });
    assert.deepEqual(doc.steps.gone.result, { namespace: 'conversation', key: 'short', found: false, value: null, expired: true, metadata: null });
    assert.deepEqual(doc.steps.keys.result, { namespace: 'conversation', keys: ['user_profile'], count: 1 });
  });

  it('mcp-server connects, lists tools, executes one and disconnects (ContextLab\'s form)', () => {
    const call = (id: string, deps: string[], params: string) => `  - id: ${id}\n    tool: mcp-server\n    action: execute\n${deps.length ? `    dependencies: [${deps.join(', ')}]\n` : ''}    parameters: ${params}\n`;
    write(
      'server.pipeline.yaml',
      'id: contextlab-mcp\nsteps:\n' +
        call('connect', [], `{ action: connect, server_name: fixture, server_config: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(server)}], env: {} } }`) +
        call('list_tools', ['connect'], '{ action: list_tools, server_name: fixture }') +
        call('search', ['list_tools'], '{ action: execute_tool, server_name: fixture, tool_name: echo, tool_params: { text: hello } }') +
        call('disconnect', ['search'], '{ action: disconnect, server_name: fixture }') +
        'outputs:\n  connected: "{{ connect.result.connected }}"\n  tools_count: "{{ list_tools.result.tools | length }}"\n  said: "{{ search.result.result.text }}"\n',
    );
    const { code, doc } = runJson('server.pipeline.yaml');
    assert.equal(code, 0);
    assert.deepEqual(doc.outputs, { connected: true, tools_count: 5, said: 'hello' });
    assert.deepEqual(doc.steps.connect.result, { server_name: 'fixture', connected: true, capabilities: { tools: { listChanged: true } } });
    const tools = (doc.steps.list_tools.result as { tools: { name: string; description: string; input_schema: { required?: string[] } }[] }).tools;
    assert.deepEqual(tools.map((t) => [t.name, t.description, t.input_schema.required ?? []]), [
      ['add', 'Adds two numbers.', ['a', 'b']],
      ['echo', 'Says the text back.', ['text']],
      ['fail', 'Always reports an error.', []],
      ['hang', 'Never answers.', []],
      ['crash', 'Exits the server.', []],
    ]);
    assert.deepEqual(doc.steps.search.result, { server_name: 'fixture', tool_name: 'echo', result: { content: [{ type: 'text', text: 'hello' }], text: 'hello', structured: null } });
    assert.deepEqual(doc.steps.disconnect.result, { server_name: 'fixture', message: "Disconnected from server 'fixture'" });
    assert.equal(starts().length, 1);
    assert.equal(alive(Number(starts()[0].split(' ')[1])), false);
  });

  it('mcp-server reports a connect that fails and refuses a call to a server not connected', () => {
    write(
      'refuse.pipeline.yaml',
      'id: refusals\nsteps:\n' +
        '  - id: connect\n    tool: mcp-server\n    action: execute\n    on_failure: continue\n    parameters: { action: connect, server_name: gone, server_config: { command: orc-no-such-mcp-server } }\n' +
        '  - id: call\n    tool: mcp-server\n    action: execute\n    on_failure: continue\n    parameters: { action: execute_tool, server_name: nowhere, tool_name: add }\n',
    );
    const { doc } = runJson('refuse.pipeline.yaml');
    assert.deepEqual(pick(doc.steps.connect), {
      status: 'completed',
      success: false,
      result: { server_name: 'gone', connected: false, capabilities: {} },
      error: `MCP server 'gone' (orc-no-such-mcp-server) could not start: no program 'orc-no-such-mcp-server' (not found on PATH or in ${fs.realpathSync(dir)})`,
      error_type: null,
    });
    assert.deepEqual(pick(doc.steps.call), { status: 'failed', success: false, result: null, error: "MCP server 'nowhere' is not connected: connect it first (action: connect), or declare it in 'mcp_servers'", error_type: 'ValueError' });
  });

  it('tool specs come from input schemas: types, required, descriptions, enums', () => {
    const params = parametersOf({ type: 'object', properties: { q: { type: 'string', description: 'Query.' }, n: { type: ['integer', 'null'], default: 3 }, mode: { enum: ['a', 'b'], title: 'Mode' } }, required: ['q'] });
    assert.deepEqual({ ...params }, { q: { type: 'string', description: 'Query.', required: true }, n: { type: 'integer', description: '', default: 3 }, mode: { type: 'any', description: 'Mode', enum: ['a', 'b'] } });
    const specs = toolSpecs('s', [{ name: 'find', description: 'Finds.', inputSchema: { type: 'object', properties: {} } }]);
    assert.deepEqual(Object.keys(specs), ['mcp:s.find']);
    assert.deepEqual(Object.keys(specs['mcp:s.find'].actions.call.result!), ['content', 'text', 'structured']);
    assert.deepEqual(parseMcpTool('mcp:s.a.b'), { server: 's', tool: 'a.b' });
    assert.deepEqual(parseMcpTool('mcp:s'), { server: 's', tool: null });
    assert.equal(parseMcpTool('terminal'), null);
  });

  it('an MCP step is not falsely flagged before its server is listed: an info says why it is unchecked', () => {
    const a = analyze(`id: x\n${servers()}steps:\n  - id: sum\n    tool: mcp:fx.add\n    parameters: { whatever: 1 }\n`, { mcp: { userServers: [], status: {} } });
    assert.deepEqual(
      a.findings.map((f) => [f.code, f.severity, f.message]),
      [['mcp.unchecked', 'info', "The tools of MCP server 'fx' are not known (not listed yet): the parameters of this step are not checked."]],
    );
  });

  it('the language server analyzes at once, lists the servers in the background, and publishes again with their tools checked', async () => {
    const file = path.join(dir, 'editor.pipeline.yaml');
    write('editor.pipeline.yaml', `id: editor\n${servers()}steps:\n  - id: sum\n    tool: mcp:fx.add\n    parameters:\n      a: 1\n      \n`);
    const uri = pathToFileURL(file).href;
    const saved = { HOME: process.env.HOME, MCP_FIXTURE_LOG: process.env.MCP_FIXTURE_LOG, ORC_MCP_CONFIG: process.env.ORC_MCP_CONFIG };
    Object.assign(process.env, env);
    const lsp = new LspClient('stdio');
    Object.assign(process.env, saved);
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    try {
      await lsp.initialize({ trusted: true });
      lsp.open(uri, fs.readFileSync(file, 'utf8'));
      const published = () => ((lsp as unknown as { diagnostics: Map<string, { version: number; diagnostics: Diagnostic[] }[]> }).diagnostics.get(uri) ?? []).filter((p) => p.version === 1);
      const first = await lsp.diagnosticsFor(uri, 1);
      assert.deepEqual(first.map((d) => [d.code, d.severity, d.message]), [['mcp.unchecked', 3, "The tools of MCP server 'fx' are not known (not listed yet): the parameters of this step are not checked."]]);
      // the listing takes what it takes on a busy machine: the test's own timeout is the only limit
      while (published().length < 2) await new Promise((r) => setTimeout(r, 50));
      const second = published()[1].diagnostics;
      assert.deepEqual(second.map((d) => [d.code, d.severity, d.message, d.range.start.line, d.range.start.character]), [['param.missing', 1, "'mcp:fx.add' needs the parameter 'b'.", 8, 4]]);
      const hover = await lsp.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 9, character: 6 } });
      assert.equal(hover.contents.value, '**`a`** (number, required) — The first number.');
      const items = await lsp.request<{ label: string; detail?: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line: 10, character: 6 } });
      assert.deepEqual(items.map((i) => [i.label, i.detail]), [['b', 'number, required']]);
    } finally {
      await lsp.stop();
    }
  });

  it('the language server starts no MCP server unless the client says the workspace is trusted', async () => {
    write('untrusted.pipeline.yaml', `id: untrusted\n${servers()}steps:\n  - id: sum\n    tool: mcp:fx.add\n    parameters: { a: 1 }\n`);
    const uri = pathToFileURL(path.join(dir, 'untrusted.pipeline.yaml')).href;
    const saved = process.env.MCP_FIXTURE_LOG;
    process.env.MCP_FIXTURE_LOG = log;
    const lsp = new LspClient('stdio');
    if (saved === undefined) delete process.env.MCP_FIXTURE_LOG;
    else process.env.MCP_FIXTURE_LOG = saved;
    try {
      await lsp.initialize({});
      lsp.open(uri, fs.readFileSync(path.join(dir, 'untrusted.pipeline.yaml'), 'utf8'));
      const d = await lsp.diagnosticsFor(uri, 1);
      assert.deepEqual(d.map((x) => [x.code, x.message]), [['mcp.unchecked', "The tools of MCP server 'fx' are not known (not listed: the editor starts MCP servers only in a trusted workspace; 'orc validate' lists them): the parameters of this step are not checked."]]);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(starts(), []);
      // the user trusts the workspace: the extension says so, and the step is checked against the listed tools
      await lsp.connection.sendNotification(WORKSPACE_TRUSTED_NOTIFICATION);
      const checked = await lsp.diagnosticsWhere(uri, (p) => p.diagnostics.some((x) => x.code === 'param.missing'), 'with the tools listed', 20_000);
      assert.deepEqual(checked.map((x) => x.code), ['param.missing']);
      assert.equal(starts().length, 1);
    } finally {
      await lsp.stop();
    }
  });

  it('mcp-memory refuses what it cannot do, with the reason', () => {
    const m = new McpMemory();
    assert.throws(() => m.run({ action: 'store' }), { name: 'ValueError', message: "mcp-memory store needs a 'key'" });
    assert.throws(() => m.run({ action: 'forget' }), { name: 'ValueError', message: "mcp-memory has no operation \"forget\": use 'store', 'retrieve', 'list' or 'clear'" });
    assert.deepEqual(m.run({ action: 'clear', namespace: 'n' }), { success: true, result: { namespace: 'n', cleared: true } });
  });
});

const SERVER = `
const { spawn } = require('node:child_process');
const mode = process.argv[2];
let buf = '';
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
process.stdin.on('data', (c) => {
  buf += c;
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    if (!line.trim()) continue;
    const m = JSON.parse(line);
    if (m.method === 'initialize') send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'h2', version: '1' } } });
    else if (m.method === 'tools/list') send({ jsonrpc: '2.0', id: m.id, result: { tools: [{ name: 'big', inputSchema: { type: 'object' } }] } });
    else if (m.method === 'tools/call') {
      if (mode === 'crash') {
        const child = spawn('sleep', ['600'], { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
        require('node:fs').writeFileSync('child.pid', String(child.pid));
        process.exit(3);
      }
      send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'x'.repeat(10 * 1024 * 1024) }] } });
    } else if (m.id !== undefined) send({ jsonrpc: '2.0', id: m.id, result: {} });
  }
});
`;

describe('hostile input', () => {
  // Hardening, round two (issue 24): MCP servers that answer too much, or die leaving a child behind.
  // A tool answering 10 MB of text hung the step forever; a server that started a child and then
  // crashed hung it too (the child held the server's output open). The read is bounded and the
  // server's exit is noticed. The server here is a plain stdio JSON-RPC script speaking MCP's wire
  // protocol (initialize, tools/list, tools/call).
  describe('hardening 2: MCP servers that answer too much or die', function () {
    this.timeout(90_000);
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-mcp-'));
      fs.writeFileSync(path.join(dir, 'server.js'), SERVER);
    });
    afterEach(() => {
      const f = path.join(dir, 'child.pid');
      if (fs.existsSync(f)) {
        const pid = Number(fs.readFileSync(f, 'utf8'));
        if (aliveNotZombie(pid)) process.kill(pid, 'SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });

    // orcAsync kills a run still going after 60 s (its output is then no result document), and the
    // hangs these tests guard against are endless: a run that hung could not pass
    const run = async (mode: string) => {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), `id: p\nmcp_servers:\n  fx:\n    command: ${JSON.stringify(process.execPath)}\n    args: [server.js, ${mode}]\n    cwd: .\nsteps:\n  - id: call\n    tool: mcp:fx.big\n    parameters: {}\n`);
      const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env: { HOME: dir, ORC_MCP_CONFIG: '' } });
      assert.ok(r.stdout.trim().startsWith('{'), `no result document (exit ${r.code}): ${r.stderr}`);
      return { r, doc: JSON.parse(r.stdout) as { steps: Record<string, { status: string; error?: string; result: unknown }> } };
    };

    it('a tool answering 10 MB fails the step with a clear error instead of hanging', async () => {
      const { doc } = await run('big');
      assert.equal(doc.steps.call.status, 'failed');
      assert.equal(doc.steps.call.error, "MCP server 'fx' stopped while calling 'big': the server sent a message of more than 8388608 bytes; it was stopped");
    });

    it('a server that crashes leaving a child: the step fails at once, naming the exit', async () => {
      // the child sleeps far beyond this test's timeout, holding the server's output open: a run that
      // waited for that output to close could not end here
      const { doc } = await run('crash');
      assert.equal(doc.steps.call.status, 'failed');
      assert.equal(doc.steps.call.error, "MCP server 'fx' stopped while calling 'big': the server process exited with code 3 (nothing on stderr)");
      // the child it left in its own group was killed with it
      assert.equal(aliveNotZombie(Number(fs.readFileSync(path.join(dir, 'child.pid'), 'utf8'))), false);
    });
  });
});
