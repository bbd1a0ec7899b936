// `mcp-server`: ContextLab's tool for MCP servers, a step at a time (connect, list_tools,
// execute_tool, disconnect). Pure data: the language server bundles it.
import type { ToolSpec } from '../toolSpec';

export const mcpServerSpec: ToolSpec = {
  name: 'mcp-server',
  description: "Connects to MCP servers and calls their tools, one step per operation (ContextLab's form; `tool: mcp:<server>.<tool>` is the direct one). Connections last until `disconnect` or the run's end.",
  actions: {
    execute: {
      description: 'Runs one operation, chosen by the `action` parameter: `connect` a server, `list_tools`, `execute_tool`, or `disconnect`.',
      parameters: {
        action: { type: 'string', required: true, description: 'The operation: connect, list_tools, execute_tool or disconnect.', enum: ['connect', 'list_tools', 'execute_tool', 'disconnect'] },
        server_name: { type: 'string', description: "The server's name (default `default`): one of `mcp_servers`, or the name a `connect` gives.", default: 'default' },
        server_config: { type: 'object', description: "For `connect`: `{command, args, env, cwd}` (stdio) or `{url, headers}` (streamable HTTP), as in `mcp_servers`; absent: the server of that name in `mcp_servers` or the user's settings." },
        tool_name: { type: 'string', description: 'For `execute_tool`: the tool to call.' },
        tool_params: { type: 'object', description: "For `execute_tool`: the tool's arguments." },
      },
      result: {
        server_name: 'The server.',
        connected: '`connect`: whether it connected.',
        capabilities: "`connect`: the server's capabilities.",
        tools: '`list_tools`: list of `{name, description, input_schema}`.',
        tool_name: '`execute_tool`: the tool called.',
        result: '`execute_tool`: `{content, text, structured}` as an `mcp:` step returns it.',
        message: '`disconnect`: what happened.',
      },
    },
  },
};
