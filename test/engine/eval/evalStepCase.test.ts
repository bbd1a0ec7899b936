// Step cases and mocks: `step: ID` runs that one step with `upstream` values (or a recorded run's,
// `from_run`), and `mocks` answer tool calls by tool and arguments, for a plain step and an agent's
// calls alike. A mocked command never runs (the file it would write is not there), no other step
// runs (the loopback model server sees no request of theirs), and the result lists what was mocked.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, createModelRunner, EvalInputError, runEval, type CaseResult } from '../../../engine/api/index';
import { readRunResult } from '../../../engine/run/runPacks';
import { evalCommand } from '../../../engine/cli/evalCommand';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { loopbackEnv, tempDir, turnOf } from '../../helpers/agentRun';

const PIPELINE = `id: deploy
parameters:
  target: {type: string, required: true}
steps:
  - id: plan
    action: generate
    model: openai:gpt-4o-mini
    parameters: {prompt: "Plan a deploy to {{ target }}"}
  - id: apply
    tool: terminal
    action: execute
    dependencies: [plan]
    parameters: {command: "echo applied > applied.txt"}
  - id: report
    action: agent
    model: openai:gpt-4o-mini
    dependencies: [apply]
    tools: [terminal.execute, filesystem.read]
    parameters: {prompt: "Report on {{ apply.result.stdout }} for {{ plan.result }}"}
`;

