// The extension's logic that needs no VS Code: what a parameter prompt accepts (the CLI's rules),
// which results Run From Here reuses, how run events are batched for the panel, and which step the
// cursor is in.
import { strict as assert } from 'node:assert';
import { analyze } from '../../engine/analyze/index';
import type { Checkpoint } from '../../engine/run/checkpointStore';
import { emptyStepResult, type RunEvent, type StepResult } from '../../engine/run/events';
import type { ParameterDecl } from '../../engine/spec/types';
import { EventBatcher } from '../../client/eventBatcher';
import { answerOf, choicesOf, initialText } from '../../client/parameterValues';
import { downstreamOf, fromHereCheckpoint, jumpsOf, reusedResults } from '../../client/runFromHere';
import { findNode, innermostAt, topLevelAt } from '../../client/stepAt';
import { graphDocument } from '../../engine/analyze/graph';

const PARAMS = `id: params
parameters:
  count:
    type: integer
    default: 3
  ratio:
    type: number
    required: true
  title:
    type: string
    required: true
  mode:
    type: string
    enum: [fast, careful]
    default: careful
  verbose:
    type: boolean
    default: false
  options:
    type: object
steps:
  - id: a
    tool: filesystem
    action: read
    parameters: { path: "x.txt" }
`;

describe('client: parameter prompts check values as `orc run -i` does', () => {
  const a = analyze(PARAMS);
  const p = (name: string): ParameterDecl => a.pipeline!.parameters.find((d) => d.name === name)!;

  it('compiles the fixture', () => {
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
    assert.deepEqual(a.pipeline!.parameters.map((d) => d.name), ['count', 'ratio', 'title', 'mode', 'verbose', 'options']);
  });

  it('reads numbers, objects and text the way -i does', () => {
    assert.deepEqual(answerOf(p('count'), '7'), { kind: 'value', value: 7 });
    assert.deepEqual(answerOf(p('ratio'), '0.25'), { kind: 'value', value: 0.25 });
    assert.deepEqual(answerOf(p('options'), '{"depth": 2, "tags": ["a"]}'), { kind: 'value', value: { depth: 2, tags: ['a'] } });
    // a string parameter keeps what was typed, even when it reads as JSON
    assert.deepEqual(answerOf(p('title'), '42'), { kind: 'value', value: '42' });
    assert.deepEqual(answerOf(p('title'), ''), { kind: 'value', value: '' });
  });

  it("refuses values with the engine's own message", () => {
    assert.deepEqual(answerOf(p('count'), 'three'), { kind: 'invalid', message: `Input 'count' must be integer, got "three".` });
    assert.deepEqual(answerOf(p('count'), '2.5'), { kind: 'invalid', message: "Input 'count' must be integer, got 2.5." });
    assert.deepEqual(answerOf(p('ratio'), ''), { kind: 'invalid', message: `Input 'ratio' must be number, got "".` });
    assert.deepEqual(answerOf(p('options'), '[1]'), { kind: 'invalid', message: "Input 'options' must be object, got [1]." });
  });

  it('leaves an empty optional non-string answer out, so the default applies', () => {
    assert.deepEqual(answerOf(p('count'), ''), { kind: 'omit' });
    assert.deepEqual(answerOf(p('options'), ''), { kind: 'omit' });
  });

  it('fills the default in and offers enum and boolean choices default first', () => {
    assert.equal(initialText(p('count')), '3');
    assert.equal(initialText(p('ratio')), '');
    assert.equal(choicesOf(p('count')), null);
    assert.deepEqual(choicesOf(p('mode')), [
      { label: 'careful', value: 'careful', isDefault: true },
      { label: 'fast', value: 'fast', isDefault: false },
    ]);
    assert.deepEqual(choicesOf(p('verbose')), [
      { label: 'false', value: false, isDefault: true },
      { label: 'true', value: true, isDefault: false },
    ]);
  });
});

