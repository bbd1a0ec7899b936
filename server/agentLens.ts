// The code lens above each agent (an `action: agent` step, a named agent of `agents:`): what its
// allow-list lets the model call, counted as a run resolves it (engine/agent/catalog.ts): a whole
// tool is each of its actions, an MCP server each tool it lists, and the most specific entry for a
// tool decides whether its calls wait for approval. An MCP server whose tools are not listed yet
// (not trusted, not started, not cached) counts as one, and the title says so. The lens opens a
// quick pick of the tools (client/allowedToolsPick.ts) whose choice reveals the entry allowing it.
import type { CodeLens, Range } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import { parseMcpTool } from '../engine/mcp/names';
import { keyRange, valueRange } from '../engine/parse/yamlDocument';
import type { ValuePath } from '../engine/spec/types';
import type { AgentDecl, AgentToolEntry, Step } from '../engine/spec/types';
import { TOOL_SPECS } from '../engine/toolkit/toolSpecs';
import { mcpToolsOf } from './documents';
import { COMMANDS, type AllowedToolsList, type AllowedToolView } from './protocol';

/** How specific an entry is: a whole tool or server (0) gives way to one action or tool (1), as in a run. */
const specificity = (e: AgentToolEntry) => (e.ref.kind === 'tool' || (e.ref.kind === 'mcp' && !e.ref.tool) ? 0 : 1);

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Where an entry is written, without the line break a block mapping's value ends with (`- agent: worker`). */
function entryRange(a: Analysis, path: ValuePath): Range {
  const r = valueRange(a.parsed, path);
  const lines = a.parsed.lines;
  let end = lines.offset(r.end);
  const start = lines.offset(r.start);
  while (end > start && /\s/.test(a.parsed.text[end - 1])) end--;
  return lines.range(start, end);
}

/** The tools an allow-list resolves to, in the order first allowed; entries that name nothing known are left out (their diagnostics say why). */
export function resolveAllowList(a: Analysis, entries: AgentToolEntry[]): AllowedToolView[] {
  const chosen = new Map<string, { view: AllowedToolView; rank: number }>();
  const put = (tool: string, e: AgentToolEntry, unlisted = false) => {
    const rank = specificity(e);
    const had = chosen.get(tool);
    if (had && rank < had.rank) return;
    const view: AllowedToolView = { tool, approve: e.approve, entry: e.spelling, range: entryRange(a, e.path), ...(unlisted ? { unlistedServer: true } : {}) };
    chosen.set(tool, { view, rank });
  };
  const listed = Object.keys(mcpToolsOf(a));
  for (const e of entries) {
    const ref = e.ref;
    if (ref.kind === 'tool' || ref.kind === 'action') {
      const spec = has(TOOL_SPECS, ref.tool) ? TOOL_SPECS[ref.tool] : undefined;
      if (!spec) continue;
      if (ref.kind === 'tool') for (const action of Object.keys(spec.actions)) put(`${ref.tool}.${action}`, e);
      else if (has(spec.actions, ref.action)) put(e.spelling, e);
    } else if (ref.kind === 'mcp' && !ref.tool) {
      const tools = listed.filter((t) => parseMcpTool(t)?.server === ref.server);
      if (tools.length) for (const t of tools) put(t, e);
      else put(e.spelling, e, true);
    } else put(e.spelling, e);
  }
  return [...chosen.values()].map((c) => c.view);
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The lens's title: "Allowed: 5 tools, 2 need approval". */
export function allowedTitle(tools: AllowedToolView[]): string {
  if (!tools.length) return 'Allowed: no tools (the model only answers)';
  const servers = tools.filter((t) => t.unlistedServer).length;
  const named = tools.length - servers;
  const parts: string[] = [];
  if (named) parts.push(plural(named, 'tool', 'tools'));
  if (servers) parts.push(`${plural(servers, 'MCP server', 'MCP servers')} (tools listed when ${servers === 1 ? 'it starts' : 'they start'})`);
  const approvals = tools.filter((t) => t.approve).length;
  const ask = approvals === 0 ? 'none needs approval' : `${approvals} need${approvals === 1 ? 's' : ''} approval`;
  return `Allowed: ${parts.join(' + ')}, ${ask}`;
}

function lens(a: Analysis, uri: string, range: Range, owner: string, decl: AgentDecl): CodeLens {
  const tools = resolveAllowList(a, decl.tools);
  const list: AllowedToolsList = { owner, tools };
  return { range, command: { title: allowedTitle(tools), command: COMMANDS.showAllowedTools, arguments: [uri, list] } };
}

function stepLenses(a: Analysis, uri: string, steps: Step[], out: CodeLens[]): void {
  for (const s of steps) {
    if (s.agent) {
      const def = a.references.find((r) => r.kind === 'definition' && r.stepId === s.id);
      out.push(lens(a, uri, def?.range ?? keyRange(a.parsed, s.path), `agent step '${s.id}'`, s.agent));
    }
    if (s.body) stepLenses(a, uri, s.body, out);
  }
}

/** A lens above every agent step (loop bodies included) and every named agent. */
export function agentLenses(a: Analysis, uri: string): CodeLens[] {
  if (!a.pipeline) return [];
  const out: CodeLens[] = [];
  for (const agent of Object.values(a.pipeline.agents ?? {})) out.push(lens(a, uri, keyRange(a.parsed, agent.path), `agent '${agent.name}'`, agent));
  stepLenses(a, uri, a.pipeline.steps, out);
  return out.sort((x, y) => x.range.start.line - y.range.start.line);
}
