// Driving the workbench as a person does, shared by the browser suites (workbench.test.ts,
// vsix.test.ts): screenshots, quick open, the command palette, the webview on screen.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { ARTIFACTS, beforeWorkbenchStart, consoleTail, launchBrowser, makeWorkspace, saveWorkbenchLogs, Workbench } from './codeServer';

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // a failure's picture comes with what the page's frames said at the console (its webviews' errors)
  if (name.startsWith('failed-')) {
    fs.writeFileSync(path.join(ARTIFACTS, `${name}.console.txt`), consoleTail(page).join('\n') + '\n');
    saveWorkbenchLogs(name);
  }
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** Keys go to the workbench, not to a webview that has focus. A modal editor (VS Code opens the
 * Workspace Trust editor and the settings in one: `workbench.editor.useModal`) covers the workbench
 * and takes every click: a click on its backdrop closes it first. */
export async function focusWorkbench(page: Page): Promise<void> {
  const backdrop = page.locator('.monaco-modal-editor-block');
  if (await backdrop.isVisible()) {
    await backdrop.click({ position: { x: 2, y: 2 } });
    await backdrop.waitFor({ state: 'detached', timeout: 10_000 });
  }
  await page.locator('.part.sidebar .composite.title').first().click();
}

/**
 * Puts `text` in the quick input's box in place of what it holds, in one task of the page: only
 * while the box is on screen and owns the focus, checked in the same task as the text goes in.
 * Playwright's `fill` focuses the box, then sends the text as keys in a second round trip: the
 * keys went to whatever had the focus by then (a webview that took the focus back closes the
 * quick input, the focus returns to the editor), and the text meant for the palette landed in the
 * pipeline (issue 63). Returns whether the box holds `text` now.
 */
async function putInQuickInput(page: Page, text: string): Promise<boolean> {
  return page.evaluate((t) => {
    // the box on screen and owning the page's own focus (not a webview's, not the editor's)
    const input = document.querySelector<HTMLInputElement>('.quick-input-widget input');
    const widget = input?.closest('.quick-input-widget');
    if (!input || !widget || widget.getClientRects().length === 0 || !document.hasFocus() || document.activeElement !== input) return false;
    input.select();
    // a trusted edit of the focused box (the `input` event the quick input listens to), as typing makes
    document.execCommand(t ? 'insertText' : 'delete', false, t);
    return input.value === t;
  }, text);
}

/** Waits until the quick input's box is on screen and owns the focus (and holds `value`, if given); false when it does not within `ms`. */
export async function quickInputFocused(page: Page, ms: number, value?: string): Promise<boolean> {
  return page
    .waitForFunction(
      (v) => {
        const input = document.querySelector<HTMLInputElement>('.quick-input-widget input');
        const widget = input?.closest('.quick-input-widget');
        return !!input && !!widget && widget.getClientRects().length > 0 && document.hasFocus() && document.activeElement === input && (v === null || input.value === v);
      },
      value ?? null,
      { timeout: ms, polling: 100 },
    )
    .then(
      () => true,
      () => false,
    );
}

/** Closes a quick input left open, with Escape only while it owns the focus (an Escape elsewhere would reach the editor or a webview). */
async function closeQuickInput(page: Page): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  if (!(await widget.isVisible())) return;
  if (await quickInputFocused(page, 1_000)) await page.keyboard.press('Escape');
  await widget.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

/**
 * Opens the quick input with `key` and puts `text` in it. The text goes in only when the box is on
 * screen and owns the focus, and is checked there; when it is not (a webview that was just clicked
 * can take the focus back a moment later, and the quick input closes when it loses the focus), the
 * quick input is opened again (up to four times): no key meant for it is ever sent blind.
 */
export async function typeInQuickInput(page: Page, key: string, text: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(key);
    if ((await quickInputFocused(page, 10_000)) && (await putInQuickInput(page, text))) return;
    if (attempt === 4) throw new Error(`the quick input (${key}) never held '${text}' with the focus in it (4 tries)`);
    await closeQuickInput(page);
    await focusWorkbench(page);
  }
}

/**
 * Answers a quick input the extension opened (titled `title`): `text` put in its box as
 * typeInQuickInput does, then (`row`) the first list row showing it awaited, then Enter, sent only
 * while the box still owns the focus with the text in it. Such an input cannot be opened again
 * from here: its end fails the test, never sends the text elsewhere.
 */
