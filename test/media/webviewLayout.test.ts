// The layout adapter's options: direction, and what a large graph trades for speed, with the real
// elkjs so the options are ones ELK accepts.
import { strict as assert } from 'node:assert';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { GraphDocument, GraphNode } from '../../engine/plan/graph';
import { LARGE_GRAPH, LARGE_GRAPH_OPTIONS, layoutGraph, toElk, type LayoutEngine } from '../../media/layout';

const elk = new (ELK as unknown as new () => LayoutEngine)();
const step = (id: string): GraphNode => ({ id, label: id, kind: 'step', tool: 'terminal', action: 'execute', level: 0, range: null, selectionRange: null, children: null });
function chain(n: number): GraphDocument {
  const nodes = Array.from({ length: n }, (_, i) => step(`s${i}`));
  return { nodes, edges: nodes.slice(1).map((s, i) => ({ from: `s${i}`, to: s.id, kind: 'explicit' as const })) };
}

describe('webview: layout options', () => {
  it('lays a chain out left to right or top down, as the setting says', async () => {
    const right = await layoutGraph(elk, chain(3), 'RIGHT');
    const down = await layoutGraph(elk, chain(3), 'DOWN');
    const xs = (l: typeof right) => l.nodes.map((n) => n.x);
    const ys = (l: typeof right) => l.nodes.map((n) => n.y);
    assert.ok(xs(right)[0] < xs(right)[1] && xs(right)[1] < xs(right)[2], `x grows along the chain: ${xs(right)}`);
    assert.deepEqual(new Set(ys(right)).size, 1, 'one row');
    assert.ok(ys(down)[0] < ys(down)[1] && ys(down)[1] < ys(down)[2], `y grows along the chain: ${ys(down)}`);
    assert.deepEqual(new Set(xs(down)).size, 1, 'one column');
    assert.ok(right.width > right.height && down.height > down.width);
  });

  it('keeps the tidy defaults up to LARGE_GRAPH steps and trades them for speed past it', async () => {
    const small = toElk(chain(LARGE_GRAPH), 'RIGHT').layoutOptions!;
    assert.equal(small['elk.edgeRouting'], 'ORTHOGONAL');
    assert.equal(small['elk.layered.nodePlacement.strategy'], 'BRANDES_KOEPF');
    assert.equal(small['elk.layered.crossingMinimization.strategy'], undefined);
    const large = toElk(chain(LARGE_GRAPH + 1), 'RIGHT').layoutOptions!;
    assert.deepEqual(
      Object.fromEntries(Object.keys(LARGE_GRAPH_OPTIONS).map((k) => [k, large[k]])),
      {
        'elk.layered.crossingMinimization.strategy': 'NONE',
        'elk.separateConnectedComponents': 'false',
        'elk.layered.layering.strategy': 'LONGEST_PATH',
        'elk.layered.nodePlacement.strategy': 'SIMPLE',
        'elk.edgeRouting': 'POLYLINE',
      },
    );
    // ELK accepts them: every node placed, the chain still in order
    const l = await layoutGraph(elk, chain(LARGE_GRAPH + 1), 'RIGHT');
    assert.equal(l.nodes.length, LARGE_GRAPH + 1);
    assert.equal(l.edges.length, LARGE_GRAPH);
    for (let i = 1; i < l.nodes.length; i++) assert.ok(l.nodes[i].x > l.nodes[i - 1].x, `s${i} after s${i - 1}`);
    for (const e of l.edges) assert.ok(e.points.length >= 2, `${e.id} is routed`);
  });
});
