// The pure search of `orc optimize` against scripted oracles: a tiered provider where a step's
// answer is right iff its model's tier reaches the step's difficulty (plus a case's own hardness),
// so the true cheapest assignment is known by brute force.
import { strict as assert } from 'node:assert';
import { assignmentKey, bruteForceRuns, frontierOf, neededPasses, runKey, searchAssignments, type Assignment, type Outcome, type Trial } from '../../../engine/optimize/search';

const MODELS = ['cheap', 'mid', 'dear'];
const TIER: Record<string, number> = { cheap: 1, mid: 2, dear: 3 };
const PRICE: Record<string, number> = { cheap: 0.001, mid: 0.01, dear: 0.1 };

interface Layout {
  /** Per step, its difficulty (1..3). */
  difficulty: Record<string, number>;
  /** Per case, extra difficulty on some steps. */
  harder?: Record<string, Record<string, number>>;
}

const cases = (n: number) => Array.from({ length: n }, (_, i) => `c${i + 1}`);

function tiered(l: Layout) {
  const calls: string[] = [];
  const outcome = (a: Assignment, c: string): Outcome => ({
    pass: Object.entries(l.difficulty).every(([s, d]) => TIER[a[s]] >= d + (l.harder?.[c]?.[s] ?? 0)),
    cost_usd: Object.values(a).reduce((x, m) => x + PRICE[m], 0),
    latency_ms: Object.values(a).reduce((x, m) => x + TIER[m] * 10, 0),
  });
  const oracle = async (a: Assignment, c: string) => {
    calls.push(runKey(a, c));
    return outcome(a, c);
  };
  return { calls, oracle, outcome };
}

function allAssignments(steps: string[]): Assignment[] {
  let out: Assignment[] = [{}];
  for (const s of steps) out = out.flatMap((a) => MODELS.map((m) => ({ ...a, [s]: m })));
  return out;
}

/** The cheapest assignment meeting the rate, by trying every one on every case. */
function bruteForce(l: Layout, ids: string[], rate: number) {
  const t = tiered(l);
  const steps = Object.keys(l.difficulty);
  let best: { a: Assignment; cost: number } | null = null;
  for (const a of allAssignments(steps)) {
    const outs = ids.map((c) => t.outcome(a, c));
    const passed = outs.filter((o) => o.pass).length;
    const cost = outs.reduce((x, o) => x + o.cost_usd, 0) / ids.length;
    if (passed >= neededPasses(rate, ids.length) && (!best || cost < best.cost)) best = { a, cost };
  }
  return best!.a;
}

const stepsOf = (l: Layout) => Object.keys(l.difficulty).map((id) => ({ id, models: MODELS }));

const LAYOUTS: Layout[] = [
  { difficulty: { extract: 1, reason: 3, write: 2 } },
  { difficulty: { extract: 2, reason: 1, write: 1 } },
  { difficulty: { extract: 3, reason: 3, write: 3 } },
  { difficulty: { extract: 1, reason: 1, write: 1 } },
  { difficulty: { extract: 1, reason: 2, write: 1 }, harder: { c4: { reason: 1 }, c17: { write: 1 } } },
];

