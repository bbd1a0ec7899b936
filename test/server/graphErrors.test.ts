// The graph of a pipeline with errors (server/graphRequest.ts, engine/analyze/graph.ts): drawn with
// what its structure allows, each step's errors on its node and what is wrong said in `problem`;
// refused (null) only when the YAML does not parse. Also the panel's diff of such graphs
// (media/graphDiff.ts): an error moved down with its step, or changed, reaches the panel.
import { strict as assert } from 'node:assert';
import { analyze } from '../../engine/analyze/index';
import type { GraphDocument } from '../../engine/plan/graph';
import { applyGraphDiff, diffGraph } from '../../media/graphDiff';
import { graphResult } from '../../server/graphRequest';
import type { GraphResult } from '../../server/protocol';
import { LspClient } from '../helpers/lspClient';

const TEMPLATE_ERROR = [
  'id: notes', //                                                      0
  'steps:', //                                                         1
  '  - id: fetch', //                                                  2
  '    action: generate', //                                           3
  '    parameters: {prompt: "hi"}', //                                 4
  '  - id: write', //                                                  5
  '    action: generate', //                                           6
  '    parameters:', //                                                7
  '      prompt: "Notes on {{ fetch.result }} at {{ current_timestamp }}"', // 8
  '    dependencies: [fetch]', //                                      9
  '  - id: each', //                                                  10
  '    for_each: "{{ [1, 2] }}"', //                                  11
  '    steps:', //                                                    12
  '      - id: inner', //                                             13
  '        action: generate', //                                      14
  '        parameters: {prompt: "{{ item }}"}', //                    15
  '    dependencies: [write]', //                                     16
  '',
].join('\n');

const UNKNOWN_NAME = "Unknown name 'current_timestamp' in template: not a parameter, a step or a loop variable.";

/** Each node as [id, kind, its errors as "code line:col message"], bodies indented after their loop. */
function marks(g: GraphDocument, indent = ''): string[][] {
  return g.nodes.flatMap((n) => [
    [`${indent}${n.id}`, n.kind, ...(n.errors ?? []).map((e) => `${e.code} ${e.range.start.line}:${e.range.start.character}-${e.range.end.line}:${e.range.end.character} ${e.message}`)],
    ...(n.children ? marks(n.children, `${indent}  `) : []),
  ]);
}

