// The allow-list made concrete, once, before the loop's first turn: every entry expanded to the
// tools it allows (`filesystem` → each action, `mcp:files` → each tool the server lists), each with
// its wire name, description, argument schema and options, and the way to call it. The loop never
// adds to it: what a tool returns cannot widen it.
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { hasErrors } from '../analyze/index';
import { analyzedOnce } from '../analyze/analyzedOnce';
import type { AgentToolEntry, NamedAgent, Pipeline } from '../spec/types';
import { ToolError, type ToolContext, type ToolDefinition, type ToolOutcome } from '../toolkit/runtime';
import type { ToolDecl } from '../models/provider';
import { resolveInWorkspace } from '../tools/filesystem';
import type { McpToolInfo } from '../mcp/client';
import { actionSchema, mcpSchema, parametersSchema, type JsonSchema } from './schemas';
import { wireBase, WireNames } from './toolNames';
import { remoteAgent } from './a2aTool';

/** What an agent needs of the run's MCP servers: their tools, and a call. */
export interface McpAccess {
  listTools(server: string, signal: AbortSignal): Promise<McpToolInfo[]>;
  call(server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome>;
}

/** How a tool of the catalog is called: the host makes the ToolContext of the call. */
export type Invoke = (args: Record<string, unknown>, ctx: ToolContext) => Promise<ToolOutcome>;

export interface AgentTool {
  /** As results and events spell it (`filesystem.read`, `mcp:files.list`). */
  spelling: string;
  wire: string;
  description: string;
  schema: JsonSchema;
  approve: boolean;
  timeoutS: number | null;
  kind: 'action' | 'mcp' | 'pipeline' | 'agent' | 'a2a';
  /** A named agent (kind `agent`): the loop runs it as a child. */
  agent?: NamedAgent;
  invoke: Invoke;
}

export interface CatalogSources {
  pipeline: Pick<Pipeline, 'agents'>;
  tools: Record<string, ToolDefinition>;
  mcp?: McpAccess;
  /** The pipeline file (relative pipeline tools start beside it) and the folders paths must stay in. */
  pipelineFile: string | null;
  cwd: string;
  workspace: string;
  allowOutsideWorkspace: boolean;
  signal: AbortSignal;
}

export class AgentCatalog {
  private readonly bySpelling = new Map<string, AgentTool>();

  constructor(
    readonly tools: AgentTool[],
    private readonly names: WireNames,
  ) {
    for (const t of tools) this.bySpelling.set(t.spelling, t);
  }

  /** The tool a wire name stands for (undefined: the model named a tool it was not given). */
  byWire(wire: string): AgentTool | undefined {
    const spelling = this.names.spelling(wire);
    return spelling === undefined ? undefined : this.bySpelling.get(spelling);
  }

