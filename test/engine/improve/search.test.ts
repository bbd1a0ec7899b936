// The search of engine/improve/search.ts on scripted oracles: the minibatch gate, the front, merges,
// the stops. No model and no eval: `evaluate` answers by a rule on the prompts.
import { strict as assert } from 'node:assert';
import { frontOf, isValidationCase, searchPrompts, type SearchCandidate, type SearchOptions } from '../../../engine/improve/search';

/** c1 needs X in a; c2 needs Y in b; c3 needs both; c4 passes only without X in a. */
const rule = (p: Record<string, string>, c: string): boolean => {
  const x = p.a.includes('X');
  const y = p.b.includes('Y');
  return c === 'c1' ? x : c === 'c2' ? y : c === 'c3' ? x && y : !x;
};

function options(o: Partial<SearchOptions> = {}): SearchOptions & { runs: string[] } {
  const runs: string[] = [];
  return {
    runs,
    steps: ['a', 'b'],
    seed: { a: 'do a', b: 'do b' },
    train: ['c1', 'c2', 'c3', 'c4'],
    rngSeed: 7,
    maxEvals: 200,
    parallel: 2,
    signal: new AbortController().signal,
    evaluate: async (p, c) => {
      runs.push(`${p.a}|${p.b}|${c}`);
      const pass = rule(p, c);
      return { pass, cost_usd: 0.001, feedback: pass ? null : { case: c, inputs: {}, steps: {}, failures: [] } };
    },
    reflect: async (step, current) => ({ prompt: current.includes(step === 'a' ? 'X' : 'Y') ? `${current} again` : `${current} ${step === 'a' ? 'X' : 'Y'}`, rationale: '' }),
    check: (_step, proposed) => (typeof proposed === 'string' ? null : 'not a prompt'),
    ...o,
  };
}

describe('searchPrompts (scripted oracles)', () => {
  it('merges two front members step by step: each step from the one that changed it', async () => {
    const o = options();
    const r = await searchPrompts(o);
    const merge = r.candidates.find((c) => c.kind === 'merge' && c.complete);
    assert.ok(merge, JSON.stringify(r.candidates.map((c) => [c.id, c.kind, c.prompts, c.results])));
    assert.deepEqual(merge.prompts, { a: 'do a X', b: 'do b Y' });
    assert.deepEqual(merge.results, { c1: true, c2: true, c3: true, c4: false });
    // the best on train is chosen; no (prompts, case) ran twice
    assert.equal(r.chosen.id, merge.id);
    assert.equal(new Set(o.runs).size, o.runs.length);
    assert.equal(r.evals, o.runs.length);
    assert.equal(r.stopped, 'no-candidates');
  });

  it('a child that is not better on its minibatch never runs on the rest of train', async () => {
    let n = 0;
    const o = options({ steps: ['a'], seed: { a: 'do a', b: 'do b Y' }, reflect: async (_s, current) => ({ prompt: `${current} Z${n++}`, rationale: '' }) });
    const r = await searchPrompts({ ...o, patience: 2 });
    assert.equal(r.stopped, 'no-candidates');
    const children = r.candidates.filter((c) => c.kind === 'reflection');
    assert.equal(children.length, 2);
    for (const c of children) assert.equal(Object.keys(c.results).length, 3);
    assert.equal(r.evals, 4 + 3 + 3);
  });

  it('stops at max-evals, before a minibatch that would pass it', async () => {
    const o = options({ maxEvals: 6 });
    const r = await searchPrompts(o);
    assert.equal(r.stopped, 'max-evals');
    assert.equal(r.evals, 4);
    assert.equal(o.runs.length, 4);
  });

  it('the front: best on some case, the dominated left out, the earliest of equals kept', () => {
    const c = (id: string, passed: string[]): SearchCandidate => ({ id, parent: null, kind: 'reflection', prompts: {}, results: Object.fromEntries(['c1', 'c2', 'c3'].map((x) => [x, passed.includes(x)])), complete: true, cost_usd: 0 });
    const pool = [c('c0', []), c('p', ['c1']), c('q', ['c1', 'c2']), c('r', ['c3']), c('s', ['c1', 'c2'])];
    assert.deepEqual(frontOf(pool, ['c1', 'c2', 'c3']).map((x) => x.id), ['q', 'r']);
    assert.deepEqual(frontOf([c('c0', [])], ['c1']).map((x) => x.id), ['c0']);
  });

  it('the split is a seeded hash of the id: stable, about the share asked', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `case-${i}`);
    const v = ids.filter((id) => isValidationCase(id, 0, 0.3)).length;
    assert.ok(v > 250 && v < 350, String(v));
    assert.deepEqual(ids.map((id) => isValidationCase(id, 0, 0.3)), ids.map((id) => isValidationCase(id, 0, 0.3)));
    assert.notDeepEqual(ids.map((id) => isValidationCase(id, 0, 0.3)), ids.map((id) => isValidationCase(id, 1, 0.3)));
    assert.equal(ids.filter((id) => isValidationCase(id, 5, 0)).length, 0);
  });
});
