// The analyzer on `triggers:` (what `orc serve` fires a pipeline on): the exact Pipeline value the
// server reads, with its defaults, and every finding on the characters it is about.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { compact, doc, findingsOf } from '../../helpers/findings';

const STEPS = ['steps:', '  - id: s', '    action: generate', '    parameters:', '      prompt: hi'];

describe('triggers: the Pipeline value', () => {
  it('fills pipeline.triggers with every entry, defaults applied', () => {
    const a = analyze(
      doc(
        'id: digest',
        'parameters:',
        '  digest: {type: string}',
        '  ref: {type: string}',
        '  payload: {type: object}',
        'triggers:',
        '  - cron: "0 7 * * 1-5"',
        '    inputs: {digest: daily}',
        '  - cron: "*/10 * * * * *"',
        '    timezone: Europe/Berlin',
        '    overlap: queue',
        '  - webhook: github-push',
        '    secret_env: GH_HOOK_SECRET',
        '    inputs: {ref: "{{ request.body.ref }}", payload: "{{ request.body }}"}',
        '  - webhook: open',
        ...STEPS,
      ),
    );
    assert.deepEqual(a.findings.map(compact), []);
    assert.deepEqual(a.pipeline!.triggers, [
      { kind: 'cron', cron: '0 7 * * 1-5', timezone: 'UTC', overlap: 'skip', inputs: { digest: 'daily' } },
      { kind: 'cron', cron: '*/10 * * * * *', timezone: 'Europe/Berlin', overlap: 'queue', inputs: {} },
      { kind: 'webhook', webhook: 'github-push', secretEnv: 'GH_HOOK_SECRET', inputs: { ref: '{{ request.body.ref }}', payload: '{{ request.body }}' } },
      { kind: 'webhook', webhook: 'open', secretEnv: null, inputs: {} },
    ]);
  });

  it('has no triggers when the pipeline declares none, and an empty list for `triggers: []`', () => {
    assert.equal(analyze(doc('id: p', ...STEPS)).pipeline!.triggers, undefined);
    assert.deepEqual(analyze(doc('id: p', 'triggers: []', ...STEPS)).pipeline!.triggers, []);
  });

  it('reports an unknown key of an entry with the nearest one, and a wrong overlap with the allowed ones', () => {
    assert.deepEqual(findingsOf(doc('id: p', 'triggers:', '  - cron: "0 7 * * *"', '    timezon: UTC', '    overlap: skipp', ...STEPS)), [
      ['schema.unknown-key', 'error', "Unknown key 'timezon' in a trigger. Did you mean 'timezone'?", '3:4-3:11'],
      ['schema.enum', 'error', "'skipp' is not allowed: use one of 'skip', 'queue', 'allow'. Did you mean 'skip'?", '4:13-4:18'],
    ]);
  });

  it('reports a `triggers:` that is not a list', () => {
    assert.deepEqual(findingsOf(doc('id: p', 'triggers: {cron: "0 7 * * *"}', ...STEPS)), [['schema.type', 'error', 'Expected a list, got a mapping.', '1:10-1:29']]);
  });
});
