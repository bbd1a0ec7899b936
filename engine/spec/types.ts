// The shapes shared by every face of the engine: findings, the normalized pipeline, the plan.
// SPEC.md is the contract; these types are its TypeScript form.

/** A position in a document: 0-based line, UTF-16 character (as LSP). */
export interface Position {
  line: number;
  character: number;
}

/** A range in a document, end exclusive (as LSP). */
export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A path into the YAML value: keys and list indices, e.g. ['steps', 0, 'dependencies', 1]. */
export type ValuePath = (string | number)[];

export interface RelatedFinding {
  message: string;
  range: Range;
}

/** An edit that fixes a finding: what a quick fix applies. */
export interface FindingFix {
  title: string;
  edits: { range: Range; newText: string }[];
}

/** Every problem the compiler finds (SPEC "Findings"). */
export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  /** The id of the step the finding belongs to, when it belongs to one. */
  step: string | null;
  /** Where in the YAML value, as a dotted path (`steps[0].dependencies[1]`). */
  path: string;
  /** Replacements that would fix the finding (did-you-mean), best first. */
  suggestions: string[];
  /** Other places that take part in the problem (e.g. the other steps of a cycle). */
  related?: RelatedFinding[];
  /** Edits that fix it (remove a key, rewrite it to this format's form), best first. */
  fixes?: FindingFix[];
}

export type ParamType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

export interface ParameterDecl {
  name: string;
  type: ParamType | null;
  description: string | null;
  required: boolean;
  default: unknown;
  hasDefault: boolean;
  enum: unknown[] | null;
  /** `secret: true`: redacted wherever written or printed, never kept in the checkpoint. */
  secret?: boolean;
  /** Where it is declared: `parameters:`, or ContextLab's `inputs:` (both may be given, and are merged). */
  source: 'parameters' | 'inputs';
}

export type FailurePolicy =
  | { kind: 'fail' }
  | { kind: 'continue' }
  | { kind: 'skip' }
  | { kind: 'retry' }
  | { kind: 'jump'; target: string };

export interface RetryPolicy {
  maxAttempts: number;
  backoff: 'exponential' | 'fixed';
  initialDelay: number;
  maxDelay: number;
}

export interface VarDecl {
  name: string;
  type: ParamType;
  description: string;
  schema: Record<string, unknown>;
  required: boolean;
}

export type LoopSpec =
  | { kind: 'for_each'; items: unknown; maxParallel: number; loopVar: string; /** ContextLab's one-action loop (`for_each` with an `action`): the id of its one body step, whose result per item is the loop's. */ single?: string }
  | { kind: 'while'; condition: unknown; until: unknown; /** A number, or a template rendered when the loop starts. */ maxIterations: number | string };

/** What an agent's `tools:` entry names (SPEC "Agents"). */
export type AgentToolRef =
  | { kind: 'action'; tool: string; action: string }
  | { kind: 'tool'; tool: string }
  | { kind: 'mcp'; server: string; tool: string | null }
  | { kind: 'pipeline'; file: string }
  | { kind: 'agent'; name: string }
  /** A remote A2A agent: its card's URL (or its base), and the environment variable holding its bearer token. */
  | { kind: 'a2a'; url: string; tokenEnv: string | null };

/** One entry of an agent's allow-list, with its options. */
export interface AgentToolEntry {
  ref: AgentToolRef;
  /** As results and events spell it: `filesystem.read`, `filesystem`, `mcp:files.list`, `mcp:files`, `pipeline:report.pipeline.yaml`, `agent:worker`. */
  spelling: string;
  /** Each call waits for a person's approval. */
  approve: boolean;
  /** Seconds a call may take (null: only the step's timeout). */
  timeout: number | null;
  /** Where the entry is written (`steps[2].tools[0]`, `agents.worker.tools[1]`). */
  path: ValuePath;
}

/** `agent_tree`: the bound of a step's whole tree of agents (engine/agent/treeBound.ts); `handoffs`: too many handoffs in one step (engine/agent/handoffs.ts). */
export type AgentLimit = 'max_turns' | 'max_tool_calls' | 'budget' | 'timeout' | 'agent_tree' | 'handoffs';