const CHAIN = `id: chain
steps:
  - id: load
    tool: filesystem
    action: write
    parameters: { path: "a.txt", content: "x" }
  - id: side
    tool: filesystem
    action: write
    parameters: { path: "s.txt", content: "s" }
  - id: shape
    tool: filesystem
    action: read
    parameters: { path: "{{ load.result.path }}" }
  - id: check
    tool: filesystem
    action: read
    dependencies: [shape]
    on_failure: recover
    parameters: { path: "a.txt" }
  - id: recover
    tool: filesystem
    action: write
    dependencies: [shape]
    condition: "{{ false }}"
    parameters: { path: "r.txt", content: "r" }
  - id: publish
    tool: filesystem
    action: write
    dependencies: [side]
    parameters: { path: "p.txt", content: "{{ check.result }}" }
`;

describe('client: Run From Here reuses every result outside the chosen step and its descendants', () => {
  const a = analyze(CHAIN);
  const jumps = jumpsOf(a.pipeline!.steps);
  const r = (status: StepResult['status'], extra: Partial<StepResult> = {}): StepResult => ({ ...emptyStepResult(status), ...extra });
  const previous = (steps: Record<string, StepResult>): Checkpoint => ({
    format: 1,
    execution_id: '20260101-000000-aaaaaa',
    pipeline_id: 'chain',
    pipeline_file: '/w/chain.pipeline.yaml',
    pipeline_sha256: 'before',
    inputs: { n: 2 },
    max_parallel: 3,
    status: 'completed',
    started_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:05.000Z',
    pid: 7,
    steps,
  });

  it('compiles the fixture', () => {
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
  });

  it('follows template references, dependencies and jumps downstream', () => {
    assert.deepEqual([...downstreamOf(a.plan!, 'shape', jumps)].sort(), ['check', 'publish', 'recover', 'shape']);
    assert.deepEqual([...downstreamOf(a.plan!, 'load', jumps)].sort(), ['check', 'load', 'publish', 'recover', 'shape']);
    assert.deepEqual([...downstreamOf(a.plan!, 'side', jumps)].sort(), ['publish', 'side']);
    // without the jump, recover is not downstream of check
    assert.deepEqual([...downstreamOf(a.plan!, 'check')].sort(), ['check', 'publish']);
  });

  it('keeps completed results and own-condition skips; reruns failed, cancelled and dependency-stopped steps', () => {
    const before = previous({
      load: r('completed', { result: { path: 'a.txt' } }),
      side: r('failed', { error: 'disk full' }),
      shape: r('completed'),
      check: r('completed'),
      recover: r('skipped', { skip_kind: 'condition' }),
      publish: r('skipped', { skip_kind: 'stopped' }),
    });
    assert.deepEqual(Object.keys(reusedResults(before, a.plan!, 'check', jumps)).sort(), ['load', 'shape']);
    assert.deepEqual(Object.keys(reusedResults(before, a.plan!, 'side', jumps)).sort(), ['check', 'load', 'recover', 'shape']);
    const cancelled = previous({ load: r('cancelled'), side: r('completed'), shape: r('pending') });
    assert.deepEqual(Object.keys(reusedResults(cancelled, a.plan!, 'publish', jumps)), ['side']);
  });

  it('gives the new run a fresh id, the current source, the earlier inputs and the reused results unchanged', () => {
    const loaded = r('completed', { result: { path: 'a.txt' }, duration_ms: 4 });
    const c = fromHereCheckpoint(previous({ load: loaded, shape: r('completed') }), a.plan!, jumps, 'shape', {
      executionId: '20260202-000000-bbbbbb',
      sourceSha256: 'after',
      pipelineFile: '/w/chain.pipeline.yaml',
      now: new Date('2026-02-02T00:00:00.000Z'),
    });
    assert.deepEqual(c, {
      format: 1,
      execution_id: '20260202-000000-bbbbbb',
      pipeline_id: 'chain',
      pipeline_file: '/w/chain.pipeline.yaml',
      pipeline_sha256: 'after',
      inputs: { n: 2 },
      max_parallel: 3,
      status: 'cancelled',
      started_at: '2026-02-02T00:00:00.000Z',
      updated_at: '2026-02-02T00:00:00.000Z',
      pid: undefined,
      steps: { load: loaded },
    });
  });
});