  /** The declarations the model is given. */
  decls(): ToolDecl[] {
    return this.tools.map((t) => ({ name: t.wire, description: t.description, parameters: t.schema }));
  }
}

/** How specific an entry is: a whole tool or server (0) gives way to one action or tool (1). */
const specificity = (e: AgentToolEntry) => (e.ref.kind === 'tool' || (e.ref.kind === 'mcp' && !e.ref.tool) ? 0 : 1);

function actionTool(def: ToolDefinition, tool: string, action: string, e: AgentToolEntry): Omit<AgentTool, 'wire'> {
  const spec = def.spec.actions[action];
  return {
    spelling: `${tool}.${action}`,
    description: `${spec.description}${def.spec.description ? ` (${tool}: ${def.spec.description})` : ''}`,
    schema: actionSchema(spec),
    approve: e.approve,
    timeoutS: e.timeout,
    kind: 'action',
    invoke: (args, ctx) => def.run(action, args, ctx),
  };
}

function mcpTool(server: string, t: McpToolInfo, e: AgentToolEntry, mcp: McpAccess): Omit<AgentTool, 'wire'> {
  return {
    spelling: `mcp:${server}.${t.name}`,
    description: t.description || `Tool '${t.name}' of MCP server '${server}'.`,
    schema: mcpSchema(t.inputSchema),
    approve: e.approve,
    timeoutS: e.timeout,
    kind: 'mcp',
    invoke: (args, ctx) => mcp.call(server, t.name, args, ctx.signal),
  };
}

/** A pipeline file as one tool: its parameters the arguments, its outputs the result. */
function pipelineTool(file: string, e: AgentToolEntry, src: CatalogSources): Omit<AgentTool, 'wire'> & { id: string } {
  const base = src.pipelineFile ? path.dirname(src.pipelineFile) : src.cwd;
  const abs = resolveInWorkspace(path.resolve(base, file), { cwd: src.cwd, workspace: src.workspace, allowOutsideWorkspace: src.allowOutsideWorkspace } as ToolContext);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    throw new ToolError(`The agent's tool 'pipeline:${file}' names no pipeline file (${abs})`, 'ConfigurationError');
  }
  const a = analyzedOnce(text, undefined, () => undefined);
  if (!a.pipeline || hasErrors(a.findings)) {
    const first = a.findings.find((f) => f.severity === 'error');
    throw new ToolError(`The agent's tool 'pipeline:${file}' does not compile${first ? `: ${file}:${first.range.start.line + 1}:${first.range.start.character + 1}: ${first.message}` : ''}`, 'ConfigurationError');
  }
  const p = a.pipeline;
  const outputs = Object.keys(p.outputs);
  return {
    id: p.id,
    spelling: `pipeline:${file}`,
    description: `${p.description ?? p.name ?? `Runs the pipeline ${p.id}.`}${outputs.length ? ` Returns its outputs: ${outputs.join(', ')}.` : ''}`,
    schema: parametersSchema(p.parameters),
    approve: e.approve,
    timeoutS: e.timeout,
    kind: 'pipeline',
    invoke: async (args, ctx) => {
      const r = await ctx.runNested(abs, args, { signal: ctx.signal });
      const result = { outputs: r.outputs, status: r.status, execution_id: r.execution_id };
      return r.success ? { success: true, result } : { success: false, result, error: r.error ?? `The pipeline ${file} ${r.status}` };
    },
  };
}

/** What to send a remote A2A agent. */
const A2A_SCHEMA: JsonSchema = { type: 'object', properties: { message: { type: 'string', description: 'The message for the agent, with everything it needs to know: it sees nothing else of this conversation.' } }, required: ['message'], additionalProperties: false };

/** A remote A2A agent as one tool: its card (read now) describes it, a call sends it a message. */
async function a2aTool(url: string, tokenEnv: string | null, e: AgentToolEntry, src: CatalogSources): Promise<Omit<AgentTool, 'wire'> & { name: string }> {
  const remote = await remoteAgent(url, tokenEnv, process.env, src.signal);
  const card = remote.card;
  const skills = card.skills.map((s) => s.name || s.id).filter(Boolean);
  return {
    name: card.name || 'agent',
    spelling: `a2a:${url}`,
    description: `${card.description || `The A2A agent ${card.name}.`}${skills.length ? ` Skills: ${skills.join(', ')}.` : ''} (a remote agent: send it a message; it answers with text)`.slice(0, 1024),
    schema: A2A_SCHEMA,
    approve: e.approve,
    timeoutS: e.timeout,
    kind: 'a2a',
    invoke: (args, ctx) => remote.ask(String(args.message ?? ''), ctx.signal),
  };
}

/** The schema of a named agent as a tool: what to ask it. */
const AGENT_SCHEMA: JsonSchema = { type: 'object', properties: { prompt: { type: 'string', description: 'The task for the agent, with everything it needs to know.' } }, required: ['prompt'], additionalProperties: false };

