// Reading a long document section by section must give exactly what the whole-text parse gives:
// the same value and the same span for every node. Held to it on the examples, generated
// pipelines and thousands of fuzz mutations; where it cannot, it must decline (and the whole
// parse runs).
import { strict as assert } from 'node:assert';
import { LineIndex } from '../../engine/parse/lineIndex';
import { parseSections, parseWhole, parseYaml, SECTION_PARSE_MIN_CHARS, sectionCacheSize, type NodeSpan, type ParsedYaml } from '../../engine/parse/yamlDocument';
import { generatePipeline } from '../../bench/generatePipeline';
import { mutatedDocuments, seedDocuments } from '../helpers/fuzzCorpus';

function plain(span: NodeSpan | null): unknown {
  if (!span) return null;
  return { key: span.key ?? null, value: span.value, style: span.style ?? null, children: span.children ? [...span.children].map(([k, c]) => [k, plain(c)]) : null };
}

function same(name: string, text: string): boolean {
  const sectioned = parseSections(text, new LineIndex(text));
  if (!sectioned) return false;
  const whole = parseWhole(text);
  assert.deepEqual(whole.findings, [], `${name}: read by sections although the whole parse has findings`);
  assert.deepEqual(sectioned.value, whole.value, `${name}: values differ`);
  assert.deepEqual(plain(sectioned.spans), plain(whole.spans), `${name}: spans differ`);
  return true;
}

describe('section-by-section parsing equals the whole parse', function () {
  this.timeout(120_000);

  it('on the examples and conformance pipelines', () => {
    let used = 0;
    for (const d of seedDocuments()) if (same(d.name, d.text)) used++;
    assert.ok(used >= 8, `sections were used for only ${used} documents`);
  });

  it('on generated pipelines, and after edits anywhere in them', () => {
    const text = generatePipeline(300);
    assert.ok(same('generated', text));
    assert.ok(same('edited', text.replace('name: Step number 150', 'nam: Step number 150')));
    assert.ok(same('comment between steps', text.replace('  - id: step_7\n', '  # a note\n\n  - id: step_7\n')));
  });

  it('a long document opens with one whole parse, and its edits then reuse the sections it kept', () => {
    const text = generatePipeline(700);
    assert.ok(text.length > SECTION_PARSE_MIN_CHARS);
    const bySections = (p: ParsedYaml) => Object.getOwnPropertyDescriptor(p, 'document')?.get !== undefined;
    const opened = parseYaml(text);
    assert.equal(bySections(opened), false, 'a cold document is parsed whole');
    for (const [i, edited] of [
      text.replace('name: Step number 350', 'nam: Step number 350'),
      text.replace('name: Step number 699', 'name: Step number 699!'),
      text.replace('  last: "{{ step_699.result }}"', '  last: "{{ step_698.result }}"'),
    ].entries()) {
      const again = parseYaml(edited);
      assert.equal(bySections(again), true, `edit ${i} was not read by sections`);
      const whole = parseWhole(edited);
      assert.deepEqual(again.value, whole.value);
      assert.deepEqual(plain(again.spans), plain(whole.spans));
    }
  });

  it('keeps a bounded number of sections over a long editing session', () => {
    const text = generatePipeline(700);
    parseYaml(text);
    for (let i = 0; i < 300; i++) parseYaml(text.replace('name: Step number 350', `name: Step number 350 edit ${i}`));
    // ~700 step items and a few top-level sections; older edits of step 350 are gone
    assert.ok(sectionCacheSize() <= 2 * 710 + 64, `${sectionCacheSize()} sections kept`);
  });

  it('on 2,000 fuzz mutations: equal where it reads, declining otherwise', () => {
    let used = 0;
    for (const d of mutatedDocuments(2000, 5)) if (same(d.name, d.text)) used++;
    assert.ok(used > 100, `sections were used for only ${used} mutations`);
  });
});
