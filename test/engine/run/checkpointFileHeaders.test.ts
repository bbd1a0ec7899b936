// Hardening, round three (issue 41, item 17): a checkpoint line carrying every required field was
// taken from any file named like the run's state, so a journal copied from another run became this
// run's results. The recent and journal files now start with a header naming the run; a header
// naming another run, or a headed run's file without it, is refused naming the file and the line.
// Runs written before headers still resume (their files are read as before), and the next write
// of such a run adds the header.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointError, CheckpointStore, INLINE_BODY_LIMIT, JOURNAL_FILE, loadCheckpoint, recentFile, type Checkpoint } from '../../../engine/run/checkpointStore';
import { emptyStepResult } from '../../../engine/run/events';
import { orc } from '../../helpers/cli';

const done = (result: unknown) => ({ ...emptyStepResult('completed'), success: true, result });
const line = (key: string, result: unknown) => `${JSON.stringify([key, done(result)])}\n`;

describe('hardening 3: a run reads only its own checkpoint files', () => {
  let dir: string;
  beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h3-cp-')))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const state = (id: string): Checkpoint => ({
    format: 1, execution_id: id, pipeline_id: 'p', pipeline_file: '/x/p.yaml', pipeline_sha256: 'abc', inputs: {},
    max_parallel: 4, status: 'running', started_at: '2026-11-21T00:00:00.000Z', updated_at: '2026-11-21T00:00:00.000Z', steps: {},
  });
  const folder = (id: string) => path.join(dir, '.orchestrator', 'runs', id);

  /** A run whose loop went past the inline bound: its journal holds the last iteration. */
  async function longRun(id: string, tag: string): Promise<void> {
    const store = new CheckpointStore(dir, state(id));
    store.flushSync();
    for (let i = 0; i <= INLINE_BODY_LIMIT; i++) store.record(`loop[${i}]/x`, done(`${tag}${i}`));
    store.record('top', done(tag));
    await store.flush();
    store.close();
  }

  it('the journal and the recent file start with the header naming the run; the checkpoint says so', async () => {
    await longRun('run-1', 'own');
    const journal = fs.readFileSync(path.join(folder('run-1'), JOURNAL_FILE), 'utf8').split('\n');
    assert.equal(journal[0], '{"run":"run-1","format":1}');
    assert.equal(journal[1], line(`loop[${INLINE_BODY_LIMIT}]/x`, `own${INLINE_BODY_LIMIT}`).trim());
    const cp = JSON.parse(fs.readFileSync(path.join(folder('run-1'), 'checkpoint.json'), 'utf8')) as Checkpoint;
    assert.equal(cp.file_header, 1);
    assert.equal(fs.readFileSync(recentFile(folder('run-1'), cp.generation!), 'utf8').split('\n')[0], '{"run":"run-1","format":1}');
    const back = loadCheckpoint(dir, 'run-1');
    assert.deepEqual(back.steps[`loop[${INLINE_BODY_LIMIT}]/x`], done(`own${INLINE_BODY_LIMIT}`));
    assert.deepEqual(back.steps.top, done('own'));
  });

  it('a journal deleted while the run goes on is written again from its header (later appends do not look up its size)', async () => {
    const store = new CheckpointStore(dir, state('run-d'));
    store.flushSync();
    for (let i = 0; i <= INLINE_BODY_LIMIT; i++) store.record(`loop[${i}]/x`, done(`a${i}`));
    await store.flush();
    store.record(`loop[${INLINE_BODY_LIMIT + 1}]/x`, done('b'));
    await store.flush();
    fs.rmSync(path.join(folder('run-d'), JOURNAL_FILE));
    store.record(`loop[${INLINE_BODY_LIMIT + 2}]/x`, done('c'));
    await store.flush();
    store.close();
    assert.deepEqual(fs.readFileSync(path.join(folder('run-d'), JOURNAL_FILE), 'utf8').split('\n'), ['{"run":"run-d","format":1}', line(`loop[${INLINE_BODY_LIMIT + 2}]/x`, 'c').trim(), '']);
    assert.deepEqual(loadCheckpoint(dir, 'run-d').steps[`loop[${INLINE_BODY_LIMIT + 2}]/x`], done('c'));
  });

  it('a journal copied from another run (every field valid) is refused, naming the file and the line', async () => {
    await longRun('run-1', 'own');
    await longRun('run-2', 'other');
    fs.copyFileSync(path.join(folder('run-2'), JOURNAL_FILE), path.join(folder('run-1'), JOURNAL_FILE));
    assert.throws(
      () => loadCheckpoint(dir, 'run-1'),
      (e: Error) => e instanceof CheckpointError && e.message === `The journal of run 'run-1' cannot be read: journal.jsonl line 1 names run "run-2", not this run: a file copied from another run is not taken`,
    );
    // without its header it is not taken either: this run's files have one
    const body = fs.readFileSync(path.join(folder('run-2'), JOURNAL_FILE), 'utf8').split('\n').slice(1).join('\n');
    fs.writeFileSync(path.join(folder('run-1'), JOURNAL_FILE), body);
    assert.throws(
      () => loadCheckpoint(dir, 'run-1'),
      (e: Error) => e instanceof CheckpointError && e.message.startsWith(`The journal of run 'run-1' cannot be read: journal.jsonl line 1 is not the header naming this run ("[\\"loop[${INLINE_BODY_LIMIT}]/x\\"`),
    );
  });

  it('a recent file copied from another run, or a second header inside a file, is refused', async () => {
    for (const id of ['run-1', 'run-2']) {
      const store = new CheckpointStore(dir, state(id));
      store.flushSync();
      store.record('a', done(id));
      await store.flush();
      store.close();
    }
    const recent1 = recentFile(folder('run-1'), 1);
    const own = fs.readFileSync(recent1, 'utf8');
    fs.copyFileSync(recentFile(folder('run-2'), 1), recent1);
    assert.throws(() => loadCheckpoint(dir, 'run-1', { journal: false }), (e: Error) => e instanceof CheckpointError && e.message === `The recent results of run 'run-1' cannot be read: recent-1.jsonl line 1 names run "run-2", not this run: a file copied from another run is not taken`);
    // another run's file appended after this run's lines: its header is line 3, not a step's result
    fs.writeFileSync(recent1, own + fs.readFileSync(recentFile(folder('run-2'), 1), 'utf8'));
    assert.throws(() => loadCheckpoint(dir, 'run-1', { journal: false }), (e: Error) => e instanceof CheckpointError && e.message === `The recent results of run 'run-1' cannot be read: recent-1.jsonl holds a line that is not a step's result: line 3, "{\\"run\\":\\"run-2\\",\\"format\\":1}"`);
    fs.writeFileSync(recent1, own);
    assert.deepEqual(loadCheckpoint(dir, 'run-1').steps.a, done('run-1'));
  });

  it('a run written before headers is read as before; resumed, its files get the header', async () => {
    const old = folder('run-old');
    fs.mkdirSync(old, { recursive: true });
    const s = { ...state('run-old'), generation: 1, steps: { a: done('inline') } };
    fs.writeFileSync(path.join(old, 'checkpoint.json'), JSON.stringify(s));
    fs.writeFileSync(recentFile(old, 1), line('b', 'recent'));
    let journal = '';
    for (let i = 0; i <= INLINE_BODY_LIMIT; i++) journal += line(`loop[${i}]/x`, i);
    fs.writeFileSync(path.join(old, JOURNAL_FILE), journal);
    const back = loadCheckpoint(dir, 'run-old');
    assert.equal(back.file_header, undefined);
    assert.deepEqual(back.steps.a, done('inline'));
    assert.deepEqual(back.steps.b, done('recent'));
    assert.deepEqual(back.steps[`loop[${INLINE_BODY_LIMIT}]/x`], done(INLINE_BODY_LIMIT));
    assert.equal(Object.keys(back.steps).length, INLINE_BODY_LIMIT + 3);

    const store = new CheckpointStore(dir, back);
    store.flushSync();
    store.record('c', done('resumed'));
    await store.flush();
    store.close();
    const cp = JSON.parse(fs.readFileSync(path.join(old, 'checkpoint.json'), 'utf8')) as Checkpoint;
    assert.equal(cp.file_header, 1);
    assert.equal(fs.readFileSync(path.join(old, JOURNAL_FILE), 'utf8'), `{"run":"run-old","format":1}\n${line(`loop[${INLINE_BODY_LIMIT}]/x`, INLINE_BODY_LIMIT)}`);
    assert.equal(fs.readFileSync(recentFile(old, cp.generation!), 'utf8'), `{"run":"run-old","format":1}\n${line('c', 'resumed')}`);
    const again = loadCheckpoint(dir, 'run-old');
    assert.equal(Object.keys(again.steps).length, INLINE_BODY_LIMIT + 4);
    assert.deepEqual(again.steps.c, done('resumed'));
  });

  describe('orc resume', function () {
    this.timeout(60_000);
    const PIPELINE = 'id: p\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "echo a >> log.txt"}\n  - id: b\n    depends_on: [a]\n    tool: terminal\n    action: execute\n    parameters: {command: "test -f go && echo b >> log.txt"}\n';
    function failedRun(): string {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), PIPELINE);
      const first = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(first.code, 1, first.stderr);
      return (JSON.parse(first.stdout) as { execution_id: string }).execution_id;
    }

    it("a journal from another run that says b completed is refused (exit 2), and b is not taken", () => {
      const id = failedRun();
      const forged = `{"run":"another-run","format":1}\n${line('b', 'forged')}`;
      fs.writeFileSync(path.join(dir, '.orchestrator', 'runs', id, JOURNAL_FILE), forged);
      fs.writeFileSync(path.join(dir, 'go'), '');
      const r = orc(['resume', id], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`The journal of run '${id}' cannot be read: journal\\.jsonl line 1 names run "another-run", not this run: a file copied from another run is not taken`));
      assert.equal(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8'), 'a\n');
    });

    it('a run written before headers (its results in a recent file without one) still resumes, and a is not run again', () => {
      const id = failedRun();
      const runFolder = path.join(dir, '.orchestrator', 'runs', id);
      // rewritten by hand in the old format: no file_header, step a's result in a headerless recent file
      const cp = JSON.parse(fs.readFileSync(path.join(runFolder, 'checkpoint.json'), 'utf8')) as Checkpoint;
      const a = cp.steps.a;
      delete cp.file_header;
      delete (cp.steps as Record<string, unknown>).a;
      cp.generation = 7;
      fs.writeFileSync(path.join(runFolder, 'checkpoint.json'), JSON.stringify(cp));
      fs.writeFileSync(recentFile(runFolder, 7), `${JSON.stringify(['a', a])}\n`);
      fs.writeFileSync(path.join(dir, 'go'), '');
      const r = orc(['resume', id], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8'), 'a\nb\n');
      assert.equal((JSON.parse(fs.readFileSync(path.join(runFolder, 'checkpoint.json'), 'utf8')) as Checkpoint).file_header, 1);
    });
  });
});
