// A fork at an agent's turn (`orc fork RUN --at STEP.TURN`): the turns before TURN are answered from
// the parent run's record of the step — each model answer rebuilt from its transcript entry and
// its calls, each call's result, error or denial taken as recorded — so no model is asked and no
// tool runs for them; turn TURN and what follows are asked live. Only the step's own loop is
// replayed: a named agent called as a tool in a replayed turn is a recorded call like any other.
import type { ChatResponse } from '../models/modelRunner';
import type { WireToolCall } from '../models/provider';
import type { AgentStepResult, AgentToolCall, AgentTurn } from './types';

/** Ids the engine made for calls a provider sent without one (engine/models/toolCalls.ts): not sent back. */
const GENERATED_ID = /^call_\d+_\d+$/;

export class TurnReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TurnReplayError';
  }
}

export class TurnReplay {
  private readonly turns = new Map<number, { turn: AgentTurn; calls: AgentToolCall[] }>();

  /**
   * `recorded`: the parent's result of the step; `at`: the first turn asked live (1 replays
   * nothing). Throws TurnReplayError when the record cannot answer every turn before `at`.
   */
  constructor(
    recorded: AgentStepResult,
    readonly at: number,
    readonly where = 'the step',
  ) {
    if (!Number.isInteger(at) || at < 1) throw new TurnReplayError(`a turn is a whole number from 1: got ${at}`);
    const plain = recorded.transcript.filter((t) => !t.kind);
    const last = plain.length ? plain[plain.length - 1].turn : 0;
    if (at > last) throw new TurnReplayError(`${where} took ${last} turn${last === 1 ? '' : 's'} with its tools in that run: fork at a turn from 1 to ${last}`);
    const byId = new Map(recorded.tool_calls.map((c) => [c.id, c]));
    for (let n = 1; n < at; n++) {
      const turn = recorded.transcript.find((t) => t.turn === n);
      if (!turn) throw new TurnReplayError(`turn ${n} of ${where} is not in the run's record (a long loop's record keeps its first and latest turns): fork at a turn it kept`);
      if (turn.kind) throw new TurnReplayError(`turn ${n} of ${where} was its ${turn.kind} call, after which no turn is asked with tools`);
      const calls = turn.tool_calls.map((id) => byId.get(id));
      if (calls.some((c) => !c || c.turn !== n)) throw new TurnReplayError(`the calls of turn ${n} of ${where} are not all in the run's record: fork at an earlier turn`);
      if (!calls.length) throw new TurnReplayError(`turn ${n} of ${where} answered without a call, which ended its loop`);
      this.turns.set(n, { turn, calls: calls as AgentToolCall[] });
    }
  }

  /** Turn `n`'s answer as recorded (null: `n` is asked live). It cost nothing now: its figures are 0. */
  response(n: number, wireOf: (spelling: string) => string): ChatResponse | null {
    const past = this.turns.get(n);
    if (!past) return null;
    const toolCalls = past.calls.map((c): WireToolCall => {
      const args = c.arguments !== null && typeof c.arguments === 'object' && !Array.isArray(c.arguments) ? (c.arguments as Record<string, unknown>) : null;
      return {
        id: c.id,
        name: wireOf(c.tool),
        arguments: args,
        argumentsText: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
        ...(args ? {} : { argumentsError: 'the arguments are not a JSON object' }),
        ...(GENERATED_ID.test(c.id) ? { generatedId: true as const } : {}),
      };
    });
    const { turn } = past;
    return {
      model: turn.model,
      text: turn.text,
      toolCalls,
      message: { role: 'assistant', text: turn.text, toolCalls },
      tokens_in: 0,
      tokens_out: 0,
      cost_usd: 0,
      latency_ms: 0,
      wait_ms: 0,
      ...(turn.finish_reason ? { finish_reasons: [turn.finish_reason] } : {}),
    };
  }

  /** The recorded outcome of call `id` of turn `n` (undefined: it runs). */
  call(n: number, id: string): Pick<AgentToolCall, 'status' | 'result' | 'error' | 'agent'> | undefined {
    const c = this.turns.get(n)?.calls.find((x) => x.id === id);
    if (!c) return undefined;
    return { status: c.status, ...(c.result !== undefined ? { result: c.result } : {}), ...(c.error !== undefined ? { error: c.error } : {}), ...(c.agent ? { agent: c.agent } : {}) };
  }
}
