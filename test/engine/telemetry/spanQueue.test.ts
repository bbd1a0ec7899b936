// The span queue of each OTLP target (engine/telemetry/spanQueue.ts), as a collector sees it: a run
// that never yields to the event loop still delivers every span; a collector that refuses the
// connection, or fails an export, is not tried again for a while, and the loss is said once, exactly.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { analyze } from '../../../engine/analyze/index';
import { runPipeline } from '../../../engine/run/runPipeline';
import { Redactor } from '../../../engine/toolkit/redact';
import type { ToolSpec } from '../../../engine/toolkit/toolSpecs';
import type { ToolDefinition } from '../../../engine/toolkit/runtime';
import { startTelemetry, type TelemetryConfig } from '../../../engine/telemetry/index';
import { startSdk } from '../../../engine/telemetry/sdk';
import { SpanQueue } from '../../../engine/telemetry/spanQueue';
import { OtlpReceiver } from '../../fixtures/otlpReceiver';

const SPEC: ToolSpec = { name: 'noop', description: 'Does nothing.', actions: { noop: { description: 'Does nothing.', parameters: {} } } };
/** Answers at once: a run of these steps is one chain of promise callbacks, never a turn of the event loop. */
const NOOP: ToolDefinition = { spec: SPEC, run: () => Promise.resolve({ success: true, result: null }) };

const config = (url: string): TelemetryConfig => ({ exporters: [{ url, fromEnv: false, protocol: 'http/protobuf' }], metrics: null, defaultServiceName: 'orc-test', captureContent: false });

function pipeline(steps: number) {
  const lines = ['id: many', 'context: {checkpoint: false}', 'steps:'];
  for (let i = 0; i < steps; i++) lines.push(`  - {id: s${i}, tool: noop, action: noop}`);
  return analyze(lines.join('\n') + '\n', { tools: { noop: SPEC } });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(25);
  assert.ok(check(), `waited 5 s for ${what}`);
}

let receiver: OtlpReceiver;
let dir: string;

beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-otel-queue-'));
});

