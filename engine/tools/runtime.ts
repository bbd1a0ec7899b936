// What a tool receives and returns when a step runs it.
import type { ToolSpec } from './specs';

export interface NestedRunResult {
  success: boolean;
  status: string;
  execution_id: string;
  outputs: Record<string, unknown>;
  error: string | null;
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
  /** Runs a nested pipeline (the `pipeline` tool). */
  runNested(file: string, inputs: Record<string, unknown>): Promise<NestedRunResult>;
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

export function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('The step was cancelled');
  e.name = 'CancelledError';
  return e;
}
