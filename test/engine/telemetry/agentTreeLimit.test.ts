// #63 leftovers: a step stopped by the bound of its whole tree of agents (`agent_tree`) is a stop at
// a limit like max_turns: the eval's trajectory assertions say so, and its agent span is an
// AgentLimitError (both lists of limits had only the four per-agent ones).
import { strict as assert } from 'node:assert';
import type { AgentStepResult } from '../../../engine/agent/types';
import type { EvalAssertion } from '../../../engine/eval/evalFile';
import { TRAJECTORY_CHECKS } from '../../../engine/eval/trajectory';
import type { ResultDocument, RunEvent, StepResult } from '../../../engine/run/events';
import { startTelemetry, type Telemetry } from '../../../engine/telemetry/index';
import { Redactor } from '../../../engine/toolkit/redact';
import { OtlpReceiver } from '../../fixtures/otlpReceiver';

const result = (stop: AgentStepResult['stop_reason']): AgentStepResult => ({ answer: null, stop_reason: stop, turns: 12, tool_calls: [], transcript: [], tokens_in: 0, tokens_out: 0, cost_usd: 0 });

describe('hardening #63: agent_tree is a limit everywhere limits are listed', function () {
  this.timeout(20_000);

  it("the eval's max_turns assertion says the loop stopped at its limit: agent_tree", () => {
    const out = TRAJECTORY_CHECKS.max_turns({ kind: 'max_turns', operand: 3 } as unknown as EvalAssertion, result('agent_tree'), (v) => v);
    assert.deepEqual(out, { expected: '<= 3', actual: 12, pass: false, reason: 'the agent took 12 turns, more than 3 (the loop stopped at its limit: agent_tree)' });
  });

  it('the invoke_agent span of a named agent stopped by the tree bound is an AgentLimitError', async () => {
    const receiver = await new OtlpReceiver().start();
    try {
      const telemetry = (await startTelemetry({ exporters: [{ url: `${receiver.origin}/v1/traces`, fromEnv: false, protocol: 'http/protobuf' }], defaultServiceName: 'orc-test', captureContent: false, metrics: null }, '0.0.0')) as Telemetry;
      const on = telemetry.forRun({ pipelineId: 'tree', redactor: new Redactor({}) }).listeners![0];
      const t0 = Date.now();
      const me = { name: 'boss', path: [] as string[] };
      const helper = { name: 'helper', path: ['c1'] };
      const base = { stepId: 'boss', scope: [] };
      const turn = { turn: 1, model: 'openai:m', text: '', tool_calls: [], tokens_in: 1, tokens_out: 1, cost_usd: 0, latency_ms: 1 };
      const events: RunEvent[] = [
        { type: 'run-started', time: t0, executionId: 'run-1', pipelineId: 'tree', steps: ['boss'], levels: [['boss']], resumed: false },
        { type: 'step-started', time: t0 + 1, ...base, attempt: 1, inputs: { prompt: 'go' }, tool: null, action: 'agent' },
        { type: 'agent-turn-started', time: t0 + 2, ...base, agent: me, turn: 1, model: 'openai:m' },
        { type: 'agent-turn-ended', time: t0 + 3, ...base, agent: me, turn, calls: [] },
        { type: 'tool-call-started', time: t0 + 4, ...base, agent: me, turn: 1, call: { id: 'c1', tool: 'agent:helper', arguments: {} }, approval: false },
        { type: 'agent-turn-started', time: t0 + 5, ...base, agent: helper, turn: 1, model: 'openai:m' },
        { type: 'agent-turn-ended', time: t0 + 6, ...base, agent: helper, turn, calls: [] },
        { type: 'agent-ended', time: t0 + 7, ...base, agent: helper, stop_reason: 'agent_tree', turns: 1, tool_calls: 0, answer: null },
        { type: 'tool-call-ended', time: t0 + 8, ...base, agent: me, call: { id: 'c1', tool: 'agent:helper', arguments: {}, status: 'error', error: "Agent 'helper' stopped at its limit", duration_ms: 1, turn: 1 } },
        { type: 'agent-ended', time: t0 + 9, ...base, agent: me, stop_reason: 'answered', turns: 1, tool_calls: 1, answer: 'ok' },
        { type: 'step-ended', time: t0 + 10, ...base, result: { status: 'completed', success: true, attempts: 1, retries: 0, tokens_in: 2, tokens_out: 2, cost_usd: 0, result: 'ok', error: null } as unknown as StepResult },
      ] as RunEvent[];
      for (const e of events) on(e);
      on({ type: 'run-ended', time: t0 + 11, result: { status: 'completed', success: true, cost_usd: 0, tokens_in: 2, tokens_out: 2, failed_steps: [], steps: {} } as unknown as ResultDocument });
      await telemetry.shutdown(() => undefined);
      const span = receiver.spans.find((s) => s.name === 'invoke_agent helper');
      assert.ok(span, receiver.spans.map((s) => s.name).join(', '));
      assert.deepEqual([span.attributes['error.type'], span.attributes['orchestrator.agent.stop_reason']], ['AgentLimitError', 'agent_tree']);
    } finally {
      await receiver.stop();
    }
  });
});
