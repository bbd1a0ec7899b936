// The readers of run records see an eval's packed runs beside the run folders: the ids, the result,
// the checkpoint, the summaries `orc runs` lists, the stats, MCP's run resources; a packed run is
// deleted by its line alone; what is not a whole line of a pack is never read as a run.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listRuns, loadCheckpoint } from '../../../engine/run/checkpointStore';
import { readRunRecords } from '../../../engine/run/modelStats';
import { loadHistory } from '../../../engine/run/history';
import { deleteRunRecord, packLine, readRunResult, runIds } from '../../../engine/run/runPacks';
import type { ResultDocument } from '../../../engine/run/events';

const doc = (id: string, started: string, pipeline = 'p'): ResultDocument =>
  ({
    execution_id: id,
    pipeline_id: pipeline,
    status: 'completed',
    started_at: started,
    ended_at: started,
    duration_ms: 5,
    outputs: { out: id },
    steps: { a: { status: 'completed', result: id } },
    execution_levels: [['a']],
    definitions: { a: { action: 'generate' } },
    tokens_in: 1,
    tokens_out: 2,
    cost_usd: 0.5,
  }) as unknown as ResultDocument;

const head = (id: string, started: string) => JSON.stringify({ format: 1, execution_id: id, pipeline_id: 'p', pipeline_file: 'p.pipeline.yaml', pipeline_sha256: 'x', inputs: { n: 1 }, max_parallel: 2, status: 'completed', started_at: started, updated_at: started, pid: 1 });

describe('run packs', () => {
  let root: string;
  let pack: string;
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-runpacks-')));
    pack = path.join(root, '.orchestrator', 'evals', 'e1', 'runs.jsonl');
    fs.mkdirSync(path.dirname(pack), { recursive: true });
    // two packed runs around a run folder (ids sort by when they started)
    const lines = [['20261124-100000-aaaa', '2026-11-24T10:00:00.000Z'], ['20261124-120000-cccc', '2026-11-24T12:00:00.000Z']].map(([id, t]) => packLine(id, head(id, t), JSON.stringify(doc(id, t))));
    fs.writeFileSync(pack, lines.join(''));
    const folder = path.join(root, '.orchestrator', 'runs', '20261124-110000-bbbb');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'checkpoint.json'), JSON.stringify({ ...JSON.parse(head('20261124-110000-bbbb', '2026-11-24T11:00:00.000Z')), steps: doc('x', '').steps }));
    fs.writeFileSync(path.join(folder, 'result.json'), JSON.stringify(doc('20261124-110000-bbbb', '2026-11-24T11:00:00.000Z'), null, 2));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists, reads and summarizes the packed runs with the folders, in the order they started', () => {
    assert.deepEqual(runIds(root), ['20261124-100000-aaaa', '20261124-110000-bbbb', '20261124-120000-cccc']);
    assert.deepEqual(readRunResult(root, '20261124-120000-cccc'), doc('20261124-120000-cccc', '2026-11-24T12:00:00.000Z'));
    const c = loadCheckpoint(root, '20261124-100000-aaaa');
    assert.deepEqual([c.execution_id, c.pipeline_file, c.inputs, c.max_parallel, c.steps], ['20261124-100000-aaaa', 'p.pipeline.yaml', { n: 1 }, 2, { a: { status: 'completed', result: '20261124-100000-aaaa' } }]);
    assert.deepEqual(
      listRuns(root).map((r) => ('error' in r ? r.error : `${r.execution_id} ${r.status} ${r.steps_completed}/${r.steps_total} ${r.tokens} tok $${r.cost_usd}`)),
      ['20261124-120000-cccc completed 1/1 3 tok $0.5', '20261124-110000-bbbb completed 1/1 3 tok $0.5', '20261124-100000-aaaa completed 1/1 3 tok $0.5'],
    );
    // what predictions and the model figures learn from: newest first, packed runs included
    assert.deepEqual(loadHistory(root, 'p').map((d) => d.execution_id), ['20261124-120000-cccc', '20261124-110000-bbbb', '20261124-100000-aaaa']);
    assert.deepEqual(readRunRecords(root, 2).map((d) => d.execution_id), ['20261124-120000-cccc', '20261124-110000-bbbb']);
  });

  it('a run folder that holds only what a step wrote (its products) is read from the pack', () => {
    fs.mkdirSync(path.join(root, '.orchestrator', 'runs', '20261124-100000-aaaa', 'products'), { recursive: true });
    assert.equal((readRunResult(root, '20261124-100000-aaaa') as ResultDocument).execution_id, '20261124-100000-aaaa');
    assert.equal(loadCheckpoint(root, '20261124-100000-aaaa').execution_id, '20261124-100000-aaaa');
    assert.deepEqual(runIds(root), ['20261124-100000-aaaa', '20261124-110000-bbbb', '20261124-120000-cccc']);
  });

  it('deletes a packed run by its line: the others stay readable, in this process and the next', () => {
    assert.equal(deleteRunRecord(root, '20261124-100000-aaaa'), true);
    assert.deepEqual(runIds(root), ['20261124-110000-bbbb', '20261124-120000-cccc']);
    assert.equal(readRunResult(root, '20261124-100000-aaaa'), 'missing');
    assert.equal((readRunResult(root, '20261124-120000-cccc') as ResultDocument).execution_id, '20261124-120000-cccc');
    assert.equal(fs.readFileSync(pack, 'utf8').split('\n').length, 2, 'one line and its newline left');
    assert.deepEqual(fs.readdirSync(path.dirname(pack)), ['runs.jsonl'], 'no temporary file left');
    // a folder run goes as before; an unknown one is reported as not there
    assert.equal(deleteRunRecord(root, '20261124-110000-bbbb'), true);
    assert.equal(deleteRunRecord(root, '20261124-110000-bbbb'), false);
    assert.deepEqual(runIds(root), ['20261124-120000-cccc']);
  });

  it('never reads what is not a whole line of a pack: a broken line is unreadable, a line that names no run is no run, a hostile id is no run', () => {
    fs.appendFileSync(pack, '{"run_id":"20261124-130000-dddd","checkpoint":{},"result":{"status":"completed"}}\n');
    fs.appendFileSync(pack, '{"not_a_run":1}\n{"run_id":"../../etc","checkpoint":{},"result":{}}\n');
    assert.deepEqual(runIds(root), ['20261124-100000-aaaa', '20261124-110000-bbbb', '20261124-120000-cccc', '20261124-130000-dddd']);
    assert.equal(readRunResult(root, '20261124-130000-dddd'), 'unreadable');
    assert.equal(readRunResult(root, '../../etc'), 'missing');
    const listed = listRuns(root).find((r) => r.execution_id === '20261124-130000-dddd');
    assert.ok(listed && 'error' in listed && /cannot be read/.test(listed.error), JSON.stringify(listed));
    // a pack that is a link (to a device, say) is not followed
    fs.rmSync(pack);
    fs.symlinkSync('/dev/zero', pack);
    assert.deepEqual(runIds(root), ['20261124-110000-bbbb']);
  });
});
