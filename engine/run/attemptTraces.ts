// What a worker asks of a tracer for each attempt it runs for another process's run: a span under
// the coordinator's (its W3C traceparent travels in the job), fed the attempt's events. The
// telemetry room implements it; the worker (engine/distributed/worker.ts) only calls it.
import type { RunListener } from './events';

export interface WorkerAttempt {
  traceparent?: string;
  runId: string;
  pipelineId: string;
  stepId: string;
  /** The step's checkpoint key (`loop[2]/body_step`). */
  key: string;
  attempt: number;
  tool: string | null;
  action: string | null;
  worker: string;
}

export interface TracedAttempt {
  /** Listens to the attempt's events (its model calls). */
  listener: RunListener;
  end(result: { ok: boolean; success: boolean | null; errorType?: string; message?: string }): void;
}

export interface WorkerTraces {
  attempt(a: WorkerAttempt): TracedAttempt;
}
