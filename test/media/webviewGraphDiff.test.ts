// A graph after an edit posted as a diff (media/graphDiff.ts): applied to the graph the panel holds it
// gives exactly the edited graph (steps below the edit moved down their lines, a loop's body changed);
// the panel draws the same DOM from a diff as from the whole graph, and a gesture on it names the
// diff's version; a diff of a graph the panel does not hold is refused with `graph-stale` and the
// panel keeps what it shows.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { analyze } from '../../engine/analyze/index';
import { graphDocument } from '../../engine/analyze/graph';
import { editPipeline, type EditOperation } from '../../engine/edit/operations';
import type { GraphDocument } from '../../engine/plan/graph';
import { applyGraphDiff, diffGraph, GraphPoster } from '../../media/graphDiff';
import type { GraphDiffMessage, GraphMessage } from '../../media/protocol';
import { startPanel, type Panel } from '../helpers/panelPage';

const TEXT = `id: demo
steps:
  - id: fetch
    action: generate
    parameters: { prompt: "hi" }

  - id: per_topic
    for_each: "{{ ['a', 'b'] }}"
    loop_var: topic
    steps:
      - id: write_note
        action: generate
        parameters:
          prompt: "{{ topic }}"

  - id: draft
    action: generate
    dependencies: [fetch]
    parameters: { prompt: "draft" }

  - id: tail
    action: generate
    dependencies: [draft]
    parameters: { prompt: "{{ fetch.result }}" }
`;

const graphOf = (text: string): GraphDocument => {
  const { pipeline_id: _, ...g } = graphDocument(analyze(text));
  return g;
};
const edited = (text: string, op: EditOperation): string => {
  const r = editPipeline(text, op);
  if (!r.ok) throw new Error(r.reason);
  return r.text;
};
/** JSON round trip: what crosses the boundary between host and page. */
const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const EDITS: [string, EditOperation][] = [
  ['a new edge', { op: 'connect', from: 'fetch', to: 'tail' }],
  ['a step added above others (they move down)', { op: 'add-step', id: 'added', action: 'generate', after: 'fetch' }],
  ['a step removed above others (they move up)', { op: 'remove-step', id: 'draft' }],
  ['a step moved into a loop', { op: 'move-into', loop: 'per_topic', id: 'tail' }],
];

