// Conversations and forks in the Runs view as a person sees them in code-server (#62): a session's
// two runs (made with `orc run` against the loopback provider before the workbench opens: a triage
// agent hands the first question to billing, the second turn carries the first) stand as one
// thread node, "session support-42 · 2 turns", its runs oldest first; opening it shows the thread
// (each turn's message, the handoff, the answers). A run forked twice with `orc fork`, one fork
// forked again, stands as a tree: each fork under its parent, labelled with its fork point.
// Screenshots: test-artifacts/e2e/conversations-*.png.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { launchBrowser, ROOT, Workbench } from './codeServer';
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';
import { palette, shot, tidyAfterFailure, webview } from './ui';

const CLI = path.join(ROOT, 'dist', 'cli.js');

const SUPPORT = `id: support
model: openai:gpt-4o-mini
parameters:
  message: {type: string, required: true}
  session: {type: string, default: main}
agents:
  billing:
    description: Answers questions about charges and refunds.
    instructions: You are the billing specialist.
    tools: [filesystem.read]
steps:
  - id: desk
    action: agent
    tools: [filesystem.list]
    handoffs: [billing]
    memory: {session: "{{ session }}", max_messages: 50}
    parameters:
      instructions: You triage support requests.
      prompt: "{{ message }}"
      stream: false
`;

const FORKS = `id: report
steps:
  - id: gather
    tool: terminal
    action: execute
    parameters:
      command: echo gathered
  - id: draft
    tool: terminal
    action: execute
    dependencies: [gather]
    parameters:
      command: echo drafted
  - id: review
    tool: terminal
    action: execute
    dependencies: [draft]
    parameters:
      command: echo reviewed
`;

const ASKED = 'I was charged twice for my order.';
const THEN = 'Thanks! When will the money arrive?';

