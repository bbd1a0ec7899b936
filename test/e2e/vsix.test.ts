// The packaged extension as a user gets it: `npm run package` builds the .vsix, code-server's
// `--install-extension` installs it into a fresh extensions folder, and a workbench with no
// extension under development (only what is installed) opens pipelines from a workspace. What this
// proves that the other workbench tests cannot: the package holds everything the extension loads at
// run time (the server, the panel's script and stylesheet, the grammars), and its manifest works
// outside this checkout. Screenshots go to test-artifacts/e2e/vsix-*.png. Run by scripts/e2e.mjs.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { ARTIFACTS, CODE_SERVER_ENTRY, launchBrowser, makeWorkspace, NODE24, ROOT, Workbench } from './codeServer';
import { applyQuickFix, goToLine, palette, quickOpen, shot, webview } from './ui';

// this run's pictures only (workbench.test.ts clears the whole folder when it runs too)
for (const f of fs.existsSync(ARTIFACTS) ? fs.readdirSync(ARTIFACTS) : []) if (/^(failed-)?vsix-/.test(f)) fs.rmSync(path.join(ARTIFACTS, f));

const STEPS = ['Open an example pipeline', 'See a diagnostic and fix it with a quick fix', 'Run it', 'Open the graph', 'Debug with a breakpoint'];

async function openWalkthrough(page: Page): Promise<void> {
  await palette(page, 'Welcome: Open Walkthrough', 'Get started with Orchestrator pipelines');
  await page.locator('.getting-started-step .step-title', { hasText: STEPS[0] }).first().waitFor({ state: 'visible', timeout: 30_000 });
}

/** The natural width of the image matching `selector` in `frame` once it has loaded; 0 when the
 *  frame has no such image or was detached while we looked. */
async function loadedWidth(frame: Frame, selector: string): Promise<number> {
  try {
    const img = await frame.$(selector);
    if (!img) return 0;
    return await img.evaluate((i) => {
      const image = i as HTMLImageElement;
      if (image.complete) return image.naturalWidth;
      return new Promise<number>((resolve) => {
        image.addEventListener('load', () => resolve(image.naturalWidth), { once: true });
        image.addEventListener('error', () => resolve(0), { once: true });
      });
    });
  } catch {
    return 0;
  }
}

async function stepTitles(page: Page): Promise<string[]> {
  await page.waitForFunction((n) => document.querySelectorAll('.getting-started-step .step-title').length >= n, STEPS.length, { timeout: 15_000 });
  return (await page.locator('.getting-started-step .step-title').allTextContents()).map((t) => t.trim());
}

