// The graph panel at every size, in Debian's chromium (the bundle built from media/webview.ts,
// served with the page from client/panelHtml.ts, driven by the host's messages): a 5,000-step graph
// draws only what is in view plus the minimap, a layout is not computed again for the same shape,
// the direction follows the panel's shape, and Fit never goes below a readable zoom.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { GraphDocument, GraphNode } from '../../engine/plan/graph';
import { emptyStepResult } from '../../engine/run/events';
import { startPanel, type Panel } from '../helpers/panelPage';
import { generateGraph } from '../../bench/generateGraph';

const step = (id: string, label = id): GraphNode => ({ id, label, kind: 'step', tool: 'terminal', action: 'execute', level: 0, range: null, selectionRange: null, children: null });
/** A 15-step chain, as a small pipeline often is. */
const CHAIN: GraphDocument = {
  nodes: Array.from({ length: 15 }, (_, i) => step(`step_${i}`)),
  edges: Array.from({ length: 14 }, (_, i) => ({ from: `step_${i}`, to: `step_${i + 1}`, kind: 'explicit' as const })),
};
const BIG = generateGraph(5000);
/** The nodes of the 5,000-step graph as drawn: its loops are collapsed (their body steps, `…_bN`, hidden). */
const SHOWN = BIG.ids.filter((id) => !/_b\d$/.test(id));

interface ViewInfo {
  view: { x: number; y: number; k: number };
  direction: string;
  layoutsComputed: number;
  width: number;
  height: number;
  nodes: number;
}

