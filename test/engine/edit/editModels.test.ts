// The `set-model` edit (engine/edit/models.ts): a step's model changed with the smallest edit of
// the file's text, everything else byte for byte.
import { strict as assert } from 'node:assert';
import { editPipeline } from '../../../engine/edit/operations';

const PIPELINE = `# a pipeline with comments
id: p
model: openai:gpt-4o   # the default

steps:
  - id: a            # first
    action: generate
    model: 'openai:gpt-4o'
    parameters:
      prompt: "hi"

  - id: b
    action: generate
    parameters:
      prompt: "{{ a.result }}"
  - { id: c, action: generate, parameters: { prompt: "x" } }
  - id: d
    action: generate
    model: [openai:gpt-4o, anthropic:claude-haiku-4-5]
    parameters: { prompt: "y" }
`;

function edit(text: string, id: string, model: string): string {
  const r = editPipeline(text, { op: 'set-model', id, model });
  if (!r.ok) throw new Error(r.reason);
  return r.text;
}

describe('set-model edit', () => {
  it('replaces a model in its own quotes and leaves every other byte', () => {
    assert.equal(edit(PIPELINE, 'a', 'openai:gpt-4o-mini'), PIPELINE.replace("    model: 'openai:gpt-4o'\n", "    model: 'openai:gpt-4o-mini'\n"));
  });

  it('adds model: after the action line of a step that has none', () => {
    assert.equal(edit(PIPELINE, 'b', 'openai:gpt-4o-mini'), PIPELINE.replace('  - id: b\n    action: generate\n', '  - id: b\n    action: generate\n    model: openai:gpt-4o-mini\n'));
  });

  it('adds model: inside the braces of a flow step', () => {
    assert.equal(edit(PIPELINE, 'c', 'openai:gpt-4o-mini'), PIPELINE.replace('parameters: { prompt: "x" } }', 'parameters: { prompt: "x" }, model: openai:gpt-4o-mini }'));
  });

  it("changes a fallback chain's first model only", () => {
    assert.equal(edit(PIPELINE, 'd', 'openai:gpt-4.1-mini'), PIPELINE.replace('model: [openai:gpt-4o, anthropic', 'model: [openai:gpt-4.1-mini, anthropic'));
  });

  it("changes ContextLab's model parameter, which wins over the step's", () => {
    const text = 'id: p\nsteps:\n  - id: a\n    action: generate\n    parameters:\n      model: openai:gpt-4o\n      prompt: hi\n';
    assert.equal(edit(text, 'a', 'openai:gpt-4o-mini'), text.replace('      model: openai:gpt-4o\n', '      model: openai:gpt-4o-mini\n'));
  });

  it('refuses a model not written provider:model, and a step that does not exist', () => {
    assert.deepEqual(editPipeline(PIPELINE, { op: 'set-model', id: 'a', model: 'gpt-4o' }), { ok: false, reason: "'gpt-4o' is not a model: a model is written provider:model", findings: [] });
    assert.deepEqual(editPipeline(PIPELINE, { op: 'set-model', id: 'zz', model: 'openai:gpt-4o' }), { ok: false, reason: "There is no step 'zz'", findings: [] });
  });
});
