// Eval files as the language server and `orc eval` read them: exact findings with ranges, and
// datasets streamed (a broken line with its number; 100,000 rows in bounded memory).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { analyzeEval } from '../../../engine/eval/evalAnalysis';
import { DatasetError, readCases } from '../../../engine/eval/dataset';
import { wilson } from '../../../engine/eval/stats';
import { compact, doc } from '../../helpers/findings';
import Ajv from 'ajv';
import { parse as parseYamlText } from 'yaml';
import { EVAL_FINDING_CODES } from '../../../engine/eval/evalCodes';
import { ROOT } from '../../helpers/cli';

const PIPELINE = doc(
  'id: brief',
  'parameters:',
  '  topic:',
  '    type: string',
  '    required: true',
  '  tone:',
  '    type: string',
  '    default: plain',
  'steps:',
  '  - id: outline',
  '    action: generate',
  '    model: openai:gpt-4o-mini',
  '    parameters:',
  '      prompt: "Outline {{ topic }} in a {{ tone }} tone"',
  'outputs:',
  '  summary: "{{ outline.result }}"',
);

describe('eval files: analysis', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-eval-analysis-'));
    fs.writeFileSync(path.join(dir, 'brief.pipeline.yaml'), PIPELINE);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const findings = (text: string) => analyzeEval(text, path.join(dir, 'brief.eval.yaml')).findings.map(compact);

  it('a clean eval has no findings, and its spec says what runs', () => {
    const a = analyzeEval(
      doc('pipeline: brief.pipeline.yaml', 'cases:', '  - id: cats', '    topic: cats', 'variants:', '  - name: formal', '    parameters: { tone: formal }', 'assert:', '  - contains: cats', 'threshold: 0.5', 'repeat: 2'),
      path.join(dir, 'brief.eval.yaml'),
    );
    assert.deepEqual(a.findings, []);
    assert.equal(a.eval!.pipeline, path.join(dir, 'brief.pipeline.yaml'));
    assert.equal(a.eval!.threshold, 0.5);
    assert.equal(a.eval!.repeat, 2);
    // the pipeline's only output is what an assertion without a target looks at
    assert.deepEqual(a.eval!.assert[0].target, { output: 'summary' });
    assert.equal(a.eval!.assert[0].line, 8);
    assert.deepEqual(a.eval!.variants, [{ name: 'formal', models: {}, parameters: { tone: 'formal' }, path: ['variants', 0] }]);
  });

  it('a broken eval: every finding on its exact characters', () => {
    const text = doc(
      'pipeline: brief.pipeline.yaml',
      'cases:',
      '  - id: cats',
      '    topik: cats',
      '    keyword: cat',
      '  - id: cats',
      '    topic: dogs',
      'variants:',
      '  - name: big',
      '    models: { outlin: openai:gpt-4o, "*": gpt4 }',
      '    parameters: { tonne: formal }',
      'assert:',
      '  - output: summry',
      '    contains: "{{ case.keyword }}"',
      '  - step: outline',
      '    icontains: "{{ case.kyword }} {{ outputs.sumary }} {{ nope }}"',
      '  - contains: x',
      '    max_length: 3',
      '  - regex: "{{ case.keyword "',
      '  - equal: 3',
      'threshold: 1.5',
      'repaet: 2',
    );
    assert.deepEqual(findings(text), [
      ['eval.missing-parameter', 'error', "Case 'cats' has no value for the required parameter 'topic': give it a column, a variant's parameters or a default.", '2:4-4:16'],
      ['eval.unused-column', 'warning', "Column 'topik' is neither a parameter of the pipeline nor read as 'case.topik' by an assertion. Did you mean 'topic'?", '3:4-3:9'],
      ['eval.duplicate-name', 'error', "Two cases have the id 'cats'.", '5:8-5:12'],
      ['eval.unknown-step', 'error', "The pipeline has no step 'outlin' (use '*' for every model step). Did you mean 'outline'?", '9:14-9:20'],
      ['eval.model-invalid', 'error', 'Model "gpt4" must be written \'provider:model\' (e.g. openai:gpt-4o-mini).', '9:42-9:46'],
      ['eval.unknown-parameter', 'error', "The pipeline has no parameter 'tonne'. Did you mean 'tone'?", '10:18-10:23'],
      ['eval.unknown-output', 'error', "The pipeline has no output 'summry'. Did you mean 'summary'? Its outputs: summary.", '12:12-12:18'],
      ['eval.unknown-column', 'warning', "No case has a column 'kyword'. Did you mean 'keyword'?", '15:24-15:30'],
      ['eval.unknown-output', 'error', "The pipeline has no output 'sumary'. Did you mean 'summary'?", '15:45-15:51'],
      ['eval.template-unknown-name', 'error', "Unknown name 'nope' in an assertion: it sees case, outputs, steps, value, run.", '15:58-15:62'],
      ['eval.assertion-kind', 'error', "An assertion has one kind; this one has 'contains' and 'max_length': write one assertion for each.", '17:4-17:14'],
      ['eval.template-syntax', 'error', "Template syntax error: Missing '}}' to close the expression.", '18:12-18:14'],
      ['eval.unknown-key', 'error', "Unknown key 'equal' in an assertion. Did you mean 'equals'?", '19:4-19:9'],
      ['eval.type', 'error', "'threshold' must be a number from 0 to 1.", '20:11-20:14'],
      ['eval.unknown-key', 'error', "Unknown key 'repaet' in an eval file. Did you mean 'repeat'?", '21:0-21:6'],
    ]);
  });

  it('a missing pipeline, a dataset that is not there, a file that is not a mapping', () => {
    assert.deepEqual(findings(doc('pipeline: nothere.pipeline.yaml', 'cases: cases.jsonl')), [
      ['eval.pipeline-not-found', 'error', `No pipeline file 'nothere.pipeline.yaml' (looked for ${path.join(dir, 'nothere.pipeline.yaml')}).`, '0:10-0:31'],
    ]);
    assert.deepEqual(findings(doc('pipeline: brief.pipeline.yaml', 'cases: cases.jsonl')), [
      ['eval.dataset-not-found', 'error', `No dataset file 'cases.jsonl' (looked for ${path.join(dir, 'cases.jsonl')}).`, '1:7-1:18'],
    ]);
    assert.deepEqual(findings(doc('pipeline: brief.pipeline.yaml', 'cases: cases.txt')), [
      ['eval.dataset-format', 'error', "'cases.txt' is not a dataset this reads: give a .jsonl, .csv or .json file, or a list of cases.", '1:7-1:16'],
    ]);
    assert.deepEqual(findings(doc('assert: []')), [
      ['eval.missing-key', 'error', "An eval file needs 'pipeline'.", '0:0-0:10'],
      ['eval.missing-key', 'error', "An eval file needs 'cases'.", '0:0-0:10'],
    ]);
    assert.deepEqual(findings(doc('- just a list')), [['eval.not-a-mapping', 'error', 'An eval file is a mapping: pipeline, cases, assert, and optional variants, threshold, repeat.', '0:0-0:13']]);
  });

  it("a dataset file's columns are checked from its first record", () => {
    fs.writeFileSync(path.join(dir, 'cases.csv'), 'id,tpoic,expected\nc1,cats,cat\n');
    assert.deepEqual(findings(doc('pipeline: brief.pipeline.yaml', 'cases: cases.csv', 'assert:', '  - contains: "{{ case.expected }}"')), [
      ['eval.missing-parameter', 'error', "The first case of 'cases.csv' has no value for the required parameter 'topic': give it a column, a variant's parameters or a default.", '1:7-1:16'],
      ['eval.unused-column', 'warning', "Column 'tpoic' is neither a parameter of the pipeline nor read as 'case.tpoic' by an assertion. Did you mean 'topic'?", '1:7-1:16'],
    ]);
    // a variant that gives the parameter is enough
    assert.deepEqual(findings(doc('pipeline: brief.pipeline.yaml', 'cases: cases.csv', 'variants:', '  - name: v', '    parameters: {topic: x}', 'assert:', '  - contains: "{{ case.expected }} {{ case.tpoic }}"')), []);
  });

  it('a pipeline that does not compile is one finding on the pipeline path, with its first error', () => {
    fs.writeFileSync(path.join(dir, 'bad.pipeline.yaml'), 'id: bad\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: hi}\n    dependencies: [b]\n');
    assert.deepEqual(findings(doc('pipeline: bad.pipeline.yaml', 'cases: []')), [
      ['eval.pipeline-does-not-compile', 'error', "The pipeline does not compile: bad.pipeline.yaml:6:20: Unknown step 'b' in the dependencies of 'a'. Did you mean 'a'?", '0:10-0:27'],
    ]);
  });
});