export async function answerQuickInput(page: Page, title: string, text: string, row = true): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 15_000 });
  const until = Date.now() + 15_000;
  while (!((await quickInputFocused(page, 1_000)) && (await putInQuickInput(page, text)))) {
    if (Date.now() > until) throw new Error(`the quick input '${title}' never owned the focus to take '${text}'`);
    // an input that stays open when the focus moves (ignoreFocusOut) does not take it back by
    // itself: a panel clicked just before (its context menu closing) can hold it. A person clicks
    // into the box; so does the test, on the box itself, never sending a key while it is elsewhere.
    await clickIntoQuickInput(page, title);
  }
  if (row) await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await enterInQuickInput(page, text);
}

/** A click on the box of the open quick input titled `title`, when it is on screen and does not own the focus. */
async function clickIntoQuickInput(page: Page, title: string): Promise<void> {
  const widget = page.locator('.quick-input-widget', { has: page.locator('.quick-input-title', { hasText: title }) });
  if (!(await widget.isVisible()) || (await quickInputFocused(page, 200))) return;
  await widget.locator('.quick-input-box input').first().click({ timeout: 2_000 }).catch(() => undefined);
}

/** Enter for the quick input holding `text`: pressed only while its box owns the focus with the text in it (an Enter in the editor would break a line). */
export async function enterInQuickInput(page: Page, text: string): Promise<void> {
  if (!(await quickInputFocused(page, 5_000, text))) throw new Error(`the quick input lost the focus (or '${text}') before Enter`);
  await page.keyboard.press('Enter');
}

export async function quickOpen(page: Page, file: string): Promise<void> {
  await focusWorkbench(page);
  // a file a test has just written may not be in the workbench's file index yet on a busy
  // machine: the search is typed again until it lists the file
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first();
  // the file in front in the active group, not only an active tab of another group: a webview
  // clicked just before can take the focus back and close the quick input before Enter reaches it
  const opened = page.locator('.editor-group-container.active .tab.active', { hasText: file, hasNotText: 'Pipeline:' }).first();
  for (let attempt = 1; ; attempt++) {
    await typeInQuickInput(page, 'Control+P', file);
    try {
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await enterInQuickInput(page, file);
      await opened.waitFor({ state: 'visible', timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt === 4) throw e;
      await closeQuickInput(page);
      await focusWorkbench(page);
    }
  }
}

/** Moves the cursor of the editor in front with Go to Line (`:LINE` or `:LINE:COLUMN`). The editor
 * in front is the active group's: with two groups open (a pipeline beside another), the first editor
 * on the page may be the other group's, and clicking it would send Go to Line, and a breakpoint
 * after it, to the wrong file. */
export async function goToLine(page: Page, where: string): Promise<void> {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await typeInQuickInput(page, 'Control+G', where);
  await enterInQuickInput(page, where);
  // done when the cursor is there (the status bar says so) and the editor has the focus back from
  // the quick input: a key sent before that (Ctrl+., F9) reached nothing (issue 63, the .vsix quick fix)
  const [, line, column] = /^:(\d+)(?::(\d+))?$/.exec(where) ?? [];
  if (!line) throw new Error(`goToLine wants ':LINE' or ':LINE:COLUMN', not '${where}'`);
  const at = new RegExp(`Ln ${line}, Col ${column ?? '\\d+'}\\b`).source;
  await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('[id="status.editor.selection"]')?.textContent ?? ''), at, { timeout: 15_000 });
  if (!(await editorFocused(page, 10_000))) throw new Error(`the editor never had the focus back after Go to Line ${where}`);
}

/** Waits until the editor in front (the active group's) owns the page's focus; false when it does not within `ms`. */
export async function editorFocused(page: Page, ms: number): Promise<boolean> {
  return page
    .waitForFunction(() => document.hasFocus() && !!document.activeElement?.closest('.editor-group-container.active .monaco-editor'), undefined, { timeout: ms, polling: 100 })
    .then(
      () => true,
      () => false,
    );
}

/**
 * Applies the quick fix titled `title` at the cursor of the editor in front: Ctrl+. sent only while
 * the editor owns the focus, and sent again (at most three times) when no menu listing the fix
 * opened (the code actions asked for before the language server had them, or the key arrived as
 * the focus came back). A menu open without the fix is closed with Escape while it has the focus.
 */
