// The OpenTelemetry SDK of a traced process: a tracer provider whose resource says who we are
// (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES over `orc`), one batch processor per OTLP exporter
// (several at once), and a shutdown that flushes within a bound. A collector that is down, slow or
// failing never slows a run: spans queue (bounded) and go in the background; what is lost is counted
// and said once. Loaded by dynamic import only when traces are configured.
import type { Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Context } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/sdk-trace-base';
import type { Meter } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { ExporterTarget, MetricsConfig, TelemetryConfig } from './config';

/** Spans waiting for an exporter; past this they are dropped (and counted). */
export const MAX_QUEUE = 2048;
/** How long the exit waits for the last spans to go. */
export const FLUSH_BOUND_MS = 2000;

/** An export's failure in words: `HTTP 500 Internal Server Error`, `connect ECONNREFUSED …`. */
function errorText(e: Error | undefined): string {
  if (!e) return 'export failed';
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? `HTTP ${code}${e.message ? ` ${e.message}` : ''}` : e.message || e.name;
}

/** Counts what an exporter lost: spans whose export failed, and spans its full queue refused. */
class CountingExporter implements SpanExporter {
  dropped = 0;
  error: string | null = null;
  /** Spans ended and not yet handed to the exporter (what the batch processor's queue holds). */
  queued = 0;
  /** Spans handed to the exporter whose export has not answered yet. */
  inflight = 0;

  constructor(
    private readonly inner: SpanExporter,
    readonly target: string,
  ) {}

  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.queued = Math.max(0, this.queued - spans.length);
    this.inflight += spans.length;
    this.inner.export(spans, (r) => {
      this.inflight -= spans.length;
      if (r.code !== ExportResultCode.SUCCESS) {
        this.dropped += spans.length;
        this.error ??= errorText(r.error);
      }
      done(r);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** The batch processor, with the queue's overflow counted on the exporter. */
class CountingProcessor implements SpanProcessor {
  constructor(
    private readonly inner: BatchSpanProcessor,
    private readonly counter: CountingExporter,
  ) {}

  onStart(span: Span, parent: Context): void {
    this.inner.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return;
    if (this.counter.queued >= MAX_QUEUE) this.counter.dropped++;
    else this.counter.queued++;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
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
function exporterFor(t: ExporterTarget): { exporter: SpanExporter; name: string } {
  const make = () => (t.protocol === 'http/json' ? new JsonExporter(t.url ? { url: t.url } : {}) : new ProtoExporter(t.url ? { url: t.url } : {}));
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
  const counters: CountingExporter[] = [];
  const processors: SpanProcessor[] = config.exporters.map((t) => {
    const { exporter, name } = exporterFor(t);
    const counter = new CountingExporter(exporter, name);
    counters.push(counter);
    return new CountingProcessor(new BatchSpanProcessor(counter, { maxQueueSize: MAX_QUEUE, maxExportBatchSize: 512, scheduledDelayMillis: 1000, exportTimeoutMillis: 10_000 }), counter);
  });
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
      const timedOut = done === 'timeout';
      let total = 0;
      for (const c of counters) {
        // spans still queued when the bound passed are lost too
        const lost = c.dropped + (timedOut ? c.queued + c.inflight : 0);
        total += lost;
        if (lost) warn(`orc: telemetry: ${lost} span${lost === 1 ? ' was' : 's were'} not delivered to ${c.target} (${timedOut && !c.error ? `no answer within ${boundMs / 1000} s` : c.error})`);
      }
      return { timedOut, dropped: total };
    },
  };
}
