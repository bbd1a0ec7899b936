// The debug adapter at an agent's tool calls: the calls it holds (the engine asks before each call of
// an agent step, one at a time in the order the model asked), what a person sees there — the call
// and the conversation in Variables, a frame per turn in the Call Stack, `call` and `agent` in Watch
// and the debug console — and what they may do: change the arguments (checked against the tool's
// schema before the change is taken), or deny the call. A handoff is held the same way (the
// "Agent handoffs" filter): once the conversation is handed over, before the new agent's first turn,
// with the handoff and the conversation in Variables. The session (debugAdapter.ts) decides when to
// stop; this file keeps the held calls and handoffs and shows them. Imports no `vscode`.
import { Scope, type Source, StackFrame } from '@vscode/debugadapter';
import { argumentProblem, type AgentTurn, type HandoffPoint, type Scope as TemplateScope, setAtPath, type ToolCallDecision, type ToolCallPoint } from '../engine/api/index';
import type { DebugVariables } from './debugVariables';

/** The custom DAP request that denies the call a thread is held at (`{ threadId? }`; none: the call the session stopped at). */
export const DENY_TOOL_CALL = 'denyToolCall';
/** The custom event the adapter sends when it stops (and when it goes on): whether it stands at a tool call. */
export const TOOL_CALL_EVENT = 'orchestratorToolCall';

/** The body of TOOL_CALL_EVENT: the call the session stopped at, or null when it stopped elsewhere or goes on. */
export interface ToolCallEventBody {
  held: { tool: string; id: string; turn: number; agent: string } | null;
}

/** A frame above the step's own while a call is held: the call, a turn of the conversation, or the named agent that asked. */
export type CallFrame = { kind: 'call' } | { kind: 'turn'; turn: number } | { kind: 'agent' } | { kind: 'handoff' };

/** One call the engine waits on. */
export interface HeldCall {
  point: ToolCallPoint;
  /** What it will run with: the model's arguments, changed in Variables. */
  arguments: Record<string, unknown>;
  edited: boolean;
  release: (d: ToolCallDecision) => void;
}

/** A handoff the engine waits on: the new agent's first turn waits for it. */
export interface HeldHandoff {
  handoff: HandoffPoint;
  release: () => void;
}

type Held = HeldCall | HeldHandoff;
const isCall = (h: Held | undefined): h is HeldCall => Boolean(h && 'point' in h);

