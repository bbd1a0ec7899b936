// A run's MCP connections: each server is started on its first call, shared by every step after,
// and closed (its process group killed) when the run ends.
import type { McpServerDecl, Pipeline } from '../spec/types';
import { abortError, ToolError, untilAborted, type ToolDefinition, type ToolOutcome } from '../toolkit/runtime';
import { unlistedToolSpec } from './catalog';
import type { McpCallResult, McpConnection, McpToolInfo } from './client';
import { DEFAULT_START_TIMEOUT_S, mcpStepsOf, parseMcpTool } from './config';

/** What an MCP tool step's result holds: `{content, text, structured}`. */
export interface McpStepResult {
  content: unknown[];
  text: string;
  structured: unknown;
}

export function stepResultOf(r: McpCallResult): McpStepResult {
  const content = Array.isArray(r.content) ? r.content : [];
  const text = content
    .filter((c): c is { type: 'text'; text: string } => !!c && typeof c === 'object' && (c as { type?: unknown }).type === 'text' && typeof (c as { text?: unknown }).text === 'string')
    .map((c) => c.text)
    .join('\n');
  return { content, text, structured: r.structuredContent ?? null };
}

/**
 * Answers in place of servers (an eval case's mocks): a server it answers for (`answers(server)`) is
 * never started; its tools are the ones listed here and its calls are answered here.
 */
export interface McpStandIn {
  answers(server: string): boolean;
  listTools(server: string): McpToolInfo[];
  call(server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome>;
}

export class McpSession {
  private readonly servers: Record<string, McpServerDecl>;
  /** Servers answered without being started (RunOptions.mcpStandIn). */
  standIn: McpStandIn | null = null;
  private readonly conns = new Map<string, Promise<McpConnection>>();
  private readonly live = new Set<McpConnection>();
  private ended = false;

  constructor(
    servers: Record<string, McpServerDecl>,
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.servers = Object.assign(Object.create(null) as Record<string, McpServerDecl>, servers);
  }

  declared(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.servers, name);
  }

  serverNames(): string[] {
    return Object.keys(this.servers);
  }

  /** Declares (or replaces) a server at run time: `mcp-server` connect with a `server_config`. */
  declare(name: string, decl: McpServerDecl): void {
    this.servers[name] = decl;
  }

  isConnected(name: string): boolean {
    return this.conns.has(name);
  }

  /** The server's connection, started now if it is not yet. Waiting stops when `signal` aborts; the start itself is bounded by the server's `timeout`. */
  connection(name: string, signal: AbortSignal): Promise<McpConnection> {
    if (this.ended) return Promise.reject(new ToolError(`The run has ended: MCP server '${name}' is closed`, 'ConnectionError'));
    let p = this.conns.get(name);
    if (!p) {
      if (!this.declared(name)) {
        const names = this.serverNames();
        return Promise.reject(new ToolError(`No MCP server '${name}': ${names.length ? `the servers are ${names.map((n) => `'${n}'`).join(', ')}` : "the pipeline declares no 'mcp_servers'"}`, 'ConfigurationError'));
      }
      // the MCP client (and its SDK) loads with the first server a run connects to
      p = import('./client.js').then((m) => m.connectServer(name, this.servers[name], { cwd: this.cwd, env: this.env })).then((c) => {
        if (this.ended) {
          void c.close();
          throw new ToolError(`The run has ended: MCP server '${name}' is closed`, 'ConnectionError');
        }
        this.live.add(c);
        // a server that goes away is started again by the next call
        c.onClose(() => {
          this.live.delete(c);
          if (this.conns.get(name) === p) this.conns.delete(name);
        });
        return c;
      });
      const mine = p;
      p.catch(() => {
        if (this.conns.get(name) === mine) this.conns.delete(name);
      });
      this.conns.set(name, p);
    }
    return untilAborted(p, signal);
  }

  /** The tools a server lists, on the run's connection to it (an agent's `mcp:SERVER` allow-list entry); bounded by the server's start timeout. */
  async listTools(server: string, signal: AbortSignal): Promise<McpToolInfo[]> {
    if (this.standIn?.answers(server)) return this.standIn.listTools(server);
    const conn = await this.connection(server, signal);
    try {
      return await conn.listTools({ signal, timeoutMs: (this.servers[server]?.timeout ?? DEFAULT_START_TIMEOUT_S) * 1000 });
    } catch (e) {
      if (signal.aborted) throw abortError(signal);
      throw new ToolError(`MCP server '${server}' did not list its tools: ${conn.redact((e as Error).message)}`, 'ConnectionError');
    }
  }

  /** Calls a tool: its result, or `success: false` with its text when the tool reports an error. */
  async call(server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    if (this.standIn?.answers(server)) return this.standIn.call(server, tool, args, signal);
    const conn = await this.connection(server, signal);
    let r: McpCallResult;
    try {
      r = await conn.callTool(tool, args, signal);
    } catch (e) {
      if (signal.aborted) throw abortError(signal);
      if (conn.closed) throw new ToolError(`MCP server '${server}' stopped while calling '${tool}': ${conn.exitReport()}`, 'ConnectionError');
      const code = (e as { code?: unknown }).code;
      const msg = conn.redact((e as Error).message);
      // JSON-RPC's invalid params / method not found: another attempt cannot fix them
      if (code === -32602 || code === -32601) throw new ToolError(`MCP server '${server}' refused the call to '${tool}': ${msg}`, 'ValueError');
      throw new ToolError(`MCP server '${server}' failed calling '${tool}': ${msg}`, 'ToolError');
    }
    const result = stepResultOf(r);
    if (r.isError) return { success: false, result, error: result.text || `MCP tool '${tool}' of server '${server}' reported an error` };
    return { success: true, result };
  }

  /** Closes one server (`mcp-server` disconnect). */
  async disconnect(name: string): Promise<boolean> {
    const p = this.conns.get(name);
    if (!p) return false;
    this.conns.delete(name);
    try {
      const c = await p;
      this.live.delete(c);
      await c.close();
    } catch {
      // it never connected
    }
    return true;
  }

  /** Closes every server; later calls are refused. */
  async close(): Promise<void> {
    this.ended = true;
    // no server was started (most runs): nothing to wait for
    if (!this.conns.size && !this.live.size) return;
    const pending = [...this.conns.values()];
    this.conns.clear();
    const all = await Promise.allSettled(pending);
    const conns = new Set([...this.live, ...all.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))]);
    this.live.clear();
    await Promise.all([...conns].map((c) => c.close()));
  }

  /** The tool definitions of a pipeline's `mcp:<server>.<tool>` steps, calling through this session. */
  toolsFor(pipeline: Pipeline): Record<string, ToolDefinition> {
    const out: Record<string, ToolDefinition> = {};
    for (const step of mcpStepsOf(pipeline)) {
      const name = step.tool!;
      const ref = parseMcpTool(name)!;
      if (out[name]) continue;
      out[name] = {
        spec: unlistedToolSpec(name),
        run: async (_action, params, ctx) => {
          if (!ref.tool) throw new ToolError(`Name the tool: 'mcp:${ref.server}.<tool>'`, 'ConfigurationError');
          return this.call(ref.server, ref.tool, params, ctx.signal);
        },
      };
    }
    return out;
  }
}
