// The editor on guards and budgets: completion offers the guard kinds (each with a value to fill in)
// for a new guard, only `name` and `on_fail` once a guard has its kind, the `on_fail` actions its
// stage and kind can take, the PII kinds; hover says what an action or a PII kind does, shows the
// worst case on a step's hover and on a `budget` key (the run's beside its limit, its costliest step).
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { completions } from '../../../server/completion';
import { hover } from '../../../server/hover';

/** The document with `|` taken out, and the offset where it was. */
function at(text: string): { text: string; offset: number } {
  return { text: text.replace('|', ''), offset: text.indexOf('|') };
}
function labels(t: string): string[] {
  const { text, offset } = at(t);
  return completions(analyze(text), offset).map((i) => i.label);
}
function hoverText(t: string): string | null {
  const { text, offset } = at(t);
  const h = hover(analyze(text), offset);
  return h ? (h.contents as { value: string }).value : null;
}

const STEP = 'id: p\nmodel: openai:gpt-4o-mini\nsteps:\n  - id: r\n    action: generate\n    parameters: {prompt: hi, max_tokens: 100}\n';

describe('guard: completion and hover in the editor', () => {
  it('a new guard offers the kinds with a snippet; a guard with its kind offers name and on_fail only', () => {
    assert.deepEqual(labels(`${STEP}    guardrails:\n      input:\n        - |\n`), ['deny', 'allow', 'pii', 'max_chars', 'schema', 'judge', 'pipeline']);
    const { text, offset } = at(`${STEP}    guardrails:\n      output:\n        - |\n`);
    const judge = completions(analyze(text), offset).find((i) => i.label === 'judge')!;
    assert.equal(judge.insertText, 'judge: {rubric: "${1:polite and on topic}", threshold: ${2:0.7}}');
    assert.deepEqual(labels(`${STEP}    guardrails:\n      input:\n        - deny: "x"\n          |\n`), ['name', 'on_fail']);
    // a mapping with no kind yet: the kinds first, then the options it lacks
    assert.deepEqual(labels(`${STEP}    guardrails:\n      input:\n        - name: mine\n          |\n`), ['deny', 'allow', 'pii', 'max_chars', 'schema', 'judge', 'pipeline', 'on_fail']);
  });

  it('on_fail offers what the stage and kind can do; pii its kinds, those not listed yet', () => {
    assert.deepEqual(labels(`${STEP}    guardrails:\n      output:\n        - pii: [email]\n          on_fail: |\n`), ['block', 'redact', 'retry', 'ask']);
    assert.deepEqual(labels(`${STEP}    guardrails:\n      input:\n        - pii: [email]\n          on_fail: |\n`), ['block', 'redact', 'ask']);
    assert.deepEqual(labels(`${STEP}    guardrails:\n      output:\n        - max_chars: 10\n          on_fail: |\n`), ['block', 'retry', 'ask']);
    assert.deepEqual(labels(`${STEP}    guardrails:\n      output:\n        - pii: [email, |]\n`), ['phone', 'card', 'iban', 'secret', 'ip']);
  });

  it("hover: an on_fail action and a PII kind in words; a step's worst case; a budget's worst case beside its limit", () => {
    assert.equal(hoverText(`${STEP}    guardrails:\n      output:\n        - pii: [email]\n          on_fail: red|act\n`), '**`on_fail: redact`** — The text goes on with what failed replaced by `[REDACTED:kind]` (`deny` and `pii`; the other kinds have nothing to replace, and block).');
    assert.equal(hoverText(`${STEP}    guardrails:\n      output:\n        - pii: [email, ca|rd]\n`), "**PII kind `card`** — A card number: 13 to 19 digits passing Luhn's check.");
    const loop = 'id: p\nmodel: openai:gpt-4o-mini\nbudget: {max_cost_usd: 0.001}\nsteps:\n  - id: each\n    for_each: [1, 2, 3]\n    steps:\n      - id: r\n        action: generate\n        parameters: {prompt: "say {{ item }}", max_tokens: 1000}\n        repair: {max_attempts: 2}\n        vars: {x: The answer.}\n';
    assert.equal(hoverText(loop.replace('- id: r', '- id: |r')), '**step `r`**\n\n- does: `generate`\n- worst case: 9 calls on `openai:gpt-4o-mini`, $0.005405, 9,036 tokens\n\n_defined on line 8_');
    const budget = hoverText(loop.replace('budget:', 'bud|get:'))!;
    assert.deepEqual(budget.split('\n\n').slice(1), ['Worst case of the run: $0.005405, 9,036 tokens (budget $0.001).', 'Costliest step: `each › r`, 9 calls on `openai:gpt-4o-mini`, $0.005405, 9,036 tokens.']);
    // a loop over a list known only at run time: no bound, and why
    const open = 'id: p\nmodel: openai:gpt-4o-mini\nparameters: {items: {type: array, default: []}}\nsteps:\n  - id: each\n    for_each: "{{ items }}"\n    steps:\n      - id: r\n        action: generate\n        parameters: {prompt: hi, max_tokens: 10}\n';
    assert.match(hoverText(open.replace('- id: r', '- id: |r'))!, /- worst case: no bound: inside a loop over a list known only at run time\n/);
  });
});
