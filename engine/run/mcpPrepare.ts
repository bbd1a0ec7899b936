// Before a pipeline is analyzed: the MCP servers its steps call, listed (cached), as the extra tool
// specs and server status the analyzer takes (AnalyzeOptions.tools / .mcp).
import { analyze } from '../analyze/index';
import type { McpServerDecl, Pipeline } from '../spec/types';
import type { ToolSpec } from '../toolkit/toolSpecs';
import { cachedListing, listServerTools, type Listing } from '../mcp/cache';
import { toolSpecs, type McpAnalysisInfo } from '../mcp/catalog';
import { declProblem, effectiveServers, loadUserServers, usedServers } from '../mcp/config';

export interface McpPrepared {
  tools: Record<string, ToolSpec>;
  mcp: McpAnalysisInfo;
  /** A problem with the user's settings file, to print as a warning. */
  settingsProblem: string | null;
}

export interface PrepareOptions {
  /** Where `.orchestrator/mcp/` (the listing cache) is. */
  workspace: string;
  /** Where stdio servers start. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  fresh?: boolean;
}

/** What the analyzer can know without starting anything: the user's servers, nothing listed. */
export function mcpInfoUnlisted(env: NodeJS.ProcessEnv = process.env): { mcp: McpAnalysisInfo; settingsProblem: string | null; servers: Record<string, McpServerDecl> } {
  const user = loadUserServers(env);
  return { mcp: { userServers: Object.keys(user.servers), status: {} }, settingsProblem: user.problem, servers: user.servers };
}

/** The status the analyzer shows for a listing. */
export function statusOf(l: Listing): McpAnalysisInfo['status'][string] {
  return l.ok ? { listed: true } : { listed: false, reason: l.error, failed: true };
}

/** Lists (or takes from the cache) the tools of every declared server the pipeline's steps call. */
export async function prepareMcp(pipeline: Pipeline | null, opts: PrepareOptions): Promise<McpPrepared> {
  const env = opts.env ?? process.env;
  const base = mcpInfoUnlisted(env);
  const out: McpPrepared = { tools: {}, mcp: base.mcp, settingsProblem: base.settingsProblem };
  if (!pipeline) return out;
  const servers = effectiveServers(pipeline, base.servers);
  const used = usedServers(pipeline).filter((s) => Object.prototype.hasOwnProperty.call(servers, s));
  await Promise.all(
    used.map(async (name) => {
      const decl = servers[name];
      const bad = declProblem(decl);
      if (bad) {
        out.mcp.status[name] = { listed: false, reason: `its declaration is not usable: ${bad}`, failed: true };
        return;
      }
      const listing = await listServerTools(name, decl, { workspace: opts.workspace, cwd: opts.cwd, env, fresh: opts.fresh });
      out.mcp.status[name] = statusOf(listing);
      if (listing.ok) Object.assign(out.tools, toolSpecs(name, listing.tools));
    }),
  );
  return out;
}

/** Whether a pipeline text calls MCP tools (a cheap look before anything is started). */
export function callsMcp(source: string): boolean {
  return /\btool\s*:\s*["']?mcp:/.test(source) || /(^|[\s\-{,\[])["']?mcp:[A-Za-z0-9_-]/m.test(source);
}

/**
 * The analyzer's options for a pipeline text: its MCP servers' tools listed (cached) when its steps
 * call any, else only the user's server names. A problem with the user's settings goes to `warn`.
 */
export async function mcpAnalyzeOptions(source: string, opts: PrepareOptions & { warn?: (s: string) => void }): Promise<{ tools?: Record<string, ToolSpec>; mcp: McpAnalysisInfo }> {
  if (!callsMcp(source)) return { mcp: mcpInfoUnlisted(opts.env).mcp };
  const prepared = await prepareMcp(analyze(source).pipeline, opts);
  if (prepared.settingsProblem) opts.warn?.(`warning: MCP settings ignored: ${prepared.settingsProblem}`);
  return { tools: prepared.tools, mcp: prepared.mcp };
}

/**
 * What is known now, without starting anything (the editor's first analysis): the listings in the
 * cache, and which used servers still need listing (`prepareMcp` lists them).
 */
export function mcpOptionsCached(pipeline: Pipeline | null, opts: PrepareOptions): McpPrepared & { unlisted: string[] } {
  const env = opts.env ?? process.env;
  const base = mcpInfoUnlisted(env);
  const out = { tools: {} as Record<string, ToolSpec>, mcp: base.mcp, settingsProblem: base.settingsProblem, unlisted: [] as string[] };
  if (!pipeline) return out;
  const servers = effectiveServers(pipeline, base.servers);
  for (const name of usedServers(pipeline)) {
    if (!Object.prototype.hasOwnProperty.call(servers, name)) continue;
    const bad = declProblem(servers[name]);
    if (bad) {
      out.mcp.status[name] = { listed: false, reason: `its declaration is not usable: ${bad}`, failed: true };
      continue;
    }
    const l = cachedListing(name, servers[name], { workspace: opts.workspace, cwd: opts.cwd, env });
    if (!l) {
      out.unlisted.push(name);
      continue;
    }
    out.mcp.status[name] = statusOf(l);
    if (l.ok) Object.assign(out.tools, toolSpecs(name, l.tools));
  }
  return out;
}
