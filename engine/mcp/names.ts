// How steps name MCP tools: `mcp:<server>.<tool>`. Pure, for the analyzer and the language server.

/** `mcp:<server>.<tool>` → its parts; `tool` is null when only `mcp:<server>` is written. Null for other tools. */
export function parseMcpTool(tool: string | null | undefined): { server: string; tool: string | null } | null {
  if (typeof tool !== 'string' || !tool.startsWith('mcp:')) return null;
  const rest = tool.slice(4);
  const dot = rest.indexOf('.');
  if (dot < 0) return { server: rest, tool: null };
  return { server: rest.slice(0, dot), tool: rest.slice(dot + 1) || null };
}

export function mcpToolName(server: string, tool: string): string {
  return `mcp:${server}.${tool}`;
}
