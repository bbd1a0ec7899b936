// The plan of an edited document made from its last version's plan (replanSections) must be the
// plan of the whole text, line starts included, or nothing (the whole text is planned then): held
// to it on thousands of fuzz mutations of the examples and on a long session of random keystrokes,
// some of which make the text one the section parse declines and back.
import { strict as assert } from 'node:assert';
import { LineIndex } from '../../../engine/parse/lineIndex';
import { planSections, replanSections, type PlannedText } from '../../../engine/parse/sectionPlan';
import { parseWhole, parseYaml } from '../../../engine/parse/yamlDocument';
import { generatePipeline } from '../../../bench/generatePipeline';
import { mutatedDocuments, rng, seedDocuments } from '../../helpers/fuzzCorpus';

function planned(text: string): PlannedText | null {
  const lines = new LineIndex(text);
  const plan = planSections(text, lines);
  return plan ? { text, lines, plan } : null;
}

/** The plan made from `last`, checked against the whole text's: true when it made one. */
function sameAsWhole(name: string, last: PlannedText, text: string): boolean {
  const re = replanSections(last, text);
  const whole = planned(text);
  if (!re) return false;
  assert.ok(whole, `${name}: planned from the last version, where the whole text cannot be read by sections`);
  assert.deepEqual(re.plan, whole.plan, `${name}: the plans differ`);
  assert.equal(re.lines.lineCount, whole.lines.lineCount, `${name}: line counts differ`);
  for (let l = 0; l <= whole.lines.lineCount; l++) assert.equal(re.lines.lineStart(l), whole.lines.lineStart(l), `${name}: line ${l} starts elsewhere`);
  return true;
}

describe('planning an edited document from its last version', function () {
  this.timeout(120_000);

  it('on 2,000 fuzz mutations of the examples: the whole text plan, or none', () => {
    const seeds = seedDocuments().map((s) => ({ ...s, planned: planned(s.text) }));
    let used = 0;
    let i = 0;
    for (const d of mutatedDocuments(2000, 11)) {
      const base = seeds.find((s) => d.name.startsWith(`#${i} ${s.name} `));
      i++;
      assert.ok(base, `no seed for ${d.name}`);
      if (base.planned && sameAsWhole(d.name, base.planned, d.text)) used++;
    }
    assert.ok(used > 200, `planned from the last version for only ${used} mutations`);
  });

  it('over 3,000 random keystrokes in a generated pipeline (breaking it and mending it): the whole text plan, or none', () => {
    const r = rng(0x51ed);
    const typed = ['a', ' ', '  ', '\n', '\n  - id: x\n', '- ', '#', ':', '&a', '*', '\t', '\r', '---', 'steps:', '"', '\n\n', 'k: v\n'];
    let text = generatePipeline(120);
    let last = planned(text)!;
    let used = 0;
    let declined = 0;
    for (let k = 0; k < 3000; k++) {
      const at = Math.floor(r() * text.length);
      // a keystroke: a deletion of up to 3 characters, or a typed piece; now and then the edit is
      // undone, which mends what it broke
      const edit = r() < 0.4 ? { at, remove: 1 + Math.floor(r() * 3), add: '' } : { at, remove: 0, add: typed[Math.floor(r() * typed.length)] };
      const next = text.slice(0, edit.at) + edit.add + text.slice(edit.at + edit.remove);
      if (sameAsWhole(`keystroke ${k}`, last, next)) used++;
      const whole = planned(next);
      if (!whole) declined++;
      // as parseYaml keeps it: the last text read by sections; a text it declines is edited on
      // (planned then from an older version) or mended back to that version
      if (whole) {
        last = whole;
        text = next;
      } else text = r() < 0.5 ? next : last.text;
    }
    assert.ok(used > 1000, `planned from the last version for only ${used} of 3,000 keystrokes`);
    assert.ok(declined > 100, `only ${declined} keystrokes made a text the section parse declines`);
  });

  it("an editing session through parseYaml reads each version as the whole parse does", () => {
    const owner = 'file:///session.pipeline.yaml';
    let text = generatePipeline(200);
    parseYaml(text, owner);
    const r = rng(7);
    for (let k = 0; k < 40; k++) {
      const at = text.indexOf('name: Step number', Math.floor(r() * text.length));
      if (at < 0) continue;
      text = k % 3 === 0 ? text.slice(0, at) + '# note\n    ' + text.slice(at) : text.slice(0, at + 4) + text.slice(at + 5);
      const read = parseYaml(text, owner);
      assert.deepEqual(read.value, parseWhole(text).value, `edit ${k}: values differ`);
    }
  });
});
