// The fast reader of plain block YAML sections must give exactly what the yaml library gives (value,
// every span, where the section ends) wherever it reads, and decline otherwise. Held to it on the
// sections of the examples, of generated pipelines, of thousands of fuzz mutations and of edge cases.
import { strict as assert } from 'node:assert';
import { readPlainSection } from '../../../engine/parse/plainBlockYaml';
import { parseSectionWithLibrary, PARSE_OPTIONS } from '../../../engine/parse/yamlDocument';
import { generatePipeline } from '../../../bench/generatePipeline';
import { mutatedDocuments, seedDocuments } from '../../helpers/fuzzCorpus';
import { plainSpan } from '../../helpers/spans';


/** The texts a section parse is given: each top-level entry, and each item of a list under `steps:`. */
function sectionsOf(text: string): { src: string; from: number; key: string | number }[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  let at = 0;
  for (const l of lines) {
    starts.push(at);
    at += l.length + 1;
  }
  const cuts: { line: number; key: string | number }[] = [];
  let itemIndent = -1;
  lines.forEach((l, i) => {
    const top = /^([A-Za-z_][\w-]*)[ \t]*:/.exec(l);
    if (top) {
      cuts.push({ line: i, key: top[1] });
      itemIndent = top[1] === 'steps' ? -2 : -1;
      return;
    }
    const item = /^( +)- /.exec(l);
    if (item && itemIndent !== -1 && (itemIndent === -2 || item[1].length === itemIndent)) {
      itemIndent = item[1].length;
      cuts.push({ line: i, key: 0 });
    }
  });
  return cuts.map((c, k) => {
    const from = starts[c.line];
    const to = k + 1 < cuts.length ? starts[cuts[k + 1].line] : text.length;
    return { src: text.slice(from, Math.min(to, text.length)), from, key: c.key };
  });
}

/** Reads one section both ways; true when the fast reader read it. */
function agree(name: string, src: string, from: number, key: string | number): boolean {
  const fast = readPlainSection(src, from, key, PARSE_OPTIONS);
  if (!fast) return false;
  const lib = parseSectionWithLibrary(src, from, key);
  assert.ok(lib, `${name}: read fast, but the library reports something in ${JSON.stringify(src.slice(0, 300))}`);
  assert.deepEqual(fast.value, lib.value, `${name}: values differ for ${JSON.stringify(src.slice(0, 300))}`);
  assert.deepEqual(plainSpan(fast.span), plainSpan(lib.span), `${name}: spans differ for ${JSON.stringify(src.slice(0, 300))}`);
  assert.equal(fast.end, lib.end, `${name}: ends differ for ${JSON.stringify(src.slice(0, 300))}`);
  return true;
}

