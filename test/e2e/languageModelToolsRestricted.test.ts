// The agent tools in Restricted Mode, as a person meets them (client/languageModelTools.ts): the
// test extension (test/e2e/fakeLanguageModel) invokes orchestrator_listPipelines in an untrusted
// folder and is told no implementation is registered; once the person trusts the folder, the tool
// answers without a reload. Runs in the Restricted Mode workbench workbench.test.ts's restricted
// suite used before it (restrictedWorkbench): it trusts the folder, so it comes last (scripts/e2e.mjs).
// Screenshots go to test-artifacts/e2e/agent-tool-restricted.png and agent-tool-trusted.png.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { restrictedWorkbench } from './sharedWorkbenches';
import { focusWorkbench, palette, quickOpen, shot } from './ui';

/** Calls a tool through the test extension's command; resolves with the lines of the editor it opens with the answer. */
async function invokeTool(page: Page, tool: string, input: string, first: string | RegExp): Promise<string[]> {
  await palette(page, 'Fake Tests: Invoke a Language Model Tool', tool);
  await page.locator('.quick-input-widget', { hasText: `Input of ${tool} (JSON)` }).waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.quick-input-widget input').fill(input);
  await page.keyboard.press('Enter');
  const answer = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
  await answer.filter({ hasText: first }).waitFor({ state: 'visible', timeout: 60_000 });
  return answer.locator('.view-line').evaluateAll((els) => els.sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top)).map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')));
}

describe('workbench: agent tools in Restricted Mode', function () {
  this.timeout(240_000);
  const s = restrictedWorkbench();

  it('offers nothing until the workspace is trusted, then offers the pipelines without a reload', async () => {
    await quickOpen(s.page, 'hello.pipeline.yaml');
    assert.deepEqual(await invokeTool(s.page, 'orchestrator_listPipelines', '{}', 'orchestrator_listPipelines failed'), ['orchestrator_listPipelines failed: Tool orchestrator_listPipelines does not have an implementation registered.']);
    await shot(s.page, 'agent-tool-restricted');
    await palette(s.page, 'Workspaces: Manage Workspace Trust');
    await s.page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust/ }).first().click({ timeout: 30_000 });
    // the trust editor opens in a modal editor, which stays over the workbench: closed
    await focusWorkbench(s.page);
    // trust reaches the extension host a moment later: asked again until the tool answers (the
    // editor draws spaces as no-break spaces: \s)
    let listed: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      listed = await invokeTool(s.page, 'orchestrator_listPipelines', '{}', /orchestrator_listPipelines\s(answered|failed)/);
      if (listed[0] === 'orchestrator_listPipelines answered:') break;
      await s.page.waitForTimeout(1000);
    }
    assert.equal(listed[0], 'orchestrator_listPipelines answered:');
    // the list's first lines (the editor draws only what is on screen): the first pipeline by path
    // (one JSON data part; VS Code indents its JSON with tabs, which the editor draws as spaces)
    assert.deepEqual(listed.slice(0, 8).map((l) => l.trim()), ['orchestrator_listPipelines answered:', '{', '"pipelines": [', '{', '"name": "brain_muscle",', '"title": "Brain and muscle",', '"file": "brain-muscle.pipeline.yaml",', '"description": "A planner model delegates reading to a cheaper worker model, then decides.",']);
    await shot(s.page, 'agent-tool-trusted');
  });
});
