// The `orc` command line as a user meets it: compiler-style findings, exit codes, JSON, stdin.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BEHAVIOUR, orc, orcAsync, CLI } from '../../helpers/cli';
import { firstInvalidUtf8 } from '../../../engine/cli/sourceFile';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { spawnSync } from 'node:child_process';

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
    const r = orc(['plan', path.join(BEHAVIOUR, 'fanout.pipeline.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'Plan of fan_out_in: 6 steps in 3 levels',
        '  level 1: north, south, east  (in parallel)',
        '  level 2: read_north, read_south  (in parallel)',
        '  level 3: combine',
        'critical path: north → read_north → combine (3 steps)',
        'predicted duration and cost: nothing known yet (no earlier runs of these steps, no model step the registry prices); run it once and plan again',
        '',
      ].join('\n'),
    );
  });

  it('plan --json gives levels, order, critical path and edges', () => {
    const r = orc(['plan', path.join(BEHAVIOUR, 'fanout.pipeline.yaml'), '--json']);
    assert.deepEqual(JSON.parse(r.stdout), {
      pipeline_id: 'fan_out_in',
      steps: 6,
      execution_levels: [['north', 'south', 'east'], ['read_north', 'read_south'], ['combine']],
      execution_order: ['north', 'south', 'east', 'read_north', 'read_south', 'combine'],
      critical_path: ['north', 'read_north', 'combine'],
      edges: [
        { from: 'north', to: 'read_north', kind: 'explicit' },
        { from: 'south', to: 'read_south', kind: 'explicit' },
        { from: 'read_north', to: 'combine', kind: 'explicit' },
        { from: 'read_south', to: 'combine', kind: 'explicit' },
        { from: 'east', to: 'combine', kind: 'explicit' },
      ],
      loops: {},
      // no earlier runs, no model steps: nothing is known, and nothing is made up
      prediction: {
        max_parallel: 16,
        steps: ['north', 'south', 'east', 'read_north', 'read_south', 'combine'].map((step) => ({ step, source: 'unknown', samples: 0, duration_ms: null, cost_usd: { expected: 0, low: 0, high: 0 } })),
        cost_usd: { expected: 0, low: 0, high: 0 },
        makespan_ms: { expected: 0, low: 0, high: 0 },
        critical_path: [],
        unknown: ['north', 'south', 'east', 'read_north', 'read_south', 'combine'],
      },
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
    const r = orc(['graph', path.join(BEHAVIOUR, 'routing.pipeline.yaml'), '--format', 'dot']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'digraph "routing" {',
        '  rankdir=TB;',
        '  node [shape=box, style=rounded];',
        '  "gate" [label="gate\\nfilesystem.write"];',
        '  "pass_path" [label="pass_path\\nfilesystem.write"];',
        '  "fail_path" [label="fail_path\\nfilesystem.write"];',
        '  "fail_note" [label="fail_note\\nfilesystem.write"];',
        '  "verdict" [label="verdict\\nfilesystem.read"];',
        '  "gate" -> "pass_path";',
        '  "pass_path" -> "fail_path";',
        '  "fail_path" -> "fail_note";',
        '  "fail_note" -> "verdict";',
        '  "gate" -> "fail_path" [style=dotted, label="on_false"];',
        '  "pass_path" -> "verdict" [style=dotted, label="on_success"];',
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
    const r = orc(['graph', path.join(BEHAVIOUR, 'hello.pipeline.yaml'), '--format', 'json']);
    assert.deepEqual(JSON.parse(r.stdout), {
      pipeline_id: 'hello_note',
      nodes: [
        { id: 'write_note', label: 'write_note', kind: 'step', tool: 'filesystem', action: 'write', level: 0, range: { start: { line: 14, character: 4 }, end: { line: 20, character: 0 } }, selectionRange: { start: { line: 14, character: 8 }, end: { line: 14, character: 18 } }, children: null },
        { id: 'read_note', label: 'read_note', kind: 'step', tool: 'filesystem', action: 'read', level: 1, range: { start: { line: 21, character: 4 }, end: { line: 27, character: 0 } }, selectionRange: { start: { line: 21, character: 8 }, end: { line: 21, character: 17 } }, children: null },
      ],
      edges: [{ from: 'write_note', to: 'read_note', kind: 'explicit' }],
    });
    const bad = orc(['graph', path.join(BEHAVIOUR, 'hello.pipeline.yaml'), '--format', 'svg']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown graph format 'svg': use json, dot or mermaid/);
  });

  it('every example a new user opens first validates', () => {
    // every YAML file (pipelines and evals); an eval's cassette is data
    const yaml = fs.readdirSync('examples').filter((f) => /\.ya?ml$/.test(f));
    const r = orc(['validate', ...yaml.map((f) => path.join('examples', f))]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stdout.split('\n').filter((l) => l.endsWith(': valid')).length, yaml.length);
  });
});

describe('orc CLI conventions', function () {
  this.timeout(30_000);

  it('orc COMMAND --help prints that command\'s usage and exits 0', () => {
    const r = orc(['run', '--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      [
        'orc run FILE [-i|--input key=value]... [--json] [--max-parallel N] [--frozen-auto|--refresh-auto] [--yes] [--budget-usd X]',
        '           [--record | --replay [--cassette PATH] [--live STEP,...] [--replay-tools]] [--monitor]',
        '  Runs the pipeline. Progress goes to stderr; a summary (or the result document with --json) to stdout.',
        '  AUTO tags take their locked answers; missing ones are asked first (--refresh-auto: all of them;',
        '  --frozen-auto: none, an unresolved tag refuses the run with exit 2, for CI).',
        '  An -i value is read as JSON when it parses as JSON (-i n=3, -i tags=\'["a"]\'), else as a string.',
        "  --budget-usd X sets the run's budget in dollars, or lowers the pipeline's budget.max_cost_usd (docs/guardrails.md).",
        "  --monitor: after the result, the pipeline's monitors: check the run, each verdict on stderr, each check",
        '  written to .orchestrator/monitors/NAME.jsonl, a failed run flagged for review (docs/monitors.md).',
        '  Steps that ask a person (user-prompt, approval-gate, feedback-collection) ask on the terminal when',
        '  stdin and stderr are terminals and --json is not given. Otherwise answer them ahead: -i STEP_ID=VALUE',
        '  (a key that is not a parameter of the pipeline but the id of such a step), e.g. -i gate=approve,',
        '  -i gate=\'reject: REASON\', -i form=\'{"q1": 4}\'; --yes approves every approval gate and takes each',
        "  prompt's default without asking. An agent step whose tools: hold an approve: true entry asks the",
        '  same way before each such call: -i STEP_ID=approve or -i STEP_ID=deny answers every one of its',
        '  calls, --yes approves them; with neither and no terminal, each is denied (the model is told).',
        '  An agent step prints a line per tool call under its step on stderr: the tool, its arguments,',
        '  how long it took, and the status when not ok (error, denied, refused).',
        "  --record writes every model call's answer (text, structured data, streamed deltas, tokens, cost)",
        '  to a cassette, NAME.cassette.jsonl beside the pipeline (NAME: the file name without .yaml/.yml;',
        '  --cassette PATH for another). --replay answers every model call from it: no network, no API key,',
        '  the same outputs, tokens and cost; a call it has no answer for fails its step and says what',
        '  differs from the nearest recorded call. --live STEP,... (with --replay): those steps call the',
        "  real model. Agents' tool calls are recorded too; a replay runs them for real unless",
        '  --replay-tools (with --replay) answers them from the cassette as well (no tool runs, no file is',
        '  written). See docs/run.md.',
        "  --trace-endpoint URL[,URL]: send the run's OpenTelemetry trace there too, beside",
        '  OTEL_EXPORTER_OTLP_ENDPOINT (see docs/telemetry.md).',
        '  orc run FILE --restate INGRESS_URL [-i key=value]... [--json] [--max-parallel N] [--yes] [--detach]',
        '  A durable run on Restate (docs/durable.md): submitted as a workflow keyed by its run id, run by',
        "  'orc worker --restate' processes, followed here with the same progress, result and exit code.",
        "  -i STEP=VALUE, --yes and the AUTO lock's answers go with the run; a secret input is not sent:",
        '  each worker takes it from its environment (ORC_INPUT_NAME).',
        '  Ending this process does not end the run: --detach prints the run id and exits 0, and',
        '  orc run --restate INGRESS_URL --attach RUN_ID follows it again.',
        '',
      ].join('\n'),
    );
    for (const c of ['validate', 'plan', 'graph', 'resume', 'runs', 'stats']) {
      const h = orc([c, '--help']);
      assert.equal(h.code, 0, c);
      assert.match(h.stdout, new RegExp(`^orc ${c} `), c);
    }
  });

  it('orc --version prints the version from package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    const r = orc(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, pkg.version + '\n');
  });

  it('an unknown command gets a did-you-mean and exits 2', () => {
    const r = orc(['valdate', 'x.yaml']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, "orc: unknown command 'valdate' — did you mean 'validate'?\nrun 'orc help' for usage\n");
    assert.equal(orc(['zzzzzz']).stderr, "orc: unknown command 'zzzzzz'\nrun 'orc help' for usage\n");
  });

  it('the help mentions --input and that -i values are JSON when they parse', () => {
    const r = orc(['help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /-i\|--input key=value/);
    assert.match(r.stdout, /an -i value is read as JSON when it parses, else as a string/);
  });
});

describe('orc run summary', function () {
  this.timeout(30_000);

  it('a run without --json ends with a summary on stdout: steps, outputs, files written, the record and the exit status', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-summary-'));
    try {
      fs.copyFileSync(path.join(BEHAVIOUR, 'hello.pipeline.yaml'), path.join(dir, 'hello.pipeline.yaml'));
      const r = orc(['run', 'hello.pipeline.yaml', '-i', 'who=crew'], { cwd: dir });
      assert.equal(r.code, 0);
      const [runId] = fs.readdirSync(path.join(dir, '.orchestrator', 'runs'));
      assert.equal(
        r.stdout.replace(/\d+ ms/g, 'N ms').replace(runId, 'RUN'),
        [
          'hello_note: completed in N ms',
          '',
          'steps:',
          '  write_note  completed  N ms',
          '  read_note   completed  N ms',
          '',
          'outputs:',
          '  note: good morning, crew',
          '',
          'files written:',
          '  notes/note.txt',
          '',
          'record: .orchestrator/runs/RUN/',
          'exit status: 0',
          '',
        ].join('\n'),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed step shows its status and error, and the exit status 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-summary-'));
    try {
      fs.writeFileSync(path.join(dir, 'f.pipeline.yaml'), 'id: f\nsteps:\n  - id: bad\n    tool: terminal\n    action: execute\n    parameters: {command: "exit 3"}\n');
      const r = orc(['run', 'f.pipeline.yaml'], { cwd: dir });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^f: failed in \d+ ms\n\nsteps:\n  bad  failed \(reported\)  \d+ ms  — Command exited with code 3\n\nrecord: \.orchestrator\/runs\/[^/]+\/\nexit status: 1\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('orc resume and orc runs find .orchestrator/ upwards', function () {
  this.timeout(30_000);

  it('from a subfolder they use the nearest parent with .orchestrator/ and say so', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-root-')));
    try {
      fs.copyFileSync(path.join(BEHAVIOUR, 'hello.pipeline.yaml'), path.join(dir, 'hello.pipeline.yaml'));
      assert.equal(orc(['run', 'hello.pipeline.yaml', '--json'], { cwd: dir }).code, 0);
      const [runId] = fs.readdirSync(path.join(dir, '.orchestrator', 'runs'));
      const sub = path.join(dir, 'a', 'b');
      fs.mkdirSync(sub, { recursive: true });
      const runs = orc(['runs', '--json'], { cwd: sub });
      assert.equal(runs.code, 0);
      assert.equal(runs.stderr, `using ${dir}/.orchestrator/\n`);
      assert.deepEqual((JSON.parse(runs.stdout) as { execution_id: string }[]).map((r) => r.execution_id), [runId]);
      const resumed = orc(['resume', runId], { cwd: sub });
      assert.equal(resumed.code, 0);
      assert.equal(resumed.stderr, `using ${dir}/.orchestrator/\nrun ${runId} already completed; nothing to resume\n`);
      assert.equal(fs.existsSync(path.join(sub, '.orchestrator')), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('orc run progress', function () {
  this.timeout(30_000);

  it('"attempt N failed" is printed only when a retry follows', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-attempt-'));
    try {
      const step = 'id: r\nsteps:\n  - id: bad\n    tool: terminal\n    action: execute\n    parameters: {command: "exit 3"}\n';
      fs.writeFileSync(path.join(dir, 'once.pipeline.yaml'), step);
      fs.writeFileSync(path.join(dir, 'twice.pipeline.yaml'), step + '    retry: {max_attempts: 2}\n');
      const once = orc(['run', 'once.pipeline.yaml'], { cwd: dir });
      assert.equal(once.code, 1);
      assert.deepEqual(once.stderr.split('\n').slice(1, -2), ['▶ bad', '! bad reported a failure: Command exited with code 3']);
      const twice = orc(['run', 'twice.pipeline.yaml'], { cwd: dir });
      assert.equal(twice.code, 1);
      assert.deepEqual(
        twice.stderr.split('\n').slice(1, -2).map((l) => l.replace(/\d+ ms/, 'N ms')),
        ['▶ bad', '… bad attempt 1 failed: ReportedFailure: Command exited with code 3 (retrying in N ms)', '↻ bad (attempt 2)', '! bad reported a failure: Command exited with code 3'],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('orc validate and a UTF-8 byte order mark', function () {
  this.timeout(30_000);

  it('a BOM does not shift the columns of line 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bom-'));
    try {
      fs.writeFileSync(path.join(dir, 'bom.pipeline.yaml'), '\ufeffidd: x\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: x}\n');
      const r = orc(['validate', 'bom.pipeline.yaml'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stdout.split('\n')[0], "bom.pipeline.yaml:1:1: error schema.unknown-key Unknown key 'idd' in the pipeline. Did you mean 'id'?");
      assert.equal(r.stdout.split('\n')[2], '      | ^~~');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('orc validate: a key under-indented out of parameters', function () {
  this.timeout(30_000);

  it('gets "did you mean to indent it under `parameters`?"', () => {
    const r = orc(['validate', '-'], { input: 'id: x\nparameters:\n  a: {type: string}\nb: {type: string}\nsteps:\n  - id: s\n    tool: terminal\n    action: execute\n    parameters: {command: "echo {{ a }}"}\n' });
    assert.equal(r.code, 2);
    assert.equal(
      r.stdout,
      [
        "<stdin>:4:1: error schema.unknown-key Unknown key 'b' in the pipeline. Did you mean to indent it under `parameters`?",
        '    4 | b: {type: string}',
        '      | ^',
        '<stdin>: 1 error',
        '',
      ].join('\n'),
    );
    // a plain unknown key (not a declaration) does not get the hint
    assert.doesNotMatch(orc(['validate', '-'], { input: 'id: x\nparameters:\n  a: {type: string}\nzzz: 1\nsteps:\n  - id: s\n    tool: terminal\n    action: execute\n    parameters: {command: "echo {{ a }}"}\n' }).stdout, /indent/);
  });
});

describe('orc validate: findings that do not pile up after a YAML syntax error', function () {
  this.timeout(30_000);

  it('a tab or a mis-indented "- id: b" gives the syntax errors only, not schema findings restating them', () => {
    const tab = orc(['validate', '-'], { input: 'id: x\nsteps:\n  - id: a\n\ttool: terminal\n    action: execute\n    parameters: {command: x}\n' });
    assert.equal(tab.code, 2);
    const codes = (s: string) => s.split('\n').filter((l) => l.startsWith('<stdin>:') && / error /.test(l)).map((l) => l.split(' ').slice(0, 3).join(' '));
    assert.deepEqual(codes(tab.stdout), ['<stdin>:4:1: error yaml.syntax', '<stdin>:4:8: error yaml.syntax', '<stdin>:4:8: error yaml.syntax', '<stdin>:5:13: error yaml.syntax', '<stdin>:5:13: error yaml.syntax']);
    assert.doesNotMatch(tab.stdout, /Unknown key|has no 'action'/);
    const mis = orc(['validate', '-'], { input: 'id: x\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters: {command: x}\n - id: b\n' });
    assert.equal(mis.code, 2);
    assert.equal(mis.stdout.split('\n')[0], '<stdin>:7:1: error yaml.syntax A block sequence may not be used as an implicit map key');
    assert.doesNotMatch(mis.stdout, /Expected a mapping|complex-key/);
  });
});

/** The CLI with room for megabytes of output. */
function orcBig(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 30, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hostile input', () => {
  // Hardening, round two (issue 24): files on the command line. `orc new` wrote through a dangling
  // symbolic link named like its output; a pipeline file far larger than the analyzer accepts was read
  // whole before the size check; invalid UTF-8 silently became U+FFFD. Now: the link is refused and
  // nothing is created; the size is read first; the first invalid byte is reported with its offset.
  describe('hardening 2: files on the command line', function () {
    this.timeout(60_000);
    let dir: string;
    let outside: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-files-'));
      outside = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-outside-'));
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    });

    it('orc new refuses a dangling symlink named like its output, and creates nothing through it', async () => {
      const server = await new LoopbackProviders().start();
      try {
        const env = { OPENAI_API_KEY: 'sk-test-new', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
        const target = path.join(outside, 'planted.yaml');
        fs.symlinkSync(target, path.join(dir, 'made.pipeline.yaml'));
        server.script.push({ json: { yaml: 'id: made\nsteps:\n  - id: a\n    tool: filesystem\n    action: write\n    parameters: {path: x.txt, content: hi}\n' } });
        const r = await orcAsync(['new', 'a pipeline that writes x', '--model', 'openai:gpt-4o-mini'], { cwd: dir, env });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /made\.pipeline\.yaml exists \(a symbolic link\); 'orc new' does not overwrite files/);
        assert.equal(fs.existsSync(target), false, 'nothing was written through the link');
        // -o naming a dangling link is refused before any call
        const o = await orcAsync(['new', 'a pipeline', '--model', 'openai:gpt-4o-mini', '-o', 'made.pipeline.yaml'], { cwd: dir, env });
        assert.equal(o.code, 2);
        assert.equal(server.requests.length, 1);
        assert.equal(fs.existsSync(target), false);
      } finally {
        await server.stop();
      }
    });

    it('a pipeline file larger than any the analyzer accepts is refused from its size, unread', () => {
      const big = path.join(dir, 'big.pipeline.yaml');
      fs.writeFileSync(big, 'id: big\n');
      // 4 TiB, sparse: reading it through would take far longer than `orc` is given here (60 s), so
      // a refusal that read the file first could not pass at all
      fs.truncateSync(big, 4 * 1024 ** 4);
      const r = orc(['validate', 'big.pipeline.yaml'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `orc: cannot read big.pipeline.yaml: big.pipeline.yaml has ${4 * 1024 ** 4} bytes; pipelines over 5000000 characters are not analyzed, so it was not read\nrun 'orc help' for usage\n`);
    });

    it('invalid UTF-8 is reported with its offset and line, not silently replaced', () => {
      const text = Buffer.concat([Buffer.from('id: bad\nsteps:\n  - id: a\n    tool: filesystem\n    action: write\n    parameters: {path: x.txt, content: "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]);
      fs.writeFileSync(path.join(dir, 'bad.pipeline.yaml'), text);
      const r = orc(['validate', 'bad.pipeline.yaml'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`^bad\\.pipeline\\.yaml: warning: the file is not valid UTF-8: byte offset ${text.indexOf(0xe9)} \\(line 6\\) is 0xe9; invalid bytes read as U\\+FFFD$`, 'm'));
    });

    it('firstInvalidUtf8: well-formed text of every length passes; overlong, surrogate, truncated and stray bytes are found', () => {
      assert.equal(firstInvalidUtf8(Buffer.from('aé€😀')), -1);
      for (const [bytes, at] of [[[0x61, 0xc0, 0x80], 1], [[0xed, 0xa0, 0x80], 0], [[0x61, 0x62, 0xe2, 0x82], 2], [[0x80], 0], [[0xf4, 0x90, 0x80, 0x80], 0], [[0xe0, 0x80, 0x80], 0]] as const) {
        assert.equal(firstInvalidUtf8(Buffer.from(bytes)), at, JSON.stringify(bytes));
      }
    });
  });

  // Slow paths found from outside (issue 9). Speed itself is measured in bench/; these tests check
  // the results of work that used to take minutes, under mocha's timeout, so the quadratic versions
  // fail them.
  describe('hardening: slow paths', function () {
    this.timeout(20_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-slow-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('orc validate prints 20,000 findings as text with their source lines (it split the file once per finding)', () => {
      const steps = Array.from({ length: 20_000 }, (_, i) => `  - id: s${i}\n    tool: nosuch\n    action: x\n`).join('');
      fs.writeFileSync(path.join(dir, 'many.pipeline.yaml'), `id: many\nsteps:\n${steps}`);
      const r = orcBig(['validate', 'many.pipeline.yaml'], dir);
      assert.equal(r.code, 2);
      const out = r.stdout + r.stderr;
      const heads = out.split('\n').filter((l) => /^many\.pipeline\.yaml:\d+:\d+: error tool\.unknown /.test(l));
      assert.equal(heads.length, 20_000);
      assert.ok(heads[19_999].startsWith('many.pipeline.yaml:60001:11: error tool.unknown '), heads[19_999]);
      assert.match(out, /many\.pipeline\.yaml: 20000 errors/);
    });
  });
});
