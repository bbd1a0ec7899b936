// An agent step in a real workbench, as a person meets it: its conversation filling in live in the
// graph panel, a tool call approved in a modal with edited arguments, a breakpoint that stops at a
// tool call, an editor (`vscode:`) model driving an agent, and an eval's trajectory in the Test
// Explorer. The models are a loopback server speaking OpenAI's protocol (driven through the real
// SDK by the extension host) and the fake language-model extension; screenshots go to
// test-artifacts/e2e/agents-*.png. Run by scripts/e2e.mjs.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { agentWorkbench } from './sharedWorkbenches';
import { palette, quickOpen, scrollTo, shot, toggleBreakpoint, webview } from './ui';
import { turnOf } from '../helpers/agentRun';
import { inboxReaderTurn } from './integration/inboxReaderModel';

describe('workbench: an agent, as a person watches, approves and debugs it', function () {
  this.timeout(240_000);
  // the workbench and loopback server it shares with guardrails.test.ts and agentTranscript.test.ts
  const { s, provider } = agentWorkbench();
  beforeEach(async () => {
    // each test counts the requests it caused
    provider.requests.length = 0;
    provider.script.length = 0;
    provider.responder = null;
    for (let i = 0; i < 3; i++) await s.page.keyboard.press('Escape');
    // a debug session a failed test left paused would hold every run after it
    if (await s.page.locator('.debug-toolbar').isVisible()) {
      await s.page.keyboard.press('Shift+F5');
      await s.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
    }
  });
  // ── the conversation live in the graph panel ──

  /** An agent step's transcript as a person reads it: the first line, then per turn its line, its
   * text and per call its status, the aria-label of its summary (tool and status; the duration, which
   * varies, as `<d>`) and its error or result as shown. */
  const readTranscript = (frame: ReturnType<typeof webview>) =>
    frame.locator('[data-testid="step-panel"] [data-testid="transcript"]').evaluate((root) => ({
      line: root.querySelector(':scope > .agent-line')?.textContent,
      turns: [...root.querySelectorAll(':scope > ol.turns > li.turn')].map((t) => ({
        head: t.querySelector(':scope > .turn-head')?.textContent?.replace(/ · \$\d+\.\d+ · (\d+ ms|\d+\.\d s)/, () => ' · $<cost> · <d>'),
        text: t.querySelector(':scope > .turn-text')?.textContent ?? null,
        calls: [...t.querySelectorAll(':scope > ol.calls > li.call')].map((c) => [
          c.getAttribute('data-status'),
          c.querySelector(':scope > details > summary')?.getAttribute('aria-label')?.replace(/, (\d+ ms|\d+\.\d s)$/, ', <d>'),
          c.querySelector(':scope > details > .call-error')?.textContent ?? c.querySelector(':scope > details > .call-result:not(.long)')?.textContent ?? c.querySelector(':scope > details > .call-result.long > summary')?.textContent ?? null,
        ]),
      })),
    }));

  it("an agent's conversation fills in live in its step panel, and the finished run shows it again from the Runs view", async () => {
    const size = (f: string) => fs.statSync(path.join(s.workspace, f)).size;
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    provider.script.push(
      { text: 'Looking for the notes.', tokensIn: 1200, tokensOut: 40, toolCalls: [{ id: 'call_list', name: 'filesystem_list', arguments: { path: '.', pattern: 'agent-watch-*.md' } }] },
      {
        text: 'Reading them at once.',
        tokensIn: 1500,
        tokensOut: 60,
        toolCalls: [
          { id: 'call_minutes', name: 'filesystem_read', arguments: { path: 'agent-watch-minutes.md' } },
          { id: 'call_todo', name: 'filesystem_read', arguments: { path: 'agent-watch-todo.md' } },
          { id: 'call_agenda', name: 'filesystem_read', arguments: { path: 'agent-watch-agenda.md' } },
          { id: 'call_shell', name: 'terminal_execute', arguments: { command: 'cat agent-watch-*.md' } },
        ],
      },
      // the model's answer is held until the test has read the panel while the step still runs (a
      // 20 s delay once ran out, beside stress-ng, before the panel was read)
      { holdUntil: answered, text: 'Two actions are open: Ben reviews the login timeout patch, and the CSV export still loses rows past 10,000.', tokensIn: 1900, tokensOut: 30 },
    );
    // a window wide enough for the graph panel to put its step panel beside the graph, full height
    const viewport = s.page.viewportSize();
    await s.page.setViewportSize({ width: 1920, height: 1080 });
    try {
      await watchAgent(size, release);
    } finally {
      release();
      if (viewport) await s.page.setViewportSize(viewport);
    }
  });

  async function watchAgent(size: (f: string) => number, release: () => void): Promise<void> {
    await quickOpen(s.page, 'agent-watch.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Run Pipeline');
    const view = webview(s.page);
    // the node counts the turn it is at and the calls asked so far
    await view.locator('.node[data-step-id="watch"][data-status="running"][data-agent="turn 3 · 5 calls"]').waitFor({ state: 'attached', timeout: 60_000 });
    await view.locator('.node[data-step-id="watch"]').click();
    const panel = view.locator('[data-testid="step-panel"]');
    await panel.locator('[data-testid="transcript"] li.turn[data-turn="3"][data-state="running"]').waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await panel.locator('.status-line').textContent(), 'running');
    const listed = `Result (${JSON.stringify({ path: '.', entries: [{ name: 'agent-watch-minutes.md', path: 'agent-watch-minutes.md', type: 'file', size: size('agent-watch-minutes.md') }, { name: 'agent-watch-todo.md', path: 'agent-watch-todo.md', type: 'file', size: size('agent-watch-todo.md') }], count: 2 }, null, 2).length} characters): {"path":".","entries":[{"name":"agent-watch-minutes.md","pa…`;
    // a result of more than a few lines folded, its first characters on the line that opens it
    const read = (f: string) => {
      const r = { content: fs.readFileSync(path.join(s.workspace, f), 'utf8'), size: size(f), path: f };
      return `Result (${JSON.stringify(r, null, 2).length} characters): ${JSON.stringify(r).slice(0, 59)}…`;
    };
    const firstTurns = [
      { head: 'Turn 1 · openai:gpt-4o-mini · 1200 in / 40 out tokens · $<cost> · <d>', text: 'Looking for the notes.', calls: [['ok', 'filesystem.list: ok, <d>', listed]] },
      {
        head: 'Turn 2 · openai:gpt-4o-mini · 1500 in / 60 out tokens · $<cost> · <d>',
        text: 'Reading them at once.',
        calls: [
          ['ok', 'filesystem.read: ok, <d>', read('agent-watch-minutes.md')],
          ['ok', 'filesystem.read: ok, <d>', read('agent-watch-todo.md')],
          ['error', 'filesystem.read: error, <d>', 'Error: File not found: agent-watch-agenda.md'],
          ['refused', 'terminal_execute: refused, <d>', "Refused: 'terminal_execute' is not one of the tools you may call (filesystem_list, filesystem_read)."],
        ],
      },
    ];
    assert.deepEqual(await readTranscript(view), { line: 'turn 3 · 5 tool calls', turns: [...firstTurns, { head: 'Turn 3 · openai:gpt-4o-mini · waiting for the model…', text: null, calls: [] }] });
    await scrollTo(panel.locator('li.turn[data-turn="3"]'));
    await shot(s.page, 'agents-1-transcript-live');
    release();

    // the answer comes: the step ends, the last turn is its final answer
    await view.locator('.node[data-step-id="watch"][data-status="completed"]').waitFor({ state: 'attached', timeout: 60_000 });
    await view.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor({ state: 'attached', timeout: 30_000 });
    const answer = 'Two actions are open: Ben reviews the login timeout patch, and the CSV export still loses rows past 10,000.';
    const done = { line: 'answered · 3 turns · 5 tool calls', turns: [...firstTurns, { head: 'Turn 3 · openai:gpt-4o-mini · 1900 in / 30 out tokens · $<cost> · <d> · final answer', text: answer, calls: [] }] };
    await panel.locator('[data-testid="agent-line"]', { hasText: 'answered' }).waitFor({ state: 'visible', timeout: 15_000 });
    assert.deepEqual(await readTranscript(view), done);
    assert.equal(await view.locator('.node[data-step-id="watch"] .detail').textContent(), '3 turns · 5 calls');
    assert.equal(fs.readFileSync(path.join(s.workspace, 'output', 'agent-watch-actions.md'), 'utf8'), answer);
    // a folded result opens on its summary (Enter on it, as from the keyboard)
    const minutes = panel.locator('li.call[data-call-id="call_minutes"] .call-result.long');
    await minutes.locator('summary').focus();
    await s.page.keyboard.press('Enter');
    const text = fs.readFileSync(path.join(s.workspace, 'agent-watch-minutes.md'), 'utf8');
    assert.equal(await minutes.locator('pre').textContent(), JSON.stringify({ content: text, size: size('agent-watch-minutes.md'), path: 'agent-watch-minutes.md' }, null, 2));
    await scrollTo(panel.locator('li.turn[data-turn="3"]'));
    await shot(s.page, 'agents-2-transcript-done');

    // the finished run, opened from the Runs view in a panel of its own: the same conversation
    await palette(s.page, 'View: Close All Editors');
    await s.page.locator('.activitybar .action-item a[aria-label="Orchestrator"], .activitybar .action-label[aria-label="Orchestrator"]').first().click();
    const row = s.page.locator('.pane-body .monaco-list-row', { hasText: 'agent_watch' }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await row.click();
    const reopened = webview(s.page);
    await reopened.locator('.node[data-step-id="watch"][data-status="completed"]').waitFor({ state: 'attached', timeout: 60_000 });
    await reopened.locator('.node[data-step-id="watch"]').click();
    await reopened.locator('[data-testid="step-panel"] [data-testid="transcript"]').waitFor({ state: 'visible', timeout: 15_000 });
    assert.deepEqual(await readTranscript(reopened), done);
    // every call is reached from the keyboard, its summary naming its tool and status
    const labels = await reopened.locator('[data-testid="transcript"] li.call > details > summary').evaluateAll((ss) => ss.map((x) => x.getAttribute('aria-label')?.replace(/, (\d+ ms|\d+\.\d s)$/, '')));
    assert.deepEqual(labels, ['filesystem.list: ok', 'filesystem.read: ok', 'filesystem.read: ok', 'filesystem.read: error', 'terminal_execute: refused']);
    await reopened.locator('li.call[data-call-id="call_minutes"] > details > summary').focus();
    await s.page.keyboard.press('Tab');
    assert.equal(await reopened.locator(':focus').getAttribute('data-focus'), await reopened.locator('li.call[data-call-id="call_minutes"] .call-arguments > summary').getAttribute('data-focus'));
    await scrollTo(reopened.locator('li.turn[data-turn="2"]'));
    await shot(s.page, 'agents-3-transcript-from-runs');

    // in a dark theme every status and error still reads against the panel
    await palette(s.page, 'Toggle between Light/Dark Themes');
    await s.page.waitForFunction(() => document.querySelector('.monaco-workbench')?.classList.contains('vs-dark'), undefined, { timeout: 15_000 });
    await reopened.locator('body.vscode-dark').waitFor({ state: 'attached', timeout: 15_000 });
    // (no named functions inside evaluate: the test's bundler would wrap them in a helper the page lacks)
    const picked = { ok: '.call-status[data-status="ok"]', error: '.call-status[data-status="error"]', refused: '.call-status[data-status="refused"]', errorText: '.call-error[data-status="error"]', refusedText: '.call-error[data-status="refused"]', text: '.turn-text', head: '.turn-head' };
    const colours = await reopened.locator('[data-testid="step-panel"]').evaluate((p, sel) => ({ panel: getComputedStyle(p).backgroundColor, ...Object.fromEntries(Object.entries(sel).map(([k, q]) => [k, getComputedStyle(p.querySelector(q)!).color])) }) as Record<string, string>, picked);
    const lum = (c: string) => {
      const [r, g, b] = (c.match(/[\d.]+/g) ?? []).map(Number).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a: string, b: string) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    for (const k of ['ok', 'error', 'refused', 'errorText', 'refusedText', 'text', 'head'] as const) assert.ok(contrast(colours[k], colours.panel) >= 4.5, `${k}: ${colours[k]} on ${colours.panel}, contrast ${contrast(colours[k], colours.panel).toFixed(2)}`);
    await shot(s.page, 'agents-3b-transcript-dark');
    await palette(s.page, 'Toggle between Light/Dark Themes');
    await s.page.waitForFunction(() => !document.querySelector('.monaco-workbench')?.classList.contains('vs-dark'), undefined, { timeout: 15_000 });
    await palette(s.page, 'View: Close All Editors');
    await s.page.keyboard.press('Control+Shift+E');
  }

  // ── approval in a modal, with edited arguments ──

  it('asks for an agent\'s write in a modal; Edit Arguments changes its content, checked as typed, and the run writes that', async () => {
    provider.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [{ id: 'call_note', name: 'filesystem_write', arguments: { path: 'output/agent-note.md', content: 'Draft by the model.' } }] } : { text: 'The note is written.' });
    await quickOpen(s.page, 'agent-approve.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Run Pipeline');
    const dialog = s.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    const asked = (await dialog.textContent()) ?? '';
    // the step, the tool, the agent and the arguments, pretty-printed
    assert.match(asked, /Approve a call of filesystem\.write \(step write\)/);
    assert.match(asked, /Let agent 'write' call filesystem\.write with these arguments\?/);
    assert.match(asked, /\{\s*"path": "output\/agent-note\.md",\s*"content": "Draft by the model\."\s*\}/);
    // (the workbench orders a dialog's buttons as its platform does)
    assert.deepEqual((await dialog.locator('.monaco-button').allTextContents()).sort(), ['Approve', 'Cancel', 'Deny', 'Edit Arguments']);
    const view = webview(s.page);
    await view.locator('.node[data-step-id="write"][data-status="running"]').waitFor({ state: 'attached', timeout: 30_000 });
    await shot(s.page, 'agents-4-approval-modal');

    await dialog.locator('.monaco-button', { hasText: /^Edit Arguments$/ }).click();
    const input = s.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await input.inputValue(), '{"path":"output/agent-note.md","content":"Draft by the model."}');
    // checked against the tool's schema as it is typed: Enter does nothing while it does not fit
    await input.fill('{"path":"output/agent-note.md"}');
    const message = s.page.locator('.quick-input-message');
    await message.filter({ hasText: "Not yet: the arguments must have 'content'" }).waitFor({ state: 'visible', timeout: 10_000 });
    await s.page.keyboard.press('Enter');
    await s.page.waitForTimeout(500);
    assert.ok(await input.isVisible(), 'arguments that do not fit are not accepted');
    await input.fill('{"path":"output/agent-note.md","content":"Edited by a person."}');
    await message.filter({ hasText: /JSON \(path: string, content\)/ }).waitFor({ state: 'visible', timeout: 10_000 });
    await shot(s.page, 'agents-5-approval-edit');
    await s.page.keyboard.press('Enter');

    await view.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor({ state: 'attached', timeout: 60_000 });
    await view.locator('.node[data-step-id="write"][data-status="completed"]').waitFor({ state: 'attached' });
    assert.equal(fs.readFileSync(path.join(s.workspace, 'output', 'agent-note.md'), 'utf8'), 'Edited by a person.');
    // the model was told the result of the call that ran: the edited one
    const last = provider.requests[provider.requests.length - 1].body as { messages: { role: string; content: string }[] };
    assert.deepEqual(last.messages[last.messages.length - 1], { role: 'tool', tool_call_id: 'call_note', content: '{"path":"output/agent-note.md","size":19}' });
  });

  it('cancelling the run while the arguments are being edited closes the editor; the call never runs', async () => {
    provider.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [{ id: 'call_note', name: 'filesystem_write', arguments: { path: 'output/agent-cancelled.md', content: 'Never written.' } }] } : { text: 'unexpected' });
    await quickOpen(s.page, 'agent-approve.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Run Pipeline');
    const dialog = s.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    await dialog.locator('.monaco-button', { hasText: /^Edit Arguments$/ }).click();
    const input = s.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    // the panel's Cancel: the input box closes with the run
    const view = webview(s.page);
    await view.locator('[data-testid="cancel"]').click();
    await view.locator('[data-testid="run-status"]', { hasText: 'cancelled' }).waitFor({ state: 'attached', timeout: 30_000 });
    await s.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
    assert.equal(await dialog.isVisible(), false, 'no modal comes back after the run is cancelled');
    assert.equal(fs.existsSync(path.join(s.workspace, 'output', 'agent-cancelled.md')), false);
  });

  // ── debugging an agent: a breakpoint at a tool call ──

  it('debugs an agent with F5: a breakpoint on its step, Step Into stops before its write, the content edited in Variables is what it writes; Deny Tool Call answers the model with a denial', async () => {
    provider.responder = (body) => {
      if (turnOf(body) === 0) return { text: 'Writing the note.', toolCalls: [{ id: 'call_note', name: 'filesystem_write', arguments: { path: 'output/debug-note.md', content: 'Draft by the model.' } }] };
      // the model says what the tool told it
      const messages = body.messages as { role: string; content?: string }[];
      return { text: `The tool said: ${messages[messages.length - 1].content}` };
    };
    const note = path.join(s.workspace, 'output', 'debug-note.md');
    await quickOpen(s.page, 'agent-debug.pipeline.yaml');
    // line 7 is the agent step's `action: agent`
    await toggleBreakpoint(s.page, 7, 'visible');
    await s.page.keyboard.press('F5');
    // one thread: the Call Stack lists its frames, and its header says why the run stopped
    const row = (text: string | RegExp) => s.page.locator('.debug-call-stack .monaco-list-row', { hasText: text }).first();
    const pausedOn = (why: string) => s.page.locator('.pane-header', { hasText: 'Call Stack' }).filter({ hasText: why }).waitFor({ state: 'visible', timeout: 60_000 });
    await pausedOn('Paused on breakpoint');
    await row('scribe').waitFor({ state: 'visible' });
    assert.equal(provider.requests.length, 0, 'held before its first model call');

    // Step Into: the model is asked, and the run stops before the call it asked for
    await s.page.keyboard.press('F11');
    // the header says which call it stopped before
    await pausedOn('scribe is about to call filesystem.write (turn 1, call_note)');
    await row('before filesystem.write (call_note)').waitFor({ state: 'visible', timeout: 30_000 });
    await row('turn 1: gpt-4o-mini — 1 call').waitFor({ state: 'visible' });
    assert.equal(fs.existsSync(note), false, 'the held call has not run');
    const variables = s.page.locator('.debug-variables');
    const variable = (name: string, value: string) => variables.locator('.monaco-list-row', { hasText: name }).filter({ hasText: value }).first();
    await variable('tool', '"filesystem.write"').waitFor({ state: 'visible', timeout: 15_000 });
    await variable('arguments', '{path, content}').click();
    await variable('content', '"Draft by the model."').waitFor({ state: 'visible', timeout: 10_000 });
    await variables.locator('.monaco-list-row', { hasText: 'Conversation' }).first().waitFor({ state: 'visible' });
    const deny = s.page.locator('.debug-toolbar .action-label[aria-label="Deny Tool Call"]');
    await deny.waitFor({ state: 'visible', timeout: 15_000 });
    // the graph panel draws the step as held
    await webview(s.page).locator('.node[data-step-id="scribe"][data-paused="true"]').waitFor({ state: 'attached', timeout: 20_000 });
    await shot(s.page, 'agents-6-debug-tool-call');

    // the call's values offer Deny Tool Call and Set Value in their context menu; Set Value on the content: the call will run with it
    await variable('content', '"Draft by the model."').locator('.name').click({ button: 'right' });
    const menu = s.page.locator('.context-view .action-label');
    await menu.filter({ hasText: 'Deny Tool Call' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await menu.filter({ hasText: 'Set Value' }).first().waitFor({ state: 'visible' });
    // the right click focused the row: Set Value is its F2
    await s.page.keyboard.press('Escape');
    await s.page.keyboard.press('F2');
    const box = variables.locator('.monaco-inputbox input');
    await box.waitFor({ state: 'visible', timeout: 10_000 });
    await box.fill('"Edited in the debugger."');
    await s.page.keyboard.press('Enter');
    await variable('content', '"Edited in the debugger."').waitFor({ state: 'visible', timeout: 10_000 });
    await variable('path', '"output/debug-note.md"').waitFor({ state: 'visible' });
    await shot(s.page, 'agents-7-debug-edited');

    // Continue: the call runs with the edited content, and the run ends
    await s.page.keyboard.press('F5');
    await s.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 60_000 });
    assert.equal(fs.readFileSync(note, 'utf8'), 'Edited in the debugger.');
    const told = provider.requests[1].body as { messages: { role: string; tool_call_id?: string; content: string }[] };
    assert.deepEqual(told.messages[told.messages.length - 1], { role: 'tool', tool_call_id: 'call_note', content: '{"path":"output/debug-note.md","size":23}' });
    // the step's conversation in the graph panel marks the call's arguments as edited
    const view = webview(s.page);
    await view.locator('.node[data-step-id="scribe"][data-status="completed"]').waitFor({ state: 'attached', timeout: 30_000 });
    await view.locator('.node[data-step-id="scribe"]').click();
    await view.locator('[data-testid="step-panel"] li.call[data-call-id="call_note"] .call-edited').waitFor({ state: 'visible', timeout: 15_000 });

    // again, and this time the call is denied from the debug toolbar
    fs.rmSync(note);
    provider.requests.length = 0;
    // the click above left the focus in the graph panel's webview, where F5 is the webview's key, not the workbench's:
    // the pipeline's editor takes it back first, as a person clicks into the file before pressing F5
    await quickOpen(s.page, 'agent-debug.pipeline.yaml');
    await s.page.keyboard.press('F5');
    await pausedOn('Paused on breakpoint');
    await s.page.keyboard.press('F11');
    await row('before filesystem.write (call_note)').waitFor({ state: 'visible', timeout: 30_000 });
    await deny.click();
    await s.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 60_000 });
    assert.equal(fs.existsSync(note), false, 'the denied call wrote nothing');
    const answered = provider.requests[1].body as { messages: { role: string; tool_call_id?: string; content: string }[] };
    assert.deepEqual(answered.messages[answered.messages.length - 1], { role: 'tool', tool_call_id: 'call_note', content: 'Error: The call was denied by the person debugging the run.' });
    // the step's conversation in the graph panel shows the call denied, and the model's answer
    await view.locator('.node[data-step-id="scribe"][data-status="completed"]').waitFor({ state: 'attached', timeout: 30_000 });
    await view.locator('.node[data-step-id="scribe"]').click();
    const call = view.locator('[data-testid="step-panel"] li.call[data-call-id="call_note"]');
    await call.locator('.call-error').filter({ hasText: 'The call was denied by the person debugging the run.' }).waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await call.getAttribute('data-status'), 'denied');
    await view.locator('[data-testid="step-panel"] .turn-text', { hasText: 'The tool said: Error: The call was denied by the person debugging the run.' }).waitFor({ state: 'visible', timeout: 15_000 });
    await scrollTo(call);
    await shot(s.page, 'agents-7b-debug-denied');
    await quickOpen(s.page, 'agent-debug.pipeline.yaml');
    await toggleBreakpoint(s.page, 7, 'detached');
    await palette(s.page, 'View: Close All Editors');
  });

  // ── an editor (vscode:) model with a tool ──

  it("runs an agent on the editor's own language model: it calls filesystem.read through vscode.lm and answers with what it read", async () => {
    fs.writeFileSync(path.join(s.workspace, 'agent-vscode-note.md'), 'Ship it on Friday.');
    const before = provider.requests.length;
    // the pipeline alone on screen, beside its graph
    await palette(s.page, 'View: Close All Editors');
    await quickOpen(s.page, 'agent-vscode-model.pipeline.yaml');
    await palette(s.page, 'Orchestrator: Run Pipeline');
    const view = webview(s.page);
    await view.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor({ state: 'attached', timeout: 60_000 });
    await view.locator('.node[data-step-id="reader"][data-status="completed"]').waitFor({ state: 'attached' });
    // the run's record: the call made through the editor's model, and its answer quoting the result
    const runs = path.join(s.workspace, '.orchestrator', 'runs');
    const doc = fs
      .readdirSync(runs)
      .map((id) => path.join(runs, id, 'result.json'))
      .filter((f) => fs.existsSync(f))
      .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { pipeline_id: string; steps: Record<string, { model?: string; result: { answer: string; turns: number; tool_calls: { tool: string; arguments: unknown; result: unknown; status: string }[] } }> })
      .find((d) => d.pipeline_id === 'agent-vscode-model');
    assert.ok(doc, 'the run is recorded');
    const r = doc.steps.reader.result;
    assert.equal(doc.steps.reader.model, 'vscode:fake/echo');
    assert.deepEqual(r.tool_calls.map((c) => [c.tool, c.arguments, c.result, c.status]), [['filesystem.read', { path: 'agent-vscode-note.md' }, { content: 'Ship it on Friday.', size: 18, path: 'agent-vscode-note.md' }, 'ok']]);
    assert.equal(r.answer, 'filesystem_read answered: {"content":"Ship it on Friday.","size":18,"path":"agent-vscode-note.md"}');
    assert.equal(r.turns, 2);
    assert.equal(provider.requests.length, before, 'no request reached the OpenAI-protocol server');
    await view.locator('.node[data-step-id="reader"]').click();
    await view.locator('[data-testid="step-panel"] h2', { hasText: 'reader' }).waitFor();
    // the conversation in the step panel, scrolled to the model's answer
    const answer = view.locator('[data-testid="step-panel"]').getByText('filesystem_read answered', { exact: false }).first();
    await answer.waitFor({ state: 'attached', timeout: 10_000 });
    await scrollTo(answer);
    await shot(s.page, 'agents-8-vscode-model');
  });

  // ── an agent's eval in the Test Explorer ──

  /** The webview frame (of the several on screen: the eval panel, the graph panel) that shows `selector`. */
  const frameWith = async (page: Page, selector: string, timeoutMs = 60_000): Promise<Frame> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const f of page.frames()) if (await f.locator(selector).count().catch(() => 0)) return f;
      if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
      await page.waitForTimeout(250);
    }
  };

  it("an agent's eval: listed in the Test Explorer, run, its failed tool_sequence is a diff of the calls at the assertion's line", async () => {
    provider.responder = inboxReaderTurn;
    // the eval alone on screen: with earlier tests' editors beside it, its column was so narrow that
    // the failure written after line 13 lay under the editor's scrollbar, where no click reaches it
    await palette(s.page, 'View: Close All Editors');
    await quickOpen(s.page, 'inbox-reader.eval.yaml');
    await palette(s.page, 'Testing: Focus on Test Explorer View');
    const row = (label: string) => s.page.locator('.test-explorer-tree .monaco-list-row, .test-explorer .monaco-list-row', { hasText: label });
    await row('inbox-reader.eval.yaml').first().waitFor({ state: 'visible', timeout: 60_000 });
    await quickOpen(s.page, 'inbox-reader.eval.yaml');
    await s.page.locator('.codelens-decoration a', { hasText: 'Run Eval' }).first().click();
    // the eval panel: its one case failed (no one approves the agent's write in an eval)
    await frameWith(s.page, 'td[data-case="inbox"][data-variant="default"][data-status="fail"]');
    // the file, then its variant, opened in the Test Explorer: the case marked failed
    await row('inbox-reader.eval.yaml').first().click();
    await s.page.keyboard.press('ArrowRight');
    await row('default').first().click();
    await s.page.keyboard.press('ArrowRight');
    await row('inbox').first().locator('.codicon-testing-failed-icon').waitFor({ state: 'visible', timeout: 20_000 });
    // in the eval file, the failure is written after the assertion's line (actual != expected, both
    // cut short); a click on it opens its peek: the calls expected and the calls made, one a line
    await quickOpen(s.page, 'inbox-reader.eval.yaml');
    const inline = s.page.locator('.monaco-editor[data-uri$="inbox-reader.eval.yaml"] .test-error-content-widget').first();
    await inline.waitFor({ state: 'visible', timeout: 30_000 });
    // on its start (its icon), which is always in view: its end may run past a narrow editor's edge
    await inline.click({ position: { x: 8, y: 6 } });
    const peek = s.page.locator('.peekview-widget').first();
    await peek.waitFor({ state: 'visible', timeout: 30_000 });
    const sides = peek.locator('.monaco-diff-editor .editor.original .view-lines, .monaco-diff-editor .editor.modified .view-lines');
    await peek.locator('.view-lines', { hasText: 'filesystem.write (denied)' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    const texts = (await sides.allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' ').trim());
    assert.deepEqual(texts, ['filesystem.list\nfilesystem.read\nfilesystem.write', 'filesystem.list\nfilesystem.read\nfilesystem.write (denied)']);
    const peekLine = await s.page.evaluate(() => {
      const ed = [...document.querySelectorAll('.monaco-editor[data-uri$="inbox-reader.eval.yaml"]')].find((e) => e.querySelector('.peekview-widget'));
      const zone = ed?.querySelector('.peekview-widget')?.closest('.zone-widget') as HTMLElement | null;
      if (!ed || !zone) return null;
      // the line drawn just above the peek's zone
      const top = zone.getBoundingClientRect().top;
      const numbers = [...ed.querySelectorAll('.margin-view-overlays .line-numbers')].map((n) => ({ n: Number(n.textContent), y: n.getBoundingClientRect().bottom })).filter((x) => x.y <= top + 2);
      return numbers.sort((a, b) => b.y - a.y)[0]?.n ?? null;
    });
    assert.equal(peekLine, 13, 'the peek opens under the tool_sequence assertion (line 13 of inbox-reader.eval.yaml)');
    await shot(s.page, 'agents-9-trajectory-diff');
    await s.page.keyboard.press('Escape');
  });

  it("an agent's eval: the case's Transcript in the eval panel opens its run with the agent step selected", async () => {
    const cell = 'td[data-case="inbox"][data-variant="default"] [data-testid="open-transcript"]';
    // the eval panel the test before left, or (when that test failed first) one of its own
    const shown = await frameWith(s.page, cell, 5_000).catch(() => null);
    if (!shown) {
      provider.responder = inboxReaderTurn;
      await palette(s.page, 'View: Close All Editors');
      await quickOpen(s.page, 'inbox-reader.eval.yaml');
      await s.page.locator('.codelens-decoration a', { hasText: 'Run Eval' }).first().click();
    }
    const matrix = shown ?? (await frameWith(s.page, cell));
    const open = matrix.locator('td[data-case="inbox"][data-variant="default"] [data-testid="open-transcript"]');
    assert.equal(await open.getAttribute('aria-label'), 'Open the transcript of agent step reader in the run of inbox [default]');
    await open.click();
    // the graph panel of the pipeline: the reader selected, its step panel open on the run's record
    const graph = await frameWith(s.page, '.node[data-step-id="reader"][data-selected="true"]');
    const stepPanel = graph.locator('[data-testid="step-panel"]');
    await stepPanel.locator('h2', { hasText: 'reader' }).waitFor({ state: 'visible', timeout: 30_000 });
    // the agent's conversation: its three calls, the write denied
    const calls = stepPanel.locator('[data-testid="transcript"] [data-testid="tool-call"]');
    await calls.nth(2).waitFor({ state: 'visible', timeout: 30_000 });
    await scrollTo(calls.nth(2));
    assert.deepEqual(await calls.evaluateAll((li) => li.map((c) => c.getAttribute('data-status'))), ['ok', 'ok', 'denied']);
    await shot(s.page, 'agents-10-eval-transcript');
  });

  it("an agent's allow-list in the editor: the lens above the step counts what it may call; its pick goes to the entry", async () => {
    // the pipeline alone on screen (the eval and its panels closed)
    await palette(s.page, 'View: Close All Editors');
    await quickOpen(s.page, 'inbox-reader.pipeline.yaml');
    const lens = s.page.locator('.codelens-decoration a', { hasText: 'Allowed: 3 tools, 1 needs approval' }).first();
    await lens.waitFor({ state: 'visible', timeout: 60_000 });
    await lens.click();
    const rows = s.page.locator('.quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await s.page.locator('.quick-input-title').first().textContent(), "What agent step 'reader' may call");
    // each row: the tool, what its calls do, the line of its entry; the separators group them
    // (a row's separator element is kept hidden when it has none: only shown ones count)
    const shown = await rows.evaluateAll((rs) => rs.map((r) => ['.label-name', '.label-description', '.quick-input-list-label-meta', '.quick-input-list-separator'].map((c) => r.querySelector<HTMLElement>(c)).filter((e) => e?.checkVisibility()).map((e) => e!.textContent?.trim() ?? '').filter(Boolean).join(' | ')));
    assert.deepEqual(shown, ['filesystem.write | each call waits for your approval | line 20 | Wait for approval', 'filesystem.list | runs without asking | line 18 | Run without asking', 'filesystem.read | runs without asking | line 19']);
    await shot(s.page, 'agents-11-allowed-tools');
    await rows.filter({ hasText: 'filesystem.write' }).first().click();
    // the entry that allows it is selected: `{filesystem.write: {approve: true}}` on line 20
    await s.page.locator('.statusbar-item', { hasText: 'Ln 20, Col 44 (35 selected)' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  });
});
