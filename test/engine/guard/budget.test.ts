// Budgets against the loopback provider (the real openai SDK on its wire): one ledger per run that
// parallel calls cannot overshoot, a call that would cross it never made, and the failure named.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner } from '../../../engine/models/index';
import type { ResultDocument, RunEvent } from '../../../engine/run/events';
import { runPipeline, type RunOptions } from '../../../engine/run/runPipeline';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orc, orcAsync } from '../../helpers/cli';

let server: LoopbackProviders;
let dir: string;

async function run(yaml: string, o: Partial<RunOptions> = {}): Promise<{ doc: ResultDocument; events: RunEvent[] }> {
  const a = analyze(yaml);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error').map((f) => f.message), []);
  const events: RunEvent[] = [];
  const models = createModelRunner({ env: { OPENAI_API_KEY: 'sk-test-openai', OPENAI_BASE_URL: `${server.origin}/v1` }, resilience: { baseDelayMs: 5, maxDelayMs: 50, windowMs: 1000 } });
  const doc = await runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, models, listeners: [(e) => events.push(e)], ...o });
  return { doc, events };
}

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-budget-'));
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Ten calls, four at a time; each answers 10 tokens in and 1,000 out ($0.0006015 on gpt-4o-mini) and is reserved for 1 in and 1,000 out ($0.00060015). */
const TEN = (budget: string) => `id: ten
model: openai:gpt-4o-mini
${budget}
steps:
  - id: each
    for_each: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    max_parallel: 4
    steps:
      - id: call
        action: generate
        parameters:
          prompt: "n {{ item }}"
          max_tokens: 1000
`;

describe('guard: budgets', () => {
  it('a run budget that allows three calls lets exactly three happen (a for_each of ten, four at a time) and fails naming the budget, the spend and the step', async () => {
    server.fallback = { text: 'ok', tokensIn: 10, tokensOut: 1000, delayMs: 40 };
    const { doc, events } = await run(TEN('budget: {max_cost_usd: 0.002}'));
    assert.equal(server.requests.length, 3);
    assert.equal(doc.status, 'failed');
    const failed = doc.steps.each.iterations!.flatMap((it) => Object.values(it.steps)).filter((r) => r.error_type === 'BudgetExceededError');
    assert.ok(failed.length >= 1);
    assert.equal(failed[0].error, "The run's budget (max_cost_usd $0.002) is spent: spent $0.0018045 and 3030 tokens; the next call, step 'call' on openai:gpt-4o-mini ($0.00060015 at worst), would cross it, so it was not made");
    assert.ok(Math.abs(doc.cost_usd - 0.0018045) < 1e-6, String(doc.cost_usd));
    const last = events.filter((e): e is Extract<RunEvent, { type: 'budget' }> => e.type === 'budget').at(-1)!;
    assert.deepEqual([last.budget, last.spent, last.spent_tokens, last.max_cost_usd], ["the run's budget", true, 3030, 0.002]);
  });

  it('orc run --budget-usd lowers the pipeline budget: one call fits, the second is never made', async () => {
    server.fallback = { text: 'ok', tokensIn: 10, tokensOut: 1000 };
    const { doc } = await run(TEN('budget: {max_cost_usd: 5}'), { budgetUsd: 0.001 });
    assert.equal(server.requests.length, 1);
    assert.equal(doc.status, 'failed');
  });

  it('a token budget counts tokens in and out; a step budget fails only its step, and the run budget is untouched by a run under it', async () => {
    server.fallback = { text: 'ok', tokensIn: 10, tokensOut: 1000 };
    const { doc } = await run(`id: steps
model: openai:gpt-4o-mini
budget: {max_tokens: 100000}
steps:
  - id: a
    action: generate
    budget: {max_tokens: 500}
    on_failure: continue
    parameters: {prompt: hi, max_tokens: 1000}
  - id: b
    action: generate
    depends_on: [a]
    parameters: {prompt: hi, max_tokens: 1000}
`);
    assert.equal(server.requests.length, 1);
    assert.equal(doc.steps.a.error_type, 'BudgetExceededError');
    assert.equal(doc.steps.a.error, "Step 'a''s budget (max_tokens 500) is spent: spent $0 and 0 tokens; the next call, step 'a' on openai:gpt-4o-mini (1001 tokens at worst), would cross it, so it was not made");
    assert.equal(doc.steps.b.status, 'completed');
  });

  it('max_duration: a call in flight when the run has taken its time is cancelled, and the run fails naming it', async () => {
    server.fallback = { text: 'ok', delayMs: 5000 };
    const { doc } = await run(`id: slow
model: openai:gpt-4o-mini
budget: {max_duration: 0.3}
steps:
  - {id: s, action: generate, parameters: {prompt: hi, max_tokens: 10}}
`);
    assert.equal(doc.status, 'failed');
    assert.equal(doc.steps.s.error_type, 'BudgetExceededError');
    assert.equal(doc.steps.s.error, "The run's budget (max_duration 0.3 s) is spent: the run has taken 0.3 s; its model calls in flight were cancelled and no other starts");
  });

  describe('orc run --budget-usd', function () {
    this.timeout(60_000);

    it('sets the run budget: the call that would cross it is never made, the run exits 1 naming the budget, and no key is printed', async () => {
      server.fallback = { text: 'ok', tokensIn: 10, tokensOut: 1000 };
      const file = path.join(dir, 'ten.pipeline.yaml');
      fs.writeFileSync(file, TEN(''));
      const r = await orcAsync(['run', file, '--budget-usd', '0.0013', '--json'], { cwd: dir, isolated: true, env: { OPENAI_API_KEY: 'sk-test-budget-cli-0123456789', OPENAI_BASE_URL: `${server.origin}/v1` } });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(server.requests.length, 2);
      const doc = JSON.parse(r.stdout) as ResultDocument;
      assert.equal(doc.status, 'failed');
      assert.match(JSON.stringify(doc.steps.each), /The run's budget \(max_cost_usd \$0\.0013\) is spent/);
      assert.ok(!(r.stdout + r.stderr).includes('sk-test-budget-cli'));
    });

    it('orc validate warns budget.exceedable on the budget, and orc plan prints the worst case beside it', () => {
      const file = path.join(dir, 'ten.pipeline.yaml');
      fs.writeFileSync(file, TEN('budget: {max_cost_usd: 0.002}'));
      const v = orc(['validate', file]);
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout + v.stderr, /ten\.pipeline\.yaml:3:10: warning budget\.exceedable The run's worst case is \$0\.006005, over max_cost_usd \$0\.002: the costliest path is step 'each › call' \(10 calls on openai:gpt-4o-mini, \$0\.006005\)/);
      const p = orc(['plan', file]);
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stdout, /\n {2}each › call: 10 calls, 10030 tokens, \$0\.006005\n {2}run: 10030 tokens, \$0\.006005 — over its budget\n/);
    });

    it('refuses an amount that is not one, with exit 2', () => {
      const r = orc(['run', 'examples/hello.pipeline.yaml', '--budget-usd', 'lots']);
      assert.deepEqual([r.code, r.stderr.trim()], [2, "orc: --budget-usd takes an amount of dollars (0.50)\nrun 'orc help' for usage"]);
    });
  });
});
