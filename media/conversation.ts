// An agent step's conversation as the panel shows it: its turns (the model's text, tokens, cost,
// latency) and each turn's tool calls (arguments, status, result or error, duration), a named agent
// a call started hanging under that call. Pure: built from the agent's RunEvents while the step
// runs, and from its result (AgentStepResult) when it has ended, so a finished run opened from the
// Runs view shows what the live panel showed. Bounded however long the loop runs.
import type { AgentEvent, AgentRef, AgentStepResult, AgentToolCall, AgentTurn, StopReason, ToolCallStatus } from '../engine/run/events';
import type { SessionRecord } from '../engine/agent/types';

/** Where a call is: asked but not started (`queued`), running, waiting for a person's approval,
 * ended (the tool's status), or `stopped` (the step ended before the call did: cancelled, failed). */
export type CallState = 'queued' | 'running' | 'waiting' | ToolCallStatus | 'stopped';

export interface CallView {
  id: string;
  /** As the allow-list spells it (the model's own name for a tool it may not call). */
  tool: string;
  arguments: unknown;
  state: CallState;
  result?: unknown;
  error?: string;
  /** Known when the call ended. */
  durationMs: number | null;
  /** The arguments were changed before the call ran (a person approving it, a debugger). */
  edited?: true;
  /** The named agent this call started: its own conversation. */
  agent: AgentView | null;
}

export interface TurnView {
  turn: number;
  /** The model asked (the model that answered, once the turn ended). */
  model: string;
  /** The model's text: streamed while the turn runs, the recorded text once it ended. */
  text: string;
  /** Characters of the text past MAX_TURN_TEXT, left out. */
  textOmitted: number;
  ended: boolean;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  latencyMs: number | null;
  finishReason?: string;
  kind?: 'final' | 'structured' | 'summary';
  calls: CallView[];
  /** Calls of this turn past MAX_CALLS_PER_TURN, left out. */
  callsOmitted: number;
  /** A turn the record left out, made to hold calls the record kept. */
  notKept?: true;
  /** The agent whose instructions were in force, once the conversation was handed off (absent: the step's own). */
  agent?: string;
  /** This turn handed the conversation to that agent. */
  handoff?: string;
}

export interface AgentView {
  name: string;
  turns: TurnView[];
  /** Earlier turns not shown: dropped past the bounds here, or left out of the record. */
  turnsOmitted: number;
  /** Calls asked for in all (refused ones and those not shown included). */
  calls: number;
  /** Null while the loop runs. */
  stopReason: StopReason | null;
  answer: string | null;
  /** Who holds the conversation now (a handoff's agent; absent: the step's own). */
  speaker?: string;
  /** The session the conversation continued (`memory:`), from the result. */
  session?: SessionRecord;
}

/** Turns kept per agent: the latest ones. */
export const MAX_TURNS = 100;
/** Calls kept per agent: past it the oldest turns go (never the latest). */
export const MAX_CALLS = 200;
export const MAX_CALLS_PER_TURN = 100;
/** Characters kept of a turn's text. */
export const MAX_TURN_TEXT = 16 * 1024;
/** Characters kept of one call's arguments, result or error (the whole result stays in the step's Result). */
export const MAX_VALUE_CHARS = 4000;

export function newAgent(name: string): AgentView {
  return { name, turns: [], turnsOmitted: 0, calls: 0, stopReason: null, answer: null };
}

function newTurn(turn: number, model: string): TurnView {
  return { turn, model, text: '', textOmitted: 0, ended: false, tokensIn: 0, tokensOut: 0, costUsd: 0, latencyMs: null, calls: [], callsOmitted: 0 };
}

