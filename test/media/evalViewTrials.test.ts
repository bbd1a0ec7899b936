// The eval panel's matrix (media/evalView.ts) with cases run in trials, in Debian's chromium: the
// bundle served with the page client/panelHtml.ts writes, given the message client/evalPanel.ts posts
// for a flaky case failed under pass^k, a steady one, an adaptive one stopped early, a quarantined one,
// and a case that ran once. Each trials cell shows pass/fail and its rate k/N, with the interval in
// its tooltip; a flaky cell is marked.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { EvalCellTrials, EvalCellView, EvalResultsMessage } from '../../media/protocol';
import { startPanel, type Panel } from '../helpers/panelPage';

const trials = (passed: number, run: number, low: number, high: number, more: Partial<EvalCellTrials> = {}): EvalCellTrials => ({ passed, run, max: run, low, high, confidence: 0.95, threshold: 1, flaky: passed > 0 && passed < run, quarantined: false, stopped: null, ...more });
const cellOf = (c: string, status: EvalCellView['status'], score: number, t?: EvalCellTrials): EvalCellView => ({ case: c, variant: 'default', status, score, cost_usd: 0, latency_ms: 120, run_id: `run-${c}`, agent_step: null, flip: null, score_delta: null, ...(t ? { trials: t } : {}) });

const MESSAGE: EvalResultsMessage = {
  type: 'eval-results',
  file: 'coin.eval.yaml',
  evalId: '20261126-190000-abcdef',
  variants: ['default'],
  cases: ['lucky', 'steady', 'early', 'parked', 'once'],
  cells: [
    cellOf('lucky', 'fail', 0.5, trials(2, 4, 0.150036, 0.849964)),
    cellOf('steady', 'pass', 1, trials(4, 4, 0.510109, 1)),
    cellOf('early', 'fail', 0, trials(0, 1, 0, 0.793452, { max: 10, stopped: '1 of 10 trials failed already: the rest cannot pass it' })),
    cellOf('parked', 'fail', 0.5, trials(1, 2, 0.094531, 0.905469, { quarantined: true })),
    cellOf('once', 'pass', 1),
  ],
  summary: [{ variant: 'default', passed: 2, total: 5, pass_rate: 0.4, low: 0.117621, high: 0.769276, tokens: 0, cost_usd: 0, pass_rate_before: null, cost_before: null }],
  baseline: null,
  running: false,
};

describe('eval panel: cases run in trials in the matrix', function () {
  this.timeout(60000);
  let panel: Panel;
  let page: Page & { errors: string[] };
  before(async () => {
    panel = await startPanel('evalView', '.waiting');
    page = await panel.open({ consoleErrors: true });
    await page.evaluate((m) => window.postMessage(m, '*'), MESSAGE);
    await page.waitForSelector('[data-testid="eval-matrix"]');
  });
  after(async () => {
    await panel?.close();
  });
  const cell = (c: string) => `td[data-testid="eval-cell"][data-case="${c}"]`;
  const texts = (sel: string) => page.$$eval(sel, (es) => es.map((e) => e.textContent));

  it('shows each cell’s verdict and its pass rate k/N; a cell run once keeps its score', async () => {
    const shown = await page.$$eval('td[data-testid="eval-cell"]', (tds) => tds.map((td) => [td.getAttribute('data-case'), td.querySelector('.status')?.textContent, td.querySelector('[data-testid="trial-rate"]')?.textContent ?? null, td.querySelector('.score')?.textContent ?? null]));
    assert.deepEqual(shown, [
      ['lucky', '✗ fail', '2/4', null],
      ['steady', '✓ pass', '4/4', null],
      ['early', '✗ fail', '0/1', null],
      ['parked', '✗ fail', '1/2', null],
      ['once', '✓ pass', null, '1.00'],
    ]);
  });

  it('marks a flaky cell (and a quarantined one), and only those', async () => {
    assert.deepEqual(await page.$$eval('td.flaky', (tds) => tds.map((td) => [td.getAttribute('data-case'), td.getAttribute('data-flaky')])), [
      ['lucky', 'true'],
      ['parked', 'quarantined'],
    ]);
    assert.deepEqual(await texts('[data-testid="flaky"]'), ['flaky', 'flaky · quarantined']);
    // the mark is drawn: a dashed outline in the warning colour
    assert.equal(await page.$eval(cell('lucky'), (td) => getComputedStyle(td).outlineStyle), 'dashed');
    assert.equal(await page.$eval(cell('steady'), (td) => getComputedStyle(td).outlineStyle), 'none');
  });

  it('gives the rate’s interval, the threshold and why adaptive trials stopped in the tooltip', async () => {
    const title = (c: string) => page.$eval(cell(c), (td) => td.getAttribute('title'));
    assert.equal(await title('lucky'), 'lucky [default]: fail, score 0.50, 120 ms, $0.0000\ntrials 2 of 4 passed (50.0 %), 95 % interval 15.0 % – 85.0 %, threshold 100 %: flaky (its trials disagree)\nClick to open run run-lucky in the graph panel');
    assert.equal(await title('early'), 'early [default]: fail, score 0.00, 120 ms, $0.0000\ntrials 0 of 1 passed (0 %), 95 % interval 0 % – 79.3 %, threshold 100 %; stopped after 1 of 10: 1 of 10 trials failed already: the rest cannot pass it\nClick to open run run-early in the graph panel');
    assert.equal(await title('parked'), 'parked [default]: fail, score 0.50, 120 ms, $0.0000\ntrials 1 of 2 passed (50.0 %), 95 % interval 9.5 % – 90.5 %, threshold 100 %: flaky, quarantined (out of the pass rate)\nClick to open run run-parked in the graph panel');
    assert.equal(await title('once'), 'once [default]: pass, score 1.00, 120 ms, $0.0000\nClick to open run run-once in the graph panel');
  });

  it('says what it drew to the host, with no error on the page', async () => {
    const posted = await page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'rendered'));
    assert.deepEqual(posted, [{ type: 'rendered', cells: 5, failing: ['lucky [default]', 'early [default]', 'parked [default]'] }]);
    assert.deepEqual(page.errors, []);
  });
});
