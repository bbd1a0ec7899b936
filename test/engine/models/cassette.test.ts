// Record and replay of model calls: recorded against the loopback providers through the real SDKs,
// replayed with the server stopped and no key.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner } from '../../../engine/models/index';
import { requestKey, type CassetteLine, type CassetteOptions } from '../../../engine/models/cassette';
import type { ResultDocument, RunEvent, StepResult } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { Redactor } from '../../../engine/toolkit/redact';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';

const FAST = { baseDelayMs: 5, maxDelayMs: 50, windowMs: 1000 };
const CANARY = 'sk-canary-cassette-4b7e19d2';

let server: LoopbackProviders;
let dir: string;
let file: string;

function keys(): NodeJS.ProcessEnv {
  return {
    OPENAI_API_KEY: CANARY,
    OPENAI_BASE_URL: `${server.origin}/v1`,
    ANTHROPIC_API_KEY: CANARY,
    ANTHROPIC_BASE_URL: server.origin,
    GEMINI_API_KEY: CANARY,
    GOOGLE_GEMINI_BASE_URL: server.origin,
  };
}

async function run(yaml: string, cassette: CassetteOptions, env: NodeJS.ProcessEnv): Promise<{ doc: ResultDocument; events: RunEvent[] }> {
  const a = analyze(yaml);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error').map((f) => f.message), []);
  const events: RunEvent[] = [];
  const models = createModelRunner({ env, resilience: FAST });
  const doc = await runPipeline(a, { cwd: dir, checkpoint: false, random: () => 0.5, models, cassette, listeners: [(e) => events.push(e)] });
  return { doc, events };
}

const textOf = (events: RunEvent[], step: string) =>
  events.filter((e): e is Extract<RunEvent, { type: 'step-output' }> => e.type === 'step-output' && e.stepId === step && e.stream === 'text').map((e) => e.chunk);

/** A step result without what depends on the clock. */
function timeless(r: StepResult): Partial<StepResult> {
  const { started_at, ended_at, duration_ms, latency_ms, limiter_wait_ms, queued_ms, retry_ms, ...rest } = r;
  void [started_at, ended_at, duration_ms, latency_ms, limiter_wait_ms, queued_ms, retry_ms];
  return rest;
}

const readLines = (): CassetteLine[] =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CassetteLine);

const PIPELINE = `id: brief
parameters:
  topic: {type: string, default: durable runs}
steps:
  - id: draft
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Write about {{ topic }}"
      max_tokens: 50
      temperature: 0.2
  - id: facts
    action: generate_structured
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Facts about {{ topic }}"
    vars:
      title: The title.
      count: {type: integer, description: How many.}
  - id: polish
    action: generate
    model: openai:gpt-4o
    parameters:
      prompt: "Polish: {{ draft.result }} ({{ facts.vars.title }})"
      stream: false
outputs:
  text: "{{ polish.result }}"
  title: "{{ facts.vars.title }}"
`;