/** A value kept as it is, or, past MAX_VALUE_CHARS of its text, its text cut and saying so. */
export function boundedValue(v: unknown): unknown {
  if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}… [${text.length - MAX_VALUE_CHARS} more characters]` : v;
}

function setText(t: TurnView, text: string): void {
  t.text = text.length > MAX_TURN_TEXT ? text.slice(0, MAX_TURN_TEXT) : text;
  t.textOmitted = Math.max(0, text.length - MAX_TURN_TEXT);
}

function callsIn(a: AgentView): number {
  let n = 0;
  for (const t of a.turns) n += t.calls.length;
  return n;
}

/** Drops the oldest turns past the bounds (the latest turn always stays). */
function bound(a: AgentView): void {
  while (a.turns.length > 1 && (a.turns.length > MAX_TURNS || callsIn(a) > MAX_CALLS)) {
    a.turns.shift();
    a.turnsOmitted++;
  }
}

/** Adds a call to its turn (within the turn's bound); counts it as asked. */
function addCall(a: AgentView, t: TurnView, c: CallView): CallView | null {
  a.calls++;
  if (t.calls.length >= MAX_CALLS_PER_TURN) {
    t.callsOmitted++;
    return null;
  }
  t.calls.push(c);
  bound(a);
  return c;
}

/** The latest turn with this number. */
function turnOf(a: AgentView, n: number): TurnView | undefined {
  for (let i = a.turns.length - 1; i >= 0; i--) if (a.turns[i].turn === n) return a.turns[i];
  return undefined;
}

/** The latest call with this id (ids are the provider's: the latest is the one running). */
function callOf(a: AgentView, id: string): CallView | undefined {
  for (let i = a.turns.length - 1; i >= 0; i--) {
    const calls = a.turns[i].calls;
    for (let j = calls.length - 1; j >= 0; j--) if (calls[j].id === id) return calls[j];
  }
  return undefined;
}

/** The agent an event is about: the step's own, or a named agent under the call that started it
 * (`path`: the ids of the calls that lead to it). Null when the call is not shown (dropped past a bound). */
function agentAt(root: AgentView, ref: AgentRef): AgentView | null {
  let a = root;
  for (const id of ref.path) {
    const call = callOf(a, id);
    if (!call) return null;
    call.agent ??= newAgent(ref.name);
    a = call.agent;
  }
  return a;
}

function turnFor(a: AgentView, n: number, model: string): TurnView {
  let t = turnOf(a, n);
  if (!t) {
    t = newTurn(n, model);
    a.turns.push(t);
    bound(a);
  }
  return t;
}

/** Applies one agent event to the step's conversation (made when the step's own agent starts). */
export function applyAgentEvent(root: AgentView | null, e: AgentEvent): AgentView | null {
  if (!root) {
    if (e.agent.path.length) return null;
    root = newAgent(e.agent.name);
  }
  const a = agentAt(root, e.agent);
  if (!a) return root;
  switch (e.type) {
    case 'agent-turn-started': {
      a.stopReason = null;
      const t = newTurn(e.turn, e.model);
      if (a.speaker) t.agent = a.speaker;
      a.turns.push(t);
      bound(a);
      break;
    }
    case 'agent-turn-ended': {
      const r = e.turn;
      let t = a.turns.at(-1);
      if (!t || t.turn !== r.turn || t.ended) {
        t = newTurn(r.turn, r.model);
        a.turns.push(t);
      }
      Object.assign(t, figuresOf(r));
      for (const c of e.calls) if (!t.calls.some((x) => x.id === c.id)) addCall(a, t, { id: c.id, tool: c.tool, arguments: boundedValue(c.arguments), state: 'queued', durationMs: null, agent: null });
      bound(a);
      break;
    }
    case 'tool-call-started': {
      const t = turnFor(a, e.turn, '');
      let c = t.calls.find((x) => x.id === e.call.id) ?? null;
      c ??= addCall(a, t, { id: e.call.id, tool: e.call.tool, arguments: boundedValue(e.call.arguments), state: 'queued', durationMs: null, agent: null });
      if (c) {
        c.tool = e.call.tool;
        c.state = e.approval ? 'waiting' : 'running';
      }
      break;
    }
    case 'tool-call-ended': {
      const c = callOf(a, e.call.id);
      if (c) endCall(c, e.call);
      break;
    }
    case 'agent-handoff': {
      const t = turnOf(a, e.turn);
      if (t) t.handoff = e.to;
      a.speaker = e.to;
      break;
    }
    case 'agent-ended':
      a.stopReason = e.stop_reason;
      a.answer = e.answer === null ? null : (boundedValue(e.answer) as string);
      break;
  }
  return root;
}

function figuresOf(r: AgentTurn): Partial<TurnView> {
  const t: Partial<TurnView> = { model: r.model, ended: true, tokensIn: r.tokens_in, tokensOut: r.tokens_out, costUsd: r.cost_usd, latencyMs: r.latency_ms };
  if (r.finish_reason !== undefined) t.finishReason = r.finish_reason;
  if (r.kind) t.kind = r.kind;
  if (r.agent) t.agent = r.agent;
  if (r.handoff) t.handoff = r.handoff;
  const text = r.text ?? '';
  t.text = text.length > MAX_TURN_TEXT ? text.slice(0, MAX_TURN_TEXT) : text;
  t.textOmitted = Math.max(0, text.length - MAX_TURN_TEXT);
  return t;
}

function endCall(c: CallView, r: AgentToolCall): void {
  c.tool = r.tool;
  c.arguments = boundedValue(r.arguments);
  c.state = r.status;
  c.durationMs = r.duration_ms;
  if (r.result !== undefined) c.result = boundedValue(r.result);
  if (r.error !== undefined) c.error = boundedValue(r.error) as string;
  if (r.edited) c.edited = true;
  // a named agent's record: the conversation it kept (its name is the live one's, or the tool's)
  if (r.agent && isAgentResult(r.agent)) c.agent = agentFromResult(r.agent, c.agent?.name ?? agentName(r.tool));
}

/** `agent:worker` → `worker`. */
function agentName(tool: string): string {
  return tool.startsWith('agent:') ? tool.slice('agent:'.length).trim() : tool;
}

/** The streamed text belongs to the turn that runs: the deepest open one (a named agent's turn while its call runs). */
function openTurn(a: AgentView): TurnView | null {
  const t = a.turns.at(-1);
  if (!t) return null;
  if (!t.ended) return t;
  for (let i = t.calls.length - 1; i >= 0; i--) {
    const sub = t.calls[i].agent;
    if (sub && (t.calls[i].state === 'running' || t.calls[i].state === 'waiting')) {
      const open = openTurn(sub);
      if (open) return open;
    }
  }
  return null;
}

/** A chunk of the step's streamed text, added to the turn that runs. */
export function addStreamedText(root: AgentView, chunk: string): void {
  const t = openTurn(root);
  if (!t) return;
  if (t.textOmitted || t.text.length + chunk.length > MAX_TURN_TEXT) {
    const room = Math.max(0, MAX_TURN_TEXT - t.text.length);
    t.text += chunk.slice(0, room);
    t.textOmitted += chunk.length - room;
  } else t.text += chunk;
}

/** The step ended without a record of its loop (a provider failed, the run was cancelled): what
 * still runs is marked as not finished. */
export function stopOpen(a: AgentView): void {
  for (const t of a.turns) {
    t.ended = true;
    for (const c of t.calls) {
      if (c.state === 'queued' || c.state === 'running' || c.state === 'waiting') c.state = 'stopped';
      if (c.agent) stopOpen(c.agent);
    }
  }
}

/** Whether a value is an agent's loop result (the engine's isAgentResult; the panel takes only types from the engine). */
export function isAgentResult(v: unknown): v is AgentStepResult {
  const r = v as Partial<AgentStepResult> | null;
  return Boolean(r && typeof r === 'object' && typeof r.stop_reason === 'string' && typeof r.turns === 'number' && Array.isArray(r.tool_calls) && Array.isArray(r.transcript));
}

/** The conversation a finished loop recorded: its turns in order, each with the calls it asked for. */
export function agentFromResult(r: AgentStepResult, name: string): AgentView {
  const a = newAgent(name);
  a.turnsOmitted = r.transcript_omitted ?? 0;
  const byTurn = new Map<number, TurnView>();
  for (const rec of r.transcript) {
    const t = { ...newTurn(rec.turn, rec.model), ...figuresOf(rec) } as TurnView;
    byTurn.set(rec.turn, t);
    a.turns.push(t);
  }
  // calls in the order their turn asked for them; a call whose turn the record left out gets a stand-in turn
  const order = new Map<string, number>();
  for (const rec of r.transcript) rec.tool_calls.forEach((id, i) => order.set(`${rec.turn}\u0000${id}`, i));
  const calls = [...r.tool_calls].sort((x, y) => x.turn - y.turn || (order.get(`${x.turn}\u0000${x.id}`) ?? Infinity) - (order.get(`${y.turn}\u0000${y.id}`) ?? Infinity));
  for (const rc of calls) {
    let t = byTurn.get(rc.turn);
    if (!t) {
      t = { ...newTurn(rc.turn, ''), ended: true, notKept: true };
      byTurn.set(rc.turn, t);
      a.turns.push(t);
    }
    if (t.calls.length >= MAX_CALLS_PER_TURN) {
      t.callsOmitted++;
      continue;
    }
    const c: CallView = { id: rc.id, tool: rc.tool, arguments: undefined, state: 'queued', durationMs: null, agent: null };
    endCall(c, rc);
    t.calls.push(c);
  }
  a.turns.sort((x, y) => x.turn - y.turn);
  a.calls = r.tool_calls.length + (r.tool_calls_omitted ?? 0);
  bound(a);
  a.stopReason = r.stop_reason;
  a.answer = r.answer === null ? null : (boundedValue(r.answer) as string);
  if (r.session) a.session = r.session;
  const last = r.handoffs?.at(-1);
  if (last) a.speaker = last.to;
  return a;
}

/** What the node and the panel's first line say: the turn it is at, the calls asked, those waiting for approval. */
export interface AgentProgress {
  turn: number;
  turns: number;
  calls: number;
  waiting: number;
}

function waitingIn(a: AgentView): number {
  let n = 0;
  for (const t of a.turns)
    for (const c of t.calls) {
      if (c.state === 'waiting') n++;
      if (c.agent) n += waitingIn(c.agent);
    }
  return n;
}

export function progressOf(a: AgentView): AgentProgress {
  const last = a.turns.at(-1);
  return { turn: last?.turn ?? 0, turns: last?.turn ?? 0, calls: a.calls, waiting: waitingIn(a) };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** `answered`, `stopped at max_turns`, `cancelled`, `ended by an error`. */
export function stopWords(stop: StopReason): string {
  return stop === 'answered' ? 'answered' : stop === 'cancelled' ? 'cancelled' : stop === 'error' ? 'ended by an error' : `stopped at ${stop}`;
}

/** The node's line: `turn 3 · 5 calls` while it runs, `3 turns · 5 calls` after. */
export function progressLine(a: AgentView, running: boolean): string {
  const p = progressOf(a);
  return running ? `turn ${p.turn} · ${plural(p.calls, 'call')}` : `${plural(p.turns, 'turn')} · ${plural(p.calls, 'call')}`;
}
