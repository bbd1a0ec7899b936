// The graph panel's transcript with a handoff, the images and files given to a model, a result's
// images, and the chat input, in Debian's chromium (the bundle built from media/webview.ts, driven by
// the messages the extension host posts): the handoff is a row of its own (`triage → billing: the
// turn's text`) with billing named on the turns after it, live and from the record; a model step's
// images are thumbnails (data: URIs, which the panel's CSP allows) with path and size, a file a chip;
// the chat input sends its message, is disabled while the run goes on and selects the agent step of
// the run the message started.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { AgentStepResult } from '../../engine/agent/types';
import type { GraphDocument, GraphNode } from '../../engine/plan/graph';
import { emptyStepResult, type RunEvent } from '../../engine/run/events';
import { at, call, MODEL, pending, top, turn } from '../helpers/agentConversationEvents';
import { startPanel, type Panel } from '../helpers/panelPage';

const node = (id: string, tool: string | null, action: string): GraphNode => ({ id, label: id, kind: 'step', tool, action, level: 0, range: null, selectionRange: null, children: null });
const GRAPH: GraphDocument = { nodes: [node('triage', null, 'agent'), node('shoot', 'headless-browser', 'screenshot')], edges: [{ from: 'triage', to: 'shoot', kind: 'explicit' }] };
const URI = 'file:///w/support.pipeline.yaml';
/** A 1×1 PNG. */
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const TRANSFER = call('h1', 'transfer_to_billing', {}, 1, { result: { handoff_to: 'billing' }, duration_ms: 0 });
const T1 = turn(1, 'This is about a refund: billing takes it.', ['h1']);
const T2 = turn(2, 'Your refund of $20 is on its way.', [], { agent: 'billing' });
const RESULT: AgentStepResult = {
  answer: T2.text,
  stop_reason: 'answered',
  turns: 2,
  tool_calls: [TRANSFER],
  transcript: [{ ...T1, handoff: 'billing' }, T2],
  handoffs: [{ to: 'billing', turn: 1 }],
  session: { id: 'alice', loaded: 2, stored: 6 },
  tokens_in: 300,
  tokens_out: 30,
  cost_usd: 0.0003,
};
const INPUTS = { prompt: 'I want my $20 back', images: ['receipt.png'], files: 'docs/policy.pdf' };
const LIVE: RunEvent[] = [
  { type: 'run-started', time: 0, executionId: 'r1', pipelineId: 'support', steps: ['triage', 'shoot'], levels: [['triage'], ['shoot']], resumed: false },
  { type: 'step-started', ...at(1), attempt: 1, inputs: INPUTS, action: 'agent' },
  { type: 'agent-turn-started', ...at(2), agent: top, turn: 1, model: MODEL },
  { type: 'agent-turn-ended', ...at(3), agent: top, turn: T1, calls: [pending(TRANSFER)] },
  { type: 'tool-call-started', ...at(4), agent: top, turn: 1, call: pending(TRANSFER), approval: false },
  { type: 'tool-call-ended', ...at(5), agent: top, call: TRANSFER },
  { type: 'agent-handoff', ...at(6), agent: top, turn: 1, from: 'triage', to: 'billing' },
  { type: 'agent-turn-started', ...at(7), agent: top, turn: 2, model: MODEL },
];
const ENDS: RunEvent[] = [
  { type: 'agent-turn-ended', ...at(8), agent: top, turn: T2, calls: [] },
  { type: 'agent-ended', ...at(9), agent: top, stop_reason: 'answered', turns: 2, tool_calls: 1, answer: T2.text },
  { type: 'step-ended', ...at(10), result: { ...emptyStepResult('completed'), success: true, result: RESULT, model: MODEL, duration_ms: 900, tokens_in: 300, tokens_out: 30, cost_usd: 0.0003 } },
];

/** The transcript's rows in order: each turn's head, each handoff's text. */
const rows = (p: Page) =>
  p.$$eval('[data-testid="step-panel"] [data-testid="transcript"] > ol.turns > li', (lis) => lis.map((li) => (li.classList.contains('handoff') ? { handoff: li.textContent, label: li.getAttribute('aria-label') } : { head: li.querySelector('.turn-head')?.textContent })));

