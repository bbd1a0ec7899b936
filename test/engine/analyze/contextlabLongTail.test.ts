// ContextLab's long tail (issue 28, item 6): the patterns of its example pipelines that still read as
// errors here, each in a small document of our own with its exact findings and what a run does with
// it. What stays an error is a real mistake in ContextLab too.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import type { ResultDocument } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import type { ModelRunner } from '../../../engine/models/modelRunner';
import { compact, doc } from '../../helpers/findings';

function tmpdir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-longtail-')));
}

/** A model layer that answers each prompt with a fixed text and keeps the prompts it was sent. */
function recordingModels(answers: Record<string, string>): { models: ModelRunner; prompts: Record<string, string> } {
  const prompts: Record<string, string> = {};
  const models: ModelRunner = {
    async select() {
      return { model: 'openai:gpt-4o-mini', reason: 'test' };
    },
    async run(req) {
      prompts[req.stepId ?? '?'] = String(req.params.prompt);
      const value = answers[req.stepId ?? ''] ?? 'ok';
      return { value, model: req.model, tokens_in: 1, tokens_out: 1, cost_usd: 0 };
    },
  };
  return { models, prompts };
}

describe("ContextLab's long tail", function () {
  this.timeout(30_000);

  it('a bare {{ step_id }} renders that step\'s result into the prompt (not the step record), and is the result when used whole', async () => {
    const text = doc(
      'id: bare-step',
      'model: openai:gpt-4o-mini',
      'steps:',
      '  - id: draft',
      '    action: generate_text',
      '    parameters: {prompt: Write a line}',
      '  - id: review',
      '    action: generate_text',
      '    dependencies: [draft]',
      '    parameters:',
      '      prompt: "Review: {{ draft }} ({{ draft.status }})"',
      '  - id: keep',
      '    action: generate_text',
      '    dependencies: [draft]',
      '    parameters:',
      '      prompt: "{{ draft }}"',
    );
    const a = analyze(text);
    assert.deepEqual(a.findings.map(compact), []);
    const { models, prompts } = recordingModels({ draft: 'Roses are red.' });
    const r: ResultDocument = await runPipeline(a, { cwd: tmpdir(), checkpoint: false, models });
    assert.equal(r.status, 'completed');
    assert.equal(prompts.review, 'Review: Roses are red. (completed)');
    assert.equal(prompts.keep, 'Roses are red.');
  });
});

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'contextlabLongTail');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

/** Runs a fixture in a fresh folder with the engine's own tools; the folder and the result. */
async function runFixture(name: string): Promise<{ dir: string; r: ResultDocument }> {
  const dir = tmpdir();
  fs.copyFileSync(path.join(FIXTURES, name), path.join(dir, name));
  const a = analyze(fixture(name));
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error').map(compact), []);
  const r = await runPipeline(a, { cwd: dir, checkpoint: false, pipelineFile: path.join(dir, name) });
  return { dir, r };
}
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