describe('graph diffs between the host and the panel', () => {
  const base = graphOf(TEXT);
  for (const [what, op] of EDITS) {
    it(`${what}: the diff applied to the graph held is the edited graph`, () => {
      const next = graphOf(edited(TEXT, op));
      assert.deepEqual(applyGraphDiff(wire(base), wire(diffGraph(base, next))), next);
    });
  }

  it('sends only what changed: a connect sends one edge and keeps every step', () => {
    const d = diffGraph(base, graphOf(edited(TEXT, { op: 'connect', from: 'fetch', to: 'tail' })));
    // tail's dependencies grew on their own line: no step's lines, label or level changed
    assert.deepEqual(d.nodes, [{ keep: 0, count: 4, lines: 0 }]);
    assert.deepEqual(d.edges.filter((e) => 'from' in e), [{ from: 'fetch', to: 'tail', kind: 'explicit' }]);
    assert.ok(JSON.stringify(d).length < JSON.stringify(base).length / 5);
  });

  it('sends the steps below an added step as a run of the held ones moved down its lines', () => {
    const d = diffGraph(base, graphOf(edited(TEXT, { op: 'add-step', id: 'added', action: 'generate', after: 'fetch' })));
    assert.deepEqual(
      d.nodes.map((n) => ('id' in n ? n.id : n)),
      [{ keep: 0, count: 1, lines: 0 }, 'added', { keep: 1, count: 3, lines: 6 }],
    );
  });

  it('the poster sends the whole graph first and after a reset, then diffs naming the graph they apply to', () => {
    const poster = new GraphPoster();
    const msg = (graph: GraphDocument, version: number) => poster.next({ type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: 'demo', graph, problem: null, version });
    const first = msg(base, 1) as GraphMessage;
    assert.equal(first.type, 'graph');
    assert.equal(first.seq, 1);
    const next = graphOf(edited(TEXT, { op: 'connect', from: 'fetch', to: 'tail' }));
    const second = msg(next, 2) as GraphDiffMessage;
    assert.deepEqual({ type: second.type, base: second.base, seq: second.seq, version: second.version }, { type: 'graph-diff', base: 1, seq: 2, version: 2 });
    // no graph (the text does not compile): posted as it is, the next diff still applies to the last graph
    assert.deepEqual(poster.next({ type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: null, graph: null, problem: 'broken', version: 3 }), { type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: null, graph: null, problem: 'broken', version: 3 });
    assert.equal((msg(base, 4) as GraphDiffMessage).base, 2);
    poster.reset();
    assert.equal(msg(base, 5).type, 'graph');
  });

  describe('in the panel (Debian chromium)', function () {
    this.timeout(60000);
    let panel: Panel;
    before(async () => {
      panel = await startPanel();
    });
    after(async () => {
      await panel?.close();
    });

    const post = (p: Page, msg: unknown, version: number | null) =>
      p.evaluate(
        async ({ m, v }) => {
          const w = window as unknown as { __orchestratorGraphVersion?: number | null };
          window.postMessage(m, '*');
          if (v === null) return;
          while (w.__orchestratorGraphVersion !== v) await new Promise((r) => setTimeout(r, 10));
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        },
        { m: msg, v: version },
      );
    const dom = (p: Page) => p.evaluate(() => document.querySelector('svg.graph')!.outerHTML);

    it('draws the same DOM from a diff as from the whole graph, edit after edit', async () => {
      const byDiff = await panel.open();
      const whole = await panel.open();
      const diffs = new GraphPoster();
      const wholes = new GraphPoster();
      let text = TEXT;
      let version = 1;
      const send = async () => {
        const g = graphOf(text);
        const m = { type: 'graph' as const, uri: 'file:///w/a.pipeline.yaml', pipelineId: 'demo', graph: g, problem: null, version };
        const d = diffs.next(m);
        wholes.reset();
        const w = wholes.next(m);
        await post(byDiff, wire(d), version);
        await post(whole, wire(w), version);
        return { d, w };
      };
      const { d } = await send();
      assert.equal(d.type, 'graph');
      for (const [, op] of EDITS) {
        text = edited(text, op);
        version++;
        const sent = await send();
        assert.equal(sent.d.type, 'graph-diff');
        assert.equal(sent.w.type, 'graph');
        assert.equal(await dom(byDiff), await dom(whole), `after ${op.op}`);
      }
      assert.deepEqual(byDiff.errors, []);
      assert.ok((await dom(byDiff)).includes('data-step-id="added"'));
      // a gesture on the graph a diff drew names the version of that diff
      await byDiff.click('.node[data-step-id="fetch"]');
      await byDiff.keyboard.press('Delete');
      const edits = await byDiff.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'edit'));
      assert.deepEqual(edits, [{ type: 'edit', op: { op: 'remove-step', id: 'fetch' }, version }]);
      await byDiff.close();
      await whole.close();
    });

    it('refuses a diff of a graph it does not hold: asks for the whole graph and keeps what it shows', async () => {
      const page = await panel.open();
      const poster = new GraphPoster();
      await post(page, wire(poster.next({ type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: 'demo', graph: base, problem: null, version: 1 })), 1);
      const shown = await dom(page);
      const next = poster.next({ type: 'graph', uri: 'file:///w/a.pipeline.yaml', pipelineId: 'demo', graph: graphOf(edited(TEXT, { op: 'connect', from: 'fetch', to: 'tail' })), problem: null, version: 2 }) as GraphDiffMessage;
      await post(page, wire({ ...next, base: 99 }), null);
      await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'graph-stale'));
      assert.equal(await dom(page), shown);
      await page.close();
    });
  });
});
