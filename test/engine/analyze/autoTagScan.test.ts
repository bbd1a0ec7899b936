// The analysis skips its walk for AUTO tags over every value when the text holds no '<AUTO' and no
// escape that could write one: a tag written with escapes must still be found, on its exact range.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';

const tagged = (content: string) => `id: p\nsteps:\n  - id: a\n    tool: filesystem\n    action: write\n    parameters:\n      path: x.txt\n      content: ${content}\n`;
const tagsOf = (text: string) => analyze(text).autoTags.map((t) => ({ path: t.path, text: t.text, range: t.range }));

describe('AUTO tags found by scanning the text', () => {
  it('a tag written with escapes in a double-quoted value is found, on the characters that write it', () => {
    assert.deepEqual(tagsOf(tagged('"\\x3cAUTO>Say hi\\x3c/AUTO>"')), [
      { path: ['steps', 0, 'parameters', 'content'], text: 'Say hi', range: { start: { line: 7, character: 16 }, end: { line: 7, character: 41 } } },
    ]);
  });

  it('a tag written as it reads is found; text without one has none', () => {
    assert.deepEqual(tagsOf(tagged('"<AUTO>Say hi</AUTO>"')), [
      { path: ['steps', 0, 'parameters', 'content'], text: 'Say hi', range: { start: { line: 7, character: 16 }, end: { line: 7, character: 35 } } },
    ]);
    assert.deepEqual(tagsOf(tagged('"Say hi"')), []);
  });
});
