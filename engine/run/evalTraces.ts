// What an eval asks of a tracer: one span for the eval, one per case run under it, the case's run
// traced under its case, and the case's assertion results on its span. The telemetry room implements
// it; the eval runner (engine/eval/evalRunner.ts) only calls it, and runs untraced without one.
import type { Redactor } from '../toolkit/redact';
import type { RunOptions } from './runPipeline';

export interface EvalTraceStart {
  evalId: string;
  /** The eval file, relative to the run folder. */
  evalFile: string;
  pipelineId: string;
  pipelineFile: string;
  variants: string[];
  repeat: number;
  /** Case runs to do (kept ones of a resumed eval included). */
  planned: number;
  resumed: boolean;
}

export interface EvalCaseStart {
  case: string;
  variant: string;
  repeat: number;
}

/** A case's end, redacted: its status, score, run and each assertion's result. */
export interface EvalCaseEnd {
  status: string;
  score: number;
  runId: string | null;
  runStatus: string | null;
  error?: string;
  assertions: { kind: string; target: string; description?: string; status: string; pass: boolean; score: number; reason: string; line: number }[];
}

export interface TracedEvalCase {
  /** The hooks of the case's run: its trace hangs under the case's span. */
  run: Pick<RunOptions, 'listeners' | 'nestedListeners'>;
  /** The case ended (judged, skipped, failed to start; `null`: cancelled). */
  end(r: EvalCaseEnd | null): void;
}

export interface EvalTraces {
  start(e: EvalTraceStart): void;
  case(c: EvalCaseStart, redactor: Redactor): TracedEvalCase;
  end(e: { status: string; total: number; passed: number; passRate: number; verdict: string }): void;
}
