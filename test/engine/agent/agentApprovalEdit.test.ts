// An agent's call approved with arguments the person edited: the host is offered the arguments to
// edit (pretty JSON, secrets redacted) with the tool's schema; edited arguments that fit run the
// call, which is recorded with them and `edited: true`; ones that do not fit are asked again with
// the schema's reason and never run; a redacted secret left where it was is the secret again, one
// moved elsewhere is refused. A real run against the loopback provider server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Scripted } from '../../fixtures/providers/loopbackServer';
import { runAgentPipeline, tempDir, turnOf, useLoopback } from '../../helpers/agentRun';
import type { AgentStepResult } from '../../../engine/api/index';
import type { Answer, Interaction, Question } from '../../../engine/toolkit/interaction';
import { Redactor } from '../../../engine/toolkit/redact';
import { editedArgumentsProblem, restoreRedacted } from '../../../engine/agent/editedArguments';

const pipeline = `id: approve_edit
model: openai:gpt-4o-mini
steps:
  - id: worker
    action: agent
    tools: [{filesystem.write: {approve: true}}]
    parameters:
      prompt: Write the note.
`;

const WRITE_SCHEMA = {
  type: 'object',
  properties: { path: { type: 'string', description: 'File to write.' }, content: { description: 'Text to write (data is written as JSON).' } },
  required: ['path', 'content'],
  additionalProperties: false,
};

/** A person who answers each question in turn with the next of `answers`, and keeps the questions. */
function person(answers: Answer[]): { host: Interaction; asked: Question[] } {
  const asked: Question[] = [];
  return {
    asked,
    host: {
      interactive: true,
      async ask(q) {
        asked.push(q);
        if (!answers.length) throw new Error(`asked once more than the test answers: ${JSON.stringify(q)}`);
        return answers.shift()!;
      },
    },
  };
}

const resultOf = (doc: { steps: Record<string, { result: unknown }> }) => doc.steps.worker.result as AgentStepResult;

describe('agent steps: a call approved with edited arguments', function () {
  this.timeout(20000);
  const srv = useLoopback();
  let dir: string;
  const writes = (args: Record<string, unknown>) => (body: Record<string, unknown>): Scripted => (turnOf(body) === 0 ? { toolCalls: [{ name: 'filesystem_write', arguments: args, id: 'call_w' }] } : { text: 'done' });

  beforeEach(() => {
    dir = tempDir();
  });

  it('edited arguments that fit run the call with exactly them; the record holds them with edited: true', async () => {
    srv.responder = writes({ path: 'draft.md', content: 'first draft' });
    const p = person([{ choice: 'approve', value: { path: 'final.md', content: 'the edited note' } }]);
    const { doc } = await runAgentPipeline(srv, dir, pipeline, { interaction: p.host });
    assert.equal(doc.steps.worker.status, 'completed', doc.steps.worker.error ?? undefined);
    // the person was offered the arguments to edit, with the tool's schema
    assert.equal(p.asked.length, 1);
    assert.deepEqual(p.asked[0].edit, { value: '{\n  "path": "draft.md",\n  "content": "first draft"\n}', schema: WRITE_SCHEMA });
    assert.deepEqual(p.asked[0].choices, ['approve', 'deny']);
    // the tool ran with the edited arguments only
    assert.equal(fs.readFileSync(path.join(dir, 'final.md'), 'utf8'), 'the edited note');
    assert.equal(fs.existsSync(path.join(dir, 'draft.md')), false);
    const r = resultOf(doc);
    assert.deepEqual(r.tool_calls.map((c) => ({ ...c, duration_ms: 0 })), [
      { id: 'call_w', tool: 'filesystem.write', arguments: { path: 'final.md', content: 'the edited note' }, result: { path: 'final.md', size: 15 }, status: 'ok', duration_ms: 0, turn: 1, edited: true },
    ]);
    // the model is told the result of what ran, nothing more
    const second = srv.requests[1].body as { messages: { role: string; content: string; tool_call_id?: string }[] };
    assert.deepEqual(second.messages[second.messages.length - 1], { role: 'tool', tool_call_id: 'call_w', content: '{"path":"final.md","size":15}' });
  });

  it('edited arguments that do not fit the schema are asked again with the reason and never run; the next fit runs', async () => {
    srv.responder = writes({ path: 'note.md', content: 'model text' });
    const p = person([
      { choice: 'approve', value: { path: 'note.md' } },
      { choice: 'approve', value: { path: 'note.md', content: 'x', mode: 'fast' } },
      { choice: 'approve', value: ['not', 'an', 'object'] },
      { choice: 'approve', value: { path: 'note.md', content: 'person text' } },
    ]);
    const { doc } = await runAgentPipeline(srv, dir, pipeline, { interaction: p.host });
    assert.deepEqual(
      p.asked.map((q) => q.error),
      [undefined, "The edited arguments were not used: the arguments must have 'content'", "The edited arguments were not used: the arguments has 'mode', which the tool does not take", 'The edited arguments were not used: the arguments must be a JSON object'],
    );
    // each question offers the person's own last attempt to correct, not the model's again
    assert.deepEqual(
      p.asked.map((q) => q.edit?.value),
      ['{\n  "path": "note.md",\n  "content": "model text"\n}', '{\n  "path": "note.md"\n}', '{\n  "path": "note.md",\n  "content": "x",\n  "mode": "fast"\n}', '[\n  "not",\n  "an",\n  "object"\n]'],
    );
    assert.equal(fs.readFileSync(path.join(dir, 'note.md'), 'utf8'), 'person text');
    assert.deepEqual(resultOf(doc).tool_calls.map((c) => [c.status, c.edited, c.arguments]), [['ok', true, { path: 'note.md', content: 'person text' }]]);
  });

  it('a redacted secret left where it was is the secret again; moved elsewhere it is refused; unchanged arguments are a plain approval', async () => {
    process.env.AGENT_EDIT_TOKEN = 'tok-5a4b3c2d1e0f99887766';
    try {
      srv.responder = writes({ path: 'key.md', content: 'key tok-5a4b3c2d1e0f99887766' });
      const p = person([
        // the secret's placeholder moved to the path: refused
        { choice: 'approve', value: { path: '[redacted: AGENT_EDIT_TOKEN].md', content: 'key' } },
        // the content left as shown, the path changed: runs with the secret restored
        { choice: 'approve', value: { path: 'kept.md', content: 'key [redacted: AGENT_EDIT_TOKEN]' } },
      ]);
      const { doc } = await runAgentPipeline(srv, dir, pipeline, { interaction: p.host });
      assert.equal(p.asked[0].edit?.value, '{\n  "path": "key.md",\n  "content": "key [redacted: AGENT_EDIT_TOKEN]"\n}');
      assert.equal(p.asked[1].error, "The edited arguments were not used: 'path' holds [redacted: AGENT_EDIT_TOKEN], which stands for a secret only where the arguments had it: leave it there, or type the value itself");
      assert.equal(fs.readFileSync(path.join(dir, 'kept.md'), 'utf8'), 'key tok-5a4b3c2d1e0f99887766');
      assert.deepEqual(fs.readdirSync(dir).sort(), ['agent.pipeline.yaml', 'kept.md']);
      // the record never holds the secret
      assert.deepEqual(resultOf(doc).tool_calls.map((c) => [c.status, c.edited, c.arguments]), [['ok', true, { path: 'kept.md', content: 'key [redacted: AGENT_EDIT_TOKEN]' }]]);
      assert.doesNotMatch(JSON.stringify(doc), /tok-5a4b3c2d1e0f99887766/);

      // Edit, then accepted as shown: the model's arguments, secret included, and not marked edited
      const d2 = tempDir();
      const same = person([{ choice: 'approve', value: { path: 'key.md', content: 'key [redacted: AGENT_EDIT_TOKEN]' } }]);
      const again = await runAgentPipeline(srv, d2, pipeline, { interaction: same.host });
      assert.equal(fs.readFileSync(path.join(d2, 'key.md'), 'utf8'), 'key tok-5a4b3c2d1e0f99887766');
      assert.deepEqual(resultOf(again.doc).tool_calls.map((c) => [c.status, c.edited]), [['ok', undefined]]);
    } finally {
      delete process.env.AGENT_EDIT_TOKEN;
    }
  });
});

