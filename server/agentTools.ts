// What an agent's allow-list may name, as the editor shows it: every entry the document could write
// (tools and their actions, declared MCP servers and their listed tools, named agents, the pipeline
// files beside the document), each with the markdown that documents it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, type Analysis } from '../engine/analyze/index';
import { riskOf } from '../engine/analyze/agentSafety';
import { MCP_ACTION } from '../engine/mcp/catalog';
import { loadUserServers } from '../engine/mcp/config';
import { parseMcpTool } from '../engine/mcp/names';
import type { AgentToolRef, NamedAgent } from '../engine/spec/types';
import { TOOL_SPECS, type ActionSpec, type ToolSpec } from '../engine/toolkit/toolSpecs';
import { mcpToolsOf } from './documents';

export interface AllowedTool {
  /** The entry as written in `tools:` (`filesystem.read`, `mcp:files`, `agent: worker`, `pipeline: report.pipeline.yaml`). */
  entry: string;
  kind: 'tool' | 'action' | 'mcp-server' | 'mcp-tool' | 'agent' | 'pipeline';
  /** One line: what the entry allows. */
  detail: string;
  /** Markdown: the description and the arguments the model passes. */
  doc: string;
}

const typeOf = (t: ActionSpec['parameters'][string]['type']) => (Array.isArray(t) ? t.join(' or ') : t);

/** The arguments of an action as a markdown table (its description first). */
export function argumentsDoc(name: string, spec: ActionSpec): string {
  const rows = Object.entries(spec.parameters)
    .filter(([, p]) => !p.aliasOf)
    .map(([n, p]) => `| \`${n}\` | ${typeOf(p.type)} | ${p.required ? 'yes' : ''} | ${p.description.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  const table = rows.length ? `\n\n| argument | type | required | |\n|---|---|---|---|\n${rows.join('\n')}` : '\n\nIt takes no arguments.';
  return `**\`${name}\`** — ${spec.description}${table}`;
}

/** What the entry needs from a person (agentSafety.ts), as a line of the docs. */
function approvalNote(ref: AgentToolRef): string {
  const risk = riskOf(ref);
  return risk ? `\n\nIt lets the model ${risk}: give it \`approve: true\` so each call waits for a person.` : '';
}

function toolDoc(t: ToolSpec): string {
  const actions = Object.entries(t.actions).map(([n, s]) => `- \`${t.name}.${n}\` — ${s.description}`);
  return `**\`${t.name}\`** — ${t.description}\n\nEvery action of it, each a tool of its own for the model:\n\n${actions.join('\n')}${approvalNote({ kind: 'tool', tool: t.name })}`;
}

/** The servers the document or the user's settings declare, or whose tools are listed, with their listed tools. */
function mcpServers(a: Analysis): Map<string, ToolSpec[]> {
  const out = new Map<string, ToolSpec[]>();
  for (const s of Object.keys(a.pipeline?.mcpServers ?? {})) out.set(s, []);
  for (const s of Object.keys(loadUserServers().servers)) if (!out.has(s)) out.set(s, []);
  for (const t of Object.values(mcpToolsOf(a))) {
    const ref = parseMcpTool(t.name);
    if (!ref?.tool) continue;
    out.set(ref.server, [...(out.get(ref.server) ?? []), t]);
  }
  return out;
}

function mcpServerDoc(server: string, tools: ToolSpec[]): string {
  const listed = tools.length ? `\n\n${tools.map((t) => `- \`${t.name}\` — ${t.description}`).join('\n')}` : '\n\nIts tools are not listed yet: the run lists them.';
  return `**\`mcp:${server}\`** — every tool of MCP server \`${server}\`.${listed}${approvalNote({ kind: 'mcp', server, tool: null })}`;
}

/** A named agent as its callers see it: its description, model and allow-list. */
export function namedAgentDoc(a: Analysis, agent: NamedAgent): string {
  const experts = a.pipeline?.experts ?? {};
  const viaExpert = agent.model === null && agent.expert !== null && Object.prototype.hasOwnProperty.call(experts, agent.expert);
  const model = agent.model !== null ? `\`${agent.model}\`` : viaExpert ? `\`${experts[agent.expert!]}\` (expert \`${agent.expert}\`)` : "its caller's";
  const lines = [`**agent \`${agent.name}\`**${agent.description ? ` — ${agent.description}` : ''}`, '', `- model: ${model}`];
  if (agent.tools.length) lines.push(`- tools: ${agent.tools.map((t) => `\`${t.spelling}\``).join(', ')}`);
  lines.push('', 'Called with one argument, `prompt`: the task, with everything it needs to know.');
  return lines.join('\n');
}

/** The pipeline files beside the document (at most 200 looked at), the document left out. */
function pipelineFilesBeside(file: string | null): string[] {
  if (!file) return [];
  try {
    return readdirSync(path.dirname(file))
      .slice(0, 200)
      .filter((f) => /\.pipeline\.ya?ml$/i.test(f) && f !== path.basename(file))
      .sort();
  } catch {
    return [];
  }
}

/** Every entry the allow-list at `owner` could hold (a named agent does not list itself). */
export function allowedTools(a: Analysis, documentFile: string | null, ownAgent: string | null): AllowedTool[] {
  const out: AllowedTool[] = [];
  for (const t of Object.values(TOOL_SPECS)) {
    out.push({ entry: t.name, kind: 'tool', detail: `every action of ${t.name}`, doc: toolDoc(t) });
    for (const [n, s] of Object.entries(t.actions)) out.push({ entry: `${t.name}.${n}`, kind: 'action', detail: s.description, doc: `${argumentsDoc(`${t.name}.${n}`, s)}${approvalNote({ kind: 'action', tool: t.name, action: n })}` });
  }
  for (const [server, tools] of mcpServers(a)) {
    out.push({ entry: `mcp:${server}`, kind: 'mcp-server', detail: `every tool of MCP server ${server}`, doc: mcpServerDoc(server, tools) });
    for (const t of tools) out.push({ entry: t.name, kind: 'mcp-tool', detail: t.description, doc: `${argumentsDoc(t.name, t.actions[MCP_ACTION])}${approvalNote(parseMcpTool(t.name) as AgentToolRef & { kind: 'mcp' })}` });
  }
  for (const agent of Object.values(a.pipeline?.agents ?? {})) {
    if (agent.name !== ownAgent) out.push({ entry: `agent: ${agent.name}`, kind: 'agent', detail: agent.description ?? `the agent ${agent.name}`, doc: namedAgentDoc(a, agent) });
  }
  for (const f of pipelineFilesBeside(documentFile)) out.push({ entry: `pipeline: ${f}`, kind: 'pipeline', detail: 'a pipeline as one tool', doc: `**\`pipeline: ${f}\`** — runs the pipeline \`${f}\` as one tool: its \`parameters\` are the arguments, its \`outputs\` the result.` });
  return out;
}

