// Hardening, round two (issue 24): MCP servers that answer too much, or die leaving a child behind.
// A tool answering 10 MB of text hung the step forever; a server that started a child and then
// crashed hung it too (the child held the server's output open). The read is bounded and the
// server's exit is noticed. The server here is a plain stdio JSON-RPC script speaking MCP's wire
// protocol (initialize, tools/list, tools/call).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orcAsync } from '../../helpers/cli';
import { alive } from '../../helpers/processes';

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
        const child = spawn('sleep', ['60'], { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
        require('node:fs').writeFileSync('child.pid', String(child.pid));
        process.exit(3);
      }
      send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'x'.repeat(10 * 1024 * 1024) }] } });
    } else if (m.id !== undefined) send({ jsonrpc: '2.0', id: m.id, result: {} });
  }
});
`;

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
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = async (mode: string) => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), `id: p\nmcp_servers:\n  fx:\n    command: ${JSON.stringify(process.execPath)}\n    args: [server.js, ${mode}]\n    cwd: .\nsteps:\n  - id: call\n    tool: mcp:fx.big\n    parameters: {}\n`);
    const t = Date.now();
    const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env: { HOME: dir, ORC_MCP_CONFIG: '' } });
    return { ms: Date.now() - t, r, doc: JSON.parse(r.stdout) as { steps: Record<string, { status: string; error?: string; result: unknown }> } };
  };

  it('a tool answering 10 MB fails the step with a clear error instead of hanging', async () => {
    const { ms, doc } = await run('big');
    assert.ok(ms < 30_000, `took ${ms} ms`);
    assert.equal(doc.steps.call.status, 'failed');
    assert.equal(doc.steps.call.error, "MCP server 'fx' stopped while calling 'big': the server sent a message of more than 8388608 bytes; it was stopped");
  });

  it('a server that crashes leaving a child: the step fails at once, naming the exit', async () => {
    const { ms, doc } = await run('crash');
    assert.ok(ms < 30_000, `took ${ms} ms`);
    assert.equal(doc.steps.call.status, 'failed');
    assert.equal(doc.steps.call.error, "MCP server 'fx' stopped while calling 'big': the server process exited with code 3 (nothing on stderr)");
    // the child it left in its own group was killed with it
    assert.equal(alive(Number(fs.readFileSync(path.join(dir, 'child.pid'), 'utf8'))), false);
  });
});