describe('eval step cases and mocks', function () {
  this.timeout(30000);
  const srv = new LoopbackProviders();
  const dirs: string[] = [];
  before(async () => {
    await srv.start();
    srv.responder = (body) => {
      if (!body.tools) return { text: 'a careful plan' };
      return turnOf(body) === 0 ? { toolCalls: [{ name: 'terminal_execute', arguments: { command: 'echo hacked > hacked.txt' } }] } : { text: 'reported' };
    };
  });
  beforeEach(() => {
    srv.requests.length = 0;
  });
  after(async () => {
    await srv.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function evalOf(cases: string, dir = tempDir('orc-eval-step-')): Promise<{ results: CaseResult[]; dir: string }> {
    if (!dirs.includes(dir)) dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'deploy.pipeline.yaml'), PIPELINE);
    const text = `pipeline: deploy.pipeline.yaml\n${cases}`;
    const file = path.join(dir, 'deploy.eval.yaml');
    fs.writeFileSync(file, text);
    const analysis = analyzeEval(text, file);
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const results: CaseResult[] = [];
    const env = loopbackEnv(srv);
    await runEval({ root: dir, analysis, evalText: text, models: createModelRunner({ env }), env, cache: false, onResult: (r) => results.push(r) });
    return { results, dir };
  }

  it('a plain step alone with upstream values: the mocked command never runs, no other step runs, the result lists the mock', async () => {
    const { results, dir } = await evalOf(`cases:
  - id: apply-alone
    target: prod
    step: apply
    upstream: {plan: "a plan from the case"}
    mocks:
      - tool: terminal.execute
        args: {command: "echo applied > applied.txt"}
        result: {stdout: "mocked ok", exit_code: 0}
    assert:
      - step: apply
        expression: "value.stdout == 'mocked ok'"
`);
    const r = results[0];
    assert.equal(r.status, 'pass', JSON.stringify(r));
    assert.equal(fs.existsSync(path.join(dir, 'applied.txt')), false, 'the mocked command wrote nothing');
    assert.equal(srv.requests.length, 0, 'neither plan nor report called the model');
    assert.deepEqual(r.mocked, [{ tool: 'terminal.execute', args: { command: 'echo applied > applied.txt' }, answered: 'result', calls: 1 }]);
    const doc = readRunResult(dir, r.run_id!);
    assert.ok(typeof doc !== 'string');
    assert.deepEqual(Object.fromEntries(Object.entries(doc.steps).map(([id, s]) => [id, [s.status, s.started_at === null]])), { plan: ['completed', true], apply: ['completed', false], report: ['skipped', true] });
    assert.equal(doc.steps.report.skip_reason, "not run: this case runs step 'apply' alone");
  });

  it("an agent's call answered by a mock's error after its delay; the tool never runs", async () => {
    const { results, dir } = await evalOf(`cases:
  - id: report-alone
    target: prod
    step: report
    upstream: {plan: p, apply: {stdout: ok}}
    mocks:
      - {tool: terminal, error: permission denied, delay_ms: 20}
    assert:
      - step: report
        tool_not_called: filesystem.read
`);
    const r = results[0];
    assert.equal(r.status, 'pass', JSON.stringify(r));
    assert.equal(fs.existsSync(path.join(dir, 'hacked.txt')), false);
    assert.deepEqual(r.mocked, [{ tool: 'terminal', args: null, answered: 'error', calls: 1 }]);
    // the agent's two turns, and nothing of plan
    assert.equal(srv.requests.length, 2);
    const doc = readRunResult(dir, r.run_id!);
    assert.ok(typeof doc !== 'string');
    const call = (doc.steps.report.result as { tool_calls: { tool: string; status: string; error?: string }[] }).tool_calls[0];
    assert.deepEqual([call.tool, call.status], ['terminal.execute', 'error']);
    assert.match(call.error!, /permission denied/);
  });

  it('from_run: the step runs on a recorded run’s upstream results and inputs', async () => {
    const first = await evalOf(`cases:
  - id: whole
    target: staging
    mocks: [{tool: terminal, result: {stdout: recorded}}]
assert:
  - step: report
    status: completed
`);
    assert.equal(first.results[0].status, 'pass', JSON.stringify(first.results[0]));
    assert.equal(srv.requests.length, 3, 'plan, then the agent’s two turns');
    srv.requests.length = 0;
    const runId = first.results[0].run_id!;
    const again = await evalOf(
      `cases:
  - id: frozen
    step: report
    from_run: ${runId}
    mocks: [{tool: terminal, result: {stdout: again}}]
assert:
  - step: report
    status: completed
`,
      first.dir,
    );
    assert.equal(again.results[0].status, 'pass', JSON.stringify(again.results[0]));
    assert.equal(srv.requests.length, 2, 'only the agent ran');
    const messages = srv.requests[0].body.messages as { content: string }[];
    assert.equal(messages[messages.length - 1].content, 'Report on recorded for a careful plan');
  });

  it('Freeze as Test: orc eval add --step ID --from-run RUN writes the step case (upstream values, tool results as mocks), which then runs no tool', async () => {
    const first = await evalOf(`cases:
  - id: whole
    target: staging
    mocks: [{tool: terminal, result: {stdout: recorded}}]
`);
    const runId = first.results[0].run_id!;
    const file = path.join(first.dir, 'deploy.eval.yaml');
    const before = fs.readFileSync(file, 'utf8');
    const out: string[] = [];
    const cwd = process.cwd();
    process.chdir(first.dir);
    try {
      const io = { out: (x: string) => out.push(x), err: (x: string) => out.push(x) } as never;
      assert.equal(await evalCommand(['add', 'deploy.eval.yaml', '--step', 'report', '--from-run', runId, '--expect'], { color: false } as never, { color: false } as never, io), 0);
      await assert.rejects(evalCommand(['add', 'deploy.eval.yaml', '--from-run', runId], { color: false } as never, { color: false } as never, io), /--from-run goes with --step/);
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual(out, [`added step case '${runId}-report' to deploy.eval.yaml with the step's result as its expected value`]);
    const added = fs.readFileSync(file, 'utf8').slice(before.length);
    assert.equal(
      added,
      [
        `  - id: ${runId}-report`,
        '    target: staging',
        '    step: report',
        '    upstream:',
        '      plan: a careful plan',
        '      apply:',
        '        stdout: recorded',
        '    mocks:',
        '      - tool: terminal.execute',
        '        args:',
        '          command: echo hacked > hacked.txt',
        '        result:',
        '          stdout: recorded',
        '    assert:',
        '      - step: report',
        '        status: completed',
        '      - step: report',
        '        tool_sequence:',
        '          - terminal.execute',
        '',
      ].join('\n'),
    );
    fs.rmSync(path.join(first.dir, 'hacked.txt'), { force: true });
    srv.requests.length = 0;
    const text = fs.readFileSync(file, 'utf8');
    const analysis = analyzeEval(text, file);
    const results: CaseResult[] = [];
    const env = loopbackEnv(srv);
    await runEval({ root: first.dir, analysis, evalText: text, models: createModelRunner({ env }), env, cache: false, onlyCases: [`${runId}-report`], onResult: (r) => results.push(r) });
    assert.equal(results[0].status, 'pass', JSON.stringify(results[0]));
    assert.deepEqual(results[0].mocked, [{ tool: 'terminal.execute', args: { command: 'echo hacked > hacked.txt' }, answered: 'result', calls: 1 }]);
    assert.equal(fs.existsSync(path.join(first.dir, 'hacked.txt')), false);
    assert.equal(srv.requests.length, 2, 'the agent’s two turns only');
  });

  it('a step that is not one, or an upstream missing, stops the eval before anything runs', async () => {
    await assert.rejects(evalOf('cases:\n  - {id: bad, target: x, step: nope}\n'), (e: Error) => e instanceof EvalInputError && /'step' names a top-level step of the pipeline \(plan, apply, report\), not "nope"/.test(e.message));
    await assert.rejects(evalOf('cases:\n  - {id: bad, target: x, step: apply}\n'), /step 'apply' depends on 'plan': give its result in 'upstream'/);
    await assert.rejects(evalOf('cases:\n  - {id: bad, target: x, mocks: [{tool: nosuch, result: 1}]}\n'), /'nosuch' is not a built-in tool/);
    assert.equal(srv.requests.length, 0);
  });
});
