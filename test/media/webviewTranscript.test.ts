// An agent step in the graph panel, in Debian's chromium (the bundle built from media/webview.ts,
// driven by the messages the extension host posts): its node counts turns and calls as they happen
// and says when a call awaits approval; its step panel shows the conversation — each turn's text and
// figures, each call with its tool, status in words, duration, folded arguments, result or error —
// streamed while it runs, kept open or closed and focused as a person left it while it redraws, and
// the same for the finished step and for its record replayed as the Runs view opens it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { eventsOfRecord } from '../../client/runRecords';
import type { GraphDocument, GraphNode } from '../../engine/plan/graph';
import type { ResultDocument, RunEvent } from '../../engine/run/events';
import { FIRST, FIRST_ENDS, LIST, REST, STEP_ENDED, WORKER_ENDS } from '../helpers/agentConversationEvents';
import { startPanel, type Panel } from '../helpers/panelPage';

const ROOT = path.resolve(__dirname, '../..');
const node = (id: string, tool: string | null, action: string): GraphNode => ({ id, label: id, kind: 'step', tool, action, level: 0, range: null, selectionRange: null, children: null });
const GRAPH: GraphDocument = { nodes: [node('triage', null, 'agent'), node('publish', 'filesystem', 'write')], edges: [{ from: 'triage', to: 'publish', kind: 'explicit' }] };
const URI = 'file:///w/triage.pipeline.yaml';

/** What the transcript shows, read as a person (and a screen reader) meets it. */
async function readTranscript(p: Page, within = '[data-testid="step-panel"] [data-testid="transcript"]') {
  return p.$eval(within, (root) => {
    const text = (e: Element | null | undefined) => e?.textContent ?? null;
    const turns = (box: Element): unknown[] =>
      [...box.querySelectorAll(':scope > ol.turns > li.turn')].map((t) => ({
        turn: t.getAttribute('data-turn'),
        state: t.getAttribute('data-state'),
        answer: t.getAttribute('data-answer'),
        head: text(t.querySelector(':scope > .turn-head')),
        text: text(t.querySelector(':scope > .turn-text')),
        calls: [...t.querySelectorAll(':scope > ol.calls > li.call')].map((c) => {
          const d = c.querySelector(':scope > details')!;
          const sub = d.querySelector(':scope > .sub-agent');
          return {
            status: c.getAttribute('data-status'),
            label: d.querySelector(':scope > summary')!.getAttribute('aria-label'),
            shown: text(d.querySelector(':scope > summary')),
            open: (d as HTMLDetailsElement).open,
            arguments: text(d.querySelector(':scope > .call-arguments > summary')),
            result: text(d.querySelector(':scope > .call-result:not(.long)')) ?? text(d.querySelector(':scope > .call-result.long > summary')),
            error: text(d.querySelector(':scope > .call-error')),
            agent: sub ? { line: text(sub.querySelector(':scope > .agent-line')), label: sub.getAttribute('aria-label'), turns: turns(sub) } : null,
          };
        }),
      }));
    return { line: text(root.querySelector(':scope > .agent-line')), list: root.querySelector(':scope > ol.turns')?.getAttribute('aria-label'), turns: turns(root) };
  });
}

const LIST_ARGS = 'Arguments {"path":"inbox"}';
const LIST_RESULT = `Result (${JSON.stringify(LIST.result, null, 2).length} characters): {"path":"inbox","entries":[{"name":"a.md","path":"inbox/a.m…`;
const REFUSED = "Refused: 'terminal_execute' is not one of the tools you may call (filesystem_list, filesystem_read, filesystem_write, agent__worker).";
const TURN1 = { turn: '1', state: 'ended', answer: null, head: 'Turn 1 · openai:gpt-4o-mini · 100 in / 10 out tokens · $0.0001 · 401 ms', text: 'Let me look.' };
const call = (status: string, label: string, shown: string, args: string, result: string | null, error: string | null = null, agent: unknown = null) => ({ status, label, shown, open: true, arguments: args, result, error, agent });

