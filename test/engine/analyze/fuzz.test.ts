// Thousands of broken documents through analyze: it never throws, never takes a second, and a
// document the YAML parser rejects always gets an error finding.
import { strict as assert } from 'node:assert';
import { parseDocument } from 'yaml';
import { analyze } from '../../../engine/analyze/index';
import { hostileDocuments, mutatedDocuments } from '../../helpers/fuzzCorpus';

const COUNT = Number(process.env.FUZZ_COUNT ?? 3000);

/**
 * Analyzes the text `tries` times and holds the fastest to under a second. A hostile document is
 * analyzed twice: the first analysis of a 3,000-step document after the thousands of mutations pays
 * for their garbage and for code the JIT compiled for them (900 ms where the next takes 190 and the
 * third 80), while a blow-up (quadratic work, a runaway regex) is slow every time.
 */
function check(name: string, text: string, tries = 1): number {
  let ms = Infinity;
  let a;
  for (let i = 0; i < tries; i++) {
    const t0 = performance.now();
    try {
      a = analyze(text);
    } catch (e) {
      throw new Error(`analyze threw on ${name}: ${(e as Error).stack}`);
    }
    ms = Math.min(ms, performance.now() - t0);
  }
  assert.ok(a && ms < 1000, `${name}: took ${ms.toFixed(0)} ms`);
  for (const f of a.findings) {
    assert.ok(f.range.start.line >= 0 && f.range.end.line >= f.range.start.line, `${name}: bad range ${JSON.stringify(f.range)}`);
    assert.ok(f.range.start.line < a.parsed.lines.lineCount, `${name}: range past the end ${JSON.stringify(f.range)}`);
  }
  let yamlBroken = false;
  try {
    yamlBroken = parseDocument(text, { uniqueKeys: true, prettyErrors: false }).errors.length > 0;
  } catch {
    yamlBroken = true;
  }
  // YAML 1.2 errors are error findings, unless the analysis read the text as PyYAML does (an
  // under-indented quoted value, repaired): then that is said, and the repaired text is valid YAML
  const repaired = a.findings.some((f) => f.code === 'yaml.under-indented-quote');
  if (repaired) assert.equal(parseDocument(a.text, { uniqueKeys: false, prettyErrors: false }).errors.length, 0, `${name}: repaired, but the repair is not valid YAML`);
  if (yamlBroken && !repaired) assert.ok(a.findings.some((f) => f.severity === 'error'), `${name}: YAML errors but no error finding`);
  return ms;
}

describe('fuzz: analyze survives broken and hostile input', function () {
  this.timeout(300_000);

  it(`${COUNT} mutations of the examples`, () => {
    let worst = 0;
    let withErrors = 0;
    for (const { name, text } of mutatedDocuments(COUNT)) {
      worst = Math.max(worst, check(name, text));
      if (analyze(text).findings.some((f) => f.severity === 'error')) withErrors++;
    }
    // most mutations break something; a fuzzer whose inputs all stay valid tests nothing
    assert.ok(withErrors > COUNT / 3, `only ${withErrors} of ${COUNT} mutations produced an error finding`);
  });

  for (const { name, text, broken } of hostileDocuments()) {
    it(`hostile: ${name}`, () => {
      check(name, text, 2);
      const errors = analyze(text).findings.filter((f) => f.severity === 'error');
      if (broken) assert.ok(errors.length > 0, `${name}: no error finding`);
      else assert.deepEqual(errors, []);
    });
  }
});
