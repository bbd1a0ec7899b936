// The run's trace in-process, for what the research example does not have: retries (failed attempt
// spans and retry events), nested pipelines inside their step, a failing run's status, and a resumed
// run's link to its first trace. Exported over OTLP/protobuf to the loopback receiver.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, hasErrors } from '../../../engine/analyze/index';
import { loadCheckpoint } from '../../../engine/run/checkpointStore';
import type { ResultDocument, RunEvent, StepResult } from '../../../engine/run/events';
import { Redactor } from '../../../engine/toolkit/redact';
import { runPipeline, type RunOptions } from '../../../engine/run/runPipeline';
import { startTelemetry, type Telemetry } from '../../../engine/telemetry/index';
import { spawnSync } from 'node:child_process';
import { OtlpReceiver, treeOf, type ReceivedSpan } from '../../fixtures/otlpReceiver';
import { ROOT } from '../../helpers/cli';

let receiver: OtlpReceiver;
let dir: string;

const cmd = (id: string, command: string, extra = '') => `  - id: ${id}\n    tool: terminal\n    action: execute\n${extra}    parameters:\n      command: ${JSON.stringify(command)}\n`;

async function traced(text: string, opts: Partial<RunOptions> = {}): Promise<{ doc: ResultDocument; spans: ReceivedSpan[] }> {
  fs.writeFileSync(path.join(dir, 'main.pipeline.yaml'), text);
  const a = analyze(text);
  assert.ok(!hasErrors(a.findings), JSON.stringify(a.findings));
  const telemetry = (await startTelemetry({ exporters: [{ url: `${receiver.origin}/v1/traces`, fromEnv: false, protocol: 'http/protobuf' }], defaultServiceName: 'orc-test', captureContent: false, metrics: null }, '0.0.0')) as Telemetry;
  const t = telemetry.forRun({ pipelineId: a.pipeline!.id, redactor: new Redactor(), resume: opts.resume });
  const doc = await runPipeline(a, { cwd: dir, pipelineFile: path.join(dir, 'main.pipeline.yaml'), ...opts, listeners: t.listeners, nestedListeners: t.nestedListeners, traceparent: t.traceparent });
  const warnings: string[] = [];
  const { dropped } = await telemetry.shutdown((s) => warnings.push(s));
  assert.equal(dropped, 0, warnings.join('\n'));
  const trace = t.tracer!.root.spanContext().traceId;
  return { doc, spans: receiver.spans.filter((s) => s.traceId === trace) };
}

beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-otel-run-'));
});

