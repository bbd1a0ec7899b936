// The assertions on an agent step's trajectory: which tools it called (`tool_called`, with `args` a
// subset its arguments must have; `tool_not_called`), in what order (`tool_sequence`), and how long
// its loop ran (`max_turns`, `max_tool_calls`). They read the step's AgentStepResult — a failed
// agent step's too, since a limit keeps the loop so far as its result — and only the step's own
// calls: a named agent the step called is one call (`agent:NAME`), its own calls are its own.
import { toolCallCount, type AgentStepResult, type AgentToolCall } from '../agent/types';
import { wireBase } from '../agent/toolNames';
import { canonicalJson } from '../models/cassetteFile';
import type { AssertionKind, EvalAssertion } from './evalFile';

export type TrajectoryKind = Extract<AssertionKind, 'tool_called' | 'tool_not_called' | 'tool_sequence' | 'max_turns' | 'max_tool_calls' | 'handoff_to'>;

export interface TrajectoryOutcome {
  expected: unknown;
  actual: unknown;
  pass: boolean;
  reason: string;
}

type Render = (v: unknown) => unknown;
type TrajectoryCheck = (a: EvalAssertion, r: AgentStepResult, render: Render) => TrajectoryOutcome;

const MAX_SHOWN = 120;
/** The stop reasons that are limits (AgentLimit): the bound of the step's tree of agents and its handoffs too. */
const LIMITS = new Set<string>(['max_turns', 'max_tool_calls', 'budget', 'timeout', 'agent_tree', 'handoffs']);

const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function compact(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? 'null');
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s;
}

const shortText = (s: string | undefined) => (!s ? 'no reason given' : s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s);
const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

/**
 * Whether a call is of `tool`. A call that did not run may be recorded under the wire name the model
 * used (`filesystem_read`) rather than the allow-list's spelling: it counts as the same tool.
 */
function isOf(c: AgentToolCall, tool: string): boolean {
  return c.tool === tool || (c.status !== 'ok' && c.tool === wireBase(tool));
}

/** A call as the diff shows it: the tool, its arguments when they matter, and its status when it did not run. */
function label(c: AgentToolCall, withArgs: boolean): string {
  return `${c.tool}${withArgs ? ` ${compact(c.arguments)}` : ''}${c.status === 'ok' ? '' : ` (${c.status})`}`;
}

const callList = (r: AgentStepResult, tool: string | null = null) => r.tool_calls.map((c) => label(c, tool !== null && isOf(c, tool)));

/** A verdict the record cannot give: calls in the middle of a very long loop were not kept. */
function unknowable(r: AgentStepResult, what: string): Error {
  return new Error(`${r.tool_calls_omitted} tool call${r.tool_calls_omitted === 1 ? ' was' : 's were'} left out of the step's record (only the first and the latest are kept), so ${what} cannot be told`);
}

/** `args` with every string rendered as a template (a template that is one `{{ expr }}` keeps its type). */
function rendered(v: unknown, render: Render): unknown {
  if (typeof v === 'string') return render(v);
  if (Array.isArray(v)) return v.map((x) => rendered(x, render));
  if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rendered(x, render)]));
  return v;
}

/** How `actual` differs from what `expected` asks (every key of a mapping present and matching, recursively; anything else equal), or null when it matches. */
export function argsDiffer(expected: unknown, actual: unknown, at = ''): string | null {
  if (isMapping(expected)) {
    if (!isMapping(actual)) return `${at ? `'${at}'` : 'the arguments'} ${actual === undefined ? 'are missing' : `are ${compact(actual)}`}, not a mapping`;
    for (const [k, v] of Object.entries(expected)) {
      const p = at ? `${at}.${k}` : k;
      if (!Object.prototype.hasOwnProperty.call(actual, k)) return `no '${p}'`;
      const d = argsDiffer(v, actual[k], p);
      if (d) return d;
    }
    return null;
  }
  return canonicalJson(expected) === canonicalJson(actual) ? null : `'${at}' is ${compact(actual)}, not ${compact(expected)}`;
}

function notRun(calls: AgentToolCall[]): string {
  return calls.map((c) => `${c.status} (${shortText(c.error)})`).join('; ');
}

const toolCalled: TrajectoryCheck = (a, r, render) => {
  const tool = a.operand as string;
  const args = a.args ? (rendered(a.args, render) as Record<string, unknown>) : null;
  const expected = args ? `${tool} ${compact(args)}` : tool;
  const actual = callList(r, args ? tool : null);
  const mine = r.tool_calls.filter((c) => isOf(c, tool));
  const ran = mine.filter((c) => c.status === 'ok');
  const hits = args ? ran.filter((c) => argsDiffer(args, c.arguments) === null) : ran;
  if (hits.length) return { expected, actual, pass: true, reason: '' };
  if (r.tool_calls_omitted) throw unknowable(r, `whether ${tool} ran`);
  let reason: string;
  if (!mine.length) reason = `${tool} was not called (${r.tool_calls.length ? `the calls: ${actual.join(', ')}` : 'the agent called no tool'})`;
  else if (!ran.length) reason = `${tool} was asked for ${times(mine.length)} but never ran: ${notRun(mine)}`;
  else {
    reason = `${tool} ran ${times(ran.length)}, never with ${compact(args)}: ${ran.map((c) => argsDiffer(args, c.arguments)).join('; ')}`;
    const blocked = mine.filter((c) => c.status !== 'ok' && argsDiffer(args, c.arguments) === null);
    if (blocked.length) reason += `; with those arguments it did not run: ${notRun(blocked)}`;
  }
  return { expected, actual, pass: false, reason };
};

