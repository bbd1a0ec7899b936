// The scheduler's behaviour, observed by the steps themselves (real commands writing timestamps):
// parallelism without level barriers, max_parallel, failure policies, retries, loops, conditions,
// outputs, the cache, cancellation.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, hasErrors } from '../../../engine/analyze/index';
import type { ResultDocument, RunEvent } from '../../../engine/run/events';
import { runPipeline, type RunOptions } from '../../../engine/run/runPipeline';
import { spawn } from 'node:child_process';
import { CLI, orc } from '../../helpers/cli';

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

describe('run: scheduling', function () {
  this.timeout(30_000);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-run-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a step starts when its own dependencies end, not when its whole level does', async () => {
    const doc = await runYaml(['id: nobarrier', 'steps:', timed('short', 0.05), timed('long', 0.8), timed('after_short', 0.05, ['short'])].join('\n'));
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.execution_levels, [['short', 'long'], ['after_short']]);
    const iv = intervals();
    assert.ok(iv.get('after_short')![0] >= iv.get('short')![1], 'started before its dependency ended');
    assert.ok(iv.get('after_short')![1] < iv.get('long')![1], 'waited for the other step of the level');
  });

  it('independent steps run at once and the run finishes close to its critical path', async () => {
    const steps = [timed('a', 0.4), timed('b', 0.4), timed('c', 0.4), timed('d', 0.3, ['a', 'b']), timed('e', 0.3, ['c'])];
    const doc = await runYaml(['id: fan', 'steps:', ...steps].join('\n'));
    assert.equal(doc.status, 'completed');
    assert.equal(maxOverlap(intervals()), 3);
    // critical path 0.7 s; total work 1.8 s
    assert.ok(doc.duration_ms < 1300, `took ${doc.duration_ms} ms for a 700 ms critical path`);
  });

  it('max_parallel is never exceeded, and is reached', async () => {
    const steps = Array.from({ length: 9 }, (_, i) => timed(`s${i}`, 0.15));
    const doc = await runYaml(['id: limited', 'context: {max_parallel: 3}', 'steps:', ...steps].join('\n'));
    assert.equal(doc.status, 'completed');
    assert.equal(maxOverlap(intervals()), 3);
    // --max-parallel wins over context.max_parallel
    fs.rmSync(path.join(dir, 'times.log'));
    const doc2 = await runYaml(['id: limited', 'context: {max_parallel: 3}', 'steps:', ...steps].join('\n'), { maxParallel: 2 });
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
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-run-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

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
    const doc = await runYaml(['id: slow', 'steps:', cmd('slow', 'sleep 5', '    timeout: 0.3\n    retry: {max_attempts: 2, initial_delay: 0.01}\n')].join('\n'));
    const s = doc.steps.slow;
    assert.deepEqual([s.status, s.success, s.error_type, s.timed_out, s.attempts, s.retries], ['failed', false, 'TimeoutError', true, 2, 1]);
    assert.equal(s.error, "Step 'slow' timed out after 0.3 s (attempt 2 of 2)");
    assert.ok(s.duration_ms! < 2000);
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
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('Ctrl-C cancels: running steps are stopped, the checkpoint written, exit 130; resume finishes', async () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), ['id: long', 'steps:', cmd('quick', 'echo quick >> marks'), cmd('slow', 'if [ -f go ]; then echo slow >> marks; else sleep 20; fi', '    dependencies: [quick]\n')].join('\n'));
    const child = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml', '--json'], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    for (let i = 0; i < 200 && !stderr.includes('▶ slow'); i++) await new Promise((r) => setTimeout(r, 25));
    const t0 = Date.now();
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.ok(Date.now() - t0 < 5000, 'cancellation took too long');
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