afterEach(async () => {
  await receiver.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('telemetry: the span queue', function () {
  this.timeout(30_000);

  it('a run of 3,000 steps that never yields to the event loop: the collector gets every span (the batch processor kept 2,048 and dropped the rest)', async () => {
    const a = pipeline(3000);
    const telemetry = (await startTelemetry(config(`${receiver.origin}/v1/traces`), '0.0.0'))!;
    const t = telemetry.forRun({ pipelineId: 'many', redactor: new Redactor() });
    let turns = 0;
    const turn = setInterval(() => turns++, 0);
    const doc = await runPipeline(a, { cwd: dir, checkpoint: false, maxParallel: 64, tools: { noop: NOOP }, listeners: t.listeners, nestedListeners: t.nestedListeners });
    clearInterval(turn);
    assert.equal(doc.status, 'completed');
    assert.equal(turns, 0, 'the run yielded to the event loop: this test no longer covers a run that does not');
    const warnings: string[] = [];
    assert.deepEqual(await telemetry.shutdown((s) => warnings.push(s)), { timedOut: false, dropped: 0 });
    assert.deepEqual(warnings, []);
    const trace = receiver.spans.filter((s) => s.traceId === t.tracer!.root.spanContext().traceId);
    assert.equal(trace.length, 3001);
    const names = new Set(trace.map((s) => s.name));
    assert.equal(names.size, 3001);
    assert.ok(names.has('invoke_workflow many') && names.has('execute_tool s0') && names.has('execute_tool s2999'));
    // a step's span is made when the loop next turns (here: after the run), with the run's own times and the same content
    const root = trace.find((s) => s.name === 'invoke_workflow many')!;
    const last = trace.find((s) => s.name === 'execute_tool s2999')!;
    assert.equal(last.parentSpanId, root.spanId);
    assert.deepEqual(last.attributes, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 's2999',
      'gen_ai.tool.type': 'function',
      'orchestrator.step.id': 's2999',
      'orchestrator.tool': 'noop',
      'orchestrator.action': 'noop',
      'orchestrator.status': 'completed',
      'orchestrator.attempts': 1,
      'orchestrator.retries': 0,
      'gen_ai.usage.input_tokens': 0,
      'gen_ai.usage.output_tokens': 0,
      'orchestrator.cost_usd': 0,
    });
    assert.equal(last.endMs, Date.parse(doc.steps.s2999.ended_at!));
    assert.ok(last.startMs >= root.startMs && last.endMs <= root.endMs);
  });

  it('past its bound, a queue the loop never drains sends batches at once while few exports are under way, then drops and says why', async () => {
    const queue = new SpanQueue(new OTLPTraceExporter({ url: `${receiver.origin}/v1/traces` }), 'the receiver', { maxQueue: 1024, batchSize: 256, maxInflight: 2 });
    const provider = new BasicTracerProvider({ spanProcessors: [queue] });
    const tracer = provider.getTracer('test');
    for (let i = 0; i < 3000; i++) tracer.startSpan(`span ${i}`).end();
    await provider.shutdown();
    // 1,024 queued, two batches of 256 sent when it was full, the other 1,464 dropped
    assert.deepEqual([queue.dropped, queue.error], [1464, 'the queue of 1024 spans was full']);
    assert.equal(receiver.spans.length, 1536);
    // the first 1,536 spans ended, each once (the batches under way at once arrive in any order)
    const sent = receiver.spans.map((s) => Number(s.name.slice('span '.length))).sort((a, b) => a - b);
    assert.deepEqual(sent, Array.from({ length: 1536 }, (_, i) => i));
  });

  it("a collector that refuses the connection: every span counted lost at the first refusal (not after the exporter's retries), said once", async () => {
    const port = await closedPort();
    const telemetry = (await startTelemetry(config(`http://127.0.0.1:${port}/v1/traces`), '0.0.0'))!;
    const t = telemetry.forRun({ pipelineId: 'many', redactor: new Redactor() });
    await runPipeline(pipeline(600), { cwd: dir, checkpoint: false, tools: { noop: NOOP }, listeners: t.listeners, nestedListeners: t.nestedListeners });
    const warnings: string[] = [];
    const { dropped } = await telemetry.shutdown((s) => warnings.push(s));
    assert.equal(dropped, 601);
    assert.deepEqual(warnings, [`orc: telemetry: 601 spans were not delivered to http://127.0.0.1:${port}/v1/traces (connect ECONNREFUSED 127.0.0.1:${port})`]);
  });

  it('after a failed export nothing is sent for a second (spans ended meanwhile are counted lost); then it tries again', async () => {
    receiver.mode = 'fail';
    const sdk = await startSdk(config(`${receiver.origin}/v1/traces`), '0.0.0');
    for (let i = 0; i < 512; i++) sdk.tracer.startSpan('first').end();
    await until(() => sdk.dropped()[0].dropped === 512, 'the failed export');
    assert.equal(receiver.requests.length, 1);
    // the breaker is open: these are neither queued nor sent
    for (let i = 0; i < 1000; i++) sdk.tracer.startSpan('while open').end();
    assert.equal(sdk.dropped()[0].dropped, 1512, 'the spans ended while the breaker is open are counted lost at once');
    await sleep(200);
    assert.equal(receiver.requests.length, 1);
    receiver.mode = 'ok';
    await sleep(1100);
    sdk.tracer.startSpan('after the back-off').end();
    const warnings: string[] = [];
    // (the exit's bound is not what this test is about, and a machine busy with other work may take
    // more than its 2 s over the last export: telemetry.test.ts holds the bound)
    assert.deepEqual(await sdk.shutdown((s) => warnings.push(s), 30_000), { timedOut: false, dropped: 1512 });
    assert.deepEqual(warnings, [`orc: telemetry: 1512 spans were not delivered to ${receiver.origin}/v1/traces (HTTP 500 Internal Server Error)`]);
    assert.deepEqual(
      receiver.spans.map((s) => s.name),
      ['after the back-off'],
    );
    assert.equal(receiver.requests.length, 2);
  });
});
