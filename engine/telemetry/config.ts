// Whether and where a process exports traces, read the standard way (the OpenTelemetry SDK's
// environment variables) plus orc's own endpoints (`--trace-endpoint`, the editor's setting). Pure:
// it loads no SDK, so a process with nothing configured pays nothing.

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface ExporterTarget {
  /** The traces URL (`…/v1/traces`); null: the SDK reads OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT itself. */
  url: string | null;
  /** The endpoint the environment configured gets the environment's headers; the others get none. */
  fromEnv: boolean;
  protocol: OtlpProtocol;
}

export interface MetricsConfig {
  /** Metrics over OTLP to the environment's endpoint (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT). */
  otlp: boolean;
  protocol: OtlpProtocol;
  /** A Prometheus scrape endpoint on this port (`orc worker --metrics-port N`), on 127.0.0.1 unless ORC_METRICS_HOST says otherwise. */
  prometheusPort: number | null;
  prometheusHost: string;
}

export interface TelemetryConfig {
  /** Trace exporters (none: metrics only). */
  exporters: ExporterTarget[];
  metrics: MetricsConfig | null;
  /** OTEL_SERVICE_NAME wins; else this (`orc`, `orc-worker`). */
  defaultServiceName: string;
  /** OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true: prompts and answers on the model spans (redacted). */
  captureContent: boolean;
}

const TRACES_PATH = 'v1/traces';

export class TelemetryConfigError extends Error {}

const truthy = (v: string | undefined): boolean => (v ?? '').trim().toLowerCase() === 'true';

/** `http://host:4318` → `http://host:4318/v1/traces`; a URL that already ends in /v1/traces is kept. */
export function tracesUrl(endpoint: string, source: string): string {
  let u: URL;
  try {
    u = new URL(endpoint.trim());
  } catch {
    throw new TelemetryConfigError(`${source} takes an http(s) URL (e.g. http://127.0.0.1:4318), not '${endpoint}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TelemetryConfigError(`${source} takes an http(s) URL (e.g. http://127.0.0.1:4318), not '${endpoint}'`);
  if (/\/v1\/traces\/?$/.test(u.pathname)) return u.toString();
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${TRACES_PATH}`;
  return u.toString();
}

/** Comma-separated endpoints (`--trace-endpoint a,b`, the editor's setting), as traces URLs. */
export function splitEndpoints(value: string | undefined | null, source: string): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => tracesUrl(s, source));
}

/**
 * The traces configuration of this process, or null when nothing asks for traces (or
 * OTEL_SDK_DISABLED=true). `extra`: traces URLs given besides the environment.
 */
export function telemetryConfig(env: NodeJS.ProcessEnv, extra: string[], defaultServiceName: string, warn: (s: string) => void = () => {}, metricsPort: number | null = null): TelemetryConfig | null {
  if (truthy(env.OTEL_SDK_DISABLED)) return null;
  const raw = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  let protocol: OtlpProtocol = 'http/protobuf';
  if (raw === 'http/json') protocol = 'http/json';
  else if (raw !== 'http/protobuf' && raw !== '') warn(`orc: telemetry: OTLP protocol '${raw}' is not supported; sending http/protobuf (set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json)`);
  const exporters: ExporterTarget[] = [];
  const tracesExporter = (env.OTEL_TRACES_EXPORTER ?? 'otlp').trim().toLowerCase();
  const envEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (envEndpoint && tracesExporter !== 'none') {
    // checked here so a typo is said at once, not dropped by the SDK's diagnostics
    tracesUrl(envEndpoint, env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT');
    exporters.push({ url: null, fromEnv: true, protocol });
  }
  for (const url of new Set(extra)) exporters.push({ url, fromEnv: false, protocol });
  const metrics = metricsConfig(env, metricsPort, warn);
  if (!exporters.length && !metrics) return null;
  return { exporters, metrics, defaultServiceName, captureContent: truthy(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT) };
}

/** Metrics go where the environment's OTLP endpoint is (unless OTEL_METRICS_EXPORTER=none), and to a Prometheus port when asked. */
function metricsConfig(env: NodeJS.ProcessEnv, port: number | null, warn: (s: string) => void): MetricsConfig | null {
  const endpoint = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const otlp = Boolean(endpoint) && (env.OTEL_METRICS_EXPORTER ?? 'otlp').trim().toLowerCase() !== 'none';
  if (!otlp && port === null) return null;
  const raw = (env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (otlp && env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL && raw !== 'http/json' && raw !== 'http/protobuf') warn(`orc: telemetry: OTLP protocol '${raw}' is not supported for metrics; sending http/protobuf`);
  return { otlp, protocol: raw === 'http/json' ? 'http/json' : 'http/protobuf', prometheusPort: port, prometheusHost: env.ORC_METRICS_HOST || '127.0.0.1' };
}