function agentTool(agent: NamedAgent, e: AgentToolEntry): Omit<AgentTool, 'wire'> {
  return {
    spelling: `agent:${agent.name}`,
    description: agent.description ?? `Asks the agent '${agent.name}' to do a task; it answers with its result.`,
    schema: AGENT_SCHEMA,
    approve: e.approve,
    timeoutS: e.timeout,
    kind: 'agent',
    agent,
    // the loop runs a named agent itself (a child loop under this one's budget)
    invoke: () => Promise.reject(new ToolError(`agent:${agent.name} runs as a child of the loop`, 'ConfigurationError')),
  };
}

/**
 * The allow-list's tools. An entry that names nothing the run has is a ConfigurationError (the
 * analyzer reports it before a run); a server that cannot list its tools fails the step.
 */
export async function buildCatalog(entries: AgentToolEntry[], src: CatalogSources): Promise<AgentCatalog> {
  // the most specific entry for a tool decides its options; among equals, the later one
  const chosen = new Map<string, { tool: Omit<AgentTool, 'wire'>; rank: number; base?: string }>();
  const put = (tool: Omit<AgentTool, 'wire'>, e: AgentToolEntry, base?: string) => {
    const rank = specificity(e);
    const had = chosen.get(tool.spelling);
    if (!had || rank >= had.rank) chosen.set(tool.spelling, { tool, rank, base });
  };
  const listings = new Map<string, Promise<McpToolInfo[]>>();
  const listed = (server: string) => {
    if (!src.mcp) throw new ToolError(`The agent's tool 'mcp:${server}' needs the run's MCP servers, which this host does not have`, 'ConfigurationError');
    let l = listings.get(server);
    if (!l) listings.set(server, (l = src.mcp.listTools(server, src.signal)));
    return l;
  };
  for (const e of entries) {
    const ref = e.ref;
    if (ref.kind === 'action' || ref.kind === 'tool') {
      const def = Object.prototype.hasOwnProperty.call(src.tools, ref.tool) ? src.tools[ref.tool] : undefined;
      if (!def) throw new ToolError(`The agent's tool '${e.spelling}' names no tool of this run`, 'ConfigurationError');
      if (ref.kind === 'action') {
        if (!Object.prototype.hasOwnProperty.call(def.spec.actions, ref.action)) throw new ToolError(`The agent's tool '${e.spelling}': '${ref.tool}' has no action '${ref.action}'`, 'ConfigurationError');
        put(actionTool(def, ref.tool, ref.action, e), e);
      } else for (const action of Object.keys(def.spec.actions)) put(actionTool(def, ref.tool, action, e), e);
    } else if (ref.kind === 'mcp') {
      const tools = await listed(ref.server);
      if (ref.tool) {
        const t = tools.find((x) => x.name === ref.tool);
        if (!t) throw new ToolError(`The agent's tool '${e.spelling}': MCP server '${ref.server}' lists no tool '${ref.tool}'`, 'ConfigurationError');
        put(mcpTool(ref.server, t, e, src.mcp!), e);
      } else for (const t of tools) put(mcpTool(ref.server, t, e, src.mcp!), e);
    } else if (ref.kind === 'pipeline') {
      const t = pipelineTool(ref.file, e, src);
      put(t, e, wireBase(`pipeline:${t.id}`));
    } else if (ref.kind === 'a2a') {
      const t = await a2aTool(ref.url, ref.tokenEnv, e, src);
      put(t, e, wireBase(`a2a__${t.name}`));
    } else {
      const agent = src.pipeline.agents && Object.prototype.hasOwnProperty.call(src.pipeline.agents, ref.name) ? src.pipeline.agents[ref.name] : undefined;
      if (!agent) throw new ToolError(`The agent's tool 'agent:${ref.name}' names no agent of 'agents:'`, 'ConfigurationError');
      put(agentTool(agent, e), e);
    }
  }
  const names = new WireNames();
  const tools: AgentTool[] = [];
  for (const { tool, base } of chosen.values()) tools.push({ ...tool, wire: names.wire(tool.spelling, base) });
  return new AgentCatalog(tools, names);
}