/** The finished conversation, as the live panel ends and as the Runs view shows the record. */
const FINISHED = {
  line: 'answered · 3 turns · 5 tool calls',
  list: 'Turns of the agent',
  turns: [
    {
      ...TURN1,
      calls: [
        call('ok', 'filesystem.list: ok, 30 ms', 'filesystem.list ok 30 ms', LIST_ARGS, LIST_RESULT),
        call('ok', 'filesystem.read: ok, 5 ms', 'filesystem.read ok 5 ms', 'Arguments {"path":"inbox/a.md"}', 'Result: A: the export loses rows'),
        call('denied', 'filesystem.write: denied, 900 ms', 'filesystem.write denied 900 ms', 'Arguments {"path":"report.md","content":"# Report"}', null, 'Denied: The call was denied by the person running the pipeline.'),
        call('refused', 'terminal_execute: refused, 0 ms', 'terminal_execute refused 0 ms', 'Arguments {"command":"rm -rf /"}', null, REFUSED),
      ],
    },
    {
      turn: '2',
      state: 'ended',
      answer: null,
      head: 'Turn 2 · openai:gpt-4o-mini · 200 in / 20 out tokens · $0.0002 · 402 ms',
      text: null,
      calls: [
        call('ok', 'agent:worker: ok, 2.0 s', 'agent:worker ok 2.0 s', 'Arguments {"prompt":"Rank inbox/b.md"}', 'Result (91 characters): {"answer":"B is minor.","stop_reason":"answered","turns":2,…', null, {
          line: 'Agent worker · answered · 2 turns · 1 tool call',
          label: 'Agent worker',
          turns: [
            { turn: '1', state: 'ended', answer: null, head: 'Turn 1 · openai:gpt-4o-mini · 100 in / 10 out tokens · $0.0001 · 401 ms', text: null, calls: [call('ok', 'filesystem.read: ok, 4 ms', 'filesystem.read ok 4 ms', 'Arguments {"path":"inbox/b.md"}', 'Result: B: a typo')] },
            { turn: '2', state: 'ended', answer: 'true', head: 'Turn 2 · openai:gpt-4o-mini · 200 in / 20 out tokens · $0.0002 · 402 ms · final answer', text: 'B is minor.', calls: [] },
          ],
        }),
      ],
    },
    { turn: '3', state: 'ended', answer: 'true', head: 'Turn 3 · openai:gpt-4o-mini · 300 in / 30 out tokens · $0.0003 · 403 ms · final answer', text: 'One report is critical.', calls: [] },
  ],
};

