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

/** A pipeline with parameters `ref` (required) and `digest` (with a default), the given trigger lines, and one step. */
/** 'line:start-line:end' of the `nth` occurrence of `needle` on line `line` of `text` (its first `length` characters). */
function span(text: string, line: number, needle: string, nth = 0, length = needle.length): string {
  const l = text.split('\n')[line];
  let i = -1;
  for (let k = 0; k <= nth; k++) i = l.indexOf(needle, i + 1);
  assert.ok(i >= 0, `'${needle}' is not on line ${line}: ${l}`);
  return `${line}:${i}-${line}:${i + length}`;
}

const withTriggers = (...lines: string[]) => doc('id: p', 'parameters:', '  ref: {type: string, required: true}', '  digest: weekly', 'triggers:', ...lines, ...STEPS);

describe('triggers: findings', () => {
  it('reports a cron expression of the wrong number of fields on its value', () => {
    assert.deepEqual(findingsOf(withTriggers('  - cron: "0 0 7 * * * 2030"', '    inputs: {ref: main}')), [
      ['trigger.cron', 'error', "A cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; '0 0 7 * * * 2030' has 7 (a year field is not read).", '5:10-5:28'],
    ]);
    assert.deepEqual(findingsOf(withTriggers('  - cron: daily', '    inputs: {ref: main}')), [
      ['trigger.cron', 'error', "A cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; 'daily' has 1.", '5:10-5:15'],
    ]);
  });

  it('reports a field out of range on that field, and an unknown nickname with the nearest', () => {
    const text = withTriggers('  - cron: "0 25 * * 1-5"', '    inputs: {ref: main}', '  - cron: "*/15 * * * * MON#6"', '    inputs: {ref: main}', '  - cron: "@dayly"', '    inputs: {ref: main}');
    assert.deepEqual(findingsOf(text), [
      ['trigger.cron', 'error', "Invalid cron expression: '25' is not a valid hour (it takes 0-23, ranges a-b, steps */n and lists a,b).", span(text, 5, '25')],
      ['trigger.cron', 'error', "Invalid cron expression in the day of week field ('MON#6'): nth weekday out of range, should be 1-5 or L.", span(text, 7, 'MON#6')],
      ['trigger.cron', 'error', "Unknown cron nickname '@dayly': use @yearly, @monthly, @weekly, @daily, @hourly, or 5 fields. Did you mean '@daily'?", span(text, 9, '"@dayly"')],
    ]);
  });

  it('accepts 5 fields, 6 with seconds, names and nicknames; warns of one that never fires', () => {
    assert.deepEqual(findingsOf(withTriggers(...['0 7 * * MON-FRI', '*/2 * * * * *', '@hourly', '0 7 31 2 *'].flatMap((c) => [`  - cron: "${c}"`, '    inputs: {ref: main}']))), [
      ['trigger.cron-never', 'warning', "'0 7 31 2 *' never fires: no date matches it (a day that no month has?).", '11:10-11:22'],
    ]);
  });

  it('reports an unknown time zone on it, with the nearest name', () => {
    assert.deepEqual(findingsOf(withTriggers('  - cron: "0 7 * * *"', '    timezone: Europe/Berlinn', '    inputs: {ref: main}')), [
      ['trigger.timezone', 'error', "'Europe/Berlinn' is not an IANA time zone this Node knows (such as 'UTC', 'Europe/Berlin', 'America/New_York'). Did you mean 'Europe/Berlin' or 'Europe/Tallinn'?", '6:14-6:28'],
    ]);
  });

  it('reports a webhook name that is not URL-safe, and one used twice on both', () => {
    const text = withTriggers('  - webhook: deploy', '    inputs: {ref: a}', '  - webhook: "github push"', '    inputs: {ref: b}', '  - webhook: deploy', '    inputs: {ref: c}');
    const a = analyze(text);
    assert.deepEqual(a.findings.map(compact), [
      ['trigger.duplicate-webhook', 'error', "Webhook 'deploy' is declared 2 times in this pipeline: POST /hooks/deploy can start only one trigger.", '5:13-5:19'],
      ['trigger.webhook-name', 'error', "Webhook name 'github push' does not stand in a URL as written: use letters, digits, '-' and '_', starting with a letter or digit.", '7:13-7:26'],
      ['trigger.duplicate-webhook', 'error', "Webhook 'deploy' is declared 2 times in this pipeline: POST /hooks/deploy can start only one trigger.", '9:13-9:19'],
    ]);
    assert.deepEqual(a.findings[0].related, [{ message: 'also declared here', range: { start: { line: 9, character: 13 }, end: { line: 9, character: 19 } } }]);
  });

  it('reports an entry that is neither kind or both, and the other kind\'s options', () => {
    assert.deepEqual(findingsOf(withTriggers('  - inputs: {ref: a}', '  - cron: "0 7 * * *"', '    webhook: both', '  - webhook: hook', '    overlap: queue', '    inputs: {ref: a}', '  - cron: "0 7 * * *"', '    secret_env: S', '    inputs: {ref: a}')), [
      ['trigger.kind', 'error', "A trigger needs 'cron: EXPRESSION' (a schedule) or 'webhook: NAME' (POST /hooks/NAME).", '5:4-5:10'],
      ['trigger.kind', 'error', "A trigger is a cron schedule or a webhook, not both: write them as two entries of 'triggers'.", '7:4-7:11'],
      ['trigger.option-mismatch', 'warning', "'overlap' belongs to a cron trigger: a webhook trigger ignores it.", '9:4-9:11'],
      ['trigger.option-mismatch', 'warning', "'secret_env' belongs to a webhook trigger: a cron trigger ignores it.", '12:4-12:14'],
    ]);
  });

  it('reports inputs that are not parameters, and required parameters no input gives', () => {
    assert.deepEqual(findingsOf(withTriggers('  - cron: "0 7 * * *"', '    inputs: {reff: main, digest: daily}', '  - webhook: w')), [
      ['trigger.missing-input', 'warning', "The pipeline requires 'ref' and this trigger's inputs do not give it: every run it starts fails.", '6:4-6:10'],
      ['trigger.unknown-input', 'error', "'reff' is not a parameter of the pipeline: its parameters are 'ref', 'digest'. Did you mean 'ref'?", '6:13-6:17'],
      ['trigger.missing-input', 'warning', "The pipeline requires 'ref' and this trigger's inputs do not give it: every run it starts fails.", '7:4-7:11'],
    ]);
  });

  it("puts request.* in scope in a webhook's inputs only, and nothing of a run", () => {
    const text = withTriggers(
      '  - webhook: w',
      '    inputs: {ref: "{{ request.body.ref }}", digest: "{{ request.headers[\'x-kind\'] | default(request.query.kind) }}"}',
      '  - webhook: v',
      '    inputs: {ref: "{{ request.bdy }}", digest: "{{ digest }}-{{ s.result }}"}',
      '  - cron: "0 7 * * *"',
      '    inputs: {ref: "{{ request.body.ref }}"}',
    );
    assert.deepEqual(findingsOf(text), [
      ['template.unknown-name', 'error', "'request' has no field 'bdy': it has body, headers, query. Did you mean 'body'?", span(text, 8, 'bdy')],
      ['template.unknown-name', 'error', "Unknown name 'digest' in a trigger's inputs: only 'request' (its body, headers and query) is in scope here; parameters and steps do not exist until the run starts.", span(text, 8, 'digest', 1)],
      ['template.unknown-name', 'error', "Unknown name 's' in a trigger's inputs: only 'request' (its body, headers and query) is in scope here; parameters and steps do not exist until the run starts.", span(text, 8, 's.result', 0, 1)],
      ['template.unknown-name', 'error', "A cron trigger has no request: 'request' is in scope only in a webhook trigger's inputs.", span(text, 10, 'request')],
    ]);
  });

  it('keeps request.* out of scope everywhere else', () => {
    assert.deepEqual(findingsOf(doc('id: p', 'steps:', '  - id: s', '    action: generate', '    parameters:', '      prompt: "{{ request.body }}"')), [
      ['template.unknown-name', 'error', "Unknown name 'request' in template: not a parameter, a step or a loop variable.", '5:18-5:25'],
    ]);
  });
});
