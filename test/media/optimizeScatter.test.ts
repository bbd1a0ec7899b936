// The optimize section's scatter geometry (media/optimizeScatter.ts): where each tried assignment,
// its interval bar, the frontier line and the minimum pass rate line land in the 520 × 260 box
// (plot from x 56 to 508, pass rate 0 at y 226 and 100 % at y 12).
import { strict as assert } from 'node:assert';
import { niceMax, scatterGeometry } from '../../media/optimizeScatter';
import type { OptimizePointView } from '../../media/protocol';

const point = (label: string, cost: number, passed: number, runs: number, low: number, high: number, state: { complete: boolean; eliminated: boolean; meets: boolean }): OptimizePointView => ({ label, assignment: {}, runs, passed, pass_rate: passed / runs, low, high, cost_usd: cost, ...state });
const DONE_MEETS = { complete: true, eliminated: false, meets: true };
const DONE_UNDER = { complete: true, eliminated: false, meets: false };

describe('optimize scatter geometry', () => {
  const dear = point('a=dear', 0.001, 4, 4, 0.51, 1, DONE_MEETS);
  const cheap = point('a=cheap', 0.0002, 3, 4, 0.3, 0.95, DONE_UNDER);
  const dropped = point('a=mid', 0.0005, 0, 1, 0, 0.79, { complete: false, eliminated: true, meets: false });
  const running = point('a=mid b=x', 0.0004, 2, 2, 0.34, 1, { complete: false, eliminated: false, meets: false });

  it('rounds the cost axis up to 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual([niceMax(0.0011), niceMax(0.002), niceMax(0.0031), niceMax(7), niceMax(0)], [0.002, 0.002, 0.005, 10, 1e-6]);
  });

  it('puts each point at its cost and pass rate, its bar from the interval high to low, the frontier cheapest first', () => {
    const g = scatterGeometry([dear, cheap, dropped, running], ['a=cheap', 'a=dear'], 'a=dear', 0.9);
    assert.deepEqual(
      g.points.map((p) => [p.label, p.x, p.y, p.barTop, p.barBottom, p.frontier, p.chosen, p.state]),
      [
        ['a=dear', 282, 12, 12, 116.9, true, true, 'meets'],
        ['a=cheap', 101.2, 65.5, 22.7, 161.8, true, false, 'under'],
        ['a=mid', 169, 226, 56.9, 226, false, false, 'eliminated'],
        ['a=mid b=x', 146.4, 12, 12, 153.2, false, false, 'running'],
      ],
    );
    assert.equal(g.frontier, '101.2,65.5 282,12');
    assert.equal(g.minY, 33.4);
    assert.deepEqual([g.x0, g.x1, g.y0, g.y1], [56, 508, 226, 12]);
    assert.deepEqual(g.xTicks, [{ x: 56, text: '$0' }, { x: 282, text: '$0.0010' }, { x: 508, text: '$0.0020' }]);
    assert.deepEqual(g.yTicks, [{ y: 226, text: '0 %' }, { y: 119, text: '50 %' }, { y: 12, text: '100 %' }]);
  });

  it('draws no frontier line before an assignment completes, and a lone point at the left with no cost yet', () => {
    const g = scatterGeometry([point('a=free', 0, 1, 1, 0.2, 1, { complete: false, eliminated: false, meets: false })], [], null, 1);
    assert.equal(g.frontier, '');
    assert.deepEqual([g.points[0].x, g.points[0].y, g.minY], [56, 12, 12]);
    // one frontier point: no line
    assert.equal(scatterGeometry([dear, cheap], ['a=dear'], 'a=dear', 1).frontier, '');
  });
});