describe('edited arguments: reading and restoring', () => {
  const redactor = new Redactor({ A_TOKEN: 'aaaa-1111-bbbb-2222', B_TOKEN: 'cccc-3333-dddd-4444' });

  it('says why a text is not arguments the tool takes', () => {
    assert.match(editedArgumentsProblem('{"path": ', WRITE_SCHEMA)!, /^not JSON: /);
    assert.equal(editedArgumentsProblem('"text"', WRITE_SCHEMA), 'the arguments must be a JSON object');
    assert.equal(editedArgumentsProblem('{"path": 3, "content": ""}', WRITE_SCHEMA), "'path' must be string");
    assert.equal(editedArgumentsProblem('{"path": "a", "content": ""}', WRITE_SCHEMA), null);
    assert.equal(editedArgumentsProblem('{"anything": 1}', null), null);
  });

  it('restores each placeholder from the string at the same path, inside an edited string too, in arrays too', () => {
    const model = { headers: ['Bearer aaaa-1111-bbbb-2222', 'x'], body: 'a=aaaa-1111-bbbb-2222&b=cccc-3333-dddd-4444', note: 'the model wrote [redacted: C] itself' };
    const edited = { headers: ['Bearer [redacted: A_TOKEN]', 'y'], body: 'b=[redacted: B_TOKEN]&a=[redacted: A_TOKEN]&c=1', note: 'the model wrote [redacted: C] itself!' };
    assert.deepEqual(restoreRedacted(edited, [model], redactor), {
      value: { headers: ['Bearer aaaa-1111-bbbb-2222', 'y'], body: 'b=cccc-3333-dddd-4444&a=aaaa-1111-bbbb-2222&c=1', note: 'the model wrote [redacted: C] itself!' },
    });
    // a secret moved from the body to a header is refused
    assert.deepEqual(restoreRedacted({ headers: ['[redacted: B_TOKEN]'] }, [model], redactor), {
      error: "'headers.0' holds [redacted: B_TOKEN], which stands for a secret only where the arguments had it: leave it there, or type the value itself",
    });
  });
});
