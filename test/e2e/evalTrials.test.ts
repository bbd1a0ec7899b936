// Trials and coverage of an eval as a person sees them in the workbench: coin.eval.yaml runs four
// trials of a coin that alternates, so its case is flaky (said so in the Test Explorer, with its
// trials as child results); a run with coverage marks the pipeline's lines in the gutter, the step
// inside a loop that never iterates as missed. Screenshots go to test-artifacts/e2e/.
import { strict as assert } from 'node:assert';
import { goToLine, palette, personWorkbench, quickOpen, shot } from './ui';

describe('workbench: trials and coverage of an eval', function () {
  this.timeout(240_000);
  const s = personWorkbench({ trusted: true, settings: { 'workbench.colorTheme': 'Default Light Modern', 'testing.automaticallyOpenPeekView': 'never', 'files.autoSave': 'off' } });
  const tree = () => s.page.locator('.test-explorer-tree, .test-explorer');
  const row = (label: string) => tree().locator('.monaco-list-row', { hasText: label });

  it('a flaky case in the Test Explorer, its four trials as child results', async () => {
    await quickOpen(s.page, 'coin.eval.yaml');
    await s.page.locator('.codelens-decoration a', { hasText: 'Run Eval' }).first().click();
    await palette(s.page, 'Testing: Focus on Test Explorer View');
    await row('coin.eval.yaml').first().waitFor({ state: 'visible', timeout: 60_000 });
    await row('coin.eval.yaml').first().click();
    await s.page.keyboard.press('ArrowRight');
    // an eval without variants has `default`
    await row('default').first().waitFor({ state: 'visible', timeout: 10_000 });
    await row('default').first().click();
    await s.page.keyboard.press('ArrowRight');
    const lucky = row('lucky').first();
    await lucky.waitFor({ state: 'visible', timeout: 30_000 });
    // the case says it is flaky once its trials are in
    await tree().locator('.monaco-list-row', { hasText: 'flaky' }).first().waitFor({ state: 'visible', timeout: 90_000 });
    await lucky.click();
    await s.page.keyboard.press('ArrowRight');
    for (const t of ['trial 1', 'trial 2', 'trial 3', 'trial 4']) await row(t).first().waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await row('trial').count(), 4);
    await shot(s.page, '30-eval-flaky-trials');
  });

  it('coverage: the pipeline’s steps marked in the gutter, the loop body never run as missed', async () => {
    await palette(s.page, 'Testing: Focus on Test Explorer View');
    const coin = row('coin.eval.yaml').first();
    await coin.hover();
    await coin.locator('.action-label[aria-label*="Coverage"]').first().click();
    await quickOpen(s.page, 'coin.pipeline.yaml');
    const editor = s.page.locator('.monaco-editor[data-uri$="coin.pipeline.yaml"]').first();
    await editor.locator('.coverage-deco-gutter.coverage-deco-hit, .coverage-deco-hit').first().waitFor({ state: 'attached', timeout: 90_000 });
    // the loop body's step (line 26), never run: missed
    await goToLine(s.page, ':26');
    await editor.locator('.coverage-deco-gutter.coverage-deco-miss, .coverage-deco-miss').first().waitFor({ state: 'attached', timeout: 15_000 });
    // the text drawn, not only the gutter, before the picture
    await editor.locator('.view-line', { hasText: 'id: never' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await shot(s.page, '31-eval-coverage-gutter');
  });
});
