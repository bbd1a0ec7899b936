// ContextLab's format as its users wrote it (issue 10, item 1): each pattern in a document written
// for it, with the exact findings (none, or the warning with its range and its quick-fix edits), the
// document after the quick fixes, and what a run does with it. The real findings stay errors.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { LineIndex } from '../../../engine/parse/lineIndex';
import type { ResultDocument } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import type { ModelRunner } from '../../../engine/models/modelRunner';
import type { Finding, FindingFix } from '../../../engine/spec/types';
import { orc } from '../../helpers/cli';
import { compact, doc, findingsOf } from '../../helpers/findings';

const at = (f: { range: Finding['range'] }) => `${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character}`;
const fixesOf = (f: Finding) => (f.fixes ?? []).map((x) => [x.title, x.edits.map((e) => `${at(e)} ${JSON.stringify(e.newText)}`)]);

/** The text with the given fixes' edits applied (edits of different fixes do not overlap). */
function apply(text: string, fixes: FindingFix[]): string {
  const lines = new LineIndex(text);
  const edits = fixes.flatMap((f) => f.edits).map((e) => ({ from: lines.offset(e.range.start), to: lines.offset(e.range.end), text: e.newText }));
  edits.sort((a, b) => b.from - a.from);
  let out = text;
  for (const e of edits) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

function tmpdir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-contextlab-')));
}

