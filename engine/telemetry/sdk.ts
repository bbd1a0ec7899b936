// The OpenTelemetry SDK of a traced process: a tracer provider whose resource says who we are
// (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES over `orc`), one span queue per OTLP exporter (several
// at once; spanQueue.ts: bounded, batched, a circuit breaker for a collector that cannot be reached),
// and a shutdown that flushes within a bound. A collector that is down, slow or failing never slows a
// run: spans queue and go in the background; what is lost is counted and said once. Loaded by dynamic
// import only when traces are configured.
import type { Tracer } from '@opentelemetry/api';
import type * as http from 'node:http';
import type { Socket } from 'node:net';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Meter } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { ExporterTarget, MetricsConfig, TelemetryConfig } from './config';
import { SpanQueue } from './spanQueue';

/** How long the exit waits for the last spans to go. */
export const FLUSH_BOUND_MS = 2000;

/**
 * The agent of an exporter to a URL of ours, watching its sockets: a collector that refuses the
 * connection trips the breaker at once, not after the exporter's retries (up to 10 s).
 */
function watchedAgents(onError: (e: Error) => void): (protocol: string) => Promise<http.Agent> {
  return async (protocol) => {
    const { Agent } = protocol === 'http:' ? await import('node:http') : await import('node:https');
    const agent = new Agent({ keepAlive: true });
    const open = (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection;
    (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection = function (this: http.Agent, ...a: unknown[]) {
      const socket = open.apply(this, a);
      socket.once('error', onError);
      return socket;
    };
    return agent;
  };
}

/** An endpoint as messages show it: without a user or password in it. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'the OTLP endpoint';
  }
}

/** The exporter of one target. An endpoint given besides the environment gets none of its headers. */
function exporterFor(t: ExporterTarget, onSocketError: (e: Error) => void): { exporter: SpanExporter; name: string } {
  // the environment's endpoint keeps the SDK's own agent (it may carry OTEL_EXPORTER_OTLP_CERTIFICATE and the like)
  const options = t.url ? { url: t.url, httpAgentOptions: watchedAgents(onSocketError) } : {};
  const make = () => (t.protocol === 'http/json' ? new JsonExporter(options) : new ProtoExporter(options));
  if (t.fromEnv) return { exporter: make(), name: shown(process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'OTLP') };
  // the SDK reads the header variables when an exporter is made: they are for the environment's endpoint only
  const saved = { a: process.env.OTEL_EXPORTER_OTLP_HEADERS, b: process.env.OTEL_EXPORTER_OTLP_TRACES_HEADERS };
  delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
  delete process.env.OTEL_EXPORTER_OTLP_TRACES_HEADERS;
  try {
    return { exporter: make(), name: shown(t.url!) };
  } finally {
    if (saved.a !== undefined) process.env.OTEL_EXPORTER_OTLP_HEADERS = saved.a;
    if (saved.b !== undefined) process.env.OTEL_EXPORTER_OTLP_TRACES_HEADERS = saved.b;
  }
}

export interface TelemetrySdk {
  tracer: Tracer;
  /** Null when metrics are off. */
  meter: Meter | null;
  /** Flushes and stops within `boundMs`; says once (through `warn`) what was lost. `timedOut`: something still hangs. */
  shutdown(warn: (s: string) => void, boundMs?: number): Promise<{ timedOut: boolean; dropped: number }>;
  /** Spans lost so far, by target. */
  dropped(): { target: string; dropped: number; error: string | null }[];
}

/** How often metrics go over OTLP (ms); the exit sends the last figures too. */
const METRICS_INTERVAL_MS = 10_000;

/** The metric readers: OTLP to the environment's endpoint, a Prometheus scrape endpoint. Rejects when the port is taken. */
async function metricReaders(m: MetricsConfig): Promise<MetricReader[]> {
  const readers: MetricReader[] = [];
  if (m.otlp) readers.push(new PeriodicExportingMetricReader({ exporter: m.protocol === 'http/json' ? new JsonMetricExporter() : new ProtoMetricExporter(), exportIntervalMillis: METRICS_INTERVAL_MS }));
  if (m.prometheusPort !== null) {
    const prom = new PrometheusExporter({ port: m.prometheusPort, host: m.prometheusHost, preventServerStart: true });
    try {
      await prom.startServer();
    } catch (e) {
      throw new Error(`cannot serve metrics on ${m.prometheusHost}:${m.prometheusPort}: ${(e as Error).message}`);
    }
    readers.push(prom);
  }
  return readers;
}

export async function startSdk(config: TelemetryConfig, version: string): Promise<TelemetrySdk> {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.defaultServiceName, ...(version ? { [ATTR_SERVICE_VERSION]: version } : {}) }))
    .merge(detectResources({ detectors: [envDetector] }));
  const counters: SpanQueue[] = config.exporters.map((t) => {
    let queue: SpanQueue | undefined;
    const { exporter, name } = exporterFor(t, (e) => queue?.unreachable(e));
    return (queue = new SpanQueue(exporter, name));
  });
  const processors: SpanProcessor[] = counters;
  const provider = new BasicTracerProvider({ resource, spanProcessors: processors });
  const tracer = provider.getTracer('orchestrator', version);
  const meterProvider = config.metrics ? new MeterProvider({ resource, readers: await metricReaders(config.metrics) }) : null;
  const meter = meterProvider?.getMeter('orchestrator', version) ?? null;
  const dropped = () => counters.map((c) => ({ target: c.target, dropped: c.dropped, error: c.error }));
  return {
    tracer,
    meter,
    dropped,
    async shutdown(warn, boundMs = FLUSH_BOUND_MS) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), boundMs)));
      const stopping = Promise.all([provider.shutdown().catch(() => {}), meterProvider?.shutdown().catch(() => {})]);
      const done = await Promise.race([stopping.then(() => 'done' as const), bound]);
      clearTimeout(timer);
      const boundPassed = done === 'timeout';
      let total = 0;
      for (const c of counters) {
        // spans still queued when the bound passed are lost too
        const lost = c.dropped + (boundPassed ? c.pending : 0);
        total += lost;
        if (lost) warn(`orc: telemetry: ${lost} span${lost === 1 ? ' was' : 's were'} not delivered to ${c.target} (${boundPassed && !c.error ? `no answer within ${boundMs / 1000} s` : c.error})`);
      }
      // an export the breaker gave up on may still be retrying inside the exporter: the process need not wait for it
      return { timedOut: boundPassed || counters.some((c) => c.hanging), dropped: total };
    },
  };
}
