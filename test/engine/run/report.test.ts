// The bottleneck report: exact figures for a run with known timings, the path of a real run with
// scripted sleeps, and `orc report` as a user runs it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyStepResult, type ResultDocument, type StepResult } from '../../../engine/run/events';
import { buildReport, criticalPath, planShape } from '../../../engine/run/report';
import { analyze } from '../../../engine/analyze/index';
import { runPipeline } from '../../../engine/run/runPipeline';
import { orc } from '../../helpers/cli';
import { enclosingLoopKeys } from '../../../engine/run/pauseClock';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (msFromStart: number) => new Date(T0 + msFromStart).toISOString();

function step(start: number, end: number, extra: Partial<StepResult> = {}): StepResult {
  return { ...emptyStepResult('completed'), success: true, attempts: 1, started_at: at(start), ended_at: at(end), duration_ms: end - start, queued_ms: 0, retry_ms: 0, ...extra };
}

function doc(steps: Record<string, StepResult>, duration: number, id = 'run-1'): ResultDocument {
  return {
    pipeline_id: 'p',
    execution_id: id,
    status: 'completed',
    success: true,
    outputs: {},
    steps,
    execution_order: Object.keys(steps),
    execution_levels: [],
    failed_steps: [],
    skipped_steps: [],
    started_at: at(0),
    ended_at: at(duration),
    duration_ms: duration,
    tokens_in: 0,
    tokens_out: 0,
    cost_usd: 0,
  } as ResultDocument;
}