describe('webview: the graph panel at every size', function () {
  this.timeout(90000);
  let panel: Panel;

  before(async () => {
    panel = await startPanel();
  });
  after(async () => {
    await panel?.close();
  });

  /** A page of the given size with a stand-in for VS Code's webview API (it records what the panel
   * posts and saves). */
  const open = (size: { width: number; height: number }, saved: unknown = undefined): Promise<Page> => panel.open({ viewport: size, saved });
  // as JSON text: playwright's own serialization of a 5,000-node graph takes seconds
  const post = (p: Page, msg: unknown) => p.evaluate((m) => window.postMessage(JSON.parse(m), '*'), JSON.stringify(msg));
  const info = (p: Page) => p.evaluate(() => (window as unknown as { __orchestratorView: () => ViewInfo }).__orchestratorView());
  const graphMsg = (graph: GraphDocument) => ({ type: 'graph', uri: 'file:///w/big.pipeline.yaml', pipelineId: 'big', graph, problem: null });
  /** Each drawn node's id and box on screen. */
  const drawn = (p: Page) => p.$$eval('.node', (els) => els.map((e) => ({ id: e.getAttribute('data-step-id')!, label: e.getAttribute('aria-label'), box: (e.querySelector('.box') as SVGGraphicsElement).getBoundingClientRect().toJSON() as DOMRect })));
  const pane = (p: Page) => p.$eval('.graph-pane', (e) => e.getBoundingClientRect().toJSON() as DOMRect);

  it('at 5,000 steps holds only the nodes in view (and a margin) in the DOM, with the minimap; panning brings the others', async () => {
    const page = await open({ width: 1200, height: 700 });
    await post(page, graphMsg(BIG.graph));
    await page.waitForSelector(`svg.graph[data-nodes="${BIG.ids.length}"] .node`);
    const rect = await pane(page);
    const first = await drawn(page);
    assert.ok(first.length > 10 && first.length < 300, `${first.length} nodes in the DOM`);
    // every drawn node is in the pane or within the margin (most of a pane) around it
    for (const n of first) assert.ok(n.box.right > rect.left - 1.75 * rect.width && n.box.left < rect.right + 1.75 * rect.width && n.box.bottom > rect.top - 1.75 * rect.height && n.box.top < rect.bottom + 1.75 * rect.height, `${n.id} is near the view`);
    // and every node whose box is in the pane is drawn, with its label for screen readers
    const inPane = first.filter((n) => n.box.right > rect.left && n.box.left < rect.right && n.box.bottom > rect.top && n.box.top < rect.bottom);
    assert.ok(inPane.length > 5);
    assert.ok(inPane.every((n) => n.label === `${n.id} (terminal.execute)`), 'each drawn node has its label');
    // the margin around the pane fills over the next frames (a few nodes a frame, nearest first),
    // so that a pan finds the nodes beyond the pane's edge already drawn
    await page.waitForFunction((n) => document.querySelectorAll('.node').length > n + 20, inPane.length);
    const filled = await drawn(page);
    assert.ok(filled.some((n) => n.box.left >= rect.right), 'nodes beyond the right edge are drawn ahead of a pan');
    assert.ok(await page.isVisible('[data-testid="minimap"]'), 'the minimap shows the whole graph');
    // the view is readable: fitted no lower than the readable zoom
    const v = await info(page);
    assert.equal(v.nodes, SHOWN.length);
    assert.ok(v.view.k >= 0.6, `zoom ${v.view.k}`);

    // the host hears about every step, drawn or not
    const rendered = (await page.evaluate(() => (window as unknown as { __posted: { type: string; nodes?: number; statuses?: Record<string, string> }[] }).__posted)).filter((m) => m.type === 'rendered').at(-1)!;
    assert.equal(rendered.nodes, BIG.ids.length);
    assert.equal(Object.keys(rendered.statuses ?? {}).length, BIG.ids.length);

    // a drag 3 panes to the left (on the background, above the nodes): the first nodes leave the
    // DOM, later ones come in, still few
    const y = rect.top + 6;
    for (let i = 0; i < 3; i++) {
      await page.mouse.move(rect.right - 20, y);
      await page.mouse.down();
      await page.mouse.move(rect.left + 20, y, { steps: 10 });
      await page.mouse.up();
    }
    await page.waitForFunction((ids) => !ids.some((id) => document.querySelector(`.node[data-step-id="${id}"]`)), first.map((n) => n.id).slice(0, 5));
    const later = await drawn(page);
    assert.ok(later.length > 10 && later.length < 300, `${later.length} nodes in the DOM after panning`);
    const index = new Map(SHOWN.map((id, i) => [id, i]));
    assert.ok(Math.min(...later.map((n) => index.get(n.id)!)) > Math.max(...first.slice(0, 5).map((n) => index.get(n.id)!)), 'the nodes drawn now come later in the graph');
    // a click beside an edge in view selects it, at this size too
    const beside = await page.evaluate((r) => {
      for (const g of document.querySelectorAll('g.edge.dep')) {
        const p = g.querySelector('path') as SVGPathElement;
        const m = p.getScreenCTM()!;
        const at = p.getPointAtLength(p.getTotalLength() / 2);
        const x = at.x * m.a + m.e;
        const y = at.y * m.d + m.f + 2;
        if (x > r.left + 40 && x < r.right - 40 && y > r.top + 40 && y < r.bottom - 40 && !document.elementFromPoint(x, y)?.closest('.node')) return { x, y, id: g.getAttribute('data-edge') };
      }
      return null;
    }, rect);
    assert.ok(beside, 'an edge is in view');
    await page.mouse.click(beside.x, beside.y);
    // that edge, or one drawn over it there (edges that leave one step share their first stretch)
    const selected = await page.evaluate((at) => {
      const id = document.querySelector('.graph-pane')!.getAttribute('data-selected-edge');
      const g = document.querySelector(`g.edge[data-edge="${id}"]`);
      if (!g || g.getAttribute('data-selected') !== 'true') return { id, near: Infinity };
      const p = g.querySelector('path') as SVGPathElement;
      const m = p.getScreenCTM()!;
      let near = Infinity;
      for (let l = 0; l <= p.getTotalLength(); l += 1) {
        const q = p.getPointAtLength(l);
        near = Math.min(near, Math.hypot(q.x * m.a + m.e - at.x, q.y * m.d + m.f - at.y));
      }
      return { id, near };
    }, beside);
    assert.ok(selected.near <= 3, `the selected edge ${selected.id} passes ${selected.near.toFixed(1)} px from the click (clicked beside ${beside.id})`);
    assert.deepEqual((page as unknown as { errors: string[] }).errors, []);
    await page.close();
  });

  it('at 5,000 steps a drag moves the graph with the pointer as one layer, and leaves the view in the graph\'s transform when it ends', async () => {
    const page = await open({ width: 1200, height: 700 });
    await post(page, graphMsg(BIG.graph));
    await page.waitForSelector(`svg.graph[data-nodes="${BIG.ids.length}"] .node`);
    const rect = await pane(page);
    const transform = () => page.$eval('svg.graph .viewport', (g) => g.getAttribute('transform'));
    const shift = () => page.$eval('svg.graph', (e) => (e as SVGSVGElement).style.transform);
    const before = await transform();
    const v0 = (await info(page)).view;
    // a node in the pane, and one drawn beyond its right edge (the margin), 300 px from it at most
    await page.waitForFunction((r) => [...document.querySelectorAll('.node .box')].some((b) => b.getBoundingClientRect().left >= r.right && b.getBoundingClientRect().right <= r.right + 300), rect);
    const boxes = await drawn(page);
    const inPane = boxes.find((n) => n.box.left > rect.left + 400 && n.box.right < rect.right - 100 && n.box.top > rect.top + 40 && n.box.bottom < rect.bottom - 40)!;
    const beyond = boxes.find((n) => n.box.left >= rect.right && n.box.right <= rect.right + 300 && n.box.top > rect.top + 40 && n.box.bottom < rect.bottom - 40)!;
    assert.ok(inPane && beyond, 'a node in the pane and one beyond its edge');
    // pressed on the background (above the nodes) and moved 350 px to the left, not released
    const y = rect.top + 6;
    await page.mouse.move(rect.right - 20, y);
    await page.mouse.down();
    await page.mouse.move(rect.right - 370, y, { steps: 5 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const during = new Map((await drawn(page)).map((n) => [n.id, n.box]));
    // the graph follows the pointer: every node 350 px to the left, the one beyond the edge now in
    // the pane (and under the pointer there); the graph's own transform is not written in the drag
    // (that would paint every node and edge again each frame): the SVG is moved as a whole
    assert.ok(Math.abs(during.get(inPane.id)!.left - (inPane.box.left - 350)) < 0.5, `${inPane.id} at ${during.get(inPane.id)!.left}, was ${inPane.box.left}`);
    assert.ok(Math.abs(during.get(beyond.id)!.left - (beyond.box.left - 350)) < 0.5 && during.get(beyond.id)!.right <= rect.right, `${beyond.id} came into the pane`);
    const at = during.get(beyond.id)!;
    assert.equal(await page.evaluate((p) => document.elementFromPoint(p.x, p.y)?.closest('.node')?.getAttribute('data-step-id'), { x: (at.left + at.right) / 2, y: (at.top + at.bottom) / 2 }), beyond.id);
    assert.equal(await transform(), before);
    assert.equal(await shift(), 'translate(-350px, 0px)');
    await page.mouse.up();
    // released: the view is in the graph's transform, the SVG back over the pane, nothing moved on screen
    const v1 = (await info(page)).view;
    assert.deepEqual(v1, { ...v0, x: v0.x - 350 });
    const moved = /translate\(([-\d.]+),([-\d.]+)\) scale\(([\d.]+)\)/.exec((await transform()) ?? '')!.map(Number);
    const was = /translate\(([-\d.]+),([-\d.]+)\) scale\(([\d.]+)\)/.exec(before ?? '')!.map(Number);
    assert.deepEqual(moved.slice(1), [was[1] - 350, was[2], v1.k]);
    assert.equal(await shift(), '');
    const after = new Map((await drawn(page)).map((n) => [n.id, n.box]));
    for (const id of [inPane.id, beyond.id]) assert.ok(Math.abs(after.get(id)!.left - during.get(id)!.left) < 0.5, `${id} stays where the drag left it`);
    // the whole pane is the graph's background again: a press at its left edge starts the next drag
    assert.ok(await page.evaluate((p) => !!document.elementFromPoint(p.x, p.y)?.closest('svg.graph'), { x: rect.left + 5, y }));
    await page.mouse.move(rect.left + 5, y);
    await page.mouse.down();
    await page.mouse.move(rect.left + 105, y, { steps: 3 });
    await page.mouse.up();
    assert.deepEqual((await info(page)).view, { ...v1, x: v1.x + 100 });
    // and a click on a node selects it where it is shown
    const node = (await drawn(page)).find((n) => n.id === inPane.id)!.box;
    await page.mouse.click((node.left + node.right) / 2, (node.top + node.bottom) / 2);
    await page.waitForSelector(`.node[data-step-id="${inPane.id}"][data-selected="true"]`, { timeout: 5000 });
    assert.deepEqual((page as unknown as { errors: string[] }).errors, []);
    await page.close();
  });

  it('at 5,000 steps the keyboard moves from node to node, each brought into view, and the minimap moves the view', async () => {
    const page = await open({ width: 1200, height: 700 });
    await post(page, graphMsg(BIG.graph));
    await page.waitForSelector(`svg.graph[data-nodes="${BIG.ids.length}"] .node`);
    await page.focus(`.node[data-step-id="${BIG.ids[0]}"]`);
    for (let i = 0; i < 60; i++) await page.keyboard.press('ArrowRight');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-step-id'));
    assert.equal(focused, SHOWN[60]);
    const rect = await pane(page);
    const box = (await page.locator(`.node[data-step-id="${SHOWN[60]}"] .box`).boundingBox())!;
    assert.ok(box.x >= rect.left && box.x + box.width <= rect.right && box.y >= rect.top && box.y + box.height <= rect.bottom, 'the focused node is in view');
    await page.keyboard.press('Enter');
    const reveals = (await page.evaluate(() => (window as unknown as { __posted: { type: string; stepId?: string }[] }).__posted)).filter((m) => m.type === 'reveal-step');
    assert.deepEqual(reveals, [{ type: 'reveal-step', stepId: SHOWN[60] }]);

    // a click at the minimap's right end shows the graph's end
    const map = (await page.locator('[data-testid="minimap"]').boundingBox())!;
    await page.mouse.click(map.x + map.width - 1, map.y + map.height / 2);
    const tail = SHOWN.slice(-200);
    await page.waitForFunction((ids) => ids.some((id) => document.querySelector(`.node[data-step-id="${id}"]`)), tail);
    const index = new Map(BIG.ids.map((id, i) => [id, i]));
    const now = await drawn(page);
    assert.ok(now.every((n) => index.get(n.id)! > BIG.ids.length - 400), 'only nodes near the end are drawn');
    await page.close();
  });

  it('at 5,000 steps draws each loop collapsed, opened by + or a double click and closed by -, its steps still reported', async () => {
    const page = await open({ width: 1200, height: 700 });
    await post(page, graphMsg(BIG.graph));
    await page.waitForSelector(`svg.graph[data-nodes="${BIG.ids.length}"] .node`);
    // the editor's cursor in a body step brings its collapsed loop into view
    await post(page, { type: 'highlight-step', stepId: 's79_b1' });
    const loop = page.locator('.node[data-step-id="s79"]');
    await loop.waitFor();
    assert.equal(await loop.getAttribute('class'), 'node loop collapsed');
    assert.equal(await loop.locator('.detail').textContent(), '▸ loop of 3 steps');
    assert.equal(await loop.getAttribute('aria-label'), 's79 (collapsed loop of 3 steps: + expands)');
    assert.equal(await page.locator('.node[data-step-id^="s79_b"]').count(), 0);
    const before = (await info(page)).layoutsComputed;
    await loop.dblclick();
    await page.waitForSelector('.node[data-step-id="s79"]:not(.collapsed)');
    const outer = (await page.locator('.node[data-step-id="s79"] .box').boundingBox())!;
    for (const id of ['s79_b0', 's79_b1', 's79_b2']) {
      const b = (await page.locator(`.node[data-step-id="${id}"] .box`).boundingBox())!;
      assert.ok(b.x > outer.x && b.y > outer.y && b.x + b.width < outer.x + outer.width && b.y + b.height < outer.y + outer.height, `${id} is drawn inside its loop`);
    }
    assert.equal((await info(page)).layoutsComputed, before + 1);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-step-id')), 's79');
    await page.keyboard.press('-');
    await page.waitForSelector('.node[data-step-id="s79"].collapsed');
    assert.equal((await info(page)).layoutsComputed, before + 1, 'the collapsed layout comes from the cache');
    await page.keyboard.press('+');
    await page.waitForSelector('.node[data-step-id="s79_b2"]');
    await page.keyboard.press('-');
    await page.waitForSelector('.node[data-step-id="s79"].collapsed');
    // a body step's status reaches the host though it is not drawn
    await post(page, { type: 'run-events', runId: 'r1', events: [{ type: 'step-ended', time: 1, stepId: 's39_b2', scope: [{ loop: 's39', index: 0, item: 1 }], result: { ...emptyStepResult('completed'), success: true } }] });
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string; statuses?: Record<string, string> }[] }).__posted.some((m) => m.type === 'rendered' && m.statuses?.s39_b2 === 'completed'));
    assert.deepEqual((page as unknown as { errors: string[] }).errors, []);
    await page.close();
  });

  it('does not lay the graph out again for a status change, the same shape re-sent with new labels, or a re-opened panel', async () => {
    const page = await open({ width: 1200, height: 700 });
    await post(page, graphMsg(BIG.graph));
    await page.waitForSelector(`svg.graph[data-nodes="${BIG.ids.length}"] .node`);
    assert.equal((await info(page)).layoutsComputed, 1);
    const where = (p: Page, id: string) => p.getAttribute(`.node[data-step-id="${id}"]`, 'transform');
    const before = await where(page, 's0');
    await post(page, { type: 'run-reset', runId: 'r1', reused: [] });
    await post(page, { type: 'run-events', runId: 'r1', events: [{ type: 'step-ended', time: 1, stepId: 's0', scope: [], result: { ...emptyStepResult('completed'), success: true, duration_ms: 5 } }] });
    await page.waitForSelector('.node[data-step-id="s0"][data-status="completed"]');
    // the same shape with another label (and source ranges, as an edit above the steps moves them)
    const relabelled: GraphDocument = { ...BIG.graph, nodes: BIG.graph.nodes.map((n) => (n.id === 's1' ? { ...n, label: 'Renamed step' } : { ...n, range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } } })) };
    await post(page, graphMsg(relabelled));
    await page.waitForFunction(() => document.querySelector('.node[data-step-id="s1"] .label')?.textContent === 'Renamed step');
    assert.equal((await info(page)).layoutsComputed, 1);
    assert.equal(await where(page, 's0'), before);
    assert.equal(await page.getAttribute('.node[data-step-id="s0"]', 'data-status'), 'completed');
    // a new shape is laid out
    await post(page, graphMsg({ nodes: [...BIG.graph.nodes, step('extra')], edges: BIG.graph.edges }));
    await page.waitForFunction(() => (window as unknown as { __orchestratorView: () => ViewInfo }).__orchestratorView().layoutsComputed === 2);
    await post(page, graphMsg(relabelled));
    await page.waitForFunction(() => document.querySelector('svg.graph')?.getAttribute('data-nodes') === '5000');
    assert.equal((await info(page)).layoutsComputed, 2, 'the shape seen before comes from the cache');
    await page.waitForTimeout(700);
    const saved = JSON.parse(await page.evaluate(() => JSON.stringify((window as unknown as { __saved: unknown }).__saved)));
    await page.close();

    // re-opened with what the panel saved: drawn without a layout
    const again = await open({ width: 1200, height: 700 }, saved);
    await again.waitForSelector('.node[data-step-id="s0"][data-status="completed"]');
    assert.equal((await info(again)).layoutsComputed, 0);
    assert.equal(await where(again, 's0'), before);
    assert.equal(await again.textContent('.node[data-step-id="s1"] .label'), 'Renamed step');
    await again.close();
  });

  it('lays a small pipeline out top down in a tall narrow panel and left to right in a wide one', async () => {
    const tall = await open({ width: 360, height: 900 });
    await post(tall, graphMsg(CHAIN));
    await tall.waitForSelector('.node[data-step-id="step_14"]');
    assert.equal((await info(tall)).direction, 'DOWN');
    const a = (await tall.locator('.node[data-step-id="step_0"] .box').boundingBox())!;
    const b = (await tall.locator('.node[data-step-id="step_1"] .box').boundingBox())!;
    assert.ok(b.y > a.y + a.height && Math.abs(b.x - a.x) < 1, 'the second step is below the first');
    // made wide, the panel lays it out left to right
    await tall.setViewportSize({ width: 1400, height: 500 });
    await tall.waitForFunction(() => (window as unknown as { __orchestratorView: () => ViewInfo }).__orchestratorView().direction === 'RIGHT');
    const a2 = (await tall.locator('.node[data-step-id="step_0"] .box').boundingBox())!;
    const b2 = (await tall.locator('.node[data-step-id="step_1"] .box').boundingBox())!;
    assert.ok(b2.x > a2.x + a2.width && Math.abs(b2.y - a2.y) < 1, 'the second step is right of the first');
    // the setting wins over the shape
    await post(tall, { type: 'settings', direction: 'DOWN' });
    await tall.waitForFunction(() => (window as unknown as { __orchestratorView: () => ViewInfo }).__orchestratorView().direction === 'DOWN');
    await tall.close();
  });

  it('never fits below a readable zoom: a long chain in a narrow panel starts at its first step, the rest reached by scrolling or the minimap', async () => {
    const page = await open({ width: 360, height: 600 });
    await post(page, graphMsg(CHAIN));
    await page.waitForSelector('.node[data-step-id="step_14"]');
    const { view, height } = await info(page);
    // 15 steps top down are about 1,400 px tall: fitting them into 600 px would be 0.4
    assert.ok(height * 0.5 > 600, `the chain is ${height} px tall`);
    assert.equal(view.k, 0.6);
    const rect = await pane(page);
    const first = (await page.locator('.node[data-step-id="step_0"] .box').boundingBox())!;
    assert.ok(first.y >= rect.top && first.y < rect.top + 40, 'the first step is at the top');
    assert.ok(first.height >= 44 * 0.6 - 0.5, `a node is ${first.height} px tall`);
    const label = await page.$eval('.node[data-step-id="step_0"] .label', (e) => e.getBoundingClientRect().height);
    assert.ok(label >= 7, `a label is ${label} px tall`);
    assert.ok(await page.isVisible('[data-testid="minimap"]'));
    // the Fit button keeps the floor too
    await page.mouse.move(rect.left + rect.width / 2, rect.top + rect.height / 2);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, 400);
    await page.waitForFunction(() => (window as unknown as { __orchestratorView: () => ViewInfo }).__orchestratorView().view.k < 0.5);
    await page.click('[data-testid="fit"]');
    assert.equal((await info(page)).view.k, 0.6);
    // a graph that fits keeps being fitted whole, with no minimap
    await post(page, graphMsg({ nodes: CHAIN.nodes.slice(0, 3), edges: CHAIN.edges.slice(0, 2) }));
    await page.waitForFunction(() => document.querySelectorAll('.node').length === 3);
    await page.click('[data-testid="fit"]');
    assert.ok((await info(page)).view.k >= 0.6);
    assert.ok(!(await page.isVisible('[data-testid="minimap"]')));
    await page.close();
  });
});
