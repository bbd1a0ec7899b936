// The analyzer on `monitors:`: every mistake a user can make in a monitor is a finding with its
// exact code, message and the characters it is about; a good declaration has none.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { FINDING_CODES } from '../../../engine/analyze/codes';
import { compact, doc, findingsOf } from '../../helpers/findings';

const STEPS = ['steps:', '  - id: s', '    action: generate', '    parameters:', '      prompt: hi'];
const withMonitors = (...lines: string[]) => doc('id: p', 'monitors:', ...lines, ...STEPS);

/** 'line:start-line:end' of the `nth` occurrence of `needle` on line `line` of `text`. */
function span(text: string, line: number, needle: string, nth = 0): string {
  const l = text.split('\n')[line];
  let i = -1;
  for (let k = 0; k <= nth; k++) i = l.indexOf(needle, i + 1);
  assert.ok(i >= 0, `'${needle}' is not on line ${line}: ${l}`);
  return `${line}:${i}-${line}:${i + needle.length}`;
}

describe('monitors: findings', () => {
  it('finds nothing in a good declaration, in either form of assertion', () => {
    const text = withMonitors(
      '  - name: grounded',
      '    sample: 0.25',
      '    assert: [{type: llm_rubric, value: "cites the order number", threshold: 0.7, model: "openai:gpt-4o-mini"},',
      '             {type: not-contains, value: "I cannot"}, {type: is-json}, {max_length: 400}, {icontains: order}]',
      '    window: 50',
      '    min_checks: 10',
      '    alert_below: 0.9',
      '    notify: {webhook: "https://ops.example/hooks/orc", secret_env: ALERT_SECRET}',
      '    budget: {max_cost_usd: 1.00, max_tokens: 20000}',
      '  - name: short_answers',
      '    assert:',
      '      - type: max_length',
      '        value: 400',
      '        output: answer',
    );
    assert.deepEqual(analyze(text).findings.map(compact), []);
  });

  it('reports an unknown assertion type on its value, with the nearest in the spelling written', () => {
    const text = withMonitors('  - name: m', '    assert: [{type: not-contain, value: x}, {type: llm_rubrik, value: r, model: "openai:gpt-4o-mini"}, {type: sentiment, value: happy}]');
    assert.deepEqual(findingsOf(text), [
      ['monitor.assertion-type', 'error', "Unknown assertion type 'not-contain'. Did you mean 'not-contains'?", span(text, 3, 'not-contain')],
      ['monitor.assertion-type', 'error', "Unknown assertion type 'llm_rubrik'. Did you mean 'llm_rubric'?", span(text, 3, 'llm_rubrik')],
      [
        'monitor.assertion-type',
        'error',
        "Unknown assertion type 'sentiment': the eval's types are equals, contains, icontains, not_contains, regex, is_json, json_schema, numeric, min_length, max_length, max_cost_usd, max_latency_ms, status, llm_rubric, similar, expression, tool_called, tool_not_called, tool_sequence, max_turns, max_tool_calls, handoff_to, guardrail_tripped, guardrail_not_tripped.",
        span(text, 3, 'sentiment'),
      ],
    ]);
  });

  it('reports an assertion without a type, or with two', () => {
    const text = withMonitors('  - name: m', '    assert: [{value: x}, {contains: x, regex: y}, {type: contains, value: x, regex: y}]');
    assert.deepEqual(findingsOf(text), [
      ['monitor.assertion-type', 'error', "An assertion needs 'type': the eval's assertion type (contains, not-contains, regex, is-json, llm_rubric, max_length, ...), with its 'value'.", span(text, 3, '{value: x}')],
      ['monitor.assertion-type', 'error', "An assertion has one type; this one has 'contains' and 'regex': write one assertion for each.", span(text, 3, 'regex')],
      ['monitor.assertion-type', 'error', "An assertion has one type: 'type: contains' and 'regex' both name one. Write one assertion for each.", span(text, 3, 'regex', 1)],
    ]);
  });

  it('reports a missing value on the type, and a value of the wrong kind on the value, as the eval says it', () => {
    const text = withMonitors('  - name: m', '    assert: [{type: contains}, {type: equals}, {type: max_length, value: ten}, {max_length: -1}, {type: status, value: done}]');
    assert.deepEqual(findingsOf(text), [
      ['monitor.assertion-value', 'error', "'contains' needs 'value': a text (a template).", span(text, 3, 'contains')],
      ['monitor.assertion-value', 'error', "'equals' needs 'value': the value the output must equal.", span(text, 3, 'equals')],
      ['monitor.assertion-value', 'error', "'max_length' takes a whole number of at least 0.", span(text, 3, 'ten')],
      ['monitor.assertion-value', 'error', "'max_length' takes a whole number of at least 0.", span(text, 3, '-1')],
      ['monitor.assertion-value', 'error', "'status' takes 'completed' or 'failed'.", span(text, 3, 'done')],
    ]);
  });

  it("reports args beside another type than tool_called, and an assertion looking at both an output and a step", () => {
    const text = withMonitors('  - name: m', '    assert: [{type: contains, value: x, args: {a: 1}}, {type: contains, value: y, output: o, step: s}]');
    assert.deepEqual(findingsOf(text), [
      ['monitor.assertion-value', 'error', "'args' goes with 'tool_called' (the arguments a call must have), not with 'contains'.", span(text, 3, 'args')],
      ['monitor.assertion-value', 'error', "An assertion looks at one value: 'output' or 'step', not both.", span(text, 3, 'step')],
    ]);
  });

  it('warns of an llm_rubric without a judge model, and checks a judge model as a step model', () => {
    const text = withMonitors('  - name: m', '    assert: [{type: llm_rubric, value: polite}, {llm_rubric: kind}, {type: llm_rubric, value: r, model: opnai:gpt-4o}]');
    const judge = (t: string) => `'${t}' names no judge model: give it 'model: provider:model' (such as openai:gpt-4o-mini). Without one the server's ORC_JUDGE_MODEL judges, and where it is not set every check is an error.`;
    assert.deepEqual(findingsOf(text), [
      ['monitor.judge-model', 'warning', judge('llm_rubric'), span(text, 3, 'llm_rubric')],
      ['monitor.judge-model', 'warning', judge('llm_rubric'), span(text, 3, 'llm_rubric', 1)],
      ['model.invalid', 'error', "Unknown model provider 'opnai': use 'openai', 'anthropic', 'google', 'huggingface', 'ollama', 'openai-compatible', 'vscode'. Did you mean 'openai:gpt-4o'?", span(text, 3, 'opnai:gpt-4o')],
    ]);
  });

  it('reports sample and alert_below outside 0..1, and an empty assert, with the schema', () => {
    const text = withMonitors('  - name: m', '    sample: 1.5', '    alert_below: -0.1', '    assert: []');
    assert.deepEqual(findingsOf(text), [
      ['schema.range', 'error', "'sample' must be at most 1, got 1.5.", span(text, 3, '1.5')],
      ['schema.range', 'error', "'alert_below' must be at least 0, got -0.1.", span(text, 4, '-0.1')],
      ['schema.range', 'error', 'A monitor needs at least one assertion: a run passes its check when every one passes.', span(text, 5, '[]')],
    ]);
  });

  it('reports a min_checks larger than the window on min_checks, the default window named; an unwritten min_checks is at most the window', () => {
    const b = withMonitors('  - name: m', '    assert: [{type: contains, value: x}]', '    window: 20', '    min_checks: 30');
    assert.deepEqual(findingsOf(b), [
      ['monitor.window', 'error', "The window holds the last 20 checks but 'min_checks' asks for 30 before it may alert: it would never alert. Make 'window' at least 'min_checks'.", span(b, 5, '30')],
    ]);
    const c = withMonitors('  - name: m', '    assert: [{type: contains, value: x}]', '    min_checks: 60');
    assert.deepEqual(findingsOf(c), [
      ['monitor.window', 'error', "The window holds the last 50 checks (its default) but 'min_checks' asks for 60 before it may alert: it would never alert. Make 'window' at least 'min_checks'.", span(c, 4, '60')],
    ]);
    assert.deepEqual(findingsOf(withMonitors('  - name: m', '    assert: [{type: contains, value: x}]', '    window: 10', '    min_checks: 10')), []);
    // a small window without min_checks needs all of its checks: no finding
    const small = analyze(withMonitors('  - name: m', '    assert: [{type: contains, value: x}]', '    window: 5'));
    assert.deepEqual(small.findings.map(compact), []);
    assert.equal(small.pipeline!.monitors![0].minChecks, 5);
  });

  it('reports a duplicate name on each, with the other as related', () => {
    const text = withMonitors('  - name: tone', '    assert: [{type: contains, value: x}]', '  - name: tone', '    assert: [{type: contains, value: y}]');
    const a = analyze(text);
    const message = "Monitor 'tone' is declared 2 times in this pipeline: both would write .orchestrator/monitors/tone.jsonl. Give each its own name.";
    assert.deepEqual(a.findings.map(compact), [
      ['monitor.duplicate-name', 'error', message, span(text, 2, 'tone')],
      ['monitor.duplicate-name', 'error', message, span(text, 4, 'tone')],
    ]);
    assert.deepEqual(a.findings[0].related, [{ message: 'also declared here', range: { start: { line: 4, character: 10 }, end: { line: 4, character: 14 } } }]);
  });

  it('refuses a name unsafe as a file name: a path, dots, a leading _, a device name, one too long', () => {
    const long = 'a'.repeat(101);
    const text = withMonitors(
      '  - name: ../escape',
      '    assert: [{type: contains, value: x}]',
      '  - name: a/b',
      '    assert: [{type: contains, value: x}]',
      '  - name: .hidden',
      '    assert: [{type: contains, value: x}]',
      '  - name: _private',
      '    assert: [{type: contains, value: x}]',
      '  - name: COM1',
      '    assert: [{type: contains, value: x}]',
      `  - name: ${long}`,
      '    assert: [{type: contains, value: x}]',
    );
    const form = (n: string) => `Monitor name '${n}' must start with a letter and hold only letters, digits, '_' and '-': its checks are written to .orchestrator/monitors/NAME.jsonl.`;
    assert.deepEqual(findingsOf(text), [
      ['schema.pattern', 'error', form('../escape'), span(text, 2, '../escape')],
      ['schema.pattern', 'error', form('a/b'), span(text, 4, 'a/b')],
      ['schema.pattern', 'error', form('.hidden'), span(text, 6, '.hidden')],
      ['schema.pattern', 'error', form('_private'), span(text, 8, '_private')],
      ['monitor.name', 'error', "Monitor name 'COM1' names a device on Windows: its checks could not be written to .orchestrator/monitors/COM1.jsonl there. Choose another name.", span(text, 10, 'COM1')],
      ['monitor.name', 'error', 'Monitor name is 101 characters long: at most 100, as its checks are written to .orchestrator/monitors/NAME.jsonl.', span(text, 12, long)],
    ]);
  });

  it('reports a missing name and a missing assert as the schema does', () => {
    const text = withMonitors('  - sample: 0.5');
    assert.deepEqual(findingsOf(text), [
      ['schema.missing-key', 'error', "Missing required key 'name' in a monitor.", span(text, 2, 'sample')],
      ['schema.missing-key', 'error', "Missing required key 'assert' in a monitor.", span(text, 2, 'sample')],
    ]);
  });

  it('refuses a notify webhook that is not http(s), not a URL, or carries credentials', () => {
    const text = withMonitors(
      '  - name: a',
      '    assert: [{type: contains, value: x}]',
      '    alert_below: 0.9',
      '    notify: {webhook: "ftp://ops.example/h", secret_env: S}',
      '  - name: b',
      '    assert: [{type: contains, value: x}]',
      '    alert_below: 0.9',
      '    notify: {webhook: "ops.example/h", secret_env: S}',
      '  - name: c',
      '    assert: [{type: contains, value: x}]',
      '    alert_below: 0.9',
      '    notify: {webhook: "https://bot:hunter2@ops.example/h", secret_env: S}',
      '  - name: d',
      '    assert: [{type: contains, value: x}]',
      '    alert_below: 0.9',
      '    notify: {webhook: "https://bot:hunter 2@ops example/h", secret_env: S}',
    );
    assert.deepEqual(findingsOf(text), [
      ['monitor.notify-url', 'error', 'Alerts are POSTed over http or https, not ftp.', span(text, 5, '"ftp://ops.example/h"')],
      ['monitor.notify-url', 'error', "'ops.example/h' is not a URL: alerts are POSTed to an http(s) URL such as https://ops.example/hooks/orc.", span(text, 9, '"ops.example/h"')],
      [
        'monitor.notify-url',
        'error',
        "Credentials do not go in the alert webhook's URL (they would be in every log that names it): the receiver checks the body's signature, made with the secret 'secret_env' names.",
        span(text, 13, '"https://bot:hunter2@ops.example/h"'),
      ],
      ['monitor.notify-url', 'error', 'This is not a URL: alerts are POSTed to an http(s) URL such as https://ops.example/hooks/orc.', span(text, 17, '"https://bot:hunter 2@ops example/h"')],
    ]);
    // the password is not repeated in any finding
    assert.ok(analyze(text).findings.every((f) => !f.message.includes('hunter')));
  });

  it('requires a signing secret, named by an environment variable, and warns of a notify that never fires', () => {
    const text = withMonitors(
      '  - name: a',
      '    assert: [{type: contains, value: x}]',
      '    alert_below: 0.9',
      '    notify: {webhook: "https://ops.example/h"}',
      '  - name: b',
      '    assert: [{type: contains, value: x}]',
      '    alert_below: 0.9',
      '    notify: {webhook: "https://ops.example/h", secret_env: "my secret"}',
      '  - name: c',
      '    assert: [{type: contains, value: x}]',
      '    notify: {webhook: "https://ops.example/h", secret_env: ALERT_SECRET}',
    );
    assert.deepEqual(findingsOf(text), [
      ['monitor.notify-secret', 'error', "Alerts must be signed: name the environment variable holding the secret with 'secret_env' (each alert carries X-Orchestrator-Signature: sha256=<HMAC of its body>).", span(text, 5, 'notify')],
      ['monitor.secret-env', 'error', "'secret_env' names an environment variable: 'my secret' is not a variable's name (letters, digits and '_', not starting with a digit). The secret itself never goes in the file.", span(text, 9, '"my secret"')],
      ['monitor.never-alerts', 'warning', "'notify' is never called: without 'alert_below' the monitor never alerts.", span(text, 12, 'notify')],
    ]);
  });

  it('reports an unknown key of a monitor, its notify, budget and assertions with the nearest', () => {
    const text = withMonitors('  - name: m', '    asert: [{type: contains, value: x}]', '    assert: [{type: contains, valeu: x}]', '    budget: {max_cost: 1}');
    assert.deepEqual(findingsOf(text), [
      ['schema.unknown-key', 'error', "Unknown key 'asert' in a monitor. Did you mean 'assert'?", span(text, 3, 'asert')],
      ['schema.unknown-key', 'error', "Unknown key 'valeu' in a monitor's assertion. Did you mean 'value'?", span(text, 4, 'valeu')],
      ['schema.unknown-key', 'error', "Unknown key 'max_cost' in 'budget'. Did you mean 'max_cost_usd'?", span(text, 5, 'max_cost')],
    ]);
  });

  it('tests every monitor code of the codes table above (a new one needs its case here)', () => {
    assert.deepEqual(
      Object.keys(FINDING_CODES).filter((c) => c.startsWith('monitor.')),
      ['monitor.assertion-type', 'monitor.assertion-value', 'monitor.judge-model', 'monitor.name', 'monitor.duplicate-name', 'monitor.window', 'monitor.notify-url', 'monitor.notify-secret', 'monitor.secret-env', 'monitor.never-alerts'],
    );
  });
});
