// What a tool receives and returns when a step runs it.
import type { StepInteraction } from './interaction';
import type { ToolModels } from './toolModels';
import type { ToolSpec } from './toolSpec';

export { abortError, cancelledError, untilAborted } from './abort';

export interface NestedRunResult {
  success: boolean;
  status: string;
  execution_id: string;
  outputs: Record<string, unknown>;
  error: string | null;
  /** The nested pipeline's id, how many of its top-level steps ran, and how deep it nests (1: run by a top-level step). */
  pipeline_id?: string;
  steps_executed?: number;
  depth?: number;
}

/** How a nested pipeline runs besides its file and inputs. */
export interface NestedRunOptions {
  /** The pipeline's own text (inline YAML): `file` then only names it in messages, and its relative paths start where the parent pipeline's do. */
  source?: string;
  /** Stops the nested run (default: the run's cancellation): a step passes its own signal, so its timeout stops it too. */
  signal?: AbortSignal;
  /** Parameters the nested pipeline declares and `inputs` leaves out take the parent run's inputs of the same name. */
  inherit?: boolean;
}

export interface ToolContext {
  /** The run's working directory: relative paths start here. */
  cwd: string;
  /** Paths must stay inside this folder (symlinks resolved) unless allowed. */
  workspace: string;
  allowOutsideWorkspace: boolean;
  /** Aborted when the attempt times out or the run is cancelled: stop, and kill what you started. */
  signal: AbortSignal;
  /** The pipeline file being run, when there is one (nested pipelines resolve against it). */
  pipelineFile: string | null;
  /** Streams output as it comes (a command's stdout, a model's tokens). */
  output(stream: 'stdout' | 'stderr' | 'text', chunk: string): void;
  /** Runs a nested pipeline (the `pipeline` and `pipeline-executor` tools); one that does not compile throws a ValueError naming its first error. */
  runNested(file: string, inputs: Record<string, unknown>, options?: NestedRunOptions): Promise<NestedRunResult>;
  /** The person the run can ask (the human-in-the-loop tools), and the step asking; absent when the host gave none. */
  interaction?: StepInteraction;
  /** Model calls on the step's behalf (counted in its tokens and cost); absent outside a run. */
  models?: ToolModels;
}

/** A tool's answer. `success: false` is a reported failure: the step completes without succeeding. */
export interface ToolOutcome {
  success: boolean;
  result: unknown;
  error?: string;
}

export type ToolImplementation = (action: string, params: Record<string, unknown>, ctx: ToolContext) => Promise<ToolOutcome>;

export interface ToolDefinition {
  spec: ToolSpec;
  run: ToolImplementation;
  /** How many steps may use the tool at once (default: no limit besides the run's). */
  concurrency?: number;
}

/** Error types that another attempt cannot fix: the step fails at once, without retries. */
export const PERMANENT_ERRORS = new Set(['ConfigurationError', 'PermissionError', 'ValueError', 'TypeError', 'SchemaError']);

/** A failure a tool raises: the step fails with this error type. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly errorType: string = 'ToolError',
  ) {
    super(message);
    this.name = errorType;
  }

  get retryable(): boolean {
    return !PERMANENT_ERRORS.has(this.errorType);
  }
}
