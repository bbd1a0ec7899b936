// Editing a pipeline in the graph as a person does in code-server (issue #27): a three-step
// pipeline built without typing YAML — steps added from the palette and from a node's context menu,
// an edge dragged with the mouse, an edge selected and deleted, Ctrl+Z undoing one gesture in one
// step, a cycle refused with the reason in the panel, and the same operations from the keyboard. The
// YAML is read from the editor as it is drawn; screenshots go to test-artifacts/e2e/graph-edit-*.png.
// Each test starts from the text it needs (written to the file, the editor reverted to it, the
// graph drawn from it), never from what the test before it left: one failure fails one test.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './codeServer';
import { editingWorkbench } from './sharedWorkbenches';
import { answerQuickInput, palette, quickInputFocused, quickOpen, shot, webview } from './ui';

const FILE = 'graph-edit.pipeline.yaml';

/** The pipeline as each test starts from it: the fixture, then what each gesture of the suite makes of it. */
const START = fs.readFileSync(path.join(ROOT, 'test', 'e2e', 'fixtures', FILE), 'utf8');
const SAVE = '  - id: save\n    tool: filesystem\n    action: write\n    dependencies: [draft]\n    parameters:\n      path: ""\n      content: ""\n';
const PUBLISH = (deps: string) => `  - id: publish\n    tool: filesystem\n    action: read\n    dependencies: [${deps}]\n    parameters:\n      path: ""\n`;
const WITH_SAVE = `${START.trimEnd()}\n${SAVE}`;
const WITH_PUBLISH = `${WITH_SAVE}${PUBLISH('save')}`;
const WITH_DRAFT_EDGE = `${WITH_SAVE}${PUBLISH('save, draft')}`;

/** The editor's lines of the document as drawn (all of them: the file is short). */
function editorText(page: Page): Promise<string> {
  return page.evaluate((f) => {
    const ed = document.querySelector(`.monaco-editor[data-uri$="${f}"]`);
    const lines = [...(ed?.querySelectorAll('.view-lines .view-line') ?? [])] as HTMLElement[];
    return lines
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' '))
      .join('\n');
  }, FILE);
}

