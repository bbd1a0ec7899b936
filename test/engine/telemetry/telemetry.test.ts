// Traces through the CLI, as a user sets them up: `OTEL_EXPORTER_OTLP_ENDPOINT=… orc run
// examples/research.pipeline.yaml` against a loopback OTLP receiver (decoding the official OTLP
// protobuf) and a loopback OpenAI server driven through the real SDK.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResultDocument } from '../../../engine/run/events';
import { OtlpReceiver, treeOf, type ReceivedSpan } from '../../fixtures/otlpReceiver';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { CLI, ROOT } from '../../helpers/cli';

const EXAMPLE = path.join(ROOT, 'examples', 'research.pipeline.yaml');

let models: LoopbackProviders;
let receiver: OtlpReceiver;
let dir: string;

function cli(args: string[], extraEnv: NodeJS.ProcessEnv, cwd = dir): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/API_KEY|BASE_URL|OLLAMA|^OTEL_/.test(k)) clean[k] = v;
    const p = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...clean, NO_COLOR: '1', ...extraEnv } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const openai = (key = 'sk-test-openai-key') => ({ OPENAI_API_KEY: key, OPENAI_BASE_URL: `${models.origin}/v1` });

/** The research example's trace: the run, its three steps, the loop's three iterations, five model calls. */
const RESEARCH_TREE = [
  'invoke_workflow research_report [INTERNAL]',
  '  execute_tool answer [INTERNAL]',
  '    iteration answer #0 [INTERNAL]',
  '      execute_tool answer_one [INTERNAL]',
  '        chat gpt-4o-mini [CLIENT]',
  '    iteration answer #1 [INTERNAL]',
  '      execute_tool answer_one [INTERNAL]',
  '        chat gpt-4o-mini [CLIENT]',
  '    iteration answer #2 [INTERNAL]',
  '      execute_tool answer_one [INTERNAL]',
  '        chat gpt-4o-mini [CLIENT]',
  '  execute_tool plan_questions [INTERNAL]',
  '    chat gpt-4o-mini [CLIENT]',
  '  execute_tool write_report [INTERNAL]',
  '    chat gpt-4o-mini [CLIENT]',
].join('\n');

/** What must not change when tracing is on, off or failing: the result document less its times and ids. */
function stable(doc: ResultDocument): unknown {
  const steps = Object.fromEntries(Object.entries(doc.steps).map(([k, r]) => [k, { status: r.status, result: r.result, tokens_in: r.tokens_in, tokens_out: r.tokens_out, model: r.model, attempts: r.attempts }]));
  return { status: doc.status, outputs: doc.outputs, steps, tokens_in: doc.tokens_in, tokens_out: doc.tokens_out, cost_usd: doc.cost_usd };
}

beforeEach(async () => {
  models = await new LoopbackProviders().start();
  receiver = await new OtlpReceiver().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-otel-'));
});

