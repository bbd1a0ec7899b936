// The scheduler's behaviour, observed by the steps themselves (real commands writing timestamps):
// parallelism without level barriers, max_parallel, failure policies, retries, loops, conditions,
// outputs, the cache, cancellation.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, hasErrors } from '../../../engine/analyze/index';
import type { ResultDocument, RunEvent } from '../../../engine/run/events';
import { runPipeline, type RunOptions, DEFAULT_MAX_NESTED_RUNS } from '../../../engine/run/runPipeline';
import { spawn, spawnSync } from 'node:child_process';
import { CLI, orc, ROOT } from '../../helpers/cli';
import { loadCheckpoint, INLINE_BODY_LIMIT, JOURNAL_FILE } from '../../../engine/run/checkpointStore';
import { getEventListeners } from 'node:events';
import type { ToolContext, ToolDefinition } from '../../../engine/toolkit/runtime';
import { alive, groupAlive, until } from '../../helpers/processes';

let dir: string;

async function runYaml(text: string, opts: Partial<RunOptions> = {}): Promise<ResultDocument> {
  const a = analyze(text);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), [], 'the test pipeline must compile');
  assert.ok(!hasErrors(a.findings));
  return runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, ...opts });
}

/** A terminal step that logs `start id <ns>` and `end id <ns>` around a sleep. */
const timed = (id: string, seconds: number, deps: string[] = [], extra = '') =>
  `  - id: ${id}\n    tool: terminal\n    action: execute\n${deps.length ? `    dependencies: [${deps.join(', ')}]\n` : ''}${extra}    parameters:\n      command: "echo start ${id} $(date +%s%N) >> times.log; sleep ${seconds}; echo end ${id} $(date +%s%N) >> times.log"\n`;

function intervals(): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const line of fs.readFileSync(path.join(dir, 'times.log'), 'utf8').trim().split('\n')) {
    const [what, id, ns] = line.split(' ');
    const ms = Number(BigInt(ns) / 1_000_000n);
    const cur = m.get(id) ?? [0, 0];
    cur[what === 'start' ? 0 : 1] = ms;
    m.set(id, cur);
  }
  return m;
}

function maxOverlap(iv: Map<string, [number, number]>): number {
  const events = [...iv.values()].flatMap(([s, e]) => [[s, 1], [e, -1]] as [number, number][]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (cur += d));
  return max;
}

const cmd = (id: string, command: string, extra = '') => `  - id: ${id}\n    tool: terminal\n    action: execute\n${extra}    parameters:\n      command: ${JSON.stringify(command)}\n`;

/** The pids a command wrote to `file` in the run's folder, one or more a line. */
const pidsIn = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8').trim().split(/\s+/).map(Number);

