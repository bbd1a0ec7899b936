// An agent step's spans (GenAI agent conventions), from its RunEvents: `invoke_agent NAME` under the
// step (or its attempt), a `chat MODEL` span per turn and an `execute_tool TOOL` span per call under
// it, and a named agent's own `invoke_agent` under the `execute_tool agent:NAME` call that started
// it. An attempt's events are kept and its spans made when it ends, with the times the events
// carry: a retried first attempt gets its span only when it fails, and its agent hangs under it.
import { SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { AgentToolCall, AgentTurn, PendingCall, RunEvent, StopReason } from '../run/events';
import type { Redactor } from '../toolkit/redact';
import { messagesJson, startChatSpan } from './chatSpan';
import { ERROR_TYPE, GEN_AI, ORC, providerName } from './semconv';

type ModelCall = Extract<RunEvent, { type: 'model-call' }>;
export type AgentRunEvent = Extract<RunEvent, { type: 'agent-turn-started' | 'agent-turn-ended' | 'tool-call-started' | 'tool-call-ended' | 'agent-ended' }>;

interface Turn {
  n: number;
  model: string;
  start: number;
  ended?: { time: number; turn: AgentTurn; calls: PendingCall[] };
  /** The provider call that answered it (its model-call event). */
  call?: ModelCall;
}

interface Call {
  pending: PendingCall;
  turn: number;
  start: number;
  end?: number;
  done?: AgentToolCall;
  /** The named agent it ran (a call of `agent:NAME`; again for each such call). */
  agents: Agent[];
}

interface Agent {
  name: string;
  start: number;
  model: string | null;
  turns: Turn[];
  calls: Call[];
  /** The call of its parent that started it (null: the step's own agent). */
  from: Call | null;
  ended?: { time: number; stop: StopReason; turns: number; toolCalls: number };
}

/** The stop reasons that are limits (AgentLimit): the bound of the step's tree of agents and its handoffs too. */
const LIMITS = new Set<string>(['max_turns', 'max_tool_calls', 'budget', 'timeout', 'agent_tree', 'handoffs']);
const modelName = (id: string) => (id.includes(':') ? id.slice(id.indexOf(':') + 1) : id);
const providerOf = (id: string) => (id.includes(':') ? id.slice(0, id.indexOf(':')) : 'unknown');
const keyOf = (path: string[]) => path.join('\u0000');

/** `gen_ai.tool.type`: an MCP server's tool runs outside the run (`extension`); built-in actions, pipelines and named agents run in it (`function`). */
export function toolType(tool: string): 'function' | 'extension' {
  return tool.startsWith('mcp:') || tool.startsWith('mcp__') ? 'extension' : 'function';
}

export interface AgentSpanOptions {
  tracer: Tracer;
  redactor: Redactor;
  captureContent: boolean;
}

/** The agent spans of one attempt of one step. */
export class AgentSpans {
  private readonly top: Agent[] = [];
  /** Agents whose loop runs, by their path (the ids of the calls that lead to them). */
  private readonly open = new Map<string, Agent>();
  /** Calls that run, by their agent's path and their id. */
  private readonly openCalls = new Map<string, Call>();
  /** Provider calls not matched to a turn yet. */
  private readonly unmatched: ModelCall[] = [];
  private failure: { errorType: string; error: string } | null = null;

  constructor(private readonly o: AgentSpanOptions) {}

  /** Takes a provider call while one of the agents waits for a turn's answer (else it is not an agent's). */
  takes(e: ModelCall): boolean {
    for (const a of this.open.values()) {
      const last = a.turns[a.turns.length - 1];
      if (last && !last.ended) {
        this.unmatched.push(e);
        return true;
      }
    }
    return false;
  }

  /** The attempt failed: its agent's span says why. */
  fail(errorType: string, error: string): void {
    this.failure = { errorType, error };
  }

  private agentOf(e: AgentRunEvent): Agent {
    const path = e.agent.path;
    const key = keyOf(path);
    let a = this.open.get(key);
    if (a) return a;
    const from = path.length ? (this.openCalls.get(`${keyOf(path.slice(0, -1))}\u0001${path[path.length - 1]}`) ?? null) : null;
    a = { name: e.agent.name, start: from?.start ?? e.time, model: null, turns: [], calls: [], from };
    if (from) from.agents.push(a);
    else this.top.push(a);
    this.open.set(key, a);
    return a;
  }

  on(e: AgentRunEvent): void {
    const a = this.agentOf(e);
    const key = keyOf(e.agent.path);
    switch (e.type) {
      case 'agent-turn-started':
        a.model ??= e.model;
        a.turns.push({ n: e.turn, model: e.model, start: e.time });
        return;
      case 'agent-turn-ended': {
        let t = [...a.turns].reverse().find((x) => x.n === e.turn.turn && !x.ended);
        if (!t) a.turns.push((t = { n: e.turn.turn, model: e.turn.model, start: e.time - e.turn.latency_ms }));
        t.ended = { time: e.time, turn: e.turn, calls: e.calls };
        // its provider call: the one with its model and tokens (agents of one step may wait at once)
        const i = this.unmatched.findIndex((c) => c.model === e.turn.model && c.tokens_in === e.turn.tokens_in && c.tokens_out === e.turn.tokens_out);
        if (i >= 0) t.call = this.unmatched.splice(i, 1)[0];
        return;
      }
      case 'tool-call-started': {
        const c: Call = { pending: e.call, turn: e.turn, start: e.time, agents: [] };
        a.calls.push(c);
        this.openCalls.set(`${key}\u0001${e.call.id}`, c);
        return;
      }
      case 'tool-call-ended': {
        const at = `${key}\u0001${e.call.id}`;
        let c = this.openCalls.get(at);
        if (!c) a.calls.push((c = { pending: { id: e.call.id, tool: e.call.tool, arguments: e.call.arguments }, turn: e.call.turn, start: e.time - e.call.duration_ms, agents: [] }));
        c.end = e.time;
        c.done = e.call;
        this.openCalls.delete(at);
        // the named agent it ran is over, ended or not; a later call with the same id starts another
        const child = keyOf([...e.agent.path, e.call.id]);
        for (const k of [...this.open.keys()]) if (k === child || k.startsWith(`${child}\u0000`)) this.open.delete(k);
        return;
      }
      case 'agent-ended':
        a.ended = { time: e.time, stop: e.stop_reason, turns: e.turns, toolCalls: e.tool_calls };
        this.open.delete(key);
        return;
    }
  }

  /** Makes the spans under `parent` (the step's attempt, or the step), the open ones ending at `time`; `prompt`: the step's, for the first turn's input. */
  flush(parent: Context, time: number, prompt: unknown): void {
    for (const a of this.top) this.agentSpan(a, parent, time, prompt);
    // provider calls no turn claimed (a tool's own model call while an agent waited): under the step, as before agents
    for (const c of this.unmatched) {
      const { span, end } = startChatSpan(this.o.tracer, c, parent);
      span.end(end);
    }
    this.unmatched.length = 0;
  }

  private usage(a: Agent): { tokensIn: number; tokensOut: number; cost: number } {
    const u = { tokensIn: 0, tokensOut: 0, cost: 0 };
    for (const t of a.turns) {
      u.tokensIn += t.ended?.turn.tokens_in ?? 0;
      u.tokensOut += t.ended?.turn.tokens_out ?? 0;
      u.cost += t.ended?.turn.cost_usd ?? 0;
    }
    for (const c of a.calls) {
      for (const child of c.agents) {
        const x = this.usage(child);
        u.tokensIn += x.tokensIn;
        u.tokensOut += x.tokensOut;
        u.cost += x.cost;
      }
    }
    return u;
  }

  private agentSpan(a: Agent, parent: Context, fallbackEnd: number, prompt: unknown): void {
    const { tracer, redactor } = this.o;
    const end = a.ended?.time ?? fallbackEnd;
    const u = this.usage(a);
    const attributes: Attributes = {
      [GEN_AI.operation]: 'invoke_agent',
      [GEN_AI.agentName]: a.name,
      [GEN_AI.inputTokens]: u.tokensIn,
      [GEN_AI.outputTokens]: u.tokensOut,
      [ORC.costUsd]: Math.round(u.cost * 1e9) / 1e9,
    };
    if (a.model) Object.assign(attributes, { [GEN_AI.provider]: providerName(providerOf(a.model)), [GEN_AI.requestModel]: modelName(a.model) });
    if (a.ended) Object.assign(attributes, { [ORC.agentStopReason]: a.ended.stop, [ORC.agentTurns]: a.ended.turns, [ORC.agentToolCalls]: a.ended.toolCalls });
    const span = tracer.startSpan(`invoke_agent ${a.name}`, { kind: SpanKind.INTERNAL, startTime: a.start, attributes }, parent);
    // a named agent failed when its call did; the step's own when its attempt did (or its loop never ended)
    const failed = a.from ? a.from.done?.status !== 'ok' : this.failure !== null || !a.ended;
    if (failed) {
      const limit = a.ended && LIMITS.has(a.ended.stop);
      const type = limit ? 'AgentLimitError' : a.from ? (a.ended?.stop === 'cancelled' ? 'cancelled' : '_OTHER') : (this.failure?.errorType ?? '_OTHER');
      const why = a.from ? a.from.done?.error : this.failure?.error;
      span.setAttribute(ERROR_TYPE, type);
      span.setStatus({ code: SpanStatusCode.ERROR, ...(why ? { message: redactor.text(why) } : {}) });
    }
    const ctx = trace.setSpan(parent, span);
    const firstInput = a.from ? (a.from.pending.arguments as { prompt?: unknown } | null)?.prompt ?? a.from.pending.arguments : prompt;
    a.turns.forEach((t, i) => this.chatSpan(t, ctx, end, i === 0 ? firstInput : undefined));
    for (const c of a.calls) this.callSpan(c, ctx, end);
    span.end(end);
  }

  private chatSpan(t: Turn, parent: Context, fallbackEnd: number, input: unknown): void {
    const { tracer, redactor, captureContent } = this.o;
    const turn = t.ended?.turn;
    const e: ModelCall = t.call ?? { type: 'model-call', time: t.ended?.time ?? fallbackEnd, stepId: '', scope: [], model: turn?.model ?? t.model, tokens_in: turn?.tokens_in ?? 0, tokens_out: turn?.tokens_out ?? 0, cost_usd: turn?.cost_usd ?? 0, latency_ms: t.ended ? turn!.latency_ms : Math.max(0, fallbackEnd - t.start), wait_ms: 0, attempts: 1, ...(turn?.finish_reason && !turn.finish_reason.startsWith('failed: ') ? { finish_reasons: [turn.finish_reason] } : {}) };
    const { span, end } = startChatSpan(tracer, e, parent, captureContent && input !== undefined ? messagesJson(redactor, 'user', input) : undefined);
    span.setAttribute(ORC.agentTurn, t.n);
    if (turn?.kind) span.setAttribute(ORC.agentTurnKind, turn.kind);
    if (captureContent && t.ended) span.setAttribute(GEN_AI.outputMessages, assistantJson(redactor, turn!.text, t.ended.calls));
    // a model that could not answer (the next of the chain took over), or a turn the loop never finished
    if (!t.ended || turn?.finish_reason?.startsWith('failed: ')) {
      span.setAttribute(ERROR_TYPE, '_OTHER');
      span.setStatus({ code: SpanStatusCode.ERROR, ...(turn?.finish_reason ? { message: redactor.text(turn.finish_reason.slice(8)) } : {}) });
    }
    span.end(end);
  }

  private callSpan(c: Call, parent: Context, fallbackEnd: number): void {
    const { tracer, redactor, captureContent } = this.o;
    const tool = c.done?.tool ?? c.pending.tool;
    const end = c.end ?? fallbackEnd;
    const attributes: Attributes = {
      [GEN_AI.operation]: 'execute_tool',
      [GEN_AI.toolName]: tool,
      [GEN_AI.toolCallId]: c.pending.id,
      [GEN_AI.toolType]: toolType(tool),
      [ORC.agentTurn]: c.turn,
      [ORC.status]: c.done?.status ?? 'unfinished',
    };
    if (captureContent) {
      attributes[GEN_AI.toolCallArguments] = jsonOf(redactor, c.done?.arguments ?? c.pending.arguments);
      if (c.done?.result !== undefined) attributes[GEN_AI.toolCallResult] = jsonOf(redactor, c.done.result);
    }
    const span: Span = tracer.startSpan(`execute_tool ${tool}`, { kind: SpanKind.INTERNAL, startTime: c.start, attributes }, parent);
    if (!c.done || c.done.status !== 'ok') {
      span.setAttribute(ERROR_TYPE, c.done ? c.done.status : '_OTHER');
      span.setStatus({ code: SpanStatusCode.ERROR, ...(c.done?.error ? { message: redactor.text(c.done.error) } : {}) });
    }
    const ctx = trace.setSpan(parent, span);
    for (const a of c.agents) this.agentSpan(a, ctx, end, undefined);
    span.end(end);
  }
}

/** A value as JSON text, redacted (a secret inside a string of it included). */
function jsonOf(redactor: Redactor, v: unknown): string {
  return redactor.text(typeof v === 'string' ? v : (JSON.stringify(redactor.value(v)) ?? 'null'));
}

/** A turn's answer as the conventions' output message: its text and the calls it asked for, redacted. */
function assistantJson(redactor: Redactor, text: string, calls: PendingCall[]): string {
  const parts: Record<string, unknown>[] = [];
  if (text) parts.push({ type: 'text', content: redactor.text(text) });
  for (const c of calls) parts.push({ type: 'tool_call', id: c.id, name: c.tool, arguments: redactor.value(c.arguments) });
  return redactor.text(JSON.stringify([{ role: 'assistant', parts }]));
}
