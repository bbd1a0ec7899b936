// The trials and coverage parts of `npm run bench eval` (bench/evalTrialsCoverage.ts): its scripted
// answers, its comparison of adaptive trials with fixed ones, and its files run for real (the engine's
// runEval against the loopback OpenAI server, as the bench's driver runs them): the verdicts are the
// ones the cases are scripted for, and adaptive trials make the calls the Wilson stops predict.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, CoverageCollector, coverageLine, createModelRunner, runEval } from '../../engine/api/index';
import { compareTrials, coverageFiles, scriptedAnswer, trialsEval, writeTrialCases } from '../../bench/evalTrialsCoverage';
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';
import { loopbackEnv, tempDir } from '../helpers/agentRun';

const PIPELINE = `id: bench
parameters:
  topic:
    type: string
    required: true
steps:
  - id: answer
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Answer in JSON about {{ topic }}"
      stream: false
outputs:
  answer: "{{ answer.result }}"
`;

describe('eval bench: trials and coverage', function () {
  this.timeout(60_000);
  const srv = new LoopbackProviders();
  const calls = new Map<string, number>();
  let dir: string;
  before(async () => {
    await srv.start();
    srv.responder = (body) => {
      const m = body.messages as { content: string }[];
      return { text: scriptedAnswer(/about (.*)$/.exec(m[m.length - 1].content)![1], calls) };
    };
    dir = tempDir('orc-bench-trials-');
    fs.writeFileSync(path.join(dir, 'bench.pipeline.yaml'), PIPELINE);
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a case by its kind: right always, wrong always, half right at its odd calls', () => {
    const seen = new Map<string, number>();
    const right = JSON.stringify({ topic: 'trial right 0', answer: 'ok' });
    assert.deepEqual([1, 2, 3].map(() => scriptedAnswer('trial right 0', seen)), [right, right, right]);
    assert.deepEqual([1, 2].map(() => scriptedAnswer('trial wrong 1', seen)), ['no idea', 'no idea']);
    const half = JSON.stringify({ topic: 'trial half 2', answer: 'ok' });
    assert.deepEqual([1, 2, 3, 4].map(() => scriptedAnswer('trial half 2', seen)), [half, 'no idea', half, 'no idea']);
    // any other topic (the main bench's cases) is answered right
    assert.equal(scriptedAnswer('topic 7', seen), JSON.stringify({ topic: 'topic 7', answer: 'ok' }));
  });

  it('compares adaptive with fixed trials: the share of calls saved, and every case whose verdict differs', () => {
    assert.deepEqual(compareTrials({ calls: 30, verdicts: { 'a [default]': 'pass', 'b [default]': 'fail' } }, { calls: 12, verdicts: { 'a [default]': 'pass', 'b [default]': 'fail' } }), { fixedCalls: 30, adaptiveCalls: 12, saved: 0.6, differ: [] });
    assert.deepEqual(compareTrials({ calls: 20, verdicts: { 'a [default]': 'pass', 'b [default]': 'fail' } }, { calls: 20, verdicts: { 'a [default]': 'fail', 'c [default]': 'pass' } }).differ, ['a [default]: pass → fail', 'b [default]: fail → absent', 'c [default]: absent → pass']);
  });

  const run = async (file: string) => {
    calls.clear();
    srv.requests.length = 0;
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const analysis = analyzeEval(text, path.join(dir, file));
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const verdicts: Record<string, string> = {};
    const env = loopbackEnv(srv);
    await runEval({ root: dir, analysis, evalText: text, models: createModelRunner({ env }), env, cache: false, onResult: (r) => void (verdicts[`${r.case} [${r.variant}]`] = r.status) });
    return { calls: srv.requests.length, verdicts };
  };

  it('fixed and adaptive trials of the scripted cases give the same verdicts; adaptive ones stop early', async () => {
    writeTrialCases(dir, 3);
    // at 0.5: right and wrong stop at 4 (the 95 % interval of 4/4 is above 0.5, of 0/4 below), half at 9 (5 passed of 10)
    const fixed = await run(trialsEval(dir, 'fixed', '10', 0.5));
    assert.deepEqual(fixed.verdicts, { 't0 [default]': 'pass', 't1 [default]': 'fail', 't2 [default]': 'pass' });
    const adaptive = await run(trialsEval(dir, 'adaptive', '{ max: 10, confidence: 0.95 }', 0.5));
    assert.deepEqual(compareTrials(fixed, adaptive), { fixedCalls: 30, adaptiveCalls: 17, saved: 1 - 17 / 30, differ: [] });
    // under pass^k: right runs all 10, wrong stops at its first failure, half at its second trial
    const fixedK = await run(trialsEval(dir, 'fixed-k', '10', 1));
    assert.deepEqual(fixedK.verdicts, { 't0 [default]': 'pass', 't1 [default]': 'fail', 't2 [default]': 'fail' });
    const adaptiveK = await run(trialsEval(dir, 'adaptive-k', '{ max: 10, confidence: 0.95 }', 1));
    assert.deepEqual(compareTrials(fixedK, adaptiveK), { fixedCalls: 30, adaptiveCalls: 13, saved: 1 - 13 / 30, differ: [] });
  });

  it('the coverage pipeline compiles, passes its assertions and covers every step, its condition and its loop', async () => {
    const file = coverageFiles(dir, 2);
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const analysis = analyzeEval(text, path.join(dir, file));
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const coverage = new CoverageCollector(analysis.pipeline!, 'cov.pipeline.yaml');
    const env = loopbackEnv(srv);
    const outcome = await runEval({ root: dir, analysis, evalText: text, models: createModelRunner({ env }), env, cache: false, onRun: (doc) => coverage.add(doc) });
    assert.deepEqual([outcome.summary.passed, outcome.summary.total], [4, 4]);
    // 4 steps (the loop's body one of them), the condition's true taken (its false never), the loop's many iterations taken
    assert.equal(coverageLine(coverage.report()), 'coverage: 4/4 steps, 2/5 branches, 4/4 lines');
  });
});
