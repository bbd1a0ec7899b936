// Metrics a real Prometheus reads: `orc worker --metrics-port N` serves them, Debian's prometheus
// (started here on 127.0.0.1 with a config in a temporary folder) scrapes the worker every second,
// and the figures are read back through Prometheus's own query API after a distributed run.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orcAsync } from '../../helpers/cli';
import { freePort, RedisServer, WorkerProcess } from '../../helpers/redisServer';
import { PrometheusServer, type Sample } from '../../helpers/prometheusServer';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';

const PIPELINE = `id: measured
steps:
  - id: one
    tool: terminal
    action: execute
    parameters: {command: "echo one"}
  - id: flaky
    tool: terminal
    action: execute
    retry: {max_attempts: 3, initial_delay: 0.05}
    parameters: {command: "if [ -f tried ]; then echo ok; else touch tried; exit 1; fi"}
  - id: ask
    model: openai:gpt-4o-mini
    action: generate
    dependencies: [one, flaky]
    parameters: {prompt: "Say hi", max_tokens: 20}
`;

const byLabels = (samples: Sample[], ...labels: string[]) => Object.fromEntries(samples.map((s) => [labels.map((l) => s.metric[l]).join('/'), s.value]));

describe('telemetry: Prometheus scrapes orc worker --metrics-port', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let models: LoopbackProviders;
  let prometheus: PrometheusServer;
  let worker: WorkerProcess;
  let base: string;
  let metricsPort: number;

  before(async function () {
    this.timeout(900_000); // the first run may install redis-server and prometheus
    redis = await RedisServer.start();
    models = await new LoopbackProviders().start();
    models.fallback = { text: 'hi there', tokensIn: 11, tokensOut: 7 };
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-metrics-')));
    metricsPort = await freePort();
    worker = await WorkerProcess.start(redis.url, { cwd: base, root: base, concurrency: 2, env: { OPENAI_API_KEY: 'sk-metrics-key-5678', OPENAI_BASE_URL: `${models.origin}/v1` }, extraArgs: ['--metrics-port', String(metricsPort)] });
    prometheus = await PrometheusServer.start([`127.0.0.1:${metricsPort}`]);
  });

  after(async () => {
    await worker?.kill();
    await prometheus?.stop();
    await redis?.stop();
    await models?.stop();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('attempts by step and status, step durations, GenAI token usage and call duration, cost: read back from Prometheus', async () => {
    assert.match(worker.log, new RegExp(`worker: metrics for Prometheus at http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
    const dir = fs.mkdtempSync(path.join(base, 'case-'));
    fs.writeFileSync(path.join(dir, 'measured.pipeline.yaml'), PIPELINE);
    const r = await orcAsync(['run', 'measured.pipeline.yaml', '--json', '--redis', redis.url], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { steps: Record<string, { attempts: number; tokens_in: number; tokens_out: number }> };
    assert.deepEqual([doc.steps.one.attempts, doc.steps.flaky.attempts, doc.steps.ask.attempts], [1, 2, 1]);

    const attempts = await prometheus.until('orchestrator_attempts_total{job="orc"}', (s) => s.length === 4);
    assert.deepEqual(byLabels(attempts, 'orchestrator_pipeline_id', 'orchestrator_step_id', 'orchestrator_status'), {
      'measured/one/completed': 1,
      'measured/flaky/failed': 1,
      'measured/flaky/completed': 1,
      'measured/ask/completed': 1,
    });
    const durations = await prometheus.query('orchestrator_step_duration_count{job="orc"}');
    assert.equal(durations.reduce((n, s) => n + s.value, 0), 4);
    const tokens = await prometheus.query('gen_ai_client_token_usage_sum{job="orc"}');
    assert.deepEqual(byLabels(tokens, 'gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'gen_ai_token_type'), {
      'chat/openai/gpt-4o-mini/input': doc.steps.ask.tokens_in,
      'chat/openai/gpt-4o-mini/output': doc.steps.ask.tokens_out,
    });
    assert.deepEqual([doc.steps.ask.tokens_in, doc.steps.ask.tokens_out], [11, 7]);
    const calls = await prometheus.query('gen_ai_client_operation_duration_count{job="orc"}');
    assert.deepEqual(byLabels(calls, 'gen_ai_provider_name', 'gen_ai_request_model'), { 'openai/gpt-4o-mini': 1 });
    const cost = await prometheus.query('orchestrator_cost_total{job="orc"}');
    assert.deepEqual(cost.map((c) => [c.metric.gen_ai_provider_name, c.metric.gen_ai_request_model, c.metric.orchestrator_pipeline_id]), [['openai', 'gpt-4o-mini', 'measured']]);
    // gpt-4o-mini at the shipped registry's prices ($0.15 in, $0.60 out per M tokens): 11 tokens in, 7 out
    assert.ok(Math.abs(cost[0].value - (11 * 0.15 + 7 * 0.6) / 1e6) < 1e-12, JSON.stringify(cost));
    // the worker's resource is on target_info, with its own service name
    const info = await prometheus.query('target_info{job="orc"}');
    assert.equal(info[0]?.metric.service_name, 'orc-worker');
  });
});