describe('bottleneck report', () => {
  // fetch (0-1000) and small (0-200) in parallel; slow (1000-4000) after fetch, retried once (1200 ms
  // lost); join (4000-5000) after slow and small. max_parallel 2: `small2` waited 500 ms for a slot.
  const deps = new Map([
    ['slow', ['fetch']],
    ['join', ['slow', 'small', 'small2']],
  ]);
  const run = doc(
    {
      fetch: step(0, 1000),
      small: step(0, 200),
      small2: step(0, 900, { queued_ms: 500 }),
      slow: step(1000, 4000, { attempts: 2, retries: 1, retry_ms: 1200, limiter_wait_ms: 300, cost_usd: 0.02 }),
      join: step(4000, 5000),
    },
    5000,
  );

  it('finds the critical path as it ran, with each step span and share', () => {
    assert.deepEqual(criticalPath(run, deps), [
      { step: 'fetch', span_ms: 1000, share: 0.2 },
      { step: 'slow', span_ms: 3000, share: 0.6 },
      { step: 'join', span_ms: 1000, share: 0.2 },
    ]);
  });

  it('splits each step into queued, rate-limited, retrying and running time, and says what to do', () => {
    const r = buildReport({ doc: run, deps, maxParallel: 2, widestLevel: 3 });
    assert.equal(r.basis, 'dependencies');
    assert.deepEqual(
      r.steps.map((s) => [s.step, s.share, s.queued_ms, s.rate_limit_wait_ms, s.retry_ms, s.running_ms, s.on_critical_path]),
      [
        ['fetch', 0.2, 0, 0, 0, 1000, true],
        ['small', 0.04, 0, 0, 0, 200, false],
        ['small2', 0.18, 500, 0, 0, 400, false],
        ['slow', 0.6, 0, 300, 1200, 1500, true],
        ['join', 0.2, 0, 0, 0, 1000, true],
      ],
    );
    // busy: fetch 1000, small 200, small2 400 (after its queue), slow 3000, join 1000 = 5600 ms over 5000
    assert.deepEqual(r.parallelism, { max_parallel: 2, peak: 2, average: 1.12, idle_share: 0.44 });
    assert.deepEqual(r.retries, { steps: 1, attempts_failed: 1, retry_ms: 1200 });
    // the Gantt chart: from the run's start, the queued part first, the critical path marked
    assert.deepEqual(
      r.timeline.map((b) => [b.step, b.start_ms, b.end_ms, b.queued_ms, b.critical]),
      [
        ['small', 0, 200, 0, false],
        ['small2', 0, 900, 500, false],
        ['fetch', 0, 1000, 0, true],
        ['slow', 1000, 4000, 0, true],
        ['join', 4000, 5000, 0, true],
      ],
    );
    assert.deepEqual(r.suggestions, [
      "'slow' needed 2 attempts; failed attempts and backoff took 1.2 s, on the critical path.",
      "'slow' waited 0.3 s for its provider's rate limit: a higher limit or another model would shorten it.",
      'All 2 slots were busy at the peak while up to 3 steps could run at once: a higher max_parallel would use that width.',
    ]);
  });

  it('names the bottleneck when one step runs for most of the makespan, and counts it across runs', () => {
    const slowOnly = (id: string) => doc({ fetch: step(0, 500), slow: step(500, 4500), join: step(4500, 5000) }, 5000, id);
    const deps2 = new Map([
      ['slow', ['fetch']],
      ['join', ['slow']],
    ]);
    const r = buildReport({ doc: slowOnly('r3'), deps: deps2, maxParallel: 4, widestLevel: 1, history: [slowOnly('r1'), slowOnly('r2')] });
    assert.deepEqual(r.steps.find((s) => s.step === 'slow')?.critical_in_runs, { runs: 3, of: 3 });
    assert.deepEqual(r.suggestions, [
      "'slow' runs for 80% of the makespan on the critical path: it is the bottleneck. Make it faster, split it, or cache it (cache: true) if its inputs repeat.",
      "'fetch' was on the critical path in 3 of 3 runs: speeding it up shortens most runs.",
      "'slow' was on the critical path in 3 of 3 runs: speeding it up shortens most runs.",
      "'join' was on the critical path in 3 of 3 runs: speeding it up shortens most runs.",
    ]);
  });

  it('without dependencies (the file changed) it follows timing alone', () => {
    const r = buildReport({ doc: run, deps: null, maxParallel: 2, widestLevel: 3 });
    assert.equal(r.basis, 'timing');
    assert.deepEqual(r.critical_path.map((s) => s.step), ['fetch', 'slow', 'join']);
  });

  it('on a real run with scripted sleeps, the path is the long branch', async function () {
    this.timeout(20_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-report-'));
    try {
      const text = `id: sleeps
steps:
  - id: long
    tool: terminal
    action: execute
    parameters:
      command: "sleep 0.6"
  - id: short
    tool: terminal
    action: execute
    parameters:
      command: "sleep 0.1"
  - id: last
    tool: terminal
    action: execute
    dependencies: [long, short]
    parameters:
      command: "sleep 0.2"
`;
      const a = analyze(text);
      const result = await runPipeline(a, { cwd: dir, checkpoint: false });
      const deps = new Map([['last', ['long', 'short']]]);
      const r = buildReport({ doc: result, deps, maxParallel: 16, widestLevel: 2 });
      assert.deepEqual(r.critical_path.map((s) => s.step), ['long', 'last']);
      const long = r.critical_path[0];
      // at least its sleep, and exactly from the run's start to its end (not to the run's end)
      assert.ok(long.span_ms >= 600, `long's span ${long.span_ms} ms`);
      assert.equal(long.span_ms, Date.parse(result.steps.long.ended_at!) - Date.parse(result.started_at));
      assert.equal(r.steps.find((s) => s.step === 'short')?.on_critical_path, false);
      assert.equal(r.parallelism.peak, 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('orc report prints the report of a finished run, and refuses an unknown or unfinished one', async function () {
    this.timeout(30_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-report-cli-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        `id: rep
steps:
  - id: a
    tool: terminal
    action: execute
    parameters:
      command: "sleep 0.3"
  - id: b
    tool: terminal
    action: execute
    dependencies: [a]
    parameters:
      command: "true"
`,
      );
      const ran = await orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(ran.code, 0, ran.stderr);
      const id = (JSON.parse(ran.stdout) as ResultDocument).execution_id;
      const json = await orc(['report', id, '--json'], { cwd: dir });
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as { critical_path: { step: string }[]; basis: string; steps: { step: string; attempts: number }[] };
      assert.equal(report.basis, 'dependencies');
      assert.deepEqual(report.critical_path.map((s) => s.step), ['a', 'b']);
      const text = await orc(['report', id], { cwd: dir });
      assert.equal(text.code, 0);
      assert.match(text.stdout, new RegExp(`^Run ${id} of rep: completed in \\d+\\.\\d\\d s\\n`));
      assert.match(text.stdout, /\nCritical path \(as it ran\): a → b\n/);
      const unknown = await orc(['report', 'nope'], { cwd: dir });
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^orc report: .*nope/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const HOLD_MS = 1500;

const yaml = `id: paused
steps:
  - id: loop
    for_each: "{{ [1, 2, 3] }}"
    steps:
      - id: body
        tool: data
        action: aggregate
        parameters:
          data: ["{{ item }}"]
          operations: [count]
  - id: after
    depends_on: [loop]
    tool: data
    action: aggregate
    parameters:
      data: [1]
      operations: [count]
`;

describe('hostile input', () => {
  // Hardening, round two (issue 24, item 17): a debugged run's paused time became timing history.
  // After one debug session with a breakpoint in a loop's body, the prediction of a sub-second
  // pipeline took the pause for the loop's duration and the report called the loop the bottleneck.
  // Now a hold is recorded apart (`paused_ms` on the loop and on the run) and left out of both.
  describe('hardening 2: time a debugger held the run', function () {
    this.timeout(30_000);
    let dir: string;
    beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-pause-')))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a breakpoint held 1.5 s in a loop body is paused_ms, not history: the next prediction and the report leave it out', async () => {
      const a = analyze(yaml);
      // the debug adapter's way: hold the body's first iteration, as a breakpoint does
      const debugged = await runPipeline(a, {
        cwd: dir,
        predict: true,
        executionId: '20261123-000001-aaaaaa',
        debugger: { beforeStep: (p) => (p.key === 'loop[0]/body' ? new Promise<void>((r) => setTimeout(r, HOLD_MS)) : undefined) },
      });
      assert.equal(debugged.status, 'completed');
      const loop = debugged.steps.loop;
      assert.ok(loop.paused_ms! >= HOLD_MS - 20 && loop.paused_ms! <= loop.duration_ms!, `loop paused ${loop.paused_ms} of ${loop.duration_ms} ms`);
      assert.ok(debugged.paused_ms! >= loop.paused_ms! && debugged.paused_ms! <= debugged.duration_ms, `run paused ${debugged.paused_ms} of ${debugged.duration_ms} ms`);
      assert.equal(debugged.steps.after.paused_ms, undefined);
      // the times as it ran, less the hold they record (measured against the records, not the clock)
      const loopRan = loop.duration_ms! - loop.paused_ms!;
      const runRan = debugged.duration_ms - loop.paused_ms!;
      assert.ok(debugged.prediction!.makespan_ms.actual <= runRan, `actual makespan ${debugged.prediction!.makespan_ms.actual} ms of ${debugged.duration_ms} leaves the hold out`);
      assert.equal(debugged.prediction!.steps.loop.actual_ms, loopRan, "the loop's actual leaves the hold out");

      const { deps, widest } = planShape(a.plan!);
      const report = buildReport({ doc: debugged, deps, maxParallel: 4, widestLevel: widest });
      assert.ok(report.makespan_ms <= runRan, `report makespan ${report.makespan_ms} of ${debugged.duration_ms} ms`);
      assert.ok(report.steps.find((s) => s.step === 'loop')!.running_ms <= loopRan, 'the loop ran for its time less the hold');
      assert.deepEqual(report.suggestions.filter((s) => s.includes('bottleneck')), []);

      // the next run predicts from the debugged one: the loop as it ran, not as it was held
      const next = await runPipeline(a, { cwd: dir, predict: true, executionId: '20261123-000002-bbbbbb' });
      const predicted = next.prediction!.steps.loop;
      assert.equal(predicted.source, 'history');
      assert.equal(predicted.predicted_ms, loopRan, 'predicted for the loop');
      assert.ok(next.prediction!.makespan_ms.predicted.high <= runRan, `predicted makespan ${JSON.stringify(next.prediction!.makespan_ms.predicted)} ms`);
      assert.equal(next.paused_ms, undefined);
    });

    it('a hold counts for every loop around the held step', () => {
      assert.deepEqual(enclosingLoopKeys(''), []);
      assert.deepEqual(enclosingLoopKeys('outer[2]/'), ['outer']);
      assert.deepEqual(enclosingLoopKeys('outer[2]/inner[10]/'), ['outer', 'outer[2]/inner']);
    });
  });
});
