// Hardening, round two (issue 24, item 13): findings grew quadratically. Each unknown name was
// compared with every step id for its "did you mean" (and each scanned every step id for a hyphen),
// so 4,000 unknown names in a 4,000-step pipeline took 8 to 32 s and 20,000 over two minutes. The
// suggestions now come from an index of the candidates built once a list (engine/analyze/suggestIndex.ts),
// which must suggest exactly what comparing with every candidate suggests. Speed is measured in
// bench/findings.bench.ts; these tests run under mocha's timeout, which the quadratic version
// overruns many times.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { editDistance, suggest, suggestAmong } from '../../../engine/analyze/suggest';

/** What suggest answered when it compared the word with every candidate (before the index). */
function scanAll(word: string, candidates: string[], limit = 3): string[] {
  const max = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  const scored: { c: string; d: number }[] = [];
  for (const c of new Set(candidates)) {
    if (c === word) continue;
    const d = editDistance(word, c, max);
    const prefix = c.length >= 3 && word.length >= 3 && (c.startsWith(word) || word.startsWith(c));
    if (d <= max || prefix) scored.push({ c, d: prefix ? Math.min(d, max) : d });
  }
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return scored.slice(0, limit).map((x) => x.c);
}

/** A small deterministic generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random lists of candidates made of `letters`, and words near one of them (the candidate itself,
 * cut at either end, extended, one letter changed, upper-cased) or random: the index (each list is
 * long enough to be indexed) suggests exactly what a scan of every candidate does.
 */
function agreesWithScan(next: () => number, letters: string, lists: number): void {
  const word = (len: number) => Array.from({ length: len }, () => letters[Math.floor(next() * letters.length)]).join('');
  for (let list = 0; list < lists; list++) {
    const candidates = Array.from({ length: 64 + Math.floor(next() * 400) }, () => word(1 + Math.floor(next() * 9)));
    for (let q = 0; q < 60; q++) {
      const base = candidates[Math.floor(next() * candidates.length)];
      const pick = Math.floor(next() * 7);
      const w =
        pick === 0 ? base
        : pick === 1 ? base.slice(0, Math.max(1, base.length - 1 - Math.floor(next() * 2)))
        : pick === 2 ? base.slice(1)
        : pick === 3 ? base + word(1 + Math.floor(next() * 3))
        : pick === 4 ? base.slice(0, 1) + word(1) + base.slice(2)
        : pick === 5 ? base.toUpperCase()
        : word(1 + Math.floor(next() * 10));
      assert.deepEqual(suggest(w, candidates), scanAll(w, candidates), `letters '${letters}', list ${list}, word '${w}'`);
    }
  }
}

describe('hardening 2: many findings', function () {
  // the quadratic version took minutes at these sizes; this one a second or two (more on a loaded machine)
  this.timeout(60_000);

  it('8,000 steps each reading an unknown name: 8,000 unknown-name errors, each with its nearest step id suggested', () => {
    const n = 8000;
    const lines = ['id: many', 'steps:'];
    for (let i = 0; i < n; i++) lines.push(`  - id: s${i}`, '    tool: terminal', '    action: execute', '    parameters:', `      command: "echo {{ u${i} }}"`);
    const a = analyze(lines.join('\n') + '\n');
    assert.equal(a.findings.length, n);
    assert.deepEqual([...new Set(a.findings.map((f) => `${f.code} ${f.severity}`))], ['template.unknown-name error']);
    const f = a.findings[17];
    assert.equal(f.message, "Unknown name 'u17' in template: not a parameter, a step or a loop variable. Did you mean 's17'?");
    assert.deepEqual(f.suggestions, ['s17']);
    assert.deepEqual(f.range, { start: { line: 2 + 17 * 5 + 4, character: 24 }, end: { line: 2 + 17 * 5 + 4, character: 27 } });
    // a five-character name is one edit away at most
    assert.deepEqual(a.findings[7345].suggestions, ['s7345']);
    assert.deepEqual(a.findings[7345].suggestions, scanAll('u7345', Array.from({ length: n }, (_, i) => `s${i}`)));
  });

  it('2,000 unknown dependencies among 2,000 siblings are suggested the same way', () => {
    const n = 2000;
    const lines = ['id: deps', 'steps:'];
    for (let i = 0; i < n; i++) lines.push(`  - id: step_${i}`, '    tool: terminal', '    action: execute', '    parameters: {command: echo}', `    depends_on: [stpe_${i + 1}]`);
    const a = analyze(lines.join('\n') + '\n');
    const deps = a.findings.filter((f) => f.code === 'step.unknown-dependency');
    assert.equal(deps.length, n);
    assert.equal(deps[41].message, "Unknown step 'stpe_42' in the dependencies of 'step_41'. Did you mean 'step_42', 'step_12' or 'step_142'?");
    assert.deepEqual(deps[41].suggestions, scanAll('stpe_42', Array.from({ length: n }, (_, i) => `step_${i}`)));
    assert.equal(deps[n - 1].message, `Unknown step 'stpe_${n}' in the dependencies of 'step_${n - 1}'. Did you mean 'step_1000', 'step_200' or 'step_100'?`);
    assert.deepEqual(deps[n - 1].suggestions, scanAll(`stpe_${n}`, Array.from({ length: n }, (_, i) => `step_${i}`)));
  });

  it('the index suggests exactly what comparing with every candidate suggests (random lists and words)', () => {
    agreesWithScan(random(24), 'abcdeABCDE_-1', 40);
  });

  it('the index walking in collation order (ids of letters, digits, _ and -) and the one that cannot (other characters) both suggest what a scan does', () => {
    const next = random(29);
    for (const letters of ['az09AZ_-5', 'ab1.é_B']) agreesWithScan(next, letters, 30);
    // step ids numbered in the thousands: the nearest by one edit, then the first in collation order by two
    const ids = Array.from({ length: 20_000 }, (_, i) => `s${i}`);
    assert.deepEqual(suggest('u12345', ids), ['s12345', 's10345', 's11345']);
    assert.deepEqual(suggest('u12345', ids), scanAll('u12345', ids));
  });

  it('suggestAmong several lists answers as one list would', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `fetch_${i}`);
    const params = ['fetch_url', 'retries'];
    assert.deepEqual(suggestAmong('fetch_ur', [params, ids]), scanAll('fetch_ur', [...params, ...ids]));
    assert.deepEqual(suggestAmong('retrys', [params, ids, ['retry']]), ['retry', 'retries']);
  });
});
