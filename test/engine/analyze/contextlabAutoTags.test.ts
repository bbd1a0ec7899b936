// An unquoted `<AUTO>…</AUTO>` value holding `: ` (engine/parse/autoTagRepair.ts). YAML reads the
// colon as a second key and refuses the line; ContextLab replaces its `<AUTO>` tags by placeholders
// before its YAML parser runs, and accepts it. ContextLab's examples/auto_tags_demo.yaml (MIT,
// (c) 2025 Contextual Dynamics Laboratory) writes three such values, which read here as six YAML
// errors: the excerpt below is one of them. What ContextLab refuses too stays an error.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { repairPlainAutoTags } from '../../../engine/parse/autoTagRepair';
import { compact, doc } from '../../helpers/findings';

const DEMO = doc(
  'id: auto-tags-demo', //                                   0
  'parameters:', //                                          1
  '  kind: {type: string, default: report}', //             2
  'steps:', //                                               3
  '  - id: pick', //                                         4
  '    action: generate_text', //                            5
  '    parameters:', //                                      6
  '      prompt: "Pick a strategy for {{ kind }}"', //      7
  '      strategy: <AUTO>Given content type "{{ kind }}", what processing approach is best: "simple", "advanced", or "expert"?</AUTO>', // 8
  '      max_tokens: 20', //                                 9
);
const TAG = '<AUTO>Given content type "{{ kind }}", what processing approach is best: "simple", "advanced", or "expert"?</AUTO>';

describe("ContextLab's unquoted AUTO tags holding ': '", () => {
  it('read as ContextLab reads them: no YAML error, the value is the tag as written, the tag found where it is', () => {
    const a = analyze(DEMO);
    // the one finding: ContextLab's generate_text ignores a `strategy` too (the parameters it lists are another test's)
    assert.deepEqual(
      a.findings.map((f) => [...compact(f).slice(0, 2), compact(f)[2].split(':')[0], compact(f)[3]]),
      [['param.unknown', 'warning', "'generate_text' has no parameter 'strategy'", '8:6-8:14']],
    );
    assert.equal((a.pipeline!.steps[0].parameters as Record<string, unknown>).strategy, TAG);
    assert.deepEqual(
      a.autoTags.map((t) => [t.text, `${t.range.start.line}:${t.range.start.character}-${t.range.end.line}:${t.range.end.character}`]),
      [[TAG.slice(6, -7), '8:16-8:130']],
    );
    // the analysis's text is the file's (a quick fix edits what the file holds)
    assert.equal(a.text, DEMO);
  });

  it('what follows the repaired line is found at its own characters', () => {
    const a = analyze(DEMO.replace('max_tokens: 20', 'max_tokens: "{{ knd }}"'));
    assert.deepEqual(
      a.findings.filter((f) => f.severity === 'error').map(compact),
      [['template.unknown-name', 'error', "Unknown name 'knd' in template: not a parameter, a step or a loop variable. Did you mean 'kind'?", '9:22-9:25']],
    );
  });

  it('a list item, a comment after the tag and ` #` inside it read the same way', () => {
    const text = doc(
      'id: items',
      'steps:',
      '  - id: pick',
      '    action: generate_text',
      '    parameters:',
      '      prompt: hi',
      '      max_tokens: 20',
      '      stop:',
      '        - <AUTO>Which marker ends it: a dot or #end?</AUTO>   # asked at run time',
    );
    const a = analyze(text);
    assert.deepEqual(a.findings.filter((f) => f.code.startsWith('yaml.')).map(compact), []);
    assert.deepEqual((a.pipeline!.steps[0].parameters as Record<string, unknown>).stop, ['<AUTO>Which marker ends it: a dot or #end?</AUTO>']);
  });

  it('stays a YAML error where ContextLab refuses it too: a tag with attributes, text after the tag, a tag spanning lines', () => {
    for (const value of ['<AUTO task="pick">Best: simple or expert?</AUTO>', '<AUTO>Best: simple?</AUTO> or not', '<AUTO>Best:\n        simple?</AUTO>']) {
      const text = doc('id: refused', 'steps:', '  - id: pick', '    action: generate_text', '    parameters:', '      prompt: hi', `      strategy: ${value}`);
      assert.ok(analyze(text).findings.some((f) => f.code === 'yaml.syntax'), value);
      assert.equal(repairPlainAutoTags(text), null, value);
    }
  });

  it('the repair keeps every line and character where it was', () => {
    const r = repairPlainAutoTags(DEMO)!;
    assert.equal(r.text.length, DEMO.length);
    assert.deepEqual(r.text.split('\n').map((l) => l.length), DEMO.split('\n').map((l) => l.length));
    assert.deepEqual([...r.tags.values()], [TAG]);
  });
});
