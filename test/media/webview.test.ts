// The panel's pure parts: the layout adapter (GraphDocument ⇄ ELK, with the real elkjs) and the
// run-state reducer over RunEvents, with exact expectations; the page's CSP. (Run From Here and
// event batching: client.test.ts.)
import { strict as assert } from 'node:assert';
import ELK from 'elkjs/lib/elk.bundled.js';
import { analyze } from '../../engine/analyze/index';
import { graphDocument } from '../../engine/analyze/graph';
import type { GraphDocument } from '../../engine/plan/graph';
import { emptyStepResult, type RunEvent, type StepResult } from '../../engine/run/events';
import { webviewHtml } from '../../client/panelHtml';
import { edgeId, fromElk, layoutGraph, toElk, type LayoutEngine } from '../../media/layout';
import { applyEvents, emptyRun, MAX_TEXT, retainSteps, stepsDone } from '../../media/runState';

const PIPELINE = `id: shapes
steps:
  - id: fetch
    tool: filesystem
    action: write
    on_success: report
    parameters: { path: "a.txt", content: "x" }
  - id: each
    for_each: "{{ [1, 2] }}"
    dependencies: [fetch]
    steps:
      - id: first
        tool: filesystem
        action: write
        parameters: { path: "b.txt", content: "{{ item }}" }
      - id: second
        tool: filesystem
        action: read
        dependencies: [first]
        parameters: { path: "b.txt" }
  - id: report
    tool: filesystem
    action: read
    dependencies: [each]
    on_failure: handler
    parameters: { path: "a.txt" }
  - id: handler
    tool: filesystem
    action: write
    dependencies: [report]
    parameters: { path: "c.txt", content: "oops" }
`;

function graph(): GraphDocument {
  const a = analyze(PIPELINE);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
  const { pipeline_id: _id, ...g } = graphDocument(a);
  return g;
}

const elk = new (ELK as unknown as new () => LayoutEngine)();

describe('webview: layout adapter', () => {
  it('makes a loop body a compound node and keeps every edge in the list that holds its ends', () => {
    const g = toElk(graph(), 'RIGHT');
    assert.equal(g.layoutOptions?.['elk.direction'], 'RIGHT');
    assert.deepEqual(g.children?.map((c) => c.id), ['fetch', 'each', 'report', 'handler']);
    const loop = g.children?.find((c) => c.id === 'each');
    assert.deepEqual(loop?.children?.map((c) => c.id), ['first', 'second']);
    assert.equal(loop?.width, undefined, 'a compound node is sized by its body');
    assert.deepEqual(loop?.edges?.map((e) => e.id), ['explicit:first->second']);
    assert.deepEqual(g.edges?.map((e) => e.id).sort(), ['explicit:each->report', 'explicit:fetch->each', 'explicit:report->handler', 'on_failure:report->handler', 'on_success:fetch->report']);
    assert.equal(toElk(graph(), 'DOWN').layoutOptions?.['elk.direction'], 'DOWN');
  });

  it('places body nodes inside their loop, in absolute coordinates, and keeps the edge kinds', async () => {
    const l = await layoutGraph(elk, graph(), 'RIGHT');
    const byId = new Map(l.nodes.map((n) => [n.id, n]));
    assert.deepEqual([...byId.keys()].sort(), ['each', 'fetch', 'first', 'handler', 'report', 'second']);
    const loop = byId.get('each')!;
    for (const id of ['first', 'second']) {
      const n = byId.get(id)!;
      assert.equal(n.parent, 'each');
      assert.ok(n.x >= loop.x && n.x + n.width <= loop.x + loop.width && n.y >= loop.y && n.y + n.height <= loop.y + loop.height, `${id} lies inside its loop`);
    }
    assert.equal(byId.get('fetch')!.detail, 'filesystem.write');
    assert.equal(loop.detail, 'loop');
    // left to right: a step comes after what it depends on
    assert.ok(byId.get('report')!.x > loop.x + loop.width - 1);
    assert.ok(byId.get('second')!.x > byId.get('first')!.x);
    const kinds = Object.fromEntries(l.edges.map((e) => [e.id, e.kind]));
    assert.deepEqual(kinds, {
      'explicit:first->second': 'explicit',
      'explicit:fetch->each': 'explicit',
      'explicit:each->report': 'explicit',
      'explicit:report->handler': 'explicit',
      'on_success:fetch->report': 'on_success',
      'on_failure:report->handler': 'on_failure',
    });
    // the body edge runs between its nodes' boxes, in absolute coordinates
    const body = l.edges.find((e) => e.id === 'explicit:first->second')!;
    const first = byId.get('first')!;
    const second = byId.get('second')!;
    assert.equal(body.points[0].x, first.x + first.width);
    assert.equal(body.points.at(-1)!.x, second.x);
  });

  it('reads ELK output exactly (offsets of nested lists)', () => {
    const g: GraphDocument = {
      nodes: [{ id: 'L', label: 'Loop', kind: 'loop', tool: null, action: null, level: 0, range: null, selectionRange: null, children: { nodes: [{ id: 'b', label: 'b', kind: 'step', tool: 't', action: 'a', level: 0, range: null, selectionRange: null, children: null }], edges: [] } }],
      edges: [],
    };
    const l = fromElk(g, { id: 'root', width: 300, height: 200, children: [{ id: 'L', x: 10, y: 20, width: 250, height: 100, children: [{ id: 'b', x: 12, y: 30, width: 180, height: 44 }] }] });
    assert.deepEqual(l, {
      width: 300,
      height: 200,
      nodes: [
        { id: 'L', label: 'Loop', detail: 'loop', kind: 'loop', x: 10, y: 20, width: 250, height: 100, parent: null },
        { id: 'b', label: 'b', detail: 't.a', kind: 'step', x: 22, y: 50, width: 180, height: 44, parent: 'L' },
      ],
      edges: [],
    });
    assert.equal(edgeId({ from: 'a', to: 'b', kind: 'implied' }), 'implied:a->b');
  });
});