function answerByPrompt(body: Record<string, unknown>) {
  const prompt = String((body.messages as { content: string }[]).at(-1)?.content ?? '');
  if (prompt.startsWith('Write')) return { chunks: ['Runs ', 'that ', 'last.'], tokensIn: 100, tokensOut: 200 };
  if (prompt.startsWith('Facts')) return { json: { title: 'Durability', count: 3 }, tokensIn: 30, tokensOut: 20 };
  return { text: 'Polished.', tokensIn: 1000, tokensOut: 10 };
}

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-cassette-'));
  file = path.join(dir, 'brief.pipeline.cassette.jsonl');
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('cassette: record with OpenAI, replay offline', function () {
  this.timeout(20_000);

  it('replays with the server stopped and no key: the same outputs, step results, tokens, cost and streamed deltas', async () => {
    server.responder = answerByPrompt;
    const rec = await run(PIPELINE, { mode: 'record', file }, keys());
    assert.equal(rec.doc.status, 'completed', JSON.stringify(rec.doc.steps));
    assert.equal(server.requests.length, 3);
    await server.stop();

    const rep = await run(PIPELINE, { mode: 'replay', file }, {});
    assert.equal(rep.doc.status, 'completed', JSON.stringify(rep.doc.steps));
    assert.deepEqual(rep.doc.outputs, { text: 'Polished.', title: 'Durability' });
    assert.deepEqual(rep.doc.outputs, rec.doc.outputs);
    for (const id of ['draft', 'facts', 'polish']) assert.deepEqual(timeless(rep.doc.steps[id]), timeless(rec.doc.steps[id]), id);
    assert.deepEqual([rep.doc.tokens_in, rep.doc.tokens_out, rep.doc.cost_usd], [rec.doc.tokens_in, rec.doc.tokens_out, rec.doc.cost_usd]);
    assert.deepEqual([rep.doc.tokens_in, rep.doc.tokens_out], [1130, 230]);
    assert.deepEqual(textOf(rep.events, 'draft'), ['Runs ', 'that ', 'last.']);
    assert.deepEqual(textOf(rep.events, 'draft'), textOf(rec.events, 'draft'));
    assert.equal(rep.doc.steps.facts.result && JSON.stringify(rep.doc.steps.facts.result), '{"title":"Durability","count":3}');
    const calls = rep.events.filter((e) => e.type === 'model-call').map((e) => ({ ...e, time: 0, latency_ms: 0 }));
    assert.deepEqual(calls, rec.events.filter((e) => e.type === 'model-call').map((e) => ({ ...e, time: 0, latency_ms: 0, wait_ms: 0 })));
  });

  it('writes one line per request, sorted by key, with the request and answer and never the key', async () => {
    server.responder = answerByPrompt;
    await run(PIPELINE, { mode: 'record', file }, keys());
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(!text.includes(CANARY), 'the cassette holds the key');
    assert.ok(!text.includes(server.origin) && !/authorization|bearer/i.test(text), 'the cassette holds a URL or a header');
    const lines = readLines();
    assert.equal(lines.length, 3);
    assert.deepEqual(lines.map((l) => l.key), lines.map((l) => l.key).sort());
    for (const l of lines) assert.equal(l.key, requestKey(l.request));
    const draft = lines.find((l) => l.stepId === 'draft')!;
    assert.deepEqual(draft, {
      key: draft.key,
      stepId: 'draft',
      request: { provider: 'openai', model: 'gpt-4o-mini', kind: 'text', system: null, prompt: 'Write about durable runs', max_tokens: 50, temperature: 0.2, schema: null },
      answer: { text: 'Runs that last.', deltas: ['Runs ', 'that ', 'last.'], tokens_in: 100, tokens_out: 200, cost_usd: (100 * 0.15 + 200 * 0.6) / 1_000_000, finish_reasons: ['stop'], response_model: 'gpt-4o-mini' },
    });
    const facts = lines.find((l) => l.stepId === 'facts')!;
    assert.equal(facts.request.kind, 'structured');
    assert.deepEqual(facts.answer.data, { title: 'Durability', count: 3 });

    // recording again replaces each line: the same file, byte for byte
    await run(PIPELINE, { mode: 'record', file }, keys());
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    assert.equal(server.requests.length, 6);
  });

  it('runs recording into one cassette at the same time keep every line (as the cases of an eval do)', async () => {
    server.responder = answerByPrompt;
    const a = analyze(PIPELINE);
    const models = createModelRunner({ env: keys(), resilience: FAST });
    const docs = await Promise.all(['red', 'green', 'blue'].map((topic) => runPipeline(a, { cwd: dir, checkpoint: false, models, inputs: { topic }, cassette: { mode: 'record', file } })));
    assert.deepEqual(docs.map((d) => d.status), ['completed', 'completed', 'completed']);
    // draft and facts differ by topic; polish asks the same question in all three
    const lines = readLines();
    assert.equal(lines.length, 7);
    assert.deepEqual(lines.map((l) => l.key), lines.map((l) => l.key).sort());
    await server.stop();
    const replayed = await Promise.all(['blue', 'red'].map((topic) => runPipeline(a, { cwd: dir, checkpoint: false, models: createModelRunner({ env: {} }), inputs: { topic }, cassette: { mode: 'replay', file } })));
    assert.deepEqual(replayed.map((d) => d.status), ['completed', 'completed']);
  });

  it('a secret of the environment in a prompt is redacted in the cassette, and the call still replays', async () => {
    const yaml = `id: p
parameters:
  token: {type: string}
steps:
  - id: s
    action: generate
    model: openai:gpt-4o-mini
    parameters: {prompt: "Use {{ token }} to sign"}
`;
    const secret = 'tok-9f8e7d6c5b4a';
    const redactor = new Redactor({ SIGNING_TOKEN: secret });
    const a = analyze(yaml);
    const rec = await runPipeline(a, { cwd: dir, checkpoint: false, inputs: { token: secret }, redactor, models: createModelRunner({ env: keys(), resilience: FAST }), cassette: { mode: 'record', file: path.join(dir, 'tapes', 'p.jsonl') } });
    assert.equal(rec.status, 'completed', JSON.stringify(rec.steps));
    const text = fs.readFileSync(path.join(dir, 'tapes', 'p.jsonl'), 'utf8');
    assert.ok(!text.includes(secret));
    assert.equal((JSON.parse(text) as CassetteLine).request.prompt, 'Use [redacted: SIGNING_TOKEN] to sign');
    await server.stop();
    const rep = await runPipeline(a, { cwd: dir, checkpoint: false, inputs: { token: secret }, redactor, models: createModelRunner({ env: {} }), cassette: { mode: 'replay', file: path.join(dir, 'tapes', 'p.jsonl') } });
    assert.equal(rep.status, 'completed', JSON.stringify(rep.steps));
    assert.equal(rep.steps.s.result, 'Hello from the loopback server.');
  });

  it('a miss fails that step at once, naming it and what differs from the nearest recorded request; the other steps replay', async () => {
    server.responder = answerByPrompt;
    await run(PIPELINE, { mode: 'record', file }, keys());
    await server.stop();
    // steps that may retry: a miss is permanent, so it is not tried again
    const changed = PIPELINE.replace('steps:\n', 'context:\n  max_retries: 3\nsteps:\n').replace('prompt: "Facts about {{ topic }}"', 'prompt: "Facts about {{ topic }} today"').replace('model: openai:gpt-4o\n', 'model: openai:gpt-4.1-mini\n');
    const { doc } = await run(changed, { mode: 'replay', file }, {});
    assert.equal(doc.status, 'failed');
    assert.equal(doc.steps.draft.status, 'completed');
    assert.equal(doc.steps.facts.status, 'failed');
    assert.equal(doc.steps.facts.error_type, 'CassetteMiss');
    assert.equal(doc.steps.facts.attempts, 1);
    assert.equal(
      doc.steps.facts.error,
      `Step 'facts': the cassette brief.pipeline.cassette.jsonl has no recorded answer for this call to openai:gpt-4o-mini (a replay makes no live call). Nearest recorded request (step 'facts'): prompt differs at character 25 (the recorded prompt ends there): recorded …"s about durable runs", now …"s about durable runs today". Record again with --record, or run the step live.`,
    );
    assert.equal(doc.steps.polish.status, 'skipped');
  });

  it('a changed model is named as recorded', async () => {
    server.responder = answerByPrompt;
    await run(PIPELINE, { mode: 'record', file }, keys());
    await server.stop();
    const { doc } = await run(PIPELINE.replace('model: openai:gpt-4o\n', 'model: openai:gpt-4.1-mini\n'), { mode: 'replay', file }, {});
    assert.equal(
      doc.steps.polish.error,
      `Step 'polish': the cassette brief.pipeline.cassette.jsonl has no recorded answer for this call to openai:gpt-4.1-mini (a replay makes no live call). Nearest recorded request (step 'polish'): model openai:gpt-4.1-mini was recorded as openai:gpt-4o. Record again with --record, or run the step live.`,
    );
  });

  it('live steps call the server while the others replay', async () => {
    server.responder = answerByPrompt;
    await run(PIPELINE, { mode: 'record', file }, keys());
    const before = fs.readFileSync(file, 'utf8');
    server.requests.length = 0;
    server.responder = (body) => (String((body.messages as { content: string }[]).at(-1)?.content).startsWith('Polish') ? { text: 'Live now.', tokensIn: 5, tokensOut: 5 } : answerByPrompt(body));
    const { doc } = await run(PIPELINE, { mode: 'replay', file, live: ['polish'] }, keys());
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
    assert.deepEqual(doc.outputs, { text: 'Live now.', title: 'Durability' });
    assert.deepEqual(server.requests.map((q) => (q.body.messages as { content: string }[]).at(-1)?.content), ['Polish: Runs that last. (Durability)']);
    assert.equal(fs.readFileSync(file, 'utf8'), before, 'a replay writes nothing');
  });

  it('a replay without its cassette runs nothing and says how to record it', async () => {
    await assert.rejects(run(PIPELINE, { mode: 'replay', file }, {}), { name: 'CassetteFileError', message: `The cassette ${file} does not exist: record it first (orc run FILE --record)` });
    assert.equal(fs.existsSync(path.join(dir, '.orchestrator')), false);
  });

  it('a cassette cut short by a killed run is still read; a broken line inside is an error with its number', async () => {
    server.responder = answerByPrompt;
    await run(PIPELINE, { mode: 'record', file }, keys());
    await server.stop();
    const whole = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${whole}{"key":"abc","stepId":"dra`);
    assert.equal((await run(PIPELINE, { mode: 'replay', file }, {})).doc.status, 'completed');
    fs.writeFileSync(file, `{"key": oops\n${whole}`);
    await assert.rejects(run(PIPELINE, { mode: 'replay', file }, {}), { name: 'CassetteFileError', message: `${file}:1: this line of the cassette is not JSON` });
  });
});

describe('cassette: every model call of the run goes through it', function () {
  this.timeout(20_000);

  it('a nested pipeline and a run-time AUTO tag are recorded with their step ids and replayed offline', async () => {
    server.responder = (body) => ({ text: `answer to ${String((body.messages as { content: string }[]).at(-1)?.content).slice(0, 12)}` });
    const yaml = `id: outer
orchestrator: openai:gpt-4o-mini
steps:
  - id: first
    action: generate
    model: openai:gpt-4o-mini
    parameters: {prompt: "Name a color"}
  - id: second
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Describe <AUTO>A word like {{ first.result }}</AUTO>"
  - id: sub
    tool: pipeline-executor
    action: execute
    parameters:
      pipeline: |
        id: inner
        steps:
          - id: inner_gen
            action: generate
            model: openai:gpt-4o-mini
            parameters: {prompt: "Inner call"}
        outputs:
          out: "{{ inner_gen.result }}"
outputs:
  second: "{{ second.result }}"
  inner: "{{ sub.result.outputs.out }}"
`;
    const rec = await run(yaml, { mode: 'record', file }, keys());
    assert.equal(rec.doc.status, 'completed', JSON.stringify(rec.doc.steps));
    assert.equal(server.requests.length, 4);
    assert.deepEqual(readLines().map((l) => l.stepId).sort(), ['first', 'inner_gen', 'second', 'second']);
    await server.stop();
    const rep = await run(yaml, { mode: 'replay', file }, {});
    assert.equal(rep.doc.status, 'completed', JSON.stringify(rep.doc.steps));
    assert.deepEqual(rep.doc.outputs, { second: 'answer to Describe val', inner: 'answer to Inner call' });
    assert.deepEqual(rep.doc.outputs, rec.doc.outputs);
    assert.deepEqual(rep.doc.steps.second.auto, rec.doc.steps.second.auto);
    assert.deepEqual([rep.doc.tokens_in, rep.doc.tokens_out, rep.doc.cost_usd], [rec.doc.tokens_in, rec.doc.tokens_out, rec.doc.cost_usd]);
  });
});

describe('cassette: a tool that calls a model', function () {
  this.timeout(20_000);

  it('prompt-optimization records its structured call under its step id and replays it offline', async () => {
    server.fallback = { json: { optimized_prompt: 'Write a haiku about rain: 5-7-5.', applied_optimizations: ['clarity'], recommendations: ['Add an example.'] }, tokensIn: 70, tokensOut: 30 };
    const yaml = `id: p
steps:
  - id: opt
    tool: prompt-optimization
    action: execute
    model: openai:gpt-4o-mini
    parameters:
      prompt: "write a haiku about rain"
      optimization_goals: [clarity]
outputs:
  text: "{{ opt.optimized_prompt }}"
`;
    const rec = await run(yaml, { mode: 'record', file }, keys());
    assert.equal(rec.doc.status, 'completed', JSON.stringify(rec.doc.steps));
    assert.deepEqual(readLines().map((l) => [l.stepId, l.request.kind]), [['opt', 'structured']]);
    await server.stop();
    const rep = await run(yaml, { mode: 'replay', file }, {});
    assert.equal(rep.doc.status, 'completed', JSON.stringify(rep.doc.steps));
    assert.deepEqual(rep.doc.outputs, { text: 'Write a haiku about rain: 5-7-5.' });
    assert.deepEqual(timeless(rep.doc.steps.opt), timeless(rec.doc.steps.opt));
  });
});

describe('cassette: Anthropic and Google', function () {
  this.timeout(20_000);
  for (const [name, model] of [
    ['Anthropic', 'anthropic:claude-haiku-4-5'],
    ['Google', 'google:gemini-2.5-flash'],
  ]) {
    it(`${name}: a streamed and a structured step replay offline as recorded`, async () => {
      server.responder = (body) => (JSON.stringify(body).includes('Facts') ? { json: { title: 'T' }, tokensIn: 9, tokensOut: 4 } : { chunks: ['a', 'b c', '.'], tokensIn: 12, tokensOut: 3 });
      const yaml = `id: p
steps:
  - id: s
    action: generate
    model: ${model}
    parameters: {prompt: "Say"}
  - id: t
    action: generate_structured
    model: ${model}
    parameters: {prompt: "Facts"}
    vars: {title: The title.}
outputs:
  s: "{{ s.result }}"
  t: "{{ t.vars.title }}"
`;
      const rec = await run(yaml, { mode: 'record', file }, keys());
      assert.equal(rec.doc.status, 'completed', JSON.stringify(rec.doc.steps));
      await server.stop();
      assert.ok(!fs.readFileSync(file, 'utf8').includes(CANARY));
      const rep = await run(yaml, { mode: 'replay', file }, {});
      assert.equal(rep.doc.status, 'completed', JSON.stringify(rep.doc.steps));
      assert.deepEqual(rep.doc.outputs, { s: 'ab c.', t: 'T' });
      for (const id of ['s', 't']) assert.deepEqual(timeless(rep.doc.steps[id]), timeless(rec.doc.steps[id]), id);
      assert.deepEqual(textOf(rep.events, 's'), ['a', 'b c', '.']);
      assert.deepEqual([rep.doc.tokens_in, rep.doc.tokens_out, rep.doc.cost_usd], [rec.doc.tokens_in, rec.doc.tokens_out, rec.doc.cost_usd]);
    });
  }
});
