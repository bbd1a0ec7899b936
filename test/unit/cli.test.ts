// The `orc` command line as a user meets it: compiler-style findings, exit codes, JSON, stdin.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFORMANCE, orc } from '../helpers/cli';

const BROKEN = 'id: demo\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: "{{ topik }}"}\n    dependecies: [b]\n';
const WARN_ONLY = 'id: demo\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: hi}\n    on_false: b\n  - id: b\n    action: generate\n    parameters: {prompt: hi}\n    dependencies: [a]\n';

describe('orc CLI', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-cli-'));
    fs.writeFileSync(path.join(dir, 'broken.pipeline.yaml'), BROKEN);
    fs.writeFileSync(path.join(dir, 'warn.pipeline.yaml'), WARN_ONLY);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validate prints findings like a compiler, with the line and a caret, and exits 2', () => {
    const r = orc(['validate', 'broken.pipeline.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(
      r.stdout,
      [
        "broken.pipeline.yaml:5:30: error template.unknown-name Unknown name 'topik' in template: not a parameter, a step or a loop variable.",
        '    5 |     parameters: {prompt: "{{ topik }}"}',
        '      |                              ^~~~~',
        "broken.pipeline.yaml:6:5: error schema.unknown-key Unknown key 'dependecies' in a step. Did you mean 'dependencies'?",
        '    6 |     dependecies: [b]',
        '      |     ^~~~~~~~~~~',
        'broken.pipeline.yaml: 2 errors',
        '',
      ].join('\n'),
    );
  });

  it('warnings alone do not fail validation', () => {
    const r = orc(['validate', 'warn.pipeline.yaml'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^warn\.pipeline\.yaml:6:5: warning jump\.on-false-without-condition 'on_false' never fires: step 'a' has no 'condition'\.$/m);
    assert.match(r.stdout, /^warn\.pipeline\.yaml: valid \(1 warning\)$/m);
  });

  it('validate --json prints {file, valid, findings} with SPEC findings', () => {
    const r = orc(['validate', 'broken.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.file, 'broken.pipeline.yaml');
    assert.equal(doc.valid, false);
    assert.deepEqual(doc.findings[1], {
      code: 'schema.unknown-key',
      severity: 'error',
      message: "Unknown key 'dependecies' in a step. Did you mean 'dependencies'?",
      range: { start: { line: 5, character: 4 }, end: { line: 5, character: 15 } },
      step: 'a',
      path: 'steps[0].dependecies',
      suggestions: ['dependencies'],
    });
  });

  it('validate reads standard input with -', () => {
    const r = orc(['validate', '-', '--json'], { input: BROKEN });
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stdout).file, '<stdin>');
  });

  it('validate takes several files; --json then prints one report each', () => {
    const r = orc(['validate', 'broken.pipeline.yaml', 'warn.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.deepEqual(JSON.parse(r.stdout).map((x: { file: string; valid: boolean }) => [x.file, x.valid]), [['broken.pipeline.yaml', false], ['warn.pipeline.yaml', true]]);
  });

  it('a missing file or an unknown command is a usage error (exit 2), not a stack trace', () => {
    let r = orc(['validate', 'nope.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "orc: cannot read nope.yaml: no such file\nrun 'orc help' for usage\n");
    r = orc(['frobnicate']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "orc: unknown command 'frobnicate'\nrun 'orc help' for usage\n");
    r = orc(['validate', 'x.yaml', '--jsn'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^orc: unknown option --jsn for 'orc validate'$/m);
  });

  it('plan prints the levels and the critical path', () => {
    const r = orc(['plan', path.join(CONFORMANCE, '02_parallel_fanout_fanin.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'Plan of parallel_fanout_fanin: 5 steps in 3 levels',
        '  level 1: alpha, beta  (in parallel)',
        '  level 2: read_alpha, read_beta  (in parallel)',
        '  level 3: join',
        'critical path: alpha → read_alpha → join (3 steps)',
        'predicted cost and duration: no run history yet',
        '',
      ].join('\n'),
    );
  });

  it('plan --json gives levels, order, critical path and edges', () => {
    const r = orc(['plan', path.join(CONFORMANCE, '02_parallel_fanout_fanin.yaml'), '--json']);
    assert.deepEqual(JSON.parse(r.stdout), {
      pipeline_id: 'parallel_fanout_fanin',
      steps: 5,
      execution_levels: [['alpha', 'beta'], ['read_alpha', 'read_beta'], ['join']],
      execution_order: ['alpha', 'beta', 'read_alpha', 'read_beta', 'join'],
      critical_path: ['alpha', 'read_alpha', 'join'],
      edges: [
        { from: 'alpha', to: 'read_alpha', kind: 'explicit' },
        { from: 'beta', to: 'read_beta', kind: 'explicit' },
        { from: 'read_alpha', to: 'join', kind: 'explicit' },
        { from: 'read_beta', to: 'join', kind: 'explicit' },
      ],
      loops: {},
    });
  });

  it('plan refuses a pipeline with errors: findings on stderr, exit 2', () => {
    const r = orc(['plan', 'broken.pipeline.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /broken\.pipeline\.yaml:6:5: error schema\.unknown-key/);
    assert.match(r.stderr, /broken\.pipeline\.yaml: the pipeline does not compile\n$/);
  });

  it('graph --format dot', () => {
    const r = orc(['graph', path.join(CONFORMANCE, '04_conditions.yaml'), '--format', 'dot']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'digraph "conditions" {',
        '  rankdir=TB;',
        '  node [shape=box, style=rounded];',
        '  "check_size" [label="check_size\\nfilesystem.write"];',
        '  "handle_long" [label="handle_long\\nfilesystem.write"];',
        '  "handle_short" [label="handle_short\\nfilesystem.write"];',
        '  "mark_short" [label="mark_short\\nfilesystem.write"];',
        '  "summarise" [label="summarise\\nfilesystem.read"];',
        '  "check_size" -> "handle_long";',
        '  "handle_long" -> "handle_short";',
        '  "handle_short" -> "mark_short";',
        '  "mark_short" -> "summarise";',
        '  "check_size" -> "handle_short" [style=dotted, label="on_false"];',
        '  "handle_long" -> "summarise" [style=dotted, label="on_success"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('graph --format mermaid nests a loop body', () => {
    const r = orc(['graph', 'examples/loop.pipeline.yaml', '--format', 'mermaid']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'flowchart TD',
        '  subgraph n_per_topic_body["per_topic (loop)"]',
        '    n_write_note["write_note"]',
        '  end',
        '  n_per_topic{{"per_topic"}}',
        '  n_per_topic -.-> n_per_topic_body',
        '  n_list_notes["list_notes"]',
        '  n_per_topic --> n_list_notes',
        '',
      ].join('\n'),
    );
  });

  it('graph --format json, and an unknown format is a usage error', () => {
    const r = orc(['graph', path.join(CONFORMANCE, '01_hello_filesystem.yaml'), '--format', 'json']);
    assert.deepEqual(JSON.parse(r.stdout), {
      pipeline_id: 'hello_filesystem',
      nodes: [
        { id: 'write_greeting', label: 'write_greeting', kind: 'step', tool: 'filesystem', action: 'write', level: 0, range: { start: { line: 18, character: 4 }, end: { line: 24, character: 0 } }, selectionRange: { start: { line: 18, character: 8 }, end: { line: 18, character: 22 } }, children: null },
        { id: 'read_back', label: 'read_back', kind: 'step', tool: 'filesystem', action: 'read', level: 1, range: { start: { line: 25, character: 4 }, end: { line: 32, character: 0 } }, selectionRange: { start: { line: 25, character: 8 }, end: { line: 25, character: 17 } }, children: null },
      ],
      edges: [{ from: 'write_greeting', to: 'read_back', kind: 'explicit' }],
    });
    const bad = orc(['graph', path.join(CONFORMANCE, '01_hello_filesystem.yaml'), '--format', 'svg']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown graph format 'svg': use json, dot or mermaid/);
  });

  it('every example a new user opens first validates', () => {
    const r = orc(['validate', ...fs.readdirSync('examples').map((f) => path.join('examples', f))]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stdout.split('\n').filter((l) => l.endsWith(': valid')).length, fs.readdirSync('examples').length);
  });
});
