// Guardrails and budgets in a real workbench, as a person watches a run: the run header shows the
// budget's ledger (spent of its limit), a step whose answer a guard blocked shows it blocked (which
// guard, on what, why) and not the text, and a redacted answer says so and shows the redacted text.
// The model is a loopback server speaking OpenAI's protocol, driven through the real SDK by the
// extension host. Screenshots go to test-artifacts/e2e/guardrails-*.png. Run by scripts/e2e.mjs.
import { strict as assert } from 'node:assert';
import { agentWorkbench } from './sharedWorkbenches';
import { palette, quickOpen, shot, webview } from './ui';

describe('workbench: guardrails and the budget in the pipeline panel', function () {
  this.timeout(240_000);
  // the workbench and loopback server it shares with agents.test.ts and agentTranscript.test.ts
  const { s, provider } = agentWorkbench();

  it('the header shows the budget spent of its limit; a blocked answer is shown blocked with its guard and reason; a redacted one says so', async () => {
    provider.script.push(
      { text: 'Your order left today. Questions: write to help@shop.example.', tokensIn: 1000, tokensOut: 500 },
      { text: 'Your order left today, and we guarantee a full refund if it is late.', tokensIn: 1200, tokensOut: 600 },
    );
    const viewport = s.page.viewportSize();
    await s.page.setViewportSize({ width: 1600, height: 1000 });
    try {
      await quickOpen(s.page, 'guarded-panel.pipeline.yaml');
      await palette(s.page, 'Orchestrator: Run Pipeline');
      const view = webview(s.page);
      await view.locator('[data-testid="run-status"]', { hasText: 'failed' }).waitFor({ state: 'attached', timeout: 90_000 });
      assert.equal(provider.requests.length, 2);
      // the ledger: two calls at gpt-4o-mini's prices ($0.15 / $0.60 a million), of $0.05
      const spent = (1000 * 0.15 + 500 * 0.6 + 1200 * 0.15 + 600 * 0.6) / 1e6;
      const budget = view.locator('[data-testid="budget"]');
      assert.equal(await budget.textContent(), `$${Number(spent.toPrecision(2))} / $0.05`);
      assert.equal(await budget.getAttribute('data-spent'), 'false');
      assert.match((await budget.locator('xpath=..').getAttribute('title')) ?? '', /^The run's budget \(max_cost_usd \$0\.05\): spent \$0\.00099 and 3,300 tokens$/);
      // the run's cost says the same: the blocked answer's call was made and paid for
      assert.equal(await view.locator('[data-testid="cost"]').textContent(), `$${spent.toFixed(4)}`);
      assert.equal(await view.locator('[data-testid="tokens"]').textContent(), '3,300');

      // the blocked answer: the banner names the guard and why, and the answer is nowhere in the panel
      await view.locator('.node[data-step-id="reply"]').click();
      const panel = view.locator('[data-testid="step-panel"]');
      const blocked = panel.locator('[data-testid="guard-blocked"]');
      await blocked.waitFor({ state: 'visible', timeout: 15_000 });
      assert.equal(await blocked.getAttribute('data-guard'), 'no-promises');
      assert.equal(await blocked.textContent(), `Blocked by guardrail 'no-promises' on the answer: matched the denied pattern "(?i)(guarantee|refund)". No later step, file or view saw it.`);
      assert.deepEqual(await panel.locator('[data-testid="guard-checks"] li').allTextContents(), [`no-promises · output · block: matched the denied pattern "(?i)(guarantee|refund)"`]);
      assert.equal(await panel.locator('[data-testid="step-error"]').textContent(), `GuardrailError: Guardrail 'no-promises' blocked the output: matched the denied pattern "(?i)(guarantee|refund)"`);
      assert.ok(!((await panel.textContent()) ?? '').includes('guarantee a full refund'), 'the blocked answer is not shown');
      await shot(s.page, 'guardrails-1-blocked');

      // the redacted draft: the banner says so, and the output is the redacted text
      await view.locator('.node[data-step-id="draft"]').click();
      const redacted = panel.locator('[data-testid="guard-redacted"]');
      await redacted.waitFor({ state: 'visible', timeout: 15_000 });
      assert.equal(await redacted.textContent(), "Redacted: guardrail 'pii' on the answer (holds 1 email address). What is shown is the redacted text.");
      assert.equal(await panel.locator('[data-testid="step-output"]').textContent(), 'Your order left today. Questions: write to [REDACTED:email].');
      assert.ok(!((await panel.textContent()) ?? '').includes('help@shop.example'));
      await shot(s.page, 'guardrails-2-redacted');
    } finally {
      if (viewport) await s.page.setViewportSize(viewport);
    }
  });
});
