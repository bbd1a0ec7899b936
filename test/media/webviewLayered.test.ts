// The panel's own layered layout for big graphs and the layout cache's keys and saved form: pure
// functions, checked exactly.
import { strict as assert } from 'node:assert';
import type { GraphDocument, GraphNode } from '../../engine/plan/graph';
import { layeredLayout } from '../../media/layeredLayout';
import { LOOP_HEADER, NODE_HEIGHT, NODE_WIDTH, type Layout } from '../../media/layout';
import { digest, fromSaved, LayoutCache, shapeKey, toSaved } from '../../media/layoutCache';
import { generateGraph } from '../../bench/generateGraph';

const step = (id: string, label = id): GraphNode => ({ id, label, kind: 'step', tool: 'terminal', action: 'execute', level: 0, range: null, selectionRange: null, children: null });
const box = (l: Layout, id: string) => {
  const n = l.nodes.find((m) => m.id === id)!;
  return { x: n.x, y: n.y, w: n.width, h: n.height, parent: n.parent };
};

describe('webview: the layered layout for big graphs', () => {
  it('lays a chain out in layers 56 apart, left to right or top down, edges from side to side', () => {
    const g: GraphDocument = { nodes: [step('a'), step('b'), step('c')], edges: [{ from: 'a', to: 'b', kind: 'explicit' }, { from: 'b', to: 'c', kind: 'implied' }] };
    const right = layeredLayout(g, 'RIGHT');
    assert.deepEqual(right.nodes.map((n) => [n.id, n.x, n.y]), [['a', 16, 16], ['b', 16 + NODE_WIDTH + 56, 16], ['c', 16 + 2 * (NODE_WIDTH + 56), 16]]);
    assert.equal(right.width, 3 * NODE_WIDTH + 2 * 56 + 32);
    assert.equal(right.height, NODE_HEIGHT + 32);
    assert.deepEqual(right.edges[0], { id: 'explicit:a->b', from: 'a', to: 'b', kind: 'explicit', points: [{ x: 16 + NODE_WIDTH, y: 16 + NODE_HEIGHT / 2 }, { x: 16 + NODE_WIDTH + 56, y: 16 + NODE_HEIGHT / 2 }] });
    const down = layeredLayout(g, 'DOWN');
    assert.deepEqual(down.nodes.map((n) => [n.id, n.x, n.y]), [['a', 16, 16], ['b', 16, 16 + NODE_HEIGHT + 56], ['c', 16, 16 + 2 * (NODE_HEIGHT + 56)]]);
  });

  it('puts parallel steps side by side in one layer, by longest path; jumps do not pull the layering', () => {
    const g: GraphDocument = {
      nodes: [step('a'), step('b'), step('c'), step('d'), step('handler')],
      edges: [
        { from: 'a', to: 'b', kind: 'explicit' },
        { from: 'a', to: 'c', kind: 'explicit' },
        { from: 'b', to: 'd', kind: 'explicit' },
        { from: 'c', to: 'd', kind: 'implied' },
        { from: 'd', to: 'handler', kind: 'on_failure' },
      ],
    };
    const l = layeredLayout(g, 'RIGHT');
    const b = box(l, 'b');
    const c = box(l, 'c');
    assert.equal(b.x, c.x);
    assert.equal(c.y - b.y, NODE_HEIGHT + 28);
    assert.ok(box(l, 'd').x > b.x);
    // the handler is reached only by a jump: it starts a layer of its own, the first
    assert.equal(box(l, 'handler').x, box(l, 'a').x);
    // a is centered across b and c: an elbow to each
    const ac = l.edges.find((e) => e.id === 'explicit:a->c')!;
    assert.equal(ac.points.length, 4);
    assert.equal(l.edges.find((e) => e.id === 'on_failure:d->handler')!.kind, 'on_failure');
  });

  it('sizes a loop by its laid-out body and places the body inside, below the loop title', () => {
    const body: GraphDocument = { nodes: [step('first'), step('second')], edges: [{ from: 'first', to: 'second', kind: 'explicit' }] };
    const loop: GraphNode = { ...step('each'), kind: 'loop', tool: null, action: null, children: body };
    const l = layeredLayout({ nodes: [step('fetch'), loop], edges: [{ from: 'fetch', to: 'each', kind: 'explicit' }] }, 'RIGHT');
    const each = box(l, 'each');
    assert.deepEqual(each, { x: 16 + NODE_WIDTH + 56, y: 16, w: 2 * NODE_WIDTH + 56 + 24, h: NODE_HEIGHT + LOOP_HEADER + 12, parent: null });
    assert.deepEqual(box(l, 'first'), { x: each.x + 12, y: each.y + LOOP_HEADER, w: NODE_WIDTH, h: NODE_HEIGHT, parent: 'each' });
    assert.deepEqual(box(l, 'second'), { x: each.x + 12 + NODE_WIDTH + 56, y: each.y + LOOP_HEADER, w: NODE_WIDTH, h: NODE_HEIGHT, parent: 'each' });
    const inner = l.edges.find((e) => e.id === 'explicit:first->second')!;
    assert.deepEqual(inner.points[0], { x: each.x + 12 + NODE_WIDTH, y: each.y + LOOP_HEADER + NODE_HEIGHT / 2 });
    assert.equal(l.nodes.find((n) => n.id === 'each')!.detail, 'loop');
    assert.equal(l.nodes.find((n) => n.id === 'fetch')!.detail, 'terminal.execute');
  });

  it('draws a collapsed loop as one node-sized box saying how many steps it hides', () => {
    const inner: GraphNode = { ...step('inner'), kind: 'loop', tool: null, action: null, children: { nodes: [step('deep')], edges: [] } };
    const loop: GraphNode = { ...step('each'), kind: 'loop', tool: null, action: null, children: { nodes: [step('first'), inner], edges: [{ from: 'first', to: 'inner', kind: 'explicit' }] } };
    const g: GraphDocument = { nodes: [step('fetch'), loop], edges: [{ from: 'fetch', to: 'each', kind: 'explicit' }] };
    const l = layeredLayout(g, 'RIGHT', (id) => id === 'each');
    assert.deepEqual(l.nodes.map((n) => n.id), ['fetch', 'each']);
    assert.deepEqual(box(l, 'each'), { x: 16 + NODE_WIDTH + 56, y: 16, w: NODE_WIDTH, h: NODE_HEIGHT, parent: null });
    assert.equal(l.nodes[1].hidden, 3);
    assert.equal(l.nodes[0].hidden, undefined);
    assert.deepEqual(fromSaved(JSON.parse(JSON.stringify(toSaved('k', l))), g), l);
  });

  it('lays out 5,000 steps with every node placed once and no two boxes of a list overlapping', () => {
    const { graph, ids } = generateGraph(5000);
    const l = layeredLayout(graph, 'RIGHT');
    assert.deepEqual(l.nodes.map((n) => n.id).sort(), [...ids].sort());
    const top = l.nodes.filter((n) => n.parent === null).sort((a, b) => a.x - b.x || a.y - b.y);
    for (let i = 1; i < top.length; i++) {
      const p = top[i - 1];
      const n = top[i];
      if (p.x === n.x) assert.ok(n.y >= p.y + p.height, `${p.id} and ${n.id} overlap`);
    }
    for (const n of l.nodes) assert.ok(n.x + n.width <= l.width && n.y + n.height <= l.height, `${n.id} is inside the drawing`);
  });
});

