// A document written as one flow mapping on one line (`{id: x, steps: [{id: s0, ...}, ...]}`) is
// read by the plain reader, not the yaml library (issue #74 item 13: a hover in a 4.9 MB one took
// 9 s, the library's parse of it most of that). Wherever the reader reads such a document it must
// give exactly what the whole parse gives (value, every span, no finding); anywhere else it declines
// and the whole parse reads the text (its findings included).
import { strict as assert } from 'node:assert';
import { parse as parseValue, stringify } from 'yaml';
import { readPlainFlowDocument } from '../../../engine/parse/plainBlockYaml';
import { parseWhole, parseYaml, PARSE_OPTIONS } from '../../../engine/parse/yamlDocument';
import { rng, seedDocuments } from '../../helpers/fuzzCorpus';
import { plainSpan } from '../../helpers/spans';

/** The same document as one flow mapping on one line. */
function oneLine(text: string): string | null {
  let value: unknown;
  try {
    value = parseValue(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const flow = stringify(value, { collectionStyle: 'flow', lineWidth: 0 });
  // a long flow mapping is written on several lines by the library: not the case here
  return flow.indexOf('\n') < flow.length - 1 ? null : flow;
}

/** Parses `text` both ways; true when the plain reader read it. */
function agree(name: string, text: string): boolean {
  const fast = readPlainFlowDocument(text, PARSE_OPTIONS);
  const whole = parseWhole(text);
  const got = parseYaml(text);
  assert.deepEqual(got.value, whole.value, `${name}: values differ`);
  assert.deepEqual(plainSpan(got.spans), plainSpan(whole.spans), `${name}: spans differ`);
  assert.deepEqual(got.findings, whole.findings, `${name}: findings differ`);
  if (!fast) return false;
  assert.deepEqual(whole.findings, [], `${name}: read fast, but the library reports ${JSON.stringify(whole.findings.map((f) => f.message))} in ${JSON.stringify(text.slice(0, 300))}`);
  assert.deepEqual(fast.value, whole.value, `${name}: values differ`);
  assert.deepEqual(plainSpan(fast.span), plainSpan(whole.spans), `${name}: spans differ in ${JSON.stringify(text.slice(0, 300))}`);
  return true;
}

/** One-character changes: a deleted, doubled or replaced character (a bracket, a comma, a colon, a quote, ...). */
function mutate(text: string, r: () => number): string {
  const at = Math.floor(r() * text.length);
  const chars = ['{', '}', '[', ']', ',', ':', ' ', '"', "'", '#', '&', '*', '\n', 'x', '-', '?'];
  switch (Math.floor(r() * 3)) {
    case 0: return text.slice(0, at) + text.slice(at + 1);
    case 1: return text.slice(0, at) + chars[Math.floor(r() * chars.length)] + text.slice(at);
    default: return text.slice(0, at) + chars[Math.floor(r() * chars.length)] + text.slice(at + 1);
  }
}

describe('a document written as one flow mapping on one line', function () {
  this.timeout(60_000);

  it('the examples and conformance pipelines, each rewritten on one line, read exactly as the library reads them', () => {
    let read = 0;
    let docs = 0;
    for (const d of seedDocuments()) {
      const flow = oneLine(d.text);
      if (!flow) continue;
      docs++;
      if (agree(d.name, flow)) read++;
    }
    // most read fast; those with multi-line or escaped text, comments or anchors are left to the library
    assert.ok(docs >= 12 && read >= docs / 2, `read ${read} of ${docs}`);
  });

  it('1,500 one-character mutations of them: read exactly, or declined and parsed whole', () => {
    const r = rng(74);
    const flows = seedDocuments().map((d) => oneLine(d.text)).filter((f): f is string => !!f && f.length < 20_000);
    let read = 0;
    for (let i = 0; i < 1500; i++) {
      let text = flows[Math.floor(r() * flows.length)];
      for (let k = 1 + Math.floor(r() * 2); k > 0; k--) text = mutate(text, r);
      if (agree(`mutation #${i}`, text)) read++;
    }
    assert.ok(read > 150, `read only ${read}`);
  });

  it('edge cases: read exactly, or declined', () => {
    const cases: [string, boolean][] = [
      ['{id: x, steps: [{id: a, action: generate, parameters: {prompt: "hi"}}]}\n', true],
      ['\n\n{id: x, steps: []}\n\n', true],
      ['{id: x, steps: [{id: a, tool: terminal, action: execute, parameters: {command: echo}, dependencies: [b]}, {id: b, action: generate}]}', true],
      ['{ id: x , steps: [ ] }\n', true],
      ['{id: 1, n: 1.5, t: true, z: null, tilde: ~, s: \'it\'\'s\'}\n', true],
      // left to the library: comments, a second line, anchors, escapes, duplicate keys, errors
      ['# a pipeline\n{id: x, steps: []}\n', false],
      ['{id: x, steps: []} # done\n', false],
      ['{id: x,\n steps: []}\n', false],
      ['{id: x, steps: []}\nname: y\n', false],
      ['{id: &a x, name: *a}\n', false],
      ['{id: "a\\tb"}\n', false],
      ['{id: x, id: y}\n', false],
      ['{id: x, steps: [}\n', false],
      ['{id: x, steps: [a, ]}\n', false],
      ['{id: x, "quoted key": 1}\n', false],
      ['{id: x\n', false],
      ['[a, b]\n', false],
      ['id: x\n', false],
    ];
    for (const [text, reads] of cases) assert.equal(agree(JSON.stringify(text), text), reads, JSON.stringify(text));
  });
});
