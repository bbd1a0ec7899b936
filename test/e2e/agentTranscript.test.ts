// An agent's transcript and the panel's chat input in a real workbench (#62), as a person meets
// them: a support desk (test/e2e/agentTranscriptFiles/agent-desk.pipeline.yaml) is given a receipt
// (a PNG beside it) and hands the customer to billing. The first message is typed in the graph
// panel's chat input; the transcript shows the receipt as a thumbnail before the first turn, the
// handoff as a row of its own, and billing on the turn after it. A second message continues the
// session: its run sends the first run's conversation, and the panel follows it, the input disabled
// until it ends. The model is a loopback server speaking OpenAI's protocol (driven through the real
// SDK by the extension host). Screenshots: test-artifacts/e2e/agent-transcript-*.png.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentWorkbench } from './sharedWorkbenches';
import { palette, quickOpen, shot, webview } from './ui';

const FILES = path.join(__dirname, 'agentTranscriptFiles');
const FIRST = 'I was charged $20 twice, see my receipt.';
const SECOND = 'When will the money arrive?';
const HANDED = 'This is about a refund: billing takes it.';
const REFUND = 'I have refunded the second $20 charge.';
const ARRIVES = 'Refunds take five days: the money arrives by Monday.';

describe('workbench: an agent transcript with a handoff and an image, and the chat input (agentTranscript)', function () {
  this.timeout(240_000);
  // the workbench and loopback server it shares with agents.test.ts and guardrails.test.ts
  const { s, provider } = agentWorkbench();
  before(() => {
    for (const f of fs.readdirSync(FILES)) fs.copyFileSync(path.join(FILES, f), path.join(s.workspace, f));
  });

  /** The transcript as a person reads it: each row (a turn's head without its varying cost and
   * latency, its text; a handoff's text), and what was given with the prompt. */
  const readTranscript = (view: ReturnType<typeof webview>) =>
    view.locator('[data-testid="step-panel"] [data-testid="transcript"]').evaluate((root) => ({
      line: root.querySelector(':scope > .agent-line')?.textContent ?? null,
      session: root.querySelector(':scope > .session-line')?.textContent ?? null,
      given: [...root.querySelectorAll(':scope > .given [data-ref]')].map((e) => `${e.getAttribute('data-testid')} ${e.getAttribute('title')}`),
      rows: [...root.querySelectorAll(':scope > ol.turns > li')].map((li) =>
        li.classList.contains('handoff') ? `handoff: ${li.textContent}` : `${li.querySelector(':scope > .turn-head')?.textContent?.replace(/ · \$\d+\.\d+ · (\d+ ms|\d+\.\d s)/, '')} | ${li.querySelector(':scope > .turn-text')?.textContent ?? ''}`,
      ),
    }));

  it('types the first message in the chat input: the receipt shows as a thumbnail, the handoff as its own row, billing on the turn after it', async () => {
    const viewport = s.page.viewportSize();
    await s.page.setViewportSize({ width: 1920, height: 1080 });
    try {
      provider.script.push({ text: HANDED, tokensIn: 900, tokensOut: 20, toolCalls: [{ id: 'call_transfer', name: 'transfer_to_billing', arguments: {} }] }, { text: REFUND, tokensIn: 1100, tokensOut: 15 });
      await quickOpen(s.page, 'agent-desk.pipeline.yaml');
      await palette(s.page, 'Orchestrator: Show Graph');
      const view = webview(s.page);
      const chat = view.locator('[data-testid="chat"]');
      await chat.waitFor({ state: 'visible', timeout: 60_000 });
      assert.equal(await chat.locator('label').textContent(), 'Session desk-1');
      const input = view.locator('[data-testid="chat-input"]');
      assert.equal(await input.getAttribute('placeholder'), 'Message to triage: Enter sends it');
      await input.fill(FIRST);
      await shot(s.page, 'agent-transcript-1-chat-typed');
      await input.press('Enter');
      // the run the message started: the panel selects the agent step, its transcript fills in
      await view.locator('.node[data-step-id="triage"][data-status="completed"]').waitFor({ state: 'attached', timeout: 90_000 });
      const panel = view.locator('[data-testid="step-panel"]');
      await panel.locator('[data-testid="given"] figure[data-testid="part-image"] img').waitFor({ state: 'visible', timeout: 30_000 });
      // the thumbnail is the workspace file itself, loaded under the panel's CSP
      await view.locator('[data-testid="given"] img').evaluate((img: HTMLImageElement) => (img.complete ? undefined : new Promise((r) => img.addEventListener('load', r, { once: true }))));
      assert.deepEqual(await view.locator('[data-testid="given"] img').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]), [120, 80]);
      const size = fs.statSync(path.join(s.workspace, 'agent-desk-receipt.png')).size;
      assert.deepEqual(await readTranscript(view), {
        line: 'answered · 2 turns · 1 tool call',
        session: 'Session desk-1 · a new conversation · 4 messages kept',
        given: [`part-image Image agent-desk-receipt.png, ${size} B`],
        rows: [`Turn 1 · openai:gpt-4o-mini · 900 in / 20 out tokens | ${HANDED}`, `handoff: ⇄triage → billing: ${HANDED}`, `Turn 2 · billing · openai:gpt-4o-mini · 1100 in / 15 out tokens · final answer | ${REFUND}`],
      });
      // the receipt reached the model as an image part, its bytes unchanged
      const user = (provider.requests[0].body.messages as { role: string; content: unknown }[]).find((m) => m.role === 'user');
      assert.deepEqual(user?.content, [
        { type: 'text', text: FIRST },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${fs.readFileSync(path.join(s.workspace, 'agent-desk-receipt.png')).toString('base64')}` } },
      ]);
      await panel.locator('li.handoff').scrollIntoViewIfNeeded();
      await shot(s.page, 'agent-transcript-2-handoff-and-image');
    } finally {
      if (viewport) await s.page.setViewportSize(viewport);
    }
  });

  it('sends a second message from the chat input: the session continues, the panel follows the new run', async () => {
    const viewport = s.page.viewportSize();
    await s.page.setViewportSize({ width: 1920, height: 1080 });
    try {
      provider.requests.length = 0;
      provider.script.push({ text: ARRIVES, tokensIn: 1400, tokensOut: 18 });
      const view = webview(s.page);
      const input = view.locator('[data-testid="chat-input"]');
      await view.locator('[data-testid="chat-input"]:not([disabled])').waitFor({ state: 'visible', timeout: 30_000 });
      await input.fill(SECOND);
      // every change of the input's disabled state, with the run's status as the header shows it
      // once drawn (the header is drawn at the next frame, after the change that may have made it)
      await input.evaluate((el) => {
        const w = window as unknown as { __chatStates: [boolean, string | null][] };
        w.__chatStates = [];
        new MutationObserver(() => {
          const entry: [boolean, string | null] = [el.hasAttribute('disabled'), null];
          w.__chatStates.push(entry);
          requestAnimationFrame(() => requestAnimationFrame(() => (entry[1] = document.querySelector('[data-testid="run-status"]')?.textContent ?? null)));
        }).observe(el, { attributes: true, attributeFilter: ['disabled'] });
      });
      await input.press('Enter');
      await view.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor({ state: 'visible', timeout: 90_000 });
      await view.locator('[data-testid="chat-input"]:not([disabled])').waitFor({ state: 'visible', timeout: 30_000 });
      // disabled from the moment it was sent, enabled again only once its run had ended
      // read after the frames the last entry waits for
      const states = await input.evaluate(() => new Promise<[boolean, string | null][]>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve((window as unknown as { __chatStates: [boolean, string | null][] }).__chatStates))))));
      assert.deepEqual(states.map(([disabled]) => disabled), [true, false], JSON.stringify(states));
      assert.equal(states[1][1], 'completed');
      const panel = view.locator('[data-testid="step-panel"]');
      await panel.locator('[data-testid="session-line"]', { hasText: 'earlier messages loaded' }).waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await panel.locator('h2').textContent(), 'triage');
      const t = await readTranscript(view);
      assert.deepEqual({ session: t.session, rows: t.rows }, {
        session: 'Session desk-1 · 4 earlier messages loaded · 6 messages kept',
        rows: [`Turn 1 · openai:gpt-4o-mini · 1400 in / 18 out tokens · final answer | ${ARRIVES}`],
      });
      // the model was sent the first run's conversation before the new message
      assert.equal(provider.requests.length, 1);
      const sent = (provider.requests[0].body.messages as { role: string; content: unknown }[]).map((m) => [m.role, typeof m.content === 'string' ? m.content : JSON.stringify(m.content)]);
      const texts = sent.map(([, c]) => c).join('\n');
      for (const said of [FIRST, HANDED, REFUND, SECOND]) assert.ok(texts.includes(said), `the second run's request holds '${said}': ${texts}`);
      assert.equal(sent.at(-1)?.[0], 'user');
      await shot(s.page, 'agent-transcript-3-second-turn');
    } finally {
      if (viewport) await s.page.setViewportSize(viewport);
    }
  });
});