describe('eval files: the docs and the schema say what the code does', () => {
  it('docs/eval.md lists every eval finding code once, with its severity', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docs', 'eval.md'), 'utf8');
    const rows = [...text.matchAll(/^\| `(eval\.[a-z.-]+)` \| (error|warning|info|hint) \|/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(rows, Object.entries(EVAL_FINDING_CODES).map(([code, info]) => [code, info.severity]));
  });

  it('the example evals compile with no finding and match the JSON schema; a misspelt key does not', () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(fs.readFileSync(path.join(ROOT, 'engine', 'eval', 'eval.schema.json'), 'utf8')));
    for (const name of ['hello.eval.yaml', 'summarize.eval.yaml']) {
      const file = path.join(ROOT, 'examples', name);
      const text = fs.readFileSync(file, 'utf8');
      assert.deepEqual(analyzeEval(text, file).findings, [], name);
      assert.ok(validate(parseYamlText(text)), `${name}: ${JSON.stringify(validate.errors)}`);
    }
    assert.equal(validate({ pipeline: 'p.pipeline.yaml', cases: [], asert: [] }), false);
    assert.equal(validate({ pipeline: 'p.pipeline.yaml', cases: [], assert: [{ output: 'x', contain: 'y' }] }), false);
  });
});

describe('eval datasets', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-eval-data-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function all(file: string, format: 'jsonl' | 'csv' | 'json') {
    const out = [];
    for await (const c of readCases({ kind: 'file', file: path.join(dir, file), format, written: file })) out.push(c);
    return out;
  }

  it('reads .jsonl, .csv and .json cases with their line numbers; CSV cells that read as JSON are values', async () => {
    fs.writeFileSync(path.join(dir, 'a.jsonl'), '{"id": "x", "topic": "cats"}\n\n{"topic": "dogs", "skip": "later"}\n');
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,topic,n,tags\nx,"cats, mostly",3,"[1,2]"\n');
    fs.writeFileSync(path.join(dir, 'a.json'), '[{"topic": "cats"}]');
    assert.deepEqual(await all('a.jsonl', 'jsonl'), [
      { id: 'x', values: { topic: 'cats' }, assert: [], skip: null, line: 1 },
      { id: 'case-2', values: { topic: 'dogs' }, assert: [], skip: 'later', line: 3 },
    ]);
    assert.deepEqual(await all('a.csv', 'csv'), [{ id: 'x', values: { topic: 'cats, mostly', n: 3, tags: [1, 2] }, assert: [], skip: null, line: 2 }]);
    assert.deepEqual(await all('a.json', 'json'), [{ id: 'case-1', values: { topic: 'cats' }, assert: [], skip: null, line: 1 }]);
  });

  it('a broken line stops the read with its line number', async () => {
    fs.writeFileSync(path.join(dir, 'b.jsonl'), '{"topic": "cats"}\n{"topic": "dogs"}\n{"topic": dogs}\n');
    await assert.rejects(all('b.jsonl', 'jsonl'), (e: unknown) => e instanceof DatasetError && e.line === 3 && /^b\.jsonl:3: not JSON \(/.test(e.message));
    fs.writeFileSync(path.join(dir, 'c.jsonl'), '{"topic": "cats"}\n[1, 2]\n');
    await assert.rejects(all('c.jsonl', 'jsonl'), { message: 'c.jsonl:2: a case is a JSON object ({"topic": "...", ...})' });
    fs.writeFileSync(path.join(dir, 'b.csv'), 'topic,n\ncats,1\ndogs,2,3\n');
    await assert.rejects(all('b.csv', 'csv'), (e: unknown) => e instanceof DatasetError && e.line === 3);
  });

  it('streams a 100,000-row dataset in bounded memory', async function () {
    this.timeout(60_000);
    const file = path.join(dir, 'big.jsonl');
    const fd = fs.openSync(file, 'w');
    const pad = 'x'.repeat(200);
    for (let i = 0; i < 100_000; i += 1000) {
      let chunk = '';
      for (let j = i; j < i + 1000; j++) chunk += `{"id": "c${j}", "topic": "topic ${j} ${pad}"}\n`;
      fs.writeSync(fd, chunk);
    }
    fs.closeSync(fd);
    const size = fs.statSync(file).size;
    assert.ok(size > 20_000_000, `the file is ${size} bytes`);
    // what is live, not garbage a collection has not reached yet (which made this fail at 26 MB once)
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let n = 0;
    for await (const c of readCases({ kind: 'file', file, format: 'jsonl', written: 'big.jsonl' })) {
      assert.equal(c.id, `c${n}`);
      n++;
      if (n % 5000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
    }
    assert.equal(n, 100_000);
    // the whole file would be over 20 MB as text and several times that as objects; what is read stays small
    assert.ok(peak < 16_000_000, `the heap grew by ${(peak / 1e6).toFixed(1)} MB while reading`);
  });

  it('the 95 % Wilson interval', () => {
    assert.deepEqual(wilson(0, 2), { low: 0, high: 0.65762 });
    assert.deepEqual(wilson(3, 4), { low: 0.300642, high: 0.954413 });
    assert.deepEqual(wilson(10, 10), { low: 0.722467, high: 1 });
    assert.deepEqual(wilson(0, 0), { low: 0, high: 1 });
  });
});