describe('webview: an agent step\'s conversation in the graph panel', function () {
  this.timeout(60000);
  let panel: Panel;
  before(async () => {
    panel = await startPanel();
  });
  after(async () => {
    await panel?.close();
  });

  const post = (p: Page, msg: unknown) => p.evaluate((m) => window.postMessage(m, '*'), msg);
  const events = (p: Page, evs: RunEvent[]) => post(p, { type: 'run-events', runId: 'r1', events: evs });
  const nodeFacts = (p: Page) => p.$eval('.node[data-step-id="triage"]', (g) => ({ status: g.getAttribute('data-status'), detail: g.querySelector('.detail')?.textContent, badge: g.querySelector('.badge')?.textContent, waiting: g.getAttribute('data-waiting') }));
  let finishedHtml = '';

  it('counts turns and calls on the node and fills the transcript in as the events come, calls ending out of order', async () => {
    const p = await panel.open({ consoleErrors: true });
    await post(p, { type: 'graph', uri: URI, pipelineId: 'triage', graph: GRAPH, problem: null });
    await p.waitForSelector('.node[data-step-id="triage"][data-status]');
    await post(p, { type: 'run-reset', runId: 'r1', reused: [] });
    await events(p, FIRST);
    await p.waitForSelector('.node[data-step-id="triage"][data-agent="turn 1 · 0 calls"]');
    await p.click('.node[data-step-id="triage"]');
    await p.waitForSelector('[data-testid="transcript"]');
    // the first turn streams: its text so far, waiting for its figures
    assert.deepEqual(await readTranscript(p), { line: 'turn 1 · 0 tool calls', list: 'Turns of the agent', turns: [{ turn: '1', state: 'running', answer: null, head: 'Turn 1 · openai:gpt-4o-mini · answering…', text: 'Let me lo', calls: [] }] });
    assert.deepEqual(await p.locator('[data-testid="step-panel"] section h3').allTextContents(), ['Inputs', 'Conversation'], 'the streamed text is in its turn, not in an Output of its own');

    await events(p, FIRST_ENDS);
    await p.waitForSelector('.node[data-step-id="triage"][data-waiting="true"]');
    assert.deepEqual(await nodeFacts(p), { status: 'running', detail: 'turn 1 · 4 calls', badge: 'awaits approval', waiting: 'true' });
    await p.waitForSelector('li.call[data-call-id="c3"][data-status="waiting"]');
    assert.deepEqual(await readTranscript(p), {
      line: 'turn 1 · 4 tool calls · 1 awaits approval',
      list: 'Turns of the agent',
      turns: [
        {
          ...TURN1,
          calls: [
            call('running', 'filesystem.list: running', 'filesystem.list running', LIST_ARGS, null),
            call('ok', 'filesystem.read: ok, 5 ms', 'filesystem.read ok 5 ms', 'Arguments {"path":"inbox/a.md"}', 'Result: A: the export loses rows'),
            call('waiting', 'filesystem.write: awaits approval', 'filesystem.write awaits approval', 'Arguments {"path":"report.md","content":"# Report"}', null),
            call('refused', 'terminal_execute: refused, 0 ms', 'terminal_execute refused 0 ms', 'Arguments {"command":"rm -rf /"}', null, REFUSED),
          ],
        },
      ],
    });
    // the lists are ordered lists, each call's summary names its tool and status
    assert.deepEqual(await p.$$eval('[data-testid="transcript"] ol', (ls) => ls.map((l) => l.getAttribute('aria-label'))), ['Turns of the agent', 'Tool calls of turn 1']);

    // a person closes the read call from the keyboard; the panel redraws as the run goes on and
    // keeps it closed, with the focus where it was
    const readSummary = p.locator('li.call[data-call-id="c2"] > details > summary');
    await readSummary.focus();
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => !(document.querySelector('li.call[data-call-id="c2"] > details') as HTMLDetailsElement).open);
    await events(p, REST);
    await p.waitForSelector('li.call[data-call-id="c5"][data-status="running"] .sub-agent');
    assert.equal(await p.$eval('li.call[data-call-id="c2"] > details', (d) => (d as HTMLDetailsElement).open), false);
    assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'filesystem.read: ok, 5 ms');
    // Tab goes on to the next call (the closed one's arguments are out of the way)
    await p.keyboard.press('Tab');
    assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'filesystem.write: denied, 900 ms');
    await readSummary.focus();
    await p.keyboard.press('Enter');
    // the named agent runs under the call that started it, its second turn streaming
    const live = await readTranscript(p);
    assert.deepEqual((live.turns[1] as { calls: { agent: unknown }[] }).calls[0].agent, {
      line: 'Agent worker · turn 2 · 1 tool call',
      label: 'Agent worker',
      turns: [
        { turn: '1', state: 'ended', answer: null, head: 'Turn 1 · openai:gpt-4o-mini · 100 in / 10 out tokens · $0.0001 · 401 ms', text: null, calls: [call('ok', 'filesystem.read: ok, 4 ms', 'filesystem.read ok 4 ms', 'Arguments {"path":"inbox/b.md"}', 'Result: B: a typo')] },
        { turn: '2', state: 'running', answer: null, head: 'Turn 2 · openai:gpt-4o-mini · answering…', text: 'B is', calls: [] },
      ],
    });
    // the badge counts the time the step has run (read once: a second read may fall in the next second)
    const running = await nodeFacts(p);
    assert.match(running.badge ?? '', /^\d+m \d+s$/);
    assert.deepEqual(running, { status: 'running', detail: 'turn 2 · 5 calls', badge: running.badge, waiting: 'false' });

    await events(p, [...WORKER_ENDS, STEP_ENDED]);
    await p.waitForSelector('.node[data-step-id="triage"][data-status="completed"]');
    await p.waitForSelector('[data-testid="agent-line"]:text("answered")');
    assert.deepEqual(await nodeFacts(p), { status: 'completed', detail: '3 turns · 5 calls', badge: '2.5 s', waiting: 'false' });
    assert.deepEqual(await readTranscript(p), FINISHED);
    assert.deepEqual(await p.locator('[data-testid="step-panel"] section h3').allTextContents(), ['Inputs', 'Conversation', 'Result']);
    // a long result is folded: its summary opens it
    await p.click('li.call[data-call-id="c1"] .call-result.long > summary');
    assert.equal(await p.textContent('li.call[data-call-id="c1"] .call-result.long pre'), JSON.stringify(LIST.result, null, 2));
    await p.click('li.call[data-call-id="c1"] .call-result.long > summary');
    fs.mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    await p.locator('[data-testid="step-panel"]').screenshot({ path: path.join(ROOT, 'test-artifacts', 'step-panel-transcript.png') });
    finishedHtml = await p.$eval('[data-testid="transcript"]', (e) => e.outerHTML);
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it("shows a finished run's record, replayed as the Runs view opens it, as the live panel ended", async () => {
    const p = await panel.open({ consoleErrors: true });
    await post(p, { type: 'graph', uri: URI, pipelineId: 'triage', graph: GRAPH, problem: null });
    await p.waitForSelector('.node[data-step-id="triage"][data-status]');
    const step = (STEP_ENDED as Extract<RunEvent, { type: 'step-ended' }>).result;
    const doc: ResultDocument = { pipeline_id: 'triage', execution_id: 'r1', status: 'completed', success: true, outputs: {}, steps: { triage: { ...step, started_at: '2025-01-01T00:00:00.000Z', ended_at: '2025-01-01T00:00:02.500Z' } }, execution_order: ['triage', 'publish'], execution_levels: [['triage'], ['publish']], failed_steps: [], skipped_steps: [], started_at: '2025-01-01T00:00:00.000Z', ended_at: '2025-01-01T00:00:03.000Z', duration_ms: 3000, tokens_in: 900, tokens_out: 90, cost_usd: 0.0009 };
    await post(p, { type: 'run-reset', runId: 'r1', reused: [] });
    await events(p, eventsOfRecord(JSON.parse(JSON.stringify(doc)) as ResultDocument));
    await p.waitForSelector('.node[data-step-id="triage"][data-status="completed"]');
    assert.deepEqual(await nodeFacts(p), { status: 'completed', detail: '3 turns · 5 calls', badge: '2.5 s', waiting: 'false' });
    await p.click('.node[data-step-id="triage"]');
    await p.waitForSelector('[data-testid="transcript"]');
    assert.deepEqual(await readTranscript(p), FINISHED);
    assert.equal(await p.$eval('[data-testid="transcript"]', (e) => e.outerHTML), finishedHtml);
    // a new run clears it: the node says what it runs again
    await post(p, { type: 'run-reset', runId: 'r2', reused: [] });
    await p.waitForSelector('.node[data-step-id="triage"][data-status="pending"]');
    assert.equal(await p.textContent('.node[data-step-id="triage"] .detail'), 'agent');
    assert.equal(await p.locator('[data-testid="transcript"]').count(), 0);
    assert.deepEqual(p.errors, []);
    await p.close();
  });
});
