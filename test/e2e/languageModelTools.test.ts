// A pipeline run by an agent's tool call in a real workbench, as a person meets it
// (client/languageModelTools.ts): a test extension (test/e2e/fakeLanguageModel, its command "Fake
// Tests: Invoke a Language Model Tool") picks orchestrator_runPipeline from vscode.lm.tools and
// invokes it as an agent would; VS Code asks the person in a modal dialog that names the pipeline,
// its inputs and its predicted cost; once allowed, the run fills the run panel and the tool answers
// the outputs (the test extension opens them in an editor). Screenshots go to test-artifacts/e2e/agent-tool-*.png. Run by scripts/e2e.mjs.
// The tools in Restricted Mode: languageModelToolsRestricted.test.ts.
import { strict as assert } from 'node:assert';
import { agentWorkbench } from './sharedWorkbenches';
import { palette, quickOpen, shot, webview } from './ui';

describe('workbench: a pipeline run by an agent tool, as a person confirms it', function () {
  this.timeout(240_000);
  // the agent suites' workbench (the editor's AI features on: the MCP server list is one), after them
  // in scripts/e2e.mjs
  const { s } = agentWorkbench();

  it('asks with the pipeline, its inputs and its cost; the run fills the panel; the tool answers the outputs', async () => {
    await quickOpen(s.page, 'hello.pipeline.yaml');
    await palette(s.page, 'Fake Tests: Invoke a Language Model Tool', 'orchestrator_runPipeline');
    const input = s.page.locator('.quick-input-widget input');
    await s.page.locator('.quick-input-widget', { hasText: 'Input of orchestrator_runPipeline (JSON)' }).waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill('{"pipeline": "hello", "inputs": {"name": "Grace"}}');
    await s.page.keyboard.press('Enter');
    const dialog = s.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal((await dialog.locator('.dialog-message-text').textContent())?.trim(), 'Run pipeline Hello?');
    const detail = await dialog.locator('.dialog-message-detail').innerText();
    assert.equal(detail.trim(), "The agent asks to run the pipeline 'hello' (hello.pipeline.yaml) in the run panel.\n\nInputs:\n- name: \"Grace\"\n- out_dir: \"./output\" (default)\n\nPredicted cost: $0.00 (no step calls a model)");
    await shot(s.page, 'agent-tool-confirmation');
    const buttons = (await dialog.locator('.monaco-button').allTextContents()).map((b) => b.trim()).sort();
    assert.deepEqual(buttons, ['Cancel', 'Yes']);
    await dialog.locator('.monaco-button', { hasText: /^Yes$/ }).click();
    // the tool's answer, the outputs as JSON, in the editor the test extension opens
    const answer = s.page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
    await answer.filter({ hasText: 'orchestrator_runPipeline answered:' }).waitFor({ state: 'visible', timeout: 60_000 });
    const lines = await answer.locator('.view-line').evaluateAll((els) => els.sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top)).map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')));
    // the outputs as one JSON data part, whose text the model reads (VS Code indents it with tabs)
    assert.equal(lines[0], 'orchestrator_runPipeline answered:');
    assert.deepEqual(JSON.parse(lines.slice(1).join('\n')), { greeting: 'Hello, Grace!' });
    // and the run in the run panel, as any run
    const view = webview(s.page);
    for (const id of ['write_greeting', 'read_greeting']) await view.locator(`.node[data-step-id="${id}"][data-status="completed"]`).waitFor({ state: 'attached', timeout: 60_000 });
    await shot(s.page, 'agent-tool-run-panel');
  });

  it('lists orc mcp for the workspace among the editor\'s MCP servers', async () => {
    const row = s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Orchestrator pipelines' }).first();
    await palette(s.page, 'MCP: List Servers');
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    // started from the list: the editor runs node dist/cli.js mcp --root <the workspace> and lists its tools
    await row.click();
    await s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Start Server' }).first().click({ timeout: 15_000 });
    const running = await (async () => {
      for (let attempt = 1; attempt <= 20; attempt++) {
        await s.page.keyboard.press('Escape');
        await palette(s.page, 'MCP: List Servers');
        // on a busy machine the Enter can reach the palette before its list is filtered to the
        // command, or the server's Output panel can take the focus as it starts and close the
        // list: then the list is asked for again (the server must still be found Running below)
        try {
          await row.waitFor({ state: 'visible', timeout: 15_000 });
        } catch {
          continue;
        }
        const text = (await row.textContent()) ?? '';
        if (/Running/.test(text)) return text;
        await s.page.waitForTimeout(1000);
      }
      return (await row.textContent()) ?? '';
    })();
    assert.match(running, /Orchestrator pipelines.*Running/);
    // its log (the server's stderr) in the Output panel: every pipeline of the workspace that compiles is a tool
    const output = s.page.locator('.output-view, .panel .monaco-editor').first();
    await output.filter({ hasText: /Discovered\s\d+\stools/ }).waitFor({ state: 'visible', timeout: 30_000 });
    const log = (await output.locator('.view-line').allTextContents()).join('\n').replace(/\u00a0/g, ' ');
    const served = /orc mcp: serving (\d+) pipeline\(s\) from (\S+)/.exec(log);
    assert.ok(served, log);
    assert.equal(served[2], s.workspace);
    assert.match(log, new RegExp(`Discovered ${served[1]} tools`));
    await s.page.waitForTimeout(500);
    await shot(s.page, 'agent-tool-mcp-servers');
  });
});