export async function applyQuickFix(page: Page, title: string): Promise<void> {
  const row = page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    if (!(await editorFocused(page, 10_000))) throw new Error(`the editor lost the focus before the quick fix '${title}'`);
    await page.keyboard.press('Control+.');
    try {
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw new Error(`no quick fix '${title}' offered (3 tries): ${(e as Error).message}`);
      const menu = page.locator('.action-widget');
      if (await menu.isVisible()) {
        if (await page.evaluate(() => !!document.activeElement?.closest('.action-widget'))) await page.keyboard.press('Escape');
        await menu.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
      }
    }
  }
  await row.click({ timeout: 10_000 });
}

/** Sets or clears (F9) the breakpoint on a line of the editor in front, and waits until the gutter
 * shows it set (`visible`) or gone (`detached`). */
/**
 * Expands a scope of the Variables view (a click only when it is collapsed: VS Code expands the
 * first scope of a stopped frame by itself, and a click then would close it) and waits for a variable
 * of it, `name` with `value`. The scope's children are a request to the debug adapter in the
 * extension host: on a machine kept busy (stress-ng beside two workbenches) its answer took longer
 * than 10 s once.
 */
export async function variableInScope(page: Page, scope: string, name: string, value: string): Promise<void> {
  const view = page.locator('.debug-variables');
  const row = view.locator('.monaco-list-row', { hasText: scope }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  await view.locator('.monaco-list-row', { hasText: name }).filter({ hasText: value }).first().waitFor({ state: 'visible', timeout: 30_000 });
}

export async function toggleBreakpoint(page: Page, line: number, then: 'visible' | 'detached'): Promise<void> {
  await goToLine(page, `:${line}`);
  await page.keyboard.press('F9');
  await page.locator('.monaco-editor .codicon-debug-breakpoint').first().waitFor({ state: then, timeout: 10_000 });
}

/** Runs a command from the palette (then picks `pick` from the list it opens, if given); tries
 * again while the palette has not caught up with the editor's context (a command shown only for
 * the pipeline language). */
export async function palette(page: Page, command: string, pick?: string): Promise<void> {
  if (await page.evaluate(() => document.activeElement?.tagName === 'IFRAME')) await focusWorkbench(page);
  for (let attempt = 1; ; attempt++) {
    await typeInQuickInput(page, 'Control+Shift+P', `>${command}`);
    try {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().waitFor({ state: 'visible', timeout: attempt < 4 ? 5_000 : 30_000 });
      await enterInQuickInput(page, `>${command}`);
      break;
    } catch (e) {
      await closeQuickInput(page);
      if (attempt >= 4) throw e;
      await page.waitForTimeout(500);
    }
  }
  if (pick) {
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: pick }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
  }
}

/** Scrolls the element into view, for a screenshot. A step panel is drawn again as events arrive and
 * after the graph is laid out anew (the panel's opening can turn the pane's shape, and its
 * direction), so the element may be replaced while Playwright waits for it to hold still: the
 * scroll is done in the page, at once, on the element the locator finds. */
export async function scrollTo(locator: Locator): Promise<void> {
  await locator.evaluate((e) => e.scrollIntoView({ block: 'nearest' }));
}

/** After a failed test, the workbench as the next test expects it, so that one failure does not fail
 * the tests after it: no modal or quick input open (Escape until none comes back: Escape in the
 * arguments' input box goes back to the approval's modal, which a second Escape answers), no debug
 * session, no editor (and so no webview) open. Never throws: the failure is the test's. */
export async function tidyAfterFailure(page: Page): Promise<void> {
  try {
    for (let quiet = 0, i = 0; quiet < 2 && i < 20; i++) {
      const open = (await page.locator('.monaco-dialog-box').isVisible()) || (await page.locator('.quick-input-widget').isVisible());
      if (open) await page.keyboard.press('Escape');
      quiet = open ? 0 : quiet + 1;
      await page.waitForTimeout(300);
    }
    if (await page.locator('.debug-toolbar').isVisible()) {
      await focusWorkbench(page);
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
    }
    await palette(page, 'View: Close All Editors');
  } catch {
    // the next test starts from what is left
  }
}

