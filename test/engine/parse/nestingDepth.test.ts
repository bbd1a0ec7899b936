// How deep a text nests, checked before a parser that recurses reads it (engine/parse/nestingDepth.ts).
import { strict as assert } from 'node:assert';
import { MAX_NESTING_DEPTH, tooDeepAt } from '../../../engine/parse/nestingDepth';
import { parseWhole, parseYaml } from '../../../engine/parse/yamlDocument';
import { generatePipeline } from '../../../bench/generatePipeline';

const indented = (n: number, step = 1) => Array.from({ length: n }, (_, i) => `${' '.repeat(i * step)}- `).join('\n') + 'x\n';

describe('nesting depth', () => {
  it('counts brackets, closers taking levels back, on top of the line\'s block level', () => {
    // `a:` is one block level, each bracket one more
    assert.equal(tooDeepAt('a: [[{x: [1]}]]', 4), 9);
    assert.equal(tooDeepAt('a: [[{x: 1}]]', 4), -1);
    // closed collections side by side never add up, and a closer with nothing open is ignored
    assert.equal(tooDeepAt('a: ' + '[1], '.repeat(5000), 3), -1);
    assert.equal(tooDeepAt('a: ]]]] [[[[', 3), 10);
  });

  it('counts block levels by indentation and by the `- ` that start a line, not the lines of a block scalar', () => {
    assert.equal(tooDeepAt(indented(6), 5), indented(6).indexOf('     - ') + 5);
    assert.equal(tooDeepAt(indented(5), 5), -1);
    assert.equal(tooDeepAt('- - - - - - x\n', 5), 0);
    assert.equal(tooDeepAt('- - - - - x\n', 5), -1);
    // lines at the same indent, or back out, open no level
    assert.equal(tooDeepAt('a:\n  b:\n    c: 1\n  d: 2\ne: 3\n'.repeat(50), 3), -1);
    // a block scalar's content, however indented, is text
    const prompt = 'a:\n  b: |\n' + Array.from({ length: 30 }, (_, i) => `    ${' '.repeat(i)}line`).join('\n') + '\n  c: 1\n';
    assert.equal(tooDeepAt(prompt, 5), -1);
  });

  it(`at the default limit (${MAX_NESTING_DEPTH}): 199 levels of brackets are read, 200 are not; real documents pass`, () => {
    assert.equal(tooDeepAt(`a: ${'['.repeat(199)}${']'.repeat(199)}`), -1);
    assert.equal(tooDeepAt(`a: ${'['.repeat(200)}${']'.repeat(200)}`), 3 + 199);
    assert.equal(tooDeepAt(generatePipeline(2000)), -1);
  });

  it('a document nested too deep is one finding and no value, in both readers, and its Document carries the error', () => {
    for (const text of [`id: x\nsteps: ${'{a: '.repeat(30_000)}1${'}'.repeat(30_000)}\n`, `id: x\nsteps:\n${indented(3000).replace(/^/gm, '  ')}`]) {
      for (const parsed of [parseYaml(text), parseWhole(text)]) {
        assert.deepEqual(parsed.findings.map((f) => f.code), ['yaml.too-deep']);
        assert.equal(parsed.value, undefined);
        assert.equal(parsed.spans, null);
        assert.equal(parsed.document.errors.length, 1);
      }
    }
  });
});
