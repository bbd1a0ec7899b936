// The checkpoint store: what is on disk after a flush is exactly the state recorded, whole.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointStore, loadCheckpoint, type Checkpoint } from '../../engine/run/checkpointStore';
import { emptyStepResult } from '../../engine/run/events';

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

  it('a resumed store keeps the restored steps and removes temp files a killed writer left', async () => {
    const s = state();
    s.steps = { a: { ...emptyStepResult('completed'), success: true } };
    const runDir = path.join(dir, '.orchestrator', 'runs', 'run-1');
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, 'checkpoint.json.999.tmp'), '{"half');
    const store = new CheckpointStore(dir, s);
    store.record('b', { ...emptyStepResult('completed'), success: true });
    await store.flush();
    assert.deepEqual(Object.keys(loadCheckpoint(dir, 'run-1').steps), ['a', 'b']);
    assert.deepEqual(fs.readdirSync(runDir), ['checkpoint.json']);
  });
});