describe('the .vsix installed in code-server, as a user installs it', function () {
  this.timeout(240_000);
  let tmp: string;
  let extensionsDir: string;
  let workspace: string | undefined;
  let wb: Workbench | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;
  let page: Page;
  const installed = () => path.join(extensionsDir, fs.readdirSync(extensionsDir).find((d) => d.startsWith('orchestrator.orchestrator-pipelines-'))!);

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-e2e-vsix-'));
    const pack = spawnSync(process.execPath, ['scripts/package.mjs', '--no-build', '--out', path.join(tmp, 'vsix')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
    assert.equal(pack.status, 0, `npm run package failed:\n${pack.stdout}\n${pack.stderr}`);
    const vsix = path.join(tmp, 'vsix', fs.readdirSync(path.join(tmp, 'vsix')).find((f) => f.endsWith('.vsix'))!);
    // as `code --install-extension` does it, with code-server's own command line (on Node 24)
    extensionsDir = path.join(tmp, 'extensions');
    const install = spawnSync(NODE24, [CODE_SERVER_ENTRY, '--user-data-dir', path.join(tmp, 'user-data'), '--extensions-dir', extensionsDir, '--install-extension', vsix], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'config'), XDG_DATA_HOME: path.join(tmp, 'data') },
    });
    assert.equal(install.status, 0, `--install-extension failed:\n${install.stdout}\n${install.stderr}`);
    assert.match(install.stdout, /was successfully installed/);

    workspace = makeWorkspace();
    // a page and a pipeline that reads it with the browser tools, for the headless-browser test
    fs.writeFileSync(path.join(workspace, 'page.html'), '<!doctype html><title>Made in the workspace</title><p>Hello from a page</p>\n');
    fs.writeFileSync(
      path.join(workspace, 'browse.pipeline.yaml'),
      ['id: browse', 'steps:', '  - id: page', '    tool: headless-browser', '    action: scrape', '    parameters:', '      url: page.html', '  - id: save', '    tool: filesystem', '    action: write', '    dependencies: [page]', '    parameters:', '      path: output/title.txt', '      content: "{{ page.result.title }} / {{ page.result.word_count }} words"', ''].join('\n'),
    );
    wb = await Workbench.start({ workspace, trusted: true, extensionsDir, settings: { 'workbench.colorTheme': 'Default Light Modern' } });
    const b = await launchBrowser();
    closeBrowser = b.close;
    page = b.page;
    await page.goto(wb.url({ development: false }));
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  });

  beforeEach(async () => {
    for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await shot(page, `failed-vsix-${this.currentTest.title.replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  after(async () => {
    await closeBrowser?.();
    wb?.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is installed from the package, and the workbench runs no extension under development', async () => {
    const dir = installed();
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main: string };
    assert.equal(manifest.main, './dist/extension.js');
    assert.ok(fs.existsSync(path.join(dir, manifest.main)));
    // nothing in the installed folder comes from outside the package: no sources, and of
    // node_modules only playwright-core (the browser tools load it; it is not bundled)
    assert.ok(!fs.existsSync(path.join(dir, 'client')));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'node_modules')), ['playwright-core']);
    assert.ok(!(await page.title()).includes('[Extension Development Host]'), await page.title());
  });

  it("runs its CLI on Node 24 as a terminal or the editor's agent tools run it, and the second start reads the CLI's compiled code from the user's cache", () => {
    const dir = installed();
    const cache = path.join(tmp, 'user-cache');
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cache, NODE_DEBUG: 'orc_code_cache' };
    delete env.ORCHESTRATOR_COMPILE_CACHE;
    delete env.NODE_COMPILE_CACHE;
    const orc = (extra: NodeJS.ProcessEnv = {}) => spawnSync(NODE24, [path.join(dir, 'dist', 'cli.js'), 'validate', 'browse.pipeline.yaml'], { cwd: workspace, encoding: 'utf8', timeout: 60_000, env: { ...env, ...extra } });
    const cliMain = path.join(dir, 'dist', 'cliMain.js');
    const first = orc();
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, 'browse.pipeline.yaml: valid\n');
    // the cache is the user's own folder, one code cache for the CLI's bundle, written after the
    // command ran, and nothing read the first time
    const caches = () => fs.readdirSync(path.join(cache, 'orchestrator', 'compile-cache')).filter((f) => f.endsWith('.v8cache'));
    assert.equal(caches().length, 1, caches().join(', '));
    assert.ok(first.stderr.includes(`code cache of ${cliMain} absent`), first.stderr);
    assert.ok(first.stderr.includes(`code cache of ${cliMain} written for validate`), first.stderr);
    const written = fs.statSync(path.join(cache, 'orchestrator', 'compile-cache', caches()[0])).mtimeMs;
    const second = orc();
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, 'browse.pipeline.yaml: valid\n');
    assert.ok(second.stderr.includes(`code cache of ${cliMain} accepted`), second.stderr);
    assert.ok(!second.stderr.includes('written'), second.stderr);
    assert.equal(fs.statSync(path.join(cache, 'orchestrator', 'compile-cache', caches()[0])).mtimeMs, written);
    // NODE_DISABLE_COMPILE_CACHE: nothing cached, nothing read
    const off = orc({ XDG_CACHE_HOME: path.join(tmp, 'user-cache-off'), NODE_DISABLE_COMPILE_CACHE: '1' });
    assert.equal(off.status, 0, off.stderr);
    assert.ok(!fs.existsSync(path.join(tmp, 'user-cache-off')));
  });

  it('has the getting-started walkthrough: five steps, their pages and pictures from the package', async () => {
    await openWalkthrough(page);
    assert.deepEqual(await stepTitles(page), STEPS);
    // a step's page (media/walkthrough/diagnostic.md) with its screenshot (docs/images)
    const step = page.locator('.getting-started-step', { hasText: 'See a diagnostic' });
    // the step's page is a webview of its own (the first step's may still be there): look in every
    // frame; the page slides in, and a click during the animation may select nothing, so click again
    // the webview that shows it may be replaced while we look (a second click reloads it, and its
    // frame is then detached): find the image and read its size in one go, and look again on failure
    let width = 0;
    for (let attempt = 1; !width && attempt <= 6; attempt++) {
      await step.locator('.step-title').click();
      for (const deadline = Date.now() + 4_000; !width && Date.now() < deadline; ) {
        for (const f of page.frames()) {
          width = await loadedWidth(f, 'img[alt^="A misspelt dependency"]');
          if (width) break;
        }
        if (!width) await page.waitForTimeout(250);
      }
    }
    assert.ok(width > 0, "the diagnostic step's page shows its screenshot, loaded");
    await shot(page, 'vsix-1-walkthrough');
    // closed, so that the graph panel is the only webview the next tests find
    const tab = page.locator('.tab[data-resource-name="vscode_getting_started_page"]');
    await tab.locator('.tab-actions .action-label[aria-label^="Close"]').click();
    await tab.waitFor({ state: 'detached' });
  });

  it('opens a pipeline in the Orchestrator Pipeline language, underlines its error and fixes it', async () => {
    await quickOpen(page, 'broken.pipeline.yaml');
    // the language mode in the status bar: the extension's language contribution, from the package
    await page.locator('.statusbar-item[id="status.editor.mode"]', { hasText: 'Orchestrator Pipeline' }).first().waitFor({ timeout: 60_000 });
    // the language server (dist/server.js in the package) reports the misspelt dependency
    await page.locator('.squiggly-error').first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.statusbar-item[id="status.problems"]', { hasText: /^\s*1\s*0\s*$/ }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel .monaco-list-row', { hasText: "Unknown step 'fecth'" }).first().waitFor({ timeout: 15_000 });
    await shot(page, 'vsix-2-diagnostic');
    await page.keyboard.press('Control+Shift+M');
    // the walkthrough's second step: the quick fix on the misspelt id (line 15, column 20)
    await goToLine(page, ':15:20');
    await applyQuickFix(page, "Change to 'fetch'");
    await page.locator('.view-line', { hasText: 'dependencies: [fetch]' }).waitFor({ timeout: 15_000 });
    await page.locator('.squiggly-error').waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('runs a pipeline, and the graph panel loads its script and stylesheet from the package', async () => {
    await quickOpen(page, 'hello.pipeline.yaml');
    await page.locator('.statusbar-item[id="status.editor.mode"]', { hasText: 'Orchestrator Pipeline' }).first().waitFor({ timeout: 30_000 });
    await palette(page, 'Orchestrator: Run Pipeline');
    // one prompt per parameter (name, out_dir), each with its default filled in: accept them
    const input = page.locator('.quick-input-widget input');
    for (const value of ['world', './output']) {
      await page.waitForFunction((v) => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value === v, value, { timeout: 30_000 });
      await input.press('Enter');
    }
    const view = webview(page);
    for (const id of ['write_greeting', 'read_greeting']) {
      await view.locator(`.node[data-step-id="${id}"][data-status="completed"]`).waitFor({ state: 'attached', timeout: 60_000 });
    }
    // dist/webview.css is applied (without it the root is a plain block)
    assert.equal(await view.locator('#root').evaluate((el) => getComputedStyle(el).display), 'flex');
    assert.equal(fs.readFileSync(path.join(workspace!, 'output', 'hello.txt'), 'utf8'), 'Hello, world!');
    // Show Graph (the walkthrough's button) brings the panel forward; a click on a step shows what
    // it read
    await palette(page, 'Orchestrator: Show Graph');
    await view.locator('.node[data-step-id="read_greeting"]').click();
    await view.locator('[data-testid="step-panel"]', { hasText: 'Hello, world!' }).waitFor({ timeout: 15_000 });
    await shot(page, 'vsix-3-run-graph');
  });

  it('runs a headless-browser step with the playwright-core the package ships and the system\'s Chromium', async () => {
    await quickOpen(page, 'browse.pipeline.yaml');
    await page.locator('.statusbar-item[id="status.editor.mode"]', { hasText: 'Orchestrator Pipeline' }).first().waitFor({ timeout: 30_000 });
    await palette(page, 'Orchestrator: Run Pipeline');
    const view = webview(page);
    for (const id of ['page', 'save']) await view.locator(`.node[data-step-id="${id}"][data-status="completed"]`).waitFor({ state: 'attached', timeout: 90_000 });
    assert.equal(fs.readFileSync(path.join(workspace!, 'output', 'title.txt'), 'utf8'), 'Made in the workspace / 4 words');
    // the module came from the installed extension's own node_modules
    assert.ok(fs.existsSync(path.join(installed(), 'node_modules', 'playwright-core', 'package.json')));
    await view.locator('.node[data-step-id="page"]').click();
    await view.locator('[data-testid="step-panel"]', { hasText: 'Made in the workspace' }).waitFor({ timeout: 15_000 });
    await shot(page, 'vsix-4-browser-step');
  });

  it('checks off the walkthrough steps the user has done', async () => {
    await openWalkthrough(page);
    // a pipeline was opened (onContext), fixed (onCommand), run (onCommand) and its graph shown
    // (onCommand, onContext); a done step's icon is checked
    const done = page.locator('.getting-started-step:has(.codicon.complete) .step-title');
    for (const title of STEPS.slice(0, 4)) {
      await done.filter({ hasText: title }).waitFor({ state: 'attached', timeout: 15_000 });
    }
    assert.ok(!(await done.allTextContents()).some((t) => t.includes('Debug')), `not debugged yet: ${(await done.allTextContents()).join(', ')}`);
    await shot(page, 'vsix-4-walkthrough-progress');
  });
});
