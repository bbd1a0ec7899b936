// The Improve Prompts panel (media/improveView.ts) in Debian's chromium: the bundle built from it,
// served with the page client/panelHtml.ts writes (its CSP applies), driven by the messages
// client/improvePrompts.ts posts while a search runs, as it ends, and after Apply (or its refusal).
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { ImprovePointView, ImproveViewMessage } from '../../media/improveProtocol';
import { startPanel, type Panel } from '../helpers/panelPage';

const pt = (id: string, parent: string | null, passed: number, cases: number, cost: number, front: boolean, changed: string[], complete = true): ImprovePointView => ({ id, parent, train_pass_rate: passed / cases, train_passed: passed, train_cases: cases, complete, low: 0, high: 1, cost_usd: cost, front, changed });
const C0 = pt('c0', null, 1, 4, 0.002, false, []);
const C1 = pt('c1', 'c0', 1, 2, 0.001, false, ['answer'], false);
const C2 = pt('c2', 'c0', 3, 4, 0.0025, true, ['answer']);
const running: ImproveViewMessage = { type: 'improve', improveId: 'imp-1', evalFile: 'qa.eval.yaml', pipelineFile: 'qa.pipeline.yaml', status: 'running', stopped: '', replay: false, steps: ['answer'], trainCases: 4, validationCases: 1, maxEvals: 40, evals: 12, calls: 2, cost_usd: 0.0055, refused: 1, points: [C0, C1, C2], chosen: 'c2', train: null, validation: null, applied: null, applyProblem: null };
const done: ImproveViewMessage = { ...running, status: 'done', stopped: 'max-evals', train: { cases: 4, before: 0.25, after: 0.75, before_interval: [0.0456, 0.6994], after_interval: [0.3006, 0.9544] }, validation: { cases: 1, before: 0, after: 1, before_interval: [0, 0.7935], after_interval: [0.2065, 1] } };