afterEach(async () => {
  await receiver.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('telemetry: the run trace in-process', function () {
  this.timeout(20_000);

  it('retries: a failed attempt span per retry with its error type, retry events on the step', async () => {
    const flaky = `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]`;
    const { doc, spans } = await traced(['id: retry', 'steps:', cmd('flaky', flaky, '    retry: {max_attempts: 4, initial_delay: 0.05}\n')].join('\n'));
    assert.equal(doc.status, 'completed');
    assert.equal(treeOf(spans), ['invoke_workflow retry [INTERNAL]', '  execute_tool flaky [INTERNAL]', '    attempt 1 [INTERNAL] ERROR', '    attempt 2 [INTERNAL] ERROR', '    attempt 3 [INTERNAL]'].join('\n'));
    const step = spans.find((s) => s.name === 'execute_tool flaky')!;
    // a 'queued' event may stand beside them: the step waited for a slot a millisecond or more (the
    // machine's timing, not the retries')
    assert.deepEqual(step.events.filter((e) => e.name !== 'queued').map((e) => [e.name, e.attributes['orchestrator.attempt'], e.attributes['error.type']]), [
      ['retry', 1, 'ReportedFailure'],
      ['retry', 2, 'ReportedFailure'],
    ]);
    assert.equal(step.attributes['orchestrator.tool'], 'terminal');
    assert.equal(step.attributes['orchestrator.action'], 'execute');
    assert.equal(step.attributes['orchestrator.retries'], 2);
    assert.equal(spans.find((s) => s.name === 'attempt 1')!.attributes['error.type'], 'ReportedFailure');
    assert.equal(spans[0].resource['service.name'], 'orc-test');
  });

  it("a step tried once is its own attempt; a retried step's model calls hang under the attempt that made them", async () => {
    const telemetry = (await startTelemetry({ exporters: [{ url: `${receiver.origin}/v1/traces`, fromEnv: false, protocol: 'http/protobuf' }], defaultServiceName: 'orc-test', captureContent: false, metrics: null }, '0.0.0')) as Telemetry;
    const t = telemetry.forRun({ pipelineId: 'calls', redactor: new Redactor() });
    const on = t.listeners![0];
    const call = (stepId: string, time: number, model: string): RunEvent => ({ type: 'model-call', time, stepId, scope: [], model, tokens_in: 1, tokens_out: 1, cost_usd: 0, latency_ms: 5, wait_ms: 0, attempts: 1 });
    const ended = (stepId: string, time: number, attempts: number): RunEvent => ({ type: 'step-ended', time, stepId, scope: [], result: { status: 'completed', success: true, attempts, retries: attempts - 1, tokens_in: 0, tokens_out: 0, cost_usd: 0, result: 'ok' } as unknown as StepResult });
    const t0 = Date.now();
    const events: RunEvent[] = [
      { type: 'run-started', time: t0, executionId: 'run-1', pipelineId: 'calls', steps: ['once', 'twice'], levels: [['once', 'twice']], resumed: false },
      { type: 'step-started', time: t0 + 1, stepId: 'once', scope: [], attempt: 1, inputs: {}, tool: null, action: 'generate' },
      call('once', t0 + 10, 'openai:m-once'),
      ended('once', t0 + 11, 1),
      { type: 'step-started', time: t0 + 12, stepId: 'twice', scope: [], attempt: 1, inputs: {}, tool: null, action: 'generate' },
      call('twice', t0 + 20, 'openai:m-first'),
      { type: 'attempt-failed', time: t0 + 21, stepId: 'twice', scope: [], attempt: 1, error: 'bad answer', errorType: 'StepError', retryInMs: 5 },
      { type: 'step-started', time: t0 + 27, stepId: 'twice', scope: [], attempt: 2, inputs: {}, tool: null, action: 'generate' },
      call('twice', t0 + 35, 'openai:m-second'),
      ended('twice', t0 + 36, 2),
    ];
    for (const e of events) on(e);
    on({ type: 'run-ended', time: t0 + 40, result: { status: 'completed', success: true, cost_usd: 0, tokens_in: 0, tokens_out: 0, failed_steps: [], steps: {} } as unknown as ResultDocument });
    await telemetry.shutdown(() => undefined);
    assert.equal(
      treeOf(receiver.spans),
      [
        'invoke_workflow calls [INTERNAL]',
        '  execute_tool once [INTERNAL]',
        '    chat m-once [CLIENT]',
        '  execute_tool twice [INTERNAL]',
        '    attempt 1 [INTERNAL] ERROR',
        '      chat m-first [CLIENT]',
        '    attempt 2 [INTERNAL]',
        '      chat m-second [CLIENT]',
      ].join('\n'),
    );
    // the first attempt's span, made when it failed, starts when it started
    const first = receiver.spans.find((s) => s.name === 'attempt 1')!;
    assert.deepEqual([first.startMs, first.attributes['error.type']], [t0 + 12, 'StepError']);
  });

  it('a nested pipeline is a workflow span inside its step; a failed run says so on the root', async () => {
    fs.writeFileSync(path.join(dir, 'child.pipeline.yaml'), ['id: child', 'parameters: {x: 1}', 'steps:', cmd('double', 'echo $(( {{ x }} * 2 ))'), 'outputs:', '  doubled: "{{ double.result.stdout | trim | int }}"'].join('\n'));
    const text = ['id: parent', 'steps:', '  - id: call\n    tool: pipeline\n    action: run\n    parameters:\n      pipeline: child.pipeline.yaml\n      inputs: {x: 21}\n', cmd('broken', 'exit 3', '    dependencies: [call]\n')].join('\n');
    const { doc, spans } = await traced(text);
    assert.equal(doc.status, 'failed', JSON.stringify(doc));
    assert.equal(
      treeOf(spans),
      [
        'invoke_workflow parent [INTERNAL] ERROR',
        '  execute_tool broken [INTERNAL] ERROR',
        '  execute_tool call [INTERNAL]',
        '    invoke_workflow child [INTERNAL]',
        '      execute_tool double [INTERNAL]',
      ].join('\n'),
    );
    const root = spans.find((s) => s.name === 'invoke_workflow parent')!;
    assert.deepEqual([root.attributes['orchestrator.status'], root.attributes['error.type'], root.status.message], ['failed', 'ReportedFailure', 'failed steps: broken']);
    assert.equal(spans.find((s) => s.name === 'invoke_workflow child')!.attributes['orchestrator.pipeline.id'], 'child');
  });

  it('a resumed run is a new trace whose root links to the first session', async () => {
    const once = `[ -f seen ] || { touch seen; exit 1; }`;
    const text = ['id: twice', 'steps:', cmd('first', 'echo ok'), cmd('second', once, '    dependencies: [first]\n')].join('\n');
    const run1 = await traced(text);
    assert.equal(run1.doc.status, 'failed');
    const checkpoint = loadCheckpoint(dir, run1.doc.execution_id);
    const root1 = run1.spans.find((s) => s.name === 'invoke_workflow twice')!;
    assert.equal(checkpoint.traceparent, `00-${root1.traceId}-${root1.spanId}-01`);
    const run2 = await traced(text, { resume: checkpoint });
    assert.equal(run2.doc.status, 'completed');
    const root2 = run2.spans.find((s) => s.name === 'invoke_workflow twice')!;
    assert.notEqual(root2.traceId, root1.traceId);
    assert.deepEqual(root2.links, [{ traceId: root1.traceId, spanId: root1.spanId, attributes: { 'orchestrator.link': 'first_session' } }]);
    assert.equal(root2.attributes['orchestrator.run.resumed'], true);
    assert.equal(root2.attributes['orchestrator.run.id'], run1.doc.execution_id);
    // the completed step is not run again: only the one that failed has a span
    assert.equal(treeOf(run2.spans), ['invoke_workflow twice [INTERNAL]', '  execute_tool second [INTERNAL]'].join('\n'));
    // the checkpoint keeps the first trace
    assert.equal(loadCheckpoint(dir, run1.doc.execution_id).traceparent, checkpoint.traceparent);
  });

  it('off (nothing configured, or OTEL_SDK_DISABLED=true): a traced run loads no OpenTelemetry module', function () {
    // three fresh processes that load the engine through tsx: 7-13 s each on a loaded 2-core machine
    this.timeout(90_000);
    const script = [
      "const { withRunTelemetry } = require('./engine/cli/runTelemetry.ts');",
      "withRunTelemetry({ cwd: '.' }, 'p', undefined, () => {}, async (o) => o.listeners?.length ?? 0).then((n) => {",
      // the API package alone is not the SDK: @anthropic-ai/sdk loads it for its own optional tracing
      // whenever it is installed; no SDK, exporter or tracer of ours may load
      "  const loaded = Object.keys(require.cache).filter((k) => (k.includes('@opentelemetry') && !k.includes('@opentelemetry/api/')) || /engine.telemetry.(sdk|runTracer|runMetrics|workerTracer|evalTracer)/.test(k)).length;",
      "  process.stdout.write(JSON.stringify({ listeners: n, loaded }));",
      '});',
    ].join('\n');
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_')) clean[k] = v;
    for (const env of [clean, { ...clean, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin, OTEL_SDK_DISABLED: 'true' }]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { listeners: 0, loaded: 0 });
    }
    // and on: the SDK is there
    const on = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: { ...clean, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin }, encoding: 'utf8' });
    assert.equal(on.status, 0, on.stderr);
    const got = JSON.parse(on.stdout) as { listeners: number; loaded: number };
    assert.ok(got.listeners === 2 && got.loaded > 10, on.stdout);
  });
});