describe('plain block YAML sections read without the library', function () {
  this.timeout(120_000);

  it('reads every step of a generated pipeline, exactly as the library does', () => {
    const sections = sectionsOf(generatePipeline(300));
    let read = 0;
    for (const s of sections) if (agree('generated', s.src, s.from, s.key)) read++;
    // all but the `steps:` line before the items (an empty value); the `parameters:` section's flow
    // mappings are read too
    assert.equal(read, sections.length - 1);
  });

  it('on the sections of the examples and conformance pipelines', () => {
    let read = 0;
    for (const d of seedDocuments()) for (const s of sectionsOf(d.text)) if (agree(d.name, s.src, s.from, s.key)) read++;
    assert.ok(read >= 50, `read only ${read} sections`);
  });

  it('on the sections of 3,000 fuzz mutations', () => {
    let read = 0;
    for (const d of mutatedDocuments(3000, 11)) for (const s of sectionsOf(d.text)) if (agree(d.name, s.src, s.from, s.key)) read++;
    assert.ok(read > 1000, `read only ${read} sections`);
  });

  it('on edge cases: read exactly, or declined', () => {
    const items = [
      '  - id: a\n    x: 1',
      '  - id: a\n    x: 1   ',
      '  - id: a\n    x: "q"  \n\n\n',
      "  - id: a\n    x: 'it''s'\n    y: ''\n    z: \"\"\n",
      '  - id: a\n    n: [1, 2.5, -3, 0x1F, 0o17, 1e3, .inf, -.Inf, .nan, true, False, NULL, null, ~, yes, a-b, a/b.c]\n',
      '  - id: a\n    n: [1, 2.5, 0x1F, 0o17, 1e3, 1E-3, 0xZ, true, False, NULL, null, yes, a-b, a/b.c, 1.2.3]\n',
      '  - id: a\n    n: []\n    m: [ a]\n    p: [a,b]\n',
      '  - id: a\n    o: [a ]\n',
      '  - id: a\n    q: [a, ]\n',
      '  - id: a\n    v: -1\n    w: +2\n    x: 3.\n    y: 007\n    z: 1_000\n',
      '  - id: a\n    t: 12:30\n    u: 2001-12-14\n    v: .inf\n    w: -.Inf\n    x: .nan\n    y: ~\n    z: -0.5e+3\n',
      '  - id: a\n    v: -\n',
      '  - id: a\n    v: ?x\n    w: :x\n    x: a:b\n    y: a :b\n',
      '  - id: a\n    z: a: b\n',
      '  - id: a\n    v: a:\n',
      '  - id: a\n    true: 1\n',
      '  - id: a\n    Null: 1\n',
      '  - id: a\n    __proto__: 1\n',
      '  - id: a\n    id: b\n',
      '  - id: a\n    x:\n',
      '  - id: a\n    x:\n    y: 1\n',
      '  - id: a\n    x:\n      - 1\n      - b: 2\n        c: [3]\n      -   d: "4"\n',
      '  - id: a\n    x:\n      - - 4\n',
      '  - id: a\n    x:\n    - 1\n',
      '  - id: a\n    x:\n      y:\n        z: "deep"\n    w: 1\n',
      '  - id: a\n    x: plain\n      continued\n',
      '  - id: a\n    x: plain\n   bad: 1\n',
      '  - id: a\n     y: 1\n',
      '  -   id: a\n        y: 1\n',
      '  - plain\n',
      '  - "quoted"\n',
      '  - id: a\n  - id: b\n',
      '  - id: a\n    x: "a \\" b"\n',
      "  - id: a\n    x: 'a\n      b'\n",
      '  - id: a\n    x: "a\n      b"\n',
      '  - id: a\n    x: |\n      text\n',
      '  - id: a\n    x: {a: 1}\n',
      '  - id: a\n    x: "{{ a }}" b\n',
      '  - id: a\n    x: [a]b\n',
      '  - id: a\n    \n    y: 1\n',
      '  - id: a\n    y: é ünïcode 🙂\n',
      '  - id: a\n    y: lone \ud800 surrogate\n',
      '  - id: a\n    y: x\u00a0y\n',
      '  - id: a\n    y: 1\n\n',
      '\n\n  - id: a\n',
      '  - id: a\n    k-e_y9: v\n',
      `  - id: a\n    ${'k'.repeat(1100)}: v\n`,
      '  - id: a\n    y: a\u2028b\n',
      '  - id: a\n    y: a\u0085b\n',
      '  - id: a\n    y: a#b\n    z: "a # b"\n    w: \'#\'\n',
      '  - id: a # note\n',
      '  - id: a\n    # note\n    y: 1\n',
      '  - id: a\n    y: *x\n',
      '  - id: a\n    y: &x 1\n',
      '  - id: a\n    y: !!str 1\n',
      '  - id: a\n    y: [a, *b]\n',
      '  - id: a\n    y: 50%\n    z: @x\n',
      // flow mappings and lists on one line (a whole `steps: [...]` list is written so)
      "  - id: a\n    x: {a: {b: [c, \"d\", 'e''s']}, f: 1.5, g: true, h: ~}\n",
      '  - id: a\n    x: {a: 1,b: two words}  \n',
      '  - {id: s0, tool: terminal, action: execute, parameters: {command: echo}}\n',
      '  - id: a\n    x: [{id: s0}, {id: s1, p: [ ]}, { }]\n',
      '  - id: a\n    x: {a:1}\n',
      '  - id: a\n    x: {a: }\n',
      '  - id: a\n    x: {a: 1, a: 2}\n',
      '  - id: a\n    x: {a: 1, }\n',
      '  - id: a\n    x: {a: b #c}\n',
      '  - id: a\n    x: {a: x:y}\n',
      '  - id: a\n    x: {a: 1} b\n',
      '  - id: a\n    x: {a: 1,\n      b: 2}\n',
      '  - id: a\n    x: {true: 1}\n',
      '  - id: a\n    x: {a: "b\\"c"}\n',
      '  - id: a\n    x: [a, -, b]\n',
    ];
    const readList: string[] = [];
    for (const [i, src] of items.entries()) if (agree(`item ${i}`, src, 100, 0)) readList.push(`i${i}`);
    const tops: [string, string][] = [
      ['id', 'id: x'],
      ['id', 'id: x\n'],
      ['name', 'name: A name with words\n\n'],
      ['version', 'version: "1.0.0"\n'],
      ['model', 'model: openai:gpt-4o-mini\n'],
      ['outputs', 'outputs:\n  last: "{{ s.result }}"'],
      ['outputs', 'outputs:\n  last: "{{ s.result }}"\nother: 1\n'],
      ['steps', 'steps:\n  - id: a\n    action: generate\n'],
      ['steps', 'steps:\n- id: a\n'],
      ['parameters', 'parameters:\n  topic: {type: string}\n'],
      ['id', '  id: x\n'],
      ['steps', 'steps: [{id: a, action: generate}, {id: b, dependencies: [a]}]\n'],
    ];
    for (const [i, [key, src]] of tops.entries()) if (agree(`top ${i}`, src, 7, key)) readList.push(`t${i}`);
    // the plain ones are read (the others hold something only the library reads exactly)
    assert.deepEqual(readList, ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i9', 'i10', 'i12', 'i21', 'i24', 'i29', 'i30', 'i36', 'i40', 'i41', 'i42', 'i43', 'i44', 'i45', 'i47', 'i49', 'i57', 'i58', 'i59', 'i60', 't0', 't1', 't2', 't3', 't4', 't5', 't7', 't9', 't11']);
  });
});
