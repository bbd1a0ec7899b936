// Coverage of a pipeline by an eval: the exact lcov `orc eval FILE --coverage OUT.info` writes, from
// real case runs (an agent's model is the loopback OpenAI server): steps run (loop bodies once per
// iteration; a step a jump passes over has 0 hits), a condition's true and false, an on_failure
// policy's two outcomes, a loop's 0 / 1 / many iterations, a jump taken, each agent tool called.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, CoverageCollector, coverageLine, createModelRunner, runEval, toLcov } from '../../../engine/api/index';
import { evalCommand } from '../../../engine/cli/evalCommand';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { loopbackEnv, tempDir, turnOf } from '../../helpers/agentRun';

const PIPELINE = `id: cov
parameters:
  text: {type: string, required: true}
  topics: {type: array, default: []}
steps:
  - id: long
    tool: filesystem
    action: write
    condition: "{{ text | length > 5 }}"
    parameters: {path: long.txt, content: "{{ text }}"}
  - id: risky
    tool: filesystem
    action: read
    on_failure: continue
    parameters: {path: "{{ text }}.txt"}
  - id: per_topic
    for_each: "{{ topics }}"
    loop_var: topic
    steps:
      - id: note
        tool: filesystem
        action: write
        parameters: {path: "note-{{ index }}.txt", content: "{{ topic }}"}
  - id: jumper
    tool: filesystem
    action: write
    on_success: finish
    parameters: {path: j.txt, content: j}
  - id: passed_over
    tool: filesystem
    action: write
    dependencies: [jumper]
    parameters: {path: p.txt, content: p}
  - id: finish
    action: agent
    model: openai:gpt-4o-mini
    dependencies: [passed_over]
    tools:
      - filesystem.read
      - filesystem.write
    parameters: {prompt: "Write {{ text }}"}
outputs:
  done: "{{ finish.result }}"
`;

const EVAL = `pipeline: cov.pipeline.yaml
cases:
  - {id: short, text: hi}
  - {id: longer, text: present, topics: [a, b]}
assert:
  - output: done
    is_json: true
threshold: 0.5
`;

const LCOV = [
  'TN:',
  'SF:cov.pipeline.yaml',
  'BRDA:9,0,0,1',
  'BRDA:9,0,1,1',
  'BRDA:14,1,0,1',
  'BRDA:14,1,1,1',
  'BRDA:17,2,0,1',
  'BRDA:17,2,1,0',
  'BRDA:17,2,2,1',
  'BRF:7',
  'BRH:6',
  'DA:6,1',
  'DA:11,2',
  'DA:14,1',
  'DA:16,2',
  'DA:20,2',
  'DA:24,2',
  'DA:27,2',
  'DA:29,0',
  'DA:34,2',
  'DA:39,0',
  'DA:40,2',
  'LF:11',
  'LH:9',
  'end_of_record',
  '',
].join('\n');

