// ContextLab's data-processing, report-generator and pipeline-executor tools, run as a user runs
// them: pipelines in a temporary workspace through the built CLI (`orc run FILE --json`), with the
// exact result documents and files, the refusals, and what `orc validate` says about their specs.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orc } from '../../helpers/cli';
import { alive } from '../../helpers/processes';

let dir: string;
let outside: string;

interface Step {
  status: string;
  success: boolean | null;
  result: Record<string, unknown> | null;
  error: string | null;
  error_type: string | null;
}
interface Doc {
  status: string;
  steps: Record<string, Step>;
}

function write(name: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  fs.writeFileSync(path.join(dir, name), text);
}

/** Runs a pipeline file of the workspace; returns the exit code and the result document. */
function run(name: string, text: string): { code: number | null; doc: Doc; stderr: string } {
  write(name, text);
  const r = orc(['run', name, '--json'], { cwd: dir });
  assert.ok(r.stdout.trim(), `no result document: ${r.stderr}`);
  return { code: r.code, doc: JSON.parse(r.stdout) as Doc, stderr: r.stderr };
}

function validate(text: string): { code: number | null; findings: Finding[] } {
  write('v.pipeline.yaml', text);
  const r = orc(['validate', 'v.pipeline.yaml', '--json'], { cwd: dir });
  return { code: r.code, findings: JSON.parse(r.stdout).findings };
}

type Finding = { code: string; severity: string; message: string };
const errors = (findings: Finding[]) => findings.filter((f) => f.severity === 'error');

const SALES = ['region,product,qty,price,status', 'north,apple,3,1.50,active', 'south,pear,5,2.00,inactive', 'north,pear,2,2.00,active', 'south,apple,4,1.50,active', 'north,apple,3,1.50,active', ''].join('\n');

