// The pipeline panel's state of guards and budgets (media/runState.ts): a step's checks live from
// `guardrail` events and then from its result, reset when it runs again; each budget's ledger live
// from `budget` events (the run's first) and then from the result document.
import { strict as assert } from 'node:assert';
import { emptyStepResult, type ResultDocument, type RunEvent } from '../../../engine/run/events';
import { applyEvents, emptyRun } from '../../../media/runState';

const started = (stepId: string, attempt = 1): RunEvent => ({ type: 'step-started', time: 1, stepId, scope: [], attempt, inputs: {}, tool: null, action: 'generate' }) as RunEvent;
const budget = (name: string, stepId: string | null, spentUsd: number, spent = false): RunEvent => ({ type: 'budget', time: 2, stepId, budget: name, spent_usd: spentUsd, spent_tokens: 10, held_usd: 0, held_tokens: 0, max_cost_usd: 0.05, max_tokens: null, spent });

describe('guard: the panel state of guards and budgets', () => {
  it("a step's checks arrive live, are replaced by its result's, and start again with the step", () => {
    const line = { guard: 'no-promises', stage: 'output' as const, passed: false, action: 'block' as const, reason: 'matched' };
    let { run, changed } = applyEvents(emptyRun(), [
      { type: 'run-started', time: 0, pipelineId: 'p', executionId: 'r1', steps: ['reply'], resumed: false } as RunEvent,
      started('reply'),
      { type: 'guardrail', time: 3, stepId: 'reply', scope: [], duration_ms: 0.2, guard: 'pii', stage: 'input', passed: true, action: 'pass', reason: null },
      { type: 'guardrail', time: 4, stepId: 'reply', scope: [], duration_ms: 0.1, ...line },
    ]);
    assert.ok(changed.has('reply'));
    assert.deepEqual(run.steps.reply.guards, [{ guard: 'pii', stage: 'input', passed: true, action: 'pass', reason: null }, line]);
    ({ run } = applyEvents(run, [{ type: 'step-ended', time: 5, stepId: 'reply', scope: [], result: { ...emptyStepResult('failed'), guardrails: [line] } }]));
    assert.deepEqual(run.steps.reply.guards, [line]);
    ({ run } = applyEvents(run, [started('reply')]));
    assert.deepEqual(run.steps.reply.guards, []);
  });

  it("each budget's ledger: the run's first, updated in place, then the result document's", () => {
    let { run } = applyEvents(emptyRun(), [budget("step 'a''s budget", 'a', 0.001), budget("the run's budget", null, 0.001), budget("step 'a''s budget", 'a', 0.002), budget("the run's budget", null, 0.002, true)]);
    assert.deepEqual(run.budget.map((b) => [b.budget, b.spent_usd, b.spent]), [["the run's budget", 0.002, true], ["step 'a''s budget", 0.002, false]]);
    const doc = { status: 'failed', tokens_in: 0, tokens_out: 0, cost_usd: 0, steps: {}, budget: [{ budget: "the run's budget", step: null, spent_usd: 0.003, spent_tokens: 30, held_usd: 0, held_tokens: 0, max_cost_usd: 0.05, max_tokens: null, spent: true }] } as unknown as ResultDocument;
    ({ run } = applyEvents(run, [{ type: 'run-ended', time: 9, result: doc }]));
    assert.deepEqual(run.budget, doc.budget);
  });
});
