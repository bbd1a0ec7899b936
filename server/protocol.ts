// Messages between the language server and the extension beyond standard LSP, typed once for both
// sides (as rust-analyzer's lsp_ext.ts).
import type { GraphDocument } from '../engine/plan/graph';
import type { Range } from '../engine/spec/types';

export interface GraphParams {
  uri: string;
}

/** The DAG of a document, as `orc graph --format json` prints it, its steps with errors marked and
 * `problem` saying what is wrong when the document has errors; null when its text is not read as
 * YAML (a syntax error) or is not a pipeline. */
export type GraphResult = GraphDocument & { pipeline_id: string; problem?: string };

/** `orchestrator/graph`: GraphParams → GraphResult | null. (A method name, not a RequestType: the
 * server's and the client's LSP libraries carry different copies of vscode-jsonrpc.) */
export const GRAPH_REQUEST = 'orchestrator/graph';

/** `orchestrator/workspaceTrusted`: the user trusted the workspace after the server started (its
 * initializationOptions said `trusted: false`); documents that call MCP servers are checked again,
 * now listing the servers' tools. No params. */
export const WORKSPACE_TRUSTED_NOTIFICATION = 'orchestrator/workspaceTrusted';

/** Commands the code lenses invoke; the extension implements them. */
export const COMMANDS = {
  run: 'orchestrator.run',
  debug: 'orchestrator.debug',
  showGraph: 'orchestrator.showGraph',
  runFromHere: 'orchestrator.runFromHere',
  resolveAuto: 'orchestrator.resolveAuto',
  /** The lens above an agent: a quick pick of what its allow-list lets the model call (arguments:
   * the document's URI and an AllowedToolsList). Not in the palette: it needs the lens's list. */
  showAllowedTools: 'orchestrator.showAllowedTools',
  /** The lens on a trigger: serve the workspace's pipelines (`orc serve`), which fires it. */
  serveWorkspace: 'orchestrator.serveWorkspace',
} as const;

/** One tool an agent may call, as its lens lists it. */
export interface AllowedToolView {
  /** As results spell it (`filesystem.read`, `mcp:files.list`, `agent:worker`); an MCP server whose tools are not listed yet: `mcp:files`. */
  tool: string;
  /** Its calls wait for a person's approval. */
  approve: boolean;
  /** The entry that allows it, as spelt (`filesystem`, `filesystem.write`), and where that entry is written. */
  entry: string;
  range: Range;
  /** A whole MCP server whose tools are not listed yet: the run lists them when it starts the server. */
  unlistedServer?: true;
}

/** What the lens above an agent passes after the URI. */
export interface AllowedToolsList {
  /** `agent step 'triage'`, `agent 'worker'`. */
  owner: string;
  tools: AllowedToolView[];
}

/** Commands the code lenses of an eval file (`*.eval.yaml`) invoke: Run Eval (arguments: the
 * eval's URI and an optional `{ variant }`), and Estimate (its URI). */
export const EVAL_COMMANDS = {
  run: 'orchestrator.runEval',
  estimate: 'orchestrator.estimateEval',
  /** Optimize Models… (argument: the eval's URI). */
  optimize: 'orchestrator.optimizeModels',
  /** Improve Prompts… (argument: the eval's URI). */
  improve: 'orchestrator.improvePrompts',
} as const;

/** What the lenses' Run Eval passes besides the URI. */
export interface EvalRunArgs {
  variant?: string;
  case?: string;
}
