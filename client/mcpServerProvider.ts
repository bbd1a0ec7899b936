// `orc mcp` for each workspace folder in the editor's MCP server list (package.json
// `mcpServerDefinitionProviders`, vscode.lm.registerMcpServerDefinitionProvider, VS Code 1.101+):
// a stdio server run by the editor's own Node (the extension host's executable, as Node) with the
// CLI bundle the extension ships (dist/cli.js). Nothing is offered in Restricted Mode or while
// `orchestrator.agentTools.expose` is `none`. @types/vscode 1.95 has no MCP API: it is looked up at
// run time, and an editor without it simply gets no entry.
import * as vscode from 'vscode';
import { serverDefinitions } from './agentTools';

/** The id package.json's `mcpServerDefinitionProviders` contributes. */
export const MCP_PROVIDER_ID = 'orchestrator.pipelines';

interface McpProvider {
  onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): vscode.ProviderResult<unknown[]>;
}
type StdioCtor = new (label: string, command: string, args?: string[], env?: Record<string, string | number | null>, version?: string) => { cwd?: vscode.Uri };
interface McpApi {
  register: (id: string, provider: McpProvider) => vscode.Disposable;
  Stdio: StdioCtor;
}

/** The editor's MCP API when it has one (VS Code 1.101+). */
export function mcpApi(): McpApi | undefined {
  const lm = vscode.lm as unknown as { registerMcpServerDefinitionProvider?: McpApi['register'] } | undefined;
  const Stdio = (vscode as unknown as { McpStdioServerDefinition?: StdioCtor }).McpStdioServerDefinition;
  if (typeof lm?.registerMcpServerDefinitionProvider !== 'function' || typeof Stdio !== 'function') return undefined;
  return { register: (id, provider) => lm.registerMcpServerDefinitionProvider!(id, provider), Stdio };
}

/** Registers the provider; `enabled` says whether anything is offered now, `changed` when that may have changed. */
export function registerMcpServerProvider(context: vscode.ExtensionContext, enabled: () => boolean, changed: vscode.Event<void>): vscode.Disposable | undefined {
  const api = mcpApi();
  if (!api) return undefined;
  const version = String((context.extension.packageJSON as { version?: unknown }).version ?? '0.0.0');
  return api.register(MCP_PROVIDER_ID, {
    onDidChangeMcpServerDefinitions: changed,
    provideMcpServerDefinitions: () => {
      if (!enabled()) return [];
      const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => ({ name: f.name, fsPath: f.uri.fsPath }));
      return serverDefinitions(folders, context.extensionPath, process.execPath, version).map((d) => {
        const def = new api.Stdio(d.label, d.command, d.args, d.env, d.version);
        def.cwd = vscode.Uri.file(d.cwd);
        return def;
      });
    },
  });
}
