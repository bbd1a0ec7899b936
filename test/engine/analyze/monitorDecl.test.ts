// `monitors:` → pipeline.monitors, the value `orc serve` and `orc run --monitor` read: every entry
// with its defaults, and the entries left out because serving them could do harm.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { doc } from '../../helpers/findings';

const STEPS = ['steps:', '  - id: s', '    action: generate', '    parameters:', '      prompt: hi'];

describe('monitors: the Pipeline value', () => {
  it('fills pipeline.monitors with every entry, defaults applied', () => {
    const a = analyze(
      doc(
        'id: support',
        'monitors:',
        '  - name: grounded',
        '    sample: 0.25',
        '    assert: [{type: llm_rubric, value: "cites the order number", threshold: 0.7},',
        '             {type: not-contains, value: "I cannot"}]',
        '    window: 40',
        '    min_checks: 8',
        '    alert_below: 0.9',
        '    notify: {webhook: "https://ops.example/hooks/orc", secret_env: ALERT_SECRET}',
        '    budget: {max_cost_usd: 1.00}',
        '  - name: short',
        '    assert:',
        '      - type: max-length',
        '        value: 400',
        ...STEPS,
      ),
    );
    assert.deepEqual(a.pipeline!.monitors, [
      {
        name: 'grounded',
        sample: 0.25,
        assert: [
          { type: 'llm_rubric', value: 'cites the order number', threshold: 0.7 },
          { type: 'not-contains', value: 'I cannot' },
        ],
        window: 40,
        minChecks: 8,
        alertBelow: 0.9,
        notify: { webhook: 'https://ops.example/hooks/orc', secretEnv: 'ALERT_SECRET' },
        budget: { maxCostUsd: 1, maxTokens: null, maxDuration: null },
        path: ['monitors', 0],
      },
      { name: 'short', sample: 1, assert: [{ type: 'max-length', value: 400 }], window: 50, minChecks: 10, alertBelow: null, path: ['monitors', 1] },
    ]);
  });

  it('has no monitors when the pipeline declares none, and an empty list for `monitors: []`', () => {
    assert.equal(analyze(doc('id: p', ...STEPS)).pipeline!.monitors, undefined);
    assert.deepEqual(analyze(doc('id: p', 'monitors: []', ...STEPS)).pipeline!.monitors, []);
  });

  it('falls back to the defaults for values of the wrong kind or out of range, and keeps a notify without secret_env as null', () => {
    const a = analyze(
      doc('id: p', 'monitors:', '  - name: m', '    sample: 1.5', '    window: 0', '    min_checks: 2.5', '    alert_below: -1', '    assert: [{type: contains, value: x}, just-a-string]', '    notify: {webhook: "https://x.example/h"}', ...STEPS),
    );
    assert.deepEqual(a.pipeline!.monitors, [
      { name: 'm', sample: 1, assert: [{ type: 'contains', value: 'x' }], window: 50, minChecks: 10, alertBelow: null, notify: { webhook: 'https://x.example/h', secretEnv: null }, path: ['monitors', 0] },
    ]);
  });

  it('leaves out an entry without a name, with a name unsafe as a file name, and a second entry of a name', () => {
    const a = analyze(
      doc(
        'id: p',
        'monitors:',
        '  - assert: [{type: contains, value: a}]',
        '  - name: ../../etc/passwd',
        '    assert: [{type: contains, value: b}]',
        '  - name: ok',
        '    assert: [{type: contains, value: c}]',
        '  - name: ok',
        '    assert: [{type: contains, value: d}]',
        '  - name: nul',
        '    assert: [{type: contains, value: e}]',
        ...STEPS,
      ),
    );
    assert.deepEqual(a.pipeline!.monitors, [{ name: 'ok', sample: 1, assert: [{ type: 'contains', value: 'c' }], window: 50, minChecks: 10, alertBelow: null, path: ['monitors', 2] }]);
  });
});