describe('Improve Prompts panel: the DOM while a search runs and after', function () {
  this.timeout(60000);
  let panel: Panel;
  let page: Page & { errors: string[] };
  before(async () => {
    panel = await startPanel('improveView', '.waiting');
    page = await panel.open({ consoleErrors: true });
  });
  after(async () => {
    await panel?.close();
  });
  const post = (msg: unknown) => page.evaluate((m) => window.postMessage(m, '*'), msg);
  const posted = () => page.evaluate(() => (window as unknown as { __posted: { type: string; id?: string }[] }).__posted);
  const texts = (sel: string) => page.$$eval(sel, (es) => es.map((e) => e.textContent));

  it('says it is waiting, then draws each candidate while it runs; Apply waits for the end', async () => {
    assert.equal(await page.textContent('.waiting'), 'Waiting for the search…');
    await post(running);
    await page.waitForSelector('[data-testid="improve-point"]');
    assert.equal(await page.textContent('[data-testid="improve-status"]'), 'Searching');
    assert.equal(await page.textContent('.improve-plan'), 'qa.pipeline.yaml: step answer · 4 train cases, 1 validation');
    assert.deepEqual(await texts('[data-testid="improve-summary"] li'), ['train: —', 'validation: —', 'evals 12 of 40 · calls 2 · cost $0.005500 · 1 refused']);
    assert.deepEqual(
      await page.$$eval('[data-testid="improve-point"]', (gs) => gs.map((g) => [g.getAttribute('data-id'), g.getAttribute('class'), g.querySelector('.point-label')!.textContent, g.querySelector('title')!.textContent])),
      [
        ['c0', 'point', 'c0 · 25.0 %', 'c0 (the pipeline’s prompts)\ntrain 25.0 % (1/4), 95 % interval 0 % – 100 %, $0.0020\nno prompt changed\nClick to open its diff'],
        ['c1', 'point minibatch', 'c1 · 50.0 %', 'c1 (from c0)\nminibatch only 50.0 % (1/2), 95 % interval 0 % – 100 %, $0.0010\nchanges answer\nClick to open its diff'],
        ['c2', 'point on-front chosen', 'c2 · 75.0 %', 'c2 (from c0)\ntrain 75.0 % (3/4), 95 % interval 0 % – 100 %, $0.0025\nchanges answer\nchosen\nClick to open its diff'],
      ],
    );
    assert.equal(await page.isDisabled('[data-testid="improve-apply"]'), true);
    assert.equal(await page.textContent('[data-testid="improve-chosen"]'), 'Chosen: c2 Apply');
  });

  it('a point clicked, Enter on a point, or a row’s Diff asks for that candidate’s diff', async () => {
    const before = (await posted()).length;
    await page.click('[data-testid="improve-point"][data-id="c0"] .dot');
    await page.focus('[data-testid="improve-point"][data-id="c2"]');
    await page.keyboard.press('Enter');
    await page.click('[data-testid="improve-table"] tr[data-id="c1"] [data-testid="improve-diff"]');
    assert.deepEqual((await posted()).slice(before).filter((m) => m.type === 'open-candidate'), [
      { type: 'open-candidate', id: 'c0' },
      { type: 'open-candidate', id: 'c2' },
      { type: 'open-candidate', id: 'c1' },
    ]);
  });

  it('ended: before → after with intervals, why it stopped; Apply posts, then says what it wrote or why not', async () => {
    await post(done);
    await page.waitForSelector('[data-testid="improve-status"].done');
    assert.equal(await page.textContent('[data-testid="improve-status"]'), 'Done');
    assert.deepEqual(await texts('[data-testid="improve-summary"] li'), ['train: 25.0 % (4.6 % – 69.9 %) → 75.0 % (30.1 % – 95.4 %), 4 cases', 'validation: 0 % (0 % – 79.4 %) → 100 % (20.7 % – 100 %), 1 case', 'evals 12 of 40 · calls 2 · cost $0.005500 · 1 refused', 'stopped: the case runs allowed are spent (max-evals)']);
    assert.deepEqual(await page.$$eval('[data-testid="improve-table"] tr[data-id]', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent).join(' | '))), [
      'c0 | 25.0 % (1/4) | 0 % – 100 % | $0.0020 | —',
      'c1 · minibatch only | 50.0 % (1/2) | 0 % – 100 % | $0.0010 | answer',
      'c2 chosen · front | 75.0 % (3/4) | 0 % – 100 % | $0.0025 | answer',
    ]);
    assert.equal(await page.isDisabled('[data-testid="improve-apply"]'), false);
    await page.click('[data-testid="improve-apply"]');
    assert.deepEqual((await posted()).filter((m) => m.type === 'apply'), [{ type: 'apply' }]);
    await post({ ...done, applyProblem: 'Apply: qa.pipeline.yaml changed since the search started (unsaved edits); nothing was written. Run Improve Prompts… again on the file as it is now.' });
    await page.waitForSelector('[data-testid="improve-problem"]');
    assert.equal(await page.getAttribute('[data-testid="improve-problem"]', 'role'), 'alert');
    await post({ ...done, applied: ['answer'] });
    await page.waitForSelector('[data-testid="improve-applied"]');
    assert.equal(await page.textContent('[data-testid="improve-applied"]'), 'Applied: the prompt of answer (unsaved; one Undo takes it back)');
    assert.equal(await page.isDisabled('[data-testid="improve-apply"]'), true);
    const rendered = (await posted()).filter((m) => m.type === 'rendered').at(-1);
    assert.deepEqual(rendered, { type: 'rendered', points: ['c0', 'c1', 'c2'], chosen: 'c2', status: 'Done', summary: ['train: 25.0 % (4.6 % – 69.9 %) → 75.0 % (30.1 % – 95.4 %), 4 cases', 'validation: 0 % (0 % – 79.4 %) → 100 % (20.7 % – 100 %), 1 case', 'evals 12 of 40 · calls 2 · cost $0.005500 · 1 refused', 'stopped: the case runs allowed are spent (max-evals)'], applyEnabled: false });
  });

  it('a failed search says why; nothing went wrong in the page', async () => {
    await post({ ...running, status: 'failed', stopped: 'the eval has no train case', points: [], chosen: null });
    await page.waitForSelector('[data-testid="improve-status"].failed');
    assert.equal(await page.textContent('[data-testid="improve-status"]'), 'Failed: the eval has no train case');
    assert.equal(await page.textContent('[data-testid="improve-chosen"]'), 'No candidate yet Apply');
    assert.deepEqual(page.errors, []);
  });
});
