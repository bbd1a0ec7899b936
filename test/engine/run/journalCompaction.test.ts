// A long `while` loop's journal stays bounded (issue 41, item 17): the iterations the result
// document drops (past the first ITERATION_DETAIL_LIMIT, before the latest WHILE_TAIL) are taken out
// of the journal and one line stands for them, counted as done. A run stopped part-way resumes
// without running them again, and ends with the same document as a run that was never stopped.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { COMPACT_MIN_LINES, JOURNAL_FILE, loadCheckpoint } from '../../../engine/run/checkpointStore';
import type { ModelRunner } from '../../../engine/models/modelRunner';
import type { RunEvent, ResultDocument } from '../../../engine/run/events';
import { ITERATION_DETAIL_LIMIT, WHILE_TAIL } from '../../../engine/run/loopRunner';
import { rewriteJournal } from '../../../engine/run/journalCompaction';
import { runPipeline } from '../../../engine/run/runPipeline';
import { whileYaml } from '../../helpers/longLoops';

const journalOf = (dir: string, id: string) => fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, JOURNAL_FILE), 'utf8').split('\n').filter(Boolean);
const iterationOf = (line: string) => Number(/^\["loop\[(\d+)\]\/body"/.exec(line)![1]);

describe('a long while loop\'s journal is compacted', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-compact-')))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('20,000 iterations: the journal holds the header, at most the latest iterations plus one rewrite\'s worth, and one range line for the dropped', async () => {
    assert.equal([ITERATION_DETAIL_LIMIT, WHILE_TAIL, COMPACT_MIN_LINES].join(), '1000,1000,1000');
    const doc = await runPipeline(analyze(whileYaml(20_000)), { cwd: dir, executionId: 'c1' });
    assert.equal(doc.status, 'completed');
    assert.equal(doc.steps.loop.iterations_omitted, 18_000);
    const journal = journalOf(dir, 'c1');
    assert.equal(journal[0], '{"run":"c1","format":1}');
    const ranges = journal.filter((l) => l.startsWith('{"compacted"'));
    assert.equal(ranges.length, 1, 'one line for the loop');
    const range = JSON.parse(ranges[0]) as { compacted: string; from: number; to: number; tokens_in: number; tokens_out: number; cost_usd: number };
    assert.equal(range.compacted, 'loop');
    assert.equal(range.from, 1000);
    assert.deepEqual([range.tokens_in, range.tokens_out, range.cost_usd], [0, 0, 0]);
    // the rewrites keep the latest WHILE_TAIL iterations and what came after the last rewrite
    const results = journal.filter((l) => l.startsWith('["'));
    assert.ok(results.length <= WHILE_TAIL + Math.max(COMPACT_MIN_LINES, WHILE_TAIL) + 1, `${results.length} result lines`);
    assert.ok(range.to >= 20_000 - WHILE_TAIL - 2 * COMPACT_MIN_LINES, `the range ends at ${range.to}`);
    const indexes = results.map(iterationOf);
    assert.deepEqual(indexes, Array.from({ length: 20_000 - range.to - 1 }, (_, i) => range.to + 1 + i), 'every iteration after the range, in order, none twice');
    // read back: the range, and the results around it
    const c = loadCheckpoint(dir, 'c1');
    assert.deepEqual(c.compacted, { loop: range });
    assert.equal(c.steps['loop[999]/body'].status, 'completed', 'the first thousand are in checkpoint.json');
    assert.equal(c.steps['loop[1000]/body'], undefined);
    assert.equal(Object.keys(c.steps).filter((k) => k.startsWith('loop[')).length, 1000 + results.length);
  });

  it('a run cancelled at iteration 6,000 resumes from there: the dropped iterations are not run again, and the document is the one an unbroken run writes', async () => {
    const a = analyze(whileYaml(8000));
    const stop = new AbortController();
    const onEvent = (e: RunEvent) => {
      if (e.type === 'step-started' && e.stepId === 'body' && e.scope?.[0]?.index === 6000) stop.abort();
    };
    const first = await runPipeline(a, { cwd: dir, executionId: 'c2', signal: stop.signal, listeners: [onEvent] });
    assert.equal(first.status, 'cancelled');
    const checkpoint = loadCheckpoint(dir, 'c2');
    assert.equal(checkpoint.compacted?.loop.from, 1000);
    assert.ok(checkpoint.compacted!.loop.to >= 6000 - WHILE_TAIL - 2 * COMPACT_MIN_LINES, `the range ends at ${checkpoint.compacted!.loop.to}`);
    const ran: number[] = [];
    const resumed = await runPipeline(a, {
      cwd: dir,
      executionId: 'c2',
      resume: checkpoint,
      listeners: [(e: RunEvent) => void (e.type === 'step-started' && e.stepId === 'body' && ran.push(e.scope![0].index!))],
    });
    assert.equal(resumed.status, 'completed');
    // the cancel came as iteration 6,000's body started: that body may have ended before the loop saw it
    const firstNotDone = checkpoint.steps['loop[6000]/body']?.status === 'completed' ? 6001 : 6000;
    assert.deepEqual(ran, Array.from({ length: 8000 - firstNotDone }, (_, i) => firstNotDone + i), 'only the iterations not done ran, in order');
    const whole = await runPipeline(a, { cwd: dir, executionId: 'c3' });
    const loop = resumed.steps.loop;
    assert.equal(loop.iterations_omitted, 6000);
    assert.deepEqual(loop.iterations!.map((it) => it.index), whole.steps.loop.iterations!.map((it) => it.index));
    assert.deepEqual(loop.result, whole.steps.loop.result);
    // the resumed run's journal still stands for the dropped iterations with one line
    assert.equal(journalOf(dir, 'c2').filter((l) => l.startsWith('{"compacted"')).length, 1);
  });

  it('a resumed loop counts the tokens and cost of the iterations its journal dropped: the totals are an unbroken run\'s', async () => {
    const yaml = `id: m
steps:
  - id: loop
    while: "true"
    max_iterations: 5000
    steps:
      - id: ask
        action: generate
        model: openai:gpt-4o-mini
        parameters:
          prompt: "n {{ loop.iteration }}"
`;
    const models: ModelRunner = {
      async run(req) {
        return { value: 'ok', model: req.model, tokens_in: 3, tokens_out: 5, cost_usd: 0.25 };
      },
    };
    const a = analyze(yaml);
    const stop = new AbortController();
    const onEvent = (e: RunEvent) => {
      if (e.type === 'step-started' && e.stepId === 'ask' && e.scope?.[0]?.index === 4000) stop.abort();
    };
    assert.equal((await runPipeline(a, { cwd: dir, executionId: 'm1', models, signal: stop.signal, listeners: [onEvent] })).status, 'cancelled');
    const checkpoint = loadCheckpoint(dir, 'm1');
    const range = checkpoint.compacted!.loop;
    assert.deepEqual([range.tokens_in, range.tokens_out, range.cost_usd], [3, 5, 0.25].map((x) => x * (range.to - range.from + 1)));
    const resumed = await runPipeline(a, { cwd: dir, executionId: 'm1', models, resume: checkpoint });
    assert.equal(resumed.status, 'completed');
    const loop = resumed.steps.loop;
    assert.deepEqual([loop.tokens_in, loop.tokens_out, loop.cost_usd], [15_000, 25_000, 1250]);
    assert.deepEqual([resumed.tokens_in, resumed.tokens_out, resumed.cost_usd], [15_000, 25_000, 1250]);
  });

  it('the rewrite keeps other loops\' lines and a character split across its read chunks, drops a torn last line, and writes a journal that is gone with the range alone', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const done = (v: unknown) => ({ status: 'completed', success: true, attempts: 1, result: v });
    const big = 'é'.repeat(700_000); // 1.4 MB: the 1 MiB read chunk ends inside a character
    const lines = [
      '{"run":"r","format":1}',
      JSON.stringify(['loop[1000]/body', done(1)]),
      JSON.stringify(['other[1000]/body', done(big)]),
      JSON.stringify(['loop[1001]/body', done(2)]),
      JSON.stringify(['loop[1002]/body', done(3)]),
      JSON.stringify(['loop[10000]/body', done(4)]),
      JSON.stringify(['loop2[1001]/body', done(5)]),
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n["loop[1003]/bo`);
    const range = { compacted: 'loop', from: 1000, to: 1001, tokens_in: 3, tokens_out: 4, cost_usd: 0.5 };
    assert.equal(await rewriteJournal(file, '{"run":"r","format":1}\n', [range]), 4);
    assert.deepEqual(fs.readFileSync(file, 'utf8').split('\n'), [lines[0], lines[2], lines[4], lines[5], lines[6], JSON.stringify(range), '']);
    fs.rmSync(file);
    assert.equal(await rewriteJournal(file, '{"run":"r","format":1}\n', [range]), 0);
    assert.equal(fs.readFileSync(file, 'utf8'), `{"run":"r","format":1}\n${JSON.stringify(range)}\n`);
  });
});

describe('hostile input', () => {
  // Hardening, round two (issue 24, item 10): a `while` loop kept every iteration's record and value,
  // about 1 KB an iteration, so with a high ORC_MAX_ITERATIONS the heap overflowed near a million
  // iterations, and the final write on SIGTERM stringified all of it at once. A while loop now keeps
  // its first 1,000 iterations and its latest 1,000; those between are counted in
  // `iterations_omitted`, and one journal line stands for them (round three, issue 41 item 17).
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
});
