// Which MCP servers a pipeline may call: its own `mcp_servers`, merged over the user's settings
// (`~/.orchestrator/mcp.json`, or the file ORC_MCP_CONFIG names), and the `mcp:<server>.<tool>`
// names its steps use. Pure data, no process is started here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { McpServerDecl, Pipeline, Step } from '../spec/types';
import { parseMcpTool } from './names';

export { mcpToolName, parseMcpTool } from './names';

/** Seconds to start a server and list its tools when its declaration gives no `timeout`. */
export const DEFAULT_START_TIMEOUT_S = 10;

/** Every step (loop bodies included) that calls an MCP tool. */
export function mcpSteps(steps: Step[]): Step[] {
  const out: Step[] = [];
  const visit = (list: Step[]) => {
    for (const s of list) {
      if (parseMcpTool(s.tool)) out.push(s);
      if (s.body) visit(s.body);
    }
  };
  visit(steps);
  return out;
}

const mcpStepsCache = new WeakMap<Pipeline, Step[]>();
/** mcpSteps of a whole pipeline, walked once per compiled pipeline (a run is not the place for it). */
export function mcpStepsOf(pipeline: Pipeline): Step[] {
  let steps = mcpStepsCache.get(pipeline);
  if (!steps) mcpStepsCache.set(pipeline, (steps = mcpSteps(pipeline.steps)));
  return steps;
}

const usesServersCache = new WeakMap<Pipeline, boolean>();
/** Whether a run of the pipeline can reach an MCP server: `mcp:` tools, ContextLab's `mcp-server`, or `mcp_servers` of its own. */
export function usesMcpServers(pipeline: Pipeline): boolean {
  let uses = usesServersCache.get(pipeline);
  if (uses === undefined) {
    let server = false;
    const visit = (list: Step[]) => {
      for (const s of list) {
        if (s.tool === 'mcp-server') server = true;
        if (s.body) visit(s.body);
      }
    };
    visit(pipeline.steps);
    uses = server || mcpStepsOf(pipeline).length > 0 || Object.keys(pipeline.mcpServers ?? {}).length > 0 || agentServers(pipeline).length > 0;
    usesServersCache.set(pipeline, uses);
  }
  return uses;
}

/** The servers the agents of a pipeline may call (`mcp:SERVER` and `mcp:SERVER.TOOL` in their allow-lists), in order of first mention. */
export function agentServers(pipeline: Pipeline): string[] {
  const names: string[] = [];
  const add = (entries: { ref: { kind: string; server?: string } }[] | undefined) => {
    for (const e of entries ?? []) if (e.ref.kind === 'mcp' && e.ref.server && !names.includes(e.ref.server)) names.push(e.ref.server);
  };
  const visit = (list: Step[]) => {
    for (const s of list) {
      add(s.agent?.tools);
      if (s.body) visit(s.body);
    }
  };
  visit(pipeline.steps);
  for (const a of Object.values(pipeline.agents ?? {})) add(a.tools);
  return names;
}

/** The servers the steps (and agents) of a pipeline call, in order of first use. */
export function usedServers(pipeline: Pipeline): string[] {
  const names: string[] = [];
  for (const s of mcpSteps(pipeline.steps)) {
    const p = parseMcpTool(s.tool)!;
    if (p.server && !names.includes(p.server)) names.push(p.server);
  }
  for (const n of agentServers(pipeline)) if (!names.includes(n)) names.push(n);
  return names;
}

export interface UserServers {
  /** The settings file read, or null when there is none. */
  file: string | null;
  servers: Record<string, McpServerDecl>;
  /** Why the file was not used (not JSON, wrong shape); null when it was, or there is none. */
  problem: string | null;
}

