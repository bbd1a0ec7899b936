// The engine's debugger hooks, observed through the files steps write and the run's record: a held
// step has not run, changed inputs are what it runs with, a changed result is what later steps see,
// every change is in the record, and cancelling a held run leaves a resumable checkpoint.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { loadCheckpoint } from '../../../engine/run/checkpointStore';
import type { PausePoint, RunDebugger } from '../../../engine/run/debugHooks';
import type { ResultDocument } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { CHAIN, FAILING } from '../../helpers/debugPipelines';


describe('engine: debugger hooks', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-debug-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (dbg: RunDebugger, extra: { signal?: AbortSignal; checkpoint?: boolean; text?: string } = {}): Promise<ResultDocument> =>
    runPipeline(analyze(extra.text ?? CHAIN), { cwd: dir, checkpoint: extra.checkpoint ?? false, debugger: dbg, signal: extra.signal });

  it('asks before every step, with its rendered inputs, and a held step has not run', async () => {
    const seen: { key: string; inputs: unknown; greetWritten: boolean }[] = [];
    const doc = await run({
      beforeStep: (p) => {
        seen.push({ key: p.key, inputs: p.inputs, greetWritten: fs.existsSync(path.join(dir, 'greet.txt')) });
      },
    });
    assert.equal(doc.status, 'completed');
    assert.deepEqual(seen, [
      { key: 'greet', inputs: { path: 'greet.txt', content: 'hello world' }, greetWritten: false },
      { key: 'read', inputs: { path: 'greet.txt' }, greetWritten: true },
      { key: 'copy', inputs: { path: 'copy.txt', content: 'hello world' }, greetWritten: true },
    ]);
  });

  it('changed inputs are what the step runs with, and its record notes the change', async () => {
    const doc = await run({
      beforeStep: (p) => (p.key === 'greet' ? { inputs: { ...p.inputs, content: 'hello debugger' }, edits: [{ target: 'inputs', path: 'content', value: 'hello debugger', time: '2026-11-22T00:00:00.000Z' }] } : undefined),
    });
    assert.equal(fs.readFileSync(path.join(dir, 'greet.txt'), 'utf8'), 'hello debugger');
    assert.equal(fs.readFileSync(path.join(dir, 'copy.txt'), 'utf8'), 'hello debugger');
    assert.deepEqual(doc.steps.greet.edits, [{ target: 'inputs', path: 'content', value: 'hello debugger', time: '2026-11-22T00:00:00.000Z' }]);
    assert.equal(doc.steps.read.edits, undefined);
  });

  it("a finished step's changed result is what later steps see, in the record and the checkpoint", async () => {
    const doc = await run(
      {
        beforeStep: (p, control) => {
          if (p.key !== 'copy') return;
          const read = p.scope.stepsView.read;
          assert.equal(control.keyOf(read), 'read');
          control.editResult('read', ['result', 'content'], 'edited in flight');
        },
      },
      { checkpoint: true },
    );
    // the held step renders again when it goes on: it sees the changed result
    assert.equal(fs.readFileSync(path.join(dir, 'copy.txt'), 'utf8'), 'edited in flight');
    assert.equal(doc.steps.read.edits?.length, 1);
    assert.equal(doc.steps.read.edits![0].path, 'result.content');
    assert.equal(doc.steps.read.edits![0].value, 'edited in flight');
    assert.equal((doc.steps.read.result as { content: string }).content, 'edited in flight');
    const cp = loadCheckpoint(dir, doc.execution_id);
    assert.equal((cp.steps.read.result as { content: string }).content, 'edited in flight');
    assert.equal(cp.steps.read.edits?.[0].path, 'result.content');
  });

  it('a step that has not finished has no result to change', async () => {
    let refused = '';
    await run({
      beforeStep: (p, control) => {
        if (p.key === 'greet') refused = (() => { try { control.editResult('read', ['result'], 'x'); return 'accepted'; } catch (e) { return (e as Error).message; } })();
      },
    });
    assert.equal(refused, "'read' has not finished in this run, so it has no result to change");
  });

  it('only result and vars can be changed, and unknown paths are refused', async () => {
    await run({
      beforeStep: (p, control) => {
        if (p.key !== 'copy') return;
        assert.throws(() => control.editResult('read', ['status'], 'failed'), /only a step's 'result' and 'vars'/);
        assert.throws(() => control.editResult('read', ['result', 'missing', 'deeper'], 1), /there is no 'missing'/);
        assert.throws(() => control.editResult('read', ['result', '__proto__'], {}), /cannot be set/);
      },
    });
  });

  it('holds the run after a failure until the debugger lets it go on', async () => {
    const failures: { key: string; error: string | null; status: string }[] = [];
    const before: string[] = [];
    const doc = await run(
      {
        beforeStep: (p: PausePoint) => void before.push(p.key),
        afterFailure: (p, r) => void failures.push({ key: p.key, error: r.error, status: r.status }),
      },
      { text: FAILING },
    );
    assert.equal(doc.status, 'failed');
    assert.equal(failures.length, 1);
    assert.equal(failures[0].key, 'bad');
    assert.match(failures[0].error ?? '', /missing\.txt/);
    assert.deepEqual(before, ['bad']);
    assert.equal(doc.steps.after.status, 'skipped');
  });

  it('cancelling while a step is held ends the run cancelled, the step not run, the checkpoint resumable', async () => {
    const ctl = new AbortController();
    let held: ((v: void) => void) | undefined;
    const doc = await run(
      {
        beforeStep: (p) => {
          if (p.key !== 'read') return;
          setTimeout(() => ctl.abort(new Error('stop')), 20);
          return new Promise<void>((resolve) => (held = resolve));
        },
      },
      { signal: ctl.signal, checkpoint: true },
    );
    assert.ok(held, 'the hook held read');
    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.steps.greet.status, 'completed');
    assert.equal(doc.steps.read.status, 'cancelled');
    assert.equal(fs.existsSync(path.join(dir, 'copy.txt')), false);
    const cp = loadCheckpoint(dir, doc.execution_id);
    assert.equal(cp.status, 'cancelled');
    assert.equal(cp.steps.greet.status, 'completed');
  });

  it('a loop body step is asked with its iteration and loop variables', async () => {
    const text = `id: loop
steps:
  - id: each
    for_each: [a, b]
    max_parallel: 1
    steps:
      - id: write
        tool: filesystem
        action: write
        parameters:
          path: "{{ item }}.txt"
          content: "{{ index }}"
`;
    const seen: { key: string; scope: unknown; item: unknown }[] = [];
    await run({ beforeStep: (p) => void seen.push({ key: p.key, scope: p.scopePath, item: p.scope.loopVars.item }) }, { text });
    assert.deepEqual(seen, [
      { key: 'each', scope: [], item: undefined },
      { key: 'each[0]/write', scope: [{ loop: 'each', index: 0 }], item: 'a' },
      { key: 'each[1]/write', scope: [{ loop: 'each', index: 1 }], item: 'b' },
    ]);
  });
});
