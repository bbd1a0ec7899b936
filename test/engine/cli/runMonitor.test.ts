// `orc run FILE --monitor` through the built CLI: the pipeline's monitors check the run after its
// result is printed, each verdict on stderr, each check a line of .orchestrator/monitors/NAME.jsonl,
// a failed run flagged monitor:NAME for `orc review`. The judge is a loopback OpenAI-wire server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { tempDir } from '../../helpers/agentRun';
import { orcAsync, ROOT } from '../../helpers/cli';

const PIPELINE = `id: support
parameters:
  answer: {type: string, required: true}
steps:
  - id: reply
    tool: data
    action: convert
    parameters: {data: "{{ answer }}", format: json}
outputs:
  reply: "{{ answer }}"
monitors:
  - name: polite
    assert: [{type: not-contains, value: "I cannot"}]
  - name: grounded
    sample: 0.25
    assert:
      - {type: llm_rubric, value: "cites the order number", model: "openai:gpt-4o-mini", threshold: 0.7}
`;

describe('orc run --monitor', function () {
  this.timeout(60_000);
  const models = new LoopbackProviders();
  let dir: string;
  before(async () => {
    await models.start();
    dir = tempDir('orc-run-monitor-');
    fs.writeFileSync(path.join(dir, 'support.pipeline.yaml'), PIPELINE);
  });
  after(() => models.stop());
  const env = () => ({ OPENAI_API_KEY: 'sk-run-monitor-key-0000', OPENAI_BASE_URL: `${models.origin}/v1` });
  const lines = (name: string) =>
    fs
      .readFileSync(path.join(dir, '.orchestrator', 'monitors', `${name}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const { at, ...rest } = JSON.parse(l) as Record<string, unknown>;
        assert.ok(!Number.isNaN(Date.parse(at as string)));
        return rest;
      });

  it('checks the run after its result is printed: verdicts on stderr, the checks written, a failed run flagged for review', async () => {
    models.responder = (body) => ({ json: JSON.stringify(body).includes('4711') ? { score: 0.9, reason: 'names order 4711' } : { score: 0.2, reason: 'no order number' } });
    const good = await orcAsync(['run', 'support.pipeline.yaml', '-i', 'answer=Order 4711 ships today.', '--json', '--monitor'], { cwd: dir, env: env(), isolated: true });
    assert.equal(good.code, 0, good.stderr);
    const doc = JSON.parse(good.stdout) as { execution_id: string; outputs: unknown };
    assert.deepEqual(doc.outputs, { reply: 'Order 4711 ships today.' });
    const goodId = doc.execution_id;
    // every monitor checks a local run (a sample is for service): the stderr says whether service would have
    assert.match(good.stderr, /^monitor 'polite': pass$/m);
    assert.match(good.stderr, /^monitor 'grounded': pass \(score 0\.9\) \(in service it samples 25% of runs, (this one among them|not this one)\)$/m);

    const bad = await orcAsync(['run', 'support.pipeline.yaml', '-i', 'answer=I cannot find your order.', '--json', '--monitor'], { cwd: dir, env: env(), isolated: true });
    // the run's own exit code: the monitors do not change it
    assert.equal(bad.code, 0, bad.stderr);
    const badId = (JSON.parse(bad.stdout) as { execution_id: string }).execution_id;
    assert.match(bad.stderr, /^monitor 'polite': fail: not_contains \(output reply\): "I cannot find your order\." contains "I cannot"$/m);
    assert.match(bad.stderr, /^monitor 'grounded': fail \(score 0\.2\): llm_rubric \(output reply\): no order number/m);

    assert.deepEqual(lines('polite'), [
      { run_id: goodId, pipeline: 'support', monitor: 'polite', status: 'pass', passed: true, score: null, reasons: [] },
      { run_id: badId, pipeline: 'support', monitor: 'polite', status: 'fail', passed: false, score: null, reasons: ['not_contains (output reply): "I cannot find your order." contains "I cannot"'] },
    ]);
    assert.deepEqual(lines('grounded'), [
      { run_id: goodId, pipeline: 'support', monitor: 'grounded', status: 'pass', passed: true, score: 0.9, reasons: [] },
      { run_id: badId, pipeline: 'support', monitor: 'grounded', status: 'fail', passed: false, score: 0.2, reasons: ['llm_rubric (output reply): no order number'] },
    ]);
    // the failed run waits for review with the monitors' flags (a local run has no trigger: only a flagged one is listed)
    const review = await orcAsync(['review'], { cwd: dir, isolated: true });
    assert.equal(review.code, 0, review.stderr);
    const rows = review.stdout.trim().split('\n').map((l) => l.split(/ {2,}/));
    assert.deepEqual(rows[0], ['RUN', 'PIPELINE', 'FROM', 'STATUS', 'STARTED (UTC)', 'LABEL', 'NOTE']);
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[2], r[5]]), [[badId, 'orc run', '- (monitor:polite, monitor:grounded)']]);
    const json = JSON.parse((await orcAsync(['review', '--json'], { cwd: dir, isolated: true })).stdout) as Array<{ run: { execution_id: string }; flags: string[] }>;
    assert.deepEqual(json.map((i) => [i.run.execution_id, i.flags]), [[badId, ['monitor:polite', 'monitor:grounded']]]);
  });

  it('without --monitor nothing is checked; a pipeline with no monitors says so', async () => {
    const before = lines('polite').length;
    const plain = await orcAsync(['run', 'support.pipeline.yaml', '-i', 'answer=I cannot.'], { cwd: dir, env: env(), isolated: true });
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /monitor '/);
    assert.equal(lines('polite').length, before);
    fs.writeFileSync(path.join(dir, 'bare.pipeline.yaml'), PIPELINE.replace(/monitors:[\s\S]*$/, ''));
    const bare = await orcAsync(['run', 'bare.pipeline.yaml', '-i', 'answer=hi', '--monitor'], { cwd: dir, env: env(), isolated: true });
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stderr, /^orc: --monitor: bare\.pipeline\.yaml has no monitors: nothing will check the run$/m);
  });

  it('examples/monitors replays offline from its committed cassette, the judge included: one reply passes, a refusal fails both monitors', async () => {
    const copy = tempDir('orc-run-monitor-example-');
    fs.cpSync(path.join(ROOT, 'examples', 'monitors'), copy, { recursive: true });
    const good = await orcAsync(['run', 'support-monitored.pipeline.yaml', '--replay', '--monitor'], { cwd: copy, isolated: true });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stderr, /^monitor 'polite': pass$/m);
    assert.match(good.stderr, /^monitor 'grounded': pass \(score 0\.95\)/m);
    const bad = await orcAsync(['run', 'support-monitored.pipeline.yaml', '--replay', '--monitor', '-i', 'question=Can you delete my account?'], { cwd: copy, isolated: true });
    assert.equal(bad.code, 0, bad.stderr);
    assert.match(bad.stderr, /^monitor 'polite': fail: not_contains \(output reply\): "I cannot delete accounts/m);
    assert.match(bad.stderr, /^monitor 'grounded': fail \(score 0\.1\): llm_rubric \(output reply\): The reply names no order number\./m);
    assert.equal(fs.readFileSync(path.join(copy, '.orchestrator', 'monitors', 'grounded.jsonl'), 'utf8').trim().split('\n').length, 2);
  });
});