describe("ContextLab's long tail: its example pipelines' shapes", function () {
  this.timeout(60_000);

  it("add_completion_task on a loop is a warning with its reason; the loop and the step after it run", async () => {
    assert.deepEqual(analyze(fixture('loopCompletion.yaml')).findings.map(compact), [
      ['compat.ignored-key', 'warning', "'add_completion_task' in a step is ContextLab's and is ignored here: a loop here ends as one step once every item is done (later steps wait for the loop step itself), so there is no completion task to add.", '10:4-10:23'],
    ]);
    const { dir, r } = await runFixture('loopCompletion.yaml');
    assert.equal(r.status, 'completed');
    assert.deepEqual([read(dir, 'output/0.txt'), read(dir, 'output/1.txt'), read(dir, 'output/summary.txt')], ['checked site a', 'checked site b', '2 sources checked']);
  });

  it('a tool step whose action is a sentence runs the tool\'s only action, or the one its parameters name; no findings', async () => {
    assert.deepEqual(analyze(fixture('describedToolSteps.yaml')).findings.map(compact), []);
    const { dir, r } = await runFixture('describedToolSteps.yaml');
    assert.equal(r.status, 'completed', JSON.stringify(r.steps));
    assert.deepEqual(r.outputs, { answer: '42', file: 'output/answer.txt' });
    assert.equal(read(dir, 'output/answer.txt'), '42');
    assert.equal((r.steps.compute.result as { stdout: string }).stdout, '42\n');
  });

  it('a sentence stays an error where the tool has several actions and its parameters name none (ContextLab fails there too)', () => {
    const text = doc(
      'id: vague',
      'steps:',
      '  - id: save',
      '    action: "Save the answer"',
      '    tool: filesystem',
      '    parameters: {path: out.txt, content: hi}',
    );
    assert.deepEqual(analyze(text).findings.map(compact), [
      ['action.unknown', 'error', "Tool 'filesystem' has no action 'Save the answer'. It has 'read', 'write', 'append', 'copy', 'move', 'delete', 'list', 'exists'.", '3:12-3:29'],
    ]);
  });

  it('an inline sub-pipeline reads the inputs its step passes without declaring them, in the analysis and the run', async () => {
    assert.deepEqual(analyze(fixture('inlineInputs.yaml')).findings.map(compact), []);
    const { dir, r } = await runFixture('inlineInputs.yaml');
    assert.equal(r.status, 'completed', JSON.stringify(r.steps));
    assert.deepEqual(r.outputs, { label: 'two rows' });
    assert.deepEqual((r.steps.prepare.result as { outputs: unknown }).outputs, { written: 'output/count.txt', label: 'two rows' });
    assert.equal(read(dir, 'output/count.txt'), '2 rows: two rows');
    // a name the step does not pass is still unknown inside it
    const text = fixture('inlineInputs.yaml').replace('        label: "two rows"\n', '');
    assert.deepEqual(analyze(text).findings.map(compact), [
      ['template.unknown-name', 'error', "In the inline pipeline: Unknown name 'label' in template: not a parameter, a step or a loop variable.", '16:60-16:65'],
      ['template.unknown-name', 'error', "In the inline pipeline: Unknown name 'label' in template: not a parameter, a step or a loop variable.", '19:21-19:26'],
    ]);
  });

  it("top-level variables read as variables.<name>; a step's outputs declaration is a warning; an unknown variable is an error", async () => {
    assert.deepEqual(analyze(fixture('variablesAndStepOutputs.yaml')).findings.map(compact), [
      ['compat.ignored-key', 'warning', "'outputs' in a step is ContextLab's and is ignored here: a step's result is what its action returns (read its fields as '<step>.result.<field>'); a pipeline's outputs are the top-level 'outputs'.", '12:4-12:11'],
    ]);
    const { dir, r } = await runFixture('variablesAndStepOutputs.yaml');
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.outputs, { stage: 'draft' });
    assert.equal(read(dir, 'output/state.txt'), 'stage draft needs 0.8');
    const wrong = fixture('variablesAndStepOutputs.yaml').replace('{{ variables.stage }}"\n', '{{ variables.stag }}"\n');
    assert.deepEqual(analyze(wrong).findings.filter((f) => f.severity === 'error').map(compact), [
      ['template.unknown-name', 'error', "No variable 'stag': the pipeline's variables are 'threshold', 'stage'. Did you mean 'stage'?", '17:23-17:27'],
    ]);
  });

  it('visualization draws SVG charts of the data and a dashboard that shows them', async () => {
    assert.deepEqual(analyze(fixture('charts.yaml')).findings.map(compact), []);
    const { dir, r } = await runFixture('charts.yaml');
    assert.equal(r.status, 'completed', JSON.stringify(r.steps));
    assert.deepEqual(r.outputs, { charts: ['output/charts/bar_chart.svg', 'output/charts/pie_chart.svg'], page: 'output/dashboard.html' });
    assert.deepEqual(r.steps.draw.result, {
      charts: ['output/charts/bar_chart.svg', 'output/charts/pie_chart.svg'],
      files: ['output/charts/bar_chart.svg', 'output/charts/pie_chart.svg'],
      count: 2,
      output_dir: 'output/charts',
      chart_types: ['bar', 'pie'],
      skipped: [],
      format: 'svg',
    });
    const bar = read(dir, 'output/charts/bar_chart.svg');
    assert.match(bar, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const labels = [...bar.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(labels.filter((l) => l.startsWith('region:')), ['region: North; sales: 120', 'region: South; sales: 200', 'region: East; sales: 90']);
    assert.ok(labels.includes("Title text 'Sales by region'"), labels.join('\n'));
    const pie = read(dir, 'output/charts/pie_chart.svg');
    const slices = [...pie.matchAll(/aria-label="(sales: [^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(slices, ['sales: 120; region: North', 'sales: 200; region: South', 'sales: 90; region: East']);
    const page = read(dir, 'output/dashboard.html');
    assert.match(page, /<title>Sales<\/title>/);
    assert.equal((page.match(/<figure><svg /g) ?? []).length, 2);
    assert.deepEqual([...page.matchAll(/<figcaption>([^<]*)<\/figcaption>/g)].map((m) => m[1]), ['bar_chart.svg', 'pie_chart.svg']);
  });

  it("visualization's auto chart types are ContextLab's choice for the columns; a type the data cannot make is skipped with its reason", async () => {
    const text = doc(
      'id: auto-charts',
      'steps:',
      '  - id: draw',
      '    tool: visualization',
      '    action: create_charts',
      '    parameters:',
      '      data: "month,city,rain,sun\\n2024-01,Oslo,80,40\\n2024-02,Rome,60,120\\n2024-03,Oslo,50,90"',
      '      output_dir: charts',
      '  - id: numbers_only',
      '    tool: visualization',
      '    action: create_charts',
      '    parameters:',
      '      data: [{"a": 1}, {"a": 2}]',
      '      chart_types: [pie, histogram]',
      '      format: png',
      '      output_dir: charts2',
    );
    const a = analyze(text);
    assert.deepEqual(a.findings.map(compact), []);
    const dir = tmpdir();
    const r = await runPipeline(a, { cwd: dir, checkpoint: false });
    assert.equal(r.status, 'completed', JSON.stringify(r.steps));
    const draw = r.steps.draw.result as { chart_types: string[]; charts: string[] };
    assert.deepEqual(draw.chart_types, ['line', 'bar', 'scatter', 'histogram', 'pie']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'charts')).sort(), ['bar_chart.svg', 'histogram_chart.svg', 'line_chart.svg', 'pie_chart.svg', 'scatter_chart.svg']);
    const only = r.steps.numbers_only.result as Record<string, unknown>;
    assert.deepEqual(only.skipped, [{ type: 'pie', reason: 'a pie chart needs a text column' }]);
    assert.deepEqual(only.charts, ['charts2/histogram_chart.svg']);
    assert.equal(only.note, 'PNG was asked for: the charts are SVG files (any browser or image viewer shows them)');
  });
});

describe("ContextLab's long tail: a bare step id in a condition", function () {
  this.timeout(30_000);

  it('tests and compares as the step\'s result: a false answer skips, braces or not', async () => {
    const text = doc(
      'id: bare-condition',
      'model: openai:gpt-4o-mini',
      'steps:',
      '  - id: check',
      '    action: evaluate_condition',
      '    parameters: {condition: "Is it raining?"}',
      '  - id: braces',
      '    action: generate',
      '    dependencies: [check]',
      '    condition: "{{ check }}"',
      '    parameters: {prompt: Umbrella}',
      '  - id: bare',
      '    action: generate',
      '    dependencies: [check]',
      '    condition: check',
      '    parameters: {prompt: Umbrella}',
      '  - id: compared',
      '    action: generate',
      '    dependencies: [check]',
      '    condition: "{{ check == false }}"',
      '    parameters: {prompt: Sunglasses}',
    );
    const a = analyze(text);
    assert.deepEqual(a.findings.map(compact), []);
    const models: ModelRunner = {
      async run(req) {
        return { value: req.action === 'evaluate_condition' ? false : 'ok', model: req.model, tokens_in: 1, tokens_out: 1, cost_usd: 0 };
      },
    };
    const r = await runPipeline(a, { cwd: tmpdir(), checkpoint: false, models });
    assert.equal(r.steps.check.result, false);
    assert.deepEqual([r.steps.braces.status, r.steps.bare.status, r.steps.compared.status], ['skipped', 'skipped', 'completed']);
  });
});

describe("ContextLab's long tail, round three: tool steps its dispatcher runs whatever their action says", function () {
  this.timeout(30_000);

  it("filesystem reads its operation from parameters.action, 'action: filesystem' is the filesystem tool, terminal's execute_command is execute; no findings, and the run does it", async () => {
    const text = doc(
      'id: action-words',
      'steps:',
      '  - id: shell',
      '    tool: terminal',
      '    action: execute_command',
      '    parameters: {command: "printf hi"}',
      '  - id: save',
      '    action: filesystem',
      '    dependencies: [shell]',
      '    parameters:',
      '      action: write',
      '      path: out/note.txt',
      '      content: "{{ shell.stdout }}"',
      '  - id: listing',
      '    tool: filesystem',
      '    action: execute',
      '    dependencies: [save]',
      '    parameters: {action: list, path: out}',
      'outputs:',
      '  count: "{{ listing.count }}"',
      '  written: "{{ save.path }}"',
    );
    const a = analyze(text);
    assert.deepEqual(a.findings.map(compact), []);
    const dir = tmpdir();
    const r = await runPipeline(a, { cwd: dir, checkpoint: false });
    assert.equal(r.status, 'completed', JSON.stringify(r.steps));
    assert.equal(read(dir, 'out/note.txt'), 'hi');
    assert.deepEqual(r.outputs, { count: 1, written: 'out/note.txt' });
  });

  it("an action word a tool of several actions does not have stays an error, and so does action: filesystem with no operation (ContextLab fails there too); terminal takes ContextLab's execute_command, not any word", () => {
    const text = doc(
      'id: wrong-words',
      'steps:',
      '  - id: fetch',
      '    tool: headless-browser',
      '    action: extract',
      '    parameters: {url: "https://example.com"}',
      '  - id: save',
      '    action: filesystem',
      '    parameters: {path: out.txt, content: hi}',
      '  - id: store',
      '    tool: filesystem',
      '    action: execute',
      '    parameters: {path: out.txt, content: hi}',
      '  - id: shell',
      '    tool: terminal',
      '    action: run',
      '    parameters: {command: ls}',
    );
    assert.deepEqual(analyze(text).findings.filter((f) => f.severity === 'error').map(compact), [
      ['action.unknown', 'error', "Tool 'headless-browser' has no action 'extract'. It has 'scrape', 'scrape_js', 'verify', 'screenshot'.", '4:12-4:19'],
      ['action.unknown', 'error', "Unknown action 'filesystem'. Built-in actions: generate, generate_structured, analyze_text, evaluate_condition, agent, embed; other actions need a 'tool'.", '7:12-7:22'],
      ['action.unknown', 'error', "Tool 'filesystem' has no action 'execute'. It has 'read', 'write', 'append', 'copy', 'move', 'delete', 'list', 'exists'.", '11:12-11:19'],
      ['action.unknown', 'error', "Tool 'terminal' has no action 'run'. It has 'execute'.", '15:12-15:15'],
    ]);
  });

  it("analyze_text with a prompt and no text is accepted, as ContextLab reads the prompt as the whole request; with neither it needs 'text'", async () => {
    const text = doc(
      'id: analyze-prompt',
      'model: openai:gpt-4o-mini',
      'steps:',
      '  - id: trends',
      '    action: analyze_text',
      '    parameters:',
      '      analysis_type: trends',
      '      prompt: "Sales went 1, 2, 4: describe the trend"',
    );
    const a = analyze(text);
    assert.deepEqual(a.findings.map(compact), []);
    const { models, prompts } = recordingModels({ trends: 'doubling' });
    const r = await runPipeline(a, { cwd: tmpdir(), checkpoint: false, models });
    assert.equal(r.status, 'completed', JSON.stringify(r.steps));
    assert.equal(r.steps.trends.result, 'doubling');
    assert.equal(prompts.trends, 'Sales went 1, 2, 4: describe the trend');
    const neither = text.replace('      prompt: "Sales went 1, 2, 4: describe the trend"\n', '');
    assert.deepEqual(analyze(neither).findings.map(compact), [
      ['param.missing', 'error', "'analyze_text' needs the parameter 'text'.", '5:4-5:14'],
    ]);
  });
});

describe("ContextLab's long tail, round three: {{ file:PATH }} includes a file", function () {
  this.timeout(30_000);

  const pipeline = (include: string) =>
    doc(
      'id: include',
      'parameters:',
      '  topic: {type: string, default: rain}',
      'steps:',
      '  - id: save',
      '    tool: filesystem',
      '    action: write',
      '    parameters:',
      '      path: out.txt',
      '      content: |',
      `        {{ file:${include} }}`,
      '        {{ file: notes.md }} Topic: {{ topic }}',
    );

  it('reads as include_file: no findings; the run puts the text of the file in, from the working directory or its prompts/ (ContextLab\'s folders)', async () => {
    const text = pipeline('prompts/system.txt');
    const a = analyze(text);
    assert.deepEqual(a.findings.map(compact), []);
    const dir = tmpdir();
    fs.mkdirSync(path.join(dir, 'prompts'));
    fs.writeFileSync(path.join(dir, 'prompts', 'system.txt'), 'You are careful.');
    fs.writeFileSync(path.join(dir, 'prompts', 'notes.md'), '- {{ not rendered }}');
    const r = await runPipeline(a, { cwd: dir, checkpoint: false });
    assert.equal(r.status, 'completed', JSON.stringify(r.steps));
    assert.equal(read(dir, 'out.txt'), 'You are careful.\n- {{ not rendered }} Topic: rain\n');
  });

  it('a file outside the workspace or one that is missing fails the step with its reason', async () => {
    const dir = tmpdir();
    fs.mkdirSync(path.join(dir, 'work'));
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
    fs.writeFileSync(path.join(dir, 'work', 'notes.md'), 'n');
    const outside = await runPipeline(analyze(pipeline('../secret.txt')), { cwd: path.join(dir, 'work'), checkpoint: false });
    assert.equal(outside.status, 'failed');
    assert.equal(outside.steps.save.error, 'Could not render the parameters: An included file escapes the workspace: ../secret.txt');
    const missing = await runPipeline(analyze(pipeline('gone.txt')), { cwd: path.join(dir, 'work'), checkpoint: false });
    assert.equal(missing.steps.save.error, 'Could not render the parameters: An included file was not found: gone.txt (looked in ./, prompts/, templates/, includes/, content/)');
    assert.equal(fs.existsSync(path.join(dir, 'work', 'out.txt')), false);
  });
});