afterEach(async () => {
  await models.stop();
  await receiver.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('telemetry: orc run with OTEL_EXPORTER_OTLP_ENDPOINT delivers the run as one trace', function () {
  this.timeout(30_000);

  it('research example over http/protobuf: the exact span tree, GenAI attributes, the resource, no key anywhere', async () => {
    const canary = 'sk-canary-otel-4b7e1d9a2c';
    // the key is in the prompt too (a topic that quotes it): content capture must redact it
    const r = await cli(['run', EXAMPLE, '--json', '-i', `topic=keys like ${canary}`], {
      ...openai(canary),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin,
      OTEL_SERVICE_NAME: 'research-ci',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,team=ml',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    assert.ok(receiver.requests.every((q) => q.contentType === 'application/x-protobuf'));
    assert.equal(treeOf(receiver.spans), RESEARCH_TREE);
    assert.equal(new Set(receiver.spans.map((s) => s.traceId)).size, 1);

    const root = receiver.spans.find((s) => s.name === 'invoke_workflow research_report')!;
    assert.deepEqual(root.attributes, {
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'research_report',
      'orchestrator.pipeline.id': 'research_report',
      'orchestrator.run.id': doc.execution_id,
      'orchestrator.run.resumed': false,
      'orchestrator.status': 'completed',
      'orchestrator.cost_usd': doc.cost_usd,
      'gen_ai.usage.input_tokens': doc.tokens_in,
      'gen_ai.usage.output_tokens': doc.tokens_out,
    });
    assert.equal(root.resource['service.name'], 'research-ci');
    assert.equal(root.resource['deployment.environment'], 'test');
    assert.equal(root.resource['team'], 'ml');
    assert.equal(root.resource['telemetry.sdk.language'], 'nodejs');
    assert.equal(root.scope, 'orchestrator');

    const plan = receiver.spans.find((s) => s.name === 'execute_tool plan_questions')!;
    assert.deepEqual(plan.attributes, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'plan_questions',
      'gen_ai.tool.type': 'function',
      'orchestrator.step.id': 'plan_questions',
      'orchestrator.action': 'generate_structured',
      'orchestrator.status': 'completed',
      'orchestrator.attempts': 1,
      'orchestrator.retries': 0,
      'gen_ai.usage.input_tokens': doc.steps.plan_questions.tokens_in,
      'gen_ai.usage.output_tokens': doc.steps.plan_questions.tokens_out,
      'orchestrator.cost_usd': doc.steps.plan_questions.cost_usd,
    });
    const answer = receiver.spans.find((s) => s.name === 'execute_tool answer')!;
    assert.equal(answer.attributes['orchestrator.tool'], 'for_each');

    const chats = receiver.spans.filter((s) => s.name === 'chat gpt-4o-mini');
    const chatOfAnswer = chats.find((c) => receiver.spans.find((s) => s.spanId === c.parentSpanId)?.name === 'execute_tool answer_one')!;
    const { 'gen_ai.input.messages': input, 'gen_ai.output.messages': output, ...genai } = chatOfAnswer.attributes;
    assert.deepEqual(genai, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 400,
      'gen_ai.usage.input_tokens': chatOfAnswer.attributes['gen_ai.usage.input_tokens'],
      'gen_ai.usage.output_tokens': chatOfAnswer.attributes['gen_ai.usage.output_tokens'],
      'gen_ai.response.finish_reasons': ['stop'],
      'orchestrator.cost_usd': chatOfAnswer.attributes['orchestrator.cost_usd'],
      'orchestrator.provider_attempts': 1,
    });
    assert.ok((genai['gen_ai.usage.input_tokens'] as number) > 0);
    assert.match(String(input), /^\[\{"role":"user","parts":\[\{"type":"text","content":"Answer in at most 150 words: /);
    assert.ok(String(output).startsWith('[{"role":"assistant","parts":[{"type":"text","content":"'), String(output));
    // the key went to the model server (its job) and nowhere else: not in any span, not in any file
    const payload = Buffer.concat(receiver.requests.map((q) => q.raw)).toString('latin1');
    assert.ok(!payload.includes(canary), 'the key is in the trace');
    assert.ok(payload.includes('[redacted: OPENAI_API_KEY]'), 'the captured prompt shows where the key was');
    assert.ok(!r.stdout.includes(canary) && !r.stderr.includes(canary));
    // the checkpoint keeps the trace for a resume to link to
    const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', doc.execution_id, 'checkpoint.json'), 'utf8')) as { traceparent?: string };
    assert.equal(checkpoint.traceparent, `00-${root.traceId}-${root.spanId}-01`);
  });

  it('metrics over OTLP with the same endpoint: the run, its steps, GenAI token usage and call duration, cost', async () => {
    const r = await cli(['run', EXAMPLE, '--json'], { ...openai(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    const points = (name: string) => receiver.points.filter((p) => p.metric === name);
    assert.deepEqual(points('orchestrator.runs').map((p) => [p.value, p.attributes]), [[1, { 'orchestrator.pipeline.id': 'research_report', 'orchestrator.status': 'completed' }]]);
    // the three top-level steps and the loop body's three runs
    const steps = points('orchestrator.steps');
    assert.deepEqual(steps.map((p) => [p.attributes['orchestrator.step.id'], p.value]).sort(), [['answer', 1], ['answer_one', 3], ['plan_questions', 1], ['write_report', 1]]);
    const tokens = points('gen_ai.client.token.usage');
    assert.equal(tokens[0].unit, '{token}');
    const sumOf = (type: string) => tokens.filter((p) => p.attributes['gen_ai.token.type'] === type).reduce((n, p) => n + (p.sum ?? 0), 0);
    assert.deepEqual([sumOf('input'), sumOf('output')], [doc.tokens_in, doc.tokens_out]);
    assert.deepEqual(tokens.map((p) => [p.attributes['gen_ai.operation.name'], p.attributes['gen_ai.provider.name'], p.attributes['gen_ai.request.model']])[0], ['chat', 'openai', 'gpt-4o-mini']);
    const calls = points('gen_ai.client.operation.duration');
    assert.equal(calls[0].unit, 's');
    assert.equal(calls.reduce((n, p) => n + (p.count ?? 0), 0), 5);
    const cost = points('orchestrator.cost').reduce((n, p) => n + (p.value ?? 0), 0);
    // the document rounds its cost to the micro-dollar; the metric adds the calls' exact prices
    assert.ok(cost > 0 && Math.abs(cost - doc.cost_usd) <= 5e-7, `${cost} vs ${doc.cost_usd}`);
    assert.equal(points('orchestrator.runs')[0].resource['service.name'], 'orc');
  });

  it('http/json (OTEL_EXPORTER_OTLP_PROTOCOL), and no message content unless asked', async () => {
    const r = await cli(['run', EXAMPLE, '--json'], { ...openai(), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.origin}/v1/traces`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(receiver.requests.length > 0 && receiver.requests.every((q) => q.contentType.startsWith('application/json')));
    assert.equal(treeOf(receiver.spans), RESEARCH_TREE);
    assert.equal(receiver.spans.find((s) => s.name === 'invoke_workflow research_report')!.resource['service.name'], 'orc');
    assert.ok(receiver.spans.every((s) => !('gen_ai.input.messages' in s.attributes) && !('gen_ai.output.messages' in s.attributes)));
  });

  it('several exporters at once: the environment endpoint with its headers, --trace-endpoint without them', async () => {
    const second = await new OtlpReceiver().start();
    try {
      const r = await cli(['run', EXAMPLE, '--trace-endpoint', second.origin], { ...openai(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer phoenix-secret-token-1' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(treeOf(receiver.spans), RESEARCH_TREE);
      assert.equal(treeOf(second.spans), RESEARCH_TREE);
      assert.deepEqual([...new Set(receiver.spans.map((s) => s.traceId))], [...new Set(second.spans.map((s) => s.traceId))]);
      assert.ok(receiver.requests.every((q) => q.headers.authorization === 'Bearer phoenix-secret-token-1'));
      assert.ok(second.requests.every((q) => q.headers.authorization === undefined));
    } finally {
      await second.stop();
    }
  });

  it("Anthropic's and Gemini's model spans carry why each answer ended (finish reasons) and the answering model", async () => {
    fs.writeFileSync(
      path.join(dir, 'ends.pipeline.yaml'),
      `id: ends
steps:
  - id: a_stream
    action: generate
    model: anthropic:claude-haiku-4-5
    parameters: {prompt: "Hi", max_tokens: 5}
  - id: a_plain
    action: generate
    model: anthropic:claude-haiku-4-5
    dependencies: [a_stream]
    parameters: {prompt: "Hi", stream: false}
  - id: a_struct
    action: generate_structured
    model: anthropic:claude-haiku-4-5
    dependencies: [a_plain]
    parameters: {prompt: "Hi"}
    vars: {title: The title.}
  - id: g_stream
    action: generate
    model: google:gemini-2.5-flash
    dependencies: [a_struct]
    parameters: {prompt: "Count", max_tokens: 3}
  - id: g_plain
    action: generate
    model: google:gemini-2.5-flash
    dependencies: [g_stream]
    parameters: {prompt: "Count", stream: false}
`,
    );
    // the calls in order: a_stream, a_plain, a_struct, g_stream, g_plain
    models.script.push({ stopReason: 'max_tokens' }, {}, {}, { stopReason: 'MAX_TOKENS' }, { stopReason: 'SAFETY' });
    const r = await cli(['run', 'ends.pipeline.yaml', '--json'], { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: models.origin, GEMINI_API_KEY: 'gm-test', GOOGLE_GEMINI_BASE_URL: models.origin, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin });
    assert.equal(r.code, 0, r.stderr);
    const chatOf = (step: string) => {
      const stepSpan = receiver.spans.find((s) => s.name === `execute_tool ${step}`)!;
      const chats = receiver.spans.filter((s) => s.parentSpanId === stepSpan.spanId && s.name.startsWith('chat '));
      assert.equal(chats.length, 1, `one model call under ${step}`);
      const a = chats[0].attributes;
      return [chats[0].name, a['gen_ai.provider.name'], a['gen_ai.response.model'], a['gen_ai.response.finish_reasons']];
    };
    assert.deepEqual(
      ['a_stream', 'a_plain', 'a_struct', 'g_stream', 'g_plain'].map(chatOf),
      [
        ['chat claude-haiku-4-5', 'anthropic', 'claude-haiku-4-5', ['max_tokens']],
        ['chat claude-haiku-4-5', 'anthropic', 'claude-haiku-4-5', ['end_turn']],
        ['chat claude-haiku-4-5', 'anthropic', 'claude-haiku-4-5', ['tool_use']],
        ['chat gemini-2.5-flash', 'gcp.gemini', 'loopback', ['max_tokens']],
        ['chat gemini-2.5-flash', 'gcp.gemini', 'loopback', ['safety']],
      ],
    );
  });

  it('off unless configured; OTEL_SDK_DISABLED=true turns it off; a bad endpoint is a usage error', async () => {
    const off = await cli(['run', EXAMPLE], { ...openai(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin, OTEL_SDK_DISABLED: 'true' });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(receiver.requests.length, 0);
    const before = models.requests.length;
    const bad = await cli(['run', EXAMPLE, '--trace-endpoint', 'localhost-4318'], openai());
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, "orc: --trace-endpoint takes an http(s) URL (e.g. http://127.0.0.1:4318), not 'localhost-4318'\nrun 'orc help' for usage\n");
    assert.equal(models.requests.length, before, 'nothing ran');
  });
});

describe('telemetry: a collector that is down, failing or hanging never changes the run', function () {
  this.timeout(40_000);

  async function baseline(): Promise<unknown> {
    // in a folder of its own: the example caches its answers, and the traced run must not find them
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-otel-base-'));
    const r = await cli(['run', EXAMPLE, '--json'], openai(), elsewhere).finally(() => fs.rmSync(elsewhere, { recursive: true, force: true }));
    assert.equal(r.code, 0, r.stderr);
    return stable(JSON.parse(r.stdout) as ResultDocument);
  }

  const cases: [string, () => Promise<string>, RegExp][] = [
    [
      'down (nothing listens)',
      async () => {
        const o = receiver.origin;
        await receiver.stop();
        return o;
      },
      /^orc: telemetry: 15 spans were not delivered to http:\/\/127\.0\.0\.1:\d+\/ \((connect ECONNREFUSED 127\.0\.0\.1:\d+|no answer within 2 s)\)$/m,
    ],
    [
      'answering 500',
      async () => {
        receiver.mode = 'fail';
        return receiver.origin;
      },
      /^orc: telemetry: 15 spans were not delivered to http:\/\/127\.0\.0\.1:\d+\/ \(HTTP 500 Internal Server Error\)$/m,
    ],
    [
      'hanging',
      async () => {
        receiver.mode = 'hang';
        return receiver.origin;
      },
      /^orc: telemetry: 15 spans were not delivered to http:\/\/127\.0\.0\.1:\d+\/ \(no answer within 2 s\)$/m,
    ],
  ];
  for (const [name, setup, said] of cases) {
    it(`${name}: same result and exit code, the loss said once, the exit within the 2 s flush bound`, async () => {
      const expected = await baseline();
      const endpoint = await setup();
      // the exporter's own time limit far beyond this test's timeout: an export held unanswered (the
      // hanging collector) ends only by the flush bound, so a process that waited for it could not exit here
      const r = await cli(['run', EXAMPLE, '--json'], { ...openai(), OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '600000' });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(stable(JSON.parse(r.stdout) as ResultDocument), expected);
      assert.match(r.stderr, said);
      assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('orc: telemetry:')).length, 1, r.stderr);
      // hanging: the spans reached the collector, which never answered, and the process exited all the same
      if (name === 'hanging') assert.ok(receiver.requests.length > 0, 'no export reached the hanging collector');
    });
  }
});

export type { ReceivedSpan };