/** The user-level settings file: ORC_MCP_CONFIG, else `~/.orchestrator/mcp.json`. */
export function userConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.ORC_MCP_CONFIG ? path.resolve(env.ORC_MCP_CONFIG) : path.join(env.HOME || os.homedir(), '.orchestrator', 'mcp.json');
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A declaration as the schema allows it, or why not. */
export function declProblem(d: unknown): string | null {
  if (!isObj(d)) return 'a server is a mapping with `command` or `url`';
  const strMap = (v: unknown) => isObj(v) && Object.values(v).every((x) => typeof x === 'string');
  if (typeof d.command !== 'string' && typeof d.url !== 'string') return 'it needs `command` (stdio) or `url` (streamable HTTP)';
  if (typeof d.command === 'string' && typeof d.url === 'string') return 'it has both `command` and `url`: give one';
  if (d.args !== undefined && !(Array.isArray(d.args) && d.args.every((x) => typeof x === 'string'))) return '`args` must be a list of strings';
  if (d.env !== undefined && !strMap(d.env)) return '`env` must map names to strings';
  if (d.headers !== undefined && !strMap(d.headers)) return '`headers` must map names to strings';
  if (d.cwd !== undefined && typeof d.cwd !== 'string') return '`cwd` must be a string';
  if (d.timeout !== undefined && !(typeof d.timeout === 'number' && d.timeout > 0)) return '`timeout` must be a positive number of seconds';
  return null;
}

/** Reads the user's servers; a missing file is no servers, a broken one is reported and ignored. */
export function loadUserServers(env: NodeJS.ProcessEnv = process.env): UserServers {
  const file = userConfigFile(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !env.ORC_MCP_CONFIG) return { file: null, servers: {}, problem: null };
    return { file, servers: {}, problem: `${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { file, servers: {}, problem: `${file}: not JSON (${(e as Error).message})` };
  }
  if (!isObj(value) || !isObj(value.servers)) return { file, servers: {}, problem: `${file}: expected { "servers": { "<name>": { "command": ... } } }` };
  const servers: Record<string, McpServerDecl> = Object.create(null) as Record<string, McpServerDecl>;
  const problems: string[] = [];
  for (const [name, d] of Object.entries(value.servers)) {
    const why = declProblem(d);
    if (why) problems.push(`server '${name}': ${why}`);
    else servers[name] = d as McpServerDecl;
  }
  return { file, servers, problem: problems.length ? `${file}: ${problems.join('; ')}` : null };
}

/** The servers a pipeline may call: the user's, with the pipeline's own over them (the pipeline wins). */
export function effectiveServers(pipeline: Pipeline | null, user: Record<string, McpServerDecl>): Record<string, McpServerDecl> {
  const out: Record<string, McpServerDecl> = Object.create(null) as Record<string, McpServerDecl>;
  for (const [k, v] of Object.entries(user)) out[k] = v;
  for (const [k, v] of Object.entries(pipeline?.mcpServers ?? {})) out[k] = v;
  return out;
}

/** A server's identity for the listing cache: its declaration as written (`${VAR}` not expanded) and the folder relative paths start from. */
export function configHash(name: string, decl: McpServerDecl, base: string): string {
  const canonical = JSON.stringify({ name, base, command: decl.command ?? null, args: decl.args ?? [], env: sorted(decl.env), cwd: decl.cwd ?? null, url: decl.url ?? null, headers: sorted(decl.headers) });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

function sorted(m: Record<string, string> | undefined): [string, string][] {
  return Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `${VAR}` in a value, taken from the environment; the values substituted are secrets to keep out of every message. */
export function expandVars(map: Record<string, string> | undefined, env: NodeJS.ProcessEnv, secrets: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) {
    out[k] = String(v).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name] ?? '';
      if (value.length >= 4) secrets.add(value);
      return value;
    });
  }
  return out;
}

/** A message with every substituted secret replaced by `***`. */
export function redactSecrets(text: string, secrets: Set<string>): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/** How a server is described in messages: never its env or headers. */
export function describeServer(decl: McpServerDecl): string {
  if (decl.url) return decl.url.replace(/\/\/[^/@]*@/, '//***@');
  return [decl.command ?? '', ...(decl.args ?? [])].join(' ').trim();
}