describe('optimize search', () => {
  for (const [i, l] of LAYOUTS.entries()) {
    it(`finds the true cheapest assignment of layout ${i + 1} with under a quarter of brute force's runs`, async () => {
      const ids = cases(20);
      const t = tiered(l);
      const r = await searchAssignments({ oracle: t.oracle, steps: stepsOf(l), cases: ids, minPassRate: 1 });
      assert.deepEqual(r.chosen?.assignment, bruteForce(l, ids, 1));
      assert.equal(r.brute_force_runs, 27 * 20);
      assert.equal(r.runs_used, t.calls.length);
      assert.ok(r.runs_used <= 0.25 * r.brute_force_runs, `${r.runs_used} runs`);
      // no (assignment, case) asked twice
      assert.equal(new Set(t.calls).size, t.calls.length);
    });
  }

  it('finds the optimum where a cheap model passes only some cases, under a pass rate below 1', async () => {
    // the cheap model fails 'reason' on 3 of 20 cases: at 0.85 it is kept, at 0.9 it is not
    const l: Layout = { difficulty: { extract: 1, reason: 1, write: 2 }, harder: { c2: { reason: 1 }, c9: { reason: 1 }, c15: { reason: 1 } } };
    const ids = cases(20);
    for (const rate of [0.85, 0.9]) {
      const r = await searchAssignments({ oracle: tiered(l).oracle, steps: stepsOf(l), cases: ids, minPassRate: rate });
      assert.deepEqual(r.chosen?.assignment, bruteForce(l, ids, rate));
      assert.equal(r.chosen?.assignment.reason, rate === 0.85 ? 'cheap' : 'mid');
    }
  });

  it('drops an assignment at its first failed case when every case must pass, and runs the failed cases first elsewhere', async () => {
    const l: Layout = { difficulty: { a: 1, b: 3 }, harder: { c6: { a: 1 } } };
    const r = await searchAssignments({ oracle: tiered(l).oracle, steps: stepsOf(l), cases: cases(6), minPassRate: 1 });
    const trial = (a: Assignment) => r.trials.find((x) => assignmentKey(x.assignment) === assignmentKey(a))!;
    // b on cheap fails on the first case it runs: one run, eliminated
    assert.deepEqual([trial({ a: 'dear', b: 'cheap' }).runs, trial({ a: 'dear', b: 'cheap' }).eliminated], [1, true]);
    // a on cheap passes c1..c5 and fails c6: six runs, eliminated
    assert.deepEqual([trial({ a: 'cheap', b: 'dear' }).runs, trial({ a: 'cheap', b: 'dear' }).eliminated], [6, true]);
    // a on mid starts with c6, the case that failed before
    assert.equal(trial({ a: 'mid', b: 'dear' }).complete, true);
    assert.deepEqual(r.chosen?.assignment, { a: 'mid', b: 'dear' });
  });

  it('stops at --budget-runs and chooses among the assignments it could finish', async () => {
    const l = LAYOUTS[0];
    const t = tiered(l);
    const r = await searchAssignments({ oracle: t.oracle, steps: stepsOf(l), cases: cases(20), minPassRate: 1, budgetRuns: 25 });
    assert.equal(r.stopped, 'budget');
    assert.equal(r.runs_used, 25);
    assert.equal(t.calls.length, 25);
    // the dearest (20 runs) is the only complete assignment
    assert.deepEqual(r.chosen?.assignment, { extract: 'dear', reason: 'dear', write: 'dear' });
  });

  it('spends no call on results it knows already, and reports them as reused', async () => {
    const l = LAYOUTS[0];
    const first = tiered(l);
    const known = new Map<string, Outcome>();
    const r1 = await searchAssignments({ oracle: first.oracle, steps: stepsOf(l), cases: cases(20), minPassRate: 1, onRun: (e) => known.set(runKey(e.assignment, e.caseId), e.outcome) });
    const second = tiered(l);
    const r2 = await searchAssignments({ oracle: second.oracle, steps: stepsOf(l), cases: cases(20), minPassRate: 1, known });
    assert.deepEqual([second.calls.length, r2.runs_used, r2.runs_reused], [0, 0, r1.runs_used]);
    assert.deepEqual(r2.chosen?.assignment, r1.chosen?.assignment);
  });

  it('chooses nothing when even the dearest assignment misses the rate', async () => {
    const l: Layout = { difficulty: { a: 1 }, harder: { c1: { a: 5 }, c2: { a: 5 } } };
    const r = await searchAssignments({ oracle: tiered(l).oracle, steps: stepsOf(l), cases: cases(4), minPassRate: 0.75 });
    assert.equal(r.chosen, null);
    assert.deepEqual(r.trials.map((t) => [t.assignment, t.runs, t.passed]), [[{ a: 'dear' }, 2, 0]]);
  });

  it('keeps only non-dominated complete trials on the frontier, cheapest first', () => {
    const t = (cost: number, rate: number, complete = true): Trial => ({ assignment: { s: `m${cost}` }, runs: 10, passed: rate * 10, pass_rate: rate, interval: { low: 0, high: 1 }, cost_usd: cost, latency_ms: 0, complete, eliminated: false, meets: false });
    const f = frontierOf([t(3, 1), t(1, 0.5), t(2, 0.5), t(2, 0.9), t(0.5, 1, false), t(4, 1)]);
    assert.deepEqual(f.map((x) => [x.cost_usd, x.pass_rate]), [[1, 0.5], [2, 0.9], [3, 1]]);
  });

  it('follows the latency objective', async () => {
    const l = LAYOUTS[1];
    const r = await searchAssignments({ oracle: tiered(l).oracle, steps: stepsOf(l), cases: cases(10), minPassRate: 1, objective: 'latency' });
    assert.deepEqual(r.chosen?.assignment, { extract: 'mid', reason: 'cheap', write: 'cheap' });
    assert.equal(r.chosen?.latency_ms, 40);
  });

  it('stops when cancelled, with what it has', async () => {
    const ctl = new AbortController();
    let n = 0;
    const r = await searchAssignments({
      oracle: async () => {
        if (++n === 3) ctl.abort();
        return { pass: true, cost_usd: 1, latency_ms: 1 };
      },
      steps: [{ id: 's', models: MODELS }],
      cases: cases(10),
      minPassRate: 1,
      signal: ctl.signal,
    });
    assert.deepEqual([r.stopped, r.runs_used, r.chosen], ['cancelled', 3, null]);
  });

  it('with 4 runs at once, ramps up with the passes: a model failing its first case costs one run', async () => {
    const l: Layout = { difficulty: { a: 1, b: 3 } };
    const t = tiered(l);
    let inFlight = 0;
    let most = 0;
    const r = await searchAssignments({
      oracle: async (a, c) => {
        most = Math.max(most, ++inFlight);
        await new Promise((res) => setTimeout(res, 1));
        inFlight--;
        return t.oracle(a, c);
      },
      steps: stepsOf(l),
      cases: cases(12),
      minPassRate: 1,
      parallel: 4,
    });
    const trial = (a: Assignment) => r.trials.find((x) => assignmentKey(x.assignment) === assignmentKey(a))!;
    assert.equal(most, 4);
    assert.equal(trial({ a: 'dear', b: 'cheap' }).runs, 1);
    assert.equal(trial({ a: 'dear', b: 'mid' }).runs, 1);
    assert.deepEqual(r.chosen?.assignment, { a: 'cheap', b: 'dear' });
    // dearest 12, a on cheap 12, b cheap 1, b mid 1; the combination is a's screening run
    assert.equal(r.runs_used, 26);
  });

  it('counts brute force as every assignment on every case', () => {
    assert.equal(bruteForceRuns([{ models: ['a', 'b'] }, { models: ['a', 'b', 'c'] }], 7), 42);
  });
});
