// A provider's `usage` is untrusted input (issue 63, item 2): a figure that is not a count
// (`"lots"`, a negative number, Infinity) is counted as unknown (0 tokens) and said so in the turn,
// never as negative (it cannot pay a budget back) and never hangs the loop. Real SDKs against
// the loopback provider server, which sends the usage as scripted.
import { strict as assert } from 'node:assert';
import { type LoopbackProviders, type Scripted } from '../../fixtures/providers/loopbackServer';
import { runAgentPipeline, tempDir, useLoopback, turnOf, type AgentRunResult } from '../../helpers/agentRun';
import type { AgentStepResult, RunEvent } from '../../../engine/api/index';
import type { ToolDefinition } from '../../../engine/toolkit/runtime';

const note: ToolDefinition = {
  spec: { name: 'probe', description: 'Notes a value.', actions: { note: { description: 'Notes a value.', parameters: { value: { type: 'string', required: true, description: 'What to note.' } }, result: { noted: 'The value.' } } } },
  async run(_action, params) {
    return { success: true, result: { noted: params.value } };
  },
};

function pipeline(model: string, extra = ''): string {
  return `id: usage_test\nmodel: ${model}\nsteps:\n  - id: worker\n    action: agent\n    tools: [probe.note]\n${extra}    parameters:\n      prompt: Note x, then answer.\n`;
}

/** The run, or a failure naming the hang (the bug this guards against hung the loop for good). */
async function runBounded(srv: LoopbackProviders, dir: string, source: string): Promise<AgentRunResult> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort(new Error('hung'));
      reject(new Error('the run hung: no end 8 s after it started'));
    }, 8000);
  });
  try {
    return await Promise.race([runAgentPipeline(srv, dir, source, { tools: { probe: note }, signal: ac.signal }), hung]);
  } finally {
    clearTimeout(timer);
  }
}

const result = (r: AgentRunResult) => r.doc.steps.worker.result as AgentStepResult;
const turnsEnded = (events: RunEvent[]) => events.filter((e): e is Extract<RunEvent, { type: 'agent-turn-ended' }> => e.type === 'agent-turn-ended');
const bad = <T>(v: unknown) => v as T;

describe('agent steps: a provider\'s usage is untrusted (issue 63)', function () {
  this.timeout(20000);
  const srv = useLoopback();
  let dir: string;
  beforeEach(() => (dir = tempDir('orc-usage-')));

  for (const model of ['openai:gpt-4o-mini', 'anthropic:claude-3-5-haiku-latest', 'google:gemini-2.0-flash']) {
    it(`${model}: usage "lots" after a tool call: the loop goes on to its answer, the figure counted as unknown and said so`, async () => {
      srv.responder = (body): Scripted => (turnOf(body) === 0 ? { toolCalls: [{ name: 'probe_note', arguments: { value: 'x' } }], tokensIn: bad<number>('lots'), tokensOut: bad<number>('lots') } : { text: 'Noted x.', tokensIn: 5, tokensOut: 3 });
      const r = await runBounded(srv, dir, pipeline(model));
      const step = r.doc.steps.worker;
      assert.equal(step.status, 'completed', step.error ?? '');
      assert.equal(result(r).answer, 'Noted x.');
      assert.equal(step.tokens_in, 5);
      assert.equal(step.tokens_out, 3);
      const [first, second] = turnsEnded(r.events).map((e) => e.turn);
      assert.equal(first.tokens_in, 0);
      assert.equal(first.tokens_out, 0);
      assert.equal(first.usage, 'unknown: the provider reported tokens_in "lots", tokens_out "lots" (counted as 0)');
      assert.equal(second.usage, undefined);
      assert.equal(result(r).transcript[0].usage, first.usage);
    });
  }

  it('a negative usage pays no budget back: the budget stops the loop on the first turn that reaches it', async () => {
    srv.responder = (): Scripted => ({ toolCalls: [{ name: 'probe_note', arguments: { value: 'x' } }], tokensIn: 600, tokensOut: -600 });
    const r = await runBounded(srv, dir, pipeline('openai:gpt-4o-mini', '    max_turns: 40\n    budget: {max_tokens: 1000}\n'));
    const res = result(r);
    assert.equal(res.stop_reason, 'budget');
    assert.equal(res.turns, 2);
    assert.equal(srv.requests.length, 2);
    assert.equal(r.doc.steps.worker.tokens_in, 1200);
    assert.equal(r.doc.steps.worker.tokens_out, 0);
    assert.equal(res.transcript[0].usage, 'unknown: the provider reported tokens_out -600 (counted as 0)');
  });

  it('an infinite or fractional usage: a count sent as a string is unknown, 2.5 is rounded up to a whole token', async () => {
    srv.responder = (body): Scripted => (turnOf(body) === 0 ? { toolCalls: [{ name: 'probe_note', arguments: { value: 'x' } }], tokensIn: bad<number>("12"), tokensOut: 2.5 } : { text: 'ok', tokensIn: 1, tokensOut: 1 });
    const r = await runBounded(srv, dir, pipeline('anthropic:claude-3-5-haiku-latest'));
    assert.equal(r.doc.steps.worker.status, 'completed');
    const first = result(r).transcript[0];
    assert.equal(first.tokens_out, 3);
    assert.equal(first.tokens_in, 0);
  });
});
