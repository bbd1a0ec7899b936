// A distributed run is one trace across processes: `orc run --redis` and two `orc worker`s, all
// exporting to the loopback OTLP receiver. The trace context travels in the BullMQ job (W3C
// traceparent); each worker's span is a child of its coordinator's attempt span and carries the
// worker's own service name; the model call is traced where it happened, on the worker.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orcAsync } from '../../helpers/cli';
import { RedisServer, WorkerProcess } from '../../helpers/redisServer';
import { OtlpReceiver, treeOf } from '../../fixtures/otlpReceiver';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';

const PIPELINE = `id: spread
steps:
  - id: one
    tool: terminal
    action: execute
    parameters: {command: "echo one"}
  - id: two
    tool: terminal
    action: execute
    parameters: {command: "echo two"}
  - id: ask
    model: openai:gpt-4o-mini
    action: generate
    dependencies: [one, two]
    parameters: {prompt: "Say hi", max_tokens: 20}
`;

describe('telemetry: a distributed run is one trace across the coordinator and two workers', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let receiver: OtlpReceiver;
  let models: LoopbackProviders;
  let base: string;
  const workers: WorkerProcess[] = [];

  before(async function () {
    this.timeout(600_000); // the first run may install redis-server
    redis = await RedisServer.start();
    receiver = await new OtlpReceiver().start();
    models = await new LoopbackProviders().start();
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-otel-dist-')));
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin, OPENAI_API_KEY: 'sk-worker-key-1234', OPENAI_BASE_URL: `${models.origin}/v1` };
    for (let i = 0; i < 2; i++) workers.push(await WorkerProcess.start(redis.url, { cwd: base, root: base, concurrency: 2, env }));
  });

  after(async () => {
    for (const w of workers) await w.kill();
    await redis?.stop();
    await receiver?.stop();
    await models?.stop();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('worker spans sit under their coordinator steps (a step tried once has no attempt span), with the worker service name, the model call under the worker', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'case-'));
    fs.writeFileSync(path.join(dir, 'spread.pipeline.yaml'), PIPELINE);
    const r = await orcAsync(['run', 'spread.pipeline.yaml', '--json', '--redis', redis.url], { cwd: dir, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' } });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { execution_id: string };
    // the workers export on their own schedule (batches, a second apart)
    const t0 = Date.now();
    while (receiver.spans.filter((s) => s.kind === 5).length < 3 && Date.now() - t0 < 10_000) await new Promise((res) => setTimeout(res, 100));
    const root = receiver.spans.find((s) => s.name === 'invoke_workflow spread' && s.attributes['orchestrator.run.id'] === doc.execution_id)!;
    const spans = receiver.spans.filter((s) => s.traceId === root.traceId);
    assert.equal(
      treeOf(spans),
      [
        'invoke_workflow spread [INTERNAL]',
        '  execute_tool ask [INTERNAL]',
        '    execute_tool ask [CONSUMER]',
        '      chat gpt-4o-mini [CLIENT]',
        '  execute_tool one [INTERNAL]',
        '    execute_tool one [CONSUMER]',
        '  execute_tool two [INTERNAL]',
        '    execute_tool two [CONSUMER]',
      ].join('\n'),
    );
    const services = (kind: number) => [...new Set(spans.filter((s) => s.kind === kind).map((s) => s.resource['service.name']))];
    assert.deepEqual(services(5), ['orc-worker']);
    assert.deepEqual(services(1), ['orc']);
    assert.deepEqual(services(3), ['orc-worker']);
    const pids = new Set(workers.map((w) => String(w.pid)));
    for (const s of spans.filter((x) => x.kind === 5)) {
      assert.equal(s.attributes['orchestrator.run.id'], doc.execution_id);
      assert.ok(pids.has(String(s.attributes['orchestrator.worker']).split(':').pop()!), String(s.attributes['orchestrator.worker']));
    }
    const chat = spans.find((s) => s.name === 'chat gpt-4o-mini')!;
    assert.equal(chat.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(chat.attributes['gen_ai.request.max_tokens'], 20);
    assert.ok(!Buffer.concat(receiver.requests.map((q) => q.raw)).toString('latin1').includes('sk-worker-key-1234'));
  });
});
