// Mocks of a case (`mocks: [{tool, args, result | error, delay_ms}]`): a tool call whose tool and
// arguments match a mock is answered by it and never reaches the tool, for a plain step
// (`tool: terminal, action: execute`: its rendered parameters are the arguments) and for an agent's
// call alike (both go through the run's tool registry, where the mocked tools are wrapped). `tool` is
// `TOOL.ACTION` (`terminal.execute`) or `TOOL` (any of its actions); `args` is a subset match as
// `tool_called`'s (absent: any arguments); the first mock that matches answers. A call no mock
// matches runs the tool. An MCP server's tool is `mcp:SERVER.TOOL`: a server any mock names is never
// started (its tools are the mocked ones, listed with an open schema), and a call of it that no mock
// matches fails, naming the call, rather than starting it.
import type { McpStandIn } from '../mcp/session';
import { BUILTIN_TOOLS } from '../tools/registry';
import { ToolError, type ToolDefinition } from '../toolkit/runtime';
import { sleep } from '../util/longTimer';
import { isMapping } from './evalFile';
import { argsDiffer } from './trajectory';
import type { MockedCall } from './caseReport';

export interface MockSpec {
  tool: string;
  args: Record<string, unknown> | null;
  /** What it answers: the call's result, or the error the call fails with. */
  answer: { result: unknown } | { error: string };
  delayMs: number;
}

const MOCK_KEYS = ['tool', 'args', 'result', 'error', 'delay_ms'];

/** `mocks:` as written, or a message saying what is wrong with it. */
export function mocksOf(v: unknown): MockSpec[] | string {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return "'mocks' is a list of {tool, args, result | error, delay_ms}.";
  const out: MockSpec[] = [];
  for (const [i, m] of v.entries()) {
    const at = `mocks[${i}]`;
    if (!isMapping(m)) return `${at} is a mapping: {tool, args, result | error, delay_ms}.`;
    const extra = Object.keys(m).find((k) => !MOCK_KEYS.includes(k));
    if (extra) return `${at} has an unknown key '${extra}' (it takes ${MOCK_KEYS.join(', ')}).`;
    if (typeof m.tool !== 'string' || !m.tool.trim()) return `${at} needs 'tool': TOOL.ACTION (terminal.execute) or TOOL.`;
    const tool = m.tool.trim();
    if (tool.startsWith('mcp:') && !/^mcp:[^.\s]+\.\S+$/.test(tool)) return `${at}: an MCP tool is mocked as mcp:SERVER.TOOL, not '${tool}'.`;
    if (!tool.startsWith('mcp:') && !Object.prototype.hasOwnProperty.call(BUILTIN_TOOLS, tool.split('.')[0])) return `${at}: '${tool}' is not a built-in tool (mocks answer the built-in tools' calls: ${Object.keys(BUILTIN_TOOLS).slice(0, 6).join(', ')}, ...).`;
    if (m.args !== undefined && !isMapping(m.args)) return `${at}: 'args' maps argument names to the values a call must have.`;
    const has = (k: string) => Object.prototype.hasOwnProperty.call(m, k);
    if (has('result') === has('error')) return `${at} answers with one of 'result' or 'error'.`;
    if (has('error') && typeof m.error !== 'string') return `${at}: 'error' is the message the call fails with.`;
    const delay = m.delay_ms ?? 0;
    if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 600_000) return `${at}: 'delay_ms' is a whole number of milliseconds from 0 to 600000.`;
    out.push({ tool, args: (m.args as Record<string, unknown> | undefined) ?? null, answer: has('error') ? { error: m.error as string } : { result: m.result }, delayMs: delay });
  }
  return out;
}

/** A mock's answer to a call it matched (after its delay). */
async function answerOf(m: MockSpec, signal: AbortSignal): Promise<{ success: true; result: unknown }> {
  if (m.delayMs && !(await sleep(m.delayMs, signal))) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
  if ('error' in m.answer) throw new ToolError(m.answer.error, 'MockedError');
  return { success: true, result: m.answer.result };
}

/** `mcp:SERVER.TOOL` as [server, tool]. */
const mcpRef = (tool: string): [string, string] => {
  const dot = tool.indexOf('.');
  return [tool.slice(4, dot), tool.slice(dot + 1)];
};

/** The MCP servers the mocks name, answered by them: never started. */
function mcpStandIn(mocks: MockSpec[], counts: number[]): McpStandIn | undefined {
  const mine = mocks.map((m, i) => [m, i] as const).filter(([m]) => m.tool.startsWith('mcp:'));
  if (!mine.length) return undefined;
  const servers = new Set(mine.map(([m]) => mcpRef(m.tool)[0]));
  return {
    answers: (server) => servers.has(server),
    listTools: (server) => [...new Set(mine.filter(([m]) => mcpRef(m.tool)[0] === server).map(([m]) => mcpRef(m.tool)[1]))].map((name) => ({ name, description: `Tool '${name}' of MCP server '${server}' (mocked by the eval case).`, inputSchema: { type: 'object', additionalProperties: true } })),
    call: async (server, tool, args, signal) => {
      const hit = mine.find(([m]) => m.tool === `mcp:${server}.${tool}` && (!m.args || argsDiffer(m.args, args) === null));
      if (!hit) throw new ToolError(`No mock of the case answers mcp:${server}.${tool} with ${JSON.stringify(args)}, and server '${server}' is mocked, so it is not started`, 'MockedError');
      counts[hit[1]]++;
      return answerOf(hit[0], signal);
    },
  };
}

/** The run's tools with each mocked tool wrapped, the MCP servers answered by mocks, and what answered so far. */
export function mockedTools(mocks: MockSpec[]): { tools: Record<string, ToolDefinition>; mcp?: McpStandIn; used(): MockedCall[] } {
  const counts = mocks.map(() => 0);
  const tools: Record<string, ToolDefinition> = {};
  for (const name of new Set(mocks.filter((m) => !m.tool.startsWith('mcp:')).map((m) => m.tool.split('.')[0]))) {
    const real = BUILTIN_TOOLS[name];
    const mine = mocks.map((m, i) => [m, i] as const).filter(([m]) => m.tool.split('.')[0] === name);
    tools[name] = {
      ...real,
      run: async (action, params, ctx) => {
        const hit = mine.find(([m]) => (m.tool === name || m.tool === `${name}.${action}`) && (!m.args || argsDiffer(m.args, params) === null));
        if (!hit) return real.run(action, params, ctx);
        const [m, i] = hit;
        counts[i]++;
        return answerOf(m, ctx.signal);
      },
    };
  }
  const used = () => mocks.flatMap((m, i) => (counts[i] ? [{ tool: m.tool, args: m.args, answered: 'error' in m.answer ? ('error' as const) : ('result' as const), calls: counts[i] }] : []));
  const mcp = mcpStandIn(mocks, counts);
  return { tools, ...(mcp ? { mcp } : {}), used };
}
