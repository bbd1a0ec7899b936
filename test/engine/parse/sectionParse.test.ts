// Reading a long document section by section must give exactly what the whole-text parse gives:
// the same value and the same span for every node. Held to it on the examples, generated
// pipelines and thousands of fuzz mutations; where it cannot, it must decline (and the whole
// parse runs).
import { strict as assert } from 'node:assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyze } from '../../../engine/analyze/index';
import { LineIndex } from '../../../engine/parse/lineIndex';
import { parseSections, parseWhole, parseWithTail, parseYaml, readBySections, sectionCacheSize, type NodeSpan } from '../../../engine/parse/yamlDocument';
import { hasAnchorOrAlias, startsALine } from '../../../engine/parse/sectionGuards';
import { forgetDocumentSections, forgetSections } from '../../../engine/parse/sectionCache';
import { generatePipeline } from '../../../bench/generatePipeline';
import { mutatedDocuments, rng, seedDocuments } from '../../helpers/fuzzCorpus';
import { plainSpan } from '../../helpers/spans';


function same(name: string, text: string): boolean {
  const sectioned = parseSections(text, new LineIndex(text));
  if (!sectioned) return false;
  const whole = parseWhole(text);
  assert.deepEqual(whole.findings, [], `${name}: read by sections although the whole parse has findings`);
  assert.deepEqual(sectioned.value, whole.value, `${name}: values differ`);
  assert.deepEqual(plainSpan(sectioned.spans), plainSpan(whole.spans), `${name}: spans differ`);
  return true;
}

