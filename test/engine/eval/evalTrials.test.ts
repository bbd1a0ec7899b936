// Trials: each case run N times against the loopback OpenAI server (the real SDK, the real engine),
// judged on its trials' pass rate: a right-half-the-time case is flaky and fails under pass^k, passes
// at trial_threshold 0.5; adaptive trials stop early with the right verdicts; --quarantine keeps a
// flaky case out of the pass rate; the step cache and the cassette keep each trial's answer apart.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, createModelRunner, runEval, writeJUnit, type CaseResult, type EvalOutcome } from '../../../engine/api/index';
import { trialsLine, summaryLines } from '../../../engine/cli/evalOutput';
import { trialVerdict, zOf } from '../../../engine/eval/trialRules';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { loopbackEnv, tempDir } from '../../helpers/agentRun';

const PIPELINE = `id: quiz
parameters:
  topic: {type: string, required: true}
steps:
  - id: answer
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Name {{ topic }}"
outputs:
  text: "{{ answer.result }}"
`;

const CASES = `cases:
  - {id: steady, topic: steady}
  - {id: half, topic: half}
  - {id: never, topic: never}
assert:
  - output: text
    contains: right
`;

describe('eval trials: pass^k, pass@k, flaky cases and adaptive stopping', function () {
  this.timeout(30000);
  const srv = new LoopbackProviders();
  const dirs: string[] = [];
  /** How many times each topic was asked: `half` is right on its 1st, 3rd, ... call. */
  let asked = new Map<string, number>();
  before(async () => {
    await srv.start();
    srv.responder = (body) => {
      const messages = body.messages as { content: string }[];
      const topic = /Name (\w+)/.exec(messages[messages.length - 1].content)![1];
      const n = (asked.get(topic) ?? 0) + 1;
      asked.set(topic, n);
      const right = topic === 'steady' || (topic === 'half' && n % 2 === 1);
      return { text: right ? `the right answer (${n})` : `a wrong answer (${n})` };
    };
  });
  beforeEach(() => {
    asked = new Map();
    srv.requests.length = 0;
  });
  after(async () => {
    await srv.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  function folder(head: string): { dir: string; text: string; file: string } {
    const dir = tempDir('orc-eval-trials-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'quiz.pipeline.yaml'), PIPELINE);
    const text = `pipeline: quiz.pipeline.yaml\nmax_parallel: 3\n${head}${CASES}`;
    const file = path.join(dir, 'quiz.eval.yaml');
    fs.writeFileSync(file, text);
    return { dir, text, file };
  }

  async function evalIn(at: { dir: string; text: string; file: string }, extra: { quarantine?: boolean; cassette?: { mode: 'record' | 'replay'; file: string } } = {}): Promise<{ byCase: Map<string, CaseResult>; outcome: EvalOutcome }> {
    const analysis = analyzeEval(at.text, at.file);
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const results: CaseResult[] = [];
    const env = loopbackEnv(srv);
    const outcome = await runEval({ root: at.dir, analysis, evalText: at.text, models: createModelRunner({ env }), env, onResult: (r) => results.push(r), ...extra });
    return { byCase: new Map(results.map((r) => [r.case, r])), outcome };
  }

  const shape = (r: CaseResult) => ({ status: r.status, flaky: r.flaky, run: r.trials!.run, passed: r.trials!.passed, pass_at_k: r.trials!.pass_at_k, pass_hat_k: r.trials!.pass_hat_k, stopped: r.trials!.stopped ?? null });

  it('four trials: a right-half-the-time case is flaky and fails under pass^k (the default); the report has pass@k, pass^k and the rate with its interval', async () => {
    const { byCase, outcome } = await evalIn(folder('trials: 4\n'));
    assert.deepEqual(shape(byCase.get('steady')!), { status: 'pass', flaky: false, run: 4, passed: 4, pass_at_k: true, pass_hat_k: true, stopped: null });
    assert.deepEqual(shape(byCase.get('half')!), { status: 'fail', flaky: true, run: 4, passed: 2, pass_at_k: true, pass_hat_k: false, stopped: null });
    assert.deepEqual(shape(byCase.get('never')!), { status: 'fail', flaky: false, run: 4, passed: 0, pass_at_k: false, pass_hat_k: false, stopped: null });
    assert.equal(srv.requests.length, 12);
    const half = byCase.get('half')!;
    assert.deepEqual(half.trials!.runs.map((t) => [t.trial, t.status]), [[1, 'pass'], [2, 'fail'], [3, 'pass'], [4, 'fail']]);
    // the case shows its first failed trial: its run and its failed assertion
    assert.equal(half.run_id, half.trials!.runs[1].run_id);
    assert.equal(half.assertions[0].reason, '"a wrong answer (2)" does not contain "right"');
    assert.equal(trialsLine(half), 'trials 2/4 passed (50.0%, 95% CI [15.0%, 85.0%]), threshold 100.0%, pass@4 yes, pass^4 no: flaky');
    assert.equal(trialsLine(byCase.get('steady')!), 'trials 4/4 passed (100.0%, 95% CI [51.0%, 100.0%]), threshold 100.0%, pass@4 yes, pass^4 yes');
    // a case counts once in the pass rate, whatever its trials
    const s = outcome.summary;
    assert.deepEqual([s.total, s.passed, s.verdict], [3, 1, 'failed']);
    assert.deepEqual(s.variants[0].trials, { cases: 3, pass_at_k: 0.6667, pass_hat_k: 0.3333, flaky: 1, quarantined: 0 });
    assert.equal(summaryLines(s, 'ID', 'rec', { color: false } as never)[3], 'trials default: 3 cases, pass@k 66.7%, pass^k 33.3%, 1 flaky');

    const xml = path.join(path.dirname(outcome.record.dir), 'report.xml');
    await writeJUnit(outcome.record, 'quiz', xml);
    const junit = fs.readFileSync(xml, 'utf8');
    assert.match(junit, /<testsuite name="quiz \[default\]" tests="3" failures="2" errors="0" skipped="0"/);
    const half4 = junit.replace(/ time="[\d.]+"/g, '').split('\n');
    const at = half4.indexOf('    <testcase classname="quiz.default" name="half">');
    assert.deepEqual(half4.slice(at, at + 15), [
      '    <testcase classname="quiz.default" name="half">',
      '      <properties>',
      '        <property name="trials" value="4"/>',
      '        <property name="trials_max" value="4"/>',
      '        <property name="trials_passed" value="2"/>',
      '        <property name="trial_rate" value="0.5"/>',
      '        <property name="trial_interval" value="0.150039-0.849961"/>',
      '        <property name="trial_threshold" value="1"/>',
      '        <property name="pass_at_k" value="true"/>',
      '        <property name="pass_hat_k" value="false"/>',
      '        <property name="flaky" value="true"/>',
      '      </properties>',
      '      <failure message="output text contains: &quot;a wrong answer (2)&quot; does not contain &quot;right&quot;" type="contains">expected: right',
      'actual: a wrong answer (2)',
      'line: 9</failure>',
    ]);
  });

  it('trial_threshold 0.5 passes the half-right case (still flaky); a case may set its own trials and threshold', async () => {
    const { byCase } = await evalIn(folder('trials: 4\ntrial_threshold: 0.5\n'));
    assert.deepEqual(shape(byCase.get('half')!), { status: 'pass', flaky: true, run: 4, passed: 2, pass_at_k: true, pass_hat_k: false, stopped: null });
    assert.equal(byCase.get('never')!.status, 'fail');

    const own = folder('');
    const text = own.text.replace('{id: half, topic: half}', '{id: half, topic: half, trials: 2, trial_threshold: 0.5}');
    fs.writeFileSync(own.file, text);
    const r = await evalIn({ ...own, text });
    assert.deepEqual(shape(r.byCase.get('half')!), { status: 'pass', flaky: true, run: 2, passed: 1, pass_at_k: true, pass_hat_k: false, stopped: null });
    assert.equal(r.byCase.get('steady')!.trials, undefined, 'a case without trials runs once, as before');
  });

  it('adaptive trials stop once the verdict is known: under pass^k at the first failed trial; at 0.5 when the interval is on one side', async () => {
    const pow = await evalIn(folder('trials: {max: 10, confidence: 0.95}\n'));
    assert.deepEqual(shape(pow.byCase.get('half')!), { status: 'fail', flaky: true, run: 2, passed: 1, pass_at_k: true, pass_hat_k: false, stopped: '1 of 10 trials failed already: the rest cannot pass it' });
    assert.deepEqual(shape(pow.byCase.get('never')!), { status: 'fail', flaky: false, run: 1, passed: 0, pass_at_k: false, pass_hat_k: false, stopped: '1 of 10 trials failed already: the rest cannot pass it' });
    assert.equal(pow.byCase.get('steady')!.trials!.run, 10, 'every trial must pass: all ten run');
    assert.equal(srv.requests.length, 13);

    asked = new Map();
    const half = await evalIn(folder('trials: {max: 10, confidence: 0.95}\ntrial_threshold: 0.5\n'));
    assert.deepEqual(shape(half.byCase.get('steady')!), { status: 'pass', flaky: false, run: 4, passed: 4, pass_at_k: true, pass_hat_k: true, stopped: 'the 95% interval [0.510109, 1] is above the threshold 0.5' });
    assert.deepEqual(shape(half.byCase.get('never')!), { status: 'fail', flaky: false, run: 4, passed: 0, pass_at_k: false, pass_hat_k: false, stopped: 'the 95% interval [0, 0.489891] is below the threshold 0.5' });
    assert.deepEqual(shape(half.byCase.get('half')!), { status: 'pass', flaky: true, run: 9, passed: 5, pass_at_k: true, pass_hat_k: false, stopped: '5 of 10 trials passed already: the rest cannot fail it' });
    // fixed trials would have made 30 calls
    assert.equal(asked.get('steady')! + asked.get('never')! + asked.get('half')!, 17);
  });

  it('--quarantine reports a flaky case without failing on it: out of the pass rate, listed apart', async () => {
    const { byCase, outcome } = await evalIn(folder('trials: 4\nthreshold: 0.5\n'), { quarantine: true });
    const half = byCase.get('half')!;
    assert.deepEqual([half.status, half.flaky, half.quarantined], ['fail', true, true]);
    assert.equal(trialsLine(half), 'trials 2/4 passed (50.0%, 95% CI [15.0%, 85.0%]), threshold 100.0%, pass@4 yes, pass^4 no: flaky, quarantined (not in the pass rate)');
    const s = outcome.summary;
    assert.deepEqual([s.total, s.passed, s.pass_rate, s.verdict], [2, 1, 0.5, 'passed']);
    assert.equal(s.variants[0].trials!.quarantined, 1);
  });

  it('the step cache keys each trial apart: a second eval takes every trial from it and keeps its verdicts', async () => {
    const at = folder('trials: 4\n');
    await evalIn(at);
    assert.equal(srv.requests.length, 12);
    srv.requests.length = 0;
    const again = await evalIn(at);
    assert.equal(srv.requests.length, 0, 'every trial came from the cache');
    assert.deepEqual(shape(again.byCase.get('half')!), { status: 'fail', flaky: true, run: 4, passed: 2, pass_at_k: true, pass_hat_k: false, stopped: null });
  });

  it('the cassette keys each trial apart: a replayed trial replays that trial’s answer, with no call', async () => {
    const at = folder('trials: 4\n');
    const cassette = path.join(at.dir, 'quiz.cassette.jsonl');
    await evalIn(at, { cassette: { mode: 'record', file: cassette } });
    assert.equal(srv.requests.length, 12);
    assert.equal(fs.readFileSync(cassette, 'utf8').trim().split('\n').length, 12);
    srv.requests.length = 0;
    const replayed = await evalIn(at, { cassette: { mode: 'replay', file: cassette } });
    assert.equal(srv.requests.length, 0);
    assert.deepEqual(replayed.byCase.get('half')!.trials!.runs.map((t) => t.status), ['pass', 'fail', 'pass', 'fail']);
    assert.equal(replayed.byCase.get('half')!.assertions[0].reason, '"a wrong answer (2)" does not contain "right"');
  });

  it('the rules alone: the normal quantile, and verdicts that cannot change', () => {
    assert.equal(zOf(0.95).toFixed(4), '1.9600');
    assert.equal(zOf(0.99).toFixed(4), '2.5758');
    const t = { max: 5, adaptive: true, confidence: 0.95 };
    assert.equal(trialVerdict(t, 0.6, 3, 3)?.verdict, 'pass');
    assert.equal(trialVerdict(t, 0.6, 0, 3)?.verdict, 'fail');
    assert.equal(trialVerdict(t, 0.6, 2, 3), null);
    assert.equal(trialVerdict({ ...t, adaptive: false }, 0.6, 0, 3), null);
  });

  it('trials and trial_threshold of the wrong shape are findings where they are written; repeat with trials is refused', () => {
    const at = folder('trials: {max: 0}\ntrial_threshold: 2\nrepeat: 3\n');
    const f = analyzeEval(at.text, at.file).findings.map((x) => [x.code, x.message, x.range.start.line]);
    assert.deepEqual(f, [
      ['eval.type', "'trials.max' must be a whole number from 1 to 1000.", 2],
      ['eval.type', "'trial_threshold' must be a number from 0 to 1 (the share of a case's trials that must pass; 1: all of them).", 3],
    ]);
    const both = folder('trials: 3\nrepeat: 3\n');
    assert.deepEqual(analyzeEval(both.text, both.file).findings.map((x) => [x.code, x.range.start.line]), [['eval.type', 3]]);
  });
});
