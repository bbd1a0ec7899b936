// Per-test coverage's pure part (client/evalCaseCoverage.ts): a real eval (the engine's runEval, no
// model: data steps under conditions) whose two cases take different branches, one of them in
// trials; each case's own report counts its own runs (each trial's), and the eval's whole report is
// their sum, as the Coverage profile gives VS Code the file's coverage and each case's beside it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, CoverageCollector, coverageLine, createModelRunner, runEval, toLcov } from '../../engine/api/index';
import { CaseCoverage } from '../../client/evalCaseCoverage';
import { tempDir } from '../helpers/agentRun';

const PIPELINE = `id: branchy
parameters:
  side: {type: string, required: true}
steps:
  - id: pick
    tool: data
    action: convert
    parameters: {data: "{{ side }}", format: json}
  - id: left
    tool: data
    action: convert
    dependencies: [pick]
    condition: "{{ side == 'left' }}"
    parameters: {data: left, format: json}
  - id: right
    tool: data
    action: convert
    dependencies: [pick]
    condition: "{{ side == 'right' }}"
    parameters: {data: right, format: json}
outputs:
  side: "{{ side }}"
`;

const EVAL = `pipeline: branchy.pipeline.yaml
cases:
  - {id: west, side: left}
  - {id: east, side: right, trials: 3}
  - {id: gone, side: left}
assert:
  - output: side
    equals: "{{ case.side }}"
`;

/** The DA lines of a report: `line,hits`. */
const da = (lcov: string) => lcov.split('\n').filter((l) => l.startsWith('DA:')).map((l) => l.slice(3));

describe('per-test coverage of an eval: each case’s own', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = tempDir('orc-case-coverage-');
    fs.writeFileSync(path.join(dir, 'branchy.pipeline.yaml'), PIPELINE);
    fs.writeFileSync(path.join(dir, 'branchy.eval.yaml'), EVAL);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('counts each case’s runs (each of its trials) for that case; a case with no key is let go; the whole is their sum', async () => {
    const file = path.join(dir, 'branchy.eval.yaml');
    const analysis = analyzeEval(EVAL, file);
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const whole = new CoverageCollector(analysis.pipeline!, 'branchy.pipeline.yaml');
    const byCase = new CaseCoverage<string>(analysis.pipeline!, 'branchy.pipeline.yaml');
    const outcome = await runEval({
      root: dir,
      analysis,
      evalText: EVAL,
      models: createModelRunner({ env: {} }),
      env: {},
      onRun: (doc) => {
        whole.add(doc);
        byCase.run(doc);
      },
      // `gone` has no test item (as a case the Test Explorer does not list): counted for none
      onResult: (r) => byCase.result(r.case === 'gone' ? undefined : `${r.case} [${r.variant}]`, r),
    });
    assert.deepEqual([outcome.summary.passed, outcome.summary.total], [3, 3]);
    const reports = byCase.reports();
    assert.deepEqual([...reports.keys()], ['west [default]', 'east [default]']);
    // pick (line 5), left (line 9), right (line 15): west went left once, east right in each of its 3 trials
    assert.deepEqual(da(toLcov(reports.get('west [default]')!)), ['5,1', '9,1', '15,0']);
    assert.deepEqual(da(toLcov(reports.get('east [default]')!)), ['5,3', '9,0', '15,3']);
    assert.equal(coverageLine(reports.get('west [default]')!), 'coverage: 2/3 steps, 2/4 branches, 2/3 lines');
    // the eval's whole coverage counts gone's run too
    assert.deepEqual(da(toLcov(whole.report())), ['5,5', '9,2', '15,3']);
  });

  it('a result whose run it never saw (a case not run with coverage) counts nothing', () => {
    const analysis = analyzeEval(EVAL, path.join(dir, 'branchy.eval.yaml'));
    const byCase = new CaseCoverage<string>(analysis.pipeline!, 'branchy.pipeline.yaml');
    byCase.result('west [default]', { case: 'west', variant: 'default', repeat: 0, status: 'pass', pass: true, score: 1, run_id: 'never-seen', run_status: 'completed', cost_usd: 0, judge_cost_usd: 0, tokens_in: 0, tokens_out: 0, latency_ms: 1, assertions: [] });
    assert.equal(byCase.reports().size, 0);
  });
});