describe('client: run events reach the panel in batches', () => {
  const ev = (i: number): RunEvent => ({ type: 'warning', time: i, stepId: null, message: `m${i}` });
  const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

  it('sends nothing until the interval passes, then everything pending, in order', async () => {
    const sent: RunEvent[][] = [];
    const b = new EventBatcher((e) => sent.push(e), 30);
    for (let i = 0; i < 5; i++) b.push(ev(i));
    assert.equal(sent.length, 0);
    await sleep(60);
    assert.deepEqual(sent.map((s) => s.map((e) => e.time)), [[0, 1, 2, 3, 4]]);
  });

  it('posts at most about once per interval however fast events come, losing none', async () => {
    const sent: RunEvent[][] = [];
    const b = new EventBatcher((e) => sent.push(e), 50);
    const started = Date.now();
    for (let i = 0; i < 200; i++) {
      b.push(ev(i));
      if (i % 10 === 9) await sleep(5);
    }
    const elapsed = Date.now() - started;
    b.flush();
    assert.deepEqual(sent.flat().map((e) => e.time), Array.from({ length: 200 }, (_, i) => i));
    // one post per full interval that passed, plus the final flush
    assert.ok(sent.length <= Math.floor(elapsed / 50) + 2, `${sent.length} posts in ${elapsed} ms`);
  });

  it('sends a full batch at once, and a flush with nothing pending sends nothing', () => {
    const sent: number[] = [];
    const b = new EventBatcher((e) => sent.push(e.length), 10_000, 4);
    for (let i = 0; i < 9; i++) b.push(ev(i));
    assert.deepEqual(sent, [4, 4]);
    b.flush();
    b.flush();
    assert.deepEqual(sent, [4, 4, 1]);
  });
});

const LOOP = `id: shapes
steps:
  - id: fetch
    tool: filesystem
    action: write
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
    parameters: { path: "a.txt" }
`;

describe('client: the step under the cursor and the step a click reveals', () => {
  const a = analyze(LOOP);
  const { pipeline_id: _id, ...g } = graphDocument(a);
  const at = (line: number, character: number) => innermostAt(g, line, character)?.id ?? null;

  it('finds the innermost step: a loop body step before its loop', () => {
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
    assert.equal(at(4, 10), 'fetch');
    assert.equal(at(8, 6), 'each');
    assert.equal(at(13, 12), 'first');
    assert.equal(at(19, 30), 'second');
    assert.equal(at(23, 4), 'report');
  });

  it("gives a step its whole first line, and nothing before the first step", () => {
    assert.equal(at(2, 0), 'fetch');
    assert.equal(at(7, 2), 'each');
    assert.equal(at(11, 6), 'first');
    // line 20 starts `report`, not the loop's last body step
    assert.equal(at(20, 0), 'report');
    assert.equal(at(0, 3), null);
    assert.equal(at(1, 2), null);
  });

  it('Run From Here from inside a loop body runs from the loop', () => {
    assert.equal(topLevelAt(g, 13, 12)?.id, 'each');
    assert.equal(topLevelAt(g, 4, 0)?.id, 'fetch');
    assert.equal(topLevelAt(g, 1, 0), undefined);
  });

  it('finds a node by id at any depth', () => {
    assert.deepEqual(findNode(g, 'second')?.selectionRange, { start: { line: 15, character: 12 }, end: { line: 15, character: 18 } });
    assert.equal(findNode(g, 'report')?.id, 'report');
    assert.equal(findNode(g, 'nope'), undefined);
  });
});