describe('graph panel: handoffs, images and files, the chat input', function () {
  this.timeout(60_000);
  let panel: Panel;
  before(async () => {
    panel = await startPanel();
  });
  after(async () => {
    await panel?.close();
  });
  const post = (p: Page, msg: unknown) => p.evaluate((m) => window.postMessage(m, '*'), msg);
  const events = (p: Page, evs: RunEvent[]) => post(p, { type: 'run-events', runId: 'r1', events: evs });
  const posted = (p: Page) => p.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);

  it('shows the handoff as a row of its own, the new agent named on the turns after it, live and from the record', async () => {
    const p = await panel.open({ consoleErrors: true });
    await post(p, { type: 'graph', uri: URI, pipelineId: 'support', graph: GRAPH, problem: null });
    await p.waitForSelector('.node[data-step-id="triage"][data-status]');
    await post(p, { type: 'run-reset', runId: 'r1', reused: [] });
    await events(p, LIVE);
    await p.click('.node[data-step-id="triage"]');
    await p.waitForSelector('li.handoff');
    const handoff = { handoff: '⇄triage → billing: This is about a refund: billing takes it.', label: 'Handed off from triage to billing at turn 1' };
    assert.deepEqual(await rows(p), [{ head: 'Turn 1 · openai:gpt-4o-mini · 100 in / 10 out tokens · $0.0001 · 401 ms' }, handoff, { head: 'Turn 2 · billing · openai:gpt-4o-mini · waiting for the model…' }]);
    await events(p, ENDS);
    await p.waitForSelector('[data-testid="session-line"]');
    const finished = [{ head: 'Turn 1 · openai:gpt-4o-mini · 100 in / 10 out tokens · $0.0001 · 401 ms' }, handoff, { head: 'Turn 2 · billing · openai:gpt-4o-mini · 200 in / 20 out tokens · $0.0002 · 402 ms · final answer' }];
    assert.deepEqual(await rows(p), finished);
    assert.equal(await p.textContent('[data-testid="session-line"]'), 'Session alice · 2 earlier messages loaded · 6 messages kept');
    // the record alone, as the Runs view replays it
    await post(p, { type: 'run-reset', runId: 'r2', reused: [] });
    await post(p, { type: 'run-events', runId: 'r2', events: [LIVE[0], LIVE[1], ENDS[2]] });
    await p.waitForSelector('[data-testid="session-line"]');
    assert.deepEqual(await rows(p), finished);
    assert.deepEqual(p.errors, []);
  });

  it("shows the images given to the model as thumbnails with path and size, a file as a chip, and a result's images", async () => {
    const p = await panel.open({ consoleErrors: true });
    await post(p, { type: 'graph', uri: URI, pipelineId: 'support', graph: GRAPH, problem: null });
    await p.waitForSelector('.node[data-step-id="triage"][data-status]');
    await post(p, { type: 'run-reset', runId: 'r1', reused: [] });
    await events(p, [...LIVE, ...ENDS]);
    await p.click('.node[data-step-id="triage"]');
    await p.waitForSelector('[data-testid="given"]');
    // asked of the extension once, in the order the step gave them
    await p.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'parts-wanted'));
    assert.deepEqual((await posted(p)).filter((m) => m.type === 'parts-wanted'), [{ type: 'parts-wanted', parts: [{ ref: 'receipt.png', kind: 'image' }, { ref: 'docs/policy.pdf', kind: 'file' }] }]);
    assert.equal(await p.textContent('[data-testid="given"]'), 'With the prompt:🖼receipt.pngreading…📄policy.pdfreading…');
    await post(p, { type: 'parts', parts: [{ ref: 'receipt.png', kind: 'image', mediaType: 'image/png', bytes: 70, src: PNG }, { ref: 'docs/policy.pdf', kind: 'file', mediaType: 'application/pdf', bytes: 20480 }] });
    await p.waitForSelector('[data-testid="given"] figure[data-testid="part-image"] img');
    // loaded under the page's CSP (a blocked image has no natural size)
    await p.waitForFunction(() => (document.querySelector('[data-testid="given"] img') as HTMLImageElement | null)?.naturalWidth === 1);
    assert.deepEqual(
      await p.$$eval('[data-testid="given"] [data-ref]', (els) => els.map((e) => ({ testid: e.getAttribute('data-testid'), text: e.textContent, title: e.getAttribute('title') }))),
      [
        { testid: 'part-image', text: 'receipt.png70 B', title: 'Image receipt.png, 70 B' },
        { testid: 'part-file', text: '📄policy.pdf20 KB', title: 'File docs/policy.pdf, 20 KB' },
      ],
    );
    // the transcript's order: the given parts before the first turn
    assert.deepEqual(await p.$$eval('[data-testid="transcript"] > *', (els) => els.map((e) => e.className)), ['agent-line', 'session-line', 'given', 'turns']);

    // a screenshot step: its result names the image it wrote
    await events(p, [
      { type: 'step-started', time: 11, stepId: 'shoot', scope: [], attempt: 1, inputs: { url: 'http://127.0.0.1/', path: 'shot.png' }, tool: 'headless-browser' },
      { type: 'step-ended', time: 12, stepId: 'shoot', scope: [], result: { ...emptyStepResult('completed'), success: true, result: { url: 'http://127.0.0.1/', path: 'shot.png', width: 1, height: 1, file_size: 70 }, duration_ms: 40 } },
    ]);
    await p.click('.node[data-step-id="shoot"]');
    await p.waitForSelector('[data-testid="result-images"]');
    await post(p, { type: 'parts', parts: [{ ref: 'shot.png', kind: 'image', mediaType: 'image/png', bytes: 70, src: PNG }] });
    await p.waitForSelector('[data-testid="result-images"] img');
    assert.deepEqual(await p.locator('[data-testid="step-panel"] section h3').allTextContents(), ['Inputs', 'Result', 'Image']);
    assert.equal(await p.textContent('[data-testid="result-images"]'), 'shot.png70 B');
    // a missing file says so, not a broken image
    await post(p, { type: 'run-reset', runId: 'r3', reused: [] });
    await events(p, [{ type: 'step-ended', time: 12, stepId: 'shoot', scope: [], result: { ...emptyStepResult('completed'), success: true, result: { path: 'gone.png' }, duration_ms: 40 } }]);
    await p.waitForSelector('[data-testid="result-images"] [data-ref="gone.png"]');
    await post(p, { type: 'parts', parts: [{ ref: 'gone.png', kind: 'image', mediaType: 'image/png', bytes: null, problem: 'no such file in the workspace' }] });
    await p.waitForSelector('[data-testid="result-images"] .part-problem');
    assert.equal(await p.textContent('[data-testid="result-images"]'), '🖼gone.pngno such file in the workspace');
    assert.deepEqual(p.errors, []);
  });

  it('sends a message from the chat input, disabled while the run goes on, and opens the agent step of the run it started', async () => {
    const p = await panel.open({ consoleErrors: true });
    await post(p, { type: 'graph', uri: URI, pipelineId: 'support', graph: GRAPH, problem: null });
    await p.waitForSelector('.node[data-step-id="triage"][data-status]');
    assert.equal(await p.isVisible('[data-testid="chat"]'), false, 'no chat input until the extension offers one');
    await post(p, { type: 'chat', target: { step: 'triage', messageParam: 'message', session: 'alice' } });
    await p.waitForSelector('[data-testid="chat"]', { state: 'visible' });
    assert.equal(await p.textContent('[data-testid="chat"] label'), 'Session alice');
    assert.equal(await p.getAttribute('[data-testid="chat-input"]', 'placeholder'), 'Message to triage: Enter sends it');
    assert.equal(await p.isDisabled('[data-testid="chat-send"]'), true, 'nothing to send yet');
    await p.fill('[data-testid="chat-input"]', '  Where is my refund?  ');
    await p.press('[data-testid="chat-input"]', 'Enter');
    assert.deepEqual((await posted(p)).filter((m) => m.type === 'chat-send'), [{ type: 'chat-send', message: 'Where is my refund?' }]);
    assert.equal(await p.inputValue('[data-testid="chat-input"]'), '');
    assert.equal(await p.isDisabled('[data-testid="chat-input"]'), true, 'disabled until its run has started and ended');
    // the run the message started: the panel follows it, the agent step's conversation shown; the
    // input stays disabled while the reset panel waits for the run's first events, and when the
    // extension says the session again as the run opens
    await post(p, { type: 'run-reset', runId: 'r1', reused: [] });
    await post(p, { type: 'chat', target: { step: 'triage', messageParam: 'message', session: 'alice' } });
    await p.waitForSelector('[data-testid="step-panel"] h2');
    assert.equal(await p.isDisabled('[data-testid="chat-input"]'), true, 'not enabled between the reset and the run');
    await events(p, LIVE);
    await p.waitForSelector('[data-testid="step-panel"] h2');
    assert.equal(await p.textContent('[data-testid="step-panel"] h2'), 'triage');
    assert.equal(await p.isDisabled('[data-testid="chat-input"]'), true);
    assert.equal(await p.getAttribute('[data-testid="chat-input"]', 'placeholder'), 'Waiting for the run to end…');
    await events(p, [...ENDS, { type: 'run-ended', time: 20, result: { status: 'completed', tokens_in: 300, tokens_out: 30, cost_usd: 0.0003, steps: {} } } as unknown as RunEvent]);
    await p.waitForSelector('[data-testid="chat-input"]:not([disabled])');
    // the input has its focus back, for the next message
    assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'chat-input');
    // a refused message's run (a notice says why): the input comes back
    await p.fill('[data-testid="chat-input"]', 'again');
    await p.press('[data-testid="chat-input"]', 'Enter');
    assert.equal(await p.isDisabled('[data-testid="chat-input"]'), true);
    await post(p, { type: 'notice', level: 'error', text: 'support.pipeline.yaml does not compile: nothing ran.' });
    await p.waitForSelector('[data-testid="chat-input"]:not([disabled])');
    // a message whose run did not start, with no notice (a dismissed prompt): the extension's answer after it brings the input back
    await p.fill('[data-testid="chat-input"]', 'once more');
    await p.press('[data-testid="chat-input"]', 'Enter');
    assert.equal(await p.isDisabled('[data-testid="chat-input"]'), true);
    await post(p, { type: 'chat', target: { step: 'triage', messageParam: 'message', session: 'alice' }, ended: true });
    await p.waitForSelector('[data-testid="chat-input"]:not([disabled])');
    // the document lost its session: no chat input
    await post(p, { type: 'chat', target: null });
    await p.waitForSelector('[data-testid="chat"]', { state: 'hidden' });
    assert.deepEqual(p.errors, []);
  });
});
