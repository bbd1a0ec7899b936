// A case's run record is the same file byte for byte whether the eval's writer thread wrote it
// (RunRecordWriter, which gets compact JSON and makes the files off the event loop) or the case
// wrote it itself (writeRunRecord): `orc runs`, `orc report` and the Runs view read either.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunRecordWriter, writeRunRecord } from '../../../engine/eval/runRecord';
import type { ResultDocument } from '../../../engine/run/events';

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

  it('is the same, byte for byte, from the writer thread as from the case itself, for every case of a batch', async () => {
    const facts = { inputs: { topic: 'tópico 1' }, pipelineFile: 'bench.pipeline.yaml', source: 'id: bench\n', maxParallel: 4 };
    const [threaded, direct] = [root(), root()];
    const writer = new RunRecordWriter(threaded);
    const ids = Array.from({ length: 70 }, (_, i) => `20261124-100000-${String(i).padStart(4, '0')}`);
    // more than one batch (64 records) at once, each awaited by its own promise
    await Promise.all(ids.map((id) => writer.write(doc(id), facts)));
    await writer.close();
    for (const id of ids) await writeRunRecord(direct, doc(id), facts);
    const files = (r: string) => fs.readdirSync(path.join(r, '.orchestrator', 'runs')).sort();
    assert.deepEqual(files(threaded), [...ids].sort());
    for (const id of ids) {
      for (const f of ['checkpoint.json', 'result.json']) {
        const a = fs.readFileSync(path.join(threaded, '.orchestrator', 'runs', id, f), 'utf8');
        assert.equal(a, fs.readFileSync(path.join(direct, '.orchestrator', 'runs', id, f), 'utf8'), `${id}/${f}`);
      }
    }
    const checkpoint = JSON.parse(fs.readFileSync(path.join(threaded, '.orchestrator', 'runs', ids[0], 'checkpoint.json'), 'utf8'));
    assert.deepEqual(Object.keys(checkpoint), ['format', 'execution_id', 'pipeline_id', 'pipeline_file', 'pipeline_sha256', 'inputs', 'max_parallel', 'status', 'started_at', 'updated_at', 'pid', 'steps']);
    assert.deepEqual(checkpoint.steps, doc(ids[0]).steps);
    assert.equal(fs.readFileSync(path.join(threaded, '.orchestrator', 'runs', ids[0], 'result.json'), 'utf8'), JSON.stringify(doc(ids[0]), null, 2));
  });

  it('a write the thread cannot make (a file where the run folder goes) fails that case only, with the reason', async () => {
    const r = root();
    fs.mkdirSync(path.join(r, '.orchestrator', 'runs'), { recursive: true });
    fs.writeFileSync(path.join(r, '.orchestrator', 'runs', 'blocked'), 'not a folder');
    const writer = new RunRecordWriter(r);
    const facts = { inputs: {}, pipelineFile: 'p.pipeline.yaml', source: 'id: p\n', maxParallel: 1 };
    const [ok, blocked] = await Promise.allSettled([writer.write(doc('fine'), facts), writer.write(doc('blocked'), facts)]);
    await writer.close();
    assert.equal(ok.status, 'fulfilled');
    assert.equal(blocked.status, 'rejected');
    assert.match(String((blocked as PromiseRejectedResult).reason.message), /ENOTDIR|EEXIST|not a directory/);
    assert.ok(fs.existsSync(path.join(r, '.orchestrator', 'runs', 'fine', 'result.json')));
  });
});
