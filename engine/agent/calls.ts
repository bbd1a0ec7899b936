// The calls of one turn. Each is checked in the order the model asked (the limits, the allow-list,
// its arguments against the tool's schema), then the allowed ones run (at once, a few at a time,
// when the agent's calls are parallel), each after its approval where one is needed, within its
// timeout. Every call gets exactly one answer, in the order asked: its result, or its error, denial
// or refusal as an error result the model may act on. Only a cancelled run, or a replay that has
// no recorded result, ends the turn with an error.
import type { AgentLimit, NamedAgent } from '../spec/types';
import type { ToolResultMessage, WireToolCall } from '../models/provider';
import { canonicalJson } from '../models/cassetteFile';
import { abortError, ToolError, untilAborted, type ToolOutcome } from '../toolkit/runtime';
import { askApproval } from './approval';
import type { AgentCatalog, AgentTool } from './catalog';
import type { AgentHost, AgentRun, HeldCall } from './host';
import { argumentProblem } from './schemas';
import { depthOf } from '../util/depth';
import type { TreeBound } from './treeBound';
import { asText, cut, keepBounded, MAX_RESULT_CHARS, recorded } from './bounds';
import { AgentLimitError, copyOfResult, toolCallCount, type AgentStepResult, type AgentToolCall, type PendingCall, type ToolCallStatus } from './types';

/** Calls of one turn running at once, at most. */
export const MAX_PARALLEL_CALLS = 8;

export interface CallsState {
  /** Calls asked for so far (refused ones too): `max_tool_calls` counts them. */
  made: number;
  /** How many times each tool was called with the same arguments in the step: a cassette's key. */
  occurrences: Map<string, number>;
  /** The count and bound of the step's whole tree of agents, shared with its sub-agents. */
  tree: TreeBound;
}

/** What the calls need of the loop that runs them. */
export interface CallSite {
  readonly run: AgentRun;
  readonly env: { host: AgentHost; signal: AbortSignal };
  readonly state: AgentStepResult;
  /** Runs a named agent as a child of this loop. */
  child(agent: NamedAgent, prompt: string, callId: string, signal: AbortSignal): Promise<AgentStepResult>;
}

/** What becomes of a call; `edited`: a debugger changed its arguments (`args`, what it runs with, or was refused with). */
type Plan =
  | { kind: 'answered'; status: ToolCallStatus; error: string; args?: Record<string, unknown>; edited?: true }
  | { kind: 'run'; tool: AgentTool; args: Record<string, unknown>; occurrence: number; edited?: true };

interface Done {
  call: AgentToolCall;
  /** What the model is told. */
  content: string;
  isError: boolean;
}

class CallTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Checks a call before anything runs; `limit` is set when a limit refuses it. */
/** The deepest a call's arguments may nest: they are kept in the step's result, itself at most 1,000 deep (engine/run/resultBounds.ts), a few levels down (and further down in a named agent's). */
const MAX_ARGUMENT_DEPTH = 900;

function plan(c: WireToolCall, catalog: AgentCatalog, lastTurn: boolean, maxCalls: number, st: CallsState, hit: (l: AgentLimit) => void): Plan {
  if (lastTurn) {
    hit('max_turns');
    return { kind: 'answered', status: 'refused', error: 'Not run: this was the last turn the agent may take (max_turns).' };
  }
  if (st.made >= maxCalls) {
    hit('max_tool_calls');
    return { kind: 'answered', status: 'refused', error: `Not run: the agent may make ${maxCalls} tool call${maxCalls === 1 ? '' : 's'} in all (max_tool_calls).` };
  }
  if (st.tree.toolCallsSpent()) {
    hit('agent_tree');
    return { kind: 'answered', status: 'refused', error: `Not run: the step's agents together may make ${st.tree.maxToolCalls} tool calls in all.` };
  }
  st.made++;
  st.tree.toolCalls++;
  const tool = catalog.byWire(c.name);
  if (!tool) {
    const names = catalog.tools.map((t) => t.wire);
    return { kind: 'answered', status: 'refused', error: `Refused: '${c.name}' is not one of the tools you may call${names.length ? ` (${names.join(', ')})` : ' (none)'}.` };
  }
  if (c.arguments === null) return { kind: 'answered', status: 'error', error: `Not run: ${c.argumentsError ?? 'the arguments are not a JSON object'}. Call ${c.name} again with a JSON object.` };
  // checked before anything walks them with the call stack (the canonical key below, the schema, the record): at any depth the same LimitError
  if (depthOf(c.arguments, MAX_ARGUMENT_DEPTH) > MAX_ARGUMENT_DEPTH) throw new ToolError(`The arguments of the agent's call ${c.id} to ${tool.spelling} are nested deeper than ${MAX_ARGUMENT_DEPTH} levels, which the run cannot record`, 'LimitError');
  const problem = argumentProblem(tool.schema, c.arguments);
  if (problem) return { kind: 'answered', status: 'error', error: `Not run: ${problem} (the schema of ${c.name}).` };
  const key = `${tool.spelling}\u0000${canonicalJson(c.arguments)}`;
  const occurrence = (st.occurrences.get(key) ?? 0) + 1;
  st.occurrences.set(key, occurrence);
  return { kind: 'run', tool, args: c.arguments, occurrence };
}