/** Processes (and, negative, process groups) a test started that must not outlive it if it fails. */
const strays: number[] = [];
function killStrays(): void {
  for (const pid of strays.splice(0)) {
    if (pid > 0 ? !alive(pid) : !groupAlive(-pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Each test of the block in a fresh folder (`dir`), with a signal for its runs: after the test, a
 * run a failed test left waiting is aborted with its commands, what it started is killed, and the
 * folder goes. Returns the current test's signal.
 */
function eachInItsFolder(prefix: string): () => AbortSignal {
  let ctl = new AbortController();
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    ctl = new AbortController();
  });
  afterEach(() => {
    ctl.abort();
    killStrays();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => ctl.signal;
}

describe('run: scheduling', function () {
  this.timeout(30_000);
  const signal = eachInItsFolder('orc-run-');

  it('a step starts when its own dependencies end, not when its whole level does', async () => {
    // `long` ends only once `after_short` has ended: a scheduler that waited for the whole level
    // would start `after_short` after `long`, and the run would never end
    const long = cmd('long', "echo start long $(date +%s%N) >> times.log; until grep -q '^end after_short ' times.log; do sleep 0.02; done; echo end long $(date +%s%N) >> times.log");
    const doc = await runYaml(['id: nobarrier', 'steps:', timed('short', 0.05), long, timed('after_short', 0.05, ['short'])].join('\n'), { signal: signal() });
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.execution_levels, [['short', 'long'], ['after_short']]);
    const iv = intervals();
    assert.ok(iv.get('after_short')![0] >= iv.get('short')![1], 'started before its dependency ended');
    assert.ok(iv.get('after_short')![1] < iv.get('long')![1], 'waited for the other step of the level');
    assert.ok(Date.parse(doc.steps.after_short.started_at!) < Date.parse(doc.steps.long.ended_at!), 'the result has it waiting for the other step of the level');
  });

  it('independent steps run at once, and each waits only for its own dependencies', async () => {
    const steps = [timed('a', 0.4), timed('b', 0.4), timed('c', 0.4), timed('d', 0.3, ['a', 'b']), timed('e', 0.3, ['c'])];
    const doc = await runYaml(['id: fan', 'steps:', ...steps].join('\n'));
    assert.equal(doc.status, 'completed');
    assert.equal(maxOverlap(intervals()), 3);
    // by the result's own times (running: from when a step got its slot to its end): each step
    // started before the other of its pair ended, and none before its dependencies ended
    const t = (id: string) => [Date.parse(doc.steps[id].started_at!) + doc.steps[id].queued_ms!, Date.parse(doc.steps[id].ended_at!)];
    for (const [x, y] of [['a', 'b'], ['a', 'c'], ['b', 'c'], ['d', 'e']]) assert.ok(t(x)[0] < t(y)[1] && t(y)[0] < t(x)[1], `${x} and ${y} did not overlap`);
    assert.ok(t('d')[0] >= Math.max(t('a')[1], t('b')[1]) && t('e')[0] >= t('c')[1], 'a step started before its dependencies ended');
  });

  it('max_parallel is never exceeded, and is reached', async () => {
    // each step holds its slot until `limit` steps run at once (or all have started), at most 10 s:
    // steps of a fixed length overlapped less than the limit when a busy machine started them slowly
    const held = (id: string, limit: number) =>
      cmd(id, `echo start ${id} $(date +%s%N) >> times.log; i=0; while [ $i -lt 500 ]; do s=$(grep -c '^start ' times.log); e=$(grep -c '^end ' times.log); [ $((s-e)) -ge ${limit} ] && break; [ $s -ge 9 ] && break; sleep 0.02; i=$((i+1)); done; echo end ${id} $(date +%s%N) >> times.log`);
    const doc = await runYaml(['id: limited', 'context: {max_parallel: 3}', 'steps:', ...Array.from({ length: 9 }, (_, i) => held(`s${i}`, 3))].join('\n'));
    assert.equal(doc.status, 'completed');
    assert.equal(maxOverlap(intervals()), 3);
    // --max-parallel wins over context.max_parallel
    fs.rmSync(path.join(dir, 'times.log'));
    const doc2 = await runYaml(['id: limited', 'context: {max_parallel: 3}', 'steps:', ...Array.from({ length: 9 }, (_, i) => held(`s${i}`, 2))].join('\n'), { maxParallel: 2 });
    assert.equal(doc2.status, 'completed');
    assert.equal(maxOverlap(intervals()), 2);
  });

  it('a loop body runs max_parallel iterations at a time, each with its own loop variables', async () => {
    const text = [
      'id: loops',
      'steps:',
      '  - id: each',
      '    for_each: [a, b, c, d]',
      '    loop_var: letter',
      '    max_parallel: 2',
      '    steps:',
      '      - id: w',
      '        tool: terminal',
      '        action: execute',
      '        parameters:',
      '          command: "echo start {{ letter }} $(date +%s%N) >> times.log; sleep 0.2; echo end {{ letter }} $(date +%s%N) >> times.log; echo {{ index }}/{{ position }}/{{ length }}/{{ is_last }}"',
    ].join('\n');
    const doc = await runYaml(text);
    assert.equal(doc.status, 'completed');
    assert.equal(maxOverlap(intervals()), 2);
    assert.deepEqual((doc.steps.each.result as { w: { stdout: string } }[]).map((r) => r.w.stdout), ['0/1/4/False\n', '1/2/4/False\n', '2/3/4/False\n', '3/4/4/True\n']);
    assert.deepEqual(doc.steps.each.iterations!.map((i) => [i.index, i.item, i.status]), [[0, 'a', 'completed'], [1, 'b', 'completed'], [2, 'c', 'completed'], [3, 'd', 'completed']]);
  });

  it('a while loop repeats until its condition turns false, and sees the last iteration', async () => {
    const text = [
      'id: counting',
      'steps:',
      '  - id: count',
      '    while: "{{ iteration < 3 }}"',
      '    steps:',
      cmd('tick', 'echo {{ iteration }} >> ticks.txt').replace(/^/gm, '    '),
      '  - id: until_loop',
      '    while: true',
      '    until: "{{ tock.result.stdout | trim == \'2\' }}"',
      '    max_iterations: 10',
      '    steps:',
      cmd('tock', 'echo {{ iteration }}').replace(/^/gm, '    '),
    ].join('\n');
    const events: RunEvent[] = [];
    const doc = await runYaml(text, { listeners: [(e) => events.push(e)] });
    assert.equal(doc.status, 'completed');
    assert.equal(fs.readFileSync(path.join(dir, 'ticks.txt'), 'utf8'), '0\n1\n2\n');
    assert.equal(doc.steps.until_loop.iterations!.length, 3);
    assert.deepEqual(events.filter((e) => e.type === 'warning'), []);
  });

  it('a while loop that never ends stops at max_iterations with a warning', async () => {
    const text = ['id: forever', 'steps:', '  - id: spin', '    while: "true"', '    max_iterations: 3', '    steps:', cmd('t', 'true').replace(/^/gm, '    ')].join('\n');
    const events: RunEvent[] = [];
    const doc = await runYaml(text, { listeners: [(e) => events.push(e)] });
    assert.equal(doc.steps.spin.iterations!.length, 3);
    assert.deepEqual(events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message), ["Loop 'spin' stopped after max_iterations (3) with its condition still true"]);
  });
});

describe('run: failures, conditions, outputs', function () {
  this.timeout(30_000);
  const signal = eachInItsFolder('orc-run-');

  it('a listener that throws does not stop the run, and its error is reported in the result', async () => {
    let calls = 0;
    const doc = await runYaml(['id: noisy', 'steps:', cmd('a', 'echo hi'), cmd('b', 'echo there', '    dependencies: [a]\n')].join('\n'), {
      listeners: [
        (e) => {
          if (e.type === 'step-ended') {
            calls++;
            throw new TypeError('the view is gone');
          }
        },
      ],
    });
    assert.equal(doc.status, 'completed');
    assert.equal(calls, 2);
    assert.deepEqual(doc.listener_errors, ['TypeError: the view is gone']);
  });

  it('on_failure: fail stops the run: steps not started are skipped, with the reason', async () => {
    const doc = await runYaml(['id: stop', 'steps:', cmd('bad', 'exit 2'), cmd('next', 'echo no', '    dependencies: [bad]\n'), cmd('other', 'sleep 0.2; echo independent')].join('\n'));
    assert.equal(doc.status, 'failed');
    assert.equal(doc.success, false);
    assert.deepEqual([doc.steps.bad.status, doc.steps.bad.success, doc.steps.bad.error], ['completed', false, 'Command exited with code 2']);
    assert.deepEqual([doc.steps.next.status, doc.steps.next.skip_reason], ['skipped', "not run: 'bad' failed"]);
    assert.equal(doc.steps.other.status, 'completed', 'a step already running finishes');
  });

  it('on_failure: continue goes on, and the run still fails', async () => {
    const doc = await runYaml(['id: cont', 'steps:', cmd('bad', 'exit 1', '    on_failure: continue\n'), cmd('next', 'echo yes', '    dependencies: [bad]\n')].join('\n'));
    assert.deepEqual([doc.status, doc.steps.next.status], ['failed', 'completed']);
  });

  it('on_failure: skip marks the step skipped, keeps its error, and lets the run succeed', async () => {
    const events: RunEvent[] = [];
    const doc = await runYaml(['id: opt', 'steps:', cmd('optional', 'exit 1', '    on_failure: skip\n'), cmd('next', 'echo yes', '    dependencies: [optional]\n')].join('\n'), { listeners: [(e) => events.push(e)] });
    assert.deepEqual([doc.status, doc.steps.optional.status, doc.steps.optional.error, doc.steps.next.status], ['completed', 'skipped', 'Command exited with code 1', 'completed']);
    assert.equal(events.filter((e) => e.type === 'warning').length, 1);
  });

  it('on_failure: <step> jumps forward past the steps in between', async () => {
    const doc = await runYaml(
      ['id: handler', 'steps:', cmd('risky', 'exit 1', '    on_failure: recover\n'), cmd('use', 'echo use', '    dependencies: [risky]\n'), cmd('recover', 'echo recovered', '    dependencies: [use]\n')].join('\n'),
    );
    assert.deepEqual([doc.steps.risky.status, doc.steps.use.status, doc.steps.recover.status, doc.status], ['completed', 'skipped', 'completed', 'failed']);
    assert.equal(doc.steps.use.skip_reason, "jumped over: 'risky' jumps to 'recover'");
  });

  it('retries with backoff: max_retries counts attempts, and a later success wins', async () => {
    const flaky = `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]`;
    const events: RunEvent[] = [];
    const doc = await runYaml(['id: retry', 'steps:', cmd('flaky', flaky, '    retry: {max_attempts: 4, initial_delay: 0.05}\n')].join('\n'), { listeners: [(e) => events.push(e)] });
    assert.deepEqual([doc.steps.flaky.status, doc.steps.flaky.success, doc.steps.flaky.attempts, doc.steps.flaky.retries], ['completed', true, 3, 2]);
    assert.deepEqual(events.filter((e) => e.type === 'attempt-failed').map((e) => (e as { retryInMs: number }).retryInMs), [38, 75]);
  });

  it('a timeout ends the attempt, is retried, and is reported as TimeoutError', async () => {
    // each attempt's command would sleep far past the test's timeout: the run ends only if the timeout ends them
    // 1.5 s: a busy machine took more than 0.3 s to start the shell, and an attempt ended before it wrote its pid
    const doc = await runYaml(['id: slow', 'steps:', cmd('slow', 'echo $$ >> slow.pids; exec sleep 600', '    timeout: 1.5\n    retry: {max_attempts: 2, initial_delay: 0.01}\n')].join('\n'), { signal: signal() });
    const s = doc.steps.slow;
    assert.deepEqual([s.status, s.success, s.error_type, s.timed_out, s.attempts, s.retries], ['failed', false, 'TimeoutError', true, 2, 1]);
    assert.equal(s.error, "Step 'slow' timed out after 1.5 s (attempt 2 of 2)");
    const pids = pidsIn('slow.pids');
    strays.push(...pids);
    assert.equal(pids.length, 2, 'one command per attempt');
    // both commands were killed, not left sleeping (one that lived on holds this until the test's timeout)
    await until(() => !pids.some(alive));
  });

  it('a condition that cannot be evaluated fails closed: skipped, with a warning', async () => {
    const events: RunEvent[] = [];
    const doc = await runYaml(['id: closed', 'parameters: {mode: fast}', 'steps:', cmd('maybe', 'echo ran', "    condition: \"{{ mode }}\"\n")].join('\n'), { listeners: [(e) => events.push(e)] });
    assert.deepEqual([doc.steps.maybe.status, doc.steps.maybe.skip_reason], ['skipped', 'the condition could not be evaluated: the condition rendered to "fast", which is neither true nor false']);
    assert.equal(doc.status, 'completed');
    assert.equal(events.filter((e) => e.type === 'warning').length, 1);
  });

  it('a bare expression condition and an `if` alias', async () => {
    const doc = await runYaml(['id: exprs', 'parameters: {n: 5}', 'steps:', cmd('big', 'echo big', '    condition: "n > 3"\n'), cmd('small', 'echo small', '    if: "n < 3"\n')].join('\n'));
    assert.deepEqual([doc.steps.big.status, doc.steps.small.status], ['completed', 'skipped']);
  });

  it('an unresolved reference fails the step before any side effect', async () => {
    const doc = await runYaml(['id: unres', 'steps:', cmd('a', 'echo {}', '    on_failure: continue\n'), "  - id: b\n    tool: filesystem\n    action: write\n    dependencies: [a]\n    parameters:\n      path: out.txt\n      content: \"{{ a.result['no' ~ 'pe'] }}\"\n"].join('\n'));
    assert.deepEqual([doc.steps.b.status, doc.steps.b.error_type], ['failed', 'UndefinedError']);
    assert.equal(doc.steps.b.error, "Could not render the parameters: 'a.result['no' ~ 'pe']' is undefined");
    assert.ok(!fs.existsSync(path.join(dir, 'out.txt')));
  });

  it('text a tool returned is never rendered again as a template', async () => {
    const doc = await runYaml(['id: inert', 'steps:', cmd('emit', "printf '{% raw %}{{ 7 * 6 }}{% endraw %}'"), "  - id: copy\n    tool: filesystem\n    action: write\n    parameters:\n      path: copy.txt\n      content: \"got {{ emit.result.stdout }}\"\n"].join('\n'));
    assert.equal(doc.status, 'completed');
    assert.equal(fs.readFileSync(path.join(dir, 'copy.txt'), 'utf8'), 'got {{ 7 * 6 }}');
  });

  it('outputs render after the run; one that cannot render fails the run, with the reason', async () => {
    const doc = await runYaml(['id: outs', 'steps:', cmd('a', 'echo hi'), 'outputs:', '  said: "{{ a.result.stdout | trim }}"', '  code: "{{ a.result.exit_code }}"', "  broken: \"{{ a.result.stdout | from_json }}\""].join('\n'));
    assert.deepEqual(doc.outputs, { said: 'hi', code: 0 });
    assert.equal(doc.status, 'failed');
    assert.match(doc.output_errors!.broken, /^Filter 'from_json': could not parse its input/);
  });

  it('cache: true reuses a successful result for the same rendered inputs', async () => {
    const text = ['id: cached', 'parameters: {who: x}', 'steps:', cmd('c', 'echo {{ who }} >> calls.txt; echo {{ who }}', '    cache: true\n')].join('\n');
    const first = await runYaml(text);
    const second = await runYaml(text);
    const third = await runYaml(text, { inputs: { who: 'y' } });
    assert.deepEqual([first.steps.c.cached, second.steps.c.cached, third.steps.c.cached], [undefined, true, undefined]);
    assert.deepEqual(second.steps.c.result, first.steps.c.result);
    assert.equal(fs.readFileSync(path.join(dir, 'calls.txt'), 'utf8'), 'x\ny\n');
  });

  it('inputs are checked against the parameters before anything runs', async () => {
    const text = ['id: typed', 'parameters:', '  count: {type: integer, default: 1}', '  name: {type: string, required: true}', 'steps:', cmd('a', 'echo {{ name }}')].join('\n');
    await assert.rejects(runYaml(text, { inputs: { name: 'a', cuont: 2 } }), /Unknown input 'cuont'. Did you mean 'count'\?/);
    await assert.rejects(runYaml(text, { inputs: {} }), /Missing required input 'name'/);
    await assert.rejects(runYaml(text, { inputs: { name: 'a', count: 'many' } }), /Input 'count' must be integer, got "many"/);
    const ok = await runYaml(text, { inputs: { name: 42 } });
    assert.equal((ok.steps.a.result as { stdout: string }).stdout, '42\n');
  });

  it('a nested pipeline runs as one step and returns its outputs', async () => {
    fs.writeFileSync(path.join(dir, 'child.pipeline.yaml'), ['id: child', 'parameters: {x: 1}', 'steps:', cmd('double', 'echo $(( {{ x }} * 2 ))'), 'outputs:', '  doubled: "{{ double.result.stdout | trim | int }}"'].join('\n'));
    const parentText = ['id: parent', 'steps:', '  - id: call\n    tool: pipeline\n    action: run\n    parameters:\n      pipeline: child.pipeline.yaml\n      inputs: {x: 21}\n'].join('\n');
    fs.writeFileSync(path.join(dir, 'parent.pipeline.yaml'), parentText);
    const doc = await runYaml(parentText, { pipelineFile: path.join(dir, 'parent.pipeline.yaml') });
    assert.equal(doc.status, 'completed');
    assert.deepEqual((doc.steps.call.result as { outputs: unknown }).outputs, { doubled: 42 });
  });

  it('a pipeline that runs itself is stopped at the nesting bound', async () => {
    const text = ['id: ouro', 'steps:', '  - id: again\n    tool: pipeline\n    action: run\n    parameters: {pipeline: self.pipeline.yaml}\n'].join('\n');
    fs.writeFileSync(path.join(dir, 'self.pipeline.yaml'), text);
    const doc = await runYaml(text, { pipelineFile: path.join(dir, 'self.pipeline.yaml') });
    assert.equal(doc.status, 'failed');
    assert.match(JSON.stringify(doc.steps.again.error), /nest deeper than 8 levels/);
  });
});

describe('run: the command line', function () {
  this.timeout(30_000);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-run-'))));
  afterEach(() => {
    killStrays();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Ctrl-C cancels: running steps are stopped, the checkpoint written, exit 130; resume finishes', async () => {
    // the first time, `slow` sleeps far past the test's timeout: the run ends only if Ctrl-C stops it
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), ['id: long', 'steps:', cmd('quick', 'echo quick >> marks'), cmd('slow', 'if [ -f go ]; then echo slow >> marks; else echo $$ > slow.pid; exec sleep 600; fi', '    dependencies: [quick]\n')].join('\n'));
    const child = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml', '--json'], { cwd: dir });
    strays.push(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // `slow` is running
    await until(() => fs.existsSync(path.join(dir, 'slow.pid')) && fs.readFileSync(path.join(dir, 'slow.pid'), 'utf8').endsWith('\n'));
    const [sleeping] = pidsIn('slow.pid');
    strays.push(sleeping);
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    // and its command was killed, not left sleeping (one that lived on holds this until the test's timeout)
    await until(() => !alive(sleeping));
    const doc = JSON.parse(stdout);
    assert.deepEqual([doc.status, doc.steps.quick.status, doc.steps.slow.status], ['cancelled', 'completed', 'cancelled']);
    assert.match(stderr, /Interrupted: cancelling the running steps and writing the checkpoint/);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'checkpoint.json'), 'utf8'));
    assert.equal(checkpoint.status, 'cancelled');

    const listed = orc(['runs', '--json'], { cwd: dir });
    assert.deepEqual(JSON.parse(listed.stdout).map((r: { execution_id: string; status: string }) => [r.execution_id, r.status]), [[doc.execution_id, 'cancelled']]);

    fs.writeFileSync(path.join(dir, 'go'), '');
    const resumed = orc(['resume', doc.execution_id, '--json'], { cwd: dir });
    assert.equal(resumed.code, 0, resumed.stderr);
    const after = JSON.parse(resumed.stdout);
    assert.deepEqual([after.execution_id, after.status, after.steps.quick.status, after.steps.slow.status], [doc.execution_id, 'completed', 'completed', 'completed']);
    assert.equal(fs.readFileSync(path.join(dir, 'marks'), 'utf8'), 'quick\nslow\n', 'quick ran once, slow once');
    assert.match(resumed.stderr, /^resuming /);
  });

  it('resume refuses a pipeline that changed since the run, and a run id that does not exist', () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), ['id: p', 'steps:', cmd('bad', 'exit 1')].join('\n'));
    const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(r.code, 1);
    const id = JSON.parse(r.stdout).execution_id;
    fs.appendFileSync(path.join(dir, 'p.pipeline.yaml'), '# edited\n');
    const changed = orc(['resume', id], { cwd: dir });
    assert.equal(changed.code, 2);
    assert.match(changed.stderr, /p\.pipeline\.yaml has changed since run .* started; resuming would mix two pipelines/);
    const missing = orc(['resume', 'nope'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No run 'nope' in \.orchestrator\/runs \(runs: /);
  });

  it('a pipeline that does not compile runs nothing and exits 2', () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), ['id: p', 'steps:', cmd('a', 'touch ran', '    dependencies: [ghost]\n')].join('\n'));
    const r = orc(['run', 'p.pipeline.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error step\.unknown-dependency Unknown step 'ghost'/);
    assert.ok(!fs.existsSync(path.join(dir, 'ran')));
    assert.ok(!fs.existsSync(path.join(dir, '.orchestrator')));
  });

  it('-i parses JSON values, and a wrong input is a clear error with exit 2', () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), ['id: p', 'parameters:', '  items: {type: array, default: []}', 'steps:', cmd('a', 'echo {{ items | length }}')].join('\n'));
    const ok = orc(['run', 'p.pipeline.yaml', '-i', 'items=[1,2,3]', '--json'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).steps.a.result.stdout, '3\n');
    const bad = orc(['run', 'p.pipeline.yaml', '-i', 'itms=[1]'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, "orc: Unknown input 'itms'. Did you mean 'items'? The pipeline's parameters: items.\n");
  });

  it('with --json, stdout holds the result document and nothing else; progress goes to stderr', () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), ['id: p', 'steps:', cmd('a', 'echo hi')].join('\n'));
    const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(doc), ['pipeline_id', 'execution_id', 'status', 'success', 'outputs', 'steps', 'execution_order', 'execution_levels', 'failed_steps', 'skipped_steps', 'started_at', 'ended_at', 'duration_ms', 'tokens_in', 'tokens_out', 'cost_usd', 'definitions', 'prediction']);
    assert.deepEqual(Object.keys(doc.steps.a), ['status', 'success', 'result', 'error', 'error_type', 'timed_out', 'attempts', 'retries', 'started_at', 'ended_at', 'duration_ms', 'model', 'tokens_in', 'tokens_out', 'cost_usd', 'queued_ms', 'retry_ms']);
    assert.match(r.stderr, /^run \S+: p, 1 step in 1 level\n▶ a\n✓ a \d+ ms\nrun \S+ completed in \d+ ms: 1 completed, 0 skipped, 0 failed\n$/);
  });
});

