// The workspace's pipelines in the editor's agent mode, as language-model tools (vscode.lm): the
// tools package.json contributes, `orchestrator_listPipelines` (each exposed pipeline with its input
// schema) and `orchestrator_runPipeline` (runs one in the run panel, like Run Pipeline, after a
// confirmation naming it, its inputs and its predicted cost; the result is its outputs), registered
// only in a trusted workspace and while `orchestrator.agentTools.expose` is not `none`, the list
// following the pipeline files (a file watcher) and the setting; and `orchestrator_validatePipeline`
// (the findings of a pipeline or eval text or file, as `orc validate --json` gives them: what Copilot
// checks a pipeline it writes with), registered whenever the API is there: it runs nothing. Their
// results are JSON: a LanguageModelDataPart where this VS Code has it, else text. The texts:
// client/agentTools.ts, client/validateTool.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildTable, pipelineToolDescription, type ServedPipeline, uniqueToolNames } from '../engine/api/index';
import { confirmationOf, exposedPipelines, exposureOf, findPipeline, LIST_TOOL, type OfferedPipeline, pipelineListText, RUN_TOOL, runFailureText, toolResultText, unknownPipelineText } from './agentTools';
import { SECTION } from './configuration';
import type { Log } from './log';
import { registerMcpServerProvider } from './mcpServerProvider';
import { VALIDATE_TOOL, validateInput, type ValidateInput } from './validateTool';
import type { RunController } from './runController';

/** The context key the contributed tools' `when` clause reads. */
export const AGENT_TOOLS_CONTEXT = 'orchestrator.agentToolsEnabled';
export const EXPOSE_SETTING = 'agentTools.expose';

interface RunInput {
  pipeline: string;
  inputs?: Record<string, unknown>;
}

type Offered = OfferedPipeline & { uri: vscode.Uri };