describe('eval coverage: lcov over the pipeline’s lines', function () {
  this.timeout(30000);
  const srv = new LoopbackProviders();
  let dir: string;
  before(async () => {
    await srv.start();
    srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [{ name: 'filesystem_write', arguments: { path: 'agent.txt', content: 'x' } }] } : { text: '{"ok": true}' });
    dir = tempDir('orc-eval-coverage-');
    fs.writeFileSync(path.join(dir, 'cov.pipeline.yaml'), PIPELINE);
    fs.writeFileSync(path.join(dir, 'cov.eval.yaml'), EVAL);
    fs.writeFileSync(path.join(dir, 'present.txt'), 'here');
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records steps, conditions, failure policies, loop shapes, jumps and agent tools over every case run', async () => {
    const file = path.join(dir, 'cov.eval.yaml');
    const analysis = analyzeEval(EVAL, file);
    const coverage = new CoverageCollector(analysis.pipeline!, 'cov.pipeline.yaml');
    const env = loopbackEnv(srv);
    const outcome = await runEval({ root: dir, analysis, evalText: EVAL, models: createModelRunner({ env }), env, onRun: (doc) => coverage.add(doc) });
    assert.equal(outcome.summary.total, 2);
    const report = coverage.report();
    assert.equal(toLcov(report), LCOV);
    assert.equal(coverageLine(report), 'coverage: 6/7 steps, 6/7 branches, 9/11 lines');
  });

  it('orc eval --coverage OUT.info writes that file and says so; the value is required', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const cwd = process.cwd();
    const saved = { ...process.env };
    Object.assign(process.env, loopbackEnv(srv), { ORC_MODEL_REGISTRY: '' });
    process.chdir(dir);
    try {
      const style = { color: false } as never;
      const code = await evalCommand(['cov.eval.yaml', '--coverage', 'cov.info', '--no-cache'], style, style, { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } as never);
      assert.equal(code, 0, err.join('\n'));
      assert.equal(fs.readFileSync(path.join(dir, 'cov.info'), 'utf8'), LCOV);
      assert.ok(out.includes('coverage: 6/7 steps, 6/7 branches, 9/11 lines; lcov: cov.info'), out.join('\n'));
      await assert.rejects(evalCommand(['cov.eval.yaml', '--coverage'], style, style, { out: () => undefined, err: () => undefined } as never), /--coverage needs a value|--coverage needs the lcov file/);
    } finally {
      process.chdir(cwd);
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('a report file that cannot be written: a folder or a missing folder is exit 2 before any case runs; a full disk is said plainly, exit 2, the results kept', async () => {
    // issue 74, item 10: these were `orc: internal error`, a stack trace and exit 70
    const cwd = process.cwd();
    const saved = { ...process.env };
    Object.assign(process.env, loopbackEnv(srv), { ORC_MODEL_REGISTRY: '' });
    process.chdir(dir);
    try {
      const style = { color: false } as never;
      const quiet = { out: () => undefined, err: () => undefined } as never;
      const evals = () => (fs.existsSync(path.join(dir, '.orchestrator', 'evals')) ? fs.readdirSync(path.join(dir, '.orchestrator', 'evals')).filter((d) => !d.startsWith('.')).length : 0);
      const before = evals();
      const calls = srv.requests.length;
      fs.mkdirSync(path.join(dir, 'reports'), { recursive: true });
      await assert.rejects(evalCommand(['cov.eval.yaml', '--junit', 'reports'], style, style, quiet), { message: '--junit reports: that is a folder; name the file to write (--junit report.xml)' });
      await assert.rejects(evalCommand(['cov.eval.yaml', '--coverage', 'missing/out.info'], style, style, quiet), { message: `--coverage missing/out.info: the folder ${path.join(dir, 'missing')} does not exist; nothing ran` });
      await assert.rejects(evalCommand(['cov.eval.yaml', '--junit', ''], style, style, quiet), { message: '--junit needs the file to write' });
      assert.equal(evals(), before, 'no eval ran');
      assert.equal(srv.requests.length, calls, 'no model was called');
      const err: string[] = [];
      const code = await evalCommand(['cov.eval.yaml', '--coverage', '/dev/full', '--junit', '/dev/full', '--no-cache'], style, style, { out: () => undefined, err: (s: string) => err.push(s) } as never);
      assert.equal(code, 2, err.join('\n'));
      assert.equal(evals(), before + 1, 'the eval ran and its record is kept');
      const kept = err.filter((l) => l.startsWith('orc: --'));
      assert.equal(kept.length, 2, err.join('\n'));
      assert.match(kept[0], /^orc: --coverage \/dev\/full: could not write it \(ENOSPC\); the eval's results are kept in \.orchestrator\/evals\/\S+ \(orc evals\)$/);
      assert.match(kept[1], /^orc: --junit \/dev\/full: could not write it \(ENOSPC\); the eval's results are kept in \.orchestrator\/evals\/\S+ \(orc evals\)$/);
    } finally {
      process.chdir(cwd);
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