const selfFour = `id: p
steps:
${['a', 'b', 'c', 'd'].map((id) => `  - id: ${id}\n    tool: pipeline\n    action: run\n    parameters: {pipeline: p.pipeline.yaml}\n`).join('')}`;

/** A tool whose one action records how many abort listeners the signal it got has, then ends. */
function probeTool(seen: number[]): ToolDefinition {
  return {
    spec: { name: 'probe', description: 'Records listeners.', actions: { look: { description: 'Looks.', parameters: {} } } } as ToolDefinition['spec'],
    run: async (_action: string, _p: Record<string, unknown>, ctx: ToolContext) => {
      seen.push(getEventListeners(ctx.signal, 'abort').length);
      await new Promise((r) => setImmediate(r));
      return { success: true, result: null };
    },
  };
}

async function runYamlWithTools(text: string, opts: Partial<RunOptions> = {}): Promise<ResultDocument> {
  const specs = opts.tools ? Object.fromEntries(Object.entries(opts.tools).map(([k, t]) => [k, t.spec])) : undefined;
  const a = analyze(text, { tools: specs });
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), [], 'the test pipeline must compile');
  assert.ok(!hasErrors(a.findings));
  return runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, ...opts });
}

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

/** Starts `orc run`, waits until `ready()` holds, sends a signal, and resolves with the exit code
 * (null when the guard had to kill a run the signal did not stop). */
