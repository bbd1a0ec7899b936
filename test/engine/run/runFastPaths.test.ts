// The engine's fast paths for short steps (issue 11, engine overhead) change nothing a pipeline or a
// tool can observe: an attempt's signal is made only when its tool first reads it, a list's `steps`
// view is filled when first read, and a step needs no async frame when it gets a slot at once.
import { strict as assert } from 'node:assert';
import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, hasErrors } from '../../../engine/analyze/index';
import type { ResultDocument } from '../../../engine/run/events';
import { runPipeline, type RunOptions } from '../../../engine/run/runPipeline';
import type { ToolContext, ToolDefinition } from '../../../engine/toolkit/runtime';
import { isoAt } from '../../../engine/util/isoTime';

let dir: string;

async function runYaml(text: string, opts: Partial<RunOptions> = {}): Promise<ResultDocument> {
  const specs = opts.tools ? Object.fromEntries(Object.entries(opts.tools).map(([k, t]) => [k, t.spec])) : undefined;
  const a = analyze(text, { tools: specs });
  assert.ok(!hasErrors(a.findings), 'the test pipeline must compile');
  return runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, ...opts });
}

function tool(name: string, run: ToolDefinition['run']): ToolDefinition {
  return { spec: { name, description: 'Test tool.', actions: { go: { description: 'Goes.', parameters: {} } } } as ToolDefinition['spec'], run };
}

describe('run: the attempt signal, made when first read', function () {
  this.timeout(30_000);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-signal-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a tool that reads its signal only after the run was cancelled gets it aborted, with the run’s reason', async () => {
    const ctl = new AbortController();
    const seen: { aborted: boolean; reason: unknown }[] = [];
    const late = tool('late', async (_a, _p, ctx: ToolContext) => {
      ctl.abort('stop now');
      await new Promise((r) => setImmediate(r));
      seen.push({ aborted: ctx.signal.aborted, reason: ctx.signal.reason });
      return { success: true, result: null };
    });
    const doc = await runYaml('id: late\nsteps:\n  - {id: a, tool: late, action: go}\n', { tools: { late }, signal: ctl.signal });
    assert.deepEqual(seen, [{ aborted: true, reason: 'stop now' }]);
    assert.equal(doc.status, 'cancelled');
    assert.equal(getEventListeners(ctl.signal, 'abort').length, 0);
  });

  it('a tool that reads its signal while it runs is aborted when the run is cancelled', async () => {
    const ctl = new AbortController();
    const order: string[] = [];
    const wait = tool('wait', (_a, _p, ctx: ToolContext) => {
      order.push('started');
      return new Promise((_resolve, reject) => {
        setImmediate(() => {
          // the signal is read a turn later, as a tool that starts a process first would
          ctx.signal.addEventListener('abort', () => {
            order.push('aborted');
            reject(new Error('stopped'));
          }, { once: true });
          setTimeout(() => ctl.abort(), 10);
        });
      });
    });
    const doc = await runYaml('id: wait\nsteps:\n  - {id: a, tool: wait, action: go}\n', { tools: { wait }, signal: ctl.signal });
    assert.deepEqual(order, ['started', 'aborted']);
    assert.equal(doc.steps.a.status, 'cancelled');
    assert.equal(getEventListeners(ctl.signal, 'abort').length, 0);
  });

  it('each attempt gets a signal of its own, and a retry’s is not the failed attempt’s', async () => {
    const signals: AbortSignal[] = [];
    let calls = 0;
    const flaky = tool('flaky', async (_a, _p, ctx: ToolContext) => {
      signals.push(ctx.signal);
      assert.equal(ctx.signal, ctx.signal, 'the same signal each time it is read');
      if (++calls === 1) throw new Error('once');
      return { success: true, result: 'ok' };
    });
    const doc = await runYaml('id: flaky\nsteps:\n  - id: a\n    tool: flaky\n    action: go\n    retry: {max_attempts: 2, initial_delay: 0.001}\n', { tools: { flaky } });
    assert.equal(doc.steps.a.status, 'completed');
    assert.equal(doc.steps.a.attempts, 2);
    assert.equal(signals.length, 2);
    assert.notEqual(signals[0], signals[1]);
    assert.ok(!signals[0].aborted && !signals[1].aborted);
  });

  it('output and model calls read from the context work detached, as tools pass them on', async () => {
    const chunks: string[] = [];
    const talk = tool('talk', async (_a, _p, ctx: ToolContext) => {
      const { output } = ctx;
      output('stdout', 'hello\n');
      assert.equal(typeof ctx.models?.generate, 'function');
      return { success: true, result: null };
    });
    const doc = await runYaml('id: talk\nsteps:\n  - {id: a, tool: talk, action: go}\n', {
      tools: { talk },
      listeners: [(e) => void (e.type === 'step-output' && chunks.push(e.chunk))],
    });
    assert.equal(doc.status, 'completed');
    assert.deepEqual(chunks, ['hello\n']);
  });
});

