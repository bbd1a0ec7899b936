// What turns traces and metrics on, read from the standard environment variables and orc's own
// endpoints: pure, no SDK loaded.
import { strict as assert } from 'node:assert';
import { Redactor } from '../../../engine/toolkit/redact';
import { splitEndpoints, telemetryConfig, TelemetryConfigError } from '../../../engine/telemetry/config';

describe('telemetry: configuration', () => {
  it('off when nothing is set, or OTEL_SDK_DISABLED=true whatever else is', () => {
    assert.equal(telemetryConfig({}, [], 'orc'), null);
    assert.equal(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4318', OTEL_SDK_DISABLED: 'true' }, ['http://x:4318/v1/traces'], 'orc', () => {}, 9464), null);
  });

  it('the environment endpoint, --trace-endpoint ones, and metrics where the environment says', () => {
    const c = telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4318', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'TRUE' }, splitEndpoints('http://a:4318, https://b.example/api/otel/v1/traces', '--trace-endpoint'), 'orc');
    assert.deepEqual(c, {
      exporters: [
        { url: null, fromEnv: true, protocol: 'http/protobuf' },
        { url: 'http://a:4318/v1/traces', fromEnv: false, protocol: 'http/protobuf' },
        { url: 'https://b.example/api/otel/v1/traces', fromEnv: false, protocol: 'http/protobuf' },
      ],
      metrics: { otlp: true, protocol: 'http/protobuf', prometheusPort: null, prometheusHost: '127.0.0.1' },
      defaultServiceName: 'orc',
      captureContent: true,
    });
  });

  it('a traces-only endpoint leaves metrics off; OTEL_TRACES_EXPORTER=none leaves traces off; --metrics-port alone is metrics only', () => {
    assert.equal(telemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://h:6006/v1/traces' }, [], 'orc')!.metrics, null);
    const m = telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4318', OTEL_TRACES_EXPORTER: 'none' }, [], 'orc')!;
    assert.deepEqual([m.exporters, m.metrics?.otlp], [[], true]);
    const p = telemetryConfig({}, [], 'orc-worker', () => {}, 9464)!;
    assert.deepEqual([p.exporters, p.metrics], [[], { otlp: false, protocol: 'http/protobuf', prometheusPort: 9464, prometheusHost: '127.0.0.1' }]);
  });

  it('http/json is taken, grpc is said and replaced by http/protobuf, a bad URL is an error naming its source', () => {
    assert.equal(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, [], 'orc')!.exporters[0].protocol, 'http/json');
    const said: string[] = [];
    assert.equal(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, [], 'orc', (s) => said.push(s))!.exporters[0].protocol, 'http/protobuf');
    assert.deepEqual(said, ["orc: telemetry: OTLP protocol 'grpc' is not supported; sending http/protobuf (set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json)"]);
    assert.throws(() => telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'h:4318' }, [], 'orc'), (e: Error) => e instanceof TelemetryConfigError && e.message === "OTEL_EXPORTER_OTLP_ENDPOINT takes an http(s) URL (e.g. http://127.0.0.1:4318), not 'h:4318'");
    assert.throws(() => splitEndpoints('ftp://x', '--trace-endpoint'), /--trace-endpoint takes an http\(s\) URL/);
  });

  it('the OTLP header variables are secrets: redacted like API keys wherever the run records text', () => {
    const r = new Redactor({ OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic cGstbGYtMTIzOnNrLWxmLTQ1Ng==', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer phx-key-000111' });
    assert.equal(r.text('env: Authorization=Basic cGstbGYtMTIzOnNrLWxmLTQ1Ng== and authorization=Bearer phx-key-000111'), 'env: [redacted: OTEL_EXPORTER_OTLP_HEADERS] and [redacted: OTEL_EXPORTER_OTLP_TRACES_HEADERS]');
  });
});
