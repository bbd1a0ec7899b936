// A session's thread as one page: each run's message, the agent's turns (text, calls, handoffs)
// and its answer, only from the steps that continued that session.
import { strict as assert } from 'node:assert';
import type { AgentStepResult, ResultDocument } from '../../engine/api/index';
import { sessionSteps, threadHtml } from '../../client/threadHtml';

const agent = (session: string, over: Partial<AgentStepResult>): AgentStepResult => ({ answer: 'ok', stop_reason: 'answered', turns: 1, tool_calls: [], transcript: [], tokens_in: 0, tokens_out: 0, cost_usd: 0, session: { id: session, loaded: 0, stored: 2 }, ...over });
const doc = (steps: Record<string, unknown>): ResultDocument => ({ execution_order: Object.keys(steps), steps: Object.fromEntries(Object.entries(steps).map(([k, result]) => [k, { status: 'completed', result }])) }) as unknown as ResultDocument;
const turn = (n: number, text: string, extra = {}) => ({ turn: n, model: 'openai:gpt-4o-mini', text, tool_calls: [], tokens_in: 0, tokens_out: 0, cost_usd: 0, latency_ms: 0, ...extra });

describe('the thread page', () => {
  it("shows the session's agent steps only, the handoff and who answered, escaped", () => {
    const first = agent('s1', {
      answer: 'Refunded <b>now</b>.',
      transcript: [turn(1, '', { handoff: 'billing' }), turn(2, 'Refunded <b>now</b>.', { agent: 'billing' })],
      tool_calls: [{ id: 'c1', tool: 'transfer_to_billing', arguments: {}, result: { handoff_to: 'billing' }, status: 'ok', duration_ms: 0, turn: 1 }],
      handoffs: [{ to: 'billing', turn: 1 }],
    });
    const d = doc({ desk: first, other: agent('s2', {}), plain: 'text' });
    assert.deepEqual(sessionSteps(d, 's1').map(([id]) => id), ['desk']);
    const html = threadHtml('s1', [{ runId: 'r1', doc: d, message: 'Charged twice?', status: 'completed', started_at: '2026-11-26T10:00:00.000Z' }], { nonce: 'n', cspSource: 'x' });
    assert.match(html, /<h2 data-testid="thread-title">Session s1 · 1 turn<\/h2>/);
    assert.match(html, /<span class="who">you<\/span><p>Charged twice\?<\/p>/);
    assert.match(html, /desk handed the conversation to <strong>billing<\/strong>/);
    assert.match(html, /<span class="who">billing<\/span><p>Refunded &lt;b&gt;now&lt;\/b&gt;\.<\/p>/);
    // the transfer is the handoff line, not a call; the answering turn is the answer, not a turn of its own
    assert.doesNotMatch(html, /transfer_to_billing/);
    assert.equal((html.match(/class="turn"/g) ?? []).length, 1);
  });

  it('says when a run has no record yet', () => {
    const html = threadHtml('s1', [{ runId: 'r2', doc: null, message: null, status: 'running', started_at: '' }], { nonce: 'n', cspSource: 'x' });
    assert.match(html, /This run has no record to show yet/);
  });
});