describe('workbench: sessions as threads and forks as a tree in the Runs view (conversations)', function () {
  this.timeout(240_000);
  const s = {} as { wb: Workbench; page: Page; workspace: string; close: () => Promise<void> };
  const provider = new LoopbackProviders();
  const ids = {} as { root: string; atDraft: string; atReview: string; again: string };

  /** `orc ARGS --json` in the workspace against the loopback provider: the document it prints. */
  async function orc(...args: string[]): Promise<{ execution_id: string; status: string }> {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args, '--json'], { cwd: s.workspace, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', OPENAI_API_KEY: 'sk-loopback-e2e', OPENAI_BASE_URL: `${provider.origin}/v1` }, timeout: 60_000 });
    return JSON.parse(stdout) as { execution_id: string; status: string };
  }

  before(async () => {
    await provider.start();
    // the first question goes to billing; the tool's answer comes back to billing, who answers; the second turn is answered at once
    provider.responder = (body) => {
      const msgs = body.messages as { role: string; content: unknown }[];
      const last = msgs[msgs.length - 1];
      if (last.role === 'tool') return { text: 'I have refunded the second charge.' };
      return JSON.stringify(last.content).includes('charged twice') ? { toolCalls: [{ id: 'call_t1', name: 'transfer_to_billing', arguments: {} }] } : { text: 'Within 5 business days.' };
    };
    s.workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-e2e-conversations-')));
    fs.writeFileSync(path.join(s.workspace, 'support.pipeline.yaml'), SUPPORT);
    fs.writeFileSync(path.join(s.workspace, 'report.pipeline.yaml'), FORKS);
    for (const message of [ASKED, THEN]) assert.equal((await orc('run', 'support.pipeline.yaml', '-i', 'session=support-42', '-i', `message=${message}`)).status, 'completed');
    assert.equal(provider.requests.length, 3);
    ids.root = (await orc('run', 'report.pipeline.yaml')).execution_id;
    ids.atDraft = (await orc('fork', ids.root, '--at', 'draft')).execution_id;
    ids.atReview = (await orc('fork', ids.root, '--at', 'review')).execution_id;
    ids.again = (await orc('fork', ids.atDraft, '--at', 'review')).execution_id;
    s.wb = await Workbench.start({ workspace: s.workspace, trusted: true, settings: { 'workbench.colorTheme': 'Default Light Modern' } });
    const b = await launchBrowser();
    s.close = b.close;
    s.page = b.page;
    await s.page.goto(s.wb.url(), { timeout: 120_000 });
    await s.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await s.page.waitForFunction(() => document.title.includes('[Extension Development Host]'), undefined, { timeout: 60_000 });
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    await shot(s.page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`).catch(() => undefined);
    await tidyAfterFailure(s.page);
  });
  after(async () => {
    await s.close?.();
    s.wb?.stop();
    await provider.stop();
    if (s.workspace) fs.rmSync(s.workspace, { recursive: true, force: true });
  });

  // the Runs view's rows (the Review view below it lists the forks too, as runs to label)
  const pane = () => s.page.locator('.part.sidebar .pane', { has: s.page.locator('.pane-header', { hasText: /^\s*Runs/i }) });
  const rows = () => pane().locator('.pane-body .monaco-list-row');
  const row = (label: string) => rows().filter({ has: s.page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
  /** The rows as [depth, label] (aria-level 1: at the top). */
  const tree = () => rows().evaluateAll((rs) => rs.map((r) => [Number(r.getAttribute('aria-level')), r.querySelector('.label-name')?.textContent ?? '']));

  async function showRuns(): Promise<void> {
    const container = s.page.locator('.part.sidebar .composite.title', { hasText: /orchestrator/i });
    if (!(await container.isVisible())) {
      await s.page.locator('.activitybar .action-item a[aria-label="Orchestrator"], .activitybar .action-label[aria-label="Orchestrator"]').first().click();
      await container.waitFor({ state: 'visible', timeout: 30_000 });
    }
  }

  it("conversations: a session's two runs are one thread; opened, it shows the conversation turn by turn", async () => {
    await showRuns();
    const thread = row('session support-42 · 2 turns');
    await thread.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await thread.locator('.label-description').textContent().then((t) => t?.replace(/\d{4}-\d\d-\d\d \d\d:\d\d$/, 'TIME')), 'support · TIME');
    // collapsed at first; a click opens the thread's page, the twistie shows its runs, oldest first
    assert.equal(await thread.getAttribute('aria-expanded'), 'false');
    await thread.locator('.label-name').click();
    if ((await thread.getAttribute('aria-expanded')) !== 'true') await thread.locator('.monaco-tl-twistie').click();
    await row('turn 2').waitFor({ state: 'visible', timeout: 30_000 });
    const shown = await tree();
    const at = shown.findIndex(([, l]) => l === 'session support-42 · 2 turns');
    assert.deepEqual(shown.slice(at, at + 3), [
      [1, 'session support-42 · 2 turns'],
      [2, 'turn 1'],
      [2, 'turn 2'],
    ]);
    assert.match((await row('turn 1').locator('.label-description').textContent()) ?? '', /^support · completed · /);
    // the click opened the thread too: each turn's message, the handoff, the answers
    const page = webview(s.page);
    await page.locator('[data-testid="thread-title"]').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="thread-title"]').textContent(), 'Session support-42 · 2 turns');
    assert.deepEqual(await page.locator('[data-testid="thread-message"] p').allTextContents(), [ASKED, THEN]);
    assert.deepEqual(await page.locator('[data-testid="thread-handoff"]').allTextContents(), ['desk handed the conversation to billing']);
    assert.deepEqual(await page.locator('[data-testid="thread-answer"] p').allTextContents(), ['I have refunded the second charge.', 'Within 5 business days.']);
    assert.deepEqual(await page.locator('[data-testid="thread-answer"] .who').allTextContents(), ['billing', 'desk']);
    await shot(s.page, 'conversations-1-thread');
  });

  it('conversations: forks stand under the run they were forked from, a fork of a fork under its fork', async () => {
    // one webview on screen: the thread's page closed
    await palette(s.page, 'View: Close All Editors');
    await showRuns();
    const root = row('report');
    await root.waitFor({ state: 'visible', timeout: 30_000 });
    // expanded from the start: its forks, oldest first; the first fork's own fork under it
    const shown = await tree();
    const at = shown.findIndex(([, l]) => l === 'report');
    assert.deepEqual(shown.slice(at, at + 4), [
      [1, 'report'],
      [2, 'fork at draft'],
      [3, 'fork at review'],
      [2, 'fork at review'],
    ]);
    // the forks are not listed at the top as well: there, the newest first, the fork tree's root and the thread
    const top = await rows().evaluateAll((rs) => rs.filter((r) => r.getAttribute('aria-level') === '1').map((r) => r.textContent ?? ''));
    assert.deepEqual(shown.filter(([d]) => d === 1).map(([, l]) => l), ['Statistics', 'report', 'session support-42 · 2 turns'], top.join('\n'));
    // a fork's tooltip names its parent and its fork point
    const nested = rows().nth(at + 2);
    await nested.locator('.label-name').hover();
    await s.page.locator('.workbench-hover, .monaco-hover, .custom-hover', { hasText: `forked from run ${ids.atDraft} at review` }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await shot(s.page, 'conversations-2-fork-tree');
    // opening a fork shows its record in the pipeline's panel, as any run
    await nested.click();
    const page = webview(s.page);
    await page.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor({ state: 'visible', timeout: 60_000 });
    await shot(s.page, 'conversations-3-fork-opened');
  });
});