/** The markdown of one entry as written (for hover), or null when it names nothing known. */
export function entryDoc(a: Analysis, ref: AgentToolRef, documentFile: string | null, approved = false): string | null {
  const doc = entryDocOf(a, ref, documentFile);
  // an approved entry needs no word on approval
  return doc && approved ? doc.replace(/\n\nIt lets the model [^\n]*\.$/, '') : doc;
}

function entryDocOf(a: Analysis, ref: AgentToolRef, documentFile: string | null): string | null {
  switch (ref.kind) {
    case 'tool': {
      const t = Object.prototype.hasOwnProperty.call(TOOL_SPECS, ref.tool) ? TOOL_SPECS[ref.tool] : undefined;
      return t ? toolDoc(t) : null;
    }
    case 'action': {
      const t = Object.prototype.hasOwnProperty.call(TOOL_SPECS, ref.tool) ? TOOL_SPECS[ref.tool] : undefined;
      const s = t && Object.prototype.hasOwnProperty.call(t.actions, ref.action) ? t.actions[ref.action] : undefined;
      return s ? `${argumentsDoc(`${ref.tool}.${ref.action}`, s)}${approvalNote(ref)}` : null;
    }
    case 'mcp': {
      const servers = mcpServers(a);
      if (!ref.tool) return servers.has(ref.server) ? mcpServerDoc(ref.server, servers.get(ref.server)!) : null;
      const t = mcpToolsOf(a)[`mcp:${ref.server}.${ref.tool}`];
      return t ? `${argumentsDoc(t.name, t.actions[MCP_ACTION])}${approvalNote(ref)}` : null;
    }
    case 'agent': {
      const agents = a.pipeline?.agents ?? {};
      return Object.prototype.hasOwnProperty.call(agents, ref.name) ? namedAgentDoc(a, agents[ref.name]) : null;
    }
    case 'pipeline':
      return pipelineDoc(ref.file, documentFile);
    case 'a2a':
      return `**\`a2a: ${ref.url}\`** — a remote agent, over the A2A protocol: the model sends it a message (\`message\`), and its answer (a message, or the task's artifacts) is the call's result. Its card is read when the agent step starts${ref.tokenEnv ? `; the bearer token comes from \`${ref.tokenEnv}\`` : ''}.${approvalNote(ref)}`;
  }
}

/** The largest pipeline file a hover reads. */
const MAX_HOVER_PIPELINE_BYTES = 1_000_000;

/** A pipeline as one tool: what it does, its parameters (the arguments) and outputs (the result). */
function pipelineDoc(file: string, documentFile: string | null): string {
  const head = `**\`pipeline: ${file}\`** — runs the pipeline \`${file}\` as one tool: its \`parameters\` are the arguments, its \`outputs\` the result.`;
  if (!documentFile) return head;
  const abs = path.resolve(path.dirname(documentFile), file);
  let text: string;
  try {
    if (statSync(abs).size > MAX_HOVER_PIPELINE_BYTES) return head;
    text = readFileSync(abs, 'utf8');
  } catch {
    return `${head}\n\nNo such file beside this pipeline.`;
  }
  const p = analyze(text).pipeline;
  if (!p) return head;
  const what = p.description ?? p.name;
  const rows = p.parameters.map((x) => `| \`${x.name}\` | ${x.type ?? 'any'} | ${x.required && !x.hasDefault ? 'yes' : ''} | ${(x.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  const args = rows.length ? `\n\n| argument | type | required | |\n|---|---|---|---|\n${rows.join('\n')}` : '\n\nIt takes no arguments.';
  const outputs = Object.keys(p.outputs);
  return `${head}${what ? `\n\n${what}` : ''}${args}${outputs.length ? `\n\nResult: ${outputs.map((o) => `\`${o}\``).join(', ')}` : ''}`;
}
