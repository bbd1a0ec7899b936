// A ContextLab user's file in a real workbench, as a person meets it (client/languageSwitch.ts):
// control_flow_advanced.yaml opened from quick open is a pipeline at once, with no command run
// first: the language mode and our status item say so, its diagnostic is drawn, its code lenses
// are there and the graph opens from one; a click on the status item makes it plain YAML again.
// Another example with a template error (contextlab/simple_research.yaml) draws its graph with the
// step marked, its error on hover, a click going to the error's line.
// Screenshots go to test-artifacts/e2e/. Run by scripts/e2e.mjs.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { editingWorkbench } from './sharedWorkbenches';
import { goToLine, palette, quickOpen, shot, webview } from './ui';

describe('workbench: a ContextLab file opens as a pipeline', function () {
  this.timeout(240_000);
  // the workbench it shares with graphEdit.test.ts and evalTrials.test.ts
  const s = editingWorkbench();
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
    // one click, waited for long: on a machine with both cores busy the switch has taken more than
    // 30 s, and a second click made meanwhile has been seen to leave the file a pipeline
    await statusItem('Pipeline (detected: steps + id)').click();
    await s.page.locator('.statusbar-item[id="status.editor.mode"]', { hasText: /^\s*YAML\s*$/ }).waitFor({ state: 'visible', timeout: 60_000 });
    await statusItem('Plain YAML (your choice)').waitFor({ state: 'visible', timeout: 30_000 });
    const editor = s.page.locator('.monaco-editor[data-uri$="control_flow_advanced.yaml"]').first();
    await editor.locator('.codelens-decoration a', { hasText: 'Show graph' }).waitFor({ state: 'detached', timeout: 30_000 });
    await s.page.locator('.statusbar-item[id="status.problems"]', { hasText: /^\s*0\s*0\s*$/ }).first().waitFor({ timeout: 30_000 });
    // and they stay gone (the editor draws a file's lenses from a cache while it asks again)
    await s.page.waitForTimeout(2000);
    assert.equal(await s.page.locator('.codelens-decoration a', { hasText: 'Show graph' }).count(), 0);
    await shot(s.page, 'contextlab-plain-yaml');
  });

  it('a ContextLab example with a template error draws its graph, the step marked red: its errors on hover, a click on it selects the error', async () => {
    // its own state: the example written into the workspace, every editor closed
    fs.copyFileSync(path.join(__dirname, 'contextlab', 'simple_research.yaml'), path.join(s.workspace, 'simple_research.yaml'));
    await palette(s.page, 'View: Close All Editors');
    await quickOpen(s.page, 'simple_research.yaml');
    await statusItem('Pipeline (detected: steps + id)').waitFor({ state: 'visible', timeout: 60_000 });
    // its one error, `current_timestamp` (defined nowhere in ContextLab), counted in the status bar
    await s.page.locator('.statusbar-item[id="status.problems"]', { hasText: /^\s*1\s*0\s*$/ }).first().waitFor({ timeout: 60_000 });
    const editor = s.page.locator('.monaco-editor[data-uri$="simple_research.yaml"]').first();
    const view = webview(s.page);
    const marked = view.locator('.node[data-step-id="save_research"][data-error="true"]');
    for (let attempt = 1; ; attempt++) {
      await editor.locator('.codelens-decoration a', { hasText: 'Show graph' }).first().click();
      try {
        await marked.waitFor({ state: 'attached', timeout: 20_000 });
        break;
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
    // every step and dependency drawn; the one step with the error marked, its badge saying so
    assert.deepEqual(await view.locator('.node[data-step-id]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-step-id'), e.getAttribute('data-error')])), [
      ['search_topic', null],
      ['analyze_sources', null],
      ['create_summary', null],
      ['save_research', 'true'],
    ]);
    assert.deepEqual(await view.locator('.edge').evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')).sort()), ['explicit:analyze_sources->create_summary', 'explicit:create_summary->save_research', 'explicit:search_topic->analyze_sources']);
    assert.equal(await marked.locator('.badge').textContent(), '✖ 1 error');
    assert.equal(await view.locator('[data-testid="graph-errors"]').textContent(), '1 error, in the steps marked red. Fix it to run the pipeline.');
    // hovered: its error, with its line
    await marked.hover();
    const tip = view.locator('[data-testid="error-tip"]');
    await tip.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await tip.textContent(), "1 error in save_research (click to go to the first)line 77: Unknown name 'current_timestamp' in template: not a parameter, a step or a loop variable.");
    await shot(s.page, 'graph-errors-hover');
    // clicked: the editor selects the name in error (17 characters on line 77)
    await marked.click();
    await s.page.locator('.statusbar-item[id="status.editor.selection"]', { hasText: /Ln 77, Col \d+ \(17 selected\)/ }).waitFor({ state: 'visible', timeout: 30_000 });
    // and its step panel lists it
    assert.equal(await view.locator('[data-testid="step-problems"]').textContent(), "line 77: Unknown name 'current_timestamp' in template: not a parameter, a step or a loop variable.");
    await shot(s.page, 'graph-errors-click');
  });
});
