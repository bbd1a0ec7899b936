// `tools: [{a2a: URL, token_env: NAME}]`: an agent step calls a remote A2A agent as one of its
// tools. The remote agent is another pipeline served by `orc serve --a2a` (with a bearer token),
// both answered by one loopback OpenAI server through the real `openai` SDK; the caller is the built
// CLI's `orc run`. The card names and describes the tool, the model's message reaches the remote
// pipeline, its answer comes back as the call's result, and the token is in no record.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { call } from '../../fixtures/agents/cliTriage';
import { tempDir, turnOf } from '../../helpers/agentRun';
import { startServe, type ServeProcess } from '../../helpers/serveProcess';
import { orcAsync } from '../../helpers/cli';

const TOKEN = 'tok-a2a-tool-0123456789abcdef';
const KEY = 'sk-loopback-a2a-tool';

const REMOTE = `id: ask
name: Asker
description: Answers arithmetic questions.
model: openai:gpt-4o-mini
parameters:
  question: {type: string, required: true}
steps:
  - id: answer
    action: agent
    parameters:
      instructions: You are the arithmetic desk.
      prompt: "{{ question }}"
outputs:
  answer: "{{ steps.answer.result.answer }}"
`;

const caller = (url: string) => `id: caller
model: openai:gpt-4o-mini
steps:
  - id: delegate
    action: agent
    tools:
      - a2a: ${url}
        token_env: ASK_TOKEN
    parameters:
      instructions: You delegate arithmetic.
      prompt: Ask the arithmetic desk what six times seven is.
outputs:
  said: "{{ steps.delegate.result.answer }}"
`;