/** `memory:` of an agent step: the session its conversation continues (engine/agent/sessions.ts). */
export interface MemoryDecl {
  /** The session id as written (a template, rendered when the step runs). */
  session: string;
  /** The most messages the session keeps and sends (default 50). */
  maxMessages: number;
  /** Past this many messages the oldest are compacted into a summary (null: past `maxMessages`). */
  summarizeAfter: number | null;
}

/** An agent: an `action: agent` step's own settings, or a named agent of `agents:`. */
export interface AgentDecl {
  tools: AgentToolEntry[];
  maxTurns: number;
  maxToolCalls: number;
  budget: { maxCostUsd: number | null; maxTokens: number | null };
  onLimit: 'fail' | 'answer';
  parallelToolCalls: boolean;
  /** `handoffs:`: the named agents the conversation may be handed to (offered as `transfer_to_NAME`). */
  handoffs?: string[];
  /** `memory:` (agent steps): the session the conversation continues across runs. */
  memory?: MemoryDecl;
}

/** A named agent (`agents:` at the top level), usable as a tool by agent steps and other agents. */
export interface NamedAgent extends AgentDecl {
  name: string;
  description: string | null;
  model: string | null;
  /** Its system prompt. */
  instructions: string | null;
  expert: string | null;
  personality: string | null;
  maxTokens: number | null;
  temperature: number | null;
  path: ValuePath;
}

/** A budget (`budget:` of the run or of a step); null: no limit of that kind. */
export interface BudgetDecl {
  maxCostUsd: number | null;
  maxTokens: number | null;
  /** Seconds of wall time (the run's budget only). */
  maxDuration: number | null;
}

export type GuardKind = 'deny' | 'allow' | 'pii' | 'max_chars' | 'schema' | 'judge' | 'pipeline';
export type GuardStage = 'input' | 'output' | 'tool_results';

/** One guard of `guardrails:` (engine/guard/). */
export interface GuardDecl {
  kind: GuardKind;
  /** `name:`, else the kind. */
  name: string;
  /** The kind's value as written (patterns, PII kinds, a number, a schema, `{rubric, threshold, model}`, a file). */
  value: unknown;
  onFail: 'block' | 'redact' | 'retry' | 'ask';
  path: ValuePath;
}

export interface GuardrailsDecl {
  input: GuardDecl[];
  output: GuardDecl[];
  toolResults: GuardDecl[];
}

/** A step as the engine sees it: aliases folded, lists normalized. */
export interface Step {
  id: string;
  /** Position in the YAML value, e.g. ['steps', 3] or ['steps', 2, 'steps', 0]. */
  path: ValuePath;
  name: string | null;
  description: string | null;
  action: string | null;
  tool: string | null;
  parameters: Record<string, unknown>;
  dependencies: string[];
  condition: unknown;
  onFalse: string | null;
  onSuccess: string | null;
  onFailure: FailurePolicy;
  timeout: number | null;
  retry: RetryPolicy | null;
  loop: LoopSpec | null;
  body: Step[] | null;
  model: string | null;
  /** `model:` written as a list (a fallback chain): every model in order; `model` is the first. */
  modelChain?: string[];
  requiresModel: Record<string, unknown> | null;
  expert: string | null;
  personality: string | null;
  vars: VarDecl[];
  products: Record<string, string>;
  cache: boolean;
  location: string | null;
  outputSchema: Record<string, unknown> | null;
  /** `action: agent`: its allow-list and limits. */
  agent?: AgentDecl;
  /** `guardrails:`: checks on its input, output and (agents) tool results. */
  guardrails?: GuardrailsDecl;
  /** `repair.max_attempts`: more calls that may repair an invalid answer (absent: 1). */
  repairAttempts?: number;
  /** `budget:` of a model step (an agent step's is `agent.budget`). */
  budget?: BudgetDecl;
  /** The raw mapping from the file, for anything not folded above. */
  raw: Record<string, unknown>;
}

export interface PipelineContext {
  timeout: number | null;
  maxRetries: number | null;
  maxParallel: number | null;
  checkpoint: boolean;
}

/** One entry of `mcp_servers:`: a stdio server (`command`) or a streamable-HTTP one (`url`). */
export interface McpServerDecl {
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  /** Seconds to start the server and list its tools. */
  timeout?: number;
}