/** A refused call (a tool outside the allow-list, or over a limit) never reached a tool: it is not a call of it. */
const toolNotCalled: TrajectoryCheck = (a, r) => {
  const tool = a.operand as string;
  const called = r.tool_calls.filter((c) => isOf(c, tool) && c.status !== 'refused');
  const pass = called.length === 0;
  if (pass && r.tool_calls_omitted) throw unknowable(r, `whether ${tool} was called`);
  const reason = pass ? '' : `${tool} was called ${times(called.length)}: ${called.map((c) => `turn ${c.turn} ${compact(c.arguments)}${c.status === 'ok' ? '' : ` (${c.status})`}`).join('; ')}`;
  return { expected: `no call of ${tool}`, actual: callList(r, tool), pass, reason };
};

/** The tools ran in this order (a call that did not run is not in it); other calls may stand between. */
const toolSequence: TrajectoryCheck = (a, r) => {
  const seq = a.operand as string[];
  let next = 0;
  let lastAt = -1;
  r.tool_calls.forEach((c, i) => {
    if (next < seq.length && c.status === 'ok' && c.tool === seq[next]) {
      next++;
      lastAt = i;
    }
  });
  const actual = callList(r);
  if (next === seq.length) return { expected: seq, actual, pass: true, reason: '' };
  if (r.tool_calls_omitted) throw unknowable(r, 'the order of the calls');
  const missing = seq[next];
  const before = next === 1 ? `${seq[0]} ran (call ${lastAt + 1})` : `${seq.slice(0, next).join(' → ')} ran in that order (up to call ${lastAt + 1})`;
  let reason = next === 0 ? `${missing} never ran` : `${before}, but no ${missing} ran after ${next === 1 ? 'it' : 'them'}`;
  const blocked = r.tool_calls.slice(lastAt + 1).filter((c) => c.status !== 'ok' && isOf(c, missing));
  if (blocked.length) reason += `: it was asked for but did not run: ${notRun(blocked)}`;
  reason += `; the calls: ${actual.length ? actual.join(', ') : 'none'}`;
  return { expected: seq, actual, pass: false, reason };
};

/** What the loop's end says, when a limit or a failure ended it. */
function ending(r: AgentStepResult): string {
  if (LIMITS.has(r.stop_reason)) return ` (the loop stopped at its limit: ${r.stop_reason})`;
  if (r.stop_reason === 'cancelled' || r.stop_reason === 'error') return ` (the loop ended: ${r.stop_reason})`;
  return '';
}

const maxTurns: TrajectoryCheck = (a, r) => {
  const most = a.operand as number;
  const pass = r.turns <= most;
  return { expected: `<= ${most}`, actual: r.turns, pass, reason: pass ? '' : `the agent took ${r.turns} turn${r.turns === 1 ? '' : 's'}, more than ${most}${ending(r)}` };
};

const maxToolCalls: TrajectoryCheck = (a, r) => {
  const most = a.operand as number;
  const n = toolCallCount(r);
  const pass = n <= most;
  if (pass) return { expected: `<= ${most}`, actual: n, pass, reason: '' };
  const by = new Map<string, number>();
  for (const c of r.tool_calls) by.set(c.status, (by.get(c.status) ?? 0) + 1);
  const words = [...by].map(([status, k]) => `${k} ${status === 'ok' ? 'ran' : status}`).join(', ');
  return { expected: `<= ${most}`, actual: n, pass, reason: `the agent made ${n} tool call${n === 1 ? '' : 's'}, more than ${most} (${words}${r.tool_calls_omitted ? `, ${r.tool_calls_omitted} not kept` : ''})${ending(r)}` };
};

/** The conversation was handed to this named agent (`handoffs:`), at some turn. */
const handoffTo: TrajectoryCheck = (a, r) => {
  const to = a.operand as string;
  const chain = (r.handoffs ?? []).map((h) => `${h.to} (turn ${h.turn})`);
  const pass = (r.handoffs ?? []).some((h) => h.to === to);
  return { expected: `a handoff to ${to}`, actual: chain, pass, reason: pass ? '' : chain.length ? `the conversation was handed to ${chain.join(', then ')}, never to ${to}${ending(r)}` : `the conversation was never handed off${ending(r)}` };
};

export const TRAJECTORY_CHECKS: Record<TrajectoryKind, TrajectoryCheck> = {
  handoff_to: handoffTo,
  tool_called: toolCalled,
  tool_not_called: toolNotCalled,
  tool_sequence: toolSequence,
  max_turns: maxTurns,
  max_tool_calls: maxToolCalls,
};
