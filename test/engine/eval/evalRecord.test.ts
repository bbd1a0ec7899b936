// An eval's results file (EvalRecord): results appended as the cases finish are written in the
// background, a batch at a time, to a file held open while they come; `flush` puts every one on
// disk and closes the file, so an ended eval holds no descriptor of it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EvalRecord, type CaseResult, type EvalMeta } from '../../../engine/eval/evalRecord';

function meta(): EvalMeta {
  return {
    format: 1,
    eval_id: 'ev_test',
    eval_file: 'bench.eval.yaml',
    eval_sha256: '0'.repeat(64),
    pipeline_file: 'bench.pipeline.yaml',
    pipeline_id: 'bench',
    status: 'running',
    started_at: '2026-11-25T10:00:00.000Z',
    updated_at: '2026-11-25T10:00:00.000Z',
    ended_at: null,
    only_variants: [],
    only_cases: [],
    variants: ['mini'],
    repeat: 1,
    threshold: 1,
    planned: 3,
    summary: null,
  } as EvalMeta;
}

function result(i: number): CaseResult {
  return { case: `c${i}`, variant: 'mini', repeat: 1, cost_usd: 0, judge_cost_usd: 0, tokens_in: 1, tokens_out: 1, latency_ms: 20, status: 'pass', pass: true, score: 1, run_id: `r${i}`, run_status: 'completed', assertions: [] };
}

/** The descriptors of this process open on `file` (Linux's /proc; null where there is none). */
function openOn(file: string): number | null {
  if (!fs.existsSync('/proc/self/fd')) return null;
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed while listed
    }
  }
  return n;
}

describe("an eval's results file", () => {
  let root = '';
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-evalrecord-')));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('holds every appended result in order after flush, and flush leaves no descriptor open on it', async () => {
    const record = EvalRecord.create(root, meta());
    for (let i = 0; i < 300; i++) record.append(result(i));
    await record.flush();
    const lines = fs.readFileSync(record.resultsFile, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as CaseResult).case), Array.from({ length: 300 }, (_, i) => `c${i}`));
    const read: string[] = [];
    for await (const r of record.results()) read.push(r.case);
    assert.equal(read.length, 300);
    const open = openOn(record.resultsFile);
    if (open !== null) assert.equal(open, 0, 'the results file is still open after flush');
  });

  it('results appended after a flush go after the earlier ones (the file is opened again)', async () => {
    const record = EvalRecord.create(root, meta());
    record.append(result(0));
    await record.flush();
    record.append(result(1));
    record.append(result(2));
    await record.flush();
    assert.deepEqual(fs.readFileSync(record.resultsFile, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as CaseResult).case), ['c0', 'c1', 'c2']);
    const open = openOn(record.resultsFile);
    if (open !== null) assert.equal(open, 0);
  });

  it('a results file that cannot be written fails flush with the reason, and names the file', async () => {
    const record = EvalRecord.create(root, meta());
    fs.mkdirSync(record.resultsFile);
    record.append(result(0));
    await assert.rejects(record.flush(), (e: Error) => e.message.startsWith("The eval's results could not be written to .orchestrator/evals/") && e.message.includes('results.jsonl'));
  });
});