async function waitForText(page: Page, want: (text: string) => boolean, what: string, ms = 30_000): Promise<string> {
  const until = Date.now() + ms;
  let text = '';
  while (Date.now() < until) {
    text = await editorText(page);
    if (want(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`the editor never showed ${what}:\n${text}`);
}

/** Types into the quick input titled `title` and takes the first matching row (or the typed value of an input box). */
const choose = answerQuickInput;

/**
 * The state a test starts from: `text` written to the file, the editor reverted to it (the editor
 * in front, or opened when a failed test's tidying closed it), and the graph drawn from it with
 * `edges` (and no step a gesture of another test added).
 */
async function startFrom(page: Page, workspace: string, text: string, edges: string[]): Promise<void> {
  const editor = page.locator(`.monaco-editor[data-uri$="${FILE}"] .view-lines`).first();
  for (let attempt = 1; ; attempt++) {
    fs.writeFileSync(path.join(workspace, FILE), text);
    if (await editor.isVisible()) await editor.click();
    else await quickOpen(page, FILE);
    await palette(page, 'File: Revert File');
    try {
      await waitForText(page, (t) => t.trimEnd() === text.trimEnd(), 'the text the test starts from', attempt < 3 ? 10_000 : 30_000);
      break;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
  const view = webview(page);
  if (!(await view.locator('.node[data-step-id="draft"]').isVisible().catch(() => false))) await palette(page, 'Orchestrator: Show Graph');
  for (const id of ['draft', 'save', 'publish'].filter((n) => text.includes(`- id: ${n}\n`))) await view.locator(`.node[data-step-id="${id}"]`).waitFor({ state: 'attached', timeout: 60_000 });
  for (const e of edges) await view.locator(`g[data-edge="explicit:${e}"]`).waitFor({ state: 'attached', timeout: 20_000 });
  for (const gone of ['store', ...['save', 'publish'].filter((n) => !text.includes(`- id: ${n}\n`))]) await view.locator(`.node[data-step-id="${gone}"]`).waitFor({ state: 'detached', timeout: 20_000 });
  if (!edges.includes('draft->publish')) await view.locator('g[data-edge="explicit:draft->publish"]').waitFor({ state: 'detached', timeout: 20_000 });
}

/** Selects the edge draft → publish with a click on its line and deletes it with Delete. */
async function deleteDraftEdge(page: Page, shots: boolean): Promise<void> {
  const view = webview(page);
  const edge = view.locator('g[data-edge="explicit:draft->publish"] path').first();
  // a point on the line, relative to its box (the box's centre need not lie on a bent line)
  const at = await edge.evaluate((p: SVGPathElement) => {
    const m = p.getScreenCTM()!;
    const pt = p.getPointAtLength(p.getTotalLength() / 2);
    const b = p.getBoundingClientRect();
    return { x: pt.x * m.a + m.e - b.left, y: pt.y * m.d + m.f - b.top };
  });
  await edge.click({ position: at, force: true });
  await view.locator('g[data-edge="explicit:draft->publish"][data-selected="true"]').waitFor({ state: 'attached', timeout: 10_000 });
  if (shots) await shot(page, 'graph-edit-4-edge-selected');
  await page.keyboard.press('Delete');
  await waitForText(page, (t) => t.includes('    dependencies: [save]\n') && !t.includes('[save, draft]'), 'the dependency removed');
  await view.locator('g[data-edge="explicit:draft->publish"]').waitFor({ state: 'detached', timeout: 20_000 });
}

/** Drags from a node's connect handle to another node, with the mouse. */
async function dragConnect(page: Page, from: string, to: string): Promise<void> {
  const view = webview(page);
  // a click selects the node (and shows its step in the editor); its handle stands on its edge
  const a = (await view.locator(`.node[data-step-id="${from}"] .box`).boundingBox())!;
  await page.mouse.click(a.x + 30, a.y + 12);
  const handle = view.locator(`[data-testid="connect-handle"][data-step-id="${from}"][visibility="visible"]`);
  await handle.waitFor({ state: 'attached', timeout: 10_000 });
  const h = (await handle.boundingBox())!;
  const b = (await view.locator(`.node[data-step-id="${to}"] .box`).boundingBox())!;
  await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + 40, b.y + 20, { steps: 12 });
  await page.mouse.up();
}

describe('workbench: editing the pipeline in the graph (graph-edit)', function () {
  this.timeout(240_000);
  // no auto-save: a save a second after a test's last edit would overwrite the text the next test writes to start from
  // the workbench it shares with evalTrials.test.ts
  const s = editingWorkbench();

  it('graph-edit: adds a step from the palette after the selected node, and the graph follows', async () => {
    await startFrom(s.page, s.workspace, START, []);
    const view = webview(s.page);
    await view.locator('.node[data-step-id="draft"]').click();
    await palette(s.page, 'Orchestrator: Add Step…');
    await choose(s.page, "Add a step after 'draft'", 'filesystem.write');
    await choose(s.page, "The new filesystem.write step's id", 'save', false);
    await waitForText(s.page, (t) => t.includes('  - id: save\n    tool: filesystem\n    action: write\n    dependencies: [draft]\n    parameters:\n      path: ""\n      content: ""'), 'the new step');
    await s.page.keyboard.press('Escape');
    await view.locator('g[data-edge="explicit:draft->save"]').waitFor({ state: 'attached', timeout: 20_000 });
    await shot(s.page, 'graph-edit-1-add-step');
  });

  it('graph-edit: adds a step from a node\'s context menu', async () => {
    await startFrom(s.page, s.workspace, WITH_SAVE, ['draft->save']);
    const view = webview(s.page);
    await view.locator('.node[data-step-id="save"]').click({ button: 'right' });
    const item = s.page.locator('.context-view .action-item', { hasText: 'Add Step…' }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await shot(s.page, 'graph-edit-2-context-menu');
    await item.click();
    await choose(s.page, "Add a step after 'save'", 'filesystem.read');
    // the panel takes the focus while the id is asked (as its context menu closing can, on a busy
    // machine): the question stays open, and is answered once clicked into, as a person would
    await s.page.locator('.quick-input-widget .quick-input-title', { hasText: "The new filesystem.read step's id" }).waitFor({ state: 'visible', timeout: 15_000 });
    const draft = (await view.locator('.node[data-step-id="draft"] .box').boundingBox())!;
    await s.page.mouse.click(draft.x - 60, draft.y + 10);
    assert.equal(await quickInputFocused(s.page, 5_000), false, 'the graph panel took the focus');
    assert.equal(await s.page.locator('.quick-input-widget').isVisible(), true, 'the question stayed open without the focus');
    await choose(s.page, "The new filesystem.read step's id", 'publish', false);
    await waitForText(s.page, (t) => t.includes('  - id: publish\n    tool: filesystem\n    action: read\n    dependencies: [save]'), 'the second new step');
    await s.page.keyboard.press('Escape');
    await view.locator('g[data-edge="explicit:save->publish"]').waitFor({ state: 'attached', timeout: 20_000 });
  });

  it('graph-edit: dragging from a node\'s handle to another node writes the dependency', async () => {
    await startFrom(s.page, s.workspace, WITH_PUBLISH, ['draft->save', 'save->publish']);
    await dragConnect(s.page, 'draft', 'publish');
    await waitForText(s.page, (t) => t.includes('    dependencies: [save, draft]'), 'the dragged dependency');
    const view = webview(s.page);
    await view.locator('g[data-edge="explicit:draft->publish"]').waitFor({ state: 'attached', timeout: 20_000 });
    await view.locator('[data-testid="notice"]', { hasText: "'publish' now depends on 'draft'" }).waitFor({ timeout: 10_000 });
    await shot(s.page, 'graph-edit-3-drag-connect');
  });

  it('graph-edit: an edge selected with a click is removed with Delete', async () => {
    await startFrom(s.page, s.workspace, WITH_DRAFT_EDGE, ['draft->save', 'save->publish', 'draft->publish']);
    await deleteDraftEdge(s.page, true);
    await shot(s.page, 'graph-edit-5-edge-deleted');
  });

  it('graph-edit: Ctrl+Z in the editor undoes the gesture in one step', async () => {
    await startFrom(s.page, s.workspace, WITH_DRAFT_EDGE, ['draft->save', 'save->publish', 'draft->publish']);
    await deleteDraftEdge(s.page, false);
    await s.page.locator(`.monaco-editor[data-uri$="${FILE}"] .view-lines`).first().click();
    await s.page.keyboard.press('Control+Z');
    await waitForText(s.page, (t) => t.includes('    dependencies: [save, draft]'), 'the deleted dependency back after one undo');
    await webview(s.page).locator('g[data-edge="explicit:draft->publish"]').waitFor({ state: 'attached', timeout: 20_000 });
    await shot(s.page, 'graph-edit-6-undo');
  });

  it('graph-edit: a connection that would close a cycle is refused, the cycle named in the panel', async () => {
    await startFrom(s.page, s.workspace, WITH_DRAFT_EDGE, ['draft->save', 'save->publish', 'draft->publish']);
    const before = await editorText(s.page);
    await dragConnect(s.page, 'publish', 'draft');
    const view = webview(s.page);
    await view.locator('[data-testid="notice"]', { hasText: "'draft' cannot depend on 'publish': that closes the cycle draft → publish → draft" }).waitFor({ timeout: 15_000 });
    await shot(s.page, 'graph-edit-7-cycle-refused');
    assert.equal(await editorText(s.page), before, 'nothing was edited');
  });

  it('graph-edit: the same from the keyboard: connect, disconnect and rename from the palette', async () => {
    await startFrom(s.page, s.workspace, WITH_DRAFT_EDGE, ['draft->save', 'save->publish', 'draft->publish']);
    await palette(s.page, 'Orchestrator: Disconnect Steps…');
    await choose(s.page, 'Disconnect which dependency?', 'draft → publish');
    await waitForText(s.page, (t) => t.includes('    dependencies: [save]\n'), 'the dependency removed from the palette');
    await palette(s.page, 'Orchestrator: Connect Steps…');
    await choose(s.page, 'Connect: which step comes first?', 'draft');
    await choose(s.page, "Connect: which step waits for 'draft'?", 'publish');
    await waitForText(s.page, (t) => t.includes('    dependencies: [save, draft]'), 'the dependency added from the palette');
    await palette(s.page, 'Orchestrator: Rename Step…');
    await choose(s.page, 'Rename which step?', 'save');
    await choose(s.page, "Rename step 'save'", 'store', false);
    const text = await waitForText(s.page, (t) => t.includes('    dependencies: [store, draft]'), 'the renamed step');
    await s.page.keyboard.press('Escape');
    await webview(s.page).locator('.node[data-step-id="store"]').waitFor({ state: 'attached', timeout: 20_000 });
    await shot(s.page, 'graph-edit-8-keyboard');
    // three steps built without typing YAML: it reads as written by hand, the comments where they were
    assert.equal(
      text.trimEnd(),
      `# A pipeline built in the graph: the first step is here, the others come from the palette and the
# mouse. Comments like this one stay where they are.
id: graph_edit
steps:
  # where it starts
  - id: draft
    action: generate
    parameters:
      prompt: "Write a haiku about pipelines"   # the prompt
  - id: store
    tool: filesystem
    action: write
    dependencies: [draft]
    parameters:
      path: ""
      content: ""
  - id: publish
    tool: filesystem
    action: read
    dependencies: [store, draft]
    parameters:
      path: ""`,
    );
  });
});