function ended(step: string, status: StepResult['status'], extra: Partial<StepResult> = {}, scope: { loop: string; index: number }[] = []): RunEvent {
  return { type: 'step-ended', time: 2000, stepId: step, scope, result: { ...emptyStepResult(status), success: status === 'completed', ...extra } };
}

describe('webview: run state from events', () => {
  it('follows a run: running with its start time, retrying with the attempt, then the end states and totals', () => {
    const events: RunEvent[] = [
      { type: 'run-started', time: 1000, executionId: 'r1', pipelineId: 'p', steps: ['a', 'b', 'c'], levels: [['a'], ['b'], ['c']], resumed: false },
      { type: 'step-started', time: 1100, stepId: 'a', scope: [], attempt: 1, inputs: { path: 'x' } },
      { type: 'step-output', time: 1150, stepId: 'a', scope: [], stream: 'text', chunk: 'Hel' },
      { type: 'step-output', time: 1160, stepId: 'a', scope: [], stream: 'text', chunk: 'lo' },
    ];
    let { run, changed } = applyEvents(emptyRun(), events);
    assert.deepEqual([...changed].sort(), ['a', 'b', 'c']);
    assert.equal(run.status, 'running');
    assert.equal(run.total, 3);
    assert.deepEqual({ status: run.steps.a.status, startedAt: run.steps.a.startedAt, inputs: run.steps.a.inputs, text: run.steps.a.text }, { status: 'running', startedAt: 1100, inputs: { path: 'x' }, text: 'Hello' });
    assert.equal(run.steps.b.status, 'pending');

    ({ run, changed } = applyEvents(run, [
      ended('a', 'completed', { tokens_in: 10, tokens_out: 5, cost_usd: 0.001, model: 'openai:gpt-4o-mini', duration_ms: 900 }),
      { type: 'step-started', time: 2100, stepId: 'b', scope: [], attempt: 1, inputs: {} },
      { type: 'attempt-failed', time: 2200, stepId: 'b', scope: [], attempt: 1, error: 'boom', errorType: 'ToolError', retryInMs: 500 },
    ]));
    assert.deepEqual([...changed].sort(), ['a', 'b']);
    assert.equal(run.steps.a.status, 'completed');
    assert.equal(run.steps.a.startedAt, null);
    assert.deepEqual({ status: run.steps.b.status, attempts: run.steps.b.attempts }, { status: 'retrying', attempts: [{ attempt: 1, error: 'boom', errorType: 'ToolError', retryInMs: 500 }] });
    assert.deepEqual([run.tokensIn, run.tokensOut, run.costUsd], [10, 5, 0.001]);

    ({ run } = applyEvents(run, [
      { type: 'step-started', time: 2700, stepId: 'b', scope: [], attempt: 2, inputs: {} },
      ended('b', 'failed', { error: 'boom again', error_type: 'ToolError', attempts: 2 }),
      ended('c', 'cancelled'),
    ]));
    assert.equal(run.steps.b.attempt, 2);
    assert.equal(run.steps.b.attempts.length, 1, 'the failed attempt is kept when the next one starts');
    assert.equal(run.steps.b.status, 'failed');
    assert.equal(run.steps.c.status, 'cancelled');
    assert.equal(stepsDone(run), 2, 'a cancelled step never ran');
  });

  it('counts a loop\'s iterations from its body steps and its tokens once', () => {
    const scope = (i: number) => [{ loop: 'each', index: i }];
    const { run } = applyEvents(emptyRun(), [
      { type: 'run-started', time: 0, executionId: 'r', pipelineId: 'p', steps: ['each'], levels: [['each']], resumed: false },
      { type: 'step-started', time: 1, stepId: 'each', scope: [], attempt: 1, inputs: {} },
      { type: 'step-started', time: 2, stepId: 'first', scope: scope(0), attempt: 1, inputs: { content: '1' } },
      ended('first', 'completed', { tokens_in: 3 }, scope(0)),
      { type: 'step-started', time: 3, stepId: 'first', scope: scope(1), attempt: 1, inputs: { content: '2' } },
      ended('first', 'completed', { tokens_in: 4 }, scope(1)),
      ended('each', 'completed', { tokens_in: 7, iterations: [] }),
    ]);
    assert.equal(run.steps.each.iterationsStarted, 2);
    assert.deepEqual([run.steps.first.iterationsStarted, run.steps.first.iterationsEnded], [2, 2]);
    assert.deepEqual(run.steps.first.inputs, { content: '2' }, 'the body node shows its latest iteration');
    assert.equal(run.tokensIn, 7);
  });

  it('bounds streamed text, ignores unknown events, and keeps only the steps a new graph still has', () => {
    const big = 'x'.repeat(MAX_TEXT);
    const { run } = applyEvents(emptyRun(), [
      { type: 'run-started', time: 0, executionId: 'r', pipelineId: 'p', steps: ['a', 'b'], levels: [['a', 'b']], resumed: false },
      { type: 'step-output', time: 1, stepId: 'a', scope: [], stream: 'text', chunk: big },
      { type: 'step-output', time: 2, stepId: 'a', scope: [], stream: 'text', chunk: 'END' },
      { type: 'from-a-newer-engine', time: 3 } as unknown as RunEvent,
    ]);
    assert.equal(run.steps.a.text.length, MAX_TEXT);
    assert.ok(run.steps.a.text.endsWith('END'));
    assert.deepEqual(Object.keys(retainSteps(run, ['a', 'z']).steps), ['a']);
  });

  it('takes the final word from run-ended', () => {
    const { run } = applyEvents(emptyRun(), [
      { type: 'run-started', time: 0, executionId: 'r', pipelineId: 'p', steps: ['a'], levels: [['a']], resumed: false },
      {
        type: 'run-ended',
        time: 50,
        result: { pipeline_id: 'p', execution_id: 'r', status: 'completed', success: true, outputs: {}, steps: { a: { ...emptyStepResult('skipped'), skip_reason: 'condition was false' } }, execution_order: ['a'], execution_levels: [['a']], failed_steps: [], skipped_steps: ['a'], started_at: '', ended_at: '', duration_ms: 50, tokens_in: 1, tokens_out: 2, cost_usd: 0.5 },
      },
    ]);
    assert.deepEqual([run.status, run.endedAt, run.steps.a.status, run.tokensIn, run.tokensOut, run.costUsd], ['completed', 50, 'skipped', 1, 2, 0.5]);
  });
});

describe('webview: page and host helpers', () => {
  it('the page allows only its own nonce-tagged script and styles from the bundle folder', () => {
    const html = webviewHtml({ scriptUri: 'https://w/dist/webview.js', styleUri: 'https://w/dist/webview.css', nonce: 'abc123', cspSource: 'https://w' });
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-abc123'; style-src https:\/\/w; img-src https:\/\/w data:; font-src https:\/\/w">/);
    assert.match(html, /<script nonce="abc123" src="https:\/\/w\/dist\/webview.js"><\/script>/);
    assert.doesNotMatch(html, /<script(?![^>]*nonce)/);
  });
});
