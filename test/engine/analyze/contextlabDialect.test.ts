// ContextLab files (issue #74 item 15): a pipeline whose file is not named `*.pipeline.yaml` is read
// as ContextLab's, and what ContextLab's own compiler accepts is a warning saying what happens here,
// not an error. Each category with a ContextLab-style fixture: the exact findings of the same text as
// this format's file (before) and as a ContextLab file (after), and a real error of the category that
// stays an error. The run of such a file reaches the step and fails it with the reason.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { isContextlabFile, parsePath } from '../../../engine/analyze/contextlabDialect';
import { runPipeline } from '../../../engine/run/runPipeline';
import { compact } from '../../helpers/findings';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'contextlabDialect');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, `${name}.yaml`), 'utf8');
/** The findings of a fixture analysed as the file `name` (what `orc validate FILE` and the editor pass). */
const findingsAs = (text: string, name: string) => analyze(text, { pipelineFile: path.join('/work', name) }).findings.map(compact);
const TOOLS = 'Tools: filesystem, terminal, http, data, validation, pipeline, prompt-optimization, task-delegation, multi-model-routing, image-analysis, image-generation, data-processing, report-generator, pipeline-executor, mcp-server, mcp-memory, user-prompt, approval-gate, feedback-collection, web-search, python-executor, headless-browser, pdf-compiler, sql, object-storage, visualization.';

