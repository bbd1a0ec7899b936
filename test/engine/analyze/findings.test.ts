// Every finding code: a document that triggers it, and the exact list of findings it gets (code,
// severity, message, range as 0-based 'line:char-line:char'). The whole list is compared, so a
// spurious extra finding fails the test too.
import { strict as assert } from 'node:assert';
import { analyze } from '../../../engine/analyze/index';
import { FINDING_CODES } from '../../../engine/analyze/codes';
import { doc, findingsOf, type CompactFinding } from '../../helpers/findings';
import { editDistance, suggest, suggestAmong } from '../../../engine/analyze/suggest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPipeline } from '../../../engine/run/runPipeline';
import { orc } from '../../helpers/cli';

const S = doc;
/** A step `a` that is valid on its own, with extra lines. */
const G = (extra: string[] = []) => ['  - id: a', '    action: generate', '    parameters: {prompt: hi}', ...extra];
/** A valid step with the given id, with extra lines. */
const step = (id: string, ...extra: string[]) => [`  - id: ${id}`, '    action: generate', '    parameters: {prompt: hi}', ...extra];

interface Case {
  name: string;
  text: string;
  expect: CompactFinding[];
}

const CASES: Case[] = [
  {
    name: "syntax",
    text: S('id: x', 'steps:', '  - id: a', '    action: generate', '    parameters: {prompt: "hi"', ''),
    expect: [
      ["yaml.syntax","error","Flow map in block collection must be sufficiently indented and end with a }","5:0-6:0"],
    ],
  },
  {
    name: "dupkey",
    text: S('id: x', 'id: y', 'steps:', '  - {id: a, action: generate, parameters: {prompt: hi}}'),
    expect: [
      ["yaml.duplicate-key","error","Duplicate key 'id': a mapping holds each key once.","1:0-1:2"],
    ],
  },
  {
    name: "multi",
    text: S('id: x', 'steps:', '  - {id: a, action: generate, parameters: {prompt: hi}}', '---', 'id: y'),
    expect: [
      ["yaml.multiple-documents","error","A pipeline file holds one YAML document; a second one starts here.","3:0-3:3"],
    ],
  },
  {
    name: "bomb",
    text: S('a: &a ["x","x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'steps: [*d]'),
    expect: [
      ["yaml.alias-limit","error","Aliases expand beyond the limit of 1000 (a document that expands exponentially is refused)","0:0-0:47"],
    ],
  },
  {
    name: "tooDeep",
    text: S('id: x', `steps: ${'['.repeat(200)}${']'.repeat(200)}`),
    expect: [
      ["yaml.too-deep","error","Lists and mappings nest more than 200 levels deep here: the text is not read (no pipeline nests so deep, and reading it could exhaust the parser's stack).","1:206-1:207"],
    ],
  },
  {
    name: "warn",
    text: S('id: x', 'metadata: !custom {a: 1}', 'steps:', '  - {id: a, action: generate, parameters: {prompt: hi}}'),
    expect: [
      ["yaml.warning","warning","Unresolved tag: !custom","1:10-1:17"],
    ],
  },
  {
    name: "unsupportedTag",
    text: S('id: x', 'metadata: {b: !!binary aGVsbG8=, s: !!set {a}, t: !!timestamp 2024-01-01}', 'steps:', '  - {id: a, action: generate, parameters: {prompt: hi}}'),
    expect: [
      ["yaml.unsupported-tag","error","The tag '!!binary' is not supported: a pipeline holds plain data (text, numbers, booleans, lists, mappings). Write the value without the tag.","1:14-1:22"],
      ["yaml.unsupported-tag","error","The tag '!!set' is not supported: a pipeline holds plain data (text, numbers, booleans, lists, mappings). Write the value without the tag.","1:36-1:41"],
      ["yaml.unsupported-tag","error","The tag '!!timestamp' is not supported: a pipeline holds plain data (text, numbers, booleans, lists, mappings). Write the value without the tag.","1:50-1:61"],
    ],
  },
  {
    name: "complexKey",
    text: S('id: x', '? [a, b]', ': 1', 'steps:', ...G()),
    expect: [
      ["yaml.complex-key","error","A key must be a plain name, not a list or a mapping.","1:2-1:8"],
    ],
  },
  {
    name: "emptydoc",
    text: S(''),
    expect: [
      ["schema.type","error","A pipeline must be a mapping with 'steps', got an empty value.","0:0-1:0"],
    ],
  },
  {
    name: "scalar",
    text: S('just text'),
    expect: [
      ["schema.type","error","A pipeline must be a mapping with 'steps', got 'just text'.","0:0-0:9"],
    ],
  },
  {
    name: "unknownKey",
    text: S('id: x', 'descripton: d', 'steps:', ...G(['    timout: 5'])),
    expect: [
      ["schema.unknown-key","error","Unknown key 'descripton' in the pipeline. Did you mean 'description'?","1:0-1:10"],
      ["schema.unknown-key","error","Unknown key 'timout' in a step. Did you mean 'timeout'?","6:4-6:10"],
    ],
  },
  {
    name: "missingKey",
    text: S('id: x', 'steps:', '  - action: generate', '    parameters: {prompt: hi}'),
    expect: [
      ["schema.missing-key","error","Missing required key 'id' in a step.","2:4-2:10"],
    ],
  },
  {
    name: "missingSteps",
    text: S('id: x', 'name: X'),
    expect: [
      ["schema.missing-key","error","A pipeline needs 'steps': a list of at least one step.","0:0-0:2"],
    ],
  },
  {
    name: "type",
    text: S('id: x', 'steps:', ...G(['    cache: "yes"', '    max_retries: two'])),
    expect: [
      ["schema.type","error","Expected true or false, got 'yes'.","5:11-5:16"],
      ["schema.type","error","Expected an integer or an <AUTO> tag, got 'two'.","6:17-6:20"],
    ],
  },
  {
    name: "enum",
    text: S('id: x', 'selection_schema: cheapest', 'steps:', ...G(['    retry: {backoff: linear}'])),
    expect: [
      ["schema.enum","error","'cheapest' is not allowed: use one of 'cost', 'performance', 'balanced'.","1:18-1:26"],
      ["schema.enum","error","'linear' is not allowed: use one of 'exponential', 'fixed'.","6:21-6:27"],
    ],
  },
  {
    name: "pattern",
    text: S('id: 1x', 'version: "1.0"', 'steps:', '  - id: "bad id"', '    action: generate', '    parameters: {prompt: hi}'),
    expect: [
      ["schema.pattern","error","Pipeline id '1x' must start with a letter and hold only letters, digits, '_' and '-'.","0:4-0:6"],
      ["schema.pattern","error","Version '1.0' must be MAJOR.MINOR.PATCH, e.g. \"1.2.3\".","1:9-1:14"],
      ["schema.pattern","error","Step id 'bad id' must start with a letter or '_' and hold only letters, digits, '_' and '-'.","3:8-3:16"],
    ],
  },
  {
    name: "range",
    text: S('id: x', 'steps: []'),
    expect: [
      ["schema.range","error","A pipeline needs at least one step.","1:7-1:9"],
    ],
  },
  {
    name: "range2",
    text: S('id: x', 'context: {max_parallel: 0}', 'steps:', ...G()),
    expect: [
      ["schema.range","error","'max_parallel' must be at least 1, got 0.","1:24-1:25"],
    ],
  },
  {
    name: "propnames",
    text: S('id: x', 'parameters:', '  my-param: 1', 'steps:', ...G()),
    expect: [
      ["schema.pattern","error","'my-param' is not a valid name here: use letters, digits and '_', starting with a letter or '_'.","2:2-2:10"],
    ],
  },
  {
    name: "aliasConflict",
    text: S('id: x', 'steps:', ...G(), '  - id: b', '    action: generate', '    parameters: {prompt: hi}', '    dependencies: [a]', '    depends_on: [a]'),
    expect: [
      ["key.alias-conflict","error","'depends_on' is an alias of 'dependencies': give one of them, not both.","9:4-9:14"],
    ],
  },
  {
    name: "defaultType",
    text: S('id: x', 'parameters:', '  n: {type: integer, default: "3"}', '  color: {type: string, enum: [red, blue], default: green}', 'steps:', ...G()),
    expect: [
      ["parameter.default-type","error","The default of 'n' is not an integer.","2:30-2:33"],
      ["parameter.default-type","error","The default of 'color' is not one of its enum values.","3:52-3:57"],
    ],
  },
  {
    name: "reservedParameter",
    text: S('id: x', 'parameters:', '  constructor: {type: string}', '  toString: {type: string}', '  __proto__: {type: string}', 'inputs:', '  hasOwnProperty: x', 'steps:', ...G()),
    expect: [
      ["parameter.reserved-name","error","Parameter 'constructor' names a part of every object (like 'constructor', 'toString', '__proto__'): no run or tool could be given it. Choose another name.","2:2-2:13"],
      ["parameter.reserved-name","error","Parameter 'toString' names a part of every object (like 'constructor', 'toString', '__proto__'): no run or tool could be given it. Choose another name.","3:2-3:10"],
      ["parameter.reserved-name","error","Parameter '__proto__' names a part of every object (like 'constructor', 'toString', '__proto__'): no run or tool could be given it. Choose another name.","4:2-4:11"],
      ["parameter.reserved-name","error","Parameter 'hasOwnProperty' names a part of every object (like 'constructor', 'toString', '__proto__'): no run or tool could be given it. Choose another name.","6:2-6:16"],
    ],
  },
  {
    name: "model",
    text: S('id: x', 'model: gpt-4o', 'orchestrator: anthropc:claude-sonnet-4-5', 'steps:', ...G(['    model: "<AUTO>best model</AUTO>"'])),
    expect: [
      ["model.invalid","error","Model 'gpt-4o' must be 'provider:model', e.g. 'openai:gpt-4o-mini'.","1:7-1:13"],
      ["model.invalid","error","Unknown model provider 'anthropc': use 'openai', 'anthropic', 'google', 'huggingface', 'ollama', 'openai-compatible', 'vscode'. Did you mean 'anthropic:claude-sonnet-4-5'?","2:14-2:40"],
    ],
  },
  {
    name: "expert",
    text: S('id: x', 'experts: {coder: "openai:gpt-4o"}', 'personalities: {pirate: "Talk like a pirate"}', 'steps:', ...G(['    expert: codr', '    personality: priate'])),
    expect: [
      ["expert.unknown","error","No expert 'codr': the experts are 'coder'. Did you mean 'coder'?","7:12-7:16"],
      ["personality.unknown","error","No personality 'priate': the personalities are 'pirate'. Did you mean 'pirate'?","8:17-8:23"],
    ],
  },
  {
    name: "dupId",
    text: S('id: x', 'steps:', ...step('a'), ...step('a')),
    expect: [
      ["step.duplicate-id","error","Step id 'a' is already used by another step; ids must be unique.","5:8-5:9"],
    ],
  },
  {
    name: "reservedId",
    text: S('id: x', 'steps:', ...step('constructor'), ...step('__proto__'), ...step('toString')),
    expect: [
      ["step.reserved-id","error","Step id 'constructor' names a part of every object, which templates cannot read: choose another id.","2:8-2:19"],
      ["step.reserved-id","error","Step id '__proto__' names a part of every object, which templates cannot read: choose another id.","5:8-5:17"],
    ],
  },
  {
    name: "deps",
    text: S('id: x', 'steps:', ...step('alpha'), ...step('b', '    dependencies: [alpah, b, alpha, alpha]'), ...step('c', '    depends_on: "alpha, zeta"')),
    expect: [
      ["step.unknown-dependency","error","Unknown step 'alpah' in the dependencies of 'b'. Did you mean 'alpha'?","8:19-8:24"],
      ["step.self-dependency","error","Step 'b' depends on itself.","8:26-8:27"],
      ["step.duplicate-dependency","warning","'alpha' is listed twice in the dependencies of 'b'.","8:36-8:41"],
      ["step.unknown-dependency","error","Unknown step 'zeta' in the dependencies of 'c'.","12:24-12:28"],
    ],
  },
  {
    name: "cycle",
    text: S('id: x', 'steps:', ...step('a', '    dependencies: [c]'), ...step('b', '    dependencies: [a]'), ...step('c', '    dependencies: [b]')),
    expect: [
      ["step.cycle","error","Dependency cycle: 'a' depends on 'c', which depends on 'b', which depends on 'a'. No step of the cycle can start.","5:19-5:20"],
    ],
  },
  {
    name: "unreachable",
    text: S('id: x', 'steps:', ...step('a', '    on_success: d'), ...step('b', '    dependencies: [a]'), ...step('c', '    dependencies: [b]'), ...step('d', '    dependencies: [c]')),
    expect: [
      ["step.unreachable","warning","Step 'b' never runs: 'a' always jumps past it to 'd' (on_success), and no jump leads to it.","6:8-6:9"],
      ["step.unreachable","warning","Step 'c' never runs: 'a' always jumps past it to 'd' (on_success), and no jump leads to it.","10:8-10:9"],
    ],
  },
  {
    name: "missingAction",
    text: S('id: x', 'steps:', '  - id: a', '    parameters: {prompt: hi}'),
    expect: [
      ["step.missing-action","error","Step 'a' has no 'action': use one of 'generate', 'generate_structured', 'analyze_text', 'evaluate_condition', 'agent', 'embed'.","2:8-2:9"],
    ],
  },
  {
    name: "jumps",
    text: S('id: x', 'steps:', ...step('a'), ...step('b', '    dependencies: [a]', '    on_success: a', '    on_failure: contnue', '    on_false: zz')),
    expect: [
      ["jump.backward","error","'on_success' jumps back to 'a', which runs before 'b': jumps go forward only.","9:16-9:17"],
      ["jump.unknown-target","error","'on_failure' names no step 'contnue' (or 'fail', 'continue', 'skip', 'retry'). Did you mean 'continue'?","10:16-10:23"],
      ["jump.on-false-without-condition","warning","'on_false' never fires: step 'b' has no 'condition'.","11:4-11:12"],
      ["jump.unknown-target","error","'on_false' names no step 'zz'.","11:14-11:16"],
    ],
  },
  {
    name: "onFalse",
    text: S('id: x', 'steps:', ...step('a', '    on_false: b'), ...step('b', '    dependencies: [a]')),
    expect: [
      ["jump.on-false-without-condition","warning","'on_false' never fires: step 'a' has no 'condition'.","5:4-5:12"],
    ],
  },
  {
    name: "failureTargetRunsAnyway",
    text: S('id: x', 'steps:', ...step('a', '    on_failure: b'), ...step('b'), ...step('c', '    dependencies: [b]')),
    expect: [
      ["jump.failure-target-runs-anyway","info","'b' runs even when 'a' does not fail: 'c' depends on it. A step only an on_failure names, that nothing depends on, runs only on failure.","5:16-5:17"],
    ],
  },
  {
    name: "tools",
    text: S('id: x', 'steps:', '  - id: a', '    tool: shell', '    action: execute', '  - id: b', '    tool: terminal', '    action: run', '  - id: c', '    action: generat', '    parameters: {prompt: hi}', '  - id: d', '    action: execute', '    parameters: {command: ls}'),
    expect: [
      ["tool.unknown","error","Unknown tool 'shell'. Did you mean 'terminal'? Tools: filesystem, terminal, http, data, validation, pipeline, prompt-optimization, task-delegation, multi-model-routing, image-analysis, image-generation, data-processing, report-generator, pipeline-executor, mcp-server, mcp-memory, user-prompt, approval-gate, feedback-collection, web-search, python-executor, headless-browser, pdf-compiler, sql, object-storage, visualization.","3:10-3:15"],
      ["action.unknown","error","Tool 'terminal' has no action 'run'. It has 'execute'.","7:12-7:15"],
      ["action.unknown","error","Unknown action 'generat'. Did you mean 'generate' or 'generate_structured'? Built-in actions: generate, generate_structured, analyze_text, evaluate_condition, agent, embed; other actions need a 'tool'.","9:12-9:19"],
      ["action.needs-tool","error","Action 'execute' belongs to 14 tools ('terminal', 'prompt-optimization', 'task-delegation', ...): add 'tool: terminal' or the one you mean.","12:12-12:19"],
    ],
  },
  {
    name: "params",
    text: S('id: x', 'steps:', '  - id: a', '    tool: filesystem', '    action: write', '    parameters:', '      path: out.txt', '      contnet: hi', '  - id: b', '    tool: terminal', '    action: execute', '    parameters: {command: ls, timeout: soon, env: "{{ 1 }}"}', '  - id: c', '    tool: data', '    action: parse', '    parameters: {content: "a,b", format: xml}'),
    expect: [
      ["param.missing","error","'filesystem.write' needs the parameter 'content'.","5:4-5:14"],
      ["param.unknown","warning","'filesystem.write' has no parameter 'contnet': it is ignored. Did you mean 'content'? It takes 'path', 'content'.","7:6-7:13"],
      ["param.type","error","Parameter 'timeout' of 'terminal.execute' must be a number.","11:39-11:43"],
      ["param.type","error","Parameter 'format' of 'data.parse' must be one of 'json', 'csv', 'yaml'.","15:41-15:44"],
    ],
  },
  {
    name: "missingParamNoParams",
    text: S('id: x', 'steps:', '  - id: a', '    tool: filesystem', '    action: read'),
    expect: [
      ["param.missing","error","'filesystem.read' needs the parameter 'path'.","4:4-4:10"],
    ],
  },
  {
    name: "loops",
    text: S('id: x', 'steps:',
      '  - id: l1', '    for_each: [1, 2]', '    while: "true"', '    steps:', '      - {id: i1, action: generate, parameters: {prompt: "{{ item }}"}}',
      '  - id: l2', '    for_each: [1, 2]',
      '  - id: l3', '    action: generate', '    parameters: {prompt: hi}', '    steps:', '      - {id: i3, action: generate, parameters: {prompt: hi}}',
      '  - id: l4', '    action: generate', '    parameters: {prompt: hi}', '    max_parallel: 2', '    until: "true"',
      '  - id: l5', '    for_each: [1]', '    action: generate', '    steps:', '      - {id: i5, action: generate, parameters: {prompt: hi}}'),
    expect: [
      ["loop.conflict","error","Step 'l1' has both 'for_each' and 'while': a step is one kind of loop.","4:4-4:9"],
      ["loop.missing-body","error","'for_each' needs a body: add 'steps:' with the steps to repeat.","8:4-8:12"],
      ["loop.body-without-loop","error","'steps:' inside step 'l3' is a loop body, but the step has neither 'for_each' nor 'while'.","12:4-12:9"],
      ["loop.option-without-loop","warning","'max_parallel' applies to 'for_each' loops; step 'l4' is not one.","17:4-17:16"],
      ["loop.option-without-loop","warning","'until' applies to 'while' loops; step 'l4' is not one.","18:4-18:9"],
      ["loop.conflict","error","A loop step runs its body: it takes no 'action' of its own.","21:4-21:10"],
    ],
  },
  {
    name: "products",
    text: S('id: x', 'steps:', '  - id: a', '    action: generate_structured', '    parameters: {prompt: hi}', '    vars: {title: "The title", body: {type: string}}', '    products: {titel: "out/t.md", body: "../escape.md"}'),
    expect: [
      ["products.unknown-var","error","'products' names 'titel', but step 'a' declares no such var. Did you mean 'title'?","6:15-6:20"],
      ["products.path-escape","error","Product path '../escape.md' must stay inside the run's output folder: use a relative path without '..'.","6:40-6:54"],
    ],
  },
  {
    name: "tsyntax",
    text: S('id: x', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: "Hello {{ name }"'),
    expect: [
      ["template.syntax","error","Template syntax error: Missing '}}' to close the expression.","5:21-5:23"],
    ],
  },
  {
    name: "tnames",
    text: S('id: x', 'parameters: {topic: AI}', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: "{{ topik }} {{ execution.dat }} {{ inputs.topc }} {{ missing | default(1) }} {{ x is defined }}"'),
    expect: [
      ["template.unknown-name","error","Unknown name 'topik' in template: not a parameter, a step or a loop variable. Did you mean 'topic'?","6:18-6:23"],
      ["template.unknown-name","error","'execution' has no field 'dat': it has id, started_at, timestamp, date, time. Did you mean 'date'?","6:40-6:43"],
      ["template.unknown-name","error","No parameter 'topc'. Did you mean 'topic'?","6:57-6:61"],
      ["template.unknown-name","warning","Unknown name 'missing' in template: not a parameter, a step or a loop variable.","6:68-6:75"],
      ["template.unknown-name","warning","Unknown name 'x' in template: not a parameter, a step or a loop variable. Did you mean 'a'?","6:95-6:96"],
    ],
  },
  {
    name: "tfilters",
    text: S('id: x', 'parameters: {topic: AI}', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: "{{ topic | uper }} {{ topic | truncate_words }} {{ topic is evn }} {{ topic | join(sep=1) }} {{ open(topic) }}"'),
    expect: [
      ["template.unknown-filter","error","Unknown filter 'uper'. Did you mean 'upper'?","6:26-6:30"],
      ["template.filter-arguments","error","Filter 'truncate_words' takes 1 to 2 positional arguments, got 0.","6:45-6:59"],
      ["template.unknown-test","error","Unknown test 'evn'. Did you mean 'even'?","6:75-6:78"],
      ["template.filter-arguments","error","Filter 'join' has no keyword argument 'sep'.","6:93-6:97"],
      ["template.unknown-function","error","'open' is not a function: templates can call range() and dict(), and methods of strings, lists and mappings.","6:111-6:115"],
    ],
  },
  {
    name: "tstep",
    text: S('id: x', 'steps:', '  - id: r', '    tool: filesystem', '    action: read', '    parameters: {path: a.txt}',
      '  - id: g', '    action: generate_structured', '    parameters: {prompt: hi}', '    vars: {title: t}',
      '  - id: w', '    tool: filesystem', '    action: write', '    dependencies: [r, g]', '    parameters:', '      path: out.txt', '      content: "{{ r.contents }} {{ r.result.contnt }} {{ g.vars.titel }} {{ g.result.anything }}"'),
    expect: [
      ["template.unknown-step-field","error","Step 'r' has no field 'contents': 'filesystem.read' returns 'content', 'size', 'path'; a step has result, status, success, error, error_type, vars, ... Did you mean 'content'?","16:21-16:29"],
      ["template.unknown-result-field","error","The result of 'filesystem.read' has no field 'contnt': it has 'content', 'size', 'path'. Did you mean 'content'?","16:45-16:51"],
      ["template.unknown-var","error","Step 'g' has no var 'titel': it declares 'title'. Did you mean 'title'?","16:65-16:70"],
    ],
  },
  {
    name: "hyphen",
    text: S('id: x', 'steps:', '  - id: fetch-data', '    action: generate', '    parameters: {prompt: hi}', '  - id: use', '    action: generate', '    dependencies: [fetch-data]', '    parameters:', '      prompt: "{{ fetch-data.result }} and {{ steps[\'fetch-data\'].result }}"'),
    expect: [
      ["template.hyphenated-step","error","'fetch-data' reads as a subtraction in a template: write steps['fetch-data'].","9:18-9:28"],
    ],
  },
  {
    name: "implied",
    text: S('id: x', 'steps:', '  - id: a', '    action: generate', '    parameters: {prompt: hi}', '  - id: b', '    action: generate', '    parameters:', '      prompt: "{{ a.result }}"'),
    expect: [
      ["template.implied-dependency","info","'b' refers to 'a', which is not among its dependencies: it will wait for 'a'.","8:18-8:19"],
    ],
  },
  {
    name: "self",
    text: S('id: x', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: "{{ a.result }}"'),
    expect: [
      ["template.self-reference","error","Step 'a' refers to its own result, which does not exist while it runs.","5:18-5:19"],
    ],
  },
  {
    name: "loopvar",
    text: S('id: x', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: "{{ item }} {{ $index }}"'),
    expect: [
      ["template.loop-variable-outside-loop","error","'item' is a loop variable, but this template is not inside a 'for_each' or 'while' body.","5:18-5:22"],
      ["template.loop-variable-outside-loop","error","'$index' is a loop variable, but this template is not inside a 'for_each' or 'while' body.","5:29-5:35"],
    ],
  },
  {
    name: "autoShellCode",
    text: S('id: x', 'steps:', '  - id: a', '    tool: terminal', '    action: execute', '    parameters:', '      command: <AUTO shell="code">which command</AUTO>'),
    expect: [
      ["auto.shell-code","warning","This AUTO tag's answer runs as shell code (shell=\"code\"): a model's answer can then run any command. Without the attribute it is quoted as one word.","6:15-6:54"],
    ],
  },
  {
    name: "auto",
    text: S('id: x', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: "<AUTO>write a prompt"'),
    expect: [
      ["auto.unclosed","error","An <AUTO> tag without its closing '</AUTO>'.","5:15-5:21"],
    ],
  },
  {
    name: "block",
    text: S('id: x', 'parameters: {topic: AI}', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: |', '        Write about {{ topic }}.', '        Then {{ topicc | upper }}', '      system: >-', '        folded', '        {{ nope }}'),
    expect: [
      ["template.unknown-name","error","Unknown name 'topicc' in template: not a parameter, a step or a loop variable. Did you mean 'topic'?","8:16-8:22"],
      ["template.unknown-name","error","Unknown name 'nope' in template: not a parameter, a step or a loop variable.","11:11-11:15"],
    ],
  },
  {
    name: "dq",
    text: S('id: x', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: "line\\n\\t{{ nope }}"'),
    expect: [
      ["template.unknown-name","error","Unknown name 'nope' in template: not a parameter, a step or a loop variable.","5:26-5:30"],
    ],
  },
  {
    name: "cond",
    text: S('id: x', 'parameters: {n: 1}', 'steps:', '  - id: a', '    action: generate', '    parameters: {prompt: hi}', '    condition: "n > 0 and m"'),
    expect: [
      ["template.unknown-name","error","Unknown name 'm' in expression: not a parameter, a step or a loop variable. Did you mean 'a' or 'n'?","6:26-6:27"],
    ],
  },];

describe('findings: one document per code, exact messages and ranges', () => {
  for (const c of CASES) {
    it(c.name, () => {
      assert.deepEqual(findingsOf(c.text), c.expect);
    });
  }

  it('a document over the size limit gets one finding and no analysis', () => {
    const text = 'id: x\nsteps:\n' + '  - {id: a, action: generate, parameters: {prompt: hi}}\n' + '#'.repeat(5_000_001);
    assert.deepEqual(findingsOf(text), [['document.too-large', 'error', `The document has ${text.length} characters; pipelines over 5000000 are not analyzed.`, '0:0-0:1']]);
  });

  it('every code in the codes table is triggered by some case above', () => {
    // the resolver's codes (not analyze's) are asserted with their ranges in auto.test.ts
    // and orc explain's in intel.test.ts
    // and ContextLab's patterns (with their quick fixes) in contextlabFormat.test.ts, the MCP codes in mcp.test.ts, the sql step's in sqlFindings.test.ts,
    // the agents' in agentAnalysis.test.ts, the triggers' in triggerAnalysis.test.ts, the guards' and budgets' in test/engine/guard/guardFindings.test.ts,
    // the model parts' paths (model.part-path) in test/server/conversationIntel.test.ts, the monitors' in monitorFindings.test.ts,
    // a ContextLab file's (compat.unknown-key, compat.unsupported-tool, compat.unsupported-step) in contextlabDialect.test.ts
    const seen = new Set<string>(['compat.unknown-key', 'compat.unsupported-tool', 'compat.unsupported-step', 'document.too-large', 'auto.unresolved', 'auto.invalid-answer', 'explain.unaccounted-step', 'explain.undeliverable-intention', 'explain.contradiction', 'compat.ignored-key', 'parameter.declared-twice', 'yaml.under-indented-quote', 'mcp.unknown-server', 'mcp.unknown-tool', 'mcp.unchecked', 'sql.template-in-sql', 'agent.unknown-tool', 'agent.empty-entry', 'agent.unknown-agent', 'agent.pipeline-file', 'agent.a2a-url', 'agent.model-without-tools', 'agent.option-without-agent', 'agent.unapproved-tool', 'model.modality', 'model.part-path', 'trigger.kind', 'trigger.option-mismatch', 'trigger.cron', 'trigger.cron-never', 'trigger.timezone', 'trigger.webhook-name', 'trigger.duplicate-webhook', 'trigger.unknown-input', 'trigger.missing-input', 'guard.invalid', 'budget.exceedable', 'budget.no-max-tokens', 'budget.unpriced-model', 'monitor.assertion-type', 'monitor.assertion-value', 'monitor.judge-model', 'monitor.name', 'monitor.duplicate-name', 'monitor.window', 'monitor.notify-url', 'monitor.notify-secret', 'monitor.secret-env', 'monitor.never-alerts']);
    for (const c of CASES) for (const f of c.expect) seen.add(f[0]);
    const untested = Object.keys(FINDING_CODES).filter((code) => !seen.has(code));
    assert.deepEqual(untested, []);
  });

  it('every finding has the SPEC shape: path, step and suggestions', () => {
    const a = analyze(CASES.find((c) => c.name === 'unknownKey')!.text);
    assert.deepEqual(a.findings[1], {
      code: 'schema.unknown-key',
      severity: 'error',
      message: "Unknown key 'timout' in a step. Did you mean 'timeout'?",
      range: { start: { line: 6, character: 4 }, end: { line: 6, character: 10 } },
      step: 'a',
      path: 'steps[0].timout',
      suggestions: ['timeout'],
    });
  });

  it('a cycle names every step and relates the other edges', () => {
    const a = analyze(CASES.find((c) => c.name === 'cycle')!.text);
    assert.deepEqual(a.findings[0].related, [
      { message: "'c' depends on 'b'", range: { start: { line: 13, character: 19 }, end: { line: 13, character: 20 } } },
      { message: "'b' depends on 'a'", range: { start: { line: 9, character: 19 }, end: { line: 9, character: 20 } } },
    ]);
  });

  it('a duplicate id relates the first definition', () => {
    const a = analyze(CASES.find((c) => c.name === 'dupId')!.text);
    assert.deepEqual(a.findings[0].related, [{ message: "'a' first defined here", range: { start: { line: 2, character: 8 }, end: { line: 2, character: 9 } } }]);
  });

  it('an unknown tool named like a familiar one suggests the tool that does it', () => {
    const a = analyze(S('id: x', 'steps:', '  - id: a', '    tool: shell', '    action: execute', '    parameters: {command: ls}'));
    assert.deepEqual(a.findings.map((f) => [f.code, f.suggestions]), [['tool.unknown', ['terminal']]]);
  });

  it('names that exist on Object.prototype are unknown like any other', () => {
    const text = S('id: x', 'steps:', '  - id: a', '    tool: constructor', '    action: run', '  - id: b', '    action: generate', '    parameters:', '      prompt: "{{ b2 | toString }}"', '      constructor: 1', '  - id: b2', '    action: toString');
    assert.deepEqual(findingsOf(text).map((f) => f[0]), ['tool.unknown', 'template.implied-dependency', 'template.unknown-filter', 'param.unknown', 'action.unknown']);
  });
});

/** What suggest answered when it compared the word with every candidate (before the index). */
function scanAll(word: string, candidates: string[], limit = 3): string[] {
  const max = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  const scored: { c: string; d: number }[] = [];
  for (const c of new Set(candidates)) {
    if (c === word) continue;
    const d = editDistance(word, c, max);
    const prefix = c.length >= 3 && word.length >= 3 && (c.startsWith(word) || word.startsWith(c));
    if (d <= max || prefix) scored.push({ c, d: prefix ? Math.min(d, max) : d });
  }
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return scored.slice(0, limit).map((x) => x.c);
}

/** A small deterministic generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random lists of candidates made of `letters`, and words near one of them (the candidate itself,
 * cut at either end, extended, one letter changed, upper-cased) or random: the index (each list is
 * long enough to be indexed) suggests exactly what a scan of every candidate does.
 */
function agreesWithScan(next: () => number, letters: string, lists: number): void {
  const word = (len: number) => Array.from({ length: len }, () => letters[Math.floor(next() * letters.length)]).join('');
  for (let list = 0; list < lists; list++) {
    const candidates = Array.from({ length: 64 + Math.floor(next() * 400) }, () => word(1 + Math.floor(next() * 9)));
    for (let q = 0; q < 60; q++) {
      const base = candidates[Math.floor(next() * candidates.length)];
      const pick = Math.floor(next() * 7);
      const w =
        pick === 0 ? base
        : pick === 1 ? base.slice(0, Math.max(1, base.length - 1 - Math.floor(next() * 2)))
        : pick === 2 ? base.slice(1)
        : pick === 3 ? base + word(1 + Math.floor(next() * 3))
        : pick === 4 ? base.slice(0, 1) + word(1) + base.slice(2)
        : pick === 5 ? base.toUpperCase()
        : word(1 + Math.floor(next() * 10));
      assert.deepEqual(suggest(w, candidates), scanAll(w, candidates), `letters '${letters}', list ${list}, word '${w}'`);
    }
  }
}

const pipelineWith = (id: string) => `id: p
steps:
  - id: ${id}
    tool: data
    action: aggregate
    parameters: {data: [1, 2, 3], operations: [count]}
  - id: b
    depends_on: [${id}]
    tool: data
    action: aggregate
    parameters: {data: ["{{ steps['${id}'].result.result.count }}", "{{ ${id}.result.result.count }}"], operations: [count]}
outputs:
  o: "{{ steps['${id}'].result.result.count }}"
`;

describe('hostile input', () => {
  // Hardening, round two (issue 24, item 13): findings grew quadratically. Each unknown name was
  // compared with every step id for its "did you mean" (and each scanned every step id for a hyphen),
  // so 4,000 unknown names in a 4,000-step pipeline took 8 to 32 s and 20,000 over two minutes. The
  // suggestions now come from an index of the candidates built once a list (engine/analyze/suggestIndex.ts),
  // which must suggest exactly what comparing with every candidate suggests. Speed is measured in
  // bench/findings.bench.ts; these tests run under mocha's timeout, which the quadratic version
  // overruns many times.
  describe('hardening 2: many findings', function () {
    // the quadratic version took minutes at these sizes; this one a second or two (more on a loaded machine)
    this.timeout(60_000);

    it('8,000 steps each reading an unknown name: 8,000 unknown-name errors, each with its nearest step id suggested', () => {
      const n = 8000;
      const lines = ['id: many', 'steps:'];
      for (let i = 0; i < n; i++) lines.push(`  - id: s${i}`, '    tool: terminal', '    action: execute', '    parameters:', `      command: "echo {{ u${i} }}"`);
      const a = analyze(lines.join('\n') + '\n');
      assert.equal(a.findings.length, n);
      assert.deepEqual([...new Set(a.findings.map((f) => `${f.code} ${f.severity}`))], ['template.unknown-name error']);
      const f = a.findings[17];
      assert.equal(f.message, "Unknown name 'u17' in template: not a parameter, a step or a loop variable. Did you mean 's17'?");
      assert.deepEqual(f.suggestions, ['s17']);
      assert.deepEqual(f.range, { start: { line: 2 + 17 * 5 + 4, character: 24 }, end: { line: 2 + 17 * 5 + 4, character: 27 } });
      // a five-character name is one edit away at most
      assert.deepEqual(a.findings[7345].suggestions, ['s7345']);
      assert.deepEqual(a.findings[7345].suggestions, scanAll('u7345', Array.from({ length: n }, (_, i) => `s${i}`)));
    });

    it('2,000 unknown dependencies among 2,000 siblings are suggested the same way', () => {
      const n = 2000;
      const lines = ['id: deps', 'steps:'];
      for (let i = 0; i < n; i++) lines.push(`  - id: step_${i}`, '    tool: terminal', '    action: execute', '    parameters: {command: echo}', `    depends_on: [stpe_${i + 1}]`);
      const a = analyze(lines.join('\n') + '\n');
      const deps = a.findings.filter((f) => f.code === 'step.unknown-dependency');
      assert.equal(deps.length, n);
      assert.equal(deps[41].message, "Unknown step 'stpe_42' in the dependencies of 'step_41'. Did you mean 'step_42', 'step_12' or 'step_142'?");
      assert.deepEqual(deps[41].suggestions, scanAll('stpe_42', Array.from({ length: n }, (_, i) => `step_${i}`)));
      assert.equal(deps[n - 1].message, `Unknown step 'stpe_${n}' in the dependencies of 'step_${n - 1}'. Did you mean 'step_1000', 'step_200' or 'step_100'?`);
      assert.deepEqual(deps[n - 1].suggestions, scanAll(`stpe_${n}`, Array.from({ length: n }, (_, i) => `step_${i}`)));
    });

    it('the index suggests exactly what comparing with every candidate suggests (random lists and words)', () => {
      agreesWithScan(random(24), 'abcdeABCDE_-1', 40);
    });

    it('the index walking in collation order (ids of letters, digits, _ and -) and the one that cannot (other characters) both suggest what a scan does', () => {
      const next = random(29);
      for (const letters of ['az09AZ_-5', 'ab1.é_B']) agreesWithScan(next, letters, 30);
      // step ids numbered in the thousands: the nearest by one edit, then the first in collation order by two
      const ids = Array.from({ length: 20_000 }, (_, i) => `s${i}`);
      assert.deepEqual(suggest('u12345', ids), ['s12345', 's10345', 's11345']);
      assert.deepEqual(suggest('u12345', ids), scanAll('u12345', ids));
    });

    it('suggestAmong several lists answers as one list would', () => {
      const ids = Array.from({ length: 500 }, (_, i) => `fetch_${i}`);
      const params = ['fetch_url', 'retries'];
      assert.deepEqual(suggestAmong('fetch_ur', [params, ids]), scanAll('fetch_ur', [...params, ...ids]));
      assert.deepEqual(suggestAmong('retrys', [params, ids, ['retry']]), ['retry', 'retries']);
    });
  });

  // Hardening, round two (issue 24, item 16): a step id `constructor` or `__proto__` validated and
  // then failed at run time (templates cannot read those names; `__proto__` even vanished from the
  // result document). They are now refused by the analyzer; ids like `toString` and
  // `hasOwnProperty`, which are ordinary names, run and read back like any other.
  describe('hardening 2: step ids that name parts of every object', function () {
    this.timeout(30_000);
    let dir: string;
    beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-ids-')))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const id of ['constructor', '__proto__', 'prototype']) {
      it(`'${id}' is refused by orc validate and orc run (exit 2), nothing run`, () => {
        fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), pipelineWith(id));
        const v = orc(['validate', 'p.pipeline.yaml'], { cwd: dir });
        assert.equal(v.code, 2);
        assert.ok((v.stdout + v.stderr).includes(`p.pipeline.yaml:3:9: error step.reserved-id Step id '${id}' names a part of every object, which templates cannot read: choose another id.`), v.stdout + v.stderr);
        const r = orc(['run', 'p.pipeline.yaml'], { cwd: dir });
        assert.equal(r.code, 2);
        assert.equal(fs.existsSync(path.join(dir, '.orchestrator', 'runs')), false);
      });
    }

    for (const id of ['toString', 'hasOwnProperty', 'valueOf']) {
      it(`'${id}' validates and runs: later steps and outputs read its result`, async () => {
        const a = analyze(pipelineWith(id));
        assert.deepEqual(a.findings, []);
        const doc = await runPipeline(a, { cwd: dir, checkpoint: false });
        assert.equal(doc.status, 'completed');
        assert.deepEqual(Object.keys(doc.steps), [id, 'b']);
        assert.deepEqual(doc.steps[id].result, { result: { count: 3 } });
        assert.deepEqual(doc.steps.b.result, { result: { count: 2 } });
        assert.deepEqual(doc.outputs, { o: 3 });
      });
    }
  });

  // Slow paths found from outside (issue 9). Speed itself is measured in bench/; these tests check
  // the results of work that used to take minutes, under mocha's timeout, so the quadratic versions
  // fail them.
  describe('hardening: mappings with many keys', function () {
    this.timeout(20_000);

    it('duplicate keys are still found, in block and flow mappings, quoted or not, at the second key', () => {
      const text = 'id: x\nparameters:\n  a: {type: string}\n  b: {type: string, type: integer}\n  "a": {type: string}\nsteps:\n  - {id: s, tool: terminal, action: execute, parameters: {command: echo}}\n';
      const f = analyze(text).findings.filter((x) => x.code === 'yaml.duplicate-key');
      assert.deepEqual(
        f.map((x) => [x.message, `${x.range.start.line}:${x.range.start.character}-${x.range.end.line}:${x.range.end.character}`]),
        [
          ["Duplicate key 'type': a mapping holds each key once.", '3:20-3:24'],
          ["Duplicate key '\"a\"': a mapping holds each key once.", '4:2-4:5'],
        ],
      );
    });
  });
});
