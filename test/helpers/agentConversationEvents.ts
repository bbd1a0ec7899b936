// One agent step's conversation as RunEvents, for the panel's tests (test/media/agentConversation.test.ts,
// test/media/webviewTranscript.test.ts): a first turn of four calls at once (a list, a read, a write
// that waits for approval and is denied, a tool outside the allow-list refused) ending out of order,
// a second turn that delegates to the named agent `worker` (its own turns under the call), a third
// that answers; and the step's result that records the same.
import type { AgentStepResult, AgentToolCall, AgentTurn } from '../../engine/agent/types';
import { emptyStepResult, type RunEvent } from '../../engine/run/events';

export const MODEL = 'openai:gpt-4o-mini';
export const top = { name: 'triage', path: [] as string[] };
export const worker = { name: 'worker', path: ['c5'] };
const scope: { loop: string; index: number }[] = [];
export const at = (time: number) => ({ time, stepId: 'triage', scope });

export const turn = (n: number, text: string, calls: string[], extra: Partial<AgentTurn> = {}): AgentTurn => ({ turn: n, model: MODEL, text, tool_calls: calls, tokens_in: 100 * n, tokens_out: 10 * n, cost_usd: 0.0001 * n, latency_ms: 400 + n, ...extra });
export const call = (id: string, tool: string, args: unknown, t: number, end: Partial<AgentToolCall>): AgentToolCall => ({ id, tool, arguments: args, status: 'ok', duration_ms: 12, turn: t, ...end });

export const LIST = call('c1', 'filesystem.list', { path: 'inbox' }, 1, { result: { path: 'inbox', entries: [{ name: 'a.md', path: 'inbox/a.md', type: 'file', size: 25 }, { name: 'b.md', path: 'inbox/b.md', type: 'file', size: 10 }], count: 2 }, duration_ms: 30 });
export const READ = call('c2', 'filesystem.read', { path: 'inbox/a.md' }, 1, { result: 'A: the export loses rows', duration_ms: 5 });
export const WRITE = call('c3', 'filesystem.write', { path: 'report.md', content: '# Report' }, 1, { status: 'denied', error: 'The call was denied by the person running the pipeline.', duration_ms: 900 });
export const SHELL = call('c4', 'terminal_execute', { command: 'rm -rf /' }, 1, { status: 'refused', error: "Refused: 'terminal_execute' is not one of the tools you may call (filesystem_list, filesystem_read, filesystem_write, agent__worker).", duration_ms: 0 });
export const W_READ = call('w1', 'filesystem.read', { path: 'inbox/b.md' }, 1, { result: 'B: a typo', duration_ms: 4 });
export const WORKER: AgentStepResult = { answer: 'B is minor.', stop_reason: 'answered', turns: 2, tool_calls: [W_READ], transcript: [turn(1, '', ['w1']), turn(2, 'B is minor.', [])], tokens_in: 300, tokens_out: 30, cost_usd: 0.0003 };
export const DELEGATE = call('c5', 'agent:worker', { prompt: 'Rank inbox/b.md' }, 2, { result: { answer: 'B is minor.', stop_reason: 'answered', turns: 2, tool_calls: 1 }, duration_ms: 2000, agent: WORKER });
export const RESULT: AgentStepResult = {
  answer: 'One report is critical.',
  stop_reason: 'answered',
  turns: 3,
  tool_calls: [LIST, READ, WRITE, SHELL, DELEGATE],
  transcript: [turn(1, 'Let me look.', ['c1', 'c2', 'c3', 'c4']), turn(2, '', ['c5']), turn(3, 'One report is critical.', [])],
  tokens_in: 900,
  tokens_out: 90,
  cost_usd: 0.0009,
};
export const pending = (c: AgentToolCall) => ({ id: c.id, tool: c.tool, arguments: c.arguments });

/** The first turn: asked, streamed, its four calls started at once and ending out of order. */
export const FIRST: RunEvent[] = [
  { type: 'run-started', time: 0, executionId: 'r1', pipelineId: 'p', steps: ['triage'], levels: [['triage']], resumed: false },
  { type: 'step-started', ...at(1), attempt: 1, inputs: { prompt: 'Triage the inbox' }, action: 'agent' },
  { type: 'agent-turn-started', ...at(2), agent: top, turn: 1, model: MODEL },
  { type: 'step-output', ...at(3), stream: 'text', chunk: 'Let me ' },
  { type: 'step-output', ...at(4), stream: 'text', chunk: 'lo' },
];
export const FIRST_ENDS: RunEvent[] = [
  { type: 'agent-turn-ended', ...at(5), agent: top, turn: RESULT.transcript[0], calls: [LIST, READ, WRITE, SHELL].map(pending) },
  { type: 'tool-call-started', ...at(6), agent: top, turn: 1, call: pending(LIST), approval: false },
  { type: 'tool-call-started', ...at(6), agent: top, turn: 1, call: pending(READ), approval: false },
  { type: 'tool-call-started', ...at(6), agent: top, turn: 1, call: pending(WRITE), approval: true },
  { type: 'tool-call-started', ...at(6), agent: top, turn: 1, call: pending(SHELL), approval: false },
  { type: 'tool-call-ended', ...at(7), agent: top, call: SHELL },
  { type: 'tool-call-ended', ...at(8), agent: top, call: READ },
];
export const REST: RunEvent[] = [
  { type: 'tool-call-ended', ...at(9), agent: top, call: LIST },
  { type: 'tool-call-ended', ...at(10), agent: top, call: WRITE },
  { type: 'agent-turn-started', ...at(11), agent: top, turn: 2, model: MODEL },
  { type: 'agent-turn-ended', ...at(12), agent: top, turn: RESULT.transcript[1], calls: [pending(DELEGATE)] },
  { type: 'tool-call-started', ...at(13), agent: top, turn: 2, call: pending(DELEGATE), approval: false },
  { type: 'agent-turn-started', ...at(14), agent: worker, turn: 1, model: MODEL },
  { type: 'agent-turn-ended', ...at(15), agent: worker, turn: WORKER.transcript[0], calls: [pending(W_READ)] },
  { type: 'tool-call-started', ...at(16), agent: worker, turn: 1, call: pending(W_READ), approval: false },
  { type: 'tool-call-ended', ...at(17), agent: worker, call: W_READ },
  { type: 'agent-turn-started', ...at(18), agent: worker, turn: 2, model: MODEL },
  { type: 'step-output', ...at(19), stream: 'text', chunk: 'B is' },
];
export const WORKER_ENDS: RunEvent[] = [
  { type: 'agent-turn-ended', ...at(20), agent: worker, turn: WORKER.transcript[1], calls: [] },
  { type: 'agent-ended', ...at(21), agent: worker, stop_reason: 'answered', turns: 2, tool_calls: 1, answer: 'B is minor.' },
  { type: 'tool-call-ended', ...at(22), agent: top, call: DELEGATE },
  { type: 'agent-turn-started', ...at(23), agent: top, turn: 3, model: MODEL },
  { type: 'agent-turn-ended', ...at(24), agent: top, turn: RESULT.transcript[2], calls: [] },
  { type: 'agent-ended', ...at(25), agent: top, stop_reason: 'answered', turns: 3, tool_calls: 5, answer: 'One report is critical.' },
];
export const STEP_ENDED: RunEvent = { type: 'step-ended', ...at(26), result: { ...emptyStepResult('completed'), success: true, result: RESULT, model: MODEL, duration_ms: 2500, tokens_in: 900, tokens_out: 90, cost_usd: 0.0009 } };