describe('ContextLab files: what ContextLab accepts is a warning, a real error stays one', function () {
  this.timeout(30_000);

  it('a ContextLab file is a pipeline file not named *.pipeline.yaml', () => {
    assert.equal(isContextlabFile('/w/examples/research.yaml'), true);
    assert.equal(isContextlabFile('/w/examples/research.yml'), true);
    assert.equal(isContextlabFile('/w/research.pipeline.yaml'), false);
    assert.equal(isContextlabFile('/w/Research.Pipeline.YML'), false);
    // a text with no file (an untitled editor, stdin) is this format's
    assert.equal(isContextlabFile(undefined), false);
    assert.deepEqual(parsePath('steps[0].parameters["a b"]'), ['steps', 0, 'parameters', 'a b']);
  });

  it('unknown keys: a warning with a Remove fix; a key two letters from a known one stays an error', () => {
    const text = fixture('unknownKeys');
    assert.deepEqual(findingsAs(text, 'unknownKeys.pipeline.yaml'), [
      ['schema.unknown-key', 'error', "Unknown key 'data' in the pipeline.", '4:0-4:4'],
      ['schema.unknown-key', 'error', "Unknown key 'notes' in a step.", '10:4-10:9'],
      ['schema.unknown-key', 'error', "Unknown key 'dependecies' in a step. Did you mean 'dependencies'?", '16:4-16:15'],
    ]);
    const a = analyze(text, { pipelineFile: '/work/unknownKeys.yaml' });
    assert.deepEqual(a.findings.map(compact), [
      ['compat.unknown-key', 'warning', "Unknown key 'data' in the pipeline. ContextLab ignores a key it does not know, and so is this one ignored here: nothing reads it.", '4:0-4:4'],
      ['compat.unknown-key', 'warning', "Unknown key 'notes' in a step. ContextLab ignores a key it does not know, and so is this one ignored here: nothing reads it.", '10:4-10:9'],
      ['schema.unknown-key', 'error', "Unknown key 'dependecies' in a step. Did you mean 'dependencies'?", '16:4-16:15'],
    ]);
    assert.deepEqual(a.findings.map((f) => f.fixes ?? []), [
      [{ title: "Remove 'data'", edits: [{ range: { start: { line: 4, character: 0 }, end: { line: 6, character: 0 } }, newText: '' }] }],
      [{ title: "Remove 'notes'", edits: [{ range: { start: { line: 10, character: 0 }, end: { line: 11, character: 0 } }, newText: '' }] }],
      [],
    ]);
  });

  it("unknown tools: ContextLab's own tool not built here is a warning; a tool ContextLab lacks too stays an error", () => {
    const text = fixture('tools');
    assert.deepEqual(findingsAs(text, 'tools.pipeline.yaml'), [
      ['tool.unknown', 'error', `Unknown tool 'audio-processing'. ${TOOLS}`, '6:10-6:26'],
      ['tool.unknown', 'error', `Unknown tool 'aws-s3'. ${TOOLS}`, '11:10-11:16'],
    ]);
    assert.deepEqual(findingsAs(text, 'tools.yaml'), [
      ['compat.unsupported-tool', 'warning', "Tool 'audio-processing' is ContextLab's and is not built in this orchestrator: ContextLab runs the step, here it fails when the run reaches it.", '6:10-6:26'],
      ['tool.unknown', 'error', `Unknown tool 'aws-s3'. ${TOOLS}`, '11:10-11:16'],
    ]);
  });

  it("steps without an action: ContextLab's create_parallel_queue step is one warning; a tool step with no action stays an error", () => {
    const text = fixture('stepKinds');
    assert.deepEqual(findingsAs(text, 'stepKinds.pipeline.yaml'), [
      ['step.missing-action', 'error', "Step 'verify_all' has no 'action': use one of 'generate', 'generate_structured', 'analyze_text', 'evaluate_condition', 'agent', 'embed'.", '10:8-10:18'],
      ['schema.unknown-key', 'error', "Unknown key 'create_parallel_queue' in a step.", '12:4-12:25'],
      ['step.missing-action', 'error', "Step 'list_files' has no 'action': use one of 'execute'.", '18:8-18:18'],
    ]);
    assert.deepEqual(findingsAs(text, 'stepKinds.yaml'), [
      ['compat.unsupported-step', 'warning', "Step 'verify_all' is ContextLab's create_parallel_queue step: ContextLab runs it, this orchestrator does not (the step fails when the run reaches it).", '10:8-10:18'],
      ['step.missing-action', 'error', "Step 'list_files' has no 'action': use one of 'execute'.", '18:8-18:18'],
    ]);
    const loop = text.replace(/ {4}create_parallel_queue:[^]*?(?= {2}- id: list_files)/, '    action_loop:\n      - action: "check the sources"\n        tool: terminal\n    until: "{{ sources.stdout }}"\n');
    assert.deepEqual(findingsAs(loop, 'stepKinds.yaml')[0], ['compat.unsupported-step', 'warning', "Step 'verify_all' is ContextLab's action_loop step: ContextLab runs it, this orchestrator does not (the step fails when the run reaches it).", '10:8-10:18']);
  });

  it("unclosed <AUTO> tags: `model: <AUTO>` written in a text is ContextLab's marker, a tag may span lines, a tag left open stays an error", () => {
    const text = fixture('autoTags');
    const expected = [['auto.unclosed', 'error', "An <AUTO> tag without its closing '</AUTO>'.", '23:15-23:21']];
    // ContextLab's own form, in either kind of file (it was an auto.unclosed error on its line, 13:19-13:25, before)
    assert.deepEqual(findingsAs(text, 'autoTags.pipeline.yaml'), expected);
    assert.deepEqual(findingsAs(text, 'autoTags.yaml'), expected);
    const a = analyze(text, { pipelineFile: '/work/autoTags.yaml' });
    assert.deepEqual(a.autoTags.map((t) => [t.text, `${t.range.start.line}:${t.range.start.character}-${t.range.end.line}:${t.range.end.character}`]), [['Which of these approaches is simplest?', '18:15-19:38']]);
    // a bare <AUTO> left open anywhere else (not a `model:` line's whole value) is still unclosed
    const prompt = text.replace('            model: <AUTO>', '            prompt: <AUTO>');
    assert.deepEqual(findingsAs(prompt, 'autoTags.yaml')[0], ['auto.unclosed', 'error', "An <AUTO> tag without its closing '</AUTO>'.", '13:20-13:26']);
  });

  it("template names ContextLab's run gives (execution_id, execution_time) are defined, and render; a name defined nowhere stays an error", async () => {
    const text = ['id: names', 'steps:', '  - id: stamp', '    tool: terminal', '    action: execute', '    parameters:', '      command: "echo {{ execution_id }} {{ execution_time }}"', 'outputs:', '  took: "{{ execution_time }}"', '  when: "{{ current_timestamp }}"', ''].join('\n');
    const before = "Unknown name 'current_timestamp' in template: not a parameter, a step or a loop variable.";
    assert.deepEqual(findingsAs(text, 'names.yaml').map((f) => [f[0], f[1], f[3]]), [['template.unknown-name', 'error', '9:12-9:29']]);
    assert.ok(findingsAs(text, 'names.yaml')[0][2].startsWith(before), findingsAs(text, 'names.yaml')[0][2]);
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-contextlab-names-')));
    try {
      const runnable = text.replace(/ {2}when: .*\n/, '');
      fs.writeFileSync(path.join(dir, 'names.yaml'), runnable);
      const a = analyze(runnable, { pipelineFile: path.join(dir, 'names.yaml') });
      assert.deepEqual(a.findings.map(compact), []);
      const r = await runPipeline(a, { cwd: dir, checkpoint: false, pipelineFile: path.join(dir, 'names.yaml') });
      assert.equal(r.status, 'completed');
      const [id, seconds] = String((r.steps.stamp.result as { stdout: string }).stdout).trim().split(' ');
      assert.equal(id, r.execution_id);
      assert.ok(Number(seconds) >= 0 && Number.isFinite(Number(seconds)), seconds);
      assert.ok(Number(r.outputs.took) >= Number(seconds), JSON.stringify(r.outputs));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ContextLab's declarative format (advanced_steps, type: workflow) is not lowered: it is not the format read here", () => {
    const text = fixture('unknownKeys').replace('name: Unknown keys\n', 'name: Unknown keys\ntype: workflow\n');
    assert.deepEqual(findingsAs(text, 'declarative.yaml').map((f) => [f[0], f[1]]), [
      ['schema.unknown-key', 'error'],
      ['schema.unknown-key', 'error'],
      ['schema.unknown-key', 'error'],
      ['schema.unknown-key', 'error'],
    ]);
  });

  it('the run of a ContextLab file runs the steps before and fails the one it cannot run, saying why', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-contextlab-dialect-')));
    try {
      for (const [name, cut, failing, error] of [
        ['stepKinds', '  - id: list_files', 'verify_all', "Step 'verify_all' has no action: ContextLab's create_parallel_queue and action_loop steps are not run here"],
        ['tools', '  - id: upload', 'listen', "Unknown tool 'audio-processing'"],
      ] as const) {
        const text = fixture(name).slice(0, fixture(name).indexOf(cut));
        const file = path.join(dir, `${name}.yaml`);
        fs.writeFileSync(file, text);
        const a = analyze(text, { pipelineFile: file });
        assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
        const r = await runPipeline(a, { cwd: dir, checkpoint: false, pipelineFile: file });
        assert.equal(r.status, 'failed');
        assert.deepEqual([r.steps[failing].status, r.steps[failing].error, r.steps[failing].error_type], ['failed', error, 'ConfigurationError']);
        if (name === 'stepKinds') assert.equal(r.steps.sources.status, 'completed');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
