// Recorded runs: a record replayed as the panel's events, and two runs compared step by step.
import { strict as assert } from 'node:assert';
import { emptyStepResult, type ResultDocument, type StepResult } from '../../engine/run/events';
import { compareHtml } from '../../client/compareHtml';
import { canonical, compareRuns, eventsOfRecord } from '../../client/runRecords';

const step = (status: StepResult['status'], result: unknown, duration: number, cost = 0, ended = '2026-11-22T10:00:01.000Z'): StepResult => ({ ...emptyStepResult(status), success: status === 'completed', result, duration_ms: duration, cost_usd: cost, started_at: '2026-11-22T10:00:00.000Z', ended_at: ended });

function doc(id: string, steps: Record<string, StepResult>): ResultDocument {
  return { pipeline_id: 'p', execution_id: id, status: 'completed', success: true, outputs: {}, steps, execution_order: Object.keys(steps), execution_levels: [Object.keys(steps)], failed_steps: [], skipped_steps: [], started_at: '2026-11-22T10:00:00.000Z', ended_at: '2026-11-22T10:00:03.000Z', duration_ms: 3000, tokens_in: 0, tokens_out: 0, cost_usd: 0 } as ResultDocument;
}

describe('recorded runs', () => {
  it('replays a record as the events the panel draws: start, each step in the order it ended, end', () => {
    const d = doc('r1', { b: step('completed', 1, 100, 0, '2026-11-22T10:00:02.000Z'), a: step('failed', null, 50, 0, '2026-11-22T10:00:01.000Z') });
    const ev = eventsOfRecord(d);
    assert.deepEqual(ev.map((e) => (e.type === 'step-ended' ? `${e.type} ${e.stepId} ${e.result.status}` : e.type)), ['run-started', 'step-ended a failed', 'step-ended b completed', 'run-ended']);
    assert.equal(ev[0].type === 'run-started' && ev[0].executionId, 'r1');
  });

  it('compares two runs per step: status, duration, cost, whether the result changed, and steps in one run only', () => {
    const a = doc('r1', { fetch: step('completed', { n: 1, list: [1, 2] }, 100), sum: step('completed', 'three', 200, 0.01), old: step('completed', 'x', 5) });
    const b = doc('r2', { fetch: step('completed', { list: [1, 2], n: 1 }, 140), sum: step('completed', 'four', 210, 0.02), added: step('completed', 'y', 7) });
    assert.deepEqual(compareRuns(a, b), [
      { step: 'fetch', a: { status: 'completed', duration_ms: 100, cost_usd: 0, result: { n: 1, list: [1, 2] } }, b: { status: 'completed', duration_ms: 140, cost_usd: 0, result: { list: [1, 2], n: 1 } }, changed: false },
      { step: 'sum', a: { status: 'completed', duration_ms: 200, cost_usd: 0.01, result: 'three' }, b: { status: 'completed', duration_ms: 210, cost_usd: 0.02, result: 'four' }, changed: true },
      { step: 'old', a: { status: 'completed', duration_ms: 5, cost_usd: 0, result: 'x' }, b: null, changed: false },
      { step: 'added', a: null, b: { status: 'completed', duration_ms: 7, cost_usd: 0, result: 'y' }, changed: false },
    ]);
    assert.equal(canonical({ b: 1, a: { d: 2, c: 3 } }), '{"a":{"c":3,"d":2},"b":1}');
  });

  it('draws the comparison as a static page: the changed step marked, both results shown, no script', () => {
    const a = doc('r1', { sum: step('completed', 'three', 200) });
    const b = doc('r2', { sum: step('completed', '<four>', 210) });
    const html = compareHtml(compareRuns(a, b), { a: 'p · r1', b: 'p · r2' }, { nonce: 'n0nce', cspSource: 'vscode-resource:' });
    assert.match(html, /<tr data-step-id="sum" data-changed="true"><th scope="row">sum <span class="badge">changed<\/span><\/th>/);
    assert.match(html, /<pre>&quot;three&quot;<\/pre><\/td><td colspan="3"><pre>&quot;&lt;four&gt;&quot;<\/pre>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'nonce-n0nce'/);
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /1 step, 1 changed/);
  });
});