describe('run: step results read by field, with the steps view filled when first read', function () {
  this.timeout(30_000);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-view-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a loop body’s result is read by field through the loop’s iterations, and a step’s through steps', async () => {
    const count: ToolDefinition = {
      spec: { name: 'count', description: 'Counts.', actions: { go: { description: 'Goes.', parameters: {}, result: { count: 'How many.' } } } } as ToolDefinition['spec'],
      run: async () => ({ success: true, result: { count: 7 } }),
    };
    const text = [
      'id: view',
      'steps:',
      '  - id: loop',
      '    for_each: [1, 2]',
      '    steps:',
      '      - {id: body, tool: count, action: go}',
      '  - {id: top, tool: count, action: go}',
      'outputs:',
      '  through_loop: "{{ loop.iterations[1].steps.body.count }}"',
      '  through_steps: "{{ steps.top.count }}"',
      '  by_name: "{{ top.count }}"',
      '',
    ].join('\n');
    const doc = await runYaml(text, { tools: { count } });
    assert.equal(doc.status, 'completed', JSON.stringify(doc.output_errors));
    assert.deepEqual(doc.outputs, { through_loop: 7, through_steps: 7, by_name: 7 });
  });
});

describe('run: an engine bug in a step', function () {
  this.timeout(30_000);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bug-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails that step with an internal error, and the run goes on to its end', async () => {
    // an outcome whose result cannot be read: what the engine does with it throws
    const odd = tool('odd', async () => {
      const outcome = { success: true } as { success: boolean; result: unknown };
      Object.defineProperty(outcome, 'result', { get: () => { throw new Error('unreadable result'); }, enumerable: true });
      return outcome;
    });
    const fine = tool('fine', async () => ({ success: true, result: 'ok' }));
    const doc = await runYaml('id: bug\nsteps:\n  - {id: a, tool: odd, action: go}\n  - {id: b, tool: fine, action: go}\n', { tools: { odd, fine } });
    assert.equal(doc.steps.a.status, 'failed');
    assert.equal(doc.steps.a.error_type, 'InternalError');
    assert.match(doc.steps.a.error ?? '', /unreadable result/);
    assert.equal(doc.steps.b.status, 'completed');
    assert.equal(doc.status, 'failed');
  });
});

describe('run: time stamps made without Date#toISOString per step', function () {
  this.timeout(30_000);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-stamp-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('isoAt writes what toISOString writes, across seconds, minutes, days, years and in any order', () => {
    const times: number[] = [0, 1, 9, 10, 99, 100, 999, 1000, 59_999, 60_000, 86_399_999, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), -1, -60_001, Date.UTC(10_000, 0, 1, 0, 0, 5, 7), 8.64e15];
    let t = Date.UTC(2026, 10, 23, 12, 0, 0, 0);
    for (let k = 0; k < 20_000; k++) times.push((t += (k * 7919) % 3001)); // steps of 0 to 3 s: repeats, new seconds, new minutes
    for (let k = 0; k < 2_000; k++) times.push(Math.floor(((k * 2654435761) % 2 ** 32) * 1e3)); // jumps back and forth over years
    for (const ms of times) assert.equal(isoAt(ms), new Date(ms).toISOString(), `at ${ms}`);
  });

  it('a step queued for no time when a slot was free, and its stamps bracket its run', async () => {
    const before = Date.now();
    const fine = tool('fine', async () => {
      await new Promise((r) => setTimeout(r, 15));
      return { success: true, result: 'ok' };
    });
    const doc = await runYaml('id: stamps\nsteps:\n  - {id: a, tool: fine, action: go}\n  - {id: b, tool: fine, action: go, dependencies: [a]}\n', { tools: { fine } });
    const after = Date.now();
    for (const id of ['a', 'b']) {
      const r = doc.steps[id];
      assert.equal(r.queued_ms, 0);
      const started = Date.parse(r.started_at!);
      const ended = Date.parse(r.ended_at!);
      assert.ok(before <= started && started <= ended && ended <= after, `${id}: ${r.started_at} .. ${r.ended_at}`);
      assert.equal(r.duration_ms, ended - started);
      assert.ok(r.duration_ms! >= 14, `${id} took ${r.duration_ms} ms`);
    }
    assert.ok(Date.parse(doc.steps.b.started_at!) >= Date.parse(doc.steps.a.ended_at!));
  });
});
