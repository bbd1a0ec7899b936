// The panel's DOM as the extension and the workbench tests rely on it, in Debian's chromium: the
// bundle is built from media/webview.ts, served with the page from client/panelHtml.ts (its CSP applies),
// and driven by the same messages the extension host posts.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { GraphDocument, GraphNode } from '../../engine/plan/graph';
import { emptyStepResult, type RunEvent } from '../../engine/run/events';
import { startPanel, type Panel } from '../helpers/panelPage';

const ROOT = path.resolve(__dirname, '../..');
const node = (id: string, children: GraphDocument | null = null, label = id): GraphNode => ({ id, label, kind: children ? 'loop' : 'step', tool: children ? null : 'filesystem', action: children ? null : 'write', level: 0, range: null, selectionRange: null, children });
const GRAPH: GraphDocument = {
  nodes: [node('fetch'), node('each', { nodes: [node('first'), node('second')], edges: [{ from: 'first', to: 'second', kind: 'explicit' }] }), node('report', null, 'Write the report'), node('handler')],
  edges: [
    { from: 'fetch', to: 'each', kind: 'explicit' },
    { from: 'each', to: 'report', kind: 'implied' },
    { from: 'fetch', to: 'report', kind: 'on_success' },
    { from: 'report', to: 'handler', kind: 'on_failure' },
  ],
};
const ended = (step: string, status: 'completed' | 'failed' | 'skipped', extra: object = {}): RunEvent => ({ type: 'step-ended', time: 2000, stepId: step, scope: [], result: { ...emptyStepResult(status), success: status === 'completed', ...extra } });