/** The stop's description at a handoff: who handed the conversation to whom. */
export function handoffDescription(h: HandoffPoint): string {
  return `${h.from} handed the conversation to ${h.to} (turn ${h.turn})`;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The stop's description: who is about to call what. */
export function callDescription(p: ToolCallPoint): string {
  const who = p.agent.path.length ? `agent ${p.agent.name}` : p.agent.name;
  return `${who} is about to call ${p.call.tool} (turn ${p.turn}, ${p.call.id})`;
}

/** A turn's frame name: `turn 2: gpt-4o-mini — 2 calls` (the model without its provider, to fit the Call Stack; the turn's scope has it whole). */
export function turnName(t: AgentTurn): string {
  return `turn ${t.turn}: ${t.model.replace(/^[a-z][\w-]*:/i, '')} — ${plural(t.tool_calls.length, 'call')}`;
}

/** The calls each thread is held at, oldest first (more than one only when named agents run at once). */
export class HeldCalls {
  private readonly byThread = new Map<number, Held[]>();
  /** The step (by key) whose calls stop the run: Step Into on it or at one of its calls, or a call of it denied. */
  into: string | null = null;

  constructor(private readonly variables: DebugVariables) {}

  /** Holds a call of the thread's step until the session lets it go. */
  hold(thread: number, point: ToolCallPoint): Promise<ToolCallDecision> {
    return new Promise((release) => {
      const list = this.byThread.get(thread) ?? [];
      list.push({ point, arguments: point.call.arguments, edited: false, release });
      this.byThread.set(thread, list);
    });
  }

  holdHandoff(thread: number, handoff: HandoffPoint): Promise<void> {
    return new Promise((release) => {
      const list = this.byThread.get(thread) ?? [];
      list.push({ handoff, release });
      this.byThread.set(thread, list);
    });
  }

  /** The call the thread stands at (none when it stands at a handoff). */
  first(thread: number): HeldCall | undefined {
    const h = this.byThread.get(thread)?.[0];
    return isCall(h) ? h : undefined;
  }

  /** The handoff the thread stands at. */
  handoffAt(thread: number): HandoffPoint | undefined {
    const h = this.byThread.get(thread)?.[0];
    return h && !isCall(h) ? h.handoff : undefined;
  }

  /** What the thread stands at, in words (undefined: at neither). */
  description(thread: number): string | undefined {
    const h = this.byThread.get(thread)?.[0];
    return !h ? undefined : isCall(h) ? callDescription(h.point) : handoffDescription(h.handoff);
  }

  has(thread: number): boolean {
    return Boolean(this.byThread.get(thread)?.length);
  }

  /** Lets the thread's first call go: as it stands (with its changed arguments), or denied; a handoff, on. */
  releaseFirst(thread: number, deny = false): Held | undefined {
    const list = this.byThread.get(thread);
    const c = list?.shift();
    if (list && !list.length) this.byThread.delete(thread);
    if (isCall(c)) c.release(deny ? { action: 'deny' } : c.edited ? { action: 'edit', arguments: c.arguments } : { action: 'run' });
    else c?.release();
    return c;
  }

  /** Lets every call of the thread go, each as it stands. */
  releaseAll(thread: number): void {
    while (this.releaseFirst(thread));
  }

  /** How the Threads view names a thread held at a call: ` (before filesystem.write)`; empty when it is not. */
  label(thread: number): string {
    const c = this.first(thread);
    const h = this.handoffAt(thread);
    return c ? ` (before ${c.point.call.tool})` : h ? ` (handoff to ${h.to})` : '';
  }

  /** What the client is told of a stop on this thread. */
  eventBody(thread: number): ToolCallEventBody {
    const c = this.first(thread);
    return { held: c ? { tool: c.point.call.tool, id: c.point.call.id, turn: c.point.turn, agent: c.point.agent.name } : null };
  }

  /** The frames above the step's: the call, the named agent's (when one asked), the turns newest first. */
  frames(thread: number, makeId: (at: CallFrame) => number, source: Source, line: number): StackFrame[] {
    const c = this.first(thread);
    const h = this.handoffAt(thread);
    const p = c?.point ?? h;
    if (!p) return [];
    const frames = [c ? new StackFrame(makeId({ kind: 'call' }), `before ${c.point.call.tool} (${c.point.call.id})`, source, line, 1) : new StackFrame(makeId({ kind: 'handoff' }), `handoff: ${h!.from} → ${h!.to}`, source, line, 1)];
    for (const t of [...p.conversation.transcript].reverse()) frames.push(new StackFrame(makeId({ kind: 'turn', turn: t.turn }), turnName(t), source, line, 1));
    if (p.agent.path.length) frames.push(new StackFrame(makeId({ kind: 'agent' }), `agent ${p.agent.name} (called by ${p.agent.path[p.agent.path.length - 1]})`, source, line, 1));
    return frames;
  }

  /** The scopes of a frame above the step's. */
  scopes(thread: number, at: CallFrame): Scope[] {
    const c = this.first(thread);
    const h = this.handoffAt(thread);
    const p = c?.point ?? h;
    if (!p) return [];
    if (at.kind === 'turn') {
      const turn = p.conversation.transcript.find((t) => t.turn === at.turn);
      const calls = p.conversation.tool_calls.filter((x) => x.turn === at.turn);
      return [new Scope(`Turn ${at.turn}`, this.variables.create({ value: { ...turn, calls }, edit: null }))];
    }
    const conversation = new Scope('Conversation', this.variables.create({ value: { transcript: p.conversation.transcript, tool_calls: p.conversation.tool_calls, ...(p.conversation.handoffs ? { handoffs: p.conversation.handoffs } : {}) }, edit: null }));
    if (!c) return [new Scope('Handoff', this.variables.create({ value: { from: h!.from, to: h!.to, turn: h!.turn, ...(h!.agent.path.length ? { agent: h!.agent.name } : {}) }, edit: null })), conversation];
    const shown = { tool: c.point.call.tool, id: c.point.call.id, turn: p.turn, ...(p.agent.path.length ? { agent: p.agent.name } : {}), arguments: c.arguments };
    return [new Scope('Tool call', this.variables.create({ value: shown, edit: { kind: 'call', thread, path: [] } })), conversation];
  }

  /**
   * Changes the held call's arguments at `path` (under `arguments`), after checking the result
   * against the tool's schema: a change that does not fit is refused, and nothing changes.
   */
  edit(thread: number, path: (string | number)[], value: unknown): void {
    const c = this.first(thread);
    if (!c) throw new Error('the call has started: its arguments can no longer be changed');
    if (path[0] !== 'arguments') throw new Error(`'${String(path[0])}' cannot be changed: only the call's arguments can`);
    const rest = path.slice(1);
    if (!rest.length && (value === null || typeof value !== 'object' || Array.isArray(value))) throw new Error('the arguments must be a JSON object');
    const candidate = rest.length ? structuredClone(c.arguments) : (value as Record<string, unknown>);
    if (rest.length) setAtPath(candidate, rest, value);
    const problem = argumentProblem(c.point.schema, candidate);
    if (problem) throw new Error(`${c.point.call.tool} would not take these arguments: ${problem}. They are unchanged.`);
    // the checked change goes into the object Variables shows, so what is listed stays what will run
    if (rest.length) setAtPath(c.arguments, rest, value);
    else c.arguments = candidate;
    c.edited = true;
  }

  /** The names Watch and the debug console see at a held call: `call` and `agent` over the step's scope. */
  scopeOver(thread: number, base: TemplateScope): TemplateScope {
    const c = this.first(thread);
    const h = this.handoffAt(thread);
    if (!c && !h) return base;
    const names: Record<string, unknown> = c
      ? { call: { tool: c.point.call.tool, id: c.point.call.id, turn: c.point.turn, arguments: c.arguments }, agent: { name: c.point.agent.name, ...c.point.conversation } }
      : { handoff: { from: h!.from, to: h!.to, turn: h!.turn }, agent: { name: h!.agent.name, ...h!.conversation } };
    return { lookup: (name) => (Object.prototype.hasOwnProperty.call(names, name) ? { found: true, value: names[name] } : base.lookup(name)) };
  }
}
