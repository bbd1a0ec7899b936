// promptEdits (engine/edit/prompts.ts): a step's prompt replaced as the smallest edit of the text.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { applyEdits, EditRefused } from '../../../engine/edit/textEdits';
import { promptEdits, sha256Text } from '../../../engine/improve/index';
import { unifiedDiff } from '../../../engine/improve/diff';

const PIPELINE = `# prompts in every style
id: styles
model: openai:gpt-4o-mini   # the cheap one

parameters:
  q: {type: string}

steps:
  # a literal block, with a comment after its header
  - id: literal
    action: generate
    parameters:
      prompt: |  # keep me
        Answer {{ q }}
        briefly.
      max_tokens: 50

  - id: folded
    action: generate
    parameters:
      prompt: >-
        Fold {{ q }}
        into one line

  - id: single
    action: generate
    parameters: {prompt: 'Say {{ q }}', temperature: 0}   # flow

  - id: double
    action: generate
    parameters:
      prompt: "Quote {{ q }}"

  - id: plain
    action: generate
    parameters:
      prompt: Plain {{ q }}

  - id: anchored
    action: generate
    parameters:
      prompt: &shared Shared {{ q }}

  - id: user
    action: generate
    parameters:
      prompt: *shared
`;

const apply = (prompts: Record<string, string>) => applyEdits(PIPELINE, promptEdits(PIPELINE, prompts));
const prompt = (text: string, id: string) => analyze(text).stepIndex.get(id)!.step.parameters.prompt;

describe('promptEdits: prompts written back as minimal edits', () => {
  it('a literal block stays a literal block: only its body lines change, its header comment kept', () => {
    const after = apply({ literal: 'Answer {{ q }}\nbriefly.\nAnswer in uppercase.\n' });
    assert.equal(after, PIPELINE.replace('        briefly.\n', '        briefly.\n        Answer in uppercase.\n'));
    // without a final line break: the chomping indicator says so
    const strip = apply({ literal: 'Answer {{ q }} now' });
    assert.equal(strip, PIPELINE.replace('      prompt: |  # keep me\n        Answer {{ q }}\n        briefly.\n', '      prompt: |-  # keep me\n        Answer {{ q }} now\n'));
    assert.equal(prompt(strip, 'literal'), 'Answer {{ q }} now');
  });

  it('a folded block stays folded and reads back exactly, line breaks included', () => {
    const value = 'Fold {{ q }} into one line\nthen a second line';
    const after = apply({ folded: value });
    assert.equal(after, PIPELINE.replace('      prompt: >-\n        Fold {{ q }}\n        into one line\n', '      prompt: >-\n        Fold {{ q }} into one line\n\n        then a second line\n'));
    assert.equal(prompt(after, 'folded'), value);
  });

  it('quoted and plain scalars keep their quoting (double quotes when a plain one cannot hold the text)', () => {
    assert.equal(apply({ single: "It's {{ q }}" }), PIPELINE.replace("{prompt: 'Say {{ q }}', temperature: 0}", "{prompt: 'It''s {{ q }}', temperature: 0}"));
    assert.equal(apply({ double: 'Quote "{{ q }}"\nplease' }), PIPELINE.replace('"Quote {{ q }}"', '"Quote \\"{{ q }}\\"\\nplease"'));
    assert.equal(apply({ plain: 'Plain {{ q }} again' }), PIPELINE.replace('prompt: Plain {{ q }}\n', 'prompt: Plain {{ q }} again\n'));
    const colon = apply({ plain: 'Note: {{ q }}' });
    assert.equal(colon, PIPELINE.replace('prompt: Plain {{ q }}\n', 'prompt: "Note: {{ q }}"\n'));
    assert.equal(prompt(colon, 'plain'), 'Note: {{ q }}');
  });

  it('an anchor is kept; an edit through a shared alias is refused as orc edit refuses it', () => {
    const solo = PIPELINE.replace('      prompt: *shared\n', '      prompt: Own {{ q }}\n');
    assert.equal(applyEdits(solo, promptEdits(solo, { anchored: 'Kept {{ q }}' })), solo.replace('&shared Shared {{ q }}', '&shared Kept {{ q }}'));
    assert.throws(() => promptEdits(PIPELINE, { anchored: 'Changed {{ q }}' }), (e: Error) => e instanceof EditRefused && /value anchored &shared \(line 42\), which the alias \*shared also uses \(line 47\)/.test(e.message));
    assert.throws(() => promptEdits(PIPELINE, { user: 'Changed {{ q }}' }), (e: Error) => e instanceof EditRefused && /would change the alias \*shared/.test(e.message));
  });

  it('several steps at once; an unchanged prompt makes no edit; a changed file is refused', () => {
    const after = apply({ literal: 'Answer {{ q }}\nbriefly.\n', plain: 'P {{ q }}', double: 'D {{ q }}' });
    assert.equal(after, PIPELINE.replace('prompt: Plain {{ q }}', 'prompt: P {{ q }}').replace('"Quote {{ q }}"', '"D {{ q }}"'));
    assert.deepEqual(promptEdits(PIPELINE, { literal: 'Answer {{ q }}\nbriefly.\n' }), []);
    assert.throws(() => promptEdits(PIPELINE + '\n', { plain: 'x {{ q }}' }, sha256Text(PIPELINE)), /changed since the search started/);
    assert.throws(() => promptEdits(PIPELINE, { nope: 'x' }), /There is no step 'nope'/);
  });

  it('unifiedDiff: the changed lines with their context', () => {
    assert.deepEqual(unifiedDiff('a\nb\nc\n', 'a\nb\nc\nd\n', 'before', 'after'), ['--- before', '+++ after', '@@ -1,3 +1,4 @@', ' a', ' b', ' c', '+d']);
    assert.deepEqual(unifiedDiff('same', 'same'), []);
  });
});
