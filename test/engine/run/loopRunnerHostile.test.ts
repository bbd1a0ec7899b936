// Loops that could not be stopped and lost their progress (issue 9): signals reach a long loop,
// iterations are capped, a loop's memory and its checkpoint stay bounded (a journal past the
// first results), and a killed long loop resumes from what it had done.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { INLINE_BODY_LIMIT, JOURNAL_FILE, loadCheckpoint } from '../../../engine/run/checkpointStore';
import type { ResultDocument, RunEvent } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { CLI } from '../../helpers/cli';

let dir: string;

const forEachYaml = (n: number) => `id: many
steps:
  - id: loop
    for_each: "{{ range(${n}) | list }}"
    steps:
      - id: body
        tool: data
        action: aggregate
        parameters:
          data: ["{{ item }}"]
          field: x
          operations: [count]
`;

const whileYaml = `id: forever
steps:
  - id: loop
    while: "true"
    max_iterations: 100000000
    steps:
      - id: body
        tool: data
        action: aggregate
        parameters:
          data: [1, 2, 3]
`;

/** Starts `orc run`, waits until `ready()` holds, sends a signal, and resolves with the exit code. */
function runAndSignal(file: string, sig: NodeJS.Signals, ready: () => boolean, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string; afterSignalMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', file], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    let sentAt = 0;
    const poll = setInterval(() => {
      if (!sentAt && ready()) {
        sentAt = Date.now();
        child.kill(sig);
      }
    }, 20);
    const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, stderr, afterSignalMs: sentAt ? Date.now() - sentAt : -1 });
    });
  });
}

const runIds = () => (fs.existsSync(path.join(dir, '.orchestrator', 'runs')) ? fs.readdirSync(path.join(dir, '.orchestrator', 'runs')) : []);
const journalLines = () => {
  const [id] = runIds();
  const f = id ? path.join(dir, '.orchestrator', 'runs', id, JOURNAL_FILE) : '';
  return f && fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').length - 1 : 0;
};

/** `orc resume`, with room for the progress lines of tens of thousands of iterations. */
function resume(id: string): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'resume', id], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 30, timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

/** The result document a run wrote (too big for a pipe buffer with tens of thousands of iterations). */
const resultOf = (id: string) => JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'result.json'), 'utf8')) as ResultDocument;

