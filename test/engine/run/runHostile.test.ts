// Holes found from outside in the run engine (issue 9, and issue 11's listener leak): each test
// fails without its fix.
import { strict as assert } from 'node:assert';
import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, hasErrors } from '../../../engine/analyze/index';
import type { ResultDocument } from '../../../engine/run/events';
import { runPipeline, type RunOptions } from '../../../engine/run/runPipeline';
import type { ToolContext, ToolDefinition } from '../../../engine/toolkit/runtime';
import { spawn } from 'node:child_process';
import { CLI, orc, ROOT } from '../../helpers/cli';
import { alive } from '../../helpers/processes';

let dir: string;

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

async function runYaml(text: string, opts: Partial<RunOptions> = {}): Promise<ResultDocument> {
  const specs = opts.tools ? Object.fromEntries(Object.entries(opts.tools).map(([k, t]) => [k, t.spec])) : undefined;
  const a = analyze(text, { tools: specs });
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), [], 'the test pipeline must compile');
  assert.ok(!hasErrors(a.findings));
  return runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, ...opts });
}

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
      const doc = await runYaml(`id: many\nsteps:\n${steps}\n`, { tools: { probe: probeTool(seen) }, maxParallel: 4, signal: ctl.signal });
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
      const doc = await runYaml(`id: wide\nsteps:\n${steps}\n`, { tools: { hold }, maxParallel: 64, signal: ctl.signal });
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
    const doc = await runYaml(`id: c\nsteps:\n${steps}\n`, { tools: { slow }, maxParallel: 2, signal: ctl.signal });
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
    const doc = await runYaml(text, {
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
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-timeout-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('timeout: 2147484 (past the longest Node timer) does not fire at once, on the step or on the command', async () => {
    const doc = await runYaml(
      'id: long\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    timeout: 2147484\n    parameters: {command: "sleep 0.3; echo done", timeout: 2147484}\n',
    );
    assert.deepEqual([doc.steps.a.status, doc.steps.a.error, (doc.steps.a.result as { stdout: string }).stdout], ['completed', null, 'done\n']);
  });

  it('a chained timer still fires: a short one through the same path', async () => {
    const doc = await runYaml('id: short\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    timeout: 0.2\n    parameters: {command: "sleep 5"}\n');
    assert.deepEqual([doc.steps.a.status, doc.steps.a.error_type, doc.steps.a.timed_out], ['failed', 'TimeoutError', true]);
    assert.ok(doc.steps.a.duration_ms! < 3000);
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
    const doc = await runYaml('id: first\nsteps:\n  - {id: a, tool: look, action: now}\n', { tools: { look }, checkpoint: true, executionId: 'first' });
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
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('kill -9 of orc run: the command and the processes it started die within seconds', async () => {
    fs.writeFileSync(
      path.join(dir, 'p.pipeline.yaml'),
      'id: orphan\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "sleep 60 & echo $! > grandchild.pid; echo $$ > shell.pid; wait"}\n',
    );
    const run = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml'], { cwd: dir, stdio: 'ignore' });
    const pidFile = path.join(dir, 'grandchild.pid');
    const deadline = Date.now() + 10_000;
    while (!(fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const pids = ['grandchild.pid', 'shell.pid'].map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8').trim()));
    assert.ok(pids.every(alive), 'the command runs');
    run.kill('SIGKILL');
    await new Promise((r) => run.once('close', r));
    const until = Date.now() + 5_000;
    while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const left = pids.filter(alive);
    for (const p of left) process.kill(p, 'SIGKILL');
    assert.deepEqual(left, [], 'processes outlived the run');
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
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('orc resume kills a command group the dead process left and says so', async () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), 'id: left\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "echo started > started.txt; sleep ${SLEEP:-0}"}\n');
    const run = spawn(process.execPath, [CLI, 'run', 'p.pipeline.yaml'], { cwd: dir, stdio: 'ignore', env: { ...process.env, SLEEP: '30' } });
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(path.join(dir, 'started.txt')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    run.kill('SIGKILL');
    await new Promise((r) => run.once('close', r));
    const [id] = fs.readdirSync(path.join(dir, '.orchestrator', 'runs'));
    const cp = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', id, 'checkpoint.json'), 'utf8'));
    assert.deepEqual([cp.status, cp.pid], ['running', run.pid]);
    // a command group of that process whose watchdog is gone too (the shape the terminal tool starts)
    const left = spawn('/bin/sh', ['-c', 'sleep 30; true', 'orc-command', String(run.pid), 'sleep 30'], { detached: true, stdio: 'ignore' });
    // the real command's watchdog ends its group within a second; the fake one has none
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(alive(left.pid!));
    const r = orc(['resume', id], { cwd: dir, env: { SLEEP: '0' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`The run's previous process \\(pid ${run.pid}\\) died and left 1 command running; it was killed`));
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(alive(left.pid!), false);
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
