// The agent examples a new user runs first, offline from their committed cassettes with no key and
// no provider: the triage agent writes its report (after --yes approves the write) and answers in
// vars; its eval passes touching nothing; the planner delegates to its worker on another provider.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { orc, ROOT } from '../../helpers/cli';
import { tempDir } from '../../helpers/agentRun';

/** No key, and every provider's address a port where nothing listens: a live call could only fail. */
const OFFLINE = { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };

/** The examples copied into a folder laid out as the repository (their paths start at its root). */
function project(): string {
  const dir = tempDir('orc-examples-');
  fs.cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
  return dir;
}

describe('agent examples run offline from their cassettes', function () {
  this.timeout(60000);

  it('the examples have no findings', () => {
    const r = orc(['validate', 'examples/triage.pipeline.yaml', 'examples/brain-muscle.pipeline.yaml', 'examples/triage.eval.yaml']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, 'examples/triage.pipeline.yaml: valid\nexamples/brain-muscle.pipeline.yaml: valid\nexamples/triage.eval.yaml: valid\n');
  });

  it('triage: --replay --yes lists, reads the three reports at once, writes the report, and answers in vars', () => {
    const dir = project();
    const r = orc(['run', 'examples/triage.pipeline.yaml', '--replay', '--yes', '--json'], { cwd: dir, env: OFFLINE });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { outputs: Record<string, unknown>; steps: { triage: { result: { stop_reason: string; turns: number; tool_calls: { tool: string; status: string }[] } } } };
    assert.deepEqual(doc.outputs, { critical: 2, summary: 'Two critical bugs (CSV export loses data, proxy logins time out) and one cosmetic one.', report: 'output/triage-report.md' });
    const res = doc.steps.triage.result;
    assert.equal(res.stop_reason, 'answered');
    assert.equal(res.turns, 5);
    assert.deepEqual(res.tool_calls.map((c) => `${c.tool} ${c.status}`), ['filesystem.list ok', 'filesystem.read ok', 'filesystem.read ok', 'filesystem.read ok', 'filesystem.write ok']);
    const report = fs.readFileSync(path.join(dir, 'output', 'triage-report.md'), 'utf8');
    assert.match(report, /^# Bug triage: examples\/triage\/inbox\n\n## Critical\n- \*\*CSV export drops rows/);
    // each call on stderr, under its step
    assert.match(r.stderr, /\n {2}↳ filesystem\.write \{"path":"output\/triage-report\.md",/);

    // without --yes and no terminal, the write is denied and the model told: nothing is written
    fs.rmSync(path.join(dir, 'output'), { recursive: true });
    const denied = orc(['run', 'examples/triage.pipeline.yaml', '--replay', '--json'], { cwd: dir, env: OFFLINE });
    // the conversation goes another way from the denial on, which the cassette never recorded
    const step = (JSON.parse(denied.stdout) as { steps: { triage: { error: string; result: { tool_calls: { tool: string; status: string }[] } } } }).steps.triage;
    assert.equal(step.result.tool_calls.find((c) => c.tool === 'filesystem.write')?.status, 'denied');
    assert.match(step.error, /has no recorded answer for this call to anthropic:claude-haiku-4-5/);
    assert.equal(fs.existsSync(path.join(dir, 'output')), false);
  });

  it('triage eval: --replay --replay-tools passes every trajectory assertion and writes nothing', () => {
    const dir = project();
    const r = orc(['eval', 'examples/triage.eval.yaml', '--replay', '--replay-tools', '--json'], { cwd: dir, env: OFFLINE });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { eval: { summary: { passed: number; total: number } }; results: { assertions: { kind: string; pass: boolean }[] }[] };
    assert.deepEqual([out.eval.summary.passed, out.eval.summary.total], [1, 1]);
    assert.deepEqual(out.results[0].assertions.map((a) => `${a.kind} ${a.pass}`), ['tool_sequence true', 'tool_called true', 'max_turns true', 'max_tool_calls true', 'equals true', 'icontains true']);
    assert.equal(fs.existsSync(path.join(dir, 'output')), false);
  });

  it('brain-muscle: the planner on Anthropic delegates to the worker on OpenAI, which reads the release notes', () => {
    const dir = project();
    const r = orc(['run', 'examples/brain-muscle.pipeline.yaml', '--replay', '--json'], { cwd: dir, env: OFFLINE });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { outputs: { answer: string }; steps: { plan: { result: { tool_calls: { tool: string; agent: { tool_calls: { tool: string }[] } }[] } } } };
    assert.match(doc.outputs.answer, /^2\.5\.0 fixed the most bugs: five, against three in 2\.4\.0\./);
    const call = doc.steps.plan.result.tool_calls[0];
    assert.equal(call.tool, 'agent:muscle');
    assert.deepEqual(call.agent.tool_calls.map((c) => c.tool), ['filesystem.list', 'filesystem.read', 'filesystem.read']);
  });
});
