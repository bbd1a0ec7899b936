// Messages between the extension (client/webviewHost.ts) and the webview (media/), typed once for
// both sides. The extension posts `ToWebview`; the webview posts `FromWebview`. Nothing else
// crosses the boundary. Types only: this module has no runtime code, so both bundles can import it.
import type { EditOperation } from '../engine/edit/operations';
import type { GraphDocument, GraphEdge, GraphNode } from '../engine/plan/graph';
import type { RunEvent } from '../engine/run/events';
import type { Prediction } from '../engine/run/predict';
import type { RunReport } from '../engine/run/report';

/** What the next run is predicted to take (null: nothing known). */
export interface PredictionMessage {
  type: 'prediction';
  prediction: Prediction | null;
}

/** Where a finished run's time went. */
export interface ReportMessage {
  type: 'report';
  runId: string;
  report: RunReport;
}

/** The pipeline's intention and architecture, and contradictions with its steps. */
export interface ExplanationMessage {
  type: 'explanation';
  intention: string;
  architecture: string;
  findings: { code: string; step: string | null; message: string }[];
  model: string;
  cached: boolean;
}

export type GraphDirection = 'RIGHT' | 'DOWN';
/** The `orchestrator.graph.direction` setting: 'AUTO' picks by the panel's shape (tall: top down). */
export type GraphDirectionSetting = 'AUTO' | GraphDirection;

/** The document the panel shows: its graph, or why there is none (the document does not compile). */
export interface GraphMessage {
  type: 'graph';
  /** The pipeline document's URI (string form). */
  uri: string;
  pipelineId: string | null;
  graph: GraphDocument | null;
  /** Why `graph` is null (the YAML does not parse), or what is wrong with the graph drawn (its
   * errors: the steps with errors are marked); null when nothing is. */
  problem: string | null;
  /** The document's version the graph was drawn from: a gesture names it, and an edit of a document
   * changed since is not made (the graph is drawn again instead). */
  version: number | null;
  /** Counts the graphs the host posted this panel: a `graph-diff` names the one it applies to. */
  seq?: number;
}

/** A run of the base graph's nodes kept, each `lines` lines further down (the text above them grew or shrank). */
export interface KeptNodes {
  keep: number;
  count: number;
  lines: number;
}
/** A run of the base graph's edges kept as they are. */
export interface KeptEdges {
  keep: number;
  count: number;
}
/** A graph as the changes to another (media/graphDiff.ts): its nodes and edges in order, each one new
 * (whole) or a run of the other's. */
export interface GraphDiff {
  nodes: (GraphNode | KeptNodes)[];
  edges: (GraphEdge | KeptEdges)[];
}

/** The document's new graph as what changed since the graph `base` the host posted before (an edit):
 * the panel applies it to the graph it holds and draws as for a `graph`; it answers `graph-stale` when
 * it does not hold `base`. */
export interface GraphDiffMessage {
  type: 'graph-diff';
  uri: string;
  pipelineId: string | null;
  /** What is wrong with the graph (as a `graph`'s `problem`); absent or null: nothing. */
  problem?: string | null;
  version: number | null;
  base: number;
  seq: number;
  diff: GraphDiff;
}

/** The graph commands the panel's keys and context menu run (client/graphEdits.ts). */
export type GraphCommand = 'addStep' | 'connect' | 'disconnect' | 'renameStep' | 'removeStep' | 'duplicateStep' | 'moveIntoLoop' | 'moveOutOfLoop' | 'reorderStep';

/** What the panel's context menu passes to a graph command (`data-vscode-context`; VS Code adds `webview`). */
export interface GraphMenuContext {
  webviewSection: 'step' | 'edge' | 'graph';
  uri: string | null;
  stepId?: string;
  from?: string;
  to?: string;
  kind?: string;
  /** The step stands in a loop's body (Move Out of Loop applies). */
  inLoop?: boolean;
  /** A loop stands in the step's list (Move Into Loop applies). */
  loopBeside?: boolean;
}

