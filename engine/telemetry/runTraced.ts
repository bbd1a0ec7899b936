// A run with traces and metrics for hosts that are not the CLI (the editor): the standard OTEL_*
// variables plus the host's endpoints (`orchestrator.telemetry.otlpEndpoint`). A bad endpoint or a
// telemetry failure is said and the run goes on untraced: telemetry never stops a run.
import { Redactor } from '../toolkit/redact';
import type { RunOptions } from '../run/runPipeline';
import { splitEndpoints, telemetryConfig } from './config';
import { startTelemetry } from './index';

export interface TracedRunOptions {
  pipelineId: string;
  /** Comma-separated OTLP/HTTP endpoints besides the environment's. */
  endpoints?: string;
  warn(s: string): void;
  version?: string;
  env?: NodeJS.ProcessEnv;
}

export async function runTraced<T>(options: RunOptions, o: TracedRunOptions, run: (options: RunOptions) => Promise<T>): Promise<T> {
  let telemetry;
  try {
    const config = telemetryConfig(o.env ?? process.env, splitEndpoints(o.endpoints, 'orchestrator.telemetry.otlpEndpoint'), 'orc', o.warn);
    telemetry = await startTelemetry(config, o.version ?? '');
  } catch (e) {
    o.warn(`telemetry is off for this run: ${(e as Error).message}`);
    return run(options);
  }
  if (!telemetry) return run(options);
  const redactor = options.redactor ?? new Redactor();
  const traced = telemetry.forRun({ pipelineId: o.pipelineId, redactor, resume: options.resume, distributed: Boolean(options.attempts) });
  try {
    return await run({ ...options, redactor, listeners: [...(options.listeners ?? []), ...(traced.listeners ?? [])], nestedListeners: traced.nestedListeners, ...(traced.traceparent ? { traceparent: traced.traceparent } : {}) });
  } finally {
    if (traced.tracer?.root.isRecording()) traced.tracer.root.end();
    await telemetry.shutdown(o.warn);
  }
}
