// Hardening, round three (issue 41, item 17): the report's critical-path spans still included the
// time a debugger held a step. A breakpoint holds a step before it starts (outside its duration: the
// step's `held_ms`); an agent step held at a tool call holds it inside (its `paused_ms`). The report
// now lays the run out as it would have run without the holds: the same path, spans and makespan,
// and it says how long the debugger held the run.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { emptyStepResult, type ResultDocument, type StepResult } from '../../../engine/run/events';
import { buildReport, planShape } from '../../../engine/run/report';
import { runPipeline } from '../../../engine/run/runPipeline';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const at = (x: number) => new Date(T0 + x).toISOString();
const step = (start: number, end: number, extra: Partial<StepResult> = {}): StepResult => ({ ...emptyStepResult('completed'), success: true, attempts: 1, started_at: at(start), ended_at: at(end), duration_ms: end - start, queued_ms: 0, retry_ms: 0, ...extra });
const doc = (steps: Record<string, StepResult>, duration: number, paused: number): ResultDocument =>
  ({ pipeline_id: 'p', execution_id: 'r', status: 'completed', success: true, outputs: {}, steps, execution_order: Object.keys(steps), execution_levels: [], failed_steps: [], skipped_steps: [], started_at: at(0), ended_at: at(duration), duration_ms: duration, paused_ms: paused, tokens_in: 0, tokens_out: 0, cost_usd: 0 }) as ResultDocument;

const HOLD_MS = 1000;
const ms = (iso: string | null | undefined) => Date.parse(iso!);
/** Equal to the millisecond the records keep: start and end times are ISO strings rounded to the ms, and durations are rounded on their own. */
const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= 1, `${actual} ms, not ${expected} ms`);