describe('ContextLab tools through orc run', function () {
  this.timeout(60_000);
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-cl-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-cl-outside-')));
    fs.writeFileSync(path.join(dir, 'sales.csv'), SALES);
    fs.writeFileSync(path.join(outside, 'secret.csv'), 'a,b\n1,2\n');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  describe('data-processing', () => {
    it('filter, convert and aggregate a CSV file; the filtered CSV is written through {{ step.processed_data }}', () => {
      const { code, doc } = run(
        'dp.pipeline.yaml',
        `id: dp
steps:
  - id: active
    tool: data-processing
    action: filter
    parameters:
      data: sales.csv
      format: csv
      operation:
        criteria: {status: active}
  - id: as_json
    tool: data-processing
    action: convert
    parameters:
      data: "{{ active.processed_data }}"
      format: csv
      output_format: json
  - id: by_region
    tool: data-processing
    action: aggregate
    parameters:
      data: sales.csv
      group_by: [region]
      aggregations:
        total_qty: {column: qty, function: sum}
        orders: {column: qty, function: count}
        products: {column: product, function: count_distinct}
        top_price: {column: price, function: max}
  - id: overall
    tool: data-processing
    action: aggregate
    parameters:
      data: "{{ active.result }}"
      format: csv
      aggregations: {qty: sum, price: min}
  - id: save
    tool: filesystem
    action: write
    parameters:
      path: out/active.csv
      content: "{{ active.processed_data }}"
`,
      );
      assert.equal(code, 0);
      assert.equal(doc.status, 'completed');
      const activeCsv = ['region,product,qty,price,status', 'north,apple,3,1.50,active', 'north,pear,2,2.00,active', 'south,apple,4,1.50,active', 'north,apple,3,1.50,active', ''].join('\n');
      assert.deepEqual(doc.steps.active.result, { success: true, action: 'filter', processed_data: activeCsv, criteria: { status: 'active' }, original_count: 5, filtered_count: 4 });
      const rec = (region: string, product: string, qty: string, price: string) => ({ region, product, qty, price, status: 'active' });
      assert.deepEqual(doc.steps.as_json.result, {
        success: true,
        action: 'convert',
        processed_data: JSON.stringify([rec('north', 'apple', '3', '1.50'), rec('north', 'pear', '2', '2.00'), rec('south', 'apple', '4', '1.50'), rec('north', 'apple', '3', '1.50')], null, 2),
        target_format: 'json',
        original_type: 'list',
      });
      assert.deepEqual(doc.steps.by_region.result, {
        success: true,
        action: 'aggregate',
        processed_data: [
          { region: 'north', total_qty: 8, orders: 3, products: 2, top_price: 2 },
          { region: 'south', total_qty: 9, orders: 2, products: 2, top_price: 2 },
        ],
        row_count: 2,
      });
      assert.deepEqual(doc.steps.overall.result, { success: true, action: 'aggregate', processed_data: { count: 4, aggregations: { qty_sum: 12, price_min: 1.5 } }, row_count: 1 });
      assert.deepEqual(fs.readdirSync(path.join(dir, 'out')), ['active.csv']);
      assert.equal(fs.readFileSync(path.join(dir, 'out', 'active.csv'), 'utf8'), activeCsv);
    });

    it('transform applies ContextLab\'s operations in order and returns JSON text; profile, pivot, clean and merge', () => {
      const { code, doc } = run(
        'dp2.pipeline.yaml',
        `id: dp2
steps:
  - id: tx
    tool: data-processing
    action: transform
    parameters:
      data:
        - {order_id: 1, quantity: "2", unit_price: "1.5", order_date: "2024-03-15", status: ""}
        - {order_id: 1, quantity: "2", unit_price: "1.5", order_date: "2024-03-15", status: ""}
        - {order_id: 2, quantity: "", unit_price: "4", order_date: "2024-04-01", status: shipped}
        - {order_id: 3, quantity: "1", unit_price: "3", order_date: "2024-04-09", status: cancelled}
      operations:
        - {type: deduplicate, columns: [order_id], keep: first}
        - {type: fill_missing, strategy: {status: pending, quantity: 1}}
        - {type: cast, columns: {quantity: integer, unit_price: float}}
        - type: calculate
          expressions:
            total_amount: "quantity * unit_price"
            order_month: "DATE_FORMAT(order_date, '%Y-%m')"
        - {type: filter, condition: "status != 'cancelled'"}
        - {type: rename_fields, mapping: {order_id: id}}
        - {type: sort, by: total_amount, reverse: true}
  - id: prof
    tool: data-processing
    action: profile
    parameters:
      data: sales.csv
      profiling_options: [missing_values, data_types, statistical_summary, duplicate_detection]
  - id: piv
    tool: data-processing
    action: pivot
    parameters:
      data: sales.csv
      index: [region]
      columns: [product]
      values: [qty]
      output_format: csv
  - id: cl
    tool: data-processing
    action: clean
    parameters:
      data: '[{"a": 1, "b": "x"}, {"a": 1, "b": "x"}, {"a": null, "b": "y"}, {"a": 5, "b": "z"}, {"a": 7, "b": ""}]'
      handle_missing: forward_fill
  - id: joined
    tool: data-processing
    action: merge
    parameters:
      datasets:
        - {name: left, data: [{id: 1, v: a}, {id: 2, v: b}]}
        - {name: right, data: [{id: 2, w: c}, {id: 3, w: d}]}
      merge_strategy: join
      join_on: id
      join_type: outer
  - id: combined
    tool: data-processing
    action: merge
    parameters:
      datasets:
        - {name: left, data: [{id: 1, v: a}]}
        - {name: right, data: {id: [2, 3], w: [c, d]}}
`,
      );
      assert.equal(code, 0);
      const tx = doc.steps.tx.result!;
      assert.deepEqual(JSON.parse(tx.processed_data as string), [
        { id: 2, quantity: 1, unit_price: 4, order_date: '2024-04-01', status: 'shipped', total_amount: 4, order_month: '2024-04' },
        { id: 1, quantity: 2, unit_price: 1.5, order_date: '2024-03-15', status: 'pending', total_amount: 3, order_month: '2024-03' },
      ]);
      assert.equal(tx.processed_data, JSON.stringify(JSON.parse(tx.processed_data as string), null, 2));
      assert.deepEqual([tx.success, tx.action, tx.row_count, (tx.transformations as { type: string }[]).map((t) => t.type)], [true, 'transform', 2, ['deduplicate', 'fill_missing', 'cast', 'calculate', 'filter', 'rename_fields', 'sort']]);

      const text = (name: string, unique: number) => ({ name, missing_count: 0, missing_percentage: 0, data_type: 'string', unique_count: unique, unique_percentage: unique * 20 });
      assert.deepEqual(doc.steps.prof.result, {
        success: true,
        action: 'profile',
        processed_data: {
          row_count: 5,
          column_count: 5,
          columns: {
            region: text('region', 2),
            product: text('product', 2),
            qty: { name: 'qty', missing_count: 0, missing_percentage: 0, data_type: 'numeric', min: 2, max: 5, mean: 3.4, median: 3, std_dev: Math.sqrt(1.3), unique_count: 4, unique_percentage: 80 },
            price: { name: 'price', missing_count: 0, missing_percentage: 0, data_type: 'numeric', min: 1.5, max: 2, mean: 1.7, median: 1.5, std_dev: Math.sqrt(0.075), unique_count: 2, unique_percentage: 40 },
            status: text('status', 2),
          },
          duplicate_rows: 1,
          duplicate_percentage: 20,
        },
      });
      assert.deepEqual(doc.steps.piv.result, { success: true, action: 'pivot', processed_data: 'region,apple,pear\nnorth,6,2\nsouth,4,5\n', row_count: 2 });
      assert.deepEqual(doc.steps.cl.result, {
        success: true,
        action: 'clean',
        processed_data: [
          { a: 1, b: 'x' },
          { a: 1, b: 'y' },
          { a: 5, b: 'z' },
          { a: 7, b: 'z' },
        ],
        original_shape: { rows: 5, columns: 2 },
        cleaned_shape: { rows: 4, columns: 2 },
        rows_removed: 1,
      });
      assert.deepEqual(doc.steps.joined.result, {
        success: true,
        action: 'merge',
        processed_data: [
          { id: 1, v: 'a', w: null },
          { id: 2, v: 'b', w: 'c' },
          { id: 3, v: null, w: 'd' },
        ],
        datasets_merged: 2,
        total_rows: 3,
        total_columns: 3,
        columns: ['id', 'v', 'w'],
      });
      assert.deepEqual(doc.steps.combined.result, {
        success: true,
        action: 'merge',
        processed_data: [
          { id: 1, v: 'a', _source: 'left', w: null },
          { id: 2, v: null, _source: 'right', w: 'c' },
          { id: 3, v: null, _source: 'right', w: 'd' },
        ],
        datasets_merged: 2,
        total_rows: 3,
        total_columns: 4,
        columns: ['id', 'v', '_source', 'w'],
      });
    });

    it('refuses a data file outside the workspace and data that does not parse, without retries', () => {
      const secret = path.join(outside, 'secret.csv');
      const { code, doc } = run(
        'bad.pipeline.yaml',
        `id: bad
steps:
  - id: escape
    tool: data-processing
    action: filter
    parameters: {data: "${secret}", format: csv}
  - id: up
    tool: data-processing
    action: profile
    parameters: {data: "../${path.basename(outside)}/secret.csv"}
  - id: json
    tool: data-processing
    action: transform
    parameters: {data: '{"a": 1', format: json}
  - id: csv
    tool: data-processing
    action: aggregate
    parameters: {data: "a,b\\n1,2\\n3,4,5\\n", format: csv}
  - id: shape
    tool: data-processing
    action: pivot
    parameters: {data: {a: 1}, index: [a], values: [a]}
`,
      );
      assert.equal(code, 1);
      const failure = (id: string) => [doc.steps[id].status, doc.steps[id].error_type, doc.steps[id].error, doc.steps[id].result];
      assert.deepEqual(failure('escape'), ['failed', 'PermissionError', `Path escapes the workspace: ${secret}`, null]);
      assert.deepEqual(failure('up'), ['failed', 'PermissionError', `Path escapes the workspace: ../${path.basename(outside)}/secret.csv`, null]);
      assert.equal(doc.steps.json.error_type, 'ValueError');
      assert.match(doc.steps.json.error!, /^Could not parse the data as json: /);
      assert.deepEqual(failure('csv'), ['failed', 'ValueError', 'Could not parse the data as csv: Invalid Record Length: columns length is 2, got 3 on line 3', null]);
      assert.deepEqual(failure('shape'), ['failed', 'ValueError', 'pivot needs a list of records, got dict', null]);
      for (const id of ['escape', 'up', 'json', 'csv', 'shape']) assert.equal((doc.steps[id] as unknown as { attempts: number }).attempts, 1);
    });
  });

  describe('report-generator', () => {
    it('generate builds the markdown report and writes it to output_path', () => {
      const { code, doc } = run(
        'r.pipeline.yaml',
        `id: r
parameters:
  kinds: {type: array, default: [stats]}
steps:
  - id: report
    tool: report-generator
    action: generate
    parameters:
      title: Weekly Report
      query: What sold?
      quality_score: 0.875
      metadata: {Owner: sales team}
      content: "Apples sold best."
      sections:
        - {title: Statistics, content: "Total: 17", condition: "'stats' in {{ kinds }}"}
        - {title: Trends, content: "none", condition: "'trend' in {{ kinds }}"}
        - {title: Raw, content: {total: 17}, level: 3}
      findings: [Apples lead, Pears lag]
      recommendations: [Stock more apples]
      data: [{product: apple, qty: 10}, {product: "pear|nashi", qty: 7}]
      output_path: reports/weekly.md
`,
      );
      assert.equal(code, 0);
      const r = doc.steps.report.result!;
      assert.match(r.timestamp as string, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      const markdown = [
        '# Weekly Report',
        '',
        `**Generated on:** ${r.timestamp}`,
        '**Query:** What sold?',
        '**Quality Score:** 0.88/1.0',
        '**Owner:** sales team',
        '',
        '---',
        '',
        'Apples sold best.',
        '',
        '## Statistics',
        '',
        'Total: 17',
        '',
        '### Raw',
        '',
        '```json',
        '{',
        '  "total": 17',
        '}',
        '```',
        '',
        '## Key Findings',
        '',
        '- Apples lead',
        '- Pears lag',
        '',
        '## Data',
        '',
        '| product | qty |',
        '|---|---|',
        '| apple | 10 |',
        '| pear\\|nashi | 7 |',
        '',
        '## Recommendations',
        '',
        '1. Stock more apples',
        '',
      ].join('\n');
      assert.deepEqual(r, { markdown, word_count: markdown.split(/\s+/).filter(Boolean).length, timestamp: r.timestamp, title: 'Weekly Report', format: 'markdown', file_path: 'reports/weekly.md' });
      assert.deepEqual(fs.readdirSync(path.join(dir, 'reports')), ['weekly.md']);
      assert.equal(fs.readFileSync(path.join(dir, 'reports', 'weekly.md'), 'utf8'), markdown);
    });

    it('create: a body with its own heading leads; search results give Search Results and References; nothing is written without output_path', () => {
      const { code, doc } = run(
        'r2.pipeline.yaml',
        `id: r2
steps:
  - id: report
    tool: report-generator
    action: create
    parameters:
      title: ignored
      format: markdown
      content: |
        # Own Title

        Body.
      search_results:
        results:
          - {title: First, url: "https://a.example/1", snippet: One, relevance: 0.9}
          - {title: Second, url: "https://b.example/2"}
`,
      );
      assert.equal(code, 0);
      const r = doc.steps.report.result!;
      const markdown = [
        '# Own Title',
        '',
        `**Generated on:** ${r.timestamp}`,
        '',
        '---',
        '',
        'Body.',
        '',
        '## Search Results',
        '',
        '### 1. First',
        '**URL:** [https://a.example/1](https://a.example/1)',
        '**Relevance:** 0.90',
        '**Summary:** One',
        '',
        '### 2. Second',
        '**URL:** [https://b.example/2](https://b.example/2)',
        '**Summary:** No description available.',
        '',
        '## References',
        '',
        '1. First. Available at: https://a.example/1',
        '2. Second. Available at: https://b.example/2',
        '',
      ].join('\n');
      assert.deepEqual(r, { markdown, word_count: markdown.split(/\s+/).filter(Boolean).length, timestamp: r.timestamp, title: 'ignored', format: 'markdown', file_path: null });
      assert.deepEqual(fs.readdirSync(dir).sort(), ['.orchestrator', 'r2.pipeline.yaml', 'sales.csv']);
    });

    it('refuses an output_path outside the workspace or in the run\'s state, and a format it does not write', () => {
      const { code, doc } = run(
        'r3.pipeline.yaml',
        `id: r3
steps:
  - id: escape
    tool: report-generator
    action: generate
    parameters: {title: T, output_path: "../${path.basename(outside)}/report.md"}
  - id: state
    tool: report-generator
    action: generate
    parameters: {title: T, output_path: .orchestrator/report.md}
  - id: html
    tool: report-generator
    action: generate
    parameters: {title: T, format: "{{ 'html' }}"}
`,
      );
      assert.equal(code, 1);
      const failure = (id: string) => [doc.steps[id].status, doc.steps[id].error_type, doc.steps[id].error];
      assert.deepEqual(failure('escape'), ['failed', 'PermissionError', `Path escapes the workspace: ../${path.basename(outside)}/report.md`]);
      assert.deepEqual(failure('state'), ['failed', 'PermissionError', "Path is inside the run's own state (.orchestrator/), which steps may not change: .orchestrator/report.md"]);
      assert.deepEqual(failure('html'), ['failed', 'ValueError', "Unsupported report format 'html': report-generator writes markdown (format: markdown)"]);
      assert.deepEqual(fs.readdirSync(outside), ['secret.csv']);
      assert.ok(!fs.existsSync(path.join(dir, '.orchestrator', 'report.md')));
    });
  });

  describe('pipeline-executor', () => {
    it('runs a file and inline YAML (its templates its own); renames outputs; inherits the parent\'s inputs; the sub-pipeline writes in the workspace', () => {
      write('sub/child.yaml', ['id: child', 'parameters:', '  x: {type: integer, default: 1}', 'steps:', '  - id: double', '    tool: terminal', '    action: execute', '    parameters: {command: "echo $(( {{ x }} * 2 ))"}', 'outputs:', '  doubled: "{{ double.result.stdout | trim | int }}"', ''].join('\n'));
      const { code, doc } = run(
        'pe.pipeline.yaml',
        `id: pe
parameters:
  who: {type: string, default: crew}
steps:
  - id: by_file
    tool: pipeline-executor
    action: execute
    parameters:
      pipeline: sub/child.yaml
      inputs: {x: 21}
      output_mapping: {doubled: answer}
  - id: by_id
    tool: pipeline-executor
    action: execute
    parameters: {pipeline: child}
  - id: inline
    tool: pipeline-executor
    action: execute
    parameters:
      pipeline: |
        id: inline_child
        parameters:
          who: {type: string}
        steps:
          - id: greet
            tool: terminal
            action: execute
            parameters: {command: "echo hello {{ who }} > greeting.txt; cat greeting.txt"}
        outputs:
          greeting: "{{ greet.result.stdout | trim }}"
          from_parent: "{{ who }}"
`,
      );
      assert.equal(code, 1, 'by_id finds no child.yaml beside the pipeline: sub/ is not searched');
      const r = doc.steps.by_file.result!;
      assert.deepEqual({ ...r, execution_id: typeof r.execution_id, execution_time: typeof r.execution_time }, {
        success: true,
        pipeline_id: 'child',
        outputs: { answer: 42 },
        status: 'completed',
        execution_id: 'string',
        execution_time: 'number',
        steps_executed: 1,
        recursion_depth: 1,
        attempts: 1,
        error: null,
        continued: false,
      });
      assert.deepEqual([doc.steps.by_id.status, doc.steps.by_id.error_type, doc.steps.by_id.error], [
        'failed',
        'ValueError',
        "Could not find the pipeline 'child': no child.yaml, child.yml or child.pipeline.yaml in this pipeline's folder, the working directory, pipelines/ or examples/",
      ]);
      const i = doc.steps.inline.result!;
      assert.deepEqual([i.success, i.pipeline_id, i.outputs, i.status, i.steps_executed, i.error], [true, 'inline_child', { greeting: 'hello crew', from_parent: 'crew' }, 'completed', 1, null]);
      assert.equal(fs.readFileSync(path.join(dir, 'greeting.txt'), 'utf8'), 'hello crew\n');
    });

    it('an inline pipeline that does not compile is reported where it is written, and the run is refused before anything runs', () => {
      const text = `id: pe2
steps:
  - id: broken
    tool: pipeline-executor
    action: execute
    parameters:
      error_handling: retry
      pipeline: |
        id: bad
        steps:
          - id: a
            tool: terminal
            action: execute
            parameters: {command: "touch ran"}
            dependencies: [ghost]
`;
      const v = validate(text);
      assert.equal(v.code, 2);
      const f = (v.findings as (Finding & { range: { start: { line: number; character: number } } })[]).filter((x) => x.severity === 'error');
      assert.deepEqual(f.map((x) => [x.code, x.message, x.range.start.line, x.range.start.character]), [['step.unknown-dependency', "In the inline pipeline: Unknown step 'ghost' in the dependencies of 'a'.", 14, 27]]);
      write('pe2.pipeline.yaml', text);
      const r = orc(['run', 'pe2.pipeline.yaml', '--json'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.ok(!fs.existsSync(path.join(dir, 'ran')));
    });

    it('a sub-pipeline file that does not compile fails the step with its first error, file:line:col, and runs nothing', () => {
      write('sub/bad.yaml', ['id: bad', 'steps:', '  - id: a', '    tool: terminal', '    action: execute', '    parameters: {command: "touch ran"}', '    dependencies: [ghost]', ''].join('\n'));
      const { code, doc } = run('pe2f.pipeline.yaml', ['id: pe2f', 'steps:', '  - id: broken', '    tool: pipeline-executor', '    action: execute', '    parameters:', '      error_handling: retry', '      pipeline: sub/bad.yaml', ''].join('\n'));
      assert.equal(code, 1);
      const s = doc.steps.broken as Step & { attempts: number };
      assert.deepEqual([s.status, s.error_type, s.attempts], ['failed', 'ValueError', 1]);
      assert.match(s.error!, /^Nested pipeline does not compile: .*bad\.yaml:7:20: Unknown step 'ghost' in the dependencies of 'a'\.$/);
      assert.ok(!fs.existsSync(path.join(dir, 'ran')));
    });

    it('error_handling: fail reports the failure, continue goes on, retry runs it again', () => {
      // 'again' waits for 'after': a step that fails stops the run starting new ones, so were the two
      // side by side, 'after' would be skipped whenever 'again' failed first (it did on a loaded machine)
      const failing = (cmd: string) => `      pipeline: |\n        id: failing\n        steps:\n          - id: a\n            tool: terminal\n            action: execute\n            parameters: {command: "${cmd}"}\n`;
      const { code, doc } = run(
        'pe3.pipeline.yaml',
        `id: pe3
steps:
  - id: cont
    tool: pipeline-executor
    action: execute
    parameters:
      error_handling: continue
${failing('exit 3')}
  - id: again
    tool: pipeline-executor
    action: execute
    dependencies: [after]
    parameters:
      error_handling: retry
      retry_count: 3
      retry_delay: 0
${failing('echo try >> tries; exit 4')}
  - id: after
    tool: terminal
    action: execute
    parameters: {command: "echo {{ cont.continued }}"}
    dependencies: [cont]
`,
      );
      assert.equal(code, 1);
      const c = doc.steps.cont;
      assert.deepEqual([c.status, c.success, c.result!.success, c.result!.continued, c.result!.status, c.result!.error], ['completed', true, false, true, 'failed', "step 'a' of <inline>: Command exited with code 3"]);
      assert.equal(doc.steps.after.result!.stdout, 'True\n');
      const a = doc.steps.again;
      assert.deepEqual([a.status, a.success, a.error, a.result!.attempts, a.result!.continued], ['completed', false, "Sub-pipeline failed: step 'a' of <inline>: Command exited with code 4", 3, false]);
      assert.equal(fs.readFileSync(path.join(dir, 'tries'), 'utf8'), 'try\ntry\ntry\n');
    });

    it('timeout stops the sub-pipeline and kills the commands it started', () => {
      // the command sleeps far beyond the test's timeout: a run that waited for it could not pass (the
      // helper stops orc after 60 s, which cancels the run rather than fail the step on its timeout)
      const { code, doc } = run(
        'pe4.pipeline.yaml',
        `id: pe4
steps:
  - id: slow
    tool: pipeline-executor
    action: execute
    parameters:
      timeout: 1
      pipeline: |
        id: sleeper
        steps:
          - id: nap
            tool: terminal
            action: execute
            parameters: {command: "echo $$ > pid; sleep 600; touch late"}
`,
      );
      assert.equal(code, 1);
      const s = doc.steps.slow;
      assert.deepEqual([s.status, s.success, s.error, s.result!.status, s.result!.success], ['completed', false, 'Sub-pipeline failed: Pipeline execution timed out after 1 seconds', 'cancelled', false]);
      const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
      assert.ok(pid > 0 && !alive(pid), `the command ${pid} still runs`);
      assert.ok(!fs.existsSync(path.join(dir, 'late')));
    });

    it('refuses a pipeline path outside the workspace, and an input a sub-pipeline file does not declare', () => {
      fs.writeFileSync(path.join(outside, 'other.yaml'), 'id: other\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: "touch pwned"}\n');
      // a sub-pipeline file declares its parameters (an inline one takes what it is passed, as in ContextLab: contextlabLongTail.test.ts)
      fs.writeFileSync(path.join(dir, 'c.yaml'), "id: c\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: 'touch ran'}\n");
      const given = `../${path.basename(outside)}/other.yaml`;
      const { code, doc } = run(
        'pe5.pipeline.yaml',
        `id: pe5\nsteps:\n  - id: escape\n    tool: pipeline-executor\n    action: execute\n    parameters: {pipeline: "${given}"}\n  - id: undeclared\n    tool: pipeline-executor\n    action: execute\n    parameters:\n      inputs: {raw: 1}\n      pipeline: c.yaml\n`,
      );
      assert.equal(code, 1);
      assert.deepEqual([doc.steps.escape.status, doc.steps.escape.error_type, doc.steps.escape.error], ['failed', 'PermissionError', `Path escapes the workspace: ${given}`]);
      assert.deepEqual([doc.steps.undeclared.status, doc.steps.undeclared.error_type, doc.steps.undeclared.error], ['failed', 'ValueError', "Unknown input 'raw'. The pipeline takes no parameters."]);
      assert.ok(!fs.existsSync(path.join(dir, 'ran')));
      assert.deepEqual(fs.readdirSync(outside).sort(), ['other.yaml', 'secret.csv']);
    });
  });

  describe('the analyzer knows their specs', () => {
    it('an unknown parameter is param.unknown', () => {
      const v = validate(`id: v
steps:
  - id: s
    tool: data-processing
    action: filter
    parameters: {data: sales.csv, criterias: {a: 1}}
  - id: p
    tool: pipeline-executor
    action: execute
    parameters: {pipeline: x.yaml, on_error: continue}
`);
      const unknown = v.findings.filter((f) => f.code === 'param.unknown');
      assert.equal(unknown.length, 2, JSON.stringify(v.findings));
      assert.match(unknown[0].message, /^'data-processing\.filter' has no parameter 'criterias'.* It takes 'data', 'input_data', 'format', 'input_format', 'output_format', 'operation'\.$/);
      assert.match(unknown[1].message, /^'pipeline-executor\.execute' has no parameter 'on_error'.* It takes 'pipeline', 'inputs', 'inherit_context', 'wait_for_completion', 'timeout', 'output_mapping', 'error_handling', 'retry_count', 'retry_delay'\.$/);
    });

    it('{{ step.processed_data }} and the other result fields validate; a field the action does not return is template.unknown-step-field', () => {
      const pipeline = (ref: string) => `id: v
steps:
  - id: s
    tool: data-processing
    action: filter
    parameters: {data: sales.csv, operation: {criteria: {a: "1"}}}
  - id: r
    tool: report-generator
    action: generate
    parameters: {title: T}
  - id: e
    tool: pipeline-executor
    action: execute
    parameters: {pipeline: x.yaml}
  - id: w
    tool: filesystem
    action: write
    parameters: {path: out.txt, content: "${ref}"}
`;
      const ok = validate(pipeline('{{ s.processed_data }} {{ s.result.filtered_count }} {{ r.markdown }} {{ r.result.word_count }} {{ e.outputs }} {{ e.result.recursion_depth }}'));
      assert.deepEqual(errors(ok.findings), []);
      assert.equal(ok.code, 0);
      const bad = validate(pipeline('{{ s.not_a_field }}'));
      assert.equal(bad.code, 2);
      assert.deepEqual(errors(bad.findings).map((f) => f.code), ['template.unknown-step-field']);
      assert.match(errors(bad.findings)[0].message, /^Step 's' has no field 'not_a_field'/);
    });
  });
});
