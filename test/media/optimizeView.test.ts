// The eval panel's optimize section (media/optimizeView.ts) in Debian's chromium: the bundle built
// from media/evalView.ts, served with the page client/panelHtml.ts writes (its CSP applies), driven by
// the messages client/optimizeModels.ts posts while a search runs, then as it ends and after Apply.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { OptimizePointView, OptimizeViewMessage } from '../../media/protocol';
import { startPanel, type Panel } from '../helpers/panelPage';

const pt = (label: string, cost: number, passed: number, runs: number, low: number, high: number, complete: boolean, meets: boolean, eliminated = false): OptimizePointView => ({ label, assignment: {}, runs, passed, pass_rate: passed / runs, low, high, cost_usd: cost, complete, meets, eliminated });
const DEAR = pt('extract=o:big write=o:big', 0.002, 4, 4, 0.51, 1, true, true);
const LOSER = pt('extract=o:mini write=o:big', 0.0011, 0, 1, 0, 0.79, false, false, true);
const CHEAP = pt('extract=o:big write=o:mini', 0.0012, 4, 4, 0.51, 1, true, true);
const base: OptimizeViewMessage = { type: 'optimize', status: 'running', detail: 'trying one step at a time (extract)', steps: ['extract', 'write'], models: ['o:mini', 'o:big'], cases: 4, minPassRate: 1, runsUsed: 5, bruteForceRuns: 16, replay: true, points: [DEAR, LOSER], frontier: [DEAR.label], chosen: DEAR.label, applied: null, applyProblem: null };

describe('optimize section: the DOM of the eval panel while a search runs and after', function () {
  this.timeout(60000);
  let panel: Panel;
  let page: Page;
  before(async () => {
    panel = await startPanel('evalView', '.waiting');
    page = await panel.open({ consoleErrors: true });
  });
  after(async () => {
    await panel?.close();
  });
  const post = (msg: unknown) => page.evaluate((m) => window.postMessage(m, '*'), msg);
  const posted = () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
  const rows = () => page.$$eval('[data-testid="optimize-table"] tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent).join(' | ')));

  it('is hidden until an optimization starts; then draws the scatter, its table and the runs spent', async () => {
    assert.equal(await page.isVisible('[data-testid="optimize-section"]'), false);
    await post(base);
    await page.waitForSelector('[data-testid="optimize-point"]');
    assert.equal(await page.textContent('[data-testid="optimize-status"]'), 'Searching: trying one step at a time (extract) (replayed from the cassette)');
    assert.equal(await page.textContent('[data-testid="optimize-runs"]'), 'runs spent 5 of brute force 16');
    assert.equal(await page.textContent('.optimize-plan'), '2 steps (extract, write) × 2 models × 4 cases, minimum pass rate 100 %');
    assert.deepEqual(await page.$$eval('[data-testid="optimize-point"]', (gs) => gs.map((g) => [g.getAttribute('class'), g.querySelector('title')!.textContent])), [
      ['point meets on-frontier chosen', 'extract=o:big write=o:big\n100 % (4/4), 95 % interval 51.0 % – 100 %, $0.0020 a case\nchosen'],
      ['point eliminated', 'extract=o:mini write=o:big\n0 % (0/1), 95 % interval 0 % – 79.0 %, $0.0011 a case'],
    ]);
    assert.equal(await page.locator('[data-testid="optimize-point"] .chosen-ring').count(), 1);
    // one point on the frontier: no line yet; the minimum pass rate line at 100 %
    assert.equal(await page.locator('[data-testid="optimize-frontier"]').count(), 0);
    assert.equal(await page.getAttribute('[data-testid="optimize-min-line"]', 'y1'), '12');
    assert.deepEqual(await rows(), [
      'assignment | pass rate | 95 % interval | cost per case | runs | state',
      'extract=o:big write=o:big | 100 % (4/4) | 51.0 % – 100 % | $0.0020 | 4 | chosen · frontier · meets the pass rate',
      'extract=o:mini write=o:big | 0 % (0/1) | 0 % – 79.0 % | $0.0011 | 1 | dropped: cannot reach the pass rate',
    ]);
    assert.equal(await page.isDisabled('[data-testid="optimize-apply"]'), true, 'no Apply while it searches');
    assert.equal(await page.getAttribute('[data-testid="optimize-scatter"]', 'aria-label'), 'Cost per case against pass rate of 2 assignments: the table below lists them');
  });

  it('moves the choice and the frontier as a cheaper assignment completes; Apply once it ends', async () => {
    await post({ ...base, status: 'completed', detail: '', runsUsed: 9, points: [DEAR, LOSER, CHEAP], frontier: [CHEAP.label], chosen: CHEAP.label });
    await page.waitForSelector('[data-testid="optimize-status"]:text("Done (replayed from the cassette)")');
    assert.equal(await page.textContent('[data-testid="optimize-runs"]'), 'runs spent 9 of brute force 16');
    assert.deepEqual(await page.$$eval('[data-testid="optimize-point"].chosen', (gs) => gs.map((g) => g.getAttribute('data-label'))), [CHEAP.label]);
    assert.equal(await page.textContent('[data-testid="optimize-chosen"]'), `Chosen: ${CHEAP.label} Apply`);
    assert.equal(await page.isDisabled('[data-testid="optimize-apply"]'), false);
    await page.click('[data-testid="optimize-apply"]');
    assert.deepEqual((await posted()).at(-1), { type: 'optimize-apply' });
  });

  it('lists the model lines Apply changed, keeps the section when the eval\'s results come, and says why an Apply did nothing', async () => {
    await post({ ...base, status: 'completed', detail: '', points: [DEAR, LOSER, CHEAP], frontier: [CHEAP.label, DEAR.label], chosen: CHEAP.label, applied: ['write: o:big → o:mini (line 32)'] });
    await page.waitForSelector('[data-testid="optimize-applied"] li');
    assert.deepEqual(await page.$$eval('[data-testid="optimize-applied"] li', (lis) => lis.map((l) => l.textContent)), ['write: o:big → o:mini (line 32)']);
    assert.equal(await page.isDisabled('[data-testid="optimize-apply"]'), true, 'applied once');
    assert.equal(await page.getAttribute('[data-testid="optimize-frontier"]', 'points'), '164.5,12 236.8,12');
    await post({ type: 'eval-results', file: 'support.eval.yaml', evalId: 'e1', variants: ['default'], cases: ['login'], cells: [], summary: [], baseline: null, running: false });
    await page.waitForSelector('[data-testid="eval-matrix"]');
    assert.equal(await page.locator('[data-testid="optimize-point"]').count(), 3);
    await post({ ...base, status: 'completed', applied: null, applyProblem: "Apply: the pipeline has no step 'write' any more: run Optimize Models… again; support.pipeline.yaml is unchanged" });
    await page.waitForSelector('[data-testid="optimize-problem"]');
    assert.equal(await page.textContent('[data-testid="optimize-problem"]'), "Apply: the pipeline has no step 'write' any more: run Optimize Models… again; support.pipeline.yaml is unchanged");
    assert.deepEqual((page as Page & { errors: string[] }).errors, []);
  });
});
