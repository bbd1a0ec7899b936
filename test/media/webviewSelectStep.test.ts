// A run opened on one of its steps (an eval's cell opens its case's run with the agent step
// selected, for the transcript): the panel, in Debian's chromium, selects the step the `run-reset`
// names and shows its step panel, whether the graph is drawn before or after, and moves no editor
// (no `reveal-step` is posted: the person did not click the node).
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { GraphDocument, GraphNode } from '../../engine/plan/graph';
import { emptyStepResult } from '../../engine/run/events';
import { startPanel, type Panel } from '../helpers/panelPage';

const node = (id: string): GraphNode => ({ id, label: id, kind: 'step', tool: null, action: 'agent', level: 0, range: null, selectionRange: null, children: null });
const GRAPH: GraphDocument = { nodes: [node('fetch'), node('reader')], edges: [{ from: 'fetch', to: 'reader', kind: 'explicit' }] };
const GRAPH_MSG = { type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: 'a', graph: GRAPH, problem: null, version: 1 };
const ENDED = { type: 'run-events', runId: 'r1', events: [{ type: 'step-ended', time: 2000, stepId: 'reader', scope: [], result: { ...emptyStepResult('completed'), success: true } }] };

describe('webview: a run opened with a step selected', function () {
  this.timeout(60000);
  let panel: Panel;
  before(async () => {
    panel = await startPanel();
  });
  after(async () => {
    await panel?.close();
  });
  const posted = (p: Page) => p.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
  const post = (p: Page, msg: unknown) => p.evaluate((m) => window.postMessage(m, '*'), msg);
  const selected = (p: Page) => p.$$eval('.node[data-selected="true"]', (els) => els.map((e) => e.getAttribute('data-step-id')));

  it('selects the step the run-reset names, on a graph already drawn, and shows its panel', async () => {
    const page = await panel.open({ consoleErrors: true });
    await post(page, GRAPH_MSG);
    await page.waitForSelector('.node[data-step-id="reader"]');
    await post(page, { type: 'run-reset', runId: 'r1', reused: [], selectStep: 'reader' });
    await post(page, ENDED);
    await page.waitForSelector('.node[data-step-id="reader"][data-selected="true"]');
    assert.deepEqual(await selected(page), ['reader']);
    assert.equal(await page.textContent('[data-testid="step-panel"] h2'), 'reader');
    // the step's end is drawn on a frame of its own, maybe after the selection's
    await page.waitForFunction(() => document.querySelector('[data-testid="step-panel"] .status-line')?.textContent === 'completed', undefined, { timeout: 20_000 });
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'reveal-step'), []);
    // a run opened without one keeps the selection the person made
    await post(page, { type: 'run-reset', runId: 'r2', reused: [] });
    await page.waitForFunction(() => document.querySelector('[data-testid="step-panel"] .status-line')?.textContent === 'pending');
    assert.deepEqual(await selected(page), ['reader']);
  });

  it('selects it when the run opens before the graph is drawn (a panel that was just created)', async () => {
    const page = await panel.open({ consoleErrors: true });
    await post(page, { type: 'run-reset', runId: 'r1', reused: [], selectStep: 'reader' });
    await post(page, GRAPH_MSG);
    await post(page, ENDED);
    await page.waitForSelector('.node[data-step-id="reader"][data-selected="true"]');
    assert.equal(await page.textContent('[data-testid="step-panel"] h2'), 'reader');
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'reveal-step'), []);
  });
});
