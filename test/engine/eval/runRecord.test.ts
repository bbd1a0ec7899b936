// An eval's cases' run records: a line each in the eval's pack (RunRecordWriter), read back as the
// same run as the folder a case writes without the eval's writer (writeRunRecord, as an
// optimization's cases do): `orc runs`, `orc report` and the Runs view read either.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunRecordWriter, writeRunRecord } from '../../../engine/eval/runRecord';
import type { ResultDocument } from '../../../engine/run/events';
import { listRuns, loadCheckpoint } from '../../../engine/run/checkpointStore';
import { readRunResult, runIds } from '../../../engine/run/runPacks';

function doc(id: string): ResultDocument {
  return {
    execution_id: id,
    pipeline_id: 'bench',
    status: 'completed',
    started_at: '2026-11-24T10:00:00.000Z',
    ended_at: '2026-11-24T10:00:00.021Z',
    duration_ms: 21,
    // what JSON drops (undefined) and what it escapes (a lone surrogate, a control character) come out the same
    outputs: { answer: '{"topic":"tópico 1 — ✓","n":1e21}', nothing: undefined, odd: 'a\ud800b\u0001' },
    steps: { answer: { status: 'completed', result: { text: 'ok', nested: [1, { deep: null }] }, tokens_in: 12, tokens_out: 3 } },
    execution_levels: [['answer']],
    tokens_in: 12,
    tokens_out: 3,
    cost_usd: 0.000012,
  } as unknown as ResultDocument;
}

describe('an eval case\'s run record', () => {
  let roots: string[] = [];
  const root = () => {
    const r = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-runrecord-')));
    roots.push(r);
    return r;
  };
  afterEach(() => {
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
    roots = [];
  });

  it('a case in the eval\'s pack reads back as the same run as a folder of its own: checkpoint, result, summary', async () => {
    const facts = { inputs: { topic: 'tópico 1' }, pipelineFile: 'bench.pipeline.yaml', source: 'id: bench\n', maxParallel: 4 };
    const [packed, direct] = [root(), root()];
    const pack = path.join(packed, '.orchestrator', 'evals', 'e1', 'runs.jsonl');
    const writer = new RunRecordWriter(pack);
    const ids = Array.from({ length: 70 }, (_, i) => `20261124-100000-${String(i).padStart(4, '0')}`);
    // more than one batch (64 records) at once, each awaited by its own promise
    await Promise.all(ids.map((id) => writer.write(doc(id), facts)));
    await writer.close();
    for (const id of ids) await writeRunRecord(direct, doc(id), facts);
    // no folder per case: one line each, in one file
    assert.equal(fs.existsSync(path.join(packed, '.orchestrator', 'runs')), false);
    const lines = fs.readFileSync(pack, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((l) => JSON.parse(l).run_id).sort(), ids);
    assert.deepEqual(runIds(packed), ids);
    for (const id of ids) {
      const fromFolder = JSON.parse(fs.readFileSync(path.join(direct, '.orchestrator', 'runs', id, 'result.json'), 'utf8'));
      assert.deepEqual(readRunResult(packed, id), fromFolder, id);
      assert.deepEqual(loadCheckpoint(packed, id), loadCheckpoint(direct, id), id);
    }
    assert.deepEqual(Object.keys(loadCheckpoint(packed, ids[0])), ['format', 'execution_id', 'pipeline_id', 'pipeline_file', 'pipeline_sha256', 'inputs', 'max_parallel', 'status', 'started_at', 'updated_at', 'pid', 'steps']);
    // `orc runs` lists them as it lists the folders
    assert.deepEqual(listRuns(packed), listRuns(direct));
    assert.equal(listRuns(packed).length, 70);
  });

  it('a pack that cannot be written (a folder in its place) fails the cases of that batch with the reason; a later writer appends after them', async () => {
    const r = root();
    const pack = path.join(r, '.orchestrator', 'evals', 'e1', 'runs.jsonl');
    fs.mkdirSync(pack, { recursive: true });
    const facts = { inputs: {}, pipelineFile: 'p.pipeline.yaml', source: 'id: p\n', maxParallel: 1 };
    const blocked = new RunRecordWriter(pack);
    const [a, b] = await Promise.allSettled([blocked.write(doc('a'), facts), blocked.write(doc('b'), facts)]);
    await blocked.close();
    assert.deepEqual([a.status, b.status], ['rejected', 'rejected']);
    assert.match(String((a as PromiseRejectedResult).reason.message), /EISDIR|illegal operation on a directory/);
    fs.rmSync(pack, { recursive: true });
    const writer = new RunRecordWriter(pack);
    await writer.write(doc('c'), facts);
    await writer.close();
    assert.deepEqual(runIds(r), ['c']);
  });

  it('a line a killed eval cut short is skipped, and the next eval\'s lines start on their own', async () => {
    const r = root();
    const pack = path.join(r, '.orchestrator', 'evals', 'e1', 'runs.jsonl');
    const facts = { inputs: {}, pipelineFile: 'p.pipeline.yaml', source: 'id: p\n', maxParallel: 1 };
    const first = new RunRecordWriter(pack);
    await first.write(doc('20261124-100000-0001'), facts);
    await first.close();
    // killed in the middle of the second line
    fs.appendFileSync(pack, '{"run_id":"20261124-100000-0002","checkpoint":{"format":1,"exec');
    assert.deepEqual(runIds(r), ['20261124-100000-0001']);
    const resumed = new RunRecordWriter(pack);
    await resumed.write(doc('20261124-100000-0003'), facts);
    await resumed.close();
    // the index of this process grew with the pack: the new line is found, the cut one is not
    assert.deepEqual(runIds(r), ['20261124-100000-0001', '20261124-100000-0003']);
    assert.equal(readRunResult(r, '20261124-100000-0002'), 'missing');
    assert.equal((readRunResult(r, '20261124-100000-0003') as ResultDocument).execution_id, '20261124-100000-0003');
  });
});
