// The panel's editing gestures in Debian's chromium, driven with the mouse and the keyboard as a
// person would: what the panel posts to the extension (one edit, with the drawn document's version),
// what it says itself, the menu context a right-click gives VS Code, and a graph after an edit drawn
// with every surviving node where it was.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { GraphDocument, GraphNode } from '../../engine/plan/graph';
import { startPanel, type Panel } from '../helpers/panelPage';

const URI = 'file:///w/a.pipeline.yaml';
const node = (id: string, children: GraphDocument | null = null): GraphNode => ({ id, label: id, kind: children ? 'loop' : 'step', tool: children ? null : 'filesystem', action: children ? null : 'write', level: 0, range: null, selectionRange: null, children });
const GRAPH: GraphDocument = {
  nodes: [node('fetch'), node('each', { nodes: [node('first'), node('second')], edges: [{ from: 'first', to: 'second', kind: 'explicit' }] }), node('report'), node('handler')],
  edges: [
    { from: 'fetch', to: 'each', kind: 'explicit' },
    { from: 'each', to: 'report', kind: 'implied' },
    { from: 'report', to: 'handler', kind: 'on_failure' },
  ],
};

describe('webview: editing the pipeline with the mouse and the keys', function () {
  this.timeout(60000);
  let panel: Panel;
  let page: Page;

  before(async () => {
    panel = await startPanel();
    page = await panel.open();
    await post({ type: 'graph', uri: URI, pipelineId: 'shapes', graph: GRAPH, problem: null, version: 7 });
    await page.waitForSelector('.node[data-step-id="handler"]');
  });
  after(async () => {
    await panel?.close();
  });

  const post = (msg: unknown) => page.evaluate((m) => window.postMessage(m, '*'), msg);
  /** What the panel posted since the last call, but its `rendered` reports. */
  const drain = () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted.splice(0).filter((m) => m.type !== 'rendered' && m.type !== 'ready'));
  const box = async (id: string) => (await page.locator(`.node[data-step-id="${id}"] .box`).boundingBox())!;
  /** After the panel's next two frames: a resize observed and the view it fits applied. */
  const settled = () => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
  /** A point on the screen `below` px under the middle of an edge's path. */
  const beside = (selector: string, below: number) =>
    page.evaluate(
      ({ selector, below }) => {
        const p = document.querySelector(selector) as SVGPathElement;
        const m = p.getScreenCTM()!;
        const at = p.getPointAtLength(p.getTotalLength() / 2);
        return { x: at.x * m.a + m.e, y: at.y * m.d + m.f + below };
      },
      { selector, below },
    );

  it('dragging from a node\'s handle to another node posts one connect of the drawn version', async () => {
    await drain();
    const from = await box('fetch');
    await page.mouse.move(from.x + 20, from.y + 10);
    const handle = page.locator('[data-testid="connect-handle"]');
    await page.waitForSelector('[data-testid="connect-handle"][data-step-id="fetch"][visibility="visible"]');
    const h = (await handle.boundingBox())!;
    const to = await box('report');
    await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + 30, to.y + 20, { steps: 8 });
    assert.equal(await page.getAttribute('.node[data-step-id="report"]', 'data-drop-target'), 'true', 'the node under the pointer is marked as the drop target');
    await page.mouse.up();
    assert.deepEqual(await drain(), [{ type: 'edit', op: { op: 'connect', from: 'fetch', to: 'report' }, version: 7 }]);
    assert.equal(await page.locator('[data-drop-target]').count(), 0);
    // dropped on nothing: nothing is posted
    await page.mouse.move(from.x + 20, from.y + 10);
    await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
    await page.mouse.down();
    await page.mouse.move(5, 690, { steps: 4 });
    await page.mouse.up();
    assert.deepEqual(await drain(), []);
  });

  it('a click beside an edge selects it and Delete disconnects it; a jump is not deleted and the panel says why', async () => {
    const pt = await beside('g[data-edge="explicit:fetch->each"] path', 3);
    await page.mouse.click(pt.x, pt.y);
    assert.equal(await page.getAttribute('g[data-edge="explicit:fetch->each"]', 'data-selected'), 'true');
    await page.keyboard.press('Delete');
    assert.deepEqual(await drain(), [{ type: 'edit', op: { op: 'disconnect', from: 'fetch', to: 'each' }, version: 7 }]);
    const jump = await beside('g[data-edge="on_failure:report->handler"] path', 0);
    await page.mouse.click(jump.x, jump.y);
    await page.keyboard.press('Delete');
    assert.deepEqual(await drain(), []);
    assert.equal(await page.textContent('[data-testid="notice"]'), "'report' jumps to 'handler' by its on_failure: a jump is not a dependency; change the step's on_failure in the editor.");
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('g.edge[data-selected]').count(), 0);
    // a drag on the background that comes back to where it started beside an edge was a pan, not a
    // click: it selects nothing. The notice above made the pane shorter, and the fitted graph is
    // fitted again when the pane's resize is observed: the edge is found once that has happened
    await settled();
    const fetchEdge = await beside('g[data-edge="implied:each->report"] path', 3);
    await page.mouse.move(fetchEdge.x, fetchEdge.y);
    await page.mouse.down();
    await page.mouse.move(fetchEdge.x + 120, fetchEdge.y + 40, { steps: 5 });
    await page.mouse.move(fetchEdge.x, fetchEdge.y, { steps: 5 });
    await page.mouse.up();
    assert.equal(await page.locator('g.edge[data-selected]').count(), 0, 'the pan selected no edge');
    // while a click there selects it
    await page.mouse.click(fetchEdge.x, fetchEdge.y);
    assert.equal(await page.locator('g.edge[data-selected]').count(), 1);
    await page.keyboard.press('Escape');
  });

  it('keys on a selected step: Delete removes it, A adds a step after it, F2 renames, C connects, D duplicates', async () => {
    await page.click('.node[data-step-id="report"]');
    await drain();
    for (const key of ['Delete', 'a', 'F2', 'c', 'd']) await page.keyboard.press(key);
    assert.deepEqual(await drain(), [
      { type: 'edit', op: { op: 'remove-step', id: 'report' }, version: 7 },
      { type: 'command', command: 'addStep', stepId: 'report' },
      { type: 'command', command: 'renameStep', stepId: 'report' },
      { type: 'command', command: 'connect', stepId: 'report' },
      { type: 'command', command: 'duplicateStep', stepId: 'report' },
    ]);
  });

  it('a right-click gives VS Code the menu\'s context: the step (in a loop or not), the edge, the graph', async () => {
    const b = await box('first');
    await page.mouse.click(b.x + 20, b.y + 10, { button: 'right' });
    assert.deepEqual(JSON.parse((await page.getAttribute('.node[data-step-id="first"]', 'data-vscode-context'))!), { webviewSection: 'step', uri: URI, stepId: 'first', kind: 'step', inLoop: true, loopBeside: false, preventDefaultContextMenuItems: true });
    const f = await box('fetch');
    await page.mouse.click(f.x + 20, f.y + 10, { button: 'right' });
    assert.deepEqual(JSON.parse((await page.getAttribute('.node[data-step-id="fetch"]', 'data-vscode-context'))!), { webviewSection: 'step', uri: URI, stepId: 'fetch', kind: 'step', inLoop: false, loopBeside: true, preventDefaultContextMenuItems: true });
    await page.mouse.click(5, 690, { button: 'right' });
    assert.deepEqual(JSON.parse((await page.getAttribute('svg.graph', 'data-vscode-context'))!), { webviewSection: 'graph', uri: URI, preventDefaultContextMenuItems: true });
  });

  it('the graph after an edit: every surviving node where it was, the new step beside its dependency, statuses kept', async () => {
    await post({ type: 'run-events', runId: 'r1', events: [{ type: 'step-ended', time: 1, stepId: 'fetch', scope: [], result: { status: 'completed', success: true, result: null, error: null, error_type: null, duration_ms: 5, attempts: 1, retries: 0, model: null, tokens_in: 0, tokens_out: 0, cost_usd: 0, skip_reason: null } }] });
    await page.waitForSelector('.node[data-step-id="fetch"][data-status="completed"]');
    const before = await page.$$eval('.node', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-step-id'), e.getAttribute('transform')])));
    // the untouched steps' elements stay the same elements (only what the edit touched is drawn again)
    await page.evaluate(() => document.querySelectorAll('.node, g.edge').forEach((e) => e.setAttribute('data-mark', 'before')));
    const edited: GraphDocument = { nodes: [...GRAPH.nodes, node('save')], edges: [...GRAPH.edges, { from: 'report', to: 'save', kind: 'explicit' }, { from: 'fetch', to: 'report', kind: 'explicit' }] };
    await post({ type: 'graph', uri: URI, pipelineId: 'shapes', graph: edited, problem: null, version: 8 });
    await page.waitForSelector('.node[data-step-id="save"]');
    const after = await page.$$eval('.node', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-step-id'), e.getAttribute('transform')])));
    const { save, ...rest } = after;
    assert.deepEqual(rest, before);
    assert.ok(save);
    assert.equal(await page.getAttribute('.node[data-step-id="fetch"]', 'data-status'), 'completed');
    assert.deepEqual(await page.$$eval('.node:not([data-mark])', (els) => els.map((e) => e.getAttribute('data-step-id'))), ['save']);
    assert.deepEqual((await page.$$eval('g.edge:not([data-mark])', (els) => els.map((e) => e.getAttribute('data-edge')))).sort(), ['explicit:fetch->report', 'explicit:report->save']);
    const r = await box('report');
    const s = await box('save');
    assert.ok(s.x > r.x + r.width, 'the new step stands after its dependency');
    // Tidy lays the whole graph out again
    await page.click('[data-testid="tidy"]');
    await page.waitForFunction(() => document.querySelector('.node[data-step-id="save"]') !== null);
    assert.deepEqual((page as unknown as { errors: string[] }).errors, []);
  });
});
