// Hardening, round two (issue 24, item 10): a `while` loop kept every iteration's record and value,
// about 1 KB an iteration, so with a high ORC_MAX_ITERATIONS the heap overflowed near a million
// iterations, and the final write on SIGTERM stringified all of it at once. A while loop now keeps
// its first 1,000 iterations and its latest 1,000; those between are counted in
// `iterations_omitted`, and one journal line stands for them (round three, issue 41 item 17).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { loadCheckpoint } from '../../../engine/run/checkpointStore';
import type { ResultDocument } from '../../../engine/run/events';
import { ITERATION_DETAIL_LIMIT, WHILE_TAIL } from '../../../engine/run/loopRunner';
import { runPipeline } from '../../../engine/run/runPipeline';
import { whileYaml } from '../../helpers/longLoops';

describe('hardening 2: a long while loop keeps a bounded record', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-while-')))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('5,000 iterations: the first 1,000 and the latest 1,000 in iterations and result, 3,000 omitted; the journal keeps the latest and counts the dropped', async () => {
    assert.equal(ITERATION_DETAIL_LIMIT, 1000);
    assert.equal(WHILE_TAIL, 1000);
    const doc = await runPipeline(analyze(whileYaml(5000)), { cwd: dir, executionId: 'w1' });
    assert.equal(doc.status, 'completed');
    const loop = doc.steps.loop;
    assert.equal(loop.iterations_omitted, 3000);
    const indexes = loop.iterations!.map((it) => it.index);
    assert.deepEqual(indexes, [...Array.from({ length: 1000 }, (_, i) => i), ...Array.from({ length: 1000 }, (_, i) => 4000 + i)]);
    assert.deepEqual(loop.iterations![999], { index: 999, item: 999, status: 'completed', steps: loop.iterations![999].steps });
    assert.deepEqual(loop.iterations![999].steps.body.result, { result: { count: 1 } });
    assert.deepEqual(loop.iterations![1000], { index: 4000, item: 4000, status: 'completed', steps: {}, summarized: true });
    assert.deepEqual(loop.iterations![1999], { index: 4999, item: 4999, status: 'completed', steps: {}, summarized: true });
    const result = loop.result as unknown[];
    assert.equal(result.length, 2000);
    assert.deepEqual(result[1999], { body: { result: { count: 1 } } });
    // the document on disk is the same bounded one
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', 'w1', 'result.json'), 'utf8')) as ResultDocument;
    assert.equal(onDisk.steps.loop.iterations!.length, 2000);
    assert.equal(onDisk.steps.loop.iterations_omitted, 3000);
    // the checkpoint has every kept iteration's body result, and one line standing for the dropped
    // ones (journalCompaction.test.ts has the details)
    const c = loadCheckpoint(dir, 'w1');
    assert.equal(c.steps['loop[999]/body'].status, 'completed');
    assert.equal(c.steps['loop[4999]/body'].status, 'completed');
    assert.equal(c.compacted?.loop.from, 1000);
    assert.equal(c.steps[`loop[${c.compacted!.loop.to}]/body`], undefined);
    assert.equal(c.steps[`loop[${c.compacted!.loop.to + 1}]/body`].status, 'completed');
  });

  it('1,500 iterations: 500 past the first thousand, none omitted (no iterations_omitted)', async () => {
    const doc = await runPipeline(analyze(whileYaml(1500)), { cwd: dir, checkpoint: false });
    const loop = doc.steps.loop;
    assert.equal(loop.iterations_omitted, undefined);
    assert.equal(loop.iterations!.length, 1500);
    assert.deepEqual(loop.iterations!.map((it) => it.index), Array.from({ length: 1500 }, (_, i) => i));
    assert.equal((loop.result as unknown[]).length, 1500);
  });
});
