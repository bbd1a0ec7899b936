// Hardening, round two (issue 24, item 17): a debugged run's paused time became timing history.
// After one debug session with a breakpoint in a loop's body, the prediction of a sub-second
// pipeline took the pause for the loop's duration and the report called the loop the bottleneck.
// Now a hold is recorded apart (`paused_ms` on the loop and on the run) and left out of both.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { enclosingLoopKeys } from '../../../engine/run/pauseClock';
import { buildReport, planShape } from '../../../engine/run/report';
import { runPipeline } from '../../../engine/run/runPipeline';

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
    assert.ok(debugged.prediction!.makespan_ms.actual < HOLD_MS, `actual makespan ${debugged.prediction!.makespan_ms.actual} ms leaves the hold out`);
    assert.ok(debugged.prediction!.steps.loop.actual_ms! < HOLD_MS, `the loop's actual ${debugged.prediction!.steps.loop.actual_ms} ms leaves the hold out`);

    const { deps, widest } = planShape(a.plan!);
    const report = buildReport({ doc: debugged, deps, maxParallel: 4, widestLevel: widest });
    assert.ok(report.makespan_ms < HOLD_MS, `report makespan ${report.makespan_ms}`);
    assert.ok(report.steps.find((s) => s.step === 'loop')!.running_ms < HOLD_MS, 'the loop ran for less than the hold');
    assert.deepEqual(report.suggestions.filter((s) => s.includes('bottleneck')), []);

    // the next run predicts from the debugged one: the loop as it ran, not as it was held
    const next = await runPipeline(a, { cwd: dir, predict: true, executionId: '20261123-000002-bbbbbb' });
    const predicted = next.prediction!.steps.loop;
    assert.equal(predicted.source, 'history');
    assert.ok(predicted.predicted_ms! < HOLD_MS, `predicted ${predicted.predicted_ms} ms for the loop`);
    assert.ok(next.prediction!.makespan_ms.predicted.high < HOLD_MS, `predicted makespan ${JSON.stringify(next.prediction!.makespan_ms.predicted)} ms`);
    assert.equal(next.paused_ms, undefined);
  });

  it('a hold counts for every loop around the held step', () => {
    assert.deepEqual(enclosingLoopKeys(''), []);
    assert.deepEqual(enclosingLoopKeys('outer[2]/'), ['outer']);
    assert.deepEqual(enclosingLoopKeys('outer[2]/inner[10]/'), ['outer', 'outer[2]/inner']);
  });
});