export class AgentTools implements vscode.Disposable {
  private registered: vscode.Disposable[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private table: Offered[] | undefined;
  private readonly changedEmitter = new vscode.EventEmitter<void>();
  /** Fires when what is offered may have changed: trust granted, the setting, the workspace folders. */
  readonly onDidChange = this.changedEmitter.event;

  constructor(
    private readonly runs: RunController,
    private readonly log: Log,
    /** Hides the stored API keys and secret inputs in a text (the run's redactor). */
    private readonly redact: () => Promise<(text: string) => string>,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}');
    const stale = () => this.stale();
    this.subscriptions.push(
      watcher,
      watcher.onDidCreate(stale),
      watcher.onDidChange(stale),
      watcher.onDidDelete(stale),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.table = undefined;
        this.refresh();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.${EXPOSE_SETTING}`)) this.refresh();
      }),
    );
    this.refresh();
  }

  /** Whether anything is offered: a trusted workspace, and the setting is not `none`. */
  enabled(): boolean {
    return vscode.workspace.isTrusted && exposureOf(vscode.workspace.getConfiguration(SECTION).get(EXPOSE_SETTING)) !== 'none';
  }

  /** The pipelines the setting exposes now (built from the files when they changed). */
  exposed(): Offered[] {
    if (!this.enabled()) return [];
    this.table ??= this.build();
    return exposedPipelines(this.table, exposureOf(vscode.workspace.getConfiguration(SECTION).get(EXPOSE_SETTING))) as Offered[];
  }

  /** A pipeline file changed: the next call builds the table again (lazily: a burst of changes costs one build). */
  private stale(): void {
    this.table = undefined;
  }

  /** Every pipeline under the workspace folders that compiles (as `orc mcp` finds them), named uniquely across the folders. */
  private build(): Offered[] {
    const found: { served: ServedPipeline; folder: vscode.WorkspaceFolder }[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const table = buildTable(folder.uri.fsPath, (line) => this.log.line(line.replace(/^orc mcp: /, 'agent tools: ')));
      for (const served of table.values()) found.push({ served, folder });
    }
    const names = uniqueToolNames(found.map((f) => f.served.analysis.pipeline!.id));
    return found.map(({ served, folder }, i) => {
      const pipeline = served.analysis.pipeline!;
      return {
        tool: pipelineToolDescription(pipeline, names[i]),
        file: path.relative(folder.uri.fsPath, served.file).split(path.sep).join('/'),
        described: Boolean(pipeline.description?.trim()),
        parameters: pipeline.parameters,
        uri: vscode.Uri.file(served.file),
      };
    });
  }

  /** Registers the tools, or takes them back, as trust and the setting say. */
  private refresh(): void {
    const on = this.enabled();
    void vscode.commands.executeCommand('setContext', AGENT_TOOLS_CONTEXT, on);
    if (on && !this.registered.length && typeof vscode.lm?.registerTool === 'function') {
      try {
        this.registered.push(
          vscode.lm.registerTool<Record<string, never>>(LIST_TOOL, { invoke: () => this.list() }),
          vscode.lm.registerTool<RunInput>(RUN_TOOL, { prepareInvocation: (o) => this.prepare(o.input), invoke: (o, token) => this.invoke(o.input, token) }),
        );
      } catch (e) {
        this.log.line(`agent tools: not registered: ${(e as Error).message}`);
      }
    } else if (!on && this.registered.length) {
      for (const d of this.registered) d.dispose();
      this.registered = [];
    }
    this.changedEmitter.fire();
  }

  private list(): vscode.LanguageModelToolResult {
    return jsonToolResult(pipelineListText(this.exposed()));
  }

  private find(input: RunInput): Offered {
    const name = typeof input?.pipeline === 'string' ? input.pipeline : '';
    const exposed = this.exposed();
    const p = findPipeline(exposed, name) as Offered | undefined;
    if (!p) throw new Error(unknownPipelineText(name, exposed));
    return p;
  }

  private async prepare(input: RunInput): Promise<vscode.PreparedToolInvocation> {
    const p = this.find(input);
    const prediction = await this.runs.predict(p.uri).catch(() => null);
    const c = confirmationOf(p, inputsOf(input), prediction);
    return { invocationMessage: `Running pipeline ${p.tool.name}`, confirmationMessages: { title: c.title, message: c.message } };
  }

  private async invoke(input: RunInput, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    const p = this.find(input);
    this.log.line(`agent tools: running ${p.tool.name} (${p.file})`);
    const cancel = token.onCancellationRequested(() => this.runs.cancel(p.uri));
    try {
      // the same run as Run Pipeline with inputs: the run panel, the log, the record in .orchestrator/
      const doc = await this.runs.run(p.uri, { inputs: inputsOf(input) });
      const redact = await this.redact();
      if (!doc) throw new Error(redact(this.runs.lastRefusal() ?? `Pipeline '${p.tool.name}' did not start.`));
      if (!doc.success) throw new Error(redact(runFailureText(p.tool.name, doc)));
      return jsonToolResult(redact(toolResultText(doc)));
    } finally {
      cancel.dispose();
    }
  }

  dispose(): void {
    for (const d of [...this.registered, ...this.subscriptions, this.changedEmitter]) d.dispose();
    this.registered = [];
  }
}

/** `LanguageModelDataPart.json` where this VS Code has it (1.10x and later; the types of 1.101 do not), else the text. */
const dataPart = (vscode as unknown as { LanguageModelDataPart?: { json?(value: unknown): unknown } }).LanguageModelDataPart;

/** A tool result holding the JSON `text`: one data part of its value, or, where the API has none, the text. */
export function jsonToolResult(text: string): vscode.LanguageModelToolResult {
  let part: unknown = null;
  if (typeof dataPart?.json === 'function') {
    try {
      part = dataPart.json(JSON.parse(text));
    } catch {
      // not JSON after all (a redacted text): as text
    }
  }
  return new vscode.LanguageModelToolResult([(part ?? new vscode.LanguageModelTextPart(text)) as vscode.LanguageModelTextPart]);
}

/** `orchestrator_validatePipeline`: the report of a text or a workspace file, as the editor holds it. */
export function registerValidateTool(context: vscode.ExtensionContext, log: Log): void {
  if (typeof vscode.lm?.registerTool !== 'function') return;
  try {
    context.subscriptions.push(
      vscode.lm.registerTool<ValidateInput>(VALIDATE_TOOL, {
        invoke: (o) => {
          const report = validateInput(o.input, {
            folders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
            openText: (file) => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file)?.getText(),
          });
          return jsonToolResult(JSON.stringify(report, null, 2));
        },
      }),
    );
  } catch (e) {
    log.line(`agent tools: ${VALIDATE_TOOL} not registered: ${(e as Error).message}`);
  }
}

function inputsOf(input: RunInput): Record<string, unknown> {
  const given = input?.inputs;
  return given && typeof given === 'object' && !Array.isArray(given) ? given : {};
}

/** Activation: the agent tools and the MCP server entry, both following trust and the setting. */
export function registerAgentTools(context: vscode.ExtensionContext, runs: RunController, log: Log, models: { forRun(): Promise<{ redactor: { text(t: string): string } }> }): AgentTools {
  const tools = new AgentTools(runs, log, async () => {
    const { redactor } = await models.forRun();
    return (t) => redactor.text(t);
  });
  context.subscriptions.push(tools);
  registerValidateTool(context, log);
  const mcp = registerMcpServerProvider(context, () => tools.enabled(), tools.onDidChange);
  if (mcp) context.subscriptions.push(mcp);
  return tools;
}
