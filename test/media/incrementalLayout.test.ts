// The graph after an edit (media/incrementalLayout.ts): the steps that survive keep their boxes to the
// pixel, a new step goes beside its neighbour without covering anything, a loop grows to hold a new
// body step, and edges between unmoved steps keep ELK's routes.
import { strict as assert } from 'node:assert';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { GraphDocument, GraphNode } from '../../engine/plan/graph';
import { placeIncrementally } from '../../media/incrementalLayout';
import { layoutGraph, type Layout, type LayoutEngine, type PlacedNode } from '../../media/layout';

const elk = new (ELK as unknown as new () => LayoutEngine)();
const node = (id: string, children: GraphDocument | null = null): GraphNode => ({ id, label: id, kind: children ? 'loop' : 'step', tool: null, action: 'generate', level: 0, range: null, selectionRange: null, children });
const GRAPH: GraphDocument = {
  nodes: [node('a'), node('b'), node('each', { nodes: [node('x'), node('y')], edges: [{ from: 'x', to: 'y', kind: 'explicit' }] }), node('c')],
  edges: [
    { from: 'a', to: 'b', kind: 'explicit' },
    { from: 'b', to: 'each', kind: 'implied' },
    { from: 'each', to: 'c', kind: 'explicit' },
  ],
};
const boxes = (l: Layout) => Object.fromEntries(l.nodes.map((n) => [n.id, [n.x, n.y, n.width, n.height]]));
const overlap = (p: PlacedNode, q: PlacedNode) => p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;
const inside = (p: PlacedNode, q: PlacedNode) => p.x >= q.x && p.y >= q.y && p.x + p.width <= q.x + q.width && p.y + p.height <= q.y + q.height;

describe('incremental layout after an edit', () => {
  let prev: Layout;
  before(async () => {
    prev = await layoutGraph(elk, GRAPH, 'RIGHT');
  });

  it('a new edge: every box stays to the pixel, the old edges keep their routes, the new one is routed', () => {
    const next = placeIncrementally(prev, { ...GRAPH, edges: [...GRAPH.edges, { from: 'a', to: 'c', kind: 'explicit' }] }, 'RIGHT')!;
    assert.deepEqual(boxes(next), boxes(prev));
    for (const e of prev.edges) assert.deepEqual(next.edges.find((x) => x.id === e.id)!.points, e.points, e.id);
    const added = next.edges.find((x) => x.id === 'explicit:a->c')!;
    const a = next.nodes.find((n) => n.id === 'a')!;
    const c = next.nodes.find((n) => n.id === 'c')!;
    assert.deepEqual(added.points[0], { x: a.x + a.width, y: a.y + a.height / 2 });
    assert.deepEqual(added.points.at(-1), { x: c.x, y: c.y + c.height / 2 });
  });

  it('a new step after another: the others stay, it stands after its dependency and covers nothing', () => {
    const graph: GraphDocument = { nodes: [...GRAPH.nodes, node('d')], edges: [...GRAPH.edges, { from: 'b', to: 'd', kind: 'explicit' }] };
    const next = placeIncrementally(prev, graph, 'RIGHT')!;
    const { d, ...rest } = boxes(next);
    assert.deepEqual(rest, boxes(prev));
    const b = next.nodes.find((n) => n.id === 'b')!;
    const placed = next.nodes.find((n) => n.id === 'd')!;
    assert.ok(placed.x >= b.x + b.width, 'd stands after b');
    for (const n of next.nodes) if (n.id !== 'd' && n.parent === null) assert.ok(!overlap(n, placed), `d covers ${n.id}`);
    assert.ok(d);
  });

  it('a removed step goes; a new body step makes its loop grow around it, the rest stays', () => {
    const each = GRAPH.nodes[2];
    const body: GraphDocument = { nodes: [...each.children!.nodes, node('z')], edges: [...each.children!.edges, { from: 'y', to: 'z', kind: 'explicit' }] };
    const graph: GraphDocument = { nodes: [GRAPH.nodes[0], { ...each, children: body }, GRAPH.nodes[3]], edges: [{ from: 'a', to: 'each', kind: 'explicit' }, GRAPH.edges[2]] };
    const next = placeIncrementally(prev, graph, 'RIGHT')!;
    assert.deepEqual(next.nodes.map((n) => n.id), ['a', 'each', 'x', 'y', 'z', 'c']);
    for (const id of ['a', 'x', 'y', 'c']) assert.deepEqual(boxes(next)[id], boxes(prev)[id], id);
    const loop = next.nodes.find((n) => n.id === 'each')!;
    const z = next.nodes.find((n) => n.id === 'z')!;
    assert.ok(inside(z, loop), 'the loop holds its new step');
    assert.equal(z.parent, 'each');
  });

  it('too much new at once is laid out in full instead', () => {
    const many: GraphDocument = { nodes: Array.from({ length: 30 }, (_, i) => node(`n${i}`)), edges: [] };
    assert.equal(placeIncrementally(prev, many, 'RIGHT'), null);
  });

  it('top to bottom: a new step goes below its dependency', () => {
    return layoutGraph(elk, GRAPH, 'DOWN').then((down) => {
      const next = placeIncrementally(down, { nodes: [...GRAPH.nodes, node('d')], edges: [...GRAPH.edges, { from: 'c', to: 'd', kind: 'explicit' }] }, 'DOWN')!;
      const c = next.nodes.find((n) => n.id === 'c')!;
      const d = next.nodes.find((n) => n.id === 'd')!;
      assert.ok(d.y >= c.y + c.height, 'd stands below c');
    });
  });
});

describe('incremental layout: routing a new edge', () => {
  it('goes around a box standing between its ends instead of through it', async () => {
    const chain: GraphDocument = { nodes: [node('a'), node('b'), node('c')], edges: [{ from: 'a', to: 'b', kind: 'explicit' }, { from: 'b', to: 'c', kind: 'explicit' }] };
    const prev = await layoutGraph(elk, chain, 'RIGHT');
    const next = placeIncrementally(prev, { ...chain, edges: [...chain.edges, { from: 'a', to: 'c', kind: 'explicit' }] }, 'RIGHT')!;
    const b = next.nodes.find((n) => n.id === 'b')!;
    const pts = next.edges.find((e) => e.id === 'explicit:a->c')!.points;
    for (let i = 0; i + 1 < pts.length; i++) {
      const [p, q] = [pts[i], pts[i + 1]];
      const through = Math.min(p.x, q.x) < b.x + b.width && Math.max(p.x, q.x) > b.x && Math.min(p.y, q.y) < b.y + b.height && Math.max(p.y, q.y) > b.y;
      assert.ok(!through, `segment ${i} crosses b: ${JSON.stringify(pts)}`);
    }
    assert.ok(Math.min(...pts.map((p) => p.y)) < b.y, 'it passes over b');
  });
});