describe('the graph of a pipeline with errors', () => {
  it('is drawn with every step and dependency, the step with a template error marked at its exact characters', () => {
    const g = graphResult(analyze(TEMPLATE_ERROR))!;
    assert.equal(g.pipeline_id, 'notes');
    assert.deepEqual(marks(g), [
      ['fetch', 'step'],
      ['write', 'step', `template.unknown-name 8:49-8:66 ${UNKNOWN_NAME}`],
      ['each', 'loop'],
      ['  inner', 'step'],
    ]);
    assert.deepEqual(g.edges, [
      { from: 'fetch', to: 'write', kind: 'explicit' },
      { from: 'write', to: 'each', kind: 'explicit' },
    ]);
    assert.deepEqual(g.nodes[2].children!.edges, []);
    assert.equal(g.problem, '1 error, in the steps marked red. Fix it to run the pipeline.');
    // the node keeps its step's lines (a click without errors selects them)
    assert.deepEqual(g.nodes[1].range, { start: { line: 5, character: 4 }, end: { line: 10, character: 0 } });
  });

  it('a pipeline without errors has no marks and no problem, as before', () => {
    const g = graphResult(analyze(TEMPLATE_ERROR.replace(' at {{ current_timestamp }}', '')))!;
    assert.deepEqual(marks(g), [['fetch', 'step'], ['write', 'step'], ['each', 'loop'], ['  inner', 'step']]);
    assert.equal('problem' in g, false);
    assert.equal(JSON.stringify(g).includes('"errors"'), false);
  });

  it('leaves out what cannot be drawn: a second step of an id, a dependency or jump that names no step', () => {
    const text = [
      'id: d', //                                   0
      'steps:', //                                  1
      '  - id: a', //                               2
      '    action: generate', //                    3
      '    parameters: {prompt: x}', //             4
      '    dependencies: [ghost]', //               5
      '  - id: b', //                               6
      '    action: generate', //                    7
      '    parameters: {prompt: x}', //             8
      '    dependencies: [a]', //                   9
      '    on_failure: nowhere', //                10
      '  - id: a', //                              11
      '    action: generate', //                   12
      '    parameters: {prompt: y}', //            13
      'bogus: 1', //                               14
      '',
    ].join('\n');
    const g = graphResult(analyze(text))!;
    assert.deepEqual(marks(g), [
      ['a', 'step', "step.unknown-dependency 5:19-5:24 Unknown step 'ghost' in the dependencies of 'a'.", "step.duplicate-id 11:8-11:9 Step id 'a' is already used by another step; ids must be unique."],
      ['b', 'step', "jump.unknown-target 10:16-10:23 'on_failure' names no step 'nowhere' (or 'fail', 'continue', 'skip', 'retry')."],
    ]);
    assert.deepEqual(g.edges, [{ from: 'a', to: 'b', kind: 'explicit' }]);
    // the first step of the id keeps its own lines
    assert.deepEqual(g.nodes[0].range!.start, { line: 2, character: 4 });
    assert.equal(g.problem, "4 errors: 3 in the steps marked red, 1 elsewhere (line 15: Unknown key 'bogus' in the pipeline). Fix them to run the pipeline.");
  });

  it('errors only outside the steps: the graph unmarked, the problem naming the first', () => {
    const g = graphResult(analyze('id: o\nbogus: 1\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: x}\n'))!;
    assert.deepEqual(marks(g), [['a', 'step']]);
    assert.equal(g.problem, "1 error (line 2: Unknown key 'bogus' in the pipeline). Fix it to run the pipeline.");
  });

  it("an error that names no step (a duplicate key) is on the innermost step whose lines hold it: a loop body's", () => {
    const text = ['id: d', 'steps:', '  - id: each', '    for_each: "{{ [1] }}"', '    steps:', '      - id: inner', '        action: generate', '        parameters: {prompt: x}', '        name: a', '        name: b', '  - id: last', '    action: generate', '    parameters: {prompt: y}', ''].join('\n');
    assert.deepEqual(marks(graphResult(analyze(text))!), [
      ['each', 'loop'],
      ['  inner', 'step', "yaml.duplicate-key 9:8-9:12 Duplicate key 'name': a mapping holds each key once."],
      ['last', 'step'],
    ]);
  });

  it('is refused only when the YAML does not parse', () => {
    assert.equal(graphResult(analyze('id: y\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: "x}\n  - id: b\n')), null);
    assert.equal(graphResult(analyze('- just\n- a list\n')), null);
  });

  it('through the language server: the request the extension sends answers the marked graph, and null for YAML that does not parse', async function () {
    this.timeout(30_000);
    const lsp = new LspClient('stdio');
    try {
      await lsp.initialize();
      const uri = 'file:///work/notes.pipeline.yaml';
      lsp.open(uri, TEMPLATE_ERROR);
      const g = await lsp.request<GraphResult | null>('orchestrator/graph', { uri });
      assert.deepEqual(marks(g!), marks(graphResult(analyze(TEMPLATE_ERROR))!));
      assert.equal(g!.problem, '1 error, in the steps marked red. Fix it to run the pipeline.');
      const bad = 'file:///work/bad.pipeline.yaml';
      lsp.open(bad, 'id: y\nsteps:\n  - id: a\n    action: "generate\n');
      assert.equal(await lsp.request('orchestrator/graph', { uri: bad }), null);
    } finally {
      await lsp.stop();
    }
  });

  it("reaches the panel through a diff: an error moved down with its step, and one changed, as the whole graph has them", () => {
    const before = graphResult(analyze(TEMPLATE_ERROR))!;
    // two lines above every step: the kept steps are sent as runs, their error moved down with them
    const moved = graphResult(analyze(TEMPLATE_ERROR.replace('steps:\n', 'description: >\n  two lines\nsteps:\n')))!;
    const d1 = diffGraph(before, moved);
    assert.ok(d1.nodes.every((n) => !('id' in n)), 'every node kept, moved by two lines');
    assert.deepEqual(applyGraphDiff(before, d1).nodes, moved.nodes);
    assert.deepEqual(moved.nodes[1].errors![0].range.start, { line: 10, character: 49 });
    // the same lines, another error: the step is sent whole
    const changed = graphResult(analyze(TEMPLATE_ERROR.replace('current_timestamp', 'current_timestampz')))!;
    const d2 = diffGraph(before, changed);
    assert.deepEqual(d2.nodes.filter((n) => 'id' in n).map((n) => ('id' in n ? n.id : '')), ['write']);
    assert.deepEqual(applyGraphDiff(before, d2).nodes, changed.nodes);
    // the error fixed: the mark goes
    const fixed = graphResult(analyze(TEMPLATE_ERROR.replace(' at {{ current_timestamp }}', '')))!;
    assert.equal(applyGraphDiff(before, diffGraph(before, fixed)).nodes[1].errors, undefined);
  });
});
