// What the editor's agent mode is offered of a workspace's pipelines, as text: which pipelines are
// exposed under `orchestrator.agentTools.expose`, the list the agent reads, the confirmation a person
// answers before a run, and the tool result a run gives back. Each pipeline is described as a tool
// by engine/mcp/pipelineTools.ts (the description `orc mcp` serves too). No vscode here: unit tests
// pin these texts (client/languageModelTools.ts registers the tools).
import * as path from 'node:path';
import type { ParameterDecl, PipelineToolDescription, Prediction, ResultDocument } from '../engine/api/index';

/** `orchestrator.agentTools.expose`: pipelines with a `description:` (default), every pipeline, or none. */
export type Exposure = 'described' | 'all' | 'none';

export const EXPOSURES: readonly Exposure[] = ['described', 'all', 'none'];

/** The setting's value, `described` for anything else. */
export function exposureOf(value: unknown): Exposure {
  return EXPOSURES.includes(value as Exposure) ? (value as Exposure) : 'described';
}

/** The tool names in package.json `contributes.languageModelTools`. */
export const RUN_TOOL = 'orchestrator_runPipeline';
export const LIST_TOOL = 'orchestrator_listPipelines';

/** A workspace pipeline that compiles, as the agent tools see it. */
export interface OfferedPipeline {
  tool: PipelineToolDescription;
  /** Its file, relative to its workspace folder (forward slashes). */
  file: string;
  /** Whether the pipeline declares a non-empty `description:`. */
  described: boolean;
  parameters: ParameterDecl[];
}

/** The pipelines the setting exposes, in the order given. */
export function exposedPipelines(all: OfferedPipeline[], exposure: Exposure): OfferedPipeline[] {
  if (exposure === 'none') return [];
  return exposure === 'all' ? all : all.filter((p) => p.described);
}

/** The pipeline a call names: by tool name, else by the file (relative path) it is in. */
export function findPipeline(exposed: OfferedPipeline[], name: string): OfferedPipeline | undefined {
  return exposed.find((p) => p.tool.name === name) ?? exposed.find((p) => p.file === name);
}

/** The list tool's result: each exposed pipeline with its name, file, description and input schema (JSON). */
export function pipelineListText(exposed: OfferedPipeline[]): string {
  return JSON.stringify(
    {
      pipelines: exposed.map((p) => ({
        name: p.tool.name,
        ...(p.tool.title ? { title: p.tool.title } : {}),
        file: p.file,
        description: p.tool.description,
        inputSchema: p.tool.inputSchema,
        outputs: Object.keys(p.tool.outputSchema.properties),
      })),
    },
    null,
    2,
  );
}

/** Why a call names no exposed pipeline, with the names it could use. */
export function unknownPipelineText(name: string, exposed: OfferedPipeline[]): string {
  const names = exposed.map((p) => p.tool.name);
  return `No pipeline '${name}' is exposed to agents here. ${names.length ? `Exposed: ${names.join(', ')}.` : 'None is exposed (see the setting orchestrator.agentTools.expose).'} Call ${LIST_TOOL} for their inputs.`;
}

/** A value as the confirmation shows it: JSON, cut at 200 characters. */
function shownValue(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

/** Dollars as the confirmation shows them: cents, or two significant digits under a cent. */
export function usd(n: number): string {
  if (n === 0 || n >= 0.01) return `$${n.toFixed(2)}`;
  return n < 0.000001 ? 'under $0.000001' : `$${n.toPrecision(2)}`;
}

/** The predicted cost in words: a range, or unknown, or none when no step calls a model. */
export function costText(prediction: Prediction | null): string {
  if (!prediction) return 'unknown (the pipeline could not be predicted)';
  const c = prediction.cost_usd;
  const modelSteps = prediction.steps.filter((s) => s.model !== undefined);
  if (!modelSteps.length && c.high === 0) return '$0.00 (no step calls a model)';
  const range = c.low === c.high ? usd(c.expected) : `${usd(c.expected)} (${usd(c.low)} to ${usd(c.high)})`;
  const unknown = prediction.steps.filter((s) => s.model !== undefined && s.cost_usd === null).map((s) => s.step);
  return `${range}${unknown.length ? `, not counting ${unknown.join(', ')} (no price known)` : ''}`;
}

/** The confirmation before an agent runs a pipeline: its name, its file, each input (secrets hidden, defaults said) and its predicted cost. */
export function confirmationOf(p: OfferedPipeline, inputs: Record<string, unknown>, prediction: Prediction | null): { title: string; message: string } {
  const lines = [`The agent asks to run the pipeline '${p.tool.name}' (${p.file}) in the run panel.`, ''];
  const given = new Set(Object.keys(inputs));
  const rows: string[] = [];
  for (const d of p.parameters) {
    if (given.has(d.name)) rows.push(`- ${d.name}: ${d.secret ? '(secret, hidden)' : shownValue(inputs[d.name])}`);
    else if (d.hasDefault) rows.push(`- ${d.name}: ${d.secret ? '(secret, hidden)' : shownValue(d.default)} (default)`);
    else rows.push(`- ${d.name}: (not given)`);
  }
  // names the pipeline does not declare: the run refuses them, but the person sees them first
  for (const k of given) if (!p.parameters.some((d) => d.name === k)) rows.push(`- ${k}: ${shownValue(inputs[k])} (not a parameter of this pipeline)`);
  lines.push(rows.length ? 'Inputs:' : 'Inputs: none', ...rows, '', `Predicted cost: ${costText(prediction)}`);
  return { title: `Run pipeline ${p.tool.title ?? p.tool.name}?`, message: lines.join('\n') };
}

/** The run tool's result: the outputs, as JSON, when the run completed. */
export function toolResultText(doc: ResultDocument): string {
  return JSON.stringify(doc.outputs, null, 2);
}

/** Why a run gave no outputs to return (the tool call fails with this). */
export function runFailureText(name: string, doc: ResultDocument): string {
  if (doc.status === 'cancelled') return `Pipeline '${name}' was cancelled (run ${doc.execution_id}).`;
  const failed = doc.failed_steps.map((s) => `${s}: ${doc.steps[s]?.error_type ?? 'Error'}: ${doc.steps[s]?.error ?? 'failed'}`);
  return `Pipeline '${name}' ${doc.status} (run ${doc.execution_id})${failed.length ? `: ${failed.join('; ')}` : ''}.`;
}

/** What an MCP stdio server definition is made of (vscode.McpStdioServerDefinition). */
export interface StdioDefinition {
  label: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  version: string;
}

/** One server per workspace folder on disk: `node dist/cli.js mcp --root FOLDER`. */
export function serverDefinitions(folders: { name: string; fsPath: string }[], extensionPath: string, node: string, version: string): StdioDefinition[] {
  const cli = path.join(extensionPath, 'dist', 'cli.js');
  return folders.map((f) => ({
    label: folders.length > 1 ? `Orchestrator pipelines (${f.name})` : 'Orchestrator pipelines',
    command: node,
    args: [cli, 'mcp', '--root', f.fsPath],
    // the extension host's executable is Electron's in the desktop editor: this makes it Node
    env: { ELECTRON_RUN_AS_NODE: '1' },
    cwd: f.fsPath,
    version,
  }));
}
