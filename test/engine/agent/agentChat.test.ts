// `orc chat FILE --session ID`, spawned as a user runs it, against the loopback provider server
// (real SDKs): each line is a turn, the answer streams to stdout, tool calls are shown on stderr,
// the second turn carries the first one's messages (the session), Ctrl-C cancels the running turn
// and the conversation goes on, and the end of input exits 0.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loopbackEnv, tempDir, useLoopback } from '../../helpers/agentRun';
import { CLI, withoutProviderEnv } from '../../helpers/cli';

const PIPELINE = `id: helpdesk
model: openai:gpt-4o-mini
parameters:
  message: {type: string, required: true}
  session: {type: string, default: main}
steps:
  - id: answer
    action: agent
    tools: [filesystem.read]
    memory: {session: "{{ session }}", max_messages: 40}
    parameters:
      instructions: You answer questions about the notes.
      prompt: "{{ message }}"
outputs:
  answer: "{{ answer.result.answer }}"
`;

interface Chat {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The built `orc chat` (dist/cli.js, as the other CLI tests run it), in `dir`, its stdin a pipe. */
function chat(dir: string, env: NodeJS.ProcessEnv, args: string[]): Chat {
  const child = spawn(process.execPath, [CLI, 'chat', ...args], { cwd: dir, env: { ...withoutProviderEnv(), NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('orc chat', function () {
  this.timeout(40_000);
  const srv = useLoopback();
  const dirs: string[] = [];
  let running: ChildProcess | null = null;
  afterEach(() => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
    running = null;
  });
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const workspace = () => {
    const d = tempDir('orc-chat-');
    dirs.push(d);
    fs.writeFileSync(path.join(d, 'helpdesk.pipeline.yaml'), PIPELINE);
    fs.writeFileSync(path.join(d, 'notes.md'), 'Ticket 42: the printer is on fire.\n');
    return d;
  };

  it('answers each line from its session: streamed text, tool calls shown, the first turn carried into the second, exit 0 at the end of input', async () => {
    const d = workspace();
    srv.script.push({ toolCalls: [{ id: 'call_1', name: 'filesystem_read', arguments: { path: 'notes.md' } }] }, { chunks: ['Ticket 42', ': the printer ', 'is on fire.'] }, { text: 'You asked about ticket 42.' });
    const c = chat(d, loopbackEnv(srv), ['helpdesk.pipeline.yaml', '--session', 'desk-1']);
    running = c.child;
    c.child.stdin!.write('What do the notes say?\n');
    await until('the first answer', () => c.stdout().includes('is on fire.\n'));
    c.child.stdin!.write('What did I ask?\n');
    c.child.stdin!.end();
    assert.equal(await c.exited, 0, c.stderr());
    assert.equal(c.stdout(), 'Ticket 42: the printer is on fire.\nYou asked about ticket 42.\n');
    assert.match(c.stderr(), /^→ filesystem\.read \{"path":"notes\.md"\}$/m);
    assert.equal(srv.requests.length, 3);
    const third = (srv.requests[2].body.messages as { role: string; content: string | null }[]).map((m) => [m.role, m.content]);
    assert.deepEqual(third, [
      ['system', 'You answer questions about the notes.'],
      ['user', 'What do the notes say?'],
      ['assistant', null],
      ['tool', JSON.stringify({ content: 'Ticket 42: the printer is on fire.\n', size: 35, path: 'notes.md' })],
      ['assistant', 'Ticket 42: the printer is on fire.'],
      ['user', 'What did I ask?'],
    ]);
  });

  it('Ctrl-C cancels the running turn, not the conversation', async () => {
    const d = workspace();
    srv.script.push({ hang: true }, { text: 'Still here.' });
    const c = chat(d, loopbackEnv(srv), ['helpdesk.pipeline.yaml', '--session', 'desk-2']);
    running = c.child;
    c.child.stdin!.write('A long question\n');
    await until('the first request', () => srv.requests.length === 1);
    c.child.kill('SIGINT');
    await until('the cancelled turn', () => c.stderr().includes('(turn cancelled)'));
    c.child.stdin!.write('Are you there?\n');
    c.child.stdin!.end();
    assert.equal(await c.exited, 0, c.stderr());
    assert.equal(c.stdout(), 'Still here.\n');
    // the cancelled turn left nothing in the session: the second turn starts from its own message
    const second = (srv.requests[1].body.messages as { role: string; content: string }[]).map((m) => m.role);
    assert.deepEqual(second, ['system', 'user']);
  });

  it('refuses --session for a pipeline without a session parameter, before any turn', async () => {
    const d = workspace();
    fs.writeFileSync(path.join(d, 'plain.pipeline.yaml'), PIPELINE.replace('  session: {type: string, default: main}\n', '').replace('    memory: {session: "{{ session }}", max_messages: 40}\n', ''));
    const c = chat(d, loopbackEnv(srv), ['plain.pipeline.yaml', '--session', 'x']);
    running = c.child;
    c.child.stdin!.end();
    assert.equal(await c.exited, 2);
    assert.match(c.stderr(), /--session fills the pipeline's 'session' parameter, which plain\.pipeline\.yaml does not declare/);
    assert.equal(srv.requests.length, 0);
  });
});