describe('hardening 3: the report leaves the debugger out of the critical path', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h3-report-')))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a breakpoint held 1 s before a short step: the path is the long branch, as without the debugger', () => {
    // a held 0-1000 then ran 1000-1200; b ran 0-600; c (after a and b) 1200-1400. Without the hold:
    // a 0-200, b 0-600, c 600-800.
    const run = doc({ a: step(1000, 1200, { held_ms: 1000 }), b: step(0, 600), c: step(1200, 1400) }, 1400, 1000);
    const deps = new Map([['c', ['a', 'b']]]);
    for (const d of [deps, null]) {
      const r = buildReport({ doc: run, deps: d, maxParallel: 4, widestLevel: 2 });
      assert.deepEqual(r.critical_path, [
        { step: 'b', span_ms: 600, share: 0.75 },
        { step: 'c', span_ms: 200, share: 0.25 },
      ]);
      assert.equal(r.makespan_ms, 800);
      assert.equal(r.debugger_held_ms, 1000);
      assert.deepEqual(r.steps.map((s) => [s.step, s.running_ms, s.on_critical_path]), [['a', 200, false], ['b', 600, true], ['c', 200, true]]);
    }
  });

  it('an agent step held 1 s at a tool call: its span is its running time', () => {
    const run = doc({ x: step(0, 1500, { paused_ms: 1000 }), y: step(1500, 1700) }, 1700, 1000);
    const r = buildReport({ doc: run, deps: new Map([['y', ['x']]]), maxParallel: 4, widestLevel: 1 });
    assert.deepEqual(r.critical_path, [
      { step: 'x', span_ms: 500, share: 0.7143 },
      { step: 'y', span_ms: 200, share: 0.2857 },
    ]);
    assert.equal(r.makespan_ms, 700);
    assert.equal(r.debugger_held_ms, 1000);
  });

  it('a run with no debugger: nothing held, the path as it ran', () => {
    const run = doc({ a: step(0, 200), b: step(0, 600), c: step(600, 800) }, 800, 0);
    delete run.paused_ms;
    const r = buildReport({ doc: run, deps: new Map([['c', ['a', 'b']]]), maxParallel: 4, widestLevel: 2 });
    assert.deepEqual(r.critical_path.map((p) => [p.step, p.span_ms]), [['b', 600], ['c', 200]]);
    assert.equal(r.debugger_held_ms, 0);
  });

  it('a real run: a breakpoint on the step the path goes through is left out of its span', async () => {
    const a = analyze(`id: held
steps:
  - id: first
    tool: data
    action: aggregate
    parameters: { data: [1], operations: [count] }
  - id: second
    depends_on: [first]
    tool: terminal
    action: execute
    parameters: { command: "sleep 0.2" }
`);
    // \`second\` takes a while, so it ends well after \`first\` (two steps ending in the same millisecond leave the path's end to a tie)
    const run = await runPipeline(a, { cwd: dir, checkpoint: false, debugger: { beforeStep: (p) => (p.key === 'first' ? new Promise<void>((r) => setTimeout(r, HOLD_MS)) : undefined) } });
    assert.equal(run.status, 'completed');
    const held = run.steps.first.held_ms!;
    assert.ok(held >= HOLD_MS - 20, `first held ${held} ms`);
    assert.equal(run.steps.second.held_ms, undefined);
    const { deps, widest } = planShape(a.plan!);
    const r = buildReport({ doc: run, deps, maxParallel: 4, widestLevel: widest });
    assert.deepEqual(r.critical_path.map((p) => p.step), ['first', 'second']);
    const [first, second] = r.critical_path;
    // its span is from the run's start to its end, less the hold
    near(first.span_ms, ms(run.steps.first.ended_at) - ms(run.started_at) - held);
    near(second.span_ms, ms(run.steps.second.ended_at) - ms(run.steps.first.ended_at));
    assert.equal(r.debugger_held_ms, run.paused_ms);
    // and the makespan is the run's duration less the hold
    near(r.makespan_ms, run.duration_ms - held);
  });

  it('a real run: a breakpoint that made the short branch end last does not move the path to it', async () => {
    const a = analyze(`id: branches
steps:
  - id: long
    tool: terminal
    action: execute
    parameters: { command: "sleep 0.3" }
  - id: short
    tool: data
    action: aggregate
    parameters: { data: [1], operations: [count] }
  - id: last
    depends_on: [long, short]
    tool: data
    action: aggregate
    parameters: { data: [1], operations: [count] }
`);
    const run = await runPipeline(a, { cwd: dir, checkpoint: false, debugger: { beforeStep: (p) => (p.key === 'short' ? new Promise<void>((r) => setTimeout(r, HOLD_MS)) : undefined) } });
    assert.equal(run.status, 'completed');
    // as it ran, `short` ended last (after its hold)
    assert.ok(ms(run.steps.short.ended_at) > ms(run.steps.long.ended_at));
    const { deps, widest } = planShape(a.plan!);
    const r = buildReport({ doc: run, deps, maxParallel: 4, widestLevel: widest });
    assert.deepEqual(r.critical_path.map((p) => p.step), ['long', 'last']);
    near(r.critical_path[0].span_ms, ms(run.steps.long.ended_at) - ms(run.started_at));
    // `last` waited for the hold; without it, it would have started when `long` ended
    near(r.critical_path[1].span_ms, ms(run.steps.last.ended_at) - ms(run.steps.short.ended_at));
    assert.equal(r.steps.find((s) => s.step === 'short')!.on_critical_path, false);
    assert.equal(r.debugger_held_ms, run.paused_ms);
    assert.ok(run.paused_ms! >= HOLD_MS - 20);
    // by timing alone, the instant `short` may have ended (unheld) before `long` started, as in a run
    // without the debugger; what `last` waited for is still `long`, and `last` has the same span
    const byTiming = buildReport({ doc: run, deps: null, maxParallel: 4, widestLevel: widest }).critical_path;
    assert.deepEqual(byTiming.slice(-2).map((p) => p.step), ['long', 'last']);
    assert.deepEqual(byTiming[byTiming.length - 1], r.critical_path[1]);
  });

  it('a debugger that stops on a failure held the run 1 s after the step failed: the steps after it, and the makespan, are as without the hold', () => {
    // a failed at 200 (on_failure: continue) and the run was held until 1200; b (after a) ran 1200-1400
    const run = doc({ a: step(0, 200, { status: 'failed', success: false, held_after_ms: 1000 }), b: step(1200, 1400) }, 1400, 1000);
    for (const d of [new Map([['b', ['a']]]), null]) {
      const r = buildReport({ doc: run, deps: d, maxParallel: 4, widestLevel: 1 });
      assert.deepEqual(r.critical_path, [
        { step: 'a', span_ms: 200, share: 0.5 },
        { step: 'b', span_ms: 200, share: 0.5 },
      ]);
      assert.equal(r.makespan_ms, 400);
    }
    // held after the last step failed: the run's end waited, the makespan does not
    const last = doc({ a: step(0, 300, { status: 'failed', success: false, held_after_ms: 1000 }) }, 1300, 1000);
    assert.equal(buildReport({ doc: last, deps: new Map(), maxParallel: 4, widestLevel: 1 }).makespan_ms, 300);
  });

  it('a real run: the hold after a failure is recorded on the failed step and left out of the next step\'s span', async () => {
    const a = analyze(`id: failing
steps:
  - id: breaks
    tool: terminal
    action: execute
    on_failure: continue
    parameters: { command: "exit 3" }
  - id: after
    depends_on: [breaks]
    tool: terminal
    action: execute
    parameters: { command: "sleep 0.2" }
`);
    const run = await runPipeline(a, { cwd: dir, checkpoint: false, debugger: { beforeStep: () => undefined, afterFailure: () => new Promise<void>((r) => setTimeout(r, HOLD_MS)) } });
    assert.equal(run.steps.breaks.success, false, 'the command failed');
    const held = run.steps.breaks.held_after_ms!;
    assert.ok(held >= HOLD_MS - 20, `held ${held} ms after the failure`);
    assert.equal(run.steps.after.held_after_ms, undefined);
    const { deps, widest } = planShape(a.plan!);
    const r = buildReport({ doc: run, deps, maxParallel: 4, widestLevel: widest });
    assert.deepEqual(r.critical_path.map((p) => p.step), ['breaks', 'after']);
    // after's span: from when it could have started without the hold to its end
    near(r.critical_path[1].span_ms, ms(run.steps.after.ended_at) - ms(run.steps.breaks.ended_at) - held);
    near(r.makespan_ms, run.duration_ms - held);
    assert.equal(r.debugger_held_ms, run.paused_ms);
  });
});