/** What an image, file or audio given to a model (or named by a result) is, as the panel shows it. */
export type PartKind = 'image' | 'file' | 'audio';
export interface PartView {
  /** The workspace path or URL as the step wrote it. */
  ref: string;
  kind: PartKind;
  /** `image/png`, ... (null: not known). */
  mediaType: string | null;
  /** The file's size (null: a URL, or not read). */
  bytes: number | null;
  /** An image's bytes as a data: URI for its thumbnail (absent: not an image, too big, not read). */
  src?: string;
  /** Why it shows no thumbnail or size (`no such file in the workspace`, `too large to preview`). */
  problem?: string;
}

/** The panel's document can continue a conversation (an agent step with `memory:`): the chat input's
 * parameters. Null: it cannot (no such step, or no parameter for the message). */
export interface ChatTarget {
  /** The agent step whose session the message continues. */
  step: string;
  /** The parameter the message goes to (engine/run/inputs.ts's messageParameterOf). */
  messageParam: string;
  /** The session the next message continues (null: the pipeline has no `session` parameter). */
  session: string | null;
}

export type ToWebview =
  | GraphMessage
  /** The extension's answer to `parts-wanted`. */
  | { type: 'parts'; parts: PartView[] }
  /** Whether (and how) the panel offers its chat input; sent when the panel is ready, after each save and each run. */
  | { type: 'chat'; target: ChatTarget | null; /** Sent after a message's run ended (or did not start): the input comes back whatever the panel saw of it. */ ended?: true }
  | GraphDiffMessage
  /** Run events, in order, batched by the host (at most one post per animation frame's worth). */
  | { type: 'run-events'; runId: string; events: RunEvent[] }
  /** A new run starts: statuses from an earlier run are cleared. `reused` lists the steps whose results
   * an earlier run supplies (Run From Here, Resume). `selectStep`: the step selected as it opens, its
   * step panel shown (a run opened from an eval's cell: its agent step, for the transcript). */
  | { type: 'run-reset'; runId: string; reused: string[]; selectStep?: string; /** The address of the `orc serve` whose run this is, followed live (client/servedRunFollower.ts). */ served?: string }
  /** The editor's cursor is in this step (null: in no step). */
  | { type: 'highlight-step'; stepId: string | null }
  /** The debugger holds the run before (or, after a failure, at) this step; null: it goes on. */
  | { type: 'paused-step'; stepId: string | null }
  | PredictionMessage
  | ReportMessage
  | ExplanationMessage
  | { type: 'settings'; direction: GraphDirectionSetting }
  /** Something the person should read in the panel (a refused run and why); cleared by a new run. */
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; text: string };

export type FromWebview =
  /** The webview's script is loaded and listening; the host (re)sends the graph and the run so far. */
  | { type: 'ready' }
  /** A `graph-diff` came for a graph the panel does not hold: the host posts the whole graph. */
  | { type: 'graph-stale' }
  /** A node was clicked: reveal and select the step's range in the editor. */
  | { type: 'reveal-step'; stepId: string }
  | { type: 'run' }
  | { type: 'cancel-run' }
  /** Posted after every render and every batch of run events applied: what the DOM now shows (the
   * host keeps the latest; the extension's test API reads it). */
  | { type: 'rendered'; uri: string | null; runId: string | null; nodes: number; statuses: Record<string, string>; /** The node drawn as held by the debugger. */ paused: string | null; /** The critical path as the timeline draws it (empty: no timeline). */ critical: string[] }
  /** A gesture (drag a connection, Delete a selected edge or step): the host makes it as one edit of the
   * document drawn at `version`, or says in a notice why not. */
  | { type: 'edit'; op: EditOperation; version: number | null }
  /** A key in the panel asks for a graph command (it asks what it needs with quick picks). */
  | { type: 'command'; command: GraphCommand; stepId: string | null }
  /** The step panel shows images, files or audio: their sizes and thumbnails, please (answered by `parts`). */
  | { type: 'parts-wanted'; parts: { ref: string; kind: PartKind }[] }
  /** The chat input's message: the next run of the session, with it as the message parameter. */
  | { type: 'chat-send'; message: string }
  /** Something the webview could not do (layout failure, a bad message): the host logs it. */
  | { type: 'error'; message: string };

// The eval panel (client/evalPanel.ts ↔ media/evalView.ts): the case × variant matrix of an eval
// file's latest results, the per-variant summary and the deltas against its baseline.

