// `mcp-server`: ContextLab's step-at-a-time MCP operations over a run's MCP session
// (engine/mcp/session.ts): connect, list_tools, execute_tool, disconnect.
import { declProblem } from '../mcp/config';
import { McpSession } from '../mcp/session';
import type { McpServerDecl } from '../spec/types';
import { mcpServerSpec } from '../toolkit/specs/mcpServer';
import { ToolError, type ToolContext, type ToolDefinition, type ToolOutcome } from '../toolkit/runtime';

function configOf(v: unknown): McpServerDecl {
  let c = v;
  if (typeof c === 'string') {
    try {
      c = JSON.parse(c);
    } catch {
      throw new ToolError("'server_config' must be a mapping ({command, args, env} or {url, headers}), not text", 'ValueError');
    }
  }
  const bad = declProblem(c);
  if (bad) throw new ToolError(`'server_config' is not usable: ${bad}`, 'ValueError');
  return c as McpServerDecl;
}

async function execute(session: McpSession, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  const server = typeof p.server_name === 'string' && p.server_name ? p.server_name : 'default';
  switch (p.action) {
    case 'connect': {
      if (p.server_config !== undefined && p.server_config !== null) {
        const decl = configOf(p.server_config);
        if (session.isConnected(server)) await session.disconnect(server);
        session.declare(server, decl);
      } else if (!session.declared(server)) {
        throw new ToolError(`connect needs a 'server_config', or a 'server_name' declared in 'mcp_servers' ('${server}' is not)`, 'ValueError');
      }
      try {
        const conn = await session.connection(server, ctx.signal);
        return { success: true, result: { server_name: server, connected: true, capabilities: conn.client.getServerCapabilities() ?? {} } };
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        return { success: false, result: { server_name: server, connected: false, capabilities: {} }, error: (e as Error).message };
      }
    }
    case 'list_tools': {
      const conn = await connected(session, server, ctx);
      const tools = await conn.listTools({ signal: ctx.signal, timeoutMs: 24 * 3600 * 1000 });
      return { success: true, result: { server_name: server, tools: tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })) } };
    }
    case 'execute_tool': {
      if (typeof p.tool_name !== 'string' || !p.tool_name) throw new ToolError("execute_tool needs a 'tool_name'", 'ValueError');
      const args = p.tool_params === undefined || p.tool_params === null ? {} : p.tool_params;
      if (typeof args !== 'object' || Array.isArray(args)) throw new ToolError("'tool_params' must be a mapping of the tool's arguments", 'ValueError');
      await connected(session, server, ctx);
      const out = await session.call(server, p.tool_name, args as Record<string, unknown>, ctx.signal);
      const result = { server_name: server, tool_name: p.tool_name, result: out.result };
      return out.success ? { success: true, result } : { success: false, result, error: out.error };
    }
    case 'disconnect': {
      const was = await session.disconnect(server);
      return { success: true, result: { server_name: server, message: was ? `Disconnected from server '${server}'` : `Server '${server}' was not connected` } };
    }
    default:
      throw new ToolError(`mcp-server has no operation ${JSON.stringify(p.action)}: use 'connect', 'list_tools', 'execute_tool' or 'disconnect'`, 'ValueError');
  }
}

/** The connection of a server connected earlier, or of one `mcp_servers` declares (started now). */
function connected(session: McpSession, server: string, ctx: ToolContext) {
  if (!session.isConnected(server) && !session.declared(server)) {
    throw new ToolError(`MCP server '${server}' is not connected: connect it first (action: connect), or declare it in 'mcp_servers'`, 'ValueError');
  }
  return session.connection(server, ctx.signal);
}

/** An `mcp-server` tool over a session: a run makes one over its own (closed at its end). */
export function createMcpServerTool(session: McpSession): ToolDefinition {
  return {
    spec: mcpServerSpec,
    run: (action, params, ctx) => {
      if (action !== 'execute') throw new ToolError(`mcp-server has no action '${action}': use 'execute' with parameters.action`, 'ValueError');
      return execute(session, params, ctx);
    },
  };
}

/** The registry's instance, for hosts that run tools outside runPipeline; a run replaces it with one over its own session. */
export const mcpServerTool: ToolDefinition = createMcpServerTool(new McpSession({}, process.cwd()));
