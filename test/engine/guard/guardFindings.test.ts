// Guards and budgets before the run: a guard that cannot run is an error on its value, a budget the
// worst case can go over a warning on the limit naming the costliest step, a step with no
// max_tokens under a budget an info; and the worst case `orc plan` prints.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { worstCase } from '../../../engine/analyze/worstCase';
import { doc, findingsOf } from '../../helpers/findings';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../helpers/agentRun';

describe('guard: findings before the run', () => {
  it('a deny pattern RE2 cannot compile and a schema guard that is not JSON Schema are errors; a valid guard set is quiet', () => {
    const text = doc(
      'id: p',
      'model: openai:gpt-4o-mini',
      'steps:',
      '  - id: a',
      '    action: generate',
      '    parameters: {prompt: hi}',
      '    guardrails:',
      '      input: [{deny: "(a"}]',
      '      output: [{schema: {type: 12}}, {pii: [email], on_fail: redact}, {max_chars: 10}]',
    );
    const f = findingsOf(text);
    assert.deepEqual(f.map((x) => [x[0], x[1]]), [['guard.invalid', 'error'], ['guard.invalid', 'error']]);
    assert.match(f[0][2], /^Guardrail 'deny' of step 'a': Invalid regular expression: /);
    assert.match(f[1][2], /^Guardrail 'schema' of step 'a': its schema is not valid JSON Schema: /);
    assert.equal(f[0][3], '7:21-7:25');
  });

  it('budget.exceedable names the costliest path; budget.no-max-tokens is an info on a step under a budget', () => {
    const text = doc(
      'id: p',
      'model: openai:gpt-4o-mini',
      'budget: {max_cost_usd: 0.002, max_tokens: 100000}',
      'steps:',
      '  - id: each',
      '    for_each: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]',
      '    steps:',
      '      - {id: call, action: generate, parameters: {prompt: "n {{ item }}", max_tokens: 1000}}',
      '  - {id: sum, action: generate, parameters: {prompt: hi}}',
    );
    assert.deepEqual(findingsOf(text).filter((f) => f[0].startsWith('budget.')), [
      ['budget.exceedable', 'warning', "The run's worst case is $0.008462, over max_cost_usd $0.002: the costliest path is step 'each › call' (10 calls on openai:gpt-4o-mini, $0.006005). The run fails when the budget is spent.", '2:9-2:21'],
      ['budget.no-max-tokens', 'info', "Step 'sum' sets no max_tokens: under a budget each of its calls is reserved for 4096 tokens out. Give it 'max_tokens' in its parameters to reserve what it needs.", '8:32-8:42'],
    ]);
  });

  it('a loop over a list known only at run time has no bound: the warning says which step', () => {
    const text = doc(
      'id: p',
      'model: openai:gpt-4o-mini',
      'parameters: {items: {type: array, default: []}}',
      'budget: {max_cost_usd: 1}',
      'steps:',
      '  - id: each',
      '    for_each: "{{ items }}"',
      '    steps:',
      '      - {id: call, action: generate, parameters: {prompt: hi, max_tokens: 10}}',
    );
    assert.deepEqual(findingsOf(text).filter((f) => f[0].startsWith('budget.')).map((f) => f[2]), ["The run's worst case has no bound, so it can go over max_cost_usd $1: step 'each › call' is inside a loop over a list known only at run time. The run fails when the budget is spent."]);
  });

  it('the worst case counts repairs, retries, judge calls and attempts', () => {
    const a = analyze(
      doc(
        'id: p',
        'model: openai:gpt-4o-mini',
        'steps:',
        '  - id: s',
        '    action: generate_structured',
        '    max_retries: 2',
        '    repair: {max_attempts: 2}',
        '    vars: {title: The title.}',
        '    parameters: {prompt: "0123456789012345", max_tokens: 100}',
        '    guardrails: {output: [{judge: {rubric: ok}}]}',
      ),
    );
    const w = worstCase(a.pipeline!);
    // (1 + 2 repairs) x (1 + 1 judge) x 2 attempts = 12 calls of 4 tokens in and 100 out
    assert.deepEqual(w.steps.map((s) => [s.label, s.calls, s.tokens]), [['s', 12, 1248]]);
    assert.equal(w.usd!.toFixed(8), ((12 * (4 * 0.15 + 100 * 0.6)) / 1_000_000).toFixed(8));
  });

  it("a pipeline guard whose file is not there or does not compile is guard.invalid on its value (when the pipeline's own file is known)", () => {
    const dir = tempDir('orc-guard-pipeline-');
    try {
      fs.writeFileSync(path.join(dir, 'broken.pipeline.yaml'), 'id: check\nsteps:\n  - {id: a, action: generate, depends_on: [nope], parameters: {prompt: hi}}\n');
      fs.writeFileSync(path.join(dir, 'check.pipeline.yaml'), 'id: check\nparameters: {text: {type: string}}\nsteps:\n  - {id: judge, action: evaluate_condition, model: openai:gpt-4o-mini, parameters: {condition: "{{ text }} is polite"}}\noutputs: {pass: "{{ judge.result }}"}\n');
      const text = doc(
        'id: p',
        'model: openai:gpt-4o-mini',
        'steps:',
        '  - id: a',
        '    action: generate',
        '    parameters: {prompt: hi}',
        '    guardrails:',
        '      output: [{pipeline: check.pipeline.yaml}, {pipeline: broken.pipeline.yaml, name: tone}, {pipeline: gone.pipeline.yaml}]',
      );
      const f = analyze(text, { pipelineFile: path.join(dir, 'p.pipeline.yaml') }).findings.filter((x) => x.code === 'guard.invalid');
      assert.deepEqual(f.map((x) => [x.message, `${x.range.start.line}:${x.range.start.character}`]), [
        ["Guardrail 'tone' of step 'a': The pipeline file 'broken.pipeline.yaml' does not compile: broken.pipeline.yaml:3:44: Unknown step 'nope' in the dependencies of 'a'.", '7:59'],
        [`Guardrail 'pipeline' of step 'a': No pipeline file 'gone.pipeline.yaml' (looked for ${path.join(dir, 'gone.pipeline.yaml')}).`, '7:105'],
      ]);
      // an unsaved document (no file): not judged
      assert.deepEqual(analyze(text).findings.filter((x) => x.code === 'guard.invalid'), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
