// What the eval panel's optimize section is sent (client/optimizeProgress.ts), folded from the
// events of `optimize()`: the plan, the phase, the runs spent, each assignment's running figures, the
// frontier and the chosen point while it runs and as the search ends it.
import { strict as assert } from 'node:assert';
import { assignmentLabel, OptimizeProgress } from '../../client/optimizeProgress';
import type { OptimizeOutcome, Trial } from '../../engine/api/index';
import { wilson } from '../../engine/eval/stats';

const trial = (extract: string, write: string, runs: number, passed: number, cost: number, complete: boolean, meets: boolean, eliminated = false): Trial => ({ assignment: { write, extract }, runs, passed, pass_rate: passed / runs, interval: wilson(passed, runs), cost_usd: cost, latency_ms: 10, complete, meets, eliminated });

describe('OptimizeProgress: the optimize section from the search\'s events', () => {
  it('writes an assignment in step order', () => {
    assert.equal(assignmentLabel({ write: 'o:b', extract: 'o:a' }, ['extract', 'write']), 'extract=o:a write=o:b');
  });

  it('follows the plan, the phases, the runs and the trials; the frontier and the cheapest meeting point as it goes', () => {
    const p = new OptimizeProgress(1, true);
    assert.deepEqual([p.message().status, p.message().points, p.message().replay], ['planning', [], true]);
    p.event({ kind: 'start', optimizeId: 'x', dir: '/d', steps: ['extract', 'write'], models: ['o:mini', 'o:big'], cases: 2, minPassRate: 1, bruteForceRuns: 8, known: 0 });
    p.event({ kind: 'phase', phase: 'dearest', detail: '' });
    const dear = trial('o:big', 'o:big', 2, 2, 0.002, true, true);
    p.event({ kind: 'run', run: { assignment: dear.assignment, caseId: 'c1', outcome: { pass: true, cost_usd: 0.002, latency_ms: 1 }, reused: false } });
    p.event({ kind: 'run', run: { assignment: dear.assignment, caseId: 'c2', outcome: { pass: true, cost_usd: 0.002, latency_ms: 1 }, reused: false } });
    p.event({ kind: 'trial', trial: dear, runsUsed: 2 });
    p.event({ kind: 'phase', phase: 'screen', detail: 'extract' });
    const loser = trial('o:mini', 'o:big', 1, 0, 0.0011, false, false, true);
    p.event({ kind: 'trial', trial: loser, runsUsed: 3 });
    let m = p.message();
    assert.deepEqual([m.status, m.detail, m.runsUsed, m.bruteForceRuns, m.steps, m.cases], ['running', 'trying one step at a time (extract)', 3, 8, ['extract', 'write'], 2]);
    assert.deepEqual(m.points.map((x) => [x.label, x.runs, x.passed, x.cost_usd, x.complete, x.eliminated, x.meets]), [
      ['extract=o:big write=o:big', 2, 2, 0.002, true, false, true],
      ['extract=o:mini write=o:big', 1, 0, 0.0011, false, true, false],
    ]);
    assert.deepEqual([m.points[0].low, m.points[0].high], [wilson(2, 2).low, 1]);
    assert.deepEqual([m.frontier, m.chosen], [['extract=o:big write=o:big'], 'extract=o:big write=o:big']);
    // a cheaper one completes and meets: it joins the frontier and is the choice so far
    const cheap = trial('o:big', 'o:mini', 2, 2, 0.0012, true, true);
    p.event({ kind: 'trial', trial: cheap, runsUsed: 5 });
    m = p.message();
    assert.deepEqual([m.frontier, m.chosen, p.chosen()], [['extract=o:big write=o:mini'], 'extract=o:big write=o:mini', { write: 'o:mini', extract: 'o:big' }]);

    const end = { trials: [dear, loser, cheap], frontier: [cheap], chosen: cheap, runs_used: 5, runs_reused: 0, brute_force_runs: 8, stopped: null } as unknown as OptimizeOutcome;
    p.finish(end);
    m = p.message();
    assert.deepEqual([m.status, m.detail, m.runsUsed, m.chosen, m.applied, m.applyProblem], ['completed', '', 5, 'extract=o:big write=o:mini', null, null]);
    p.applied(['write: o:big → o:mini (line 9)'], null);
    assert.deepEqual(p.message().applied, ['write: o:big → o:mini (line 9)']);
  });

  it('says so when it is cancelled, when nothing keeps the pass rate, and when it fails', () => {
    const p = new OptimizeProgress(0.9, false);
    p.event({ kind: 'start', optimizeId: 'x', dir: '/d', steps: ['extract', 'write'], models: ['o:a'], cases: 2, minPassRate: 0.9, bruteForceRuns: 2, known: 3 });
    assert.equal(p.message().detail, '3 earlier runs reused');
    p.finish({ trials: [], frontier: [], chosen: null, runs_used: 0, runs_reused: 0, brute_force_runs: 2, stopped: 'cancelled' } as unknown as OptimizeOutcome);
    assert.deepEqual([p.message().status, p.message().detail, p.chosen()], ['cancelled', 'what ran is kept in the record', null]);
    p.finish({ trials: [], frontier: [], chosen: null, runs_used: 2, runs_reused: 0, brute_force_runs: 2, stopped: null } as unknown as OptimizeOutcome);
    assert.deepEqual([p.message().status, p.message().detail], ['completed', 'no assignment keeps the pass rate']);
    p.fail('the eval has no case to run (every case is skipped)');
    assert.deepEqual([p.message().status, p.message().detail], ['failed', 'the eval has no case to run (every case is skipped)']);
  });
});