/** One cell of the matrix: a case in a variant (its first repeat's result when there are several). */
export interface EvalCellView {
  case: string;
  variant: string;
  status: 'pass' | 'fail' | 'error' | 'skipped';
  score: number;
  cost_usd: number;
  latency_ms: number;
  run_id: string | null;
  /** The agent step the cell's run opens with selected, its transcript in the step panel (null: the
   * pipeline has no agent step, or the case did not run). */
  agent_step: string | null;
  /** Against the baseline: the case flipped (null: same, or no baseline). */
  flip: 'pass→fail' | 'fail→pass' | null;
  score_delta: number | null;
  /** A case run in trials (absent: it ran once): how many of its trials passed of those run. */
  trials?: EvalCellTrials;
}

/** A cell's trials: its pass rate k/N with its Wilson interval, and whether its trials disagreed. */
export interface EvalCellTrials {
  passed: number;
  run: number;
  max: number;
  /** The interval of passed / run, at `confidence`. */
  low: number;
  high: number;
  confidence: number;
  threshold: number;
  /** Its trials disagreed (some passed, some did not). */
  flaky: boolean;
  /** Flaky and left out of the pass rate (`--quarantine`). */
  quarantined: boolean;
  /** Why adaptive trials stopped before `max` (null: they did not). */
  stopped: string | null;
}

export interface EvalVariantView {
  variant: string;
  passed: number;
  total: number;
  pass_rate: number;
  /** 95 % Wilson interval of the pass rate. */
  low: number;
  high: number;
  tokens: number;
  cost_usd: number;
  /** Against the baseline (null: no baseline). */
  pass_rate_before: number | null;
  cost_before: number | null;
}

export interface EvalResultsMessage {
  type: 'eval-results';
  /** The eval file, as the panel's title shows it. */
  file: string;
  evalId: string;
  variants: string[];
  cases: string[];
  cells: EvalCellView[];
  summary: EvalVariantView[];
  /** The baseline eval and its verdict line (null: this file has no earlier eval). */
  baseline: { evalId: string; verdict: string; regressions: number; fixed: number } | null;
  /** An eval of this file is running (the panel greys its buttons). */
  running: boolean;
}

/** One assignment the optimization tried (Optimize Models…: media/optimizeView.ts), its running figures. */
export interface OptimizePointView {
  /** The assignment as the panel writes it: `step=provider:model` in step order. */
  label: string;
  assignment: Record<string, string>;
  runs: number;
  passed: number;
  pass_rate: number;
  /** 95 % Wilson interval of the pass rate. */
  low: number;
  high: number;
  /** Mean per case. */
  cost_usd: number;
  complete: boolean;
  eliminated: boolean;
  meets: boolean;
}

/** The optimization of the eval's models, as far as it got (posted on every change while it searches). */
export interface OptimizeViewMessage {
  type: 'optimize';
  status: 'planning' | 'running' | 'completed' | 'cancelled' | 'budget' | 'failed';
  /** What it is doing (the phase), or why it failed. */
  detail: string;
  steps: string[];
  models: string[];
  cases: number;
  minPassRate: number;
  runsUsed: number;
  bruteForceRuns: number;
  /** Replayed from the eval's cassette (no model called). */
  replay: boolean;
  /** In the order first tried. */
  points: OptimizePointView[];
  /** Labels of the non-dominated complete points, cheapest first. */
  frontier: string[];
  /** The label of the cheapest point that meets the pass rate (null: none yet). */
  chosen: string | null;
  /** After Apply: the model lines that changed (`step: old → new (line N)`); null: not applied. */
  applied: string[] | null;
  /** Why Apply did nothing (the models are there already, the pipeline changed); null: nothing to say. */
  applyProblem: string | null;
}

export type ToEvalView = EvalResultsMessage | OptimizeViewMessage;

export type FromEvalView =
  | { type: 'ready' }
  /** A cell was clicked: open that case's run in the graph panel (`step` selected: an agent's transcript). */
  | { type: 'open-run'; runId: string; step?: string }
  /** Run one cell (case and variant), one row (a case in every variant), or the whole eval again. */
  | { type: 'rerun'; case?: string; variant?: string }
  /** The optimize section's Apply: write the chosen models into the pipeline (one undoable edit). */
  | { type: 'optimize-apply' }
  /** What the matrix now shows (the extension's test API reads it). */
  | { type: 'rendered'; cells: number; failing: string[] };