describe('webview: the layout cache', () => {
  const g: GraphDocument = { nodes: [step('a'), step('b')], edges: [{ from: 'a', to: 'b', kind: 'explicit' }] };
  it('keys a layout by shape: labels and ranges do not count, steps, edges, kinds and direction do', () => {
    const key = shapeKey(g, 'RIGHT');
    const relabelled: GraphDocument = { ...g, nodes: [step('a', 'Another label'), { ...step('b'), range: { start: { line: 3, character: 0 }, end: { line: 4, character: 0 } } }] };
    assert.equal(shapeKey(relabelled, 'RIGHT'), key);
    assert.notEqual(shapeKey(g, 'DOWN'), key);
    assert.notEqual(shapeKey({ ...g, edges: [{ from: 'a', to: 'b', kind: 'implied' }] }, 'RIGHT'), key);
    assert.notEqual(shapeKey({ ...g, nodes: [...g.nodes, step('c')] }, 'RIGHT'), key);
    // ids that would run together do not collide
    assert.notEqual(shapeKey({ nodes: [step('ab'), step('c')], edges: [] }, 'RIGHT'), shapeKey({ nodes: [step('a'), step('bc')], edges: [] }, 'RIGHT'));
    assert.equal(digest(key), digest(shapeKey(relabelled, 'RIGHT')));
    assert.notEqual(digest(key), digest(shapeKey(g, 'DOWN')));
  });

  it('saves a layout as numbers and reads it back with the current labels', () => {
    const l = layeredLayout(g, 'RIGHT');
    const saved = JSON.parse(JSON.stringify(toSaved('k', l)));
    assert.deepEqual(fromSaved(saved, g), l);
    const back = fromSaved(saved, { ...g, nodes: [step('a', 'Renamed'), step('b')] });
    assert.equal(back.nodes[0].label, 'Renamed');
    assert.deepEqual(back.edges, l.edges);
  });

  it('keeps the most recent layouts', () => {
    const c = new LayoutCache(2);
    const l = layeredLayout(g, 'RIGHT');
    c.set('a', l);
    c.set('b', l);
    assert.equal(c.get('a'), l);
    c.set('c', l);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), l);
    assert.equal(c.get('c'), l);
  });
});