/** The cassette's count of a call with these arguments, taken once more (the count of the ones it had, given back). */
function recount(st: CallsState, tool: string, was: Record<string, unknown>, now: Record<string, unknown>): number {
  const old = `${tool}\u0000${canonicalJson(was)}`;
  const left = (st.occurrences.get(old) ?? 1) - 1;
  if (left > 0) st.occurrences.set(old, left);
  else st.occurrences.delete(old);
  const key = `${tool}\u0000${canonicalJson(now)}`;
  const occurrence = (st.occurrences.get(key) ?? 0) + 1;
  st.occurrences.set(key, occurrence);
  return occurrence;
}

/**
 * A debugger is attached: it is shown each call the loop will run, one at a time in the order
 * asked, before any of the turn's calls starts (a person steps through them in order), and may let
 * it run, change its arguments (checked against the tool's schema here too), or deny it.
 */
async function askDebugger(loop: CallSite, calls: WireToolCall[], plans: Plan[], turn: number, st: CallsState): Promise<void> {
  const { host, signal } = loop.env;
  for (let i = 0; i < plans.length; i++) {
    const p = plans[i];
    if (p.kind !== 'run') continue;
    const held: HeldCall = { agent: loop.run.ref, turn, id: calls[i].id, tool: p.tool.spelling, arguments: structuredClone(p.args), schema: p.tool.schema, conversation: copyOfResult(loop.state) };
    const d = await untilAborted(Promise.resolve(host.beforeCall!(held, signal)), signal);
    if (!d || d.action === 'run') continue;
    if (d.action === 'deny') {
      plans[i] = { kind: 'answered', status: 'denied', error: 'The call was denied by the person debugging the run.' };
      continue;
    }
    const problem = argumentProblem(p.tool.schema, d.arguments);
    plans[i] = problem
      ? { kind: 'answered', status: 'error', error: `Not run: the arguments the person debugging the run gave do not fit the schema of ${p.tool.wire}: ${problem}.`, args: d.arguments, edited: true }
      : { ...p, args: d.arguments, occurrence: recount(st, p.tool.spelling, p.args, d.arguments), edited: true };
  }
}