/** One entry of `connections:` (the `sql` tool's databases): a URL without secrets, or the variables that hold them. */
export interface ConnectionDecl {
  url?: string;
  url_env?: string;
  password_env?: string;
}

export interface Pipeline {
  id: string;
  name: string | null;
  description: string | null;
  version: string | null;
  parameters: ParameterDecl[];
  outputs: Record<string, unknown>;
  /** `variables:` (ContextLab's): values templates read as `variables.<name>`, as written. */
  variables?: Record<string, unknown>;
  model: string | null;
  /** The top-level `model:` written as a list (a fallback chain); `model` is the first. */
  modelChain?: string[];
  /** `fallbacks:`: the models that stand in for a model, by its id. */
  fallbacks?: Record<string, string[]>;
  orchestrator: string | null;
  experts: Record<string, string>;
  selectionSchema: 'cost' | 'performance' | 'balanced';
  personalities: Record<string, { prompt: string } | { file: string }>;
  /** MCP servers by name (`mcp_servers:`), as written: `{command, args, env, cwd}` or `{url, headers}`. */
  mcpServers: Record<string, McpServerDecl>;
  /** Databases by name (`connections:`), as written. */
  connections: Record<string, ConnectionDecl>;
  context: PipelineContext;
  /** Named agents (`agents:`), by name. */
  agents?: Record<string, NamedAgent>;
  /** `budget:`: what the whole run may spend. */
  budget?: BudgetDecl;
  /** `triggers:`, as written and checked: what starts the pipeline when `orc serve` serves it. */
  triggers?: TriggerDecl[];
  /** `monitors:`, as written and checked: the checks `orc serve` (and `orc run --monitor`) runs on finished runs. */
  monitors?: MonitorDecl[];
  steps: Step[];
}

/** One entry of a pipeline's `monitors:` list (docs/monitors.md). */
export interface MonitorDecl {
  name: string;
  /** 0..1, the share of runs checked, seeded by the run id (default 1). */
  sample: number;
  /** The eval's assertion objects as written (engine/eval/assertions.ts shapes: {type, value, threshold?, ...}). */
  assert: Record<string, unknown>[];
  /** The last N checks (default 50). */
  window: number;
  /** Checks needed before the window can alert (default 10). */
  minChecks: number;
  /** The window's pass rate under which it alerts; null: never alerts. */
  alertBelow: number | null;
  notify?: { webhook: string; secretEnv: string | null };
  /** The monitor's own model calls (llm_rubric judges) per UTC day. */
  budget?: BudgetDecl;
  /** Where it is written (for findings). */
  path: ValuePath;
}

/** What `orc serve` does while a cron trigger's last run still runs. */
export type TriggerOverlap = 'skip' | 'queue' | 'allow';

/** One entry of a pipeline's `triggers:` list (docs/serve.md). */
export type TriggerDecl = CronTriggerDecl | WebhookTriggerDecl;

export interface CronTriggerDecl {
  kind: 'cron';
  /** The expression as written: 5 fields, or 6 with seconds first. */
  cron: string;
  /** An IANA time zone; UTC when not given. */
  timezone: string;
  overlap: TriggerOverlap;
  /** The run's inputs: templates, rendered when the trigger fires. */
  inputs: Record<string, unknown>;
}

export interface WebhookTriggerDecl {
  kind: 'webhook';
  /** The name: `POST /hooks/NAME`. */
  webhook: string;
  /** The environment variable holding the HMAC-SHA256 secret (`X-Hub-Signature-256`); none: unsigned. */
  secretEnv: string | null;
  /** The run's inputs: templates with `request.{body, headers, query}` in scope. */
  inputs: Record<string, unknown>;
}

export type EdgeKind = 'explicit' | 'implied';

export interface PlanEdge {
  from: string;
  to: string;
  kind: EdgeKind;
}

/** The DAG of one list of steps (the top level, or a loop body). */
export interface Plan {
  steps: string[];
  edges: PlanEdge[];
  /** Dependency levels: a step's level is one more than its deepest dependency's. */
  levels: string[][];
  /** Every step, level by level, in document order within a level. */
  executionOrder: string[];
  /** The longest chain of dependencies, by count of steps. */
  criticalPath: string[];
  /** Steps on a dependency cycle: they have no level. */
  cyclic: string[];
}
