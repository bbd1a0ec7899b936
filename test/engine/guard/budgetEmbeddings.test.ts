// Two holes a budget must not have: embeddings (the `embed` action) draw on it like any model call,
// and a model the registry has no price for is not counted as $0 unseen: under a `max_cost_usd`
// budget its call is refused (never made) and the analyzer warns `budget.unpriced-model` before
// the run; under `max_tokens` alone its tokens are counted. Against the loopback provider server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { analyze, createModelRunner, runPipeline, type RunEvent } from '../../../engine/api/index';
import { worstCase } from '../../../engine/analyze/worstCase';
import { loopbackEnv, tempDir, useLoopback } from '../../helpers/agentRun';
import { doc as lines, findingsOf } from '../../helpers/findings';

describe('guard: budgets count embeddings, and refuse a model with no price', function () {
  this.timeout(20_000);
  const srv = useLoopback();
  let dir: string;
  beforeEach(() => {
    dir = tempDir('orc-budget-embed-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(yaml: string) {
    const a = analyze(yaml);
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error').map((f) => f.message), []);
    const events: RunEvent[] = [];
    const doc = await runPipeline(a, { cwd: dir, checkpoint: false, models: createModelRunner({ env: loopbackEnv(srv) }), listeners: [(e) => events.push(e)] });
    return { doc, events };
  }

  it('embed steps draw on the run budget: the call that would cross it is never made', async () => {
    // each batch reserves its texts' tokens (4 characters a token: 'alpha beta gamma delta' is 6) and settles at what the provider counts (40)
    srv.fallback = { tokensIn: 40 };
    const { doc, events } = await run(`id: p
budget: {max_tokens: 50}
steps:
  - {id: first, action: embed, model: openai:text-embedding-3-small, parameters: {texts: [alpha beta gamma delta]}}
  - {id: second, action: embed, model: openai:text-embedding-3-small, depends_on: [first], parameters: {texts: [alpha beta gamma delta, epsilon zeta eta theta]}}
`);
    assert.equal(doc.steps.first.status, 'completed', String(doc.steps.first.error));
    assert.equal(doc.steps.second.status, 'failed');
    assert.equal(doc.steps.second.error_type, 'BudgetExceededError');
    assert.equal(doc.steps.second.error, "The run's budget (max_tokens 50) is spent: spent $8e-7 and 40 tokens; the next call, step 'second' on openai:text-embedding-3-small (12 tokens at worst), would cross it, so it was not made");
    assert.equal(srv.requests.filter((r) => r.path.endsWith('/embeddings')).length, 1, 'the second batch never reached the provider');
    assert.deepEqual(doc.budget?.map((b) => [b.budget, b.spent_tokens, b.spent_usd, b.spent]), [["the run's budget", 40, (40 * 0.02) / 1e6, true]]);
    assert.ok(events.some((e) => e.type === 'budget' && e.spent_tokens === 40));
  });

  it('a model the registry has no price for is refused under max_cost_usd, and counted in tokens under max_tokens', async () => {
    srv.fallback = { text: 'ok', tokensIn: 10, tokensOut: 5 };
    const priced = await run(`id: p
model: openai:gpt-unlisted
budget: {max_cost_usd: 1}
steps:
  - {id: reply, action: generate, parameters: {prompt: hi, max_tokens: 20}}
`);
    assert.equal(priced.doc.steps.reply.error_type, 'BudgetExceededError');
    assert.equal(priced.doc.steps.reply.error, "The run's budget (max_cost_usd $1) cannot count a call on openai:gpt-unlisted: the model registry has no price for it, so the call of step 'reply' was not made. Give the model its price in your registry file (0 for a local model), or bound the run with max_tokens instead of max_cost_usd");
    assert.equal(srv.requests.length, 0);
    // its own step budget in dollars refuses it too; a token budget counts it
    const tokens = await run(`id: p
model: openai:gpt-unlisted
budget: {max_tokens: 100}
steps:
  - {id: reply, action: generate, parameters: {prompt: hi, max_tokens: 20}}
`);
    assert.equal(tokens.doc.steps.reply.status, 'completed', String(tokens.doc.steps.reply.error));
    assert.deepEqual(tokens.doc.budget?.map((b) => [b.spent_tokens, b.spent_usd]), [[15, 0]]);
    const own = await run(`id: p
model: openai:gpt-unlisted
steps:
  - {id: reply, action: generate, budget: {max_cost_usd: 0.5}, parameters: {prompt: hi, max_tokens: 20}}
`);
    assert.match(String(own.doc.steps.reply.error), /^Step 'reply''s budget \(max_cost_usd \$0\.5\) cannot count a call on openai:gpt-unlisted: /);
    assert.equal(srv.requests.length, 1, 'only the token-budget run called the provider');
  });

  it('before the run: budget.unpriced-model on the step; a priced or templated model is quiet; embed steps are in the worst case', () => {
    const text = lines(
      'id: p',
      'model: openai:gpt-4o-mini',
      'parameters: {m: {type: string, default: openai:gpt-4o}}',
      'budget: {max_cost_usd: 1}',
      'steps:',
      '  - {id: a, action: generate, model: openai:gpt-unlisted, parameters: {prompt: hi, max_tokens: 10}}',
      '  - {id: b, action: generate, parameters: {prompt: hi, max_tokens: 10, model: "{{ m }}"}}',
      '  - {id: c, action: generate, parameters: {prompt: hi, max_tokens: 10}}',
      '  - {id: e, action: embed, model: ollama:unlisted-embed, parameters: {texts: [one two three four]}}',
    );
    assert.deepEqual(findingsOf(text).filter((f) => f[0].startsWith('budget.')), [
      ['budget.unpriced-model', 'warning', "Step 'a' calls openai:gpt-unlisted, which the model registry has no price for: the run's budget (max_cost_usd $1) cannot count its calls, so they will be refused. Give the model its price in your registry file (0 for a local model), or bound the budget with max_tokens instead.", '5:30-5:35'],
      ['budget.unpriced-model', 'warning', "Step 'e' calls ollama:unlisted-embed, which the model registry has no price for: the run's budget (max_cost_usd $1) cannot count its calls, so they will be refused. Give the model its price in your registry file (0 for a local model), or bound the budget with max_tokens instead.", '8:27-8:32'],
    ]);
    const w = worstCase(analyze(text).pipeline!);
    assert.deepEqual(w.steps.find((s) => s.step === 'e'), { label: 'e', step: 'e', path: ['steps', 3], model: 'ollama:unlisted-embed', calls: 1, usd: 0, tokens: 5, note: "'ollama:unlisted-embed' has no price in the model registry", priced: false });
    // a token budget is not a cost budget: no warning
    assert.deepEqual(findingsOf(text.replace('budget: {max_cost_usd: 1}', 'budget: {max_tokens: 100000}')).filter((f) => f[0] === 'budget.unpriced-model'), []);
  });
});