/** The sections before a failing one and the rest in one parse: exactly the whole parse, findings included. */
function sameWithTail(name: string, text: string): boolean {
  const tail = parseWithTail(text, new LineIndex(text));
  if (!tail) return false;
  const whole = parseWhole(text);
  assert.deepEqual(tail.findings, whole.findings, `${name}: findings differ`);
  assert.deepEqual(tail.value, whole.value, `${name}: values differ`);
  assert.deepEqual(plainSpan(tail.spans), plainSpan(whole.spans), `${name}: spans differ`);
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

  it('a long document is read by sections from its first open, and its edits then reuse the sections it kept', () => {
    const text = generatePipeline(700);
    const bySections = readBySections;
    const opened = parseYaml(text);
    assert.equal(bySections(opened), true, 'a cold document was not read by sections');
    assert.deepEqual(opened.value, parseWhole(text).value);
    assert.deepEqual(plainSpan(opened.spans), plainSpan(parseWhole(text).spans));
    for (const [i, edited] of [
      text.replace('name: Step number 350', 'nam: Step number 350'),
      text.replace('name: Step number 699', 'name: Step number 699!'),
      text.replace('  last: "{{ step_699.result }}"', '  last: "{{ step_698.result }}"'),
    ].entries()) {
      const again = parseYaml(edited);
      assert.equal(bySections(again), true, `edit ${i} was not read by sections`);
      const whole = parseWhole(edited);
      assert.deepEqual(again.value, whole.value);
      assert.deepEqual(plainSpan(again.spans), plainSpan(whole.spans));
    }
  });

  it('a short document is read by sections too, and its edits reuse its unchanged steps', () => {
    // 10 steps, 2,500 characters: until 2026-11-26 only documents of 20,000 characters were
    const text = generatePipeline(10);
    assert.ok(text.length < 5_000, `${text.length} characters`);
    const opened = parseYaml(text);
    assert.equal(readBySections(opened), true, 'a short document was parsed whole');
    assert.deepEqual(opened.value, parseWhole(text).value);
    assert.deepEqual(plainSpan(opened.spans), plainSpan(parseWhole(text).spans));
    const edited = text.replace('name: Step number 5', 'name: Step number 5!');
    const again = parseYaml(edited);
    assert.equal(readBySections(again), true);
    assert.deepEqual(again.value, parseWhole(edited).value);
    assert.deepEqual(plainSpan(again.spans), plainSpan(parseWhole(edited).spans));
    const steps = (p: { value: unknown }) => (p.value as { steps: unknown[] }).steps;
    // the value of an unchanged step is the one parsed before (its cached section's); the edited step's is new
    assert.equal(steps(again)[4], steps(opened)[4]);
    assert.notEqual(steps(again)[5], steps(opened)[5]);
  });

  it("a short document's edits, however many, do not drop a long document's sections: the long one's next edit reuses them", () => {
    const long = generatePipeline(700);
    const short = generatePipeline(10);
    const steps = (p: { value: unknown }) => (p.value as { steps: unknown[] }).steps;
    const first = parseYaml(long, 'file:///long.pipeline.yaml');
    // a person types in the short one between two edits of the long one
    for (let i = 0; i < 40; i++) parseYaml(short.replace('name: Step number 5', `name: Step number 5 edit ${i}`), 'file:///short.pipeline.yaml');
    const editedText = long.replace('name: Step number 350', 'name: Step number 350!');
    const edited = parseYaml(editedText, 'file:///long.pipeline.yaml');
    assert.equal(readBySections(edited), true);
    assert.equal(steps(edited)[100], steps(first)[100], 'step 100 of the long document was parsed again');
    assert.equal(steps(edited)[699], steps(first)[699], 'step 699 of the long document was parsed again');
    assert.deepEqual(plainSpan(edited.spans), plainSpan(parseWhole(editedText).spans));
    // the short one's own edits are dropped as before: its sections and the long one's, with room
    assert.ok(sectionCacheSize() <= 2 * (710 + 12) + 64, `${sectionCacheSize()} sections kept`);
  });

  it('many documents parsed in turn keep a bounded number of sections: those of the last eight, with room', () => {
    forgetSections();
    const steps = (p: { value: unknown }) => (p.value as { steps: unknown[] }).steps;
    const text = generatePipeline(300);
    const first = parseYaml(text, 'file:///first.pipeline.yaml');
    for (let d = 0; d < 30; d++) parseYaml(generatePipeline(300).replace(/step_/g, `s${d}_`), `file:///other-${d}.pipeline.yaml`);
    assert.ok(sectionCacheSize() <= 2 * 8 * 310 + 64, `${sectionCacheSize()} sections kept`);
    // the first document's sections went with the room they took: it is read again, exactly
    const again = parseYaml(text, 'file:///first.pipeline.yaml');
    assert.notEqual(steps(again)[100], steps(first)[100], 'step 100 was kept although thirty documents were parsed since');
    assert.deepEqual(again.value, parseWhole(text).value);
    assert.deepEqual(plainSpan(again.spans), plainSpan(parseWhole(text).spans));
  });

  it('sections shared between versions stay exact as edits move them back and forth, and an older parse keeps its spans', () => {
    const text = generatePipeline(700);
    const longer = text.replace('name: Step number 10\n', 'name: Step number 10 and more\n');
    const first = parseYaml(text);
    const firstSpans = plainSpan(first.spans);
    for (const t of [longer, text, longer, text]) {
      const again = parseYaml(t);
      assert.equal(readBySections(again), true);
      assert.deepEqual(plainSpan(again.spans), plainSpan(parseWhole(t).spans));
    }
    assert.deepEqual(plainSpan(first.spans), firstSpans, 'a later parse changed the spans of an earlier one');
  });

  it('sections moved by several edits before anything reads them, and read only then, have the spans of the whole parse', () => {
    // each version lengthens step 10's name, moving every later step again; no span of the
    // versions in between is read until all of them are parsed
    const versions = [0, 3, 7, 12, 20].map((k) => generatePipeline(700).replace('name: Step number 10\n', `name: Step number 10${'!'.repeat(k)}\n`));
    const parsed = versions.map((t) => parseYaml(t));
    for (const [i, p] of parsed.entries()) {
      assert.equal(readBySections(p), true);
      assert.deepEqual(plainSpan(p.spans), plainSpan(parseWhole(versions[i]).spans), `version ${i}`);
    }
    // and a step far after the edits, read alone, is where the text has it
    const last = parsed[parsed.length - 1].spans!.children!.get('steps')!.children!.get(650)!;
    const text = versions[versions.length - 1];
    assert.equal(text.slice(last.children!.get('id')!.start, last.children!.get('id')!.end), 'step_650');
  });

  it("an analysis that adds a span to a step (ContextLab's 'foreach' read as 'for_each') leaves the cached sections as parsed", () => {
    const text = generatePipeline(700).replace('  - id: step_5\n', '  - id: step_5\n    foreach: "{{ [1, 2] }}"\n');
    const step5 = (p: { spans: NodeSpan | null }) => p.spans!.children!.get('steps')!.children!.get(5)!;
    const a = analyze(text);
    assert.equal(readBySections(a.parsed), true);
    assert.equal(step5(a.parsed).children!.has('for_each'), true);
    const again = parseYaml(text);
    assert.deepEqual(plainSpan(again.spans), plainSpan(parseWhole(text).spans));
    assert.equal(step5(again).children!.has('for_each'), false);
  });

  it('a closed document leaves none of its sections, and another document keeps its own', () => {
    forgetSections();
    const steps = (p: { value: unknown }) => (p.value as { steps: unknown[] }).steps;
    const kept = parseYaml(generatePipeline(50), 'file:///kept.pipeline.yaml');
    parseYaml(generatePipeline(300).replace(/step_/g, 's_'), 'file:///closed.pipeline.yaml');
    assert.ok(sectionCacheSize() > 300);
    forgetDocumentSections('file:///closed.pipeline.yaml');
    assert.ok(sectionCacheSize() <= 55, `${sectionCacheSize()} sections kept`);
    assert.equal(steps(parseYaml(generatePipeline(50), 'file:///kept.pipeline.yaml'))[20], steps(kept)[20]);
  });

  it("a long editing session of one document beside long documents left open keeps few of its own old versions", () => {
    forgetSections();
    // two long documents open, then 800 edits of a third: its own edited versions are dropped as
    // they would be alone (at twice its sections, plus 64), not once the cache reaches twice all
    // three documents' sections
    for (const [name, n] of [['a', 2000], ['b', 2000]] as const) parseYaml(generatePipeline(n).replace(/step_/g, `${name}_`), `file:///${name}.pipeline.yaml`);
    const text = generatePipeline(300);
    for (let i = 0; i < 800; i++) parseYaml(text.replace('name: Step number 150', `name: Step number 150 edit ${i}`), 'file:///edited.pipeline.yaml');
    // the long documents' sections (about 2,005 each) and the edited one's, at most as it would keep alone
    assert.ok(sectionCacheSize() <= 2 * 2010 + (2 * 310 + 64), `${sectionCacheSize()} sections kept`);
  });

  it('keeps a bounded number of sections over a long editing session', () => {
    forgetSections();
    const text = generatePipeline(700);
    parseYaml(text);
    for (let i = 0; i < 300; i++) parseYaml(text.replace('name: Step number 350', `name: Step number 350 edit ${i}`));
    // ~700 step items and a few top-level sections; older edits of step 350 are gone
    assert.ok(sectionCacheSize() <= 2 * 710 + 64, `${sectionCacheSize()} sections kept`);
  });

  it('a session editing a different step each time does not keep each version of the text alive', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let text = generatePipeline(2000);
    parseYaml(text);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let k = 0; k < 100; k++) {
      text = text.replace(`name: Step number ${k * 20}\n`, `name: Step number ${k * 20} (edited)\n`);
      parseYaml(text);
    }
    gc();
    // each version is ~0.45 MiB: a cached section cut from it would keep all 100 (45 MiB) alive
    const grown = (process.memoryUsage().heapUsed - before) / 1048576;
    assert.ok(grown < 15, `the heap grew by ${grown.toFixed(1)} MiB`);
  });

  it('declines a text with a document marker, a directive, an anchor or an alias exactly where the patterns that describe them match, on 20,000 random texts', () => {
    // an alphabet of what the two tests look for, the characters around them and JavaScript's other line ends
    const alphabet = ['-', '.', '%', '&', '*', ' ', '\n', '\r', '\u2028', '\u2029', '\u00a0', '[', ']', '{', '}', ',', 'a', '\t', '#', ':'];
    const random = rng(0x9e3779b9);
    const next = (n: number) => Math.floor(random() * n);
    let markers = 0;
    let anchors = 0;
    for (let k = 0; k < 20_000; k++) {
      let text = '';
      for (let n = 1 + next(12); n > 0; n--) text += alphabet[next(alphabet.length)];
      const marker = /^(---|\.\.\.|%)/m.test(text);
      const anchor = /(^|[\s[{,])[&*][^\s\]},]/.test(text);
      assert.equal(startsALine(text, ['---', '...', '%']), marker, `document marker or directive in ${JSON.stringify(text)}`);
      assert.equal(hasAnchorOrAlias(text), anchor, `anchor or alias in ${JSON.stringify(text)}`);
      markers += Number(marker);
      anchors += Number(anchor);
    }
    assert.ok(markers > 1000 && anchors > 1000, `too few texts with what is looked for: ${markers} markers, ${anchors} anchors`);
  });

  it('on 2,000 fuzz mutations: equal where it reads, declining otherwise', () => {
    let used = 0;
    for (const d of mutatedDocuments(2000, 5)) if (same(d.name, d.text)) used++;
    assert.ok(used > 100, `sections were used for only ${used} mutations`);
  });

  it('a document with a section that cannot be read alone: the sections before it and the rest in one parse give the whole parse, findings included', () => {
    const text = generatePipeline(300);
    const broken = [
      text + '  extra: "{{ step_1',
      text.replace('  - id: step_150\n', '  - id: step_150\n    name: "unclosed\n'),
      text.replace('  - id: step_299\n', '  - id: step_299\n    parameters: {a: [1, 2}\n'),
      text.replace('outputs:\n', 'outputs:\n  - x\n  y: 1\n'),
      text.replace('  - id: step_3\n', '  - id: step_3\n    name: a\n    name: b\n'),
      text.replace('  - id: step_3\n', '  - id: step_3\n\tname: a\n'),
      `id: big\nparameters:\n${Array.from({ length: 50 }, (_, i) => `  p${i}: {type: string, default: v${i}}\n`).join('')}steps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "{{ p`,
    ];
    let used = 0;
    for (const [i, t] of broken.entries()) if (sameWithTail(`broken ${i}`, t)) used++;
    assert.ok(used >= 4, `the rest was parsed on its own for only ${used} documents`);
  });

  it('on 2,000 fuzz mutations: the sections before a failing one and the rest in one parse equal the whole parse', () => {
    let used = 0;
    for (const d of mutatedDocuments(2000, 7)) if (sameWithTail(d.name, d.text)) used++;
    assert.ok(used > 100, `the rest was parsed on its own for only ${used} mutations`);
  });
});
