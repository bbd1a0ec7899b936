// `orc mcp` as an MCP client meets it: the built CLI started over stdio and driven by the official
// SDK's Client. The workspace is a copy of test/fixtures/mcpServe/ (typed parameters, a pipeline
// that does not compile, one that sleeps, a ContextLab-style file, an approval gate, a model step
// against a loopback OpenAI server, an id used twice).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLI, orc, ROOT, withoutProviderEnv } from '../../helpers/cli';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'mcpServe');
const SECRET = 'sk-mcp-serve-secret-0123456789abcdef';

/** A client of `orc mcp --root dir`, keeping every message it received and the server's stderr. */
async function connect(dir: string, env: NodeJS.ProcessEnv, capabilities: Record<string, unknown> = {}) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--root', dir], env: env as Record<string, string>, stderr: 'pipe', cwd: os.tmpdir() });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const client = new Client({ name: 'mcp-serve-test', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  const received: string[] = [];
  const onmessage = transport.onmessage!;
  transport.onmessage = (m) => {
    received.push(JSON.stringify(m));
    onmessage(m);
  };
  return { client, transport, received, stderr: () => stderr };
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;
const runIdOf = (r: CallToolResult) => /\(run (\S+?)\)/.exec(text(r))![1];

describe('orc mcp', function () {
  this.timeout(90_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const providers = new LoopbackProviders();
  let c: Awaited<ReturnType<typeof connect>>;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-mcp-serve-'));
    fs.cpSync(FIXTURE, dir, { recursive: true });
    // pipelines in dependencies and in the run records are never offered (written here: git keeps neither folder)
    const hidden = (id: string) => `id: ${id}\nsteps:\n  - id: x\n    tool: data\n    action: convert\n    parameters: {data: 1, format: json}\n`;
    fs.mkdirSync(path.join(dir, 'node_modules', 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'pkg', 'hidden.pipeline.yaml'), hidden('in_node_modules'));
    fs.mkdirSync(path.join(dir, '.orchestrator'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.orchestrator', 'hidden.pipeline.yaml'), hidden('in_orchestrator'));
    await providers.start();
    // a model that repeats the key it was sent: the key must still never reach the client
    providers.responder = () => ({ text: `the key is ${SECRET}` });
    env = { ...withoutProviderEnv(), NO_COLOR: '1', OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: `${providers.origin}/v1` };
    c = await connect(dir, env);
  });

  after(async () => {
    await c?.client.close();
    await providers.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists every pipeline that compiles, with its input schema, and says why one is left out', async () => {
    const { tools } = await c.client.listTools();
    const outputs = (...keys: string[]) => ({ type: 'object', properties: Object.fromEntries(keys.map((k) => [k, {}])) });
    assert.deepEqual(tools, [
      { name: 'ask', description: 'Asks a model a question.', inputSchema: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'], additionalProperties: false }, outputSchema: outputs('answer') },
      { name: 'word_count', title: 'Word count', description: "Runs the pipeline 'Word count'.", inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false }, outputSchema: outputs('words') },
      { name: 'publish', description: 'Asks for approval before publishing a note.', inputSchema: { type: 'object', properties: { note: { type: 'string' } }, required: ['note'], additionalProperties: false }, outputSchema: outputs('decision') },
      {
        name: 'greet',
        title: 'Greeting',
        description: 'Greets someone in a chosen style and echoes the inputs back.',
        inputSchema: {
          type: 'object',
          properties: {
            name: { type: 'string', description: 'Who to greet.' },
            style: { type: 'string', description: 'How loud.', enum: ['plain', 'loud'], default: 'plain' },
            times: { type: 'integer', default: 1 },
            tags: { type: 'array', description: 'Labels to echo.', default: [] },
            formal: { type: 'boolean' },
          },
          required: ['name'],
          additionalProperties: false,
        },
        outputSchema: outputs('greeting', 'echoed'),
      },
      { name: 'greet_2', description: "Runs the pipeline 'greet'.", inputSchema: { type: 'object', properties: {}, additionalProperties: false }, outputSchema: outputs('said') },
      { name: 'slow', description: 'Sleeps for a while, then says so.', inputSchema: { type: 'object', properties: { seconds: { type: 'number', default: 60 } }, additionalProperties: false }, outputSchema: outputs('slept') },
      { name: 'who', description: 'Asks for a name.', inputSchema: { type: 'object', properties: {}, additionalProperties: false }, outputSchema: outputs('name') },
    ]);
    assert.match(c.stderr(), /orc mcp: broken\.pipeline\.yaml is not offered: it does not compile: Unknown tool 'no-such-tool'\./);
    assert.match(c.stderr(), /orc mcp: nested\/greet-copy\.pipeline\.yaml \(id 'greet'\) is offered as 'greet_2'/);
    assert.match(c.stderr(), /orc mcp: serving 7 pipeline\(s\) from /);
  });

  it('runs a called pipeline like orc run: its outputs as structured content, its record in .orchestrator/', async () => {
    const r = (await c.client.callTool({ name: 'greet', arguments: { name: 'Ada', times: 2 } })) as CallToolResult;
    const id = runIdOf(r);
    assert.deepEqual(r.structuredContent, { greeting: 'Hello, Ada! (plain x2)', echoed: '{\n  "name": "Ada",\n  "style": "plain",\n  "times": 2\n}' });
    assert.equal(r.isError, undefined);
    assert.match(text(r), new RegExp(`^Pipeline 'greet' succeeded in \\d+\\.\\d\\d s \\(run ${id}\\); outputs: greeting, echoed\\.$`));
    assert.deepEqual(r.content[1], { type: 'resource_link', uri: `orc://runs/${id}`, name: id, title: `Run ${id}`, mimeType: 'application/json' });
    const doc = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'result.json'), 'utf8'));
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.outputs, r.structuredContent);

    // a ContextLab-style file runs the same way
    const w = (await c.client.callTool({ name: 'word_count', arguments: { text: 'one two three' } })) as CallToolResult;
    assert.deepEqual(w.structuredContent, { words: '3' });
  });

  it('refuses bad arguments and unknown tools clearly, running nothing', async () => {
    const before = fs.readdirSync(path.join(dir, '.orchestrator', 'runs')).length;
    const r = (await c.client.callTool({ name: 'greet', arguments: { style: 'plain' } })) as CallToolResult;
    assert.equal(r.isError, true);
    assert.equal(text(r), "Pipeline 'greet' did not run: Missing required input 'name' (Who to greet.).");
    const e = (await c.client.callTool({ name: 'greet', arguments: { name: 'x', style: 'shout' } })) as CallToolResult;
    assert.deepEqual(e, { content: [{ type: 'text', text: 'Pipeline \'greet\' did not run: Input \'style\' must be one of "plain", "loud", got "shout".' }], isError: true });
    await assert.rejects(c.client.callTool({ name: 'broken', arguments: {} }), /no pipeline is offered as 'broken'/);
    assert.equal(fs.readdirSync(path.join(dir, '.orchestrator', 'runs')).length, before);
  });

  it('refuses an approval gate when the client cannot elicit, with the step\'s error', async () => {
    const r = (await c.client.callTool({ name: 'publish', arguments: { note: 'ship it' } })) as CallToolResult;
    assert.equal(r.isError, true);
    assert.equal(text(r), `Pipeline 'publish' failed after ${/after (\S+ s)/.exec(text(r))![1]} (run ${runIdOf(r)}): step 'approve' failed: Step 'approve' asks a person (Publish this note?), but this MCP client cannot ask its user: it did not declare the elicitation capability. Run the pipeline with 'orc run', or from a client that supports elicitation.`);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', runIdOf(r), 'result.json'), 'utf8'));
    assert.equal(doc.status, 'failed');
    // a prompt with a default takes it
    const w = (await c.client.callTool({ name: 'who', arguments: {} })) as CallToolResult;
    assert.deepEqual(w.structuredContent, { name: 'stranger' });
  });

  it('asks an approval gate through MCP elicitation when the client can', async () => {
    const e = await connect(dir, env, { elicitation: {} });
    try {
      const asked: unknown[] = [];
      e.client.setRequestHandler(ElicitRequestSchema, (req) => {
        asked.push(req.params);
        return { action: 'accept', content: { answer: 'approve' } };
      });
      const r = (await e.client.callTool({ name: 'publish', arguments: { note: 'ship it' } })) as CallToolResult;
      assert.deepEqual(r.structuredContent, { decision: 'approve' });
      assert.deepEqual(asked, [
        {
          mode: 'form',
          message: 'Publish this note? (step approve)\n\nship it\n\nApprove, reject or modify?',
          requestedSchema: { type: 'object', properties: { answer: { type: 'string', title: 'Approve, reject or modify?', enum: ['approve', 'reject', 'modify'] } }, required: ['answer'] },
        },
      ]);
      // a text prompt: its default shown; declining dismisses the question, which fails the step
      e.client.setRequestHandler(ElicitRequestSchema, (req) => {
        (asked as unknown[]).push(req.params);
        return req.params.message.includes('Your name?') ? { action: 'accept', content: { answer: 'Ada' } } : { action: 'decline' };
      });
      const w = (await e.client.callTool({ name: 'who', arguments: {} })) as CallToolResult;
      assert.deepEqual(w.structuredContent, { name: 'Ada' });
      assert.deepEqual(asked.at(-1), { mode: 'form', message: 'Step ask_name\n\nYour name?', requestedSchema: { type: 'object', properties: { answer: { type: 'string', title: 'Your name?', default: 'stranger' } }, required: ['answer'] } });
      const d = (await e.client.callTool({ name: 'publish', arguments: { note: 'not this one' } })) as CallToolResult;
      assert.equal(d.isError, true);
      assert.match(text(d), /: step 'approve' failed: Step 'approve': the question was dismissed without an answer\.$/);
    } finally {
      await e.client.close();
    }
  });

  it('reports progress, and a cancelled call cancels the run: its record says cancelled', async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const ctl = new AbortController();
    const call = c.client.callTool({ name: 'slow', arguments: { seconds: 120 } }, undefined, { signal: ctl.signal, onprogress: (p) => void progress.push(p), timeout: 80_000 });
    const settled = call.then(
      () => 'answered',
      (err: Error) => err.message,
    );
    // the first step has ended: the sleep is running
    await until('the first step', () => progress.length >= 2);
    const id = /^run (\S+) started: 2 step\(s\)$/.exec(progress[0].message!)![1];
    assert.deepEqual(progress, [
      { progress: 0, total: 2, message: `run ${id} started: 2 step(s)` },
      { progress: 1, total: 2, message: "step 'started' completed" },
    ]);
    ctl.abort(new Error('the user stopped it'));
    assert.match(await settled, /the user stopped it/);
    const file = path.join(dir, '.orchestrator', 'runs', id, 'result.json');
    const doc = await until('the cancelled record', () => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')));
    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.steps.nap.status, 'cancelled');
    // the server is still there
    const r = (await c.client.callTool({ name: 'greet_2', arguments: {} })) as CallToolResult;
    assert.deepEqual(r.structuredContent, { said: '"copy"' });
  });

  it('offers past runs and graphs as resources', async () => {
    const r = (await c.client.callTool({ name: 'greet', arguments: { name: 'Grace', style: 'loud' } })) as CallToolResult;
    const id = runIdOf(r);
    const { resources } = await c.client.listResources();
    assert.deepEqual(
      resources.filter((x) => x.uri.startsWith('orc://graphs/')).map((x) => [x.uri, x.description]),
      [['orc://graphs/ask', 'ask.pipeline.yaml'], ['orc://graphs/word_count', 'contextlab_style.yaml'], ['orc://graphs/publish', 'gate.pipeline.yaml'], ['orc://graphs/greet', 'greet.pipeline.yaml'], ['orc://graphs/greet_2', path.join('nested', 'greet-copy.pipeline.yaml')], ['orc://graphs/slow', path.join('nested', 'slow.pipeline.yaml')], ['orc://graphs/who', 'prompt.pipeline.yaml']],
    );
    const runs = resources.filter((x) => x.uri.startsWith('orc://runs/'));
    const onDisk = fs.readdirSync(path.join(dir, '.orchestrator', 'runs')).filter((d) => fs.existsSync(path.join(dir, '.orchestrator', 'runs', d, 'result.json')));
    assert.deepEqual(runs.map((x) => x.name), onDisk.sort().reverse());
    const mine = runs.find((x) => x.name === id)!;
    assert.match(mine.title!, /^greet: completed \(\d{4}-\d\d-\d\dT/);

    const read = await c.client.readResource({ uri: `orc://runs/${id}` });
    assert.deepEqual(JSON.parse((read.contents[0] as { text: string }).text), JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'result.json'), 'utf8')));
    const graph = await c.client.readResource({ uri: 'orc://graphs/greet' });
    assert.equal((graph.contents[0] as { text: string }).text + '\n', orc(['graph', path.join(dir, 'greet.pipeline.yaml'), '--format', 'json']).stdout);
    await assert.rejects(c.client.readResource({ uri: 'orc://runs/../../etc' }), /not a run id/);
    await assert.rejects(c.client.readResource({ uri: 'orc://runs/20200101-000000-abcdef' }), /no run 20200101-000000-abcdef/);
  });

  it('announces tools/list_changed when a pipeline file is added, changed or removed', async () => {
    let changes = 0;
    c.client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
    const file = path.join(dir, 'nested', 'added.pipeline.yaml');
    fs.writeFileSync(file, 'id: added\ndescription: Added while serving.\nsteps:\n  - id: a\n    tool: data\n    action: convert\n    parameters: {data: 1, format: json}\n');
    await until('the first announcement', () => changes >= 1);
    assert.ok((await c.client.listTools()).tools.some((t) => t.name === 'added' && t.description === 'Added while serving.'));
    fs.writeFileSync(file, 'id: added\ndescription: Changed.\nsteps:\n  - id: a\n    tool: data\n    action: convert\n    parameters: {data: 1, format: json}\n');
    await until('the second announcement', () => changes >= 2);
    assert.equal((await c.client.listTools()).tools.find((t) => t.name === 'added')?.description, 'Changed.');
    fs.rmSync(file);
    await until('the third announcement', () => changes >= 3);
    assert.ok(!(await c.client.listTools()).tools.some((t) => t.name === 'added'));
  });

  it('never lets a secret out: not in a tool result, a resource, a notification or the log', async () => {
    const r = (await c.client.callTool({ name: 'ask', arguments: { question: 'what is the key?' } }, undefined, { onprogress: () => undefined })) as CallToolResult;
    assert.deepEqual(r.structuredContent, { answer: 'the key is [redacted: OPENAI_API_KEY]' });
    assert.equal(providers.requests.at(-1)!.headers.authorization, `Bearer ${SECRET}`);
    await c.client.readResource({ uri: `orc://runs/${runIdOf(r)}` });
    const all = [...c.received, c.stderr()].join('\n');
    assert.ok(all.includes('[redacted: OPENAI_API_KEY]'));
    assert.ok(!all.includes(SECRET), 'the key reached the client or the log');
  });

  it('cancels the runs still going when the client goes, and exits 0', async () => {
    const p = spawn(process.execPath, [CLI, 'mcp', '--root', dir], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
    });
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    const send = (m: unknown) => p.stdin.write(JSON.stringify(m) + '\n');
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    await until('the initialize answer', () => lines.some((l) => l.id === 1));
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow', arguments: { seconds: 120 }, _meta: { progressToken: 'tok' } } });
    const progress = (i: number) => ((lines.filter((l) => l.method === 'notifications/progress')[i]?.params ?? null) as { message: string } | null);
    await until('the first step', () => progress(1));
    const id = /^run (\S+) started/.exec(progress(0)!.message)![1];
    p.stdin.end();
    assert.equal(await exited, 0);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'result.json'), 'utf8'));
    assert.equal(doc.status, 'cancelled');
  });

  it('refuses a --root that is not a folder', () => {
    const r = orc(['mcp', '--root', path.join(dir, 'greet.pipeline.yaml')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `orc: --root ${path.join(dir, 'greet.pipeline.yaml')}: not a folder\nrun 'orc help' for usage\n`);
  });
});