describe("ContextLab's format as users wrote it", function () {
  this.timeout(30_000);

  it('action aliases, a model inside the parameters, json filters and timestamp: no findings but the implied dependencies', () => {
    const text = doc(
      'id: aliases',
      'steps:',
      '  - id: say',
      '    action: generate_text',
      '    parameters:',
      '      prompt: "hello at {{ timestamp }}"',
      '      model: openai:gpt-4o-mini',
      '  - id: shape',
      '    action: generate-structured',
      '    parameters:',
      '      prompt: "{{ say.result | json }}"',
      '      model: anthropic:claude-sonnet-4-5',
      '  - id: again',
      '    action: generate-text',
      '    parameters:',
      '      prompt: "{{ shape.result | json_encode }}"',
      '      model: google:gemini-2.5-flash',
    );
    assert.deepEqual(findingsOf(text), [
      ['template.implied-dependency', 'info', "'shape' refers to 'say', which is not among its dependencies: it will wait for 'say'.", '10:18-10:21'],
      ['template.implied-dependency', 'info', "'again' refers to 'shape', which is not among its dependencies: it will wait for 'shape'.", '15:18-15:23'],
    ]);
  });

  it('inputs and parameters are merged; a name declared in both is a warning on its inputs entry', () => {
    const text = doc(
      'id: merged',
      'parameters:',
      '  topic: ai',
      'inputs:',
      '  depth:',
      '    type: integer',
      '    default: 2',
      '  topic:',
      '    type: string',
      '    default: ml',
      'steps:',
      '  - id: say',
      '    tool: terminal',
      '    action: execute',
      '    parameters:',
      '      command: "echo {{ topic }} {{ depth }}"',
    );
    const a = analyze(text);
    assert.deepEqual(a.findings.map(compact), [
      ['parameter.declared-twice', 'warning', "Parameter 'topic' is declared in both 'parameters' and 'inputs': the one in 'parameters' is used.", '7:2-7:7'],
    ]);
    assert.deepEqual(a.pipeline!.parameters.map((p) => [p.name, p.default, p.source]), [['topic', 'ai', 'parameters'], ['depth', 2, 'inputs']]);
    // both sections show in the outline
    assert.deepEqual(a.symbols.filter((s) => s.kind === 'section').map((s) => [s.name, s.children.map((c) => c.name)]), [['parameters', ['topic']], ['inputs', ['depth']], ['steps', ['say']]]);
  });

  it('a bare <AUTO> model is "choose a model": no finding, and the run asks the registry for one', async () => {
    const text = doc(
      'id: auto-model',
      'model: <AUTO>',
      'steps:',
      '  - id: one',
      '    action: generate_text',
      '    model: <AUTO>',
      '    parameters:',
      '      prompt: hi',
      '  - id: two',
      '    action: generate',
      '    parameters:',
      '      prompt: hi',
      '      model: <AUTO>',
      '  - id: three',
      '    action: generate',
      '    parameters: {prompt: hi}',
    );
    const a = analyze(text);
    assert.deepEqual(a.findings.map(compact), []);
    // the host's model layer is the interface under test here: which model each step asked for
    const asked: string[] = [];
    const models: ModelRunner = {
      async select(filters, schema) {
        assert.deepEqual(filters, {});
        assert.equal(schema, 'balanced');
        return { model: 'openai:gpt-4o-mini', reason: 'the cheapest of the balanced choice' };
      },
      async run(req) {
        asked.push(req.model);
        return { value: `answer from ${req.model}`, model: req.model, tokens_in: 1, tokens_out: 2, cost_usd: 0 };
      },
    };
    const dir = tmpdir();
    const r: ResultDocument = await runPipeline(a, { cwd: dir, checkpoint: false, models });
    assert.equal(r.status, 'completed');
    assert.deepEqual(asked, ['openai:gpt-4o-mini', 'openai:gpt-4o-mini', 'openai:gpt-4o-mini']);
    assert.equal(r.steps.one.model_reason, 'the cheapest of the balanced choice');
  });

  it("ContextLab's ignored keys are warnings with quick fixes; the fixed document has no findings", () => {
    const text = doc(
      'id: compat',
      'enhanced_outputs:',
      '  report: {type: file}',
      'config:',
      '  timeout: 30',
      'parameters:',
      '  mode:',
      '    type: string',
      '    default: fast',
      '    choices: [fast, slow]',
      '    example: fast',
      'steps:',
      '  - id: fetch',
      '    tool: terminal',
      '    action: execute',
      '    parameters:',
      '      command: echo hi',
      '    continue_on_error: true',
      '    retry: 2',
      '  - id: report',
      '    tool: terminal',
      '    action: execute',
      '    parameters:',
      '      command: echo done',
      '    on_error: fetch',
      '    parallel: true',
      '    retry_config: {max_attempts: 3}',
      '    dependencies: [fetch]',
      '  - id: each',
      '    for_each: [1, 2]',
      '    max_concurrent: 2',
      '    on_error: skip',
      '    steps:',
      '      - id: inner',
      '        tool: terminal',
      '        action: execute',
      '        parameters: {command: "echo {{ item }}"}',
    );
    const a = analyze(text);
    const why = (key: string, where: string, reason: string) => `'${key}' in ${where} is ContextLab's and is ignored here: ${reason}.`;
    assert.deepEqual(a.findings.map((f) => [...compact(f), fixesOf(f)]), [
      ['compat.ignored-key', 'warning', why('enhanced_outputs', 'the pipeline', "ContextLab's output metadata; outputs here are the templates under 'outputs'"), '1:0-1:16', [["Remove 'enhanced_outputs'", ['1:0-3:0 ""']]]],
      ['compat.ignored-key', 'warning', why('config', 'the pipeline', "ContextLab's pipeline settings block; here defaults for every step go under 'context' (timeout, max_retries, max_parallel, checkpoint)"), '3:0-3:6', [["Remove 'config'", ['3:0-5:0 ""']]]],
      ['compat.ignored-key', 'warning', why('choices', 'a parameter declaration', "the allowed values of a parameter are its 'enum'"), '9:4-9:11', [["Rename to 'enum'", ['9:4-9:11 "enum"']], ["Remove 'choices'", ['9:0-10:0 ""']]]],
      ['compat.ignored-key', 'warning', why('example', 'a parameter declaration', "document a parameter with 'description' and 'default'"), '10:4-10:11', [["Remove 'example'", ['10:0-11:0 ""']]]],
      ['compat.ignored-key', 'warning', why('continue_on_error', 'a step', "here a step that may fail without stopping the run says 'on_failure: continue'"), '17:4-17:21', [["Rewrite as 'on_failure: continue'", ['17:4-17:27 "on_failure: continue"']], ["Remove 'continue_on_error'", ['17:0-18:0 ""']]]],
      ['compat.ignored-key', 'warning', why('retry', 'a step', "a number of retries is written 'max_retries' here, counting every attempt (retry: 2 is three attempts); 'retry' takes the long form {max_attempts, backoff, ...}"), '18:4-18:9', [["Rewrite as 'max_retries: 3'", ['18:4-18:12 "max_retries: 3"']], ["Remove 'retry'", ['18:0-19:0 ""']]]],
      // a step that runs earlier cannot be jumped to: only the removal is offered
      ['compat.ignored-key', 'warning', why('on_error', 'a step', "ContextLab's error handlers do not run here; a step's failure is handled by 'on_failure' (fail, continue, skip, retry, or a step to jump to)"), '24:4-24:12', [["Remove 'on_error'", ['24:0-25:0 ""']]]],
      ['compat.ignored-key', 'warning', why('parallel', 'a step', "steps run in parallel whenever their dependencies allow; 'max_parallel' bounds a for_each loop"), '25:4-25:12', [["Remove 'parallel'", ['25:0-26:0 ""']]]],
      ['compat.ignored-key', 'warning', why('retry_config', 'a step', "retries are set with 'max_retries', or 'retry: {max_attempts, backoff, initial_delay, max_delay}'"), '26:4-26:16', [["Remove 'retry_config'", ['26:0-27:0 ""']]]],
      ['compat.ignored-key', 'warning', why('on_error', 'a step', "ContextLab's error handlers do not run here; a step's failure is handled by 'on_failure' (fail, continue, skip, retry, or a step to jump to)"), '31:4-31:12', [["Rewrite as 'on_failure: skip'", ['31:4-31:18 "on_failure: skip"']], ["Remove 'on_error'", ['31:0-32:0 ""']]]],
      ['compat.ignored-key', 'warning', why('max_concurrent', 'a step', "a for_each loop's concurrency is 'max_parallel'; the run's is 'context.max_parallel'"), '30:4-30:18', [["Rewrite as 'max_parallel: 2'", ['30:4-30:21 "max_parallel: 2"']], ["Remove 'max_concurrent'", ['30:0-31:0 ""']]]],
    ].sort((x, y) => String(x[3]).localeCompare(String(y[3]), undefined, { numeric: true })));
    // the preferred fix of each (the first) gives a document with no findings at all
    const fixed = apply(text, a.findings.map((f) => f.fixes![0]));
    assert.deepEqual(findingsOf(fixed), []);
    assert.match(fixed, /^ {4}enum: \[fast, slow\]$/m);
    assert.match(fixed, /^ {4}on_failure: continue\n {4}max_retries: 3$/m);
    assert.match(fixed, /^ {4}max_parallel: 2\n {4}on_failure: skip$/m);
  });

  it("a step's result fields read as the step's own, exactly when its tool returns them; a while loop's id gives its iteration", () => {
    const dir = tmpdir();
    fs.writeFileSync(
      path.join(dir, 'loops.yaml'),
      doc(
        'id: loops',
        'parameters:',
        '  attempts: 3',
        'steps:',
        '  - id: guess',
        '    while: "{{ guess.iteration < 5 }}"',
        '    max_iterations: "{{ attempts }}"',
        '    steps:',
        '      - id: note',
        '        tool: filesystem',
        '        action: write',
        '        parameters:',
        '          path: "out/{{ guess.iteration }}.txt"',
        '          content: "try {{ iteration }}"',
        '  - id: copy',
        '    tool: filesystem',
        '    action: copy',
        '    dependencies: [guess]',
        '    parameters:',
        '      path: out/0.txt',
        '      destination: out/copy.txt',
        '  - id: shell',
        '    tool: terminal',
        '    action: execute',
        '    dependencies: [copy]',
        '    parameters:',
        '      command: cat copy.txt',
        '      working_dir: out',
        '      capture_output: true',
        'outputs:',
        '  copied: "{{ copy.destination }}"',
        '  code: "{{ shell.return_code }}"',
        '  dir: "{{ shell.working_dir }}"',
        '  text: "{{ shell.stdout }}"',
        '  count: "{{ guess.iterations | length }}"',
      ),
    );
    const v = orc(['validate', 'loops.yaml', '--json'], { cwd: dir });
    assert.deepEqual(JSON.parse(v.stdout).findings, []);
    const r = orc(['run', 'loops.yaml', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    // max_iterations rendered from the parameter: three iterations, each writing its own file
    assert.deepEqual(res.outputs, { copied: 'out/copy.txt', code: 0, dir: 'out', text: 'try 0', count: 3 });
    assert.deepEqual(fs.readdirSync(path.join(dir, 'out')).sort(), ['0.txt', '1.txt', '2.txt', 'copy.txt']);
    assert.equal(fs.readFileSync(path.join(dir, 'out', '2.txt'), 'utf8'), 'try 2');
    const shell = res.steps.shell.result;
    assert.deepEqual({ ...shell, execution_time: typeof shell.execution_time }, { stdout: 'try 0', stderr: '', exit_code: 0, return_code: 0, command: 'cat copy.txt', working_dir: 'out', execution_time: 'number' });
    assert.match(r.stderr, /Loop 'guess' stopped after max_iterations \(3\) with its condition still true/);
  });

  it("'foreach' with an action runs the action per item (ContextLab's one-action loop); findings point at its own lines", () => {
    const dir = tmpdir();
    const text = doc(
      'id: one-action',
      'parameters:',
      '  names: [ada, alan]',
      'steps:',
      '  - id: greet',
      '    tool: terminal',
      '    action: execute',
      '    foreach: "{{ names }}"',
      '    max_parallel: 2',
      '    parameters:',
      '      command: "echo hello {{ item }}"',
      '  - id: save',
      '    tool: filesystem',
      '    action: write',
      '    dependencies: [greet]',
      '    parameters:',
      '      path: out.txt',
      `      content: "{{ greet.results | map(attribute='stdout') | join('') }}{{ greet.result | length }}"`,
    );
    assert.deepEqual(findingsOf(text), []);
    // a mistake in the action's parameters is reported where it is written
    assert.deepEqual(findingsOf(text.replace('command: "echo', 'comand: "echo')), [
      ['param.missing', 'error', "'terminal.execute' needs the parameter 'command'.", '9:4-9:14'],
      ['param.unknown', 'warning', "'terminal.execute' has no parameter 'comand': it is ignored. Did you mean 'command'? It takes 'command', 'cwd', 'working_dir', 'capture_output', 'env', 'pass_env', 'timeout', 'input'.", '10:6-10:12'],
    ]);
    fs.writeFileSync(path.join(dir, 'p.yaml'), text);
    const r = orc(['run', 'p.yaml', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const greet = JSON.parse(r.stdout).steps.greet;
    assert.deepEqual(greet.results.map((x: { stdout: string }) => x.stdout), ['hello ada\n', 'hello alan\n']);
    assert.deepEqual(greet.result, greet.results);
    assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'hello ada\nhello alan\n2');
  });

  it('a templated max_iterations that is not a whole number fails its loop with the value', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'p.yaml'), doc('id: bad', 'parameters:', '  n: many', 'steps:', '  - id: w', '    while: "true"', '    max_iterations: "{{ n }}"', '    steps:', '      - {id: b, tool: terminal, action: execute, parameters: {command: "true"}}'));
    const r = orc(['run', 'p.yaml', '--json'], { cwd: dir });
    assert.equal(r.code, 1);
    const w = JSON.parse(r.stdout).steps.w;
    assert.deepEqual([w.status, w.error_type, w.error], ['failed', 'ValueError', `'max_iterations' must be a whole number of at least 1, got "many"`]);
  });

  it('a multi-line quoted value under-indented as PyYAML allows: read, with a warning whose fix indents it', () => {
    const text = doc(
      'id: quoted',
      'steps:',
      '  - id: a',
      '    tool: terminal',
      '    action: execute',
      '    parameters:',
      '      command: "echo {{',
      "        'x' if true else 'y'",
      '      }}"',
      'outputs:',
      '  done: "{{ a.status == \'completed\'',
      '    and a.return_code == 0',
      '  }}"',
    );
    const a = analyze(text);
    const message = 'This line of a quoted value is indented no deeper than its key: YAML 1.2 reads it as the end of the value, PyYAML (ContextLab) reads it as part of it, and so does this analysis. Indent it past the key.';
    assert.deepEqual(a.findings.map((f) => [...compact(f), fixesOf(f)]), [
      ['yaml.under-indented-quote', 'warning', message, '8:6-8:9', [['Indent the quoted value past its key', ['8:0-8:0 "  "']]]],
      ['yaml.under-indented-quote', 'warning', message, '12:2-12:5', [['Indent the quoted value past its key', ['12:0-12:0 "  "']]]],
    ]);
    // the values PyYAML reads: continuation lines folded into spaces
    assert.deepEqual(a.pipeline!.steps[0].raw.parameters, { command: "echo {{ 'x' if true else 'y' }}" });
    assert.deepEqual(a.pipeline!.outputs, { done: "{{ a.status == 'completed' and a.return_code == 0 }}" });
    // positions after the repaired lines are the file's own: a finding on the next lines lands right
    const withError = text.replace('and a.return_code == 0', 'and a.return_cod == 0');
    assert.deepEqual(findingsOf(withError).find((f) => f[0] === 'template.unknown-step-field')?.[3], '11:10-11:20');
    const fixed = apply(text, a.findings.map((f) => f.fixes![0]));
    assert.deepEqual(findingsOf(fixed), []);
    // a quoted value that is broken, not under-indented, stays a YAML error
    assert.equal(findingsOf(doc('id: x', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: "never closed')).filter((f) => f[0] === 'yaml.syntax').length > 0, true);
  });

  it('unknown parameters are warnings that ContextLab would ignore, with a removal fix', () => {
    const text = doc('id: p', 'steps:', '  - id: a', '    action: generate_text', '    model: openai:gpt-4o-mini', '    parameters:', '      prompt: hi', '      max_completion_tokens: 50');
    const a = analyze(text);
    assert.deepEqual(a.findings.map((f) => [...compact(f), fixesOf(f)]), [
      ['param.unknown', 'warning', "'generate_text' has no parameter 'max_completion_tokens': it is ignored. It takes 'prompt', 'system', 'max_tokens', 'temperature', 'model', 'stream', 'images', 'files', 'audio'.", '7:6-7:27', [["Remove 'max_completion_tokens'", ['7:0-8:0 ""']]]],
    ]);
  });

  it('the real findings stay errors: a field the tool never returns, an undefined name, a loop variable outside a loop, a cycle', () => {
    const text = doc(
      'id: real',
      'steps:',
      '  - id: save',
      '    tool: filesystem',
      '    action: write',
      '    parameters: {path: out.txt, content: hi}',
      '  - id: use',
      '    action: generate',
      '    model: openai:gpt-4o-mini',
      '    dependencies: [save]',
      '    parameters:',
      '      prompt: "{{ save.filepath }} {{ missing_name }} {{ item }} {{ save.path }}"',
      '  - id: loop',
      '    while: "true"',
      '    dependencies: [use]',
      '    steps:',
      '      - id: body',
      '        action: generate',
      '        model: openai:gpt-4o-mini',
      '        parameters:',
      '          prompt: "{{ use.iteration }}"',
      '  - {id: c1, action: generate, model: "openai:gpt-4o-mini", parameters: {prompt: x}, dependencies: [c2]}',
      '  - {id: c2, action: generate, model: "openai:gpt-4o-mini", parameters: {prompt: x}, dependencies: [c1]}',
    );
    const errors = findingsOf(text).filter((f) => f[1] === 'error');
    assert.deepEqual(errors.map((f) => [f[0], f[3]]), [
      ['template.unknown-step-field', '11:23-11:31'],
      ['template.unknown-name', '11:38-11:50'],
      ['template.loop-variable-outside-loop', '11:57-11:61'],
      ['template.unknown-step-field', '20:26-20:35'],
      ['step.cycle', '21:100-21:102'],
    ]);
    assert.equal(errors[0][2], "Step 'save' has no field 'filepath': 'filesystem.write' returns 'path', 'size'; a step has result, status, success, error, error_type, vars, ...");
    assert.equal(errors[3][2], "Step 'use' has no field 'iteration': 'generate' returns free-form text or data, read as 'use.result'; a step has result, status, success, error, error_type, vars, ...");
  });
});