/** The content of the webview on screen (the graph panel, or a walkthrough step's page). */
export function webview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** Closes every editor, answering Don't Save for each with unsaved changes. Never throws. */
async function closeDiscarding(page: Page): Promise<void> {
  const dontSave = page.locator('.monaco-dialog-box .monaco-button', { hasText: "Don't Save" });
  try {
    for (let i = 0; i < 10; i++) {
      if (await dontSave.isVisible()) {
        await dontSave.click();
        await page.waitForTimeout(300);
        continue;
      }
      if (!(await page.locator('.tab').count())) return;
      await palette(page, 'View: Close All Editors');
      await dontSave.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
    }
  } catch {
    // the next suite starts from what is left
  }
}

/** A workbench driven as a person, as `personWorkbench` gives it to a suite. */
export interface PersonWorkbench {
  wb: Workbench;
  page: Page;
  workspace: string;
  close: () => Promise<void>;
}

/** The workbench of a `share` key, kept between the suites of that key; `inUse` while one runs. */
let shared: { key: string; options: string; s: PersonWorkbench; inUse: boolean } | undefined;

/** Stops the shared workbench, its browser and its workspace, unless a suite is using it. */
async function stopShared(): Promise<void> {
  if (!shared || shared.inUse) return;
  const { s } = shared;
  shared = undefined;
  await s.close?.();
  s.wb?.stop();
  if (s.workspace) fs.rmSync(s.workspace, { recursive: true, force: true });
}
// another workbench starting (any suite's) stops an idle shared one: at most one idle a process
beforeWorkbenchStart.push(stopShared);
process.on('exit', () => {
  if (shared?.s.workspace) fs.rmSync(shared.s.workspace, { recursive: true, force: true });
});

/** A workbench driven as a person: started before the suite (in Restricted Mode unless trusted), a
 * screenshot of any failing test and the workbench tidied after it, everything stopped after the suite.
 * With `share`, suites of the same key that run one after the other use one workbench, its
 * workspace and its browser: the first starts it, each leaves it tidied (no dialog, no debug
 * session, no editor), and it stops when another workbench starts or the process ends. A workbench's
 * start with its first test is about 40 s of CPU. Suites of one key must ask for the same workbench
 * (checked). */
export function personWorkbench(o: {
  trusted: boolean;
  settings?: Record<string, unknown>;
  /** The extension host's environment, read when the workbench starts (after the suite's own `before` hooks registered first). */
  env?: () => NodeJS.ProcessEnv;
  /** Extensions installed as a user's (the fake language model). */
  extensionsDir?: () => Promise<string>;
  /** The key of suites that share one workbench. */
  share?: string;
}): PersonWorkbench {
  const s = {} as PersonWorkbench;
  before(async () => {
    const options = JSON.stringify({ trusted: o.trusted, settings: o.settings ?? {}, env: o.env?.() ?? {}, extensions: Boolean(o.extensionsDir) });
    if (o.share && shared?.key === o.share) {
      assert.equal(options, shared.options, `the suites sharing the workbench '${o.share}' ask for the same one`);
      Object.assign(s, shared.s);
      shared.inUse = true;
      return;
    }
    s.workspace = makeWorkspace();
    s.wb = await Workbench.start({ workspace: s.workspace, trusted: o.trusted, settings: o.settings, env: o.env?.(), extensionsDir: await o.extensionsDir?.() });
    const b = await launchBrowser();
    s.close = b.close;
    s.page = b.page;
    // the workbench's first load on a busy machine (two cores kept busy) took more than Playwright's 30 s
    await s.page.goto(s.wb.url(), { timeout: 120_000 });
    await s.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await s.page.waitForFunction(() => document.title.includes('[Extension Development Host]'), undefined, { timeout: 60_000 });
    if (o.share) shared = { key: o.share, options, s, inUse: true };
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    await shot(s.page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`).catch(() => undefined);
    await tidyAfterFailure(s.page);
  });
  after(async () => {
    if (o.share && shared?.s.wb === s.wb) {
      // the next suite of the key starts from a tidy workbench, with no editor (a suite's unsaved
      // edits are dropped: the files are as it last wrote them)
      if (s.page) {
        await tidyAfterFailure(s.page);
        await closeDiscarding(s.page);
      }
      shared.inUse = false;
      return;
    }
    await s.close?.();
    s.wb?.stop();
    if (s.workspace) fs.rmSync(s.workspace, { recursive: true, force: true });
  });
  return s;
}
