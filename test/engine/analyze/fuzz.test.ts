// Thousands of broken documents through analyze: it never throws, never takes much longer than a
// bare YAML parse of the same text, and a document the YAML parser rejects always gets an error
// finding.
import { strict as assert } from 'node:assert';
import { parseDocument } from 'yaml';
import { analyze } from '../../../engine/analyze/index';
import { hostileDocuments, mutatedDocuments, seedDocuments } from '../../helpers/fuzzCorpus';

const COUNT = Number(process.env.FUZZ_COUNT ?? 3000);

/** The largest example: what analyzing an ordinary pipeline costs on this machine, measured as the tests go. */
const EXAMPLE = seedDocuments().reduce((a, b) => (b.text.length > a.text.length ? b : a)).text;

/** The analysis of the largest example (ms), measured again before each test. */
let example = Infinity;

/**
 * How many times its baseline an analysis may take. The baseline, measured here and now on the same
 * machine under the same load, is the bare YAML parse of the same text (the floor for any analysis
 * of it) plus the analysis of the largest example: a busy machine slows both alike. analyze stays
 * under 5 times it on every document here; a blow-up on them (quadratic work over 3,000 steps, an
 * alias bomb expanded, a runaway regex) is many times more. The speed itself is measured by
 * bench/analyze.bench.ts (analyze against the bare YAML parse, by size).
 */
const FACTOR = 20;

/**
 * This process's CPU time, in ms. The analyses are timed in CPU time, not on the clock: on a busy
 * machine (the suite's other workers, the smoke benches, stress-ng) a process waits for a core, and
 * that wait fell on a 27 ms analysis and not on the sub-millisecond parse beside it (a fresh clone's
 * CI, 2026-11-27). Waiting costs no CPU; a blow-up does.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The fastest of `n` runs of `f`, in ms of CPU time. */
function fastest(n: number, f: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = cpuMs();
    f();
    ms = Math.min(ms, cpuMs() - t0);
  }
  return ms;
}

/** The bare YAML parse, true when it found errors (or threw). */
function yamlBroken(text: string): boolean {
  try {
    return parseDocument(text, { uniqueKeys: true, prettyErrors: false }).errors.length > 0;
  } catch {
    return true;
  }
}

/**
 * Analyzes the text and holds it to FACTOR times its baseline. A document over it is measured again,
 * with its baseline, before it fails: a pause of a busy machine, or the first analysis of a 3,000-step
 * document after the thousands of mutations (it pays for their garbage and for code the JIT compiled
 * for them: 900 ms where the next takes 190 and the third 80), is not there the next times, while a
 * blow-up is slow every time. Returns the analysis, for the test's own assertions.
 */
function check(name: string, text: string): ReturnType<typeof analyze> {
  let a: ReturnType<typeof analyze>;
  const t0 = cpuMs();
  try {
    a = analyze(text);
  } catch (e) {
    throw new Error(`analyze threw on ${name}: ${(e as Error).stack}`);
  }
  let ms = cpuMs() - t0;
  const p0 = cpuMs();
  const broken = yamlBroken(text);
  let parseMs = cpuMs() - p0;
  let exampleMs = example;
  if (ms > FACTOR * (parseMs + exampleMs)) {
    ms = Math.min(ms, fastest(3, () => analyze(text)));
    parseMs = Math.min(parseMs, fastest(3, () => yamlBroken(text)));
    exampleMs = example = fastest(3, () => analyze(EXAMPLE));
  }
  assert.ok(ms <= FACTOR * (parseMs + exampleMs), `${name}: took ${ms.toFixed(0)} ms, over ${FACTOR} × (${parseMs.toFixed(1)} ms for its bare YAML parse + ${exampleMs.toFixed(1)} ms for the largest example)`);
  for (const f of a.findings) {
    assert.ok(f.range.start.line >= 0 && f.range.end.line >= f.range.start.line, `${name}: bad range ${JSON.stringify(f.range)}`);
    assert.ok(f.range.start.line < a.parsed.lines.lineCount, `${name}: range past the end ${JSON.stringify(f.range)}`);
  }
  // YAML 1.2 errors are error findings, unless the analysis read the text as PyYAML does (an
  // under-indented quoted value, repaired): then that is said, and the repaired text is valid YAML
  const repaired = a.findings.some((f) => f.code === 'yaml.under-indented-quote');
  if (repaired) assert.equal(parseDocument(a.text, { uniqueKeys: false, prettyErrors: false }).errors.length, 0, `${name}: repaired, but the repair is not valid YAML`);
  if (broken && !repaired) assert.ok(a.findings.some((f) => f.severity === 'error'), `${name}: YAML errors but no error finding`);
  return a;
}

describe('fuzz: analyze survives broken and hostile input', function () {
  this.timeout(300_000);
  beforeEach(() => (example = fastest(5, () => analyze(EXAMPLE))));

  it(`${COUNT} mutations of the examples`, () => {
    let withErrors = 0;
    for (const { name, text } of mutatedDocuments(COUNT)) {
      // the checked analysis itself: analyzing each text a second time to count was half this test's CPU
      if (check(name, text).findings.some((f) => f.severity === 'error')) withErrors++;
    }
    // most mutations break something; a fuzzer whose inputs all stay valid tests nothing
    assert.ok(withErrors > COUNT / 3, `only ${withErrors} of ${COUNT} mutations produced an error finding`);
  });

  for (const { name, text, broken } of hostileDocuments()) {
    it(`hostile: ${name}`, () => {
      const errors = check(name, text).findings.filter((f) => f.severity === 'error');
      if (broken) assert.ok(errors.length > 0, `${name}: no error finding`);
      else assert.deepEqual(errors, []);
    });
  }
});
