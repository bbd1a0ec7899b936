// `orc run` / `orc resume` / `orc worker` with traces and metrics: when OTEL_EXPORTER_OTLP_*,
// `--trace-endpoint` or `--metrics-port` ask for them, the run's trace and figures go out as it runs
// and the process flushes within 2 s at the end. A collector that is down or hangs never changes the
// run's result or exit code; what was lost is said once.
import { Redactor, type RunOptions, type RunTracer, splitEndpoints, startTelemetry, telemetryConfig, TelemetryConfigError } from '../api/index';
import { UsageError } from './input';
import { version } from './usage';

/** The telemetry configuration of a command, checked before anything runs (a bad URL is a usage error). */
export function traceConfigOf(traceEndpoint: string | undefined, err: (s: string) => void, defaultServiceName = 'orc', metricsPort: number | null = null) {
  try {
    return telemetryConfig(process.env, splitEndpoints(traceEndpoint, '--trace-endpoint'), defaultServiceName, err, metricsPort);
  } catch (e) {
    if (e instanceof TelemetryConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** Runs `run` with the run's trace and metrics listeners when configured; flushes after. */
export async function withRunTelemetry<T>(options: RunOptions, pipelineId: string, traceEndpoint: string | undefined, err: (s: string) => void, run: (o: RunOptions, tracer: RunTracer | null) => Promise<T>): Promise<T> {
  const config = traceConfigOf(traceEndpoint, err);
  if (!config) return run(options, null);
  const telemetry = await startTelemetry(config, version());
  if (!telemetry) return run(options, null);
  const redactor = options.redactor ?? new Redactor();
  const traced = telemetry.forRun({ pipelineId, redactor, resume: options.resume, distributed: Boolean(options.attempts) });
  try {
    const hooks = { listeners: [...(options.listeners ?? []), ...(traced.listeners ?? [])], nestedListeners: traced.nestedListeners, ...(traced.traceparent ? { traceparent: traced.traceparent } : {}) };
    return await run({ ...options, redactor, ...hooks }, traced.tracer);
  } finally {
    // a run that threw still ends its trace
    if (traced.tracer?.root.isRecording()) traced.tracer.root.end();
    const { timedOut } = await telemetry.shutdown(err);
    // an export that hangs must not hold the process: exit once the event loop has nothing else
    if (timedOut) setTimeout(() => process.exit(), 100).unref();
  }
}

/** `orc eval`'s trace (the eval's span, each case's, each case's run) and its runs' metrics; null when off. */
export async function evalTelemetry(err: (s: string) => void) {
  const config = traceConfigOf(undefined, err);
  const telemetry = config ? await startTelemetry(config, version()) : null;
  if (!telemetry) return null;
  return {
    traces: telemetry.forEval(),
    shutdown: async () => {
      const { timedOut } = await telemetry.shutdown(err);
      if (timedOut) setTimeout(() => process.exit(), 100).unref();
    },
  };
}

/** `orc worker`'s traces and metrics (service `orc-worker`; `--metrics-port N`: a Prometheus endpoint); null when off. */
export async function workerTelemetry(err: (s: string) => void, metricsPort: number | null) {
  const config = traceConfigOf(undefined, err, 'orc-worker', metricsPort);
  let telemetry;
  try {
    telemetry = config ? await startTelemetry(config, version()) : null;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!telemetry) return null;
  if (metricsPort !== null) err(`worker: metrics for Prometheus at http://${config!.metrics!.prometheusHost}:${metricsPort}/metrics`);
  return { traces: telemetry.worker(new Redactor()), shutdown: () => telemetry.shutdown(err) };
}
