// Sessions (`memory:` on an agent step): a second run of a session carries the first run's
// messages to the provider, another session does not; the session lives in
// .orchestrator/sessions/ (SQLite), secrets in it are redacted, and past its bound it is compacted
// into a summary (a recorded, costed model call). Real SDKs against the loopback provider server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentStepResult } from '../../../engine/agent/types';
import { SqliteSessionStore } from '../../../engine/agent/sessions';
import { runAgentPipeline, tempDir, useLoopback } from '../../helpers/agentRun';

const pipeline = (model: string, memory = '{session: "{{ session }}", max_messages: 50}') => `id: support
model: ${model}
parameters:
  message: {type: string}
  session: {type: string, default: main}
steps:
  - id: chat
    action: agent
    memory: ${memory}
    parameters:
      instructions: You are a support agent.
      prompt: "{{ message }}"
      stream: false
outputs:
  answer: "{{ chat.result.answer }}"
`;

/** The texts of the messages a request carried, by role, in order (OpenAI's and Anthropic's wires). */
function said(body: Record<string, unknown>): string[] {
  const msgs = (body.messages ?? []) as { role: string; content: unknown }[];
  return msgs.map((m) => `${m.role}: ${typeof m.content === 'string' ? m.content : (m.content as { text?: string }[]).map((b) => b.text ?? '').join('')}`);
}

describe('agent sessions (memory:)', function () {
  this.timeout(30_000);
  const srv = useLoopback();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = tempDir('orc-session-');
    dirs.push(d);
    return d;
  };

  for (const model of ['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5']) {
    it(`a second run of a session carries the first run's messages; another session does not (${model.split(':')[0]})`, async () => {
      const d = dir();
      srv.script.push({ text: 'Hello Ada, noted.' }, { text: 'Your name is Ada.' }, { text: 'I do not know your name.' });
      const first = await runAgentPipeline(srv, d, pipeline(model), { inputs: { message: 'My name is Ada.', session: 'ada' } });
      assert.equal(first.doc.status, 'completed', JSON.stringify(first.doc.steps.chat));
      const second = await runAgentPipeline(srv, d, pipeline(model), { inputs: { message: 'What is my name?', session: 'ada' } });
      assert.equal(second.doc.outputs.answer, 'Your name is Ada.');
      const other = await runAgentPipeline(srv, d, pipeline(model), { inputs: { message: 'What is my name?', session: 'bob' } });
      assert.equal(other.doc.status, 'completed');
      assert.equal(srv.requests.length, 3);
      assert.deepEqual(said(srv.requests[1].body).filter((m) => !m.startsWith('system')), ['user: My name is Ada.', 'assistant: Hello Ada, noted.', 'user: What is my name?']);
      assert.deepEqual(said(srv.requests[2].body).filter((m) => !m.startsWith('system')), ['user: What is my name?']);
      const r = second.doc.steps.chat.result as AgentStepResult;
      assert.deepEqual(r.session, { id: 'ada', loaded: 2, stored: 4 });
      assert.ok(fs.existsSync(path.join(d, '.orchestrator', 'sessions', 'sessions.sqlite')));
    });
  }

  it('keeps secrets out of the session, redacted as in every record', async () => {
    const d = dir();
    const secret = 'sk-session-secret-value-0042';
    process.env.ORC_TEST_SESSION_TOKEN = secret;
    try {
      srv.script.push({ text: `I will remember ${secret}.` }, { text: 'ok' });
      await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini'), { inputs: { message: `my key is ${secret}`, session: 's' } });
      await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini'), { inputs: { message: 'again', session: 's' } });
    } finally {
      delete process.env.ORC_TEST_SESSION_TOKEN;
    }
    const store = SqliteSessionStore.in(d);
    try {
      const text = JSON.stringify(store.load('s'));
      assert.ok(!text.includes(secret), text);
      assert.ok(text.includes('[redacted: ORC_TEST_SESSION_TOKEN]'), text);
    } finally {
      store.close();
    }
    assert.ok(!JSON.stringify(srv.requests[1].body).includes(secret));
  });

  it('compacts a session past its bound into a summary: one more model call, recorded and costed, and the summary sent after the system prompt', async () => {
    const d = dir();
    const memory = '{session: "{{ session }}", max_messages: 6, summarize_after: 4}';
    srv.script.push({ text: 'one' }, { text: 'two' }, { text: 'three', tokensIn: 10, tokensOut: 1 }, { text: 'The user counted to two.', tokensIn: 30, tokensOut: 5 });
    await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini', memory), { inputs: { message: 'say one', session: 'c' } });
    const second = await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini', memory), { inputs: { message: 'say two', session: 'c' } });
    // 4 messages: at the bound, not past it
    assert.equal((second.doc.steps.chat.result as AgentStepResult).session?.compacted, undefined);
    const third = await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini', memory), { inputs: { message: 'say three', session: 'c' } });
    // the third run's answer, then the summary of all but its own exchange
    assert.equal(srv.requests.length, 4);
    const summaryAsk = said(srv.requests[3].body);
    assert.equal(summaryAsk.length, 1);
    assert.match(summaryAsk[0], /^user: Summarize the conversation below/);
    assert.match(summaryAsk[0], /User: say one\nAssistant: one/);
    const r = third.doc.steps.chat.result as AgentStepResult;
    assert.equal(r.session?.compacted, true);
    assert.equal(r.session?.stored, 2);
    assert.deepEqual(r.transcript.map((t) => t.kind ?? 'turn'), ['turn', 'summary']);
    assert.equal(third.doc.steps.chat.tokens_in, r.transcript[0].tokens_in + r.transcript[1].tokens_in);
    // the next run: the summary after the system prompt, then the latest exchange
    srv.script.push({ text: 'four' });
    await runAgentPipeline(srv, d, pipeline('openai:gpt-4o-mini', memory), { inputs: { message: 'say four', session: 'c' } });
    const next = said(srv.requests[4].body);
    assert.match(next[0], /^system: You are a support agent\.\n\nSummary of the conversation so far[^\n]*\n/);
    assert.deepEqual(next.slice(1), ['user: say three', 'assistant: three', 'user: say four']);
  });
});