describe('an agent step calls a remote A2A agent (tools: [{a2a: URL}])', function () {
  this.timeout(90_000);
  let srv: LoopbackProviders;
  let remote: string;
  let here: string;
  let s: ServeProcess;
  /** What each model call was given: the caller's tool declarations, the remote's prompt. */
  const seen: { tools: string[]; system: string; last: string }[] = [];

  before(async () => {
    srv = await new LoopbackProviders().start();
    srv.responder = (body) => {
      const messages = (body.messages ?? []) as { role: string; content: unknown }[];
      const system = String(messages.find((m) => m.role === 'system')?.content ?? '');
      const tools = ((body.tools ?? []) as { function: { name: string; description: string } }[]).map((t) => `${t.function.name}: ${t.function.description}`);
      const last = messages[messages.length - 1];
      seen.push({ tools, system, last: typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content) });
      if (system === 'You are the arithmetic desk.') return { text: 'Forty-two.' };
      return turnOf(body) === 0 ? { toolCalls: [call('a2a__Asker', { message: 'What is six times seven?' })] } : { text: `The desk says: ${seen[seen.length - 1].last}` };
    };
    remote = tempDir('orc-a2a-remote-');
    here = tempDir('orc-a2a-caller-');
    fs.writeFileSync(path.join(remote, 'ask.pipeline.yaml'), REMOTE);
    s = await startServe(remote, ['--a2a'], { ORC_SERVE_TOKENS: TOKEN, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${srv.origin}/v1` });
  });

  after(async () => {
    await s?.stop();
    await srv?.stop();
    for (const d of [remote, here]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('describes the tool from its card, sends the model’s message, and answers with the remote run’s text; the token is nowhere in the records', async () => {
    fs.writeFileSync(path.join(here, 'caller.pipeline.yaml'), caller(`${s.url}/a2a/ask`));
    const r = await orcAsync(['run', 'caller.pipeline.yaml', '--json'], { cwd: here, env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${srv.origin}/v1`, ASK_TOKEN: TOKEN } });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const result = doc.steps.delegate.result;
    assert.deepEqual(result.tool_calls.map((c: { tool: string; arguments: unknown; status: string; result: { text: string; data: unknown; state: string } }) => [c.tool, c.arguments, c.status, c.result.text, c.result.data, c.result.state]), [
      // the served pipeline's answer, and its outputs as the artifact's data
      [`a2a:${s.url}/a2a/ask`, { message: 'What is six times seven?' }, 'ok', 'Forty-two.', { answer: 'Forty-two.' }, 'TASK_STATE_COMPLETED'],
    ]);
    // the caller's model was offered the remote agent by its card, and read its answer
    assert.deepEqual(seen[0].tools, ['a2a__Asker: Answers arithmetic questions. Skills: Asker. (a remote agent: send it a message; it answers with text)']);
    assert.equal(seen.find((x) => x.system === 'You are the arithmetic desk.')?.last, 'What is six times seven?');
    assert.match(doc.outputs.said, /^The desk says: .*Forty-two\./);
    // the remote run is an ordinary served run of the remote pipeline
    const remoteRuns = fs.readdirSync(path.join(remote, '.orchestrator', 'runs'));
    assert.equal(remoteRuns.length, 1);
    // the token went only in a header: not in the caller's records
    for (const f of ['result.json', 'checkpoint.json']) assert.ok(!fs.readFileSync(path.join(here, '.orchestrator', 'runs', doc.execution_id, f), 'utf8').includes(TOKEN), f);
  });

  it('fails the step with a clear error when the token is not set or the card cannot be read, and tells the model when the token is refused, naming no secret', async () => {
    fs.writeFileSync(path.join(here, 'caller.pipeline.yaml'), caller(`${s.url}/a2a/ask`));
    const unset = await orcAsync(['run', 'caller.pipeline.yaml', '--json'], { cwd: here, env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${srv.origin}/v1` } });
    assert.equal(unset.code, 1);
    assert.equal(JSON.parse(unset.stdout).steps.delegate.error, `The agent's tool 'a2a:${s.url}/a2a/ask' takes its token from ASK_TOKEN, which is not set`);
    // no card there: the step fails before the model is asked
    fs.writeFileSync(path.join(here, 'caller.pipeline.yaml'), caller(`${s.url}/a2a/nope`));
    const nocard = await orcAsync(['run', 'caller.pipeline.yaml', '--json'], { cwd: here, env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${srv.origin}/v1`, ASK_TOKEN: TOKEN } });
    assert.equal(nocard.code, 1);
    const error = JSON.parse(nocard.stdout).steps.delegate.error as string;
    assert.match(error, new RegExp(`^The A2A agent at ${s.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/a2a/nope could not be reached or its card read: .*404`));
    assert.ok(!error.includes(TOKEN));
    // a wrong token: the card is open (it says how to authenticate), the call is refused and the model told so, naming no secret
    fs.writeFileSync(path.join(here, 'caller.pipeline.yaml'), caller(`${s.url}/a2a/ask`));
    const wrong = await orcAsync(['run', 'caller.pipeline.yaml', '--json'], { cwd: here, env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${srv.origin}/v1`, ASK_TOKEN: 'not-the-token-xyz' } });
    const told = seen[seen.length - 1].last;
    assert.match(told, /^Error: The A2A agent 'Asker' answered with an error: .*Status: 401/);
    assert.ok(!(wrong.stdout + wrong.stderr + told).includes('not-the-token-xyz'));
  });

  it('the analyzer refuses a URL that is not http(s) or carries credentials', async () => {
    const bad = (url: string) => `id: bad\nmodel: openai:gpt-4o-mini\nsteps:\n  - id: d\n    action: agent\n    tools:\n      - a2a: "${url}"\n    parameters:\n      prompt: hi\n`;
    fs.writeFileSync(path.join(here, 'bad.pipeline.yaml'), bad('ftp://example.com/agent'));
    const ftp = await orcAsync(['validate', 'bad.pipeline.yaml', '--json'], { cwd: here });
    const f = ([] as { findings: { code: string; message: string; range: { start: unknown } }[] }[]).concat(JSON.parse(ftp.stdout))[0].findings.find((x: { code: string }) => x.code === 'agent.a2a-url');
    assert.deepEqual([f?.message, f?.range.start], ['An A2A agent is reached over http or https, not ftp.', { line: 6, character: 13 }]);
    fs.writeFileSync(path.join(here, 'bad.pipeline.yaml'), bad('https://me:pw@example.com/agent'));
    const creds = await orcAsync(['validate', 'bad.pipeline.yaml', '--json'], { cwd: here });
    assert.match(([] as { findings: { code: string; message: string }[] }[]).concat(JSON.parse(creds.stdout))[0].findings.find((x) => x.code === 'agent.a2a-url')!.message, /^Credentials do not go in an A2A agent's URL/);
  });
});
