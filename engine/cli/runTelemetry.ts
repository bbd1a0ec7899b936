// `orc run` / `orc resume` traced: when OTEL_EXPORTER_OTLP_* or `--trace-endpoint` ask for it, the
// run's trace goes out as it runs and the process flushes it within 2 s at the end. A collector that
// is down or hangs never changes the run's result or exit code; what was lost is said once.
import { Redactor } from '../run/redact';
import type { RunOptions } from '../run/runPipeline';
import { splitEndpoints, startTelemetry, telemetryConfig, TelemetryConfigError } from '../telemetry/index';
import type { RunTracer } from '../telemetry/runTracer';
import { UsageError } from './input';
import { version } from './usage';

/** The traces configuration of `orc run`, checked before anything runs (a bad URL is a usage error). */
export function traceConfigOf(traceEndpoint: string | undefined, err: (s: string) => void, defaultServiceName = 'orc') {
  try {
    return telemetryConfig(process.env, splitEndpoints(traceEndpoint, '--trace-endpoint'), defaultServiceName, err);
  } catch (e) {
    if (e instanceof TelemetryConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** Runs `run` with the run's trace listeners when traces are configured; flushes after. */
export async function withRunTelemetry<T>(options: RunOptions, pipelineId: string, traceEndpoint: string | undefined, err: (s: string) => void, run: (o: RunOptions, tracer: RunTracer | null) => Promise<T>): Promise<T> {
  const config = traceConfigOf(traceEndpoint, err);
  if (!config) return run(options, null);
  const telemetry = await startTelemetry(config, version());
  if (!telemetry) return run(options, null);
  const redactor = options.redactor ?? new Redactor();
  const traced = telemetry.forRun({ pipelineId, redactor, resume: options.resume });
  try {
    return await run({ ...options, redactor, listeners: [...(options.listeners ?? []), ...traced.listeners!], nestedListeners: traced.nestedListeners, traceparent: traced.traceparent }, traced.tracer);
  } finally {
    // a run that threw still ends its trace
    if (traced.tracer.root.isRecording()) traced.tracer.root.end();
    const { timedOut } = await telemetry.shutdown(err);
    // an export that hangs must not hold the process: exit once the event loop has nothing else
    if (timedOut) setTimeout(() => process.exit(), 100).unref();
  }
}

/** `orc worker`'s traces (service `orc-worker`): each attempt a span under its coordinator's; null when off. */
export async function workerTelemetry(err: (s: string) => void) {
  const config = traceConfigOf(undefined, err, 'orc-worker');
  const telemetry = config ? await startTelemetry(config, version()) : null;
  if (!telemetry) return null;
  return { traces: telemetry.worker(new Redactor()), shutdown: () => telemetry.shutdown(err) };
}