/** Runs `fn` on the call's own signal: the run's cancellation and the entry's timeout both end it, even a tool that ignores its signal. */
async function withinTimeout<T>(signal: AbortSignal, timeoutS: number | null, tool: string, fn: (s: AbortSignal) => Promise<T>): Promise<T> {
  if (signal.aborted) throw abortError(signal);
  // no timeout of its own: the call runs on the loop's signal (an AbortController was most of what a no-op call cost)
  if (!timeoutS) return untilAborted(fn(signal), signal);
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ctl.abort(new CallTimeout(`${tool} timed out after ${timeoutS} s`)), timeoutS * 1000);
  try {
    return await untilAborted(fn(ctl.signal), ctl.signal);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function summaryOf(child: AgentStepResult): Record<string, unknown> {
  return { answer: child.answer, stop_reason: child.stop_reason, turns: child.turns, tool_calls: toolCallCount(child) };
}

/** Runs one allowed call: approval, the cassette, the tool (or a named agent's loop). */
async function execute(loop: CallSite, c: WireToolCall, p: Extract<Plan, { kind: 'run' }>, st: CallsState): Promise<Omit<AgentToolCall, 'id' | 'tool' | 'arguments' | 'turn' | 'duration_ms'>> {
  const { host, signal } = loop.env;
  const { tool } = p;
  if (tool.approve) {
    const a = await askApproval({ interaction: host.interaction, agent: loop.run.ref.name, tool: tool.spelling, args: p.args, schema: tool.schema, redactor: host.redactor, signal });
    if (!a.approved) return { status: 'denied', error: `The call was ${a.reason}.` };
    // approved with the person's arguments: the call runs (and is recorded) with them; the model is told only the result
    if (a.edited) Object.assign(p, { args: a.edited, occurrence: recount(st, tool.spelling, p.args, a.edited), edited: true as const });
  }
  const { args } = p;
  if (tool.kind === 'agent') {
    try {
      const prompt = typeof args.prompt === 'string' ? args.prompt : JSON.stringify(args);
      const child = await withinTimeout(signal, tool.timeoutS, tool.spelling, (s) => loop.child(tool.agent!, prompt, c.id, s));
      return { status: 'ok', result: summaryOf(child), agent: child };
    } catch (e) {
      if (signal.aborted) throw e;
      if (e instanceof AgentLimitError) return { status: 'error', error: e.message, agent: e.partial };
      if (e instanceof ToolError && e.errorType === 'CassetteMiss') throw e;
      return { status: 'error', error: host.redactor.text((e as Error).message) };
    }
  }
  const tape = host.tape;
  if (tape?.mode === 'replay') {
    const o = tape.replayTool(host.stepId, tool.spelling, args, p.occurrence);
    return o.status === 'ok' ? { status: 'ok', result: o.result } : { status: 'error', error: o.error ?? 'The tool failed', ...(o.result !== undefined ? { result: o.result } : {}) };
  }
  let outcome: ToolOutcome | null = null;
  let failure: string | null = null;
  try {
    outcome = await withinTimeout(signal, tool.timeoutS, tool.spelling, (s) => tool.invoke(args, host.toolContext(s)));
  } catch (e) {
    if (signal.aborted) throw e;
    failure = host.redactor.text(e instanceof Error ? e.message : String(e));
  }
  const done = failure !== null ? { status: 'error' as const, error: failure } : outcome!.success ? { status: 'ok' as const, result: outcome!.result } : { status: 'error' as const, error: outcome!.error ?? `${tool.spelling} reported a failure`, ...(outcome!.result !== undefined && outcome!.result !== null ? { result: outcome!.result } : {}) };
  if (tape?.mode === 'record') tape.recordTool(host.stepId, tool.spelling, args, p.occurrence, host.redactor.value(done));
  return done;
}

/** What the model is told of a call. */
function contentOf(status: ToolCallStatus, result: unknown, error: string | undefined): string {
  if (status === 'ok') return asText(result ?? null);
  return result !== undefined && result !== null ? `${error}\n${asText(result)}` : (error ?? 'The call failed');
}

/** Runs the calls of one turn; returns the answer for each, in the order asked, and the limit that refused any. */
export async function runCalls(loop: CallSite, calls: WireToolCall[], turn: number, lastTurn: boolean, catalog: AgentCatalog, st: CallsState): Promise<{ results: ToolResultMessage['results']; limit: AgentLimit | null }> {
  const { host, signal } = loop.env;
  const decl = loop.run.decl;
  let limit: AgentLimit | null = null;
  const plans = calls.map((c) => plan(c, catalog, lastTurn, decl.maxToolCalls, st, (l) => (limit ??= l)));
  if (host.beforeCall) await askDebugger(loop, calls, plans, turn, st);
  const done: Done[] = new Array(calls.length);
  const one = async (i: number): Promise<void> => {
    const c = calls[i];
    const p = plans[i];
    // the allow-list's spelling of a tool it has (a call with bad arguments too); the model's name for one it has not
    // the arguments it runs with: a debugger's edit, else the model's
    const pending: PendingCall = { id: c.id, tool: p.kind === 'run' ? p.tool.spelling : (catalog.byWire(c.name)?.spelling ?? c.name), arguments: recorded(host.redactor.value(p.args ?? c.arguments ?? c.argumentsText)) };
    host.emit({ type: 'tool-call-started', agent: loop.run.ref, turn, call: pending, approval: p.kind === 'run' && p.tool.approve });
    const t0 = performance.now();
    const past = p.kind === 'run' ? loop.run.replay?.call(turn, c.id) : undefined; // a fork's call before its fork point: as recorded
    const out = past ?? (p.kind === 'run' ? await execute(loop, c, p, st) : { status: p.status, error: p.error });
    const result = 'result' in out ? host.redactor.value(out.result) : undefined;
    const error = out.error === undefined ? undefined : host.redactor.text(out.error);
    const call: AgentToolCall = { id: c.id, tool: pending.tool, arguments: p.edited && p.args ? recorded(host.redactor.value(p.args)) : pending.arguments, ...(result !== undefined ? { result: recorded(result) } : {}), ...(error !== undefined ? { error } : {}), status: out.status, duration_ms: Math.round((performance.now() - t0) * 1000) / 1000, turn, ...(p.edited ? { edited: true as const } : {}), ...('agent' in out && out.agent ? { agent: out.agent } : {}), ...(past ? { from_record: true as const } : {}) };
    let content = cut(host.redactor.text(contentOf(out.status, result, error)), MAX_RESULT_CHARS);
    if (host.checkToolResult) content = await host.checkToolResult(content); // the step's tool_results guards
    done[i] = { call, content, isError: out.status !== 'ok' };
    host.emit({ type: 'tool-call-ended', agent: loop.run.ref, call });
  };
  if (decl.parallelToolCalls && calls.length > 1) {
    // a few at a time; every call settles before the turn ends (a cancelled one included)
    let next = 0;
    const lanes = Array.from({ length: Math.min(MAX_PARALLEL_CALLS, calls.length) }, async () => {
      while (next < calls.length && !signal.aborted) await one(next++);
    });
    const settled = await Promise.allSettled(lanes);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw signal.aborted ? signal.reason : failed.reason;
  } else for (let i = 0; i < calls.length; i++) await one(i);
  for (const d of done) keepBounded(loop.state, 'tool_calls', d.call);
  return { results: done.map((d, i) => ({ id: calls[i].id, name: calls[i].name, content: d.content, isError: d.isError, ...(calls[i].generatedId ? { generatedId: true as const } : {}) })), limit };
}
