// An agent step on an editor's language model (`vscode:fake/echo`, the fake chat model provider of
// test/e2e/fakeLanguageModel) in a real extension host: the model is offered the agent's tools as
// LanguageModelChatTool, calls one with a LanguageModelToolCallPart, gets its result back as a
// LanguageModelToolResultPart, and answers; the step's result holds the calls, the answer and the
// tokens the model's own counter gave.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, workspace } from './helpers';
import type { AgentStepResult } from '../../../engine/api/index';
import type { ResultDocument } from '../../../engine/run/events';

interface FakeRequest {
  model: string;
  text: string;
  tools?: { name: string; description: string; inputSchema: unknown }[];
  toolMode?: number;
  toolCalls?: { callId: string; name: string; input: unknown }[];
  toolResults?: { callId: string; content: string }[];
}

interface Fake {
  requests: FakeRequest[];
  script: { text?: string; toolCalls?: { id?: string; name: string; arguments: unknown }[] }[];
}

const PROMPT = 'Read notes/lm-note.md and say what it holds.';
const pipeline = (limits = 'max_turns: 3') => `id: agent_lm
steps:
  - id: reader
    action: agent
    model: vscode:fake/echo
    tools: [filesystem.read]
    ${limits}
    parameters:
      prompt: ${PROMPT}
`;

/** The fake model's token count: four characters a token. */
const tokens = (s: string) => Math.ceil(s.length / 4);

describe("an agent on the editor's language model, with a tool", () => {
  let fake: Fake;
  const file = () => path.join(workspace(), 'agent-lm.pipeline.yaml');

  before(async () => {
    const ext = vscode.extensions.getExtension<Fake>('orchestrator-tests.fake-language-model');
    assert.ok(ext, 'the fake model provider is loaded beside the extension');
    fake = ext.isActive ? ext.exports : await ext.activate();
    await until('the fake model to be offered', async () => (await vscode.lm.selectChatModels({ vendor: 'fake' })).length > 0);
    fs.mkdirSync(path.join(workspace(), 'notes'), { recursive: true });
    fs.writeFileSync(path.join(workspace(), 'notes', 'lm-note.md'), 'The meeting moved to Thursday.');
  });

  /** Writes the pipeline, waits until the editor's document has it (a run reads that), and runs it. */
  const run = async (text: string) => {
    await vscode.workspace.fs.writeFile(vscode.Uri.file(file()), Buffer.from(text));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file()));
    await until('the document to show the pipeline', () => doc.getText() === text);
    return vscode.commands.executeCommand<ResultDocument | undefined>('orchestrator.run', vscode.Uri.file(file()).toString(), { inputs: {} });
  };

  it('calls filesystem.read through a LanguageModelToolCallPart, gets its result back, and answers with it', async () => {
    fake.script.push({ toolCalls: [{ id: 'lm_call_1', name: 'filesystem_read', arguments: { path: 'notes/lm-note.md' } }] }, { text: 'The note says the meeting moved to Thursday.' });
    const before = fake.requests.length;
    const result = await run(pipeline());
    assert.equal(result?.status, 'completed', JSON.stringify(result?.steps.reader));
    const step = result.steps.reader;
    const r = step.result as AgentStepResult;
    const content = '{"content":"The meeting moved to Thursday.","size":30,"path":"notes/lm-note.md"}';

    // what the model was offered and told, turn by turn
    const seen = fake.requests.slice(before);
    const offered = [
      {
        name: 'filesystem_read',
        description: 'Reads a text file. (filesystem: Reads and writes files. Relative paths start at the working directory; a path that escapes it is refused.)',
        inputSchema: {
          type: 'object',
          properties: { path: { type: 'string', description: 'File to read.' }, encoding: { type: 'string', description: 'Text encoding (default utf8).', default: 'utf8' } },
          required: ['path'],
          additionalProperties: false,
        },
      },
    ];
    assert.deepEqual(seen, [
      { model: 'fake-echo', text: PROMPT, tools: offered, toolMode: vscode.LanguageModelChatToolMode.Auto },
      {
        model: 'fake-echo',
        text: `${PROMPT}\n\n`,
        tools: offered,
        toolMode: vscode.LanguageModelChatToolMode.Auto,
        toolCalls: [{ callId: 'lm_call_1', name: 'filesystem_read', input: { path: 'notes/lm-note.md' } }],
        toolResults: [{ callId: 'lm_call_1', content }],
      },
    ]);

    // the step's result: the call, the answer, the turns and the tokens the model's counter gave
    assert.equal(r.answer, 'The note says the meeting moved to Thursday.');
    assert.equal(r.stop_reason, 'answered');
    assert.equal(r.turns, 2);
    assert.deepEqual(r.tool_calls.map((c) => ({ ...c, duration_ms: 0 })), [
      { id: 'lm_call_1', tool: 'filesystem.read', arguments: { path: 'notes/lm-note.md' }, result: { content: 'The meeting moved to Thursday.', size: 30, path: 'notes/lm-note.md' }, status: 'ok', duration_ms: 0, turn: 1 },
    ]);
    const call = 'filesystem_read {"path":"notes/lm-note.md"}';
    const turns = [
      { in: tokens(PROMPT), out: tokens(call) },
      { in: tokens(PROMPT) + tokens(call) + tokens(content), out: tokens('The note says the meeting moved to Thursday.') },
    ];
    assert.deepEqual(r.transcript.map((t) => [t.turn, t.model, t.text, t.tool_calls, t.tokens_in, t.tokens_out]), [
      [1, 'vscode:fake/echo', '', ['lm_call_1'], turns[0].in, turns[0].out],
      [2, 'vscode:fake/echo', 'The note says the meeting moved to Thursday.', [], turns[1].in, turns[1].out],
    ]);
    assert.deepEqual([step.tokens_in, step.tokens_out, r.tokens_in, r.tokens_out], [turns[0].in + turns[1].in, turns[0].out + turns[1].out, turns[0].in + turns[1].in, turns[0].out + turns[1].out]);
    assert.equal(step.model, 'vscode:fake/echo');
  });

  it('the last call after a limit offers no tools, and its request joins the refused call\'s result in one user message', async () => {
    fake.script.push({ toolCalls: [{ id: 'lm_call_2', name: 'filesystem_read', arguments: { path: 'notes/lm-note.md' } }] }, { text: 'I ran out of turns before reading it.' });
    const before = fake.requests.length;
    const result = await run(pipeline('max_turns: 1\n    on_limit: answer'));
    assert.equal(result?.status, 'completed', JSON.stringify(result?.steps.reader));
    const r = result.steps.reader.result as AgentStepResult;
    const refused = 'Error: Not run: this was the last turn the agent may take (max_turns).';
    const limit = "You have reached this task's limit: max_turns (1 model call). No more tools can be called. Give your final answer now, from what you have found.";
    const seen = fake.requests.slice(before);
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[1], {
      model: 'fake-echo',
      // three messages: the prompt, the call, and one user message with the result and then the request
      text: `${PROMPT}\n\n${limit}`,
      toolCalls: [{ callId: 'lm_call_2', name: 'filesystem_read', input: { path: 'notes/lm-note.md' } }],
      toolResults: [{ callId: 'lm_call_2', content: refused }],
    });
    assert.deepEqual([r.stop_reason, r.answer, r.turns], ['max_turns', 'I ran out of turns before reading it.', 2]);
    assert.deepEqual(r.tool_calls.map((c) => [c.tool, c.status]), [['filesystem.read', 'refused']]);
    assert.deepEqual(r.transcript.map((t) => t.kind ?? 'tools'), ['tools', 'final']);
  });
});
