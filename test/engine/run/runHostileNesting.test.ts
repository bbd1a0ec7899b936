// Hardening, round two (issue 24, item 9): a pipeline that runs itself four times a level. Depth
// stopped at 8 but width did not, so 4^8 runs grew the process past 2.6 GB; and a nested run with
// nothing to wait for never gave the event loop a turn, so SIGTERM was not handled at all. Now the
// nested runs of one top-level run are capped (ORC_MAX_NESTED_RUNS, default 1,000) with a clear
// error, and a signal reaches every level: `orc run` exits 130 within seconds, the run cancelled.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { loadCheckpoint } from '../../../engine/run/checkpointStore';
import type { ResultDocument } from '../../../engine/run/events';
import { DEFAULT_MAX_NESTED_RUNS, runPipeline, type RunOptions } from '../../../engine/run/runPipeline';
import { CLI } from '../../helpers/cli';

const selfFour = `id: p
steps:
${['a', 'b', 'c', 'd'].map((id) => `  - id: ${id}\n    tool: pipeline\n    action: run\n    parameters: {pipeline: p.pipeline.yaml}\n`).join('')}`;

describe('hardening 2: a pipeline that runs itself four times a level', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-nest-')));
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), selfFour);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM a second into the nested runs: orc run exits 130 within seconds, every step cancelled, the checkpoint says cancelled', async () => {
    // no cap to reach first: on a quiet machine 1,000 nested runs start within the second before the signal
    const child = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml', '--json'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ORC_MAX_NESTED_RUNS: '1000000000' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
    // the run is under way (its handlers installed) and deep in its nested runs
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!stderr.includes('▶ d')) return;
        clearInterval(poll);
        setTimeout(resolve, 1000);
      }, 20);
    });
    const sent = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const afterSignal = Date.now() - sent;
    clearTimeout(guard);
    assert.equal(code, 130, stderr);
    assert.ok(afterSignal < 10_000, `exited ${afterSignal} ms after the signal`);
    assert.match(stderr, /Received SIGTERM: cancelling the running steps/);
    const doc = JSON.parse(stdout) as ResultDocument;
    assert.equal(doc.status, 'cancelled');
    assert.deepEqual(Object.fromEntries(Object.entries(doc.steps).map(([id, r]) => [id, [r.status, r.error]])), {
      a: ['cancelled', 'The run was cancelled'],
      b: ['cancelled', 'The run was cancelled'],
      c: ['cancelled', 'The run was cancelled'],
      d: ['cancelled', 'The run was cancelled'],
    });
    assert.equal(loadCheckpoint(dir, doc.execution_id).status, 'cancelled');
  });

  it('ORC_MAX_NESTED_RUNS=20: each step fails with the error naming the cap and how to raise it (exit 1)', async () => {
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml', '--json'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ORC_MAX_NESTED_RUNS: '20' }, stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    assert.equal(doc.status, 'failed');
    for (const id of ['a', 'b', 'c', 'd']) {
      assert.equal(doc.steps[id].success, false);
      assert.match(doc.steps[id].error!, /^(step 'a' of p\.pipeline\.yaml: )+This run has started 20 nested pipeline runs, the most one run may \(set ORC_MAX_NESTED_RUNS to allow more\)$/);
    }
  });

  it(`the default cap is ${DEFAULT_MAX_NESTED_RUNS.toLocaleString('en-US')} runs in all; maxNestedRuns sets another for a run (nested runs count against their top-level run)`, async () => {
    assert.equal(DEFAULT_MAX_NESTED_RUNS, 1000);
    let started = 0;
    const counting = (): Pick<RunOptions, 'listeners' | 'nestedListeners'> => ({ listeners: [(e) => void (e.type === 'run-started' && started++)], nestedListeners: counting });
    const doc = await runPipeline(analyze(selfFour), {
      cwd: dir,
      pipelineFile: path.join(dir, 'p.pipeline.yaml'),
      checkpoint: false,
      maxNestedRuns: 7,
      nestedListeners: counting,
    });
    assert.equal(doc.status, 'failed');
    // seven runs start (one chain of 'a' eight levels deep would need eight); the eighth is refused
    assert.equal(started, 7);
    assert.match(doc.steps.a.error!, /This run has started 7 nested pipeline runs, the most one run may/);
  });
});
