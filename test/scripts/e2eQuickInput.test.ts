// The workbench tests' quick-input helpers (test/e2e/ui.ts) never type into the editor (issue 63:
// in a newcomer's `npm test` the keys meant for the command palette replaced the pipeline's text).
// A page that behaves as the workbench does where it matters: the quick input closes when it
// loses the focus and the focus returns to the editor; a webview takes the focus back once, a
// moment after the quick input's box is selected (the moment Playwright's `fill` leaves between
// selecting the box and sending the text as keys).
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { ensureBrowser } from '../helpers/browser';
import { launchBrowser } from '../e2e/codeServer';
import { palette, typeInQuickInput } from '../e2e/ui';

const PAGE = `<!doctype html><html><body>
<div class="part sidebar"><div class="composite title" tabindex="0">EXPLORER</div></div>
<textarea id="editor">id: graph_edit</textarea>
<div class="quick-input-widget" style="display:none"><div class="quick-input-title"></div><input type="text"><div class="quick-input-list"></div></div>
<script>{
  // a block: the page is set anew for each test in one window (top-level consts would clash)
  const editor = document.getElementById('editor'), widget = document.querySelector('.quick-input-widget');
  const input = widget.querySelector('input'), list = widget.querySelector('.quick-input-list');
  window.ran = []; window.steals = 1;
  const rows = () => { list.innerHTML = input.value.length > 1 ? '<div class="monaco-list-row">' + input.value.slice(1) + '</div>' : ''; };
  const close = () => { widget.style.display = 'none'; editor.focus(); };
  input.addEventListener('input', rows);
  // the quick input closes when it loses the focus, and the focus goes back to the editor
  input.addEventListener('blur', () => { if (widget.style.display !== 'none') close(); });
  // a webview takes the focus back a moment after the box was selected (once)
  input.addEventListener('select', () => { if (window.steals-- > 0) input.blur(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); window.ran.push(input.value); close(); }
    if (e.key === 'Escape') { e.preventDefault(); close(); }
  });
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey && e.shiftKey && e.key.toLowerCase() === 'p') {
      e.preventDefault();
      widget.style.display = 'block'; input.value = '>'; rows(); input.focus();
    }
  });
  editor.focus();
}</script></body></html>`;

describe('workbench tests: the quick-input helpers never type into the editor (issue 63)', function () {
  this.timeout(60_000);
  let close: () => Promise<void>;
  let page: Page;
  before(async () => {
    ensureBrowser();
    const b = await launchBrowser();
    close = b.close;
    page = b.page;
  });
  after(async () => {
    await close?.();
  });
  beforeEach(async () => {
    await page.setContent(PAGE);
  });

  const editorText = () => page.locator('#editor').inputValue();

  it('typeInQuickInput: the quick input closed by a webview taking the focus back: nothing lands in the editor', async () => {
    await typeInQuickInput(page, 'Control+Shift+P', '>Orchestrator: Add Step…').catch(() => undefined);
    assert.equal(await editorText(), 'id: graph_edit');
  });

  it('palette: the command runs once, from the quick input opened again, and the editor keeps its text', async () => {
    await palette(page, 'Orchestrator: Add Step…');
    assert.deepEqual(await page.evaluate(() => (window as unknown as { ran: string[] }).ran), ['>Orchestrator: Add Step…']);
    assert.equal(await editorText(), 'id: graph_edit');
  });
});
