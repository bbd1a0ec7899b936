// The extension in a real VS Code workbench (code-server + Debian's chromium), two ways:
// 1. the integration suite (test/e2e/integration) inside the real extension host, loaded through
//    the workbench's extensionTestsPath payload, as @vscode/test-electron would load it;
// 2. as a person: quick open, the command palette, the parameter prompt, the DAG panel filling in,
//    a click on a node moving the editor's selection, a dark theme. Screenshots of each state go to
//    test-artifacts/e2e/. Run by scripts/e2e.mjs (which installs code-server and builds first).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBareBrowser, launchBrowser, makeWorkspace, ROOT, Workbench } from './codeServer';
import type { PartResult } from './integration/index';
import { goToLine, palette, personWorkbench, quickOpen, scrollTo, shot, toggleBreakpoint, variableInScope, webview } from './ui';
import { installFakeLanguageModel } from './fakeLanguageModel/install';
import { personAndEvalWorkbench, restrictedWorkbench } from './sharedWorkbenches';
import { generatePipeline } from '../../bench/generatePipeline';

const INTEGRATION_ENTRY = path.join(ROOT, '.tools', 'e2e-build', 'integration', 'index.js');

/** WCAG contrast ratio of two `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('workbench: the extension host suite', function () {
  this.timeout(240_000);
  // The in-host suite (test/e2e/integration/index.ts) in one workbench and one fresh workspace, its
  // four parts one after the other in one extension host, each part a test here with the bound of
  // 400 s: 50 tests timed as one used over half of that bound on a busy machine, and so did part 1
  // of three, 204 s beside stress-ng --cpu 2. A workbench of its own for each part (as until
  // 2026-11-28) cost about 30 s of CPU more a part. Nothing drives the page: the suite writes each
  // part's counts and report to ORC_E2E_PARTS_DIR, and its lines as they pass.
  // ORC_E2E_GREP narrows the in-host suite to the tests it matches (a developer's run, never CI's)
  const grep = process.env.ORC_E2E_GREP;
  let wb: Workbench | undefined;
  let browser: { stop(): void; exited(): boolean } | undefined;
  let parts = '';
  let workspace = '';
  before(async () => {
    assert.ok(fs.existsSync(INTEGRATION_ENTRY), 'scripts/e2e.mjs builds the integration suite first');
    parts = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-e2e-parts-'));
    workspace = makeWorkspace();
    // the fake chat model provider the language-model tests use, installed as a user's extension
    const extensionsDir = await installFakeLanguageModel();
    wb = await Workbench.start({ workspace, trusted: true, extensionsDir, env: { ORC_E2E_PARTS_DIR: parts, ...(grep ? { ORC_E2E_GREP: grep } : {}) } });
    browser = launchBareBrowser(wb.url({ extensionTestsPath: INTEGRATION_ENTRY }));
  });
  after(() => {
    browser?.stop();
    wb?.stop();
    for (const d of [parts, workspace]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  const runPart = (part: 1 | 2 | 3 | 4, atLeast: number) =>
    async function (this: Mocha.Context) {
      // the suite's own bound (below) comes first, so its message says which test was running
      this.timeout(400_000);
      const file = path.join(parts, `part-${part}`);
      const ran = () => (fs.existsSync(`${file}.log`) ? fs.readFileSync(`${file}.log`, 'utf8') : '(no test of this part has ended)');
      const deadline = Date.now() + 360_000;
      while (!fs.existsSync(`${file}.json`)) {
        assert.ok(!browser?.exited(), `chromium exited during part ${part}:\n${ran()}\n${wb?.log()}`);
        assert.ok(Date.now() < deadline, `part ${part} of the suite did not finish in 360 s; its tests so far:\n${ran()}\n${wb?.log()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const result = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as PartResult;
      const report = result.lines.join('\n');
      process.stdout.write(`${report}\n  ${result.passed} passing, ${result.failed} failing (part ${part})\n`);
      if (process.env.TEST_SUMMARY_FILE) fs.appendFileSync(process.env.TEST_SUMMARY_FILE, `${JSON.stringify({ passed: result.passed, failed: result.failed, skipped: result.skipped })}\n`);
      assert.equal(result.failed, 0, report);
      if (!grep) assert.ok(result.passed >= atLeast, `every in-host test of part ${part} ran (${result.passed} passed)`);
      else assert.ok(result.passed > 0, `ORC_E2E_GREP=${grep} matched no in-host test of part ${part}`);
    };

  // part 1: extension, debug, AUTO tags, language models, the runs view (20 tests today)
  it('passes inside a real extension host (part 1)', runPart(1, 20));
  // part 2: approvals, evals, agent evals, graph edits (17 tests today)
  it('passes inside a real extension host (part 2)', runPart(2, 17));
  // part 3: the language switch, replay (and coverage from the cassette), agent tools, optimize, Improve Prompts, the Test Explorer's actions (25 tests today)
  it('passes inside a real extension host (part 3)', runPart(3, 25));
  // part 4: an agent's debugging (Step Into a call, Deny Tool Call), conversations' (handoffs, Restart Frame), and a fork's models (6 tests today)
  it('passes inside a real extension host (part 4)', runPart(4, 6));
});

describe('workbench: as a person uses it', function () {
  this.timeout(240_000);
  // the workbench of this suite and the eval suite after it: left as found, light and without the
  // 5,000-step pipeline
  const s = personAndEvalWorkbench();
  beforeEach(async () => {
    for (let i = 0; i < 3; i++) await s.page.keyboard.press('Escape');
  });
  after(async () => {
    // nothing to restore when the workbench never started (its start's error is the suite's failure)
    if (!s.page) return;
    if (await s.page.evaluate(() => document.querySelector('.monaco-workbench')?.classList.contains('vs-dark'))) {
      await palette(s.page, 'Toggle between Light/Dark Themes');
      await s.page.waitForFunction(() => !document.querySelector('.monaco-workbench')?.classList.contains('vs-dark'), undefined, { timeout: 15_000 });
    }
    fs.rmSync(path.join(s.workspace, 'huge.pipeline.yaml'), { force: true });
  });

  it('shows a diagnostic in the editor', async () => {
    await quickOpen(s.page, 'broken.pipeline.yaml');
    await s.page.locator('.squiggly-error').first().waitFor({ state: 'visible', timeout: 60_000 });
    // the problem is counted in the status bar as a person sees it: one error, no warnings
    await s.page.locator('.statusbar-item[id="status.problems"]', { hasText: /^\s*1\s*0\s*$/ }).first().waitFor({ timeout: 10_000 });
    await shot(s.page, '1-diagnostic');
  });

  it('completion inside dependencies lists the step ids', async () => {
    // the editor still shows broken.pipeline.yaml; go to the misspelt dependency (line 15, column 20)
    await goToLine(s.page, ':15:20');
    await s.page.keyboard.press('Control+Space');
    const row = s.page.locator('.suggest-widget .monaco-list-row', { hasText: 'fetch' }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    const labels = await s.page.locator('.suggest-widget .monaco-list-row .label-name').allTextContents();
    assert.ok(labels.includes('fetch'), `offered: ${labels.join(', ')}`);
    assert.ok(!labels.includes('summarize'), `a step is not offered as its own dependency: ${labels.join(', ')}`);
    await shot(s.page, '1b-completion');
    await s.page.keyboard.press('Escape');
  });

  it("completion in a template offers the parameters; the focused one shows its type and description (resolved when shown)", async () => {
    await quickOpen(s.page, 'greet.pipeline.yaml');
    // line 18: `      content: "{{ greeting }}, {{ name }}!"`, the cursor where `greeting` starts
    await goToLine(s.page, ':18:20');
    await s.page.keyboard.press('Control+Space');
    await s.page.locator('.suggest-widget .monaco-list-row', { hasText: 'greeting' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const labels = await s.page.locator('.suggest-widget .monaco-list-row .label-name').allTextContents();
    // the parameters first, in their order, then the steps
    assert.deepEqual(labels.slice(0, 2), ['greeting', 'name'], `offered: ${labels.join(', ')}`);
    // the second parameter focused: its type beside it, its description in the details (asked for with Ctrl+Space)
    await s.page.keyboard.press('ArrowDown');
    const focused = s.page.locator('.suggest-widget .monaco-list-row.focused');
    await focused.locator('.label-name', { hasText: /^name$/ }).waitFor({ timeout: 10_000 });
    await focused.locator('.details-label', { hasText: /^parameter: string$/ }).waitFor({ timeout: 15_000 });
    await s.page.keyboard.press('Control+Space');
    await s.page.locator('.suggest-details', { hasText: 'Who to greet.' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await shot(s.page, '1c-completion-parameter');
    await s.page.keyboard.press('Escape');
  });

  it('runs a pipeline from the command palette and the DAG shows every step completed', async () => {
    await quickOpen(s.page, 'parallel.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Run Pipeline');
    // the parameter prompt, its default filled in
    const input = s.page.locator('.quick-input-widget input');
    await s.page.waitForFunction(() => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value === './output', undefined, { timeout: 30_000 });
    assert.equal(await input.inputValue(), './output');
    await s.page.keyboard.press('Enter');
    const view = webview(s.page);
    for (const id of ['node_version', 'disk', 'date', 'report']) {
      await view.locator(`.node[data-step-id="${id}"][data-status="completed"]`).waitFor({ state: 'attached', timeout: 60_000 });
    }
    await view.locator('[data-testid="steps-done"]', { hasText: '4 / 4' }).waitFor({ timeout: 10_000 });
    assert.ok(fs.readFileSync(path.join(s.workspace, 'output', 'report.md'), 'utf8').startsWith('# Machine report ('));
    await shot(s.page, '3-dag-after-run');
    // under the graph: the run's timeline, its critical path marked (report waits for the three others)
    await view.locator('.bar[data-step-id="report"][data-critical="true"]').waitFor({ state: 'attached', timeout: 20_000 });
    assert.equal(await view.locator('.bar').count(), 4);
    await scrollTo(view.locator('[data-testid="timeline"] summary'));
    await shot(s.page, '3b-timeline-after-run');
  });

  it('clicking a node selects its step in the editor', async () => {
    const view = webview(s.page);
    await view.locator('.node[data-step-id="disk"]').click();
    await view.locator('.node[data-step-id="disk"][data-selected="true"]').waitFor({ state: 'attached' });
    await view.locator('[data-testid="step-panel"] h2', { hasText: 'disk' }).waitFor();
    // the cursor stands on the step's `id:` (line 24) with its lines (24-28) selected in the editor:
    // read from the editor as drawn (the status bar's Ln/Col item hides while the panel has focus)
    const editor = s.page.locator('.editor-instance:has(.monaco-editor[data-uri$="parallel.pipeline.yaml"])').first();
    await s.page.waitForFunction(
      () => {
        const ed = [...document.querySelectorAll('.monaco-editor[data-uri$="parallel.pipeline.yaml"]')][0];
        return ed?.querySelector('.line-numbers.active-line-number')?.textContent?.trim() === '24' && ed.querySelectorAll('.selected-text').length > 0;
      },
      undefined,
      { timeout: 15_000 },
    );
    const selected = await editor.locator('.view-overlays .selected-text').count();
    assert.ok(selected >= 5, `lines 24-28 are selected (${selected} selection rows drawn)`);
    await shot(s.page, '4-node-selects-step');
  });

  it('debugs the loop with F5: a breakpoint in its body, the item in Variables, Step Over, Continue to the end', async () => {
    await quickOpen(s.page, 'loop.pipeline.yaml');
    // a breakpoint on line 26, inside the loop's body step (write_note)
    await toggleBreakpoint(s.page, 26, 'visible');
    await s.page.keyboard.press('F5');
    // the parameters are asked for, defaults filled in: take them
    for (const value of ['["pipelines","templates","checkpoints"]', './output']) {
      await s.page.waitForFunction((v) => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value === v, value, { timeout: 30_000 });
      await s.page.keyboard.press('Enter');
    }
    // each running or held step is a thread in the Call Stack; the held one says why
    const thread = (name: string, why: RegExp) => s.page.locator('.debug-call-stack .monaco-list-row', { hasText: name }).filter({ hasText: why }).first();
    await thread('per_topic[0]/write_note', /paused on breakpoint/i).waitFor({ state: 'visible', timeout: 60_000 });
    await s.page.locator('.debug-toolbar').waitFor({ state: 'visible' });
    // the held step is drawn in the graph, and its note is not written yet
    await webview(s.page).locator('.node[data-step-id="write_note"][data-paused="true"]').waitFor({ state: 'attached', timeout: 20_000 });
    // and the run's header says where it is held, in words
    assert.match((await webview(s.page).locator('[data-testid="run-status"]').textContent()) ?? '', /^paused at \S*write_note$/);
    assert.equal(fs.existsSync(path.join(s.workspace, 'output', 'notes', '0-pipelines.md')), false);
    // the loop's variables: expand the Loop scope and read the item
    await variableInScope(s.page, 'Loop', 'topic', '"pipelines"');
    await shot(s.page, '7-debug-paused-in-loop');

    // Step Over: this iteration's step runs, the run stops before the next one
    await s.page.keyboard.press('F10');
    await thread('per_topic[1]/write_note', /paused on step/i).waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(fs.readFileSync(path.join(s.workspace, 'output', 'notes', '0-pipelines.md'), 'utf8'), '# Pipelines\n\nNote 1 of 3.\n');
    assert.equal(fs.existsSync(path.join(s.workspace, 'output', 'notes', '1-templates.md')), false);

    // Continue until the run ends (the breakpoint holds the third iteration once more)
    await s.page.keyboard.press('F5');
    await thread('per_topic[2]/write_note', /paused on breakpoint/i).waitFor({ state: 'visible', timeout: 20_000 });
    await s.page.keyboard.press('F5');
    await s.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
    await webview(s.page).locator('.node[data-step-id="list_notes"][data-status="completed"]').waitFor({ state: 'attached', timeout: 20_000 });
    assert.deepEqual(fs.readdirSync(path.join(s.workspace, 'output', 'notes')).sort(), ['0-pipelines.md', '1-templates.md', '2-checkpoints.md']);
    // the breakpoint goes, so the next tests run as before
    await toggleBreakpoint(s.page, 26, 'detached');
  });

  it('lists the runs in the Orchestrator view, each with status, start, duration, tokens and cost', async () => {
    await s.page.locator('.activitybar .action-item a[aria-label="Orchestrator"], .activitybar .action-label[aria-label="Orchestrator"]').first().click();
    const rows = s.page.locator('.pane-body .monaco-list-row', { hasText: 'for_each_loop' });
    await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
    await s.page.locator('.pane-body .monaco-list-row', { hasText: 'parallel' }).first().waitFor({ state: 'visible' });
    assert.match((await rows.first().textContent()) ?? '', /completed · \d{4}-\d\d-\d\d \d\d:\d\d · [\d.]+ s · 0 tok · \$0\.0000/);
    await shot(s.page, '8-runs-view');
    // back to the explorer for the tests that follow
    await s.page.keyboard.press('Control+Shift+E');
  });

  it("shows a pipeline's run statistics in the Runs view: success rate, p50/p95 duration, cost, tokens, its flakiest step", async () => {
    // a pipeline whose check fails on its first run and passes on the next, run twice from the palette
    fs.writeFileSync(
      path.join(s.workspace, 'stats.pipeline.yaml'),
      `id: stats_demo
steps:
  - id: start
    tool: terminal
    action: execute
    parameters:
      command: sleep 0.2
  - id: check
    tool: terminal
    action: execute
    dependencies: [start]
    parameters:
      command: "if [ -f output/stats-flag ]; then echo ok; else mkdir -p output && touch output/stats-flag && exit 3; fi"
`,
    );
    await quickOpen(s.page, 'stats.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Run Pipeline');
    const view = webview(s.page);
    await view.locator('[data-testid="run-status"]', { hasText: 'failed' }).waitFor({ timeout: 60_000 });
    await quickOpen(s.page, 'stats.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Run Pipeline');
    await view.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor({ timeout: 60_000 });
    // the figures expected, from the two run records on disk (nearest-rank p50 and p95 of two runs)
    const runs = path.join(s.workspace, '.orchestrator', 'runs');
    const docs = fs
      .readdirSync(runs)
      .map((id) => path.join(runs, id, 'result.json'))
      .filter((f) => fs.existsSync(f))
      .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { pipeline_id: string; status: string; duration_ms: number })
      .filter((d) => d.pipeline_id === 'stats_demo');
    assert.deepEqual(docs.map((d) => d.status).sort(), ['completed', 'failed']);
    const secs = (v: number) => (v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
    const [fast, slow] = docs.map((d) => d.duration_ms).sort((a, b) => a - b);
    const figures = `2 runs · success 50.0 % · p50 ${secs(fast)} · p95 ${secs(slow)} · $0.0000 · 0 tok`;
    // Close the editors (one webview on screen), then the Runs view: its Statistics node lists the pipeline
    await palette(s.page, 'View: Close All Editors');
    await s.page.locator('.activitybar .action-item a[aria-label="Orchestrator"], .activitybar .action-label[aria-label="Orchestrator"]').first().click();
    const statsNode = s.page.locator('.pane-body .monaco-list-row', { hasText: 'Statistics' }).first();
    await statsNode.waitFor({ state: 'visible', timeout: 30_000 });
    // expanded by a click; a click that lands while the view redraws (the last run's files arriving) is made again
    const expanded = s.page.locator('.pane-body .monaco-list-row[aria-expanded="true"]', { hasText: 'Statistics' });
    for (let tries = 0; tries < 5 && (await statsNode.getAttribute('aria-expanded')) !== 'true'; tries++) {
      await statsNode.click();
      await expanded.first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
    }
    const row = s.page.locator('.pane-body .monaco-list-row', { hasText: 'success' }).filter({ hasText: 'stats_demo' }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(((await row.textContent()) ?? '').trim(), `stats_demo${figures}`);
    // a click opens the whole of it: the pipeline's line, its steps, the flakiest step
    await row.click();
    const page = webview(s.page);
    const line = page.locator('section[data-pipeline-id="stats_demo"] [data-testid="pipeline-figures"]');
    await line.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await line.textContent(), `2 runs (1 completed, 1 failed, 0 cancelled) · success 50.0 % · duration p50 ${secs(fast)}, p95 ${secs(slow)} · cost $0.0000 · tokens 0 in, 0 out`);
    const cells = async (testid: string) => page.locator(`[data-testid="${testid}"] tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const steps = await cells('steps');
    assert.deepEqual(
      steps.map((r) => [r[0], r[1], r[2], r[5], r[6], r[7], r[8]]),
      [
        ['start', '2', '100.0 %', '0', '0', '$0.0000', '0 in, 0 out'],
        ['check', '2', '50.0 %', '0', '1', '$0.0000', '0 in, 0 out'],
      ],
    );
    assert.deepEqual(await cells('flakiest'), [['stats_demo › check', '1']]);
    assert.equal((await cells('slowest')).length, 2);
    // the sidebar wider for the picture, so the row's figures are read whole; then back as it was
    const bar = (await s.page.locator('.part.sidebar').boundingBox())!;
    const drag = async (from: number, to: number) => {
      await s.page.mouse.move(from, bar.y + bar.height / 2);
      await s.page.mouse.down();
      await s.page.mouse.move(to, bar.y + bar.height / 2, { steps: 8 });
      await s.page.mouse.up();
    };
    await drag(bar.x + bar.width + 1, bar.x + bar.width + 260);
    await s.page.waitForTimeout(300);
    await shot(s.page, 'telemetry-runs-stats');
    const wide = (await s.page.locator('.part.sidebar').boundingBox())!;
    await drag(wide.x + wide.width + 1, bar.x + bar.width);
    await s.page.keyboard.press('Control+Shift+E');
  });

  it('asks for an approval in a modal dialog, and the run goes on with the answer', async () => {
    await quickOpen(s.page, 'review.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Run Pipeline');
    // the parameter prompt, default accepted
    await s.page.waitForFunction(() => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value === 'Everything is faster.', undefined, { timeout: 30_000 });
    await s.page.keyboard.press('Enter');
    const dialog = s.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match((await dialog.textContent()) ?? '', /Publish the release notes\? \(step approve\)/);
    assert.match((await dialog.textContent()) ?? '', /Everything is faster\./);
    // the dialog is the host's and can be up before the graph panel's page has loaded (two workbenches
    // at load 8 took more than 10 s); the panel is given the time its first load can take
    const view = webview(s.page);
    await view.locator('.node[data-step-id="approve"][data-status="running"]').waitFor({ state: 'attached', timeout: 60_000 });
    await shot(s.page, '9-approval-dialog');
    await dialog.locator('.monaco-button', { hasText: /^Approve$/ }).click();
    await view.locator('.node[data-step-id="publish"][data-status="completed"]').waitFor({ state: 'attached', timeout: 30_000 });
    assert.equal(fs.readFileSync(path.join(s.workspace, 'output', 'published.txt'), 'utf8'), 'approved by user: Everything is faster.');
  });

  it('shows a running step live, and Cancel stops it', async () => {
    await quickOpen(s.page, 'slow.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Run Pipeline');
    const view = webview(s.page);
    await view.locator('.node[data-step-id="wait"][data-status="running"]').waitFor({ state: 'attached', timeout: 60_000 });
    await view.locator('.node[data-step-id="start"][data-status="completed"]').waitFor({ state: 'attached' });
    await s.page.waitForTimeout(1500);
    await shot(s.page, '2-dag-during-run');
    // the run's status bar item: its icon still, since this workbench asks for fewer animations
    // (workbench.reduceMotion: on); a spinning icon is drawn every frame (client/reducedMotion.ts)
    const runIcon = s.page.locator('.statusbar-item', { hasText: 'slow' }).locator('.codicon-sync');
    await runIcon.waitFor({ state: 'visible' });
    assert.equal(await runIcon.evaluate((e) => e.classList.contains('codicon-modifier-spin')), false, 'no spinning icon with motion reduced');
    await palette(s.page, 'Orchestrator: Cancel Run');
    await view.locator('.node[data-step-id="wait"][data-status="cancelled"]').waitFor({ state: 'attached', timeout: 20_000 });
    await view.locator('[data-testid="run-status"]', { hasText: 'cancelled' }).waitFor();
  });

  it('stays readable in a dark theme', async () => {
    await palette(s.page, 'Toggle between Light/Dark Themes');
    await s.page.waitForFunction(() => document.querySelector('.monaco-workbench')?.classList.contains('vs-dark'), undefined, { timeout: 15_000 });
    await s.page.waitForTimeout(1000);
    const view = webview(s.page);
    const node = view.locator('.node[data-step-id="start"]');
    await node.waitFor({ state: 'attached' });
    const colours = await node.evaluate((g) => ({
      label: getComputedStyle(g.querySelector('.label')!).fill,
      box: getComputedStyle(g.querySelector('.box')!).fill,
      page: getComputedStyle(document.body).backgroundColor,
    }));
    const ratio = contrast(colours.label, colours.box);
    assert.ok(ratio >= 4.5, `label ${colours.label} on ${colours.box}: contrast ${ratio.toFixed(2)}`);
    // and it is a dark page now
    const [r, g, b] = (colours.page.match(/\d+/g) ?? []).map(Number);
    assert.ok(r + g + b < 3 * 100, `dark background, got ${colours.page}`);
    await shot(s.page, '5-dag-dark-theme');
  });

  it("opens a 5,000-step pipeline's graph: the nodes in view and the minimap, panned by dragging", async () => {
    // generated here: the fixture is not committed
    fs.writeFileSync(path.join(s.workspace, 'huge.pipeline.yaml'), generatePipeline(5000));
    // opened from the Explorer (shown here: a test before may have left another view in the sidebar);
    // quick open keeps the file list it read before the file existed
    await s.page.keyboard.press('Control+Shift+E');
    const row = s.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'huge.pipeline.yaml' }).first();
    await row.waitFor({ state: 'visible', timeout: 90_000 });
    await row.dblclick();
    await s.page.locator('.tab.active', { hasText: 'huge.pipeline.yaml', hasNotText: 'Pipeline:' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await palette(s.page, 'Orchestrator: Show Graph');
    const view = webview(s.page);
    await view.locator('svg.graph[data-nodes="5000"][data-culled="true"] .node').first().waitFor({ state: 'attached', timeout: 180_000 });
    const drawnIds = () => view.locator('.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-step-id') ?? ''));
    const first = await drawnIds();
    assert.ok(first.length > 5 && first.length < 400, `${first.length} nodes in the DOM`);
    assert.ok(first.includes('step_0'), 'the graph opens at its first step');
    await view.locator('[data-testid="minimap"]').waitFor({ state: 'visible' });
    const k = await view.locator('svg.graph .viewport').evaluate((g) => Number(/scale\(([\d.]+)\)/.exec(g.getAttribute('transform') ?? '')?.[1]));
    assert.ok(k >= 0.6, `readable zoom, got ${k}`);
    // drag the background (beside the nodes) three times along the graph: the panel beside the
    // editor is tall, so the graph runs top down; a wide one runs left to right
    const down = (await view.locator('svg.graph').getAttribute('data-direction')) === 'DOWN';
    const pane = (await view.locator('.graph-pane').boundingBox())!;
    for (let i = 0; i < 3; i++) {
      await s.page.mouse.move(down ? pane.x + 8 : pane.x + pane.width - 30, down ? pane.y + pane.height - 30 : pane.y + 8);
      await s.page.mouse.down();
      await s.page.mouse.move(down ? pane.x + 8 : pane.x + 30, down ? pane.y + 30 : pane.y + 8, { steps: 12 });
      await s.page.mouse.up();
    }
    await view.locator('.node[data-step-id="step_0"]').waitFor({ state: 'detached', timeout: 10_000 });
    const later = await drawnIds();
    assert.ok(later.length > 5 && later.length < 400, `${later.length} nodes in the DOM after panning`);
    const index = (id: string) => Number(/step_(\d+)/.exec(id)?.[1] ?? -1);
    assert.ok(Math.max(...later.map(index)) > Math.max(...first.map(index)), `panned on: ${later.slice(0, 5).join(', ')}`);
    // a node in view still selects its step
    const target = await view.locator('.graph-pane').evaluate((p) => {
      const r = p.getBoundingClientRect();
      const inView = [...p.querySelectorAll('.node:not(.loop)')].find((n) => {
        const b = n.getBoundingClientRect();
        return b.left > r.left && b.right < r.right && b.top > r.top && b.bottom < r.bottom;
      });
      return inView?.getAttribute('data-step-id') ?? '';
    });
    assert.ok(target, 'a node is in view after panning');
    await view.locator(`.node[data-step-id="${target}"]`).click();
    await view.locator(`.node[data-step-id="${target}"][data-selected="true"]`).waitFor({ state: 'attached' });
    await view.locator('[data-testid="step-panel"] h2', { hasText: target }).waitFor();
    await shot(s.page, 'perf-graph-5000');
  });
});

describe('workbench: an eval, as a person runs it', function () {
  this.timeout(240_000);
  // the person suite's workbench, after it
  const s = personAndEvalWorkbench();
  const tree = () => s.page.locator('.test-explorer-tree, .test-explorer');
  const row = (label: string) => tree().locator('.monaco-list-row', { hasText: label });
  /** Opens the Test Explorer and expands hello.eval.yaml → default where they are collapsed, so
   * that a test finds the case rows without the first test having expanded them. */
  const showCases = async (): Promise<void> => {
    await palette(s.page, 'Testing: Focus on Test Explorer View');
    for (const label of ['hello.eval.yaml', 'default']) {
      const r = row(label).first();
      await r.waitFor({ state: 'visible', timeout: 60_000 });
      if ((await r.getAttribute('aria-expanded')) === 'false') {
        await r.click();
        await s.page.keyboard.press('ArrowRight');
      }
    }
  };

  it('shows the example eval in the Test Explorer as file → variant → case, with its lenses', async () => {
    await quickOpen(s.page, 'hello.eval.yaml');
    await s.page.locator('.codelens-decoration a', { hasText: 'Run Eval' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await s.page.locator('.codelens-decoration a', { hasText: 'Estimate' }).first().waitFor({ state: 'visible' });
    await palette(s.page, 'Testing: Focus on Test Explorer View');
    await row('hello.eval.yaml').first().waitFor({ state: 'visible', timeout: 60_000 });
    await row('summarize.eval.yaml').first().waitFor({ state: 'visible' });
    // expand the file, then its one variant (an eval without variants has `default`)
    await row('hello.eval.yaml').first().click();
    await s.page.keyboard.press('ArrowRight');
    await row('default').first().waitFor({ state: 'visible', timeout: 10_000 });
    await row('default').first().click();
    await s.page.keyboard.press('ArrowRight');
    for (const c of ['ada', 'grace', 'shout']) await row(c).first().waitFor({ state: 'visible', timeout: 10_000 });
    await shot(s.page, '10-eval-test-explorer');
  });

  it('runs the eval: the failing case has its diff at the assertion line, and the panel shows the matrix', async () => {
    await quickOpen(s.page, 'hello.eval.yaml');
    await s.page.locator('.codelens-decoration a', { hasText: 'Run Eval' }).first().click();
    // the eval panel: 4 cases × 1 variant, shout failing ('HELLO, ADA!' expected: the pipeline does not upper-case)
    const view = webview(s.page);
    await view.locator('[data-testid="eval-matrix"]').waitFor({ state: 'visible', timeout: 60_000 });
    await view.locator('td[data-case="shout"][data-variant="default"][data-status="fail"]').waitFor({ state: 'attached', timeout: 30_000 });
    for (const c of ['ada', 'grace', 'default']) await view.locator(`td[data-case="${c}"][data-variant="default"][data-status="pass"]`).waitFor({ state: 'attached' });
    assert.equal(await view.locator('td[data-testid="eval-cell"]').count(), 4);
    assert.equal((await view.locator('[data-testid="eval-summary"] tr[data-variant="default"]').textContent()) ?? '', 'default3/4 · 75.0 %30.1 % – 95.4 %0$0.0000');
    await shot(s.page, '12-eval-matrix');
    // the failure's peek in the eval file: expected and actual side by side, under the assertion's line (25)
    const peek = s.page.locator('.peekview-widget').first();
    await peek.waitFor({ state: 'visible', timeout: 30_000 });
    await peek.locator('.view-lines', { hasText: 'HELLO, ADA!' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await peek.locator('.view-lines', { hasText: 'Hello, ADA!' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    const peekLine = await s.page.evaluate(() => {
      const ed = [...document.querySelectorAll('.monaco-editor[data-uri$="hello.eval.yaml"]')].find((e) => e.querySelector('.peekview-widget'));
      const zone = ed?.querySelector('.peekview-widget')?.closest('.zone-widget') as HTMLElement | null;
      if (!ed || !zone) return null;
      // the line drawn just above the peek's zone
      const top = zone.getBoundingClientRect().top;
      const numbers = [...ed.querySelectorAll('.margin-view-overlays .line-numbers')].map((n) => ({ n: Number(n.textContent), y: n.getBoundingClientRect().bottom })).filter((x) => x.y <= top + 2);
      return numbers.sort((a, b) => b.y - a.y)[0]?.n ?? null;
    });
    assert.equal(peekLine, 25, 'the peek opens under the assertion (line 25 of hello.eval.yaml)');
    await shot(s.page, '11-eval-failure-diff');
    await s.page.keyboard.press('Escape');
  });

  it('debugs the failing case: its run holds at a breakpoint with the case inputs', async () => {
    await quickOpen(s.page, 'hello.pipeline.yaml');
    // a breakpoint on the read_greeting step (line 26)
    await toggleBreakpoint(s.page, 26, 'visible');
    // what the eval wrote for shout goes, so that what the debugged run writes is seen alone
    fs.rmSync(path.join(s.workspace, 'output', 'eval', 'shout'), { recursive: true, force: true });
    await showCases();
    const shout = row('shout').first();
    await shout.waitFor({ state: 'visible', timeout: 20_000 });
    await shout.hover();
    await shout.locator('.action-label[aria-label*="Debug Test"]').click();
    // one running thread, held at read_greeting: the Call Stack's title says why
    await s.page.locator('.debug-call-stack .monaco-list-row', { hasText: 'read_greeting' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await s.page.getByText(/paused on breakpoint/i).first().waitFor({ state: 'visible', timeout: 10_000 });
    // the run's parameters are the case's (name ADA, its out_dir), and so is the held step's rendered path
    await variableInScope(s.page, 'Inputs', 'path', '"./output/eval/shout/hello.txt"');
    await variableInScope(s.page, 'Parameters', 'name', '"ADA"');
    await variableInScope(s.page, 'Parameters', 'out_dir', '"./output/eval/shout"');
    await shot(s.page, '13-eval-case-debug');
    // the case's run wrote its greeting and is held before reading it back
    assert.deepEqual(fs.readdirSync(path.join(s.workspace, 'output', 'eval', 'shout')), ['hello.txt']);
    assert.equal(fs.readFileSync(path.join(s.workspace, 'output', 'eval', 'shout', 'hello.txt'), 'utf8'), 'Hello, ADA!');
    await s.page.keyboard.press('F5');
    await s.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
  });

  it('optimizes the models: the lens, the quick pick, the scatter in the eval panel; Apply is one edit that Ctrl+Z takes back', async () => {
    const pipeline = path.join(s.workspace, 'optimize', 'support.pipeline.yaml');
    const original = fs.readFileSync(pipeline, 'utf8');
    await palette(s.page, 'View: Close All Editors');
    await quickOpen(s.page, 'support.eval.yaml');
    await s.page.locator('.codelens-decoration a', { hasText: 'Optimize Models…' }).first().click();
    // the registry's models with their prices; the pipeline's own (gpt-4o) already picked
    const pick = (r: RegExp) => s.page.locator('.quick-input-list .monaco-list-row', { hasText: r }).first();
    await pick(/openai:gpt-4o\$2\.5 in · \$10 out per M tokens/).waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await pick(/openai:gpt-4o\$2\.5 in/).getAttribute('aria-checked'), 'true');
    for (const m of [/openai:gpt-4o-mini\$0\.15 in/, /openai:gpt-4\.1-mini\$0\.4 in/]) {
      await pick(m).click();
      await s.page.locator('.quick-input-list .monaco-list-row[aria-checked="true"]', { hasText: m }).waitFor({ state: 'visible', timeout: 10_000 });
    }
    await s.page.keyboard.press('Enter');
    // replay the committed cassette: offline
    await s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Replay support.cassette.jsonl' }).first().click();
    const view = webview(s.page);
    await view.locator('[data-testid="optimize-status"]', { hasText: 'Done (replayed from the cassette)' }).waitFor({ state: 'visible', timeout: 120_000 });
    const runs = (await view.locator('[data-testid="optimize-runs"]').textContent()) ?? '';
    const [, used, brute] = /^runs spent (\d+) of brute force (\d+)$/.exec(runs) ?? [];
    assert.equal(brute, '108', runs);
    assert.ok(Number(used) > 0 && Number(used) < 54, runs);
    const chosen = 'extract=openai:gpt-4o-mini reason=openai:gpt-4.1-mini write=openai:gpt-4.1-mini';
    assert.equal(await view.locator('[data-testid="optimize-chosen"]').textContent(), `Chosen: ${chosen} Apply`);
    const points = await view.locator('[data-testid="optimize-point"]').count();
    assert.ok(points >= 3, `${points} points`);
    assert.equal(await view.locator(`[data-testid="optimize-point"].chosen[data-label="${chosen}"] .chosen-ring`).count(), 1);
    // this example's frontier is the chosen point alone (every other complete one costs more or passes less): no line to draw
    assert.deepEqual(await view.locator('[data-testid="optimize-point"].on-frontier').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-label'))), [chosen]);
    assert.equal(await view.locator('[data-testid="optimize-frontier"]').count(), 0);
    assert.equal(await view.locator('[data-testid="optimize-min-line"]').count(), 1);
    // the table a screen reader reads: a row per point, the chosen one saying so
    assert.equal(await view.locator('[data-testid="optimize-table"] tr').count(), points + 1);
    assert.equal(await view.locator(`[data-testid="optimize-table"] tr[data-label="${chosen}"] td`).last().textContent(), 'chosen · frontier · meets the pass rate');
    await scrollTo(view.locator('[data-testid="optimize-scatter"]'));
    await shot(s.page, 'optimize-1-scatter');

    await view.locator('[data-testid="optimize-apply"]').click();
    await view.locator('[data-testid="optimize-applied"] li').nth(2).waitFor({ state: 'attached', timeout: 30_000 });
    assert.deepEqual(await view.locator('[data-testid="optimize-applied"] li').allTextContents(), ['extract: openai:gpt-4o → openai:gpt-4o-mini (line 18)', 'reason: openai:gpt-4o → openai:gpt-4.1-mini (line 25)', 'write: openai:gpt-4o → openai:gpt-4.1-mini (line 32)']);
    // the pipeline is open beside the panel with the edit, not saved: the file on disk is as it was.
    // The editor draws only the lines in view (a panel below it, left open by an earlier test, leaves
    // about twenty), so its text is read page by page from the top, each line by its number.
    const editor = s.page.locator('.monaco-editor[data-uri$="support.pipeline.yaml"]');
    const inView = () =>
      editor.evaluate((ed) => {
        const numbers = new Map<string, number>();
        for (const d of ed.querySelectorAll('.margin-view-overlays > div')) {
          const n = Number(d.querySelector('.line-numbers')?.textContent);
          if (n) numbers.set((d as HTMLElement).style.top, n);
        }
        return ([...ed.querySelectorAll('.view-lines .view-line')] as HTMLElement[])
          .filter((l) => numbers.has(l.style.top))
          .map((l): [number, string] => [numbers.get(l.style.top)!, (l.textContent ?? '').replace(/\u00a0/g, ' ')]);
      });
    const drawn = async () => {
      // the editor takes the keys by focusing its input, not by a click: the first line in the DOM
      // may lie under a code lens, or under the shadow a scrolled editor draws at its top (a fresh
      // clone's CI once spent the click's 30 s on that), and a click there could run the pipeline
      await editor.locator('.native-edit-context, textarea.inputarea').first().focus();
      await s.page.keyboard.press('Control+Home');
      const seen = new Map<number, string>();
      const last = (lines: [number, string][]) => Math.max(0, ...lines.map(([n]) => n));
      let shown = await inView();
      for (let page = 0; page < 20; page++) {
        for (const [n, text] of shown) seen.set(n, text);
        await s.page.keyboard.press('PageDown');
        // the editor draws the next page on a later frame; at the end of the file nothing moves
        const before = last(shown);
        for (let wait = 0; wait < 10 && last(shown) === before; wait++) {
          await s.page.waitForTimeout(100);
          shown = await inView();
        }
        if (last(shown) === before) break;
      }
      await s.page.keyboard.press('Control+Home');
      return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, text]) => text).join('\n');
    };
    const modelLines = async () => (await drawn()).split('\n').filter((l) => /^\s*model:/.test(l));
    const waitModels = async (want: string[], what: string) => {
      for (let i = 0; i < 40 && JSON.stringify(await modelLines()) !== JSON.stringify(want); i++) await s.page.waitForTimeout(200);
      assert.deepEqual(await modelLines(), want, what);
    };
    await waitModels(['model: openai:gpt-4o', '    model: openai:gpt-4o-mini', '    model: openai:gpt-4.1-mini', '    model: openai:gpt-4.1-mini'], 'the chosen models in the editor');
    assert.equal(fs.readFileSync(pipeline, 'utf8'), original);
    await scrollTo(view.locator('[data-testid="optimize-applied"]'));
    await shot(s.page, 'optimize-2-applied');

    // one Ctrl+Z: the whole edit goes (write's added line too); reading the text left the editor focused, at its top
    await s.page.keyboard.press('Control+Z');
    await waitModels(['model: openai:gpt-4o', '    model: openai:gpt-4o', '    model: openai:gpt-4o'], 'the models as they were after one undo');
    // (less the inlay hints the editor draws in the lines: "waits for extract (template)")
    const back = (await drawn()).replace(/ *waits for [\w, ]+ \(template\)$/gm, '');
    assert.ok(back.split('\n').length > 30 && original.includes(back), `the editor shows the file's text again:\n${back}`);

    // the Testing view offers it on the eval's item (its context menu)
    await palette(s.page, 'Testing: Focus on Test Explorer View');
    await row('support.eval.yaml').first().waitFor({ state: 'visible', timeout: 30_000 });
    await row('support.eval.yaml').first().click({ button: 'right' });
    const menuItem = s.page.locator('.context-view .action-item', { hasText: 'Optimize Models…' }).first();
    await menuItem.waitFor({ state: 'visible', timeout: 10_000 });
    await s.page.keyboard.press('Escape');
  });
});

describe('workbench: a restricted (untrusted) workspace', function () {
  this.timeout(240_000);
  // shared with the agent tools' Restricted Mode suite, after this one (it trusts the folder)
  const s = restrictedWorkbench();

  it('checks and draws the pipeline, but refuses to run it and says why', async () => {
    await quickOpen(s.page, 'broken.pipeline.yaml');
    // diagnostics still work in Restricted Mode
    await s.page.locator('.squiggly-error').first().waitFor({ state: 'visible', timeout: 60_000 });
    await quickOpen(s.page, 'hello.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Show Graph');
    await webview(s.page).locator('.node[data-step-id="write_greeting"]').waitFor({ state: 'attached', timeout: 60_000 });
    await palette(s.page, 'Orchestrator: Run Pipeline');
    // the panel says why (a warning with "Manage Workspace Trust" is shown too, where toasts show)
    const notice = webview(s.page).locator('[data-testid="notice"]');
    await notice.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await notice.textContent(), 'This workspace is in Restricted Mode: running a pipeline executes its commands and writes files, so Run, Resume and Run From Here need a trusted workspace.');
    await shot(s.page, '6-restricted-mode-refuses-run');
    // no parameter prompt came, and nothing ran
    assert.equal(fs.existsSync(path.join(s.workspace, 'output')), false);
    assert.equal(fs.existsSync(path.join(s.workspace, '.orchestrator')), false);
  });
});
