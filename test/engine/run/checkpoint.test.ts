// The checkpoint store: what is on disk after a flush is exactly the state recorded, whole.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointStore, loadCheckpoint, RECENT_MIN_BYTES, recentFile, type Checkpoint } from '../../../engine/run/checkpointStore';
import { emptyStepResult } from '../../../engine/run/events';

describe('checkpoint store', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-cp-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const state = (): Checkpoint => ({
    format: 1, execution_id: 'run-1', pipeline_id: 'p', pipeline_file: '/x/p.yaml', pipeline_sha256: 'abc', inputs: { a: 'é"\n' },
    max_parallel: 4, status: 'running', started_at: '2026-11-21T00:00:00.000Z', updated_at: '2026-11-21T00:00:00.000Z', steps: {},
  });

  it('writes every recorded step and the newest status; a reload gives back the same state', async () => {
    const written: number[] = [];
    const store = new CheckpointStore(dir, state(), (_p, completed) => written.push(completed));
    const a = { ...emptyStepResult('completed'), success: true, result: { text: 'quote " and \\ and \u2028' } };
    const b = { ...emptyStepResult('skipped'), skip_reason: 'the condition is false', skip_kind: 'condition' as const };
    store.record('a', a);
    store.record('loop[0]/x', b);
    store.record('a', { ...a, result: 'second' });
    store.setStatus('failed');
    await store.flush();
    const back = loadCheckpoint(dir, 'run-1');
    assert.deepEqual(back.steps, { a: { ...a, result: 'second' }, 'loop[0]/x': b });
    assert.equal(back.status, 'failed');
    assert.deepEqual(back.inputs, { a: 'é"\n' });
    assert.equal(written[written.length - 1], 1, 'one step completed, counted once');
    assert.deepEqual(fs.readdirSync(path.join(dir, '.orchestrator', 'runs', 'run-1')), ['checkpoint.json']);
  });

  it("flushStart: the first checkpoint is in the file at once, and on the disk (the file, then its folder) before any write after it", async () => {
    const runDir = path.join(dir, '.orchestrator', 'runs', 'run-1');
    // every write and sync through a file handle, in order, by the file's name in the run's folder
    const done: string[] = [];
    const open = fs.promises.open;
    fs.promises.open = async (...args: Parameters<typeof open>) => {
      const fh = await open(...args);
      const name = path.relative(runDir, String(args[0])) || '(the folder)';
      for (const op of ['write', 'writeFile', 'sync', 'datasync'] as const) {
        const real = fh[op].bind(fh) as (...a: unknown[]) => Promise<unknown>;
        (fh as unknown as Record<string, unknown>)[op] = (...a: unknown[]) => (done.push(`${op} ${name}`), real(...a));
      }
      return fh;
    };
    try {
      const store = new CheckpointStore(dir, state());
      store.flushStart();
      // in the file before anything is awaited: a process killed now leaves a run to resume
      assert.equal((JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')) as Checkpoint).status, 'running');
      // a step that ends at once: its line goes out after the first checkpoint is on the disk
      store.record('s0', { ...emptyStepResult('completed'), success: true, result: 'x' });
      await store.flush();
      assert.deepEqual(done, ['sync checkpoint.json', 'sync (the folder)', `write ${path.basename(recentFile(runDir, 1))}`, `datasync ${path.basename(recentFile(runDir, 1))}`]);
      assert.deepEqual(loadCheckpoint(dir, 'run-1').steps, { s0: { ...emptyStepResult('completed'), success: true, result: 'x' } });
      store.close();
    } finally {
      fs.promises.open = open;
    }
  });

  it('a resumed store keeps the restored steps and removes temp files a killed writer left', async () => {
    const s = state();
    s.steps = { a: { ...emptyStepResult('completed'), success: true } };
    const runDir = path.join(dir, '.orchestrator', 'runs', 'run-1');
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, 'checkpoint.json.999.tmp'), '{"half');
    const store = new CheckpointStore(dir, s);
    store.record('b', { ...emptyStepResult('completed'), success: true });
    await store.flush();
    store.close();
    assert.deepEqual(Object.keys(loadCheckpoint(dir, 'run-1').steps), ['a', 'b']);
    assert.deepEqual(fs.readdirSync(runDir), ['checkpoint.json']);
  });

  it('between whole writes each step end is one line appended to recent-<generation>.jsonl; checkpoint.json is rewritten only when those outgrow it', async () => {
    const runDir = path.join(dir, '.orchestrator', 'runs', 'run-1');
    const store = new CheckpointStore(dir, state());
    store.flushSync(); // the first checkpoint, as a run writes it before its first step
    const first = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')) as Checkpoint;
    assert.equal(first.generation, 1);
    const result = (i: number) => ({ ...emptyStepResult('completed'), success: true, result: { i, text: 'x'.repeat(200) } });
    store.record('s0', result(0));
    await store.flush();
    // the step end is on disk: one line in the recent file the checkpoint names (after its header naming the run), checkpoint.json unchanged
    assert.equal(fs.readFileSync(recentFile(runDir, 1), 'utf8'), `{"run":"run-1","format":1}\n["s0",${JSON.stringify(result(0))}]\n`);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')).steps, {});
    assert.deepEqual(loadCheckpoint(dir, 'run-1', { journal: false }).steps, { s0: result(0) });

    // 5,000 step ends of ~400 bytes (2 MB): whole writes only as the recent lines outgrow the checkpoint.
    // Flushed every 250 (100 KB), as a busy run's step ends gather between writes: each flush is an
    // fsync, and at every 50 the test's 100 fsyncs took 10 s on a CI machine whose disk was busy
    const generations = new Set<number>();
    for (let i = 1; i < 5000; i++) {
      store.record(`s${i}`, result(i));
      if (i % 250 === 0) {
        await store.flush();
        generations.add(JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')).generation);
      }
    }
    await store.flush();
    assert.ok(RECENT_MIN_BYTES < 400 * 5000);
    assert.ok(generations.size >= 2 && generations.size <= 6, `whole writes: ${[...generations].join(', ')}`);
    const back = loadCheckpoint(dir, 'run-1');
    assert.equal(Object.keys(back.steps).length, 5000);
    assert.deepEqual(back.steps.s4999, result(4999));
    // only the current generation's recent file is left
    const g = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')).generation as number;
    assert.deepEqual(fs.readdirSync(runDir).sort(), ['checkpoint.json', `recent-${g}.jsonl`]);

    // a line torn by a crash mid-append never counted; the status change writes everything whole
    fs.appendFileSync(recentFile(runDir, g), '["s5000",{"status":"comp');
    assert.equal(loadCheckpoint(dir, 'run-1').steps.s5000, undefined);
    store.setStatus('completed');
    await store.flush();
    assert.deepEqual(fs.readdirSync(runDir), ['checkpoint.json']);
    const whole = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')) as Checkpoint;
    assert.equal(Object.keys(whole.steps).length, 5000);
    assert.equal(whole.status, 'completed');
  });

  it('a recent file of an older generation does not count (a crash between the whole write and its removal)', async () => {
    const runDir = path.join(dir, '.orchestrator', 'runs', 'run-1');
    const store = new CheckpointStore(dir, state());
    store.flushSync();
    store.record('a', { ...emptyStepResult('completed'), success: true });
    await store.flush();
    store.close();
    fs.writeFileSync(recentFile(runDir, 0), `["stale",${JSON.stringify(emptyStepResult('failed'))}]\n`);
    assert.deepEqual(Object.keys(loadCheckpoint(dir, 'run-1').steps), ['a']);
  });

  it('a recent file removed under the run (a step deleted .orchestrator) is noticed: the next write is whole and has every step', async () => {
    const runDir = path.join(dir, '.orchestrator', 'runs', 'run-1');
    const store = new CheckpointStore(dir, state());
    store.flushSync();
    const ok = { ...emptyStepResult('completed'), success: true };
    store.record('a', ok);
    await store.flush();
    assert.ok(fs.existsSync(recentFile(runDir, 1)), 'a was appended to the recent file');
    fs.rmSync(path.join(dir, '.orchestrator'), { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 150));
    store.record('b', ok);
    await store.flush();
    assert.deepEqual(Object.keys(loadCheckpoint(dir, 'run-1').steps), ['a', 'b']);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')).steps), ['a', 'b'], 'written whole');
  });
});
