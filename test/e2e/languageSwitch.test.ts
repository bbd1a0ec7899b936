// A ContextLab user's file in a real workbench, as a person meets it (client/languageSwitch.ts):
// control_flow_advanced.yaml opened from quick open is a pipeline at once, with no command run
// first: the language mode and our status item say so, its diagnostic is drawn, its code lenses
// are there and the graph opens from one; a click on the status item makes it plain YAML again.
// Screenshots go to test-artifacts/e2e/. Run by scripts/e2e.mjs.
import { strict as assert } from 'node:assert';
import { goToLine, palette, personWorkbench, quickOpen, shot, webview } from './ui';

describe('workbench: a ContextLab file opens as a pipeline', function () {
  this.timeout(240_000);
  const s = personWorkbench({ trusted: true, settings: { 'workbench.colorTheme': 'Default Light Modern' } });
  const statusItem = (text: string) => s.page.locator('.statusbar-item', { hasText: text }).first();

  it('has its diagnostic, its lenses and its graph with no command run first', async () => {
    await quickOpen(s.page, 'control_flow_advanced.yaml');
    // the language mode in the status bar, and ours saying why
    await s.page.locator('.statusbar-item[id="status.editor.mode"]', { hasText: 'Orchestrator Pipeline' }).waitFor({ state: 'visible', timeout: 60_000 });
    const why = statusItem('Pipeline (detected: steps + id)');
    await why.waitFor({ state: 'visible', timeout: 30_000 });
    // the language server's check: ContextLab's implied dependency, one note counted in the status bar
    await s.page.locator('.statusbar-item[id="status.problems"]', { hasText: /^\s*0\s*0\s*1\s*$/ }).first().waitFor({ timeout: 60_000 });
    // the pipeline's code lenses above its first line
    const editor = s.page.locator('.monaco-editor[data-uri$="control_flow_advanced.yaml"]').first();
    for (const lens of ['Run pipeline', 'Debug', 'Show graph']) await editor.locator('.codelens-decoration a', { hasText: lens }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await shot(s.page, 'contextlab-opens-as-pipeline');
    // and drawn under its characters (line 43, where read_summary names summarize)
    await goToLine(s.page, ':43:17');
    await editor.locator('.squiggly-info').first().waitFor({ state: 'attached', timeout: 30_000 });
    await shot(s.page, 'contextlab-diagnostic');
    await goToLine(s.page, ':1');
    // the graph, from the lens
    const view = webview(s.page);
    // clicked again when no graph comes: a lens drawn again under the pointer takes no click
    for (let attempt = 1; ; attempt++) {
      await editor.locator('.codelens-decoration a', { hasText: 'Show graph' }).first().click();
      try {
        await view.locator('.node[data-step-id="write_notes"]').waitFor({ state: 'attached', timeout: 20_000 });
        break;
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
    for (const id of ['write_notes', 'summarize', 'read_summary']) await view.locator(`.node[data-step-id="${id}"]`).waitFor({ state: 'attached', timeout: 60_000 });
    assert.equal(await view.locator('.node[data-step-id]').count(), 4, 'the loop, its body step, the summary and its read');
    await shot(s.page, 'contextlab-graph');
  });

  it('a click on the status item makes it plain YAML: no lenses, no problems, and the item says so', async () => {
    // the graph beside it has the focus: the editors close, and the file opens alone
    await palette(s.page, 'View: Close All Editors');
    await quickOpen(s.page, 'control_flow_advanced.yaml');
    await statusItem('Pipeline (detected: steps + id)').click();
    await s.page.locator('.statusbar-item[id="status.editor.mode"]', { hasText: /^\s*YAML\s*$/ }).waitFor({ state: 'visible', timeout: 30_000 });
    await statusItem('Plain YAML (your choice)').waitFor({ state: 'visible', timeout: 30_000 });
    const editor = s.page.locator('.monaco-editor[data-uri$="control_flow_advanced.yaml"]').first();
    await editor.locator('.codelens-decoration a', { hasText: 'Show graph' }).waitFor({ state: 'detached', timeout: 30_000 });
    await s.page.locator('.statusbar-item[id="status.problems"]', { hasText: /^\s*0\s*0\s*$/ }).first().waitFor({ timeout: 30_000 });
    // and they stay gone (the editor draws a file's lenses from a cache while it asks again)
    await s.page.waitForTimeout(2000);
    assert.equal(await s.page.locator('.codelens-decoration a', { hasText: 'Show graph' }).count(), 0);
    await shot(s.page, 'contextlab-plain-yaml');
  });
});
