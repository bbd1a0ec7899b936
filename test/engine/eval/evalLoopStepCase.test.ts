// A step case for a step in a loop's body (`step: LOOP/STEP`): `upstream` gives the loop's values
// (`LOOP: {item, index}`), the body's other steps (`LOOP/SIBLING`) and the top-level steps before
// the loop; only that step runs, once, seeing its loop variables as in a whole run, and no other
// step runs (their commands would leave files). What does not fit stops the eval, naming it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, runEval, type CaseResult, type ResultDocument } from '../../../engine/api/index';
import { NO_MODELS } from '../../../engine/models/modelRunner';
import { tempDir } from '../../helpers/agentRun';

const PIPELINE = `id: looped
parameters:
  prefix: {type: string, default: "n"}
steps:
  - id: list
    tool: terminal
    action: execute
    parameters: {command: "touch list-ran && echo '[1, 2, 3]'"}
  - id: each
    dependencies: [list]
    for_each: "{{ list.result.stdout | from_json }}"
    steps:
      - id: prep
        tool: terminal
        action: execute
        parameters: {command: "touch prep-ran-{{ index }}"}
      - id: check
        dependencies: [prep]
        tool: terminal
        action: execute
        parameters: {command: "echo {{ prefix }}-{{ item }}-{{ index }}-{{ position }}-{{ prep.result }}"}
      - id: tidy
        dependencies: [check]
        tool: terminal
        action: execute
        parameters: {command: "touch tidy-ran-{{ index }}"}
  - id: after
    dependencies: [each]
    tool: terminal
    action: execute
    parameters: {command: "touch after-ran"}
`;

describe('eval step cases: a step in a loop body', function () {
  this.timeout(30000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function evalOf(cases: string): Promise<{ results: CaseResult[]; docs: ResultDocument[]; dir: string }> {
    const dir = tempDir('orc-eval-loop-step-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'looped.pipeline.yaml'), PIPELINE);
    const text = `pipeline: looped.pipeline.yaml\n${cases}`;
    const file = path.join(dir, 'looped.eval.yaml');
    fs.writeFileSync(file, text);
    const analysis = analyzeEval(text, file);
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
    const results: CaseResult[] = [];
    const docs: ResultDocument[] = [];
    await runEval({ root: dir, analysis, evalText: text, models: NO_MODELS, env: {}, onResult: (r) => results.push(r), onRun: (d) => docs.push(d) });
    return { results, docs, dir };
  }

  it('runs the one body step in the iteration the case gives, with its loop variables and its siblings\' results', async () => {
    const { results, docs, dir } = await evalOf(`cases:
  - id: third
    step: each/check
    upstream:
      list: {stdout: "[7, 8, 9]"}
      each: {item: zed, index: 2}
      each/prep: PREPPED
    assert:
      - step: each
        expression: "value[2].check.stdout == 'n-zed-2-3-PREPPED\\\\n'"
`);
    assert.deepEqual(results.map((r) => [r.case, r.status, r.error ?? null]), [['third', 'pass', null]]);
    const each = docs[0].steps.each;
    assert.equal(each.status, 'completed');
    const iterations = each.iterations!;
    assert.deepEqual(iterations.map((it) => [it.index, it.item, it.steps.check.status]), [[0, null, 'skipped'], [1, null, 'skipped'], [2, 'zed', 'completed']]);
    assert.equal((iterations[2].steps.check.result as { stdout: string }).stdout, 'n-zed-2-3-PREPPED\n');
    assert.equal(iterations[2].steps.tidy.status, 'skipped');
    assert.equal(docs[0].steps.after.status, 'skipped');
    // no other step ran: none of their files is there
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('-ran') || /-ran-\d$/.test(f)), []);
  });

  it('defaults the iteration to index 0 with a null item (rendered as Jinja renders none)', async () => {
    const { results, docs } = await evalOf(`cases:
  - id: first
    step: each/check
    upstream: {list: {stdout: "[]"}, each/prep: P}
`);
    assert.deepEqual(results.map((r) => [r.case, r.status, r.error ?? null]), [['first', 'pass', null]]);
    assert.equal((docs[0].steps.each.iterations![0].steps.check.result as { stdout: string }).stdout, 'n-None-0-1-P\n');
  });

  it('stops the eval before anything runs when the loop, the body step or an upstream value does not fit', async () => {
    const bad: [string, RegExp][] = [
      ['step: list/check\n    upstream: {}', /'list' is not a top-level loop of the pipeline/],
      ['step: each/nope\n    upstream: {list: {stdout: "[]"}}', /'each' has no body step 'nope' \(its body: prep, check, tidy\)/],
      ['step: each/check\n    upstream: {list: {stdout: "[]"}}', /depends on 'each\/prep'/],
      ['step: each/check\n    upstream: {each/prep: P}', /depends on 'list'/],
      ['step: each/check\n    upstream: {list: 1, each/prep: P, each: {item: 1, index: -1}}', /is a whole number from 0 to 10000/],
      ['step: each/check\n    upstream: {list: 1, each/check: P, each/prep: P}', /'each\/check', which is not another step of loop 'each''s body/],
    ];
    for (const [spec, why] of bad) {
      const dir = tempDir('orc-eval-loop-step-');
      dirs.push(dir);
      fs.writeFileSync(path.join(dir, 'looped.pipeline.yaml'), PIPELINE);
      const text = `pipeline: looped.pipeline.yaml\ncases:\n  - id: c\n    ${spec}\n`;
      const file = path.join(dir, 'looped.eval.yaml');
      fs.writeFileSync(file, text);
      await assert.rejects(runEval({ root: dir, analysis: analyzeEval(text, file), evalText: text, models: NO_MODELS, env: {} }), why, spec);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('-ran')), []);
    }
  });
});
