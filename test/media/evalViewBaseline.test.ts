// The eval panel's line about its baseline (media/evalView.ts), in Debian's chromium: the engine's
// verdict line names the baseline already ("against ID: ..."), and the panel showed the name twice
// ("Against ID: against ID: ...").
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { EvalResultsMessage } from '../../media/protocol';
import { startPanel, type Panel } from '../helpers/panelPage';

const line = 'against 20261126-180000-aaaaaa: 1 pass→fail, 0 fail→pass over 2 cases; pass rate 100.0% → 50.0% (-50.0 points); cost $0.000010 → $0.000012: worse';

const message = (verdict: string): EvalResultsMessage => ({
  type: 'eval-results',
  file: 'brief.eval.yaml',
  evalId: '20261126-190000-bbbbbb',
  variants: ['default'],
  cases: ['short'],
  cells: [{ case: 'short', variant: 'default', status: 'fail', score: 0, cost_usd: 0, latency_ms: 80, run_id: 'run-short', agent_step: null, flip: 'pass→fail', score_delta: -1 }],
  summary: [{ variant: 'default', passed: 0, total: 1, pass_rate: 0, low: 0, high: 0.793, tokens: 0, cost_usd: 0, pass_rate_before: 1, cost_before: 0.00001 }],
  baseline: { evalId: '20261126-180000-aaaaaa', verdict, regressions: 1, fixed: 0 },
  running: false,
});

describe('eval panel: the baseline line', function () {
  this.timeout(60000);
  let panel: Panel;
  before(async () => {
    panel = await startPanel('evalView', '.waiting');
  });
  after(async () => {
    await panel?.close();
  });

  it("names the baseline once: the engine's line, as a sentence", async () => {
    const page = await panel.open({ consoleErrors: true });
    await page.evaluate((m) => window.postMessage(m, '*'), message(line));
    await page.waitForSelector('[data-testid="baseline-verdict"]');
    assert.equal(await page.textContent('[data-testid="baseline-verdict"]'), `A${line.slice(1)}`);
    assert.deepEqual(page.errors, []);
    await page.screenshot({ path: path.join(__dirname, '..', '..', 'test-artifacts', 'eval-panel-baseline-line.png') });
  });

  it("a cost under a cent and its change keep six decimals: the variant's row is not \"$0.0000 (−$0.0000)\"", async () => {
    const page = await panel.open({ consoleErrors: true });
    const m = message(line);
    m.summary = [{ ...m.summary[0], cost_usd: 0.000012, cost_before: 0.00001 }, { ...m.summary[0], variant: 'free', cost_usd: 0, cost_before: 0.00001 }, { ...m.summary[0], variant: 'dear', cost_usd: 0.25, cost_before: 0.125 }];
    m.variants = ['default', 'free', 'dear'];
    await page.evaluate((msg) => window.postMessage(msg, '*'), m);
    await page.waitForSelector('[data-testid="eval-summary"] tr[data-variant="dear"]');
    const cost = (v: string) => page.textContent(`[data-testid="eval-summary"] tr[data-variant="${v}"] td:last-child`);
    assert.equal(await cost('default'), '$0.000012 (+$0.000002)');
    assert.equal(await cost('free'), '$0.0000 (−$0.000010)');
    assert.equal(await cost('dear'), '$0.2500 (+$0.1250)');
    assert.deepEqual(page.errors, []);
    await page.screenshot({ path: path.join(__dirname, '..', '..', 'test-artifacts', 'eval-panel-tiny-costs.png') });
  });

  it('a line that does not name it is given the name', async () => {
    const page = await panel.open({ consoleErrors: true });
    await page.evaluate((m) => window.postMessage(m, '*'), message('no case changed'));
    await page.waitForSelector('[data-testid="baseline-verdict"]');
    assert.equal(await page.textContent('[data-testid="baseline-verdict"]'), 'Against 20261126-180000-aaaaaa: no case changed');
  });
});