function runAndSignal(file: string, sig: NodeJS.Signals, ready: () => boolean, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', file], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    let sent = false;
    const poll = setInterval(() => {
      if (!sent && ready()) {
        sent = true;
        child.kill(sig);
      }
    }, 20);
    const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, stderr });
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

describe('hostile input', () => {
  // Hardening, round two (issue 24, item 9): a pipeline that runs itself four times a level. Depth
  // stopped at 8 but width did not, so 4^8 runs grew the process past 2.6 GB; and a nested run with
  // nothing to wait for never gave the event loop a turn, so SIGTERM was not handled at all. Now the
  // nested runs of one top-level run are capped (ORC_MAX_NESTED_RUNS, default 1,000) with a clear
  // error, and a signal reaches every level: `orc run` exits 130 within seconds, the run cancelled.
  describe('hardening 2: a pipeline that runs itself four times a level', function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => {
      dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-nest-')));
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), selfFour);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('SIGTERM a second into the nested runs: orc run exits 130 before they end, every step cancelled, the checkpoint says cancelled', async () => {
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
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(guard);
      // a signal not handled would leave it to the guard's SIGKILL (no exit code), or to the nested
      // runs' end, where each step fails at the nesting bound instead of being cancelled
      assert.equal(code, 130, stderr);
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

  // Holes found from outside in the run engine (issue 9, and issue 11's listener leak): each test
  // fails without its fix.
  describe('hardening: the run engine', function () {
    this.timeout(60_000);
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-hard-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a 10,000-step run adds at most one abort listener per running attempt, leaves none, and prints no warning', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
      process.on('warning', onWarning);
      try {
        const seen: number[] = [];
        const steps = Array.from({ length: 10_000 }, (_, i) => `  - {id: s${i}, tool: probe, action: look}`).join('\n');
        const ctl = new AbortController();
        const doc = await runYamlWithTools(`id: many\nsteps:\n${steps}\n`, { tools: { probe: probeTool(seen) }, maxParallel: 4, signal: ctl.signal });
        assert.equal(doc.status, 'completed');
        assert.equal(seen.length, 10_000);
        // the run's own listener, plus nothing per waiting step (9,996 wait at a time)
        assert.ok(Math.max(...seen) <= 1 + 4, `at most one listener per running attempt, saw ${Math.max(...seen)}`);
        assert.equal(getEventListeners(ctl.signal, 'abort').length, 0, 'the run left listeners on its signal');
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('64 attempts at once, each listening to its signal, pile no listeners on one signal and print no warning', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
      process.on('warning', onWarning);
      try {
        const seen: number[] = [];
        let started = 0;
        let release: () => void = () => undefined;
        const all = new Promise<void>((r) => (release = r));
        // as terminal does: a listener on the signal it got, for as long as its command runs
        const hold: ToolDefinition = {
          spec: { name: 'hold', description: 'Holds.', actions: { wait: { description: 'Waits for all.', parameters: {} } } } as ToolDefinition['spec'],
          run: async (_a, _p, ctx) => {
            const onAbort = () => undefined;
            ctx.signal.addEventListener('abort', onAbort);
            seen.push(getEventListeners(ctx.signal, 'abort').length);
            if (++started === 64) release();
            await all;
            ctx.signal.removeEventListener('abort', onAbort);
            return { success: true, result: null };
          },
        };
        const steps = Array.from({ length: 64 }, (_, i) => `  - {id: s${i}, tool: hold, action: wait}`).join('\n');
        const ctl = new AbortController();
        const doc = await runYamlWithTools(`id: wide\nsteps:\n${steps}\n`, { tools: { hold }, maxParallel: 64, signal: ctl.signal });
        assert.equal(doc.status, 'completed');
        assert.equal(started, 64);
        assert.equal(Math.max(...seen), 1, 'each attempt has a signal of its own');
        assert.equal(getEventListeners(ctl.signal, 'abort').length, 0);
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);
      } finally {
        process.off('warning', onWarning);
      }
    });

    it("runs sharing one signal (an eval's): the signal has one listener for them all while any runs, none after; cancelling it cancels every run in flight", async () => {
      let started = 0;
      let allStarted: () => void = () => undefined;
      const four = new Promise<void>((r) => (allStarted = r));
      const wait: ToolDefinition = {
        spec: { name: 'wait', description: 'Waits for its cancellation.', actions: { forever: { description: 'Waits.', parameters: {} } } } as ToolDefinition['spec'],
        run: (_a, _p, ctx) =>
          new Promise((_resolve, reject) => {
            if (++started === 4) allStarted();
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
          }),
      };
      const ctl = new AbortController();
      const runs = Array.from({ length: 4 }, () => runYamlWithTools('id: shared\nsteps:\n  - {id: w, tool: wait, action: forever}\n', { tools: { wait }, signal: ctl.signal }));
      await four;
      assert.equal(getEventListeners(ctl.signal, 'abort').length, 1, 'one listener for the four runs');
      ctl.abort();
      const docs = await Promise.all(runs);
      assert.deepEqual(docs.map((d) => [d.status, d.steps.w.status]), Array.from({ length: 4 }, () => ['cancelled', 'cancelled']));
      // runs that end on their own take the listener with them
      const shared = new AbortController();
      const done = await Promise.all(Array.from({ length: 3 }, () => runYamlWithTools('id: quick\nsteps:\n  - {id: p, tool: probe, action: look}\n', { tools: { probe: probeTool([]) }, signal: shared.signal })));
      assert.deepEqual(done.map((d) => d.status), ['completed', 'completed', 'completed']);
      assert.equal(getEventListeners(shared.signal, 'abort').length, 0, 'the runs left a listener on their signal');
    });

    it('cancelling wakes the steps waiting for a slot: they end cancelled', async () => {
      const ctl = new AbortController();
      const slow: ToolDefinition = {
        spec: { name: 'slow', description: 'Waits.', actions: { wait: { description: 'Waits.', parameters: {} } } } as ToolDefinition['spec'],
        run: (_a, _p, ctx) =>
          new Promise((_resolve, reject) => {
            setTimeout(() => ctl.abort(), 20);
            ctx.signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
          }),
      };
      const steps = Array.from({ length: 50 }, (_, i) => `  - {id: s${i}, tool: slow, action: wait}`).join('\n');
      const doc = await runYamlWithTools(`id: c\nsteps:\n${steps}\n`, { tools: { slow }, maxParallel: 2, signal: ctl.signal });
      assert.equal(doc.status, 'cancelled');
      assert.deepEqual(new Set(Object.values(doc.steps).map((r) => r.status)), new Set(['cancelled']));
      assert.equal(getEventListeners(ctl.signal, 'abort').length, 0);
    });
  });

  describe('hardening: a loop with a huge max_parallel', function () {
    this.timeout(30_000);
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-mp-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('max_parallel: 100000 starts no more iterations than the run has slots (it started all 20,000 at once)', async () => {
      let ready = 0;
      let readyBeforeFirstEnd = -1;
      const text = 'id: mp\nsteps:\n  - id: loop\n    for_each: "{{ range(20000) | list }}"\n    max_parallel: 100000\n    steps:\n      - id: body\n        tool: data\n        action: aggregate\n        parameters: {data: [1]}\n';
      const doc = await runYamlWithTools(text, {
        maxParallel: 8,
        listeners: [
          (e) => {
            if (e.type === 'step-ready' && e.scope.length) ready++;
            if (e.type === 'step-ended' && e.scope.length && readyBeforeFirstEnd < 0) readyBeforeFirstEnd = ready;
          },
        ],
      });
      assert.equal(doc.status, 'completed');
      assert.equal((doc.steps.loop.result as unknown[]).length, 20_000);
      assert.ok(readyBeforeFirstEnd >= 1 && readyBeforeFirstEnd <= 8, `iterations ready before the first ended: ${readyBeforeFirstEnd}`);
    });
  });

  describe('hardening: long timeouts', function () {
    this.timeout(20_000);
    const signal = eachInItsFolder('orc-timeout-');

    it('timeout: 2147484 (past the longest Node timer) does not fire at once, on the step or on the command', async () => {
      const doc = await runYamlWithTools(
        'id: long\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    timeout: 2147484\n    parameters: {command: "sleep 0.3; echo done", timeout: 2147484}\n',
      );
      assert.deepEqual([doc.steps.a.status, doc.steps.a.error, (doc.steps.a.result as { stdout: string }).stdout], ['completed', null, 'done\n']);
    });

    it('a chained timer still fires: a short one through the same path', async () => {
      // the command would sleep far past the test's timeout: the run ends only if the timer fires.
      // (2 s, not 0.2: in a fresh clone's CI, with the smoke benches beside it, the shell had not yet
      // written its pid 0.2 s after the step started, and the test could not find what to check)
      const doc = await runYamlWithTools('id: short\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    timeout: 2\n    parameters: {command: "echo $$ > a.pid; exec sleep 600"}\n', { signal: signal() });
      assert.deepEqual([doc.steps.a.status, doc.steps.a.error_type, doc.steps.a.timed_out], ['failed', 'TimeoutError', true]);
      const [sleeping] = pidsIn('a.pid');
      strays.push(sleeping);
      await until(() => !alive(sleeping));
    });
  });

  describe("hardening: the run's own state", function () {
    this.timeout(30_000);
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-state-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('the first checkpoint is on disk before the first step starts', async () => {
      const seen: unknown[] = [];
      const look: ToolDefinition = {
        spec: { name: 'look', description: 'Reads the checkpoint.', actions: { now: { description: 'Now.', parameters: {} } } } as ToolDefinition['spec'],
        run: async () => {
          const f = path.join(dir, '.orchestrator', 'runs', 'first', 'checkpoint.json');
          seen.push(fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null);
          return { success: true, result: null };
        },
      };
      const doc = await runYamlWithTools('id: first\nsteps:\n  - {id: a, tool: look, action: now}\n', { tools: { look }, checkpoint: true, executionId: 'first' });
      assert.equal(doc.status, 'completed');
      const cp = seen[0] as { status: string; steps: Record<string, unknown>; execution_id: string } | null;
      assert.ok(cp, 'no checkpoint when the first step ran');
      assert.deepEqual([cp.execution_id, cp.status, cp.steps], ['first', 'running', {}]);
    });

    it('orc run: a step that deletes .orchestrator does not crash the run; the checkpoint and result are written again', () => {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        'id: wipe\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "rm -rf .orchestrator"}\n  - id: b\n    tool: terminal\n    action: execute\n    dependencies: [a]\n    parameters: {command: "echo after"}\n',
      );
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as ResultDocument;
      assert.equal(doc.steps.b.result && (doc.steps.b.result as { stdout: string }).stdout, 'after\n');
      const runDir = path.join(dir, '.orchestrator', 'runs', doc.execution_id);
      assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')).status, 'completed');
      assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'result.json'), 'utf8')).status, 'completed');
    });

    it('orc run: a filesystem step that deletes "." fails with PermissionError (exit 1) and the workspace stays', () => {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: wipe\nsteps:\n  - id: a\n    tool: filesystem\n    action: delete\n    parameters: {path: ".", recursive: true}\n');
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout) as ResultDocument;
      assert.deepEqual([doc.steps.a.status, doc.steps.a.error_type, doc.steps.a.error], ['failed', 'PermissionError', 'Refusing to delete or move the workspace or a folder that holds it: .']);
      assert.ok(fs.existsSync(path.join(dir, 'p.pipeline.yaml')));
    });
  });

  describe('hardening: commands do not outlive a killed run', function () {
    this.timeout(30_000);
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-orphan-'))));
    afterEach(() => {
      killStrays();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('kill -9 of orc run: the command and the processes it started die, long before their own end', async () => {
      // they would sleep far past the test's timeout: only the watchdog can end them in time
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        'id: orphan\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "echo $$ > shell.pid; sleep 600 & echo $! > grandchild.pid; wait"}\n',
      );
      const run = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml'], { cwd: dir, stdio: 'ignore' });
      strays.push(run.pid!);
      const pidFile = path.join(dir, 'grandchild.pid');
      await until(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').endsWith('\n'));
      const pids = ['grandchild.pid', 'shell.pid'].map((f) => pidsIn(f)[0]);
      strays.push(...pids);
      assert.ok(pids.every(alive), 'the command runs');
      run.kill('SIGKILL');
      await new Promise((r) => run.once('close', r));
      // processes that outlived the run hold this until the test's timeout
      await until(() => !pids.some(alive));
    });
  });

  describe('hardening: input names', function () {
    this.timeout(20_000);
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-input-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('orc run -i __proto__=... is refused (exit 2), not silently dropped or turned into a prototype', () => {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: inp\nparameters:\n  name: {type: string, default: x}\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "echo {{ name }}"}\n');
      for (const arg of ['__proto__={"name":"evil"}', '__proto__=1', 'constructor=1']) {
        const r = orc(['run', 'p.pipeline.yaml', '-i', arg], { cwd: dir });
        assert.equal(r.code, 2, `${arg}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`^orc: '${arg.split('=')[0]}' cannot be an input name$`, 'm'));
      }
      assert.equal(fs.existsSync(path.join(dir, '.orchestrator')), false, 'nothing ran');
    });

    it('orc run -i with a 50,000-deep JSON value is refused (exit 2) before anything runs', () => {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: inp\nparameters:\n  x: {type: array}\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "echo {{ x | length }}"}\n');
      const r = orc(['run', 'p.pipeline.yaml', '-i', `x=${'['.repeat(50_000)}${']'.repeat(50_000)}`], { cwd: dir });
      assert.equal(r.code, 2, r.stderr.slice(-300));
      assert.match(r.stderr, /^orc: Input 'x' is nested deeper than 1000 levels\.$/m);
      const ok = orc(['run', 'p.pipeline.yaml', '-i', 'x=[[1],[2]]', '--json'], { cwd: dir });
      assert.equal(JSON.parse(ok.stdout).steps.a.result.stdout, '2\n');
    });
  });

  describe('hardening: resume finds commands a dead run left', function () {
    this.timeout(30_000);
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-left-'))));
    afterEach(() => {
      killStrays();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('orc resume kills a command group the dead process left and says so', async () => {
      // the command writes its group (its shell's parent leads it) and sleeps far past the test's timeout
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: left\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "echo $PPID > started.txt; sleep ${SLEEP:-0}"}\n');
      const run = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml'], { cwd: dir, stdio: 'ignore', env: { ...process.env, SLEEP: '600' } });
      strays.push(run.pid!);
      await until(() => fs.existsSync(path.join(dir, 'started.txt')) && fs.readFileSync(path.join(dir, 'started.txt'), 'utf8').endsWith('\n'));
      const [group] = pidsIn('started.txt');
      strays.push(-group);
      run.kill('SIGKILL');
      await new Promise((r) => run.once('close', r));
      const [id] = fs.readdirSync(path.join(dir, '.orchestrator', 'runs'));
      const cp = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'checkpoint.json'), 'utf8'));
      assert.deepEqual([cp.status, cp.pid], ['running', run.pid]);
      // a command group of that process whose watchdog is gone too (the shape the terminal tool starts)
      const left = spawn('/bin/sh', ['-c', 'sleep 600; true', 'orc-command', String(run.pid), 'sleep 600'], { detached: true, stdio: 'ignore' });
      strays.push(-left.pid!);
      const leftEnded = new Promise<NodeJS.Signals | null>((r) => left.once('exit', (_code, signal) => r(signal)));
      // the real command's watchdog ends its group; the fake one has none
      await until(() => !groupAlive(group));
      assert.ok(alive(left.pid!));
      const r = orc(['resume', id], { cwd: dir, env: { SLEEP: '0' } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`The run's previous process \\(pid ${run.pid}\\) died and left 1 command running; it was killed`));
      // killed, not ended by its own sleep (a group left alone holds this until the test's timeout)
      assert.notEqual(await leftEnded, null, 'the left command ended without a signal');
    });
  });

  describe('hardening: results too deep to record', function () {
    this.timeout(20_000);
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-deep-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('orc run: a step returning 100,000-deep JSON fails with LimitError (the checkpoint write overflowed the stack and crashed the run)', () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      fs.writeFileSync(path.join(dir, 'deep.json'), deep);
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        'id: deep\nsteps:\n  - id: read\n    tool: filesystem\n    action: read\n    parameters: {path: deep.json}\n  - id: a\n    tool: data\n    action: parse\n    parameters: {format: json, content: "{{ read.result.content }}"}\n  - id: shallow\n    tool: data\n    action: parse\n    parameters: {format: json, content: "[[[1]]]"}\n',
      );
      const r = orc(['run', 'p.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(r.code, 1, r.stderr.slice(-500));
      const doc = JSON.parse(r.stdout) as ResultDocument;
      assert.deepEqual([doc.steps.a.status, doc.steps.a.error_type, doc.steps.a.error, doc.steps.a.result], ['failed', 'LimitError', "The step's result is nested deeper than 1000 levels, which the run cannot record", null]);
      assert.deepEqual(doc.steps.shallow.result, { data: [[[1]]] });
    });
  });

  describe('hardening: engine/run has no import cycle', () => {
    it('no module of engine/run imports, directly or not, a module that imports it back', () => {
      const runDir = path.join(ROOT, 'engine', 'run');
      const graph = new Map<string, string[]>();
      for (const f of fs.readdirSync(runDir).filter((x) => x.endsWith('.ts'))) {
        const src = fs.readFileSync(path.join(runDir, f), 'utf8');
        // type-only imports vanish at run time, but a cycle through them is still a tangle
        const deps = [...src.matchAll(/^(?:import|export)[^;]*?from '\.\/([\w.]+)'/gm)].map((m) => `${m[1]}.ts`);
        graph.set(f, deps);
      }
      const cycles: string[] = [];
      const visit = (f: string, trail: string[]) => {
        if (trail.includes(f)) {
          cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
          return;
        }
        for (const d of graph.get(f) ?? []) visit(d, [...trail, f]);
      };
      for (const f of graph.keys()) visit(f, []);
      assert.deepEqual(cycles, []);
    });
  });

  // Loops that could not be stopped and lost their progress (issue 9): signals reach a long loop,
  // iterations are capped, a loop's memory and its checkpoint stay bounded (a journal past the
  // first results), and a killed long loop resumes from what it had done.
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

    it("SIGTERM stops `while: \"true\"` with max_iterations 100,000,000, exit 130, with a whole checkpoint", async () => {
      fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), whileYaml);
      const r = await runAndSignal('p.pipeline.yaml', 'SIGTERM', () => journalLines() > 2000, { ORC_MAX_ITERATIONS: '100000000' });
      // 100,000,000 iterations cannot end before runAndSignal's guard kills the run (no exit code):
      // exit 130 is the signal stopping the loop
      assert.equal(r.code, 130, r.stderr);
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
});