describe('hardening: long loops', function () {
  this.timeout(60_000);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-loops-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('Ctrl-C during a 100,000-item for_each cancels it: exit 130, the checkpoint says cancelled, and resume finishes the rest', async () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), forEachYaml(100_000));
    // the signal goes when a few thousand iterations are on disk
    const r = await runAndSignal('p.pipeline.yaml', 'SIGINT', () => journalLines() > 2000);
    assert.equal(r.code, 130, r.stderr);
    const [id] = runIds();
    const cp = loadCheckpoint(dir, id);
    assert.equal(cp.status, 'cancelled');
    const done = Object.keys(cp.steps).filter((k) => k.startsWith('loop[')).length;
    assert.ok(done > 2000 + INLINE_BODY_LIMIT && done < 100_000, `iterations on disk: ${done}`);
    const res = resume(id);
    assert.equal(res.code, 0, res.stderr.slice(-2000));
    const doc = resultOf(id);
    const result = doc.steps.loop.result as { body: { result: { count: number } } }[];
    assert.equal(result.length, 100_000);
    assert.deepEqual(result[99_999], { body: { result: { count: 1 } } });
  });

  it("SIGTERM stops `while: \"true\"` with max_iterations 100,000,000 within seconds, exit 130, with a whole checkpoint", async () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), whileYaml);
    const r = await runAndSignal('p.pipeline.yaml', 'SIGTERM', () => journalLines() > 2000, { ORC_MAX_ITERATIONS: '100000000' });
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.afterSignalMs < 10_000, `took ${r.afterSignalMs} ms after the signal`);
    const [id] = runIds();
    const files = fs.readdirSync(path.join(dir, '.orchestrator', 'runs', id)).sort();
    assert.deepEqual(files, ['checkpoint.json', JOURNAL_FILE, 'result.json']);
    assert.equal(loadCheckpoint(dir, id).status, 'cancelled');
  });

  it('a loop runs at most the iteration cap (a warning says so); a for_each over more items fails before running any', async () => {
    const events: RunEvent[] = [];
    const a = analyze(whileYaml);
    const doc = await runPipeline(a, { cwd: dir, checkpoint: false, iterationCap: 300, listeners: [(e) => events.push(e)] });
    assert.equal(doc.steps.loop.status, 'completed');
    assert.equal((doc.steps.loop.result as unknown[]).length, 300);
    assert.deepEqual(
      events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message),
      [
        "Loop 'loop': max_iterations 100000000 is above the limit of 300 iterations per loop; it stops at 300 (raise the limit with ORC_MAX_ITERATIONS)",
        "Loop 'loop' stopped after the iteration limit (300) with its condition still true",
      ],
    );
    const fe = await runPipeline(analyze(forEachYaml(301)), { cwd: dir, checkpoint: false, iterationCap: 300 });
    assert.equal(fe.steps.loop.status, 'failed');
    assert.equal(fe.steps.loop.error, 'for_each has 301 items, more than the limit of 300 iterations per loop (raise it with ORC_MAX_ITERATIONS)');
    assert.equal(fe.steps.loop.error_type, 'LimitError');
    assert.deepEqual(fe.steps.loop.iterations, []);
  });

  it('past 1,000 iterations the loop keeps a summary per iteration, the checkpoint a journal line; both read back whole', async () => {
    const doc = await runPipeline(analyze(forEachYaml(3000)), { cwd: dir, executionId: 'r1' });
    assert.equal(doc.status, 'completed');
    const its = doc.steps.loop.iterations!;
    assert.equal(its.length, 3000);
    assert.deepEqual(Object.keys(its[999].steps), ['body']);
    assert.deepEqual(its[1000], { index: 1000, item: 1000, status: 'completed', steps: {}, summarized: true });
    assert.equal((doc.steps.loop.result as unknown[]).length, 3000, 'the loop value keeps every iteration');
    const runDir = path.join(dir, '.orchestrator', 'runs', 'r1');
    const inline = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')).steps;
    assert.equal(Object.keys(inline).filter((k) => k.includes('/')).length, INLINE_BODY_LIMIT);
    const journal = fs.readFileSync(path.join(runDir, JOURNAL_FILE), 'utf8').split('\n');
    assert.equal(journal[0], '{"run":"r1","format":1}', 'the header naming the run, then one line per iteration');
    assert.equal(journal.length - 2, 3000 - INLINE_BODY_LIMIT);
    // a torn last line (a crash in the middle of an append) is ignored
    fs.appendFileSync(path.join(runDir, JOURNAL_FILE), '["loop[3000]/body",{"status":"comp');
    const back = loadCheckpoint(dir, 'r1');
    assert.equal(Object.keys(back.steps).filter((k) => k.includes('/')).length, 3000);
    assert.equal(back.steps['loop[2999]/body'].status, 'completed');
  });

  it('a run killed with SIGKILL in the middle of a long loop resumes and ends with every iteration', async () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), forEachYaml(30_000));
    const r = await runAndSignal('p.pipeline.yaml', 'SIGKILL', () => journalLines() > 3000);
    assert.equal(r.code, null);
    const [id] = runIds();
    assert.equal(loadCheckpoint(dir, id).status, 'running');
    const res = resume(id);
    assert.equal(res.code, 0, res.stderr.slice(-2000));
    const doc = resultOf(id);
    assert.equal((doc.steps.loop.result as unknown[]).length, 30_000);
    assert.equal(doc.steps.loop.iterations!.filter((it) => it.status === 'completed').length, 30_000);
  });
});
