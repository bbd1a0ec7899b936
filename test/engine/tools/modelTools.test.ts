// ContextLab's model-backed tools (prompt-optimization, task-delegation, multi-model-routing, the
// image tools) and validation's modes and extract_structured: through the built CLI against the
// loopback OpenAI server (the real openai SDK on the wire), asserting the exact requests it received
// and the exact step results, tokens and cost.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner } from '../../../engine/models/index';
import type { ResultDocument, RunEvent, StepResult } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { BUILTIN_TOOLS } from '../../../engine/tools/registry';
import type { ToolOutcome } from '../../../engine/toolkit/runtime';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { CLI } from '../../helpers/cli';
import { toolContext } from '../../helpers/toolContext';

let server: LoopbackProviders;
let dir: string;

/** `orc run p.yaml --json` in `dir`, with no provider keys but the ones given. */
function orcRun(yaml: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; doc: ResultDocument; stderr: string }> {
  fs.writeFileSync(path.join(dir, 'p.yaml'), yaml);
  return new Promise((resolve, reject) => {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/API_KEY|BASE_URL|OLLAMA/.test(k)) clean[k] = v;
    const p = spawn(process.execPath, [CLI, 'run', 'p.yaml', '--json'], { cwd: dir, env: { ...clean, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => {
      try {
        resolve({ code, doc: JSON.parse(stdout) as ResultDocument, stderr });
      } catch {
        reject(new Error(`not a result document (exit ${code}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

const openai = () => ({ OPENAI_API_KEY: 'sk-test-openai', OPENAI_BASE_URL: `${server.origin}/v1` });
const userPrompt = (i: number) => (server.requests[i].body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')!.content;
const systemPrompt = (i: number) => (server.requests[i].body.messages as { role: string; content: string }[]).find((m) => m.role === 'system')?.content;
/** gpt-4o-mini: $0.15 in, $0.60 out per million tokens. */
const miniCost = (tin: number, tout: number) => (tin * 0.15 + tout * 0.6) / 1_000_000;
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
const resultOf = (s: StepResult) => s.result as Record<string, unknown>;

const ANALYSIS_SCHEMA = {
  type: 'object',
  properties: {
    task_type: { type: 'string', enum: ['code_generation', 'code_analysis', 'creative_writing', 'analysis', 'summarization', 'question_answering', 'translation', 'data_processing', 'general'] },
    complexity: { type: 'string', enum: ['simple', 'moderate', 'complex'] },
    required_capabilities: { type: 'array', items: { type: 'string', enum: ['json_mode', 'tools', 'vision'] } },
    response_format: { type: 'string', enum: ['text', 'json', 'structured'] },
    language: { type: ['string', 'null'] },
    domain: { type: ['string', 'null'] },
  },
  required: ['task_type', 'complexity', 'required_capabilities', 'response_format', 'language', 'domain'],
  additionalProperties: false,
};
const GUIDE = `For each task give:
- task_type: one of code_generation, code_analysis, creative_writing, analysis, summarization, question_answering, translation, data_processing, general;
- complexity: simple, moderate or complex;
- required_capabilities: which of json_mode (the answer must be JSON), tools (it needs function calling), vision (it needs to see images) it needs, often none;
- response_format: text, json or structured;
- language: the language of the answer (a human or programming language), or null;
- domain: its field (medical, legal, technical, finance, ...), or null.`;
const ANALYST = 'You analyze tasks so that each can be given to the most suitable language model. You judge the task; you do not do it.';

beforeEach(async () => {
  server = await new LoopbackProviders().start();
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-modeltools-')));
});
afterEach(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('model tools: prompt-optimization', function () {
  this.timeout(30_000);

  it('asks the step\'s model for a structured rewrite; returns ContextLab\'s fields with tokens and cost on the step and the run', async () => {
    const optimized = 'Task: Write a haiku about rain.\n\nFormat: three lines, 5-7-5 syllables.';
    server.script.push({ json: { optimized_prompt: optimized, applied_optimizations: ['clarity', 'clarity'], recommendations: ['Consider adding an example.'] }, tokensIn: 1000, tokensOut: 2000 });
    const { code, doc } = await orcRun(
      `id: p
steps:
  - id: opt
    tool: prompt-optimization
    action: execute
    model: openai:gpt-4o-mini
    parameters:
      prompt: "write a haiku about rain"
      model: "anthropic:claude-haiku-4-5"
      optimization_goals: [clarity, brevity]
      task: poetry
outputs:
  text: "{{ opt.optimized_prompt }}"
  tokens: "{{ opt.result.metrics.optimized_tokens }}"
`,
      openai(),
    );
    assert.equal(code, 0);
    const s = doc.steps.opt;
    assert.equal(s.status, 'completed', String(s.error));
    assert.equal(server.requests.length, 1);
    const body = server.requests[0].body;
    assert.equal(server.requests[0].path, '/v1/chat/completions');
    assert.equal(body.model, 'gpt-4o-mini');
    assert.equal(systemPrompt(0), 'You are an expert in writing prompts for language models.');
    assert.equal(
      userPrompt(0),
      `Optimize the prompt below for these goals:
- clarity: unambiguous wording, an explicit structure, and the output format stated
- brevity: fewer words with the same meaning
The prompt will be sent to the model anthropic:claude-haiku-4-5.
The prompt is for: poetry.
Keep its intent and every requirement it states.
Answer with optimized_prompt (the rewritten prompt only), applied_optimizations (the goals your rewrite applied) and recommendations (short advice for improving the prompt further).

Prompt:
<<<
write a haiku about rain
>>>`,
    );
    assert.deepEqual(body.response_format, {
      type: 'json_schema',
      json_schema: {
        name: 'answer',
        strict: true,
        schema: {
          type: 'object',
          properties: {
            optimized_prompt: { type: 'string' },
            applied_optimizations: { type: 'array', items: { type: 'string', enum: ['clarity', 'brevity'] } },
            recommendations: { type: 'array', items: { type: 'string' } },
          },
          required: ['optimized_prompt', 'applied_optimizations', 'recommendations'],
          additionalProperties: false,
        },
      },
    });
    // 24 characters: 6 tokens; the rewrite's 70: 17
    assert.deepEqual(s.result, {
      original_prompt: 'write a haiku about rain',
      optimized_prompt: optimized,
      model: 'anthropic:claude-haiku-4-5',
      applied_optimizations: ['clarity'],
      metrics: { original_tokens: 6, optimized_tokens: 17, token_reduction: -11, reduction_percentage: -183.33 },
      recommendations: ['Consider adding an example.'],
    });
    assert.equal(s.model, 'openai:gpt-4o-mini');
    assert.equal(s.tokens_in, 1000);
    assert.equal(s.tokens_out, 2000);
    close(s.cost_usd, miniCost(1000, 2000));
    assert.equal(doc.tokens_in, 1000);
    assert.equal(doc.tokens_out, 2000);
    close(doc.cost_usd, miniCost(1000, 2000));
    assert.deepEqual(doc.outputs, { text: optimized, tokens: 17 });
  });

  it('a prompt longer than max_tokens is shortened keeping its beginning and end; with no step model the target model answers', async () => {
    const long = 'a'.repeat(30) + 'b'.repeat(30);
    server.script.push({ json: { optimized_prompt: long, applied_optimizations: [], recommendations: [] } });
    const { doc } = await orcRun(
      `id: p
steps:
  - id: opt
    tool: prompt-optimization
    action: execute
    parameters:
      prompt: "Explain it"
      model: "gpt-4o-mini"
      optimization_goals: "['specificity']"
      max_tokens: 5
`,
      openai(),
    );
    const s = doc.steps.opt;
    assert.equal(s.status, 'completed', String(s.error));
    assert.equal(server.requests[0].body.model, 'gpt-4o-mini');
    assert.match(userPrompt(0), /^Optimize the prompt below for these goals:\n- specificity: concrete requests instead of vague ones\nThe prompt will be sent to the model gpt-4o-mini\.\n/);
    assert.match(userPrompt(0), /\nKeep the optimized prompt under about 5 tokens \(20 characters\)\.\n/);
    assert.deepEqual(resultOf(s).optimized_prompt, `${'a'.repeat(10)}\n[...truncated...]\n${'b'.repeat(10)}`);
    assert.deepEqual(resultOf(s).applied_optimizations, ['truncation']);
    assert.equal(resultOf(s).model, 'gpt-4o-mini');
    assert.equal(s.model, 'openai:gpt-4o-mini');
  });

  it('without a key it fails at once with the ConfigurationError a model action gives', async () => {
    const { code, doc } = await orcRun(
      `id: p
steps:
  - id: opt
    tool: prompt-optimization
    action: execute
    model: openai:gpt-4o-mini
    max_retries: 3
    parameters:
      prompt: "Say hi"
  - id: gen
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Say hi"
`,
      {},
    );
    assert.equal(code, 1);
    const msg = "No API key for provider 'openai': set OPENAI_API_KEY (or store one in the editor)";
    assert.equal(doc.steps.gen.error, msg);
    assert.equal(doc.steps.opt.error, msg);
    assert.equal(doc.steps.opt.error_type, 'ConfigurationError');
    assert.equal(doc.steps.opt.attempts, 1);
    assert.equal(server.requests.length, 0);
  });
});

describe('model tools: task-delegation', function () {
  this.timeout(30_000);

  it('one structured call analyzes the task; the configured registry models are scored and the best selected', async () => {
    server.script.push({ json: { task_type: 'code_generation', complexity: 'moderate', required_capabilities: [], response_format: 'text', language: 'Python', domain: null }, tokensIn: 100, tokensOut: 20 });
    const { code, doc } = await orcRun(
      `id: p
steps:
  - id: analyze_task
    tool: task-delegation
    action: execute
    model: openai:gpt-4o-mini
    parameters:
      task: "Write a Python function for fibonacci"
      requirements: {complexity: simple}
      cost_weight: 0.3
      quality_weight: 0.7
outputs:
  chosen: "{{ analyze_task.selected_model }}"
  kind: "{{ analyze_task.task_analysis.task_type }}"
`,
      openai(),
    );
    assert.equal(code, 0);
    assert.equal(server.requests.length, 1);
    assert.equal(systemPrompt(0), ANALYST);
    assert.equal(userPrompt(0), `Analyze this task.\n${GUIDE}\n\nTask:\n<<<\nWrite a Python function for fibonacci\n>>>`);
    assert.deepEqual(server.requests[0].body.response_format, { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: ANALYSIS_SCHEMA } });
    // only OpenAI has a key: its three registry models. All know code (+40); `simple` favours the
    // lightest (gpt-4o-mini, capability 2 of 3: +10); cost for 9 prompt tokens and 1000 out.
    const costs = { mini: (9 * 0.15 + 1000 * 0.6) / 1e6, o: (9 * 2.5 + 1000 * 10) / 1e6, four1: (9 * 0.4 + 1000 * 1.6) / 1e6 };
    const cs = (c: number) => 100 * (1 - c / costs.o);
    const score = (fit: number, c: number) => Number((0.7 * fit + 0.3 * cs(c)).toFixed(2));
    const s = doc.steps.analyze_task;
    assert.deepEqual(s.result, {
      selected_model: 'openai:gpt-4o-mini',
      score: score(50, costs.mini),
      reasons: ['Has expertise in code', 'Lightest candidate for a simple task', 'Estimated $0.000601 for the task'],
      estimated_cost: Number(costs.mini.toFixed(8)),
      estimated_latency: null,
      task_analysis: { task_type: 'code_generation', complexity: 'simple', required_capabilities: [], max_tokens: null, response_format: 'text', language: 'Python', domain: null },
      fallback_models: ['openai:gpt-4.1-mini', 'openai:gpt-4o'],
      all_scores: [
        { model: 'openai:gpt-4o-mini', score: score(50, costs.mini), reasons: ['Has expertise in code', 'Lightest candidate for a simple task', 'Estimated $0.000601 for the task'] },
        { model: 'openai:gpt-4.1-mini', score: score(40, costs.four1), reasons: ['Has expertise in code', 'Heavier than a simple task needs', 'Estimated $0.001604 for the task'] },
        { model: 'openai:gpt-4o', score: score(40, costs.o), reasons: ['Has expertise in code', 'Heavier than a simple task needs', 'Estimated $0.010023 for the task'] },
      ],
    });
    assert.equal(score(50, costs.mini), 63.2);
    assert.equal(s.tokens_in, 100);
    assert.equal(s.tokens_out, 20);
    close(s.cost_usd, miniCost(100, 20));
    assert.deepEqual(doc.outputs, { chosen: 'openai:gpt-4o-mini', kind: 'code_generation' });
  });
});

describe('model tools: multi-model-routing', function () {
  this.timeout(30_000);

  it('route: one call analyzes every task (exactly that many); each gets a recommendation within the budget', async () => {
    const a = (task_type: string, complexity: string) => ({ task_type, complexity, required_capabilities: [], response_format: 'text', language: null, domain: null });
    server.script.push({ json: { analyses: [a('summarization', 'simple'), a('code_generation', 'complex')] } });
    const { code, doc } = await orcRun(
      `id: p
steps:
  - id: assess
    tool: multi-model-routing
    action: execute
    model: openai:gpt-4o-mini
    parameters:
      action: route
      tasks:
        - task: "Summarize this"
          context: "AI is everywhere."
        - "Design a distributed cache"
      routing_strategy: quality
      constraints: {total_budget: 1}
outputs:
  first: "{{ assess.recommendations[0].model }}"
`,
      openai(),
    );
    assert.equal(code, 0, JSON.stringify(doc.steps.assess.error));
    assert.equal(server.requests.length, 1);
    assert.equal(userPrompt(0), `Analyze each of these 2 tasks, in order: answer with one analysis per task in 'analyses'.\n${GUIDE}\n\nTask 1:\n<<<\nSummarize this\n\nContext: AI is everywhere.\n>>>\n\nTask 2:\n<<<\nDesign a distributed cache\n>>>`);
    assert.deepEqual((server.requests[0].body.response_format as { json_schema: { schema: unknown } }).json_schema.schema, {
      type: 'object',
      properties: { analyses: { type: 'array', items: ANALYSIS_SCHEMA, minItems: 2, maxItems: 2 } },
      required: ['analyses'],
      additionalProperties: false,
    });
    const r = resultOf(doc.steps.assess);
    const recs = r.recommendations as { task_index: number; model: string; estimated_cost: number; reasons: string[] }[];
    // quality (0.9 fit): the simple summary goes to the lightest model, the complex design to gpt-4o (reasoning, strongest)
    assert.deepEqual(recs.map((x) => [x.task_index, x.model]), [[0, 'openai:gpt-4o-mini'], [1, 'openai:gpt-4o']]);
    assert.deepEqual(recs[1].reasons.slice(0, 3), ['Has expertise in code', 'Has expertise in reasoning', 'Strongest candidate for a complex task']);
    assert.equal(r.total_estimated_cost, Number((recs[0].estimated_cost + recs[1].estimated_cost).toFixed(8)));
    assert.deepEqual(r.models_selected, ['openai:gpt-4o-mini', 'openai:gpt-4o']);
    assert.equal(r.routing_strategy, 'quality');
    assert.equal(r.tasks_count, 2);
    assert.deepEqual(doc.outputs, { first: 'openai:gpt-4o-mini' });
  });

  it('route: a task the remaining budget cannot cover is a reported failure naming it', async () => {
    const a = { task_type: 'general', complexity: 'simple', required_capabilities: [], response_format: 'text', language: null, domain: null };
    server.script.push({ json: { analyses: [a, a] } });
    const { doc } = await orcRun(
      `id: p
steps:
  - id: assess
    tool: multi-model-routing
    action: route
    model: openai:gpt-4o-mini
    parameters:
      tasks: ["Say hi", "Say bye"]
      routing_strategy: cost
      constraints: {total_budget: 0.0007}
`,
      openai(),
    );
    const s = doc.steps.assess;
    assert.equal(s.status, 'completed');
    assert.equal(s.success, false);
    assert.equal(s.error, 'Task 2 cannot be routed within the remaining budget ($0.00009985 of total_budget $0.0007)');
    assert.deepEqual((resultOf(s).recommendations as { model: string }[]).map((x) => x.model), ['openai:gpt-4o-mini']);
  });

  it('optimize_batch: runs every task on the cheapest model within the per-task budget; results and the real cost', async () => {
    server.script.push({ text: 'Hola Mundo', tokensIn: 20, tokensOut: 5 }, { text: 'Bonjour', tokensIn: 30, tokensOut: 4 });
    const { code, doc } = await orcRun(
      `id: p
steps:
  - id: batch
    tool: multi-model-routing
    action: execute
    parameters:
      action: optimize_batch
      tasks:
        - "Translate to Spanish: Hello World"
        - "Translate to French: Good morning"
      optimization_goal: minimize_cost
      constraints:
        max_budget_per_task: 0.05
      max_tokens: 50
outputs:
  n: "{{ batch.results | length }}"
  used: "{{ batch.models_used | join(', ') }}"
`,
      openai(),
    );
    assert.equal(code, 0, String(doc.steps.batch.error));
    assert.deepEqual(
      server.requests.map((q) => [q.body.model, userPrompt(server.requests.indexOf(q)), q.body.max_tokens, q.body.stream]),
      [
        ['gpt-4o-mini', 'Translate to Spanish: Hello World', 50, true],
        ['gpt-4o-mini', 'Translate to French: Good morning', 50, true],
      ],
    );
    const s = doc.steps.batch;
    const total = Number((miniCost(20, 5) + miniCost(30, 4)).toFixed(8));
    assert.deepEqual(s.result, {
      results: ['Hola Mundo', 'Bonjour'],
      total_cost: total,
      average_cost: Number((total / 2).toFixed(8)),
      models_used: ['openai:gpt-4o-mini'],
      strategy: 'minimize_cost',
      optimization_goal: 'minimize_cost',
      task_count: 2,
    });
    assert.equal(s.tokens_in, 50);
    assert.equal(s.tokens_out, 9);
    close(s.cost_usd, miniCost(20, 5) + miniCost(30, 4));
    assert.deepEqual(doc.outputs, { n: 2, used: 'openai:gpt-4o-mini' });
  });

  it('execute: round_robin, least_loaded and cost_optimized route without a model call; capability_based analyzes the request', async () => {
    server.script.push({ json: { task_type: 'general', complexity: 'complex', required_capabilities: [], response_format: 'text', language: null, domain: null } });
    const { code, doc } = await orcRun(
      `id: p
steps:
  - id: r1
    tool: multi-model-routing
    action: execute
    parameters: {request: "x", models: ["openai:gpt-4o", "openai:gpt-4o-mini"], strategy: round_robin}
  - id: r2
    tool: multi-model-routing
    action: execute
    dependencies: [r1]
    parameters: {request: "x", models: ["openai:gpt-4o", "openai:gpt-4o-mini"], strategy: round_robin}
  - id: r3
    tool: multi-model-routing
    action: execute
    dependencies: [r2]
    parameters: {request: "x", models: ["openai:gpt-4o", "openai:gpt-4o-mini", "openai:gpt-4.1-mini"], strategy: least_loaded}
  - id: r4
    tool: multi-model-routing
    action: execute
    dependencies: [r3]
    parameters: {request: "x", models: "['openai:gpt-4o', 'openai:gpt-4o-mini']", strategy: cost_optimized, max_concurrent: 2}
  - id: r4b
    tool: multi-model-routing
    action: execute
    dependencies: [r4]
    parameters: {request: "x", models: "['openai:gpt-4o', 'openai:gpt-4o-mini']", strategy: cost_optimized, max_concurrent: 2}
  - id: r5
    tool: multi-model-routing
    action: execute
    model: openai:gpt-4o-mini
    dependencies: [r4b]
    parameters: {request: "Prove the theorem", models: ["openai:gpt-4o-mini", "openai:gpt-4o"]}
`,
      openai(),
    );
    assert.equal(code, 0, JSON.stringify(Object.values(doc.steps).map((x) => x.error)));
    const pick = (id: string) => {
      const r = resultOf(doc.steps[id]);
      return [r.selected_model, r.routing_reason, r.current_load, r.all_loads];
    };
    assert.deepEqual(pick('r1'), ['openai:gpt-4o', 'Round-robin selection', 1, { 'openai:gpt-4o': 1, 'openai:gpt-4o-mini': 0 }]);
    assert.deepEqual(pick('r2'), ['openai:gpt-4o-mini', 'Round-robin selection', 1, { 'openai:gpt-4o': 1, 'openai:gpt-4o-mini': 1 }]);
    assert.deepEqual(pick('r3'), ['openai:gpt-4.1-mini', 'Least loaded (current load: 0)', 1, { 'openai:gpt-4o': 1, 'openai:gpt-4o-mini': 1, 'openai:gpt-4.1-mini': 1 }]);
    assert.deepEqual(pick('r4'), ['openai:gpt-4o-mini', 'Lowest cost ($0.38 per million tokens, input and output averaged)', 2, { 'openai:gpt-4o': 1, 'openai:gpt-4o-mini': 2 }]);
    // gpt-4o-mini is at max_concurrent 2: gpt-4o is the only open one
    assert.deepEqual(pick('r4b'), ['openai:gpt-4o', 'Lowest cost ($6.25 per million tokens, input and output averaged)', 2, { 'openai:gpt-4o': 2, 'openai:gpt-4o-mini': 2 }]);
    assert.deepEqual(resultOf(doc.steps.r4).strategy, 'cost_optimized');
    assert.equal(resultOf(doc.steps.r5).selected_model, 'openai:gpt-4o');
    assert.equal(resultOf(doc.steps.r5).routing_reason, 'Best for the task: Has expertise in reasoning, Strongest candidate for a complex task');
    assert.equal(resultOf(doc.steps.r5).average_latency, null);
    assert.equal(server.requests.length, 1);
    assert.match(userPrompt(0), /\nTask:\n<<<\nProve the theorem\n>>>$/);
    for (const id of ['r1', 'r2', 'r3', 'r4', 'r4b']) assert.deepEqual([doc.steps[id].tokens_in, doc.steps[id].model], [0, null]);
  });
  it('execute: when every candidate is at max_concurrent the step reports a failure with the loads', async () => {
    const { doc } = await orcRun(
      `id: p
steps:
  - id: a
    tool: multi-model-routing
    action: execute
    parameters: {request: "x", models: ["openai:gpt-4o"], strategy: least_loaded, max_concurrent: 1}
  - id: b
    tool: multi-model-routing
    action: execute
    dependencies: [a]
    parameters: {request: "x", models: ["openai:gpt-4o"], strategy: least_loaded, max_concurrent: 1}
`,
      openai(),
    );
    assert.equal(resultOf(doc.steps.a).selected_model, 'openai:gpt-4o');
    assert.deepEqual([doc.steps.b.status, doc.steps.b.success, doc.steps.b.error], ['completed', false, 'All models are at capacity (max_concurrent 1)']);
    assert.deepEqual(doc.steps.b.result, { strategy: 'least_loaded', all_loads: { 'openai:gpt-4o': 1 } });
  });
});

describe('model tools: image tools', function () {
  this.timeout(30_000);

  it('are checked by the analyzer and fail at run time with the exact ConfigurationError, without retries', async () => {
    const { code, doc } = await orcRun(
      `id: p
steps:
  - id: gen
    tool: image-generation
    action: execute
    max_retries: 2
    parameters: {prompt: "a cat", size: "1024x1024", style: "watercolor", output_format: file, output_path: out, filename: cat.png}
  - id: look
    tool: image-analysis
    action: execute
    parameters: {image: "out/cat.png", analysis_type: describe, detail_level: high, output_format: json}
`,
      openai(),
    );
    assert.equal(code, 1);
    for (const [id, tool] of [['gen', 'image-generation'], ['look', 'image-analysis']]) {
      assert.equal(doc.steps[id].error, `image input/output is not supported by the models layer yet; the '${tool}' tool cannot run (no provider call here can send or receive an image). Call an image API with the http or terminal tool instead.`);
      assert.equal(doc.steps[id].error_type, 'ConfigurationError');
      assert.equal(doc.steps[id].attempts, 1);
    }
    assert.equal(server.requests.length, 0);
    assert.ok(!fs.existsSync(path.join(dir, 'out')));
  });
});

describe('model tools: validation.extract_structured', function () {
  this.timeout(30_000);

  it("ContextLab's example: a bare model name, a strict schema on the wire, optional nulls dropped, checked against the schema", async () => {
    server.script.push({ json: { name: 'John Doe', age: 30, email: 'john@example.com', phone: null }, tokensIn: 40, tokensOut: 12 });
    const { code, doc } = await orcRun(
      `id: p
steps:
  - id: extract_info
    tool: validation
    action: extract_structured
    parameters:
      text: "John Doe, age 30, email: john@example.com"
      schema:
        type: object
        properties:
          name: {type: string}
          age: {type: integer}
          email: {type: string, format: email}
          phone: {type: string, pattern: "^\\\\+?[1-9]\\\\d{1,14}$"}
        required: ["name", "email"]
      model: "gpt-4o-mini"
outputs:
  who: "{{ extract_info.data.name }}"
`,
      openai(),
    );
    assert.equal(code, 0, String(doc.steps.extract_info.error));
    assert.equal(server.requests[0].body.model, 'gpt-4o-mini');
    assert.equal(systemPrompt(0), 'You extract structured data from text, exactly and without invention.');
    assert.equal(userPrompt(0), 'Extract structured data from the text below. Use only what the text states; leave out (or set to null) what it does not say. Answer with a JSON object that matches the schema.\n\nText:\nJohn Doe, age 30, email: john@example.com');
    assert.deepEqual(server.requests[0].body.response_format, {
      type: 'json_schema',
      json_schema: {
        name: 'answer',
        strict: true,
        schema: {
          type: 'object',
          properties: { name: { type: 'string' }, age: { type: ['integer', 'null'] }, email: { type: 'string' }, phone: { type: ['string', 'null'], pattern: '^\\+?[1-9]\\d{1,14}$' } },
          required: ['name', 'age', 'email', 'phone'],
          additionalProperties: false,
        },
      },
    });
    const s = doc.steps.extract_info;
    assert.deepEqual(s.result, { valid: true, data: { name: 'John Doe', age: 30, email: 'john@example.com' }, errors: [], warnings: [], model_used: 'openai:gpt-4o-mini' });
    assert.equal(s.model, 'openai:gpt-4o-mini');
    assert.deepEqual([s.tokens_in, s.tokens_out], [40, 12]);
    close(s.cost_usd, miniCost(40, 12));
    assert.deepEqual(doc.outputs, { who: 'John Doe' });
  });

  it('an extraction that breaks a format the schema states is a reported failure listing the error', async () => {
    server.script.push({ json: { email: 'not an address' } });
    const { doc } = await orcRun(
      `id: p
steps:
  - id: x
    tool: validation
    action: extract_structured
    model: openai:gpt-4o-mini
    parameters:
      text: "Mail me"
      schema: {type: object, properties: {email: {type: string, format: email}}, required: [email]}
`,
      openai(),
    );
    const s = doc.steps.x;
    assert.equal(s.status, 'completed');
    assert.equal(s.success, false);
    assert.equal(s.error, 'The extracted data does not match the schema: /email must match format "email"');
    assert.deepEqual(resultOf(s).errors, [{ path: '/email', message: 'must match format "email"' }]);
  });

  it('without a key it fails with the ConfigurationError a model action gives', async () => {
    const { doc } = await orcRun(
      `id: p
steps:
  - id: x
    tool: validation
    action: extract_structured
    model: openai:gpt-4o-mini
    parameters: {text: "Mail me", schema: {type: object}}
`,
      {},
    );
    assert.equal(doc.steps.x.error, "No API key for provider 'openai': set OPENAI_API_KEY (or store one in the editor)");
    assert.equal(doc.steps.x.error_type, 'ConfigurationError');
  });
});

describe('model tools: validation modes', () => {
  const ctx = toolContext(os.tmpdir());
  const validate = (params: Record<string, unknown>): Promise<ToolOutcome> => BUILTIN_TOOLS.validation.run('validate', params, ctx);
  const schema = { type: 'object', required: ['id'], properties: { id: { type: 'integer' }, ok: { type: 'boolean' }, label: { type: 'string' } } };

  it('lenient converts what converts safely, reports each conversion, and fails on what remains', async () => {
    assert.deepEqual(await validate({ data: { id: '7', ok: 'yes', label: 12 }, schema, mode: 'lenient' }), {
      success: true,
      result: {
        valid: true,
        errors: [],
        warnings: [
          { path: '/id', message: 'must be integer', coerced_to: 7 },
          { path: '/ok', message: 'must be boolean', coerced_to: true },
          { path: '/label', message: 'must be string', coerced_to: '12' },
        ],
        data: { id: 7, ok: true, label: '12' },
        mode: 'lenient',
      },
    });
    assert.deepEqual(await validate({ data: { id: '7.5', ok: 'maybe' }, schema, mode: 'lenient' }), {
      success: false,
      result: { valid: false, errors: [{ path: '/id', message: 'must be integer' }, { path: '/ok', message: 'must be boolean' }], warnings: [], data: { id: '7.5', ok: 'maybe' }, mode: 'lenient' },
      error: 'Data does not match the schema: /id must be integer; /ok must be boolean',
    });
  });

  it('report_only never fails: valid false with the errors; strict fails', async () => {
    const data = { id: 'x' };
    assert.deepEqual(await validate({ data, schema, mode: 'report_only' }), {
      success: true,
      result: { valid: false, errors: [{ path: '/id', message: 'must be integer' }], warnings: [], data, mode: 'report_only' },
    });
    assert.equal((await validate({ data, schema, mode: 'strict' })).success, false);
  });

  it('JSON text is parsed; CSV text becomes rows typed by the schema, each row checked and numbered', async () => {
    assert.deepEqual(await validate({ data: '{"id": 3}', schema }), { success: true, result: { valid: true, errors: [], warnings: [], data: { id: 3 }, mode: 'strict' } });
    assert.deepEqual(await validate({ data: 'id,label\n1,a\nzz,b\n', schema }), {
      success: false,
      result: { valid: false, errors: [{ path: '/id', message: 'must be integer', row: 2 }], warnings: [], data: [{ id: 1, label: 'a' }, { id: 'zz', label: 'b' }], mode: 'strict', rows_validated: 2 },
      error: 'Data does not match the schema: row 2: /id must be integer',
    });
    // text meant to be text stays text; a list against an array schema is one value
    assert.deepEqual((await validate({ data: '{"a": 1}', schema: { type: 'string' } })).result, { valid: true, errors: [], warnings: [], data: '{"a": 1}', mode: 'strict' });
    assert.equal((await validate({ data: [{ id: 1 }], schema: { type: 'array', items: schema } })).result && 'rows_validated' in ((await validate({ data: [{ id: 1 }], schema: { type: 'array', items: schema } })).result as object), false);
  });

  it("an unknown mode (ContextLab's example says 'CSV') is strict, with a warning", async () => {
    assert.deepEqual(await validate({ data: { id: 1 }, schema, mode: 'CSV' }), {
      success: true,
      result: { valid: true, errors: [], warnings: [{ path: '/', message: "Unknown mode 'CSV': validated in strict mode (modes: strict, lenient, report_only)" }], data: { id: 1 }, mode: 'strict' },
    });
  });
});

describe('model tools: the analyzer and the run events', function () {
  this.timeout(30_000);

  it("accepts the fields each tool returns, as 'step.field' and 'step.result.field', and flags one it does not return", () => {
    const a = analyze(`id: p
steps:
  - id: opt
    tool: prompt-optimization
    action: execute
    parameters: {prompt: "x", model: "openai:gpt-4o", optimization_goals: [clarity], preserve_intent: true}
  - id: del
    tool: task-delegation
    action: execute
    parameters: {task: "x", requirements: {capabilities: [data-analysis]}}
  - id: use
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "{{ opt.optimized_prompt }} {{ opt.result.metrics.original_tokens }} {{ del.selected_model }} {{ del.task_analysis.complexity }} {{ opt.optimised_prompt }} {{ del.result.winner }}"
`);
    const errors = a.findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.message]);
    assert.deepEqual(errors, [
      [
        'template.unknown-step-field',
        "Step 'opt' has no field 'optimised_prompt': 'prompt-optimization.execute' returns 'original_prompt', 'optimized_prompt', 'model', 'applied_optimizations', 'metrics', 'recommendations'; a step has result, status, success, error, error_type, vars, ... Did you mean 'optimized_prompt'?",
      ],
      [
        'template.unknown-result-field',
        "The result of 'task-delegation.execute' has no field 'winner': it has 'selected_model', 'score', 'reasons', 'estimated_cost', 'estimated_latency', 'task_analysis', 'fallback_models', 'all_scores'.",
      ],
    ]);
  });

  it('tool model calls emit model-call events and stream their text into the step output', async () => {
    server.script.push({ chunks: ['Ho', 'la'], tokensIn: 3, tokensOut: 2 });
    const a = analyze(`id: p
steps:
  - id: batch
    tool: multi-model-routing
    action: optimize_batch
    parameters: {tasks: ["Translate: hello"]}
`);
    const events: RunEvent[] = [];
    const models = createModelRunner({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${server.origin}/v1` } });
    const doc = await runPipeline(a, { cwd: dir, checkpoint: false, models, listeners: [(e) => events.push(e)] });
    assert.equal(doc.steps.batch.status, 'completed', String(doc.steps.batch.error));
    const text = events.filter((e): e is Extract<RunEvent, { type: 'step-output' }> => e.type === 'step-output' && e.stepId === 'batch' && e.stream === 'text').map((e) => e.chunk);
    assert.deepEqual(text, ['Ho', 'la']);
    const calls = events.filter((e): e is Extract<RunEvent, { type: 'model-call' }> => e.type === 'model-call');
    assert.equal(calls.length, 1);
    assert.deepEqual({ ...calls[0], time: 0, latency_ms: 0, wait_ms: 0 }, { type: 'model-call', time: 0, stepId: 'batch', scope: [], model: 'openai:gpt-4o-mini', tokens_in: 3, tokens_out: 2, cost_usd: doc.steps.batch.cost_usd, latency_ms: 0, wait_ms: 0, attempts: 1, provider: 'openai', response_model: 'gpt-4o-mini', finish_reasons: ['stop'], max_tokens: 500, temperature: null });
    assert.deepEqual(resultOf(doc.steps.batch).results, ['Hola']);
  });
});