describe('webview: the DOM the extension and the workbench tests read', function () {
  this.timeout(60000);
  let panel: Panel;
  let page: Page;

  before(async () => {
    panel = await startPanel();
  });
  after(async () => {
    await panel?.close();
  });

  /** A page with a stand-in for VS Code's webview API that records what the panel posts and saves. */
  const open = (saved: unknown = undefined): Promise<Page> => panel.open({ saved, consoleErrors: true });
  const posted = (p: Page) => p.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
  const post = (p: Page, msg: unknown) => p.evaluate((m) => window.postMessage(m, '*'), msg);
  const statuses = (p: Page) => p.$$eval('.node', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-step-id'), e.getAttribute('data-status')])));

  it('draws every step as a node, loop bodies inside their loop, jumps apart from dependencies', async () => {
    page = await open();
    assert.deepEqual((await posted(page))[0], { type: 'ready' });
    await post(page, { type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: 'shapes', graph: GRAPH, problem: null });
    await page.waitForSelector('.node[data-step-id="handler"][data-status]');
    assert.deepEqual(await statuses(page), { each: 'pending', fetch: 'pending', report: 'pending', handler: 'pending', first: 'pending', second: 'pending' });
    assert.equal(await page.textContent('.node[data-step-id="report"] .label'), 'Write the report');
    assert.equal(await page.textContent('.node[data-step-id="fetch"] .label'), 'fetch');
    const box = async (id: string) => (await page.locator(`.node[data-step-id="${id}"] .box`).boundingBox())!;
    const loop = await box('each');
    for (const id of ['first', 'second']) {
      const b = await box(id);
      assert.ok(b.x > loop.x && b.y > loop.y && b.x + b.width < loop.x + loop.width && b.y + b.height < loop.y + loop.height, `${id} is drawn inside its loop`);
    }
    assert.deepEqual(await page.$$eval('.edge', (els) => els.map((e) => `${e.getAttribute('class')}|${e.querySelector('.edge-label')?.textContent ?? ''}`).sort()), [
      'edge dep explicit|',
      'edge dep explicit|',
      'edge dep implied|',
      'edge jump on_failure|on failure',
      'edge jump on_success|on success',
    ]);
    // every step drawn counts, the loop's body too
    assert.equal(await page.textContent('[data-testid="steps-done"]'), '0 / 6');
    const rendered = (await posted(page)).filter((m) => m.type === 'rendered').at(-1);
    assert.deepEqual(rendered, { type: 'rendered', uri: 'file:///w/a.pipeline.yaml', runId: null, nodes: 6, statuses: { each: 'pending', fetch: 'pending', first: 'pending', second: 'pending', report: 'pending', handler: 'pending' }, paused: null, critical: [] });
  });

  it('shows live statuses, the run header and the step panel from run events; a click reveals the step', async () => {
    await post(page, { type: 'run-reset', runId: 'r1', reused: [] });
    const startedAt = Date.now() - 3000;
    await post(page, {
      type: 'run-events',
      runId: 'r1',
      events: [
        { type: 'run-started', time: startedAt, executionId: 'r1', pipelineId: 'shapes', steps: ['fetch', 'each', 'report', 'handler'], levels: [], resumed: false },
        { type: 'step-started', time: Date.now() - 2900, stepId: 'fetch', scope: [], attempt: 1, inputs: { path: 'a.txt', content: 'x' } },
        { type: 'attempt-failed', time: Date.now() - 2800, stepId: 'fetch', scope: [], attempt: 1, error: 'disk busy', errorType: 'ToolError', retryInMs: 250 },
        { type: 'step-started', time: Date.now() - 2500, stepId: 'fetch', scope: [], attempt: 2, inputs: { path: 'a.txt', content: 'x' } },
        ended('fetch', 'completed', { duration_ms: 1200, attempts: 2, retries: 1, model: 'openai:gpt-4o-mini', tokens_in: 1000, tokens_out: 234, cost_usd: 0.0123, result: { written: 'a.txt', lines: [1, 2] } }),
        { type: 'step-started', time: Date.now() - 1000, stepId: 'first', scope: [{ loop: 'each', index: 0, item: 1 }], attempt: 1, inputs: {} },
        { type: 'attempt-failed', time: Date.now() - 900, stepId: 'first', scope: [{ loop: 'each', index: 0, item: 1 }], attempt: 1, error: 'later', errorType: 'ToolError', retryInMs: 5000 },
        ended('handler', 'skipped', { skip_reason: 'condition was false' }),
        ended('report', 'failed', { error: 'no such file', error_type: 'ToolError' }),
      ],
    });
    await page.waitForSelector('.node[data-step-id="report"][data-status="failed"]');
    assert.deepEqual(await statuses(page), { each: 'running', fetch: 'completed', report: 'failed', handler: 'skipped', first: 'retrying', second: 'pending' });
    assert.equal(await page.textContent('[data-testid="steps-done"]'), '1 / 6 · 1 failed · 1 skipped');
    assert.equal(await page.textContent('[data-testid="tokens"]'), '1,234');
    assert.equal(await page.textContent('[data-testid="cost"]'), '$0.01');
    // the run's time since its start: at least the 3 s it had when the events came, at most what it
    // has now (a busy machine may take seconds to draw)
    const elapsed = (await page.textContent('[data-testid="elapsed"]')) ?? '';
    const upTo = (Date.now() - startedAt) / 1000;
    assert.match(elapsed, /^\d+\.\d s$/);
    assert.ok(parseFloat(elapsed) >= 3 && parseFloat(elapsed) <= upTo + 0.05, `elapsed ${elapsed}, the run started ${upTo.toFixed(1)} s ago`);
    assert.equal(await page.textContent('.node[data-step-id="first"] .badge'), 'retry 2');

    await page.click('.node[data-step-id="fetch"]');
    await page.waitForSelector('.node[data-step-id="fetch"][data-selected="true"]');
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'reveal-step'), [{ type: 'reveal-step', stepId: 'fetch' }]);
    const panel = page.locator('[data-testid="step-panel"]');
    assert.ok(await panel.isVisible());
    assert.equal(await page.textContent('[data-testid="step-facts"]'), 'duration 1.2 s · 2 attempts · model openai:gpt-4o-mini · 1000 in / 234 out tokens · $0.01');
    assert.deepEqual(await panel.locator('section h3').allTextContents(), ['Inputs', 'Result', 'Attempts']);
    assert.equal(await panel.locator('section[data-section="Attempts"] li').textContent(), 'attempt 1: ToolError: disk busy — retried after 250 ms');
    assert.match((await panel.locator('section[data-section="Result"]').textContent()) ?? '', /written: "a\.txt".*lines: \[2\]0: 11: 2/s);

    await page.click('.node[data-step-id="report"]');
    await page.waitForSelector('[data-testid="step-error"]');
    assert.equal(await page.textContent('[data-testid="step-error"]'), 'ToolError: no such file');
    assert.equal(await page.locator('.node[data-selected="true"]').count(), 1);

    await post(page, { type: 'highlight-step', stepId: 'handler' });
    await page.waitForSelector('.node[data-step-id="handler"][data-highlighted="true"]');
    await post(page, { type: 'highlight-step', stepId: null });
    await page.waitForSelector('.node[data-highlighted="true"]', { state: 'detached' }).catch(() => undefined);
    assert.equal(await page.locator('.node[data-highlighted="true"]').count(), 0);
    const rendered = (await posted(page)).filter((m) => m.type === 'rendered').at(-1) as unknown as { runId: string; statuses: Record<string, string> };
    assert.equal(rendered.runId, 'r1');
    assert.deepEqual(rendered.statuses, { each: 'running', fetch: 'completed', first: 'retrying', second: 'pending', report: 'failed', handler: 'skipped' });
  });

  it("the step panel shows which model of a fallback chain answered, and why each before it did not", async () => {
    const p = await open();
    await post(p, { type: 'graph', uri: 'file:///w/chain.pipeline.yaml', pipelineId: 'chain', graph: { nodes: [node('ask'), node('solo')], edges: [] }, problem: null });
    await p.waitForSelector('.node[data-step-id="solo"][data-status]');
    await post(p, { type: 'run-reset', runId: 'r-chain', reused: [] });
    await post(p, {
      type: 'run-events',
      runId: 'r-chain',
      events: [
        { type: 'run-started', time: Date.now() - 1000, executionId: 'r-chain', pipelineId: 'chain', steps: ['ask', 'solo'], levels: [], resumed: false },
        ended('ask', 'completed', {
          model: 'huggingface:meta-llama/Llama-3.3-70B-Instruct',
          tokens_in: 20,
          tokens_out: 5,
          result: 'From Llama.',
          models_tried: [
            { model: 'anthropic:claude-sonnet-4-5', outcome: 'passed-over', reason: 'not configured', error: "No API key for provider 'anthropic': set ANTHROPIC_API_KEY (or store one in the editor)", error_type: 'ConfigurationError', tokens_in: 0, tokens_out: 0, cost_usd: 0 },
            { model: 'openai:gpt-4o', outcome: 'passed-over', reason: 'provider failure (HTTP 503), retries spent', error: 'openai answered HTTP 503', error_type: 'ProviderError', tokens_in: 0, tokens_out: 0, cost_usd: 0 },
            { model: 'huggingface:meta-llama/Llama-3.3-70B-Instruct', outcome: 'answered', tokens_in: 20, tokens_out: 5, cost_usd: 0.000022 },
          ],
        }),
        ended('solo', 'completed', { model: 'openai:gpt-4o-mini', tokens_in: 3, tokens_out: 4, result: 'ok', models_tried: [{ model: 'openai:gpt-4o-mini', outcome: 'answered', tokens_in: 3, tokens_out: 4, cost_usd: 0 }] }),
      ],
    });
    await p.waitForSelector('.node[data-step-id="solo"][data-status="completed"]');
    await p.click('.node[data-step-id="ask"]');
    await p.waitForSelector('[data-testid="models-tried"]');
    const panel = p.locator('[data-testid="step-panel"]');
    assert.equal(await p.textContent('[data-testid="step-facts"]'), 'model huggingface:meta-llama/Llama-3.3-70B-Instruct · 20 in / 5 out tokens');
    assert.deepEqual(await panel.locator('section h3').allTextContents(), ['Models', 'Result']);
    assert.deepEqual(await p.$$eval('[data-testid="models-tried"] li', (els) => els.map((e) => [e.getAttribute('data-outcome'), e.textContent])), [
      ['passed-over', 'anthropic:claude-sonnet-4-5: passed over (not configured)'],
      ['passed-over', 'openai:gpt-4o: passed over (provider failure (HTTP 503), retries spent)'],
      ['answered', 'huggingface:meta-llama/Llama-3.3-70B-Instruct: answered · 20 in / 5 out tokens'],
    ]);
    fs.mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    await panel.screenshot({ path: path.join(ROOT, 'test-artifacts', 'step-panel-models.png') });
    // a step its one model answered: the facts say which, and there is no chain to show
    await p.click('.node[data-step-id="solo"]');
    await p.waitForSelector('.node[data-step-id="solo"][data-selected="true"]');
    assert.equal(await p.textContent('[data-testid="step-facts"]'), 'model openai:gpt-4o-mini · 3 in / 4 out tokens');
    assert.equal(await p.locator('[data-testid="models-tried"]').count(), 0);
    assert.deepEqual((p as unknown as { errors: string[] }).errors, []);
    await p.close();
  });

  it('follows an edited graph keeping the statuses of steps that still exist, and says why there is no graph', async () => {
    const edited: GraphDocument = { nodes: [GRAPH.nodes[0], node('added'), GRAPH.nodes[2]], edges: [{ from: 'fetch', to: 'added', kind: 'explicit' }] };
    await post(page, { type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: 'shapes', graph: edited, problem: null });
    await page.waitForSelector('.node[data-step-id="added"]');
    assert.deepEqual(await statuses(page), { fetch: 'completed', added: 'pending', report: 'failed' });
    await post(page, { type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: 'shapes', graph: null, problem: '2 errors: fix them to see the graph' });
    await page.waitForSelector('[data-testid="graph-problem"]:visible');
    assert.equal(await page.textContent('[data-testid="graph-problem"]'), '2 errors: fix them to see the graph');
    assert.deepEqual((page as unknown as { errors: string[] }).errors, []);
  });

  it('keeps its state for the host to restore: the document, the graph, the run, the selection and the view', async () => {
    await post(page, { type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: 'shapes', graph: GRAPH, problem: null });
    await page.waitForSelector('.node[data-step-id="each"]');
    await page.click('[data-testid="fit"]');
    await page.waitForFunction(() => (window as unknown as { __saved?: { graph?: unknown } }).__saved?.graph);
    await page.waitForTimeout(700);
    const saved = (await page.evaluate(() => (window as unknown as { __saved: Record<string, unknown> }).__saved)) as { uri: string; selected: string; run: { runId: string }; view: { k: number } };
    assert.equal(saved.uri, 'file:///w/a.pipeline.yaml');
    assert.equal(saved.selected, 'report');
    assert.equal(saved.run.runId, 'r1');
    assert.ok(saved.view.k > 0);
    await page.close();

    // a reload: the panel draws what it had before the host re-sends anything
    page = await open(saved);
    await page.waitForSelector('.node[data-step-id="report"][data-status="failed"][data-selected="true"]');
    // the edit dropped the loop, its body and handler, so their statuses went with them
    assert.deepEqual(await statuses(page), { each: 'pending', fetch: 'completed', report: 'failed', handler: 'pending', first: 'pending', second: 'pending' });
    assert.ok(await page.locator('[data-testid="step-panel"]').isVisible());
    await page.close();
  });

  it('shows the prediction before a run, the timeline with the critical path after it, and the explanation with links to its steps', async () => {
    const p = await open();
    await post(p, { type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: 'shapes', graph: GRAPH, problem: null });
    await p.waitForSelector('.node[data-step-id="report"]');
    assert.equal(await p.locator('[data-testid="insights"]').isVisible(), false, 'nothing to show yet');
    // a pipeline with no budget has no budget in its header (not even its label)
    assert.equal(await p.locator('.budget-stat').isVisible(), false, 'no budget shown');
    await post(p, {
      type: 'prediction',
      prediction: {
        max_parallel: 4,
        steps: [
          { step: 'fetch', source: 'history', samples: 3, duration_ms: { expected: 1200, low: 1000, high: 1500 }, cost_usd: { expected: 0, low: 0, high: 0 } },
          { step: 'report', source: 'registry', samples: 0, duration_ms: null, cost_usd: { expected: 0.0021, low: 0.001, high: 0.003 } },
        ],
        cost_usd: { expected: 0.0021, low: 0.001, high: 0.003 },
        makespan_ms: { expected: 1200, low: 1000, high: 1500 },
        critical_path: ['fetch'],
        unknown: ['report'],
      },
    });
    await p.waitForSelector('[data-testid="prediction-total"]');
    assert.equal(await p.textContent('[data-testid="prediction-total"]'), 'makespan 1.20 s (1.00 s–1.50 s) · cost $0.002100 ($0.001000–$0.003000) · max_parallel 4 · from up to 3 earlier runs');
    await post(p, {
      type: 'report',
      runId: 'r9',
      report: {
        execution_id: 'r9', pipeline_id: 'shapes', status: 'completed', makespan_ms: 4000, basis: 'dependencies',
        critical_path: [{ step: 'fetch', span_ms: 1000, share: 0.25 }, { step: 'report', span_ms: 3000, share: 0.75 }],
        steps: [],
        parallelism: { max_parallel: 4, peak: 2, average: 1.1, idle_share: 0.45 },
        retries: { steps: 0, attempts_failed: 0, retry_ms: 0 },
        suggestions: ["'report' runs for 75% of the makespan on the critical path: it is the bottleneck."],
        timeline: [
          { step: 'fetch', status: 'completed', start_ms: 0, end_ms: 1000, queued_ms: 0, critical: true },
          { step: 'handler', status: 'completed', start_ms: 0, end_ms: 400, queued_ms: 200, critical: false },
          { step: 'report', status: 'completed', start_ms: 1000, end_ms: 4000, queued_ms: 0, critical: true },
        ],
      },
    });
    await p.waitForSelector('.bar[data-step-id="report"]');
    assert.deepEqual(await p.$$eval('.bar[data-critical="true"]', (els) => els.map((e) => e.getAttribute('data-step-id'))), ['fetch', 'report']);
    assert.equal(await p.getAttribute('.bar[data-step-id="report"]', 'style'), 'left: 25%; width: 75%;');
    assert.equal(await p.locator('.bar[data-step-id="handler"] .queued').count(), 1);
    assert.deepEqual(await p.locator('[data-testid="suggestions"] li').allTextContents(), ["'report' runs for 75% of the makespan on the critical path: it is the bottleneck."]);
    await p.waitForFunction(() => (window as unknown as { __posted: { type: string; critical?: string[] }[] }).__posted.some((m) => m.type === 'rendered' && m.critical?.join() === 'fetch,report'));
    await post(p, {
      type: 'explanation',
      intention: 'Email a summary.',
      architecture: 'fetch gets the notes; report writes the summary.',
      findings: [{ code: 'explain.unaccounted-step', step: 'handler', message: "The architecture never mentions 'handler'." }],
      model: 'openai:gpt-4o-mini',
      cached: false,
    });
    await p.waitForSelector('[data-testid="intention"]');
    assert.equal(await p.textContent('[data-testid="intention"]'), 'Email a summary.');
    assert.equal(await p.textContent('[data-testid="contradictions"] li'), "handler: The architecture never mentions 'handler'.");
    await p.click('[data-testid="contradictions"] a[data-step-id="handler"]');
    await p.waitForSelector('.node[data-step-id="handler"][data-selected="true"]');
    assert.deepEqual((await posted(p)).filter((m) => m.type === 'reveal-step').at(-1), { type: 'reveal-step', stepId: 'handler' });
    assert.deepEqual((p as unknown as { errors: string[] }).errors, []);
    await p.close();
  });
});
