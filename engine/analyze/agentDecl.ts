// An agent's settings as written (an `action: agent` step's keys, or a named agent of `agents:`)
// → the engine's AgentDecl: the allow-list read entry by entry, limits with their defaults.
// Tolerant of invalid input: the schema pass and agentCheck report what is wrong.
import type { AgentDecl, AgentToolEntry, AgentToolRef, NamedAgent, ValuePath } from '../spec/types';
import { parseMcpTool } from '../mcp/names';

type Obj = Record<string, unknown>;

export const AGENT_ACTION = 'agent';
export const DEFAULT_MAX_TURNS = 10;
export const DEFAULT_MAX_TOOL_CALLS = 50;
/** The step keys that only an agent reads (`budget` is any model step's too). */
export const AGENT_STEP_KEYS = ['tools', 'max_turns', 'max_tool_calls', 'on_limit', 'parallel_tool_calls', 'handoffs', 'memory'] as const;
/** A session's bound when `memory:` names none. */
export const DEFAULT_MAX_MESSAGES = 50;
/** The options an allow-list entry may carry. */
export const ENTRY_OPTIONS = ['approve', 'timeout'] as const;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function posInt(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : dflt;
}

function nonNegative(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

/** What a spelled entry names: `TOOL.ACTION`, `TOOL`, `mcp:SERVER.TOOL`, `mcp:SERVER`, `pipeline:FILE`, `agent:NAME`. */
export function parseToolSpelling(s: string): AgentToolRef | null {
  const text = s.trim();
  if (!text) return null;
  const mcp = parseMcpTool(text);
  if (mcp) return mcp.server ? { kind: 'mcp', server: mcp.server, tool: mcp.tool } : null;
  if (text.startsWith('pipeline:')) return text.length > 9 ? { kind: 'pipeline', file: text.slice(9).trim() } : null;
  if (text.startsWith('agent:')) return text.length > 6 ? { kind: 'agent', name: text.slice(6).trim() } : null;
  if (text.startsWith('a2a:')) return text.length > 4 ? { kind: 'a2a', url: text.slice(4).trim(), tokenEnv: null } : null;
  const dot = text.indexOf('.');
  if (dot < 0) return { kind: 'tool', tool: text };
  if (dot === 0 || dot === text.length - 1) return null;
  return { kind: 'action', tool: text.slice(0, dot), action: text.slice(dot + 1) };
}

/** The spelling results and events use for an entry. */
export function spellingOf(ref: AgentToolRef): string {
  switch (ref.kind) {
    case 'action':
      return `${ref.tool}.${ref.action}`;
    case 'tool':
      return ref.tool;
    case 'mcp':
      return ref.tool ? `mcp:${ref.server}.${ref.tool}` : `mcp:${ref.server}`;
    case 'pipeline':
      return `pipeline:${ref.file}`;
    case 'agent':
      return `agent:${ref.name}`;
    case 'a2a':
      return `a2a:${ref.url}`;
  }
}

/**
 * One entry as written: `filesystem.read`; `{filesystem.write: {approve: true, timeout: 30}}`;
 * `{pipeline: FILE}` or `{agent: NAME}`, with `approve` / `timeout` beside them. Null when it names
 * nothing usable (agentCheck says why).
 */
export function readToolEntry(raw: unknown, path: ValuePath): AgentToolEntry | null {
  let ref: AgentToolRef | null = null;
  let options: Obj = {};
  if (typeof raw === 'string') ref = parseToolSpelling(raw);
  else if (isObj(raw)) {
    const keys = Object.keys(raw);
    if (typeof raw.pipeline === 'string') {
      ref = raw.pipeline.trim() ? { kind: 'pipeline', file: raw.pipeline.trim() } : null;
      options = raw;
    } else if (typeof raw.agent === 'string') {
      ref = raw.agent.trim() ? { kind: 'agent', name: raw.agent.trim() } : null;
      options = raw;
    } else if (typeof raw.a2a === 'string') {
      // `{a2a: URL, token_env: NAME}`: the token is read from the environment when the agent runs
      ref = raw.a2a.trim() ? { kind: 'a2a', url: raw.a2a.trim(), tokenEnv: typeof raw.token_env === 'string' && raw.token_env.trim() ? raw.token_env.trim() : null } : null;
      options = raw;
    } else {
      // `{SPELLING: {options}}`, or `{SPELLING: null}` (a key with nothing after its colon)
      const named = keys.filter((k) => !(ENTRY_OPTIONS as readonly string[]).includes(k));
      if (named.length === 1) {
        ref = parseToolSpelling(named[0]);
        const v = raw[named[0]];
        options = isObj(v) ? v : raw;
      }
    }
  }
  if (!ref) return null;
  return { ref, spelling: spellingOf(ref), approve: options.approve === true, timeout: nonNegative(options.timeout), path };
}

/** The allow-list (`tools:`) of an agent, entries that name nothing left out. */
export function readToolEntries(raw: unknown, path: ValuePath): AgentToolEntry[] {
  if (!Array.isArray(raw)) return [];
  const out: AgentToolEntry[] = [];
  raw.forEach((e, i) => {
    const entry = readToolEntry(e, path.concat(i));
    if (entry) out.push(entry);
  });
  return out;
}

/** An agent's allow-list and limits from a mapping (a step's, or a named agent's). */
export function agentDeclOf(raw: Obj, path: ValuePath): AgentDecl {
  const budget = isObj(raw.budget) ? raw.budget : {};
  return {
    tools: readToolEntries(raw.tools, path.concat('tools')),
    maxTurns: posInt(raw.max_turns, DEFAULT_MAX_TURNS),
    maxToolCalls: posInt(raw.max_tool_calls, DEFAULT_MAX_TOOL_CALLS),
    budget: { maxCostUsd: nonNegative(budget.max_cost_usd), maxTokens: nonNegative(budget.max_tokens) },
    onLimit: raw.on_limit === 'answer' ? 'answer' : 'fail',
    parallelToolCalls: raw.parallel_tool_calls !== false,
    ...(Array.isArray(raw.handoffs) ? { handoffs: raw.handoffs.filter((h): h is string => typeof h === 'string' && h.trim() !== '').map((h) => h.trim()) } : {}),
    ...(isObj(raw.memory) && typeof raw.memory.session === 'string' && raw.memory.session.trim()
      ? { memory: { session: raw.memory.session, maxMessages: posInt(raw.memory.max_messages, DEFAULT_MAX_MESSAGES) || DEFAULT_MAX_MESSAGES, summarizeAfter: typeof raw.memory.summarize_after === 'number' && Number.isInteger(raw.memory.summarize_after) && raw.memory.summarize_after > 0 ? raw.memory.summarize_after : null } }
      : {}),
  };
}

/** The named agents of `agents:`. */
export function namedAgents(v: unknown): Record<string, NamedAgent> {
  const out: Record<string, NamedAgent> = Object.create(null) as Record<string, NamedAgent>;
  if (!isObj(v)) return out;
  for (const [name, raw] of Object.entries(v)) {
    if (!isObj(raw)) continue;
    const path: ValuePath = ['agents', name];
    const str = (x: unknown) => (typeof x === 'string' ? x : null);
    const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
    const agent: NamedAgent = {
      name,
      description: str(raw.description),
      model: str(raw.model),
      instructions: str(raw.instructions),
      expert: str(raw.expert),
      personality: str(raw.personality),
      maxTokens: num(raw.max_tokens),
      temperature: num(raw.temperature),
      path,
      ...agentDeclOf(raw, path),
    };
    Object.defineProperty(out, name, { value: agent, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
