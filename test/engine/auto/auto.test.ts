// AUTO tags resolved by the orchestrator model, through the real OpenAI SDK against the loopback
// server's wire protocol (scripted structured answers): typed answers locked, wrong ones retried once
// then reported on the tag's exact range, the lock reused with no call, --frozen-auto for CI, and
// `orc run` resolving what is missing before it runs.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync } from '../../helpers/cli';

const PIPELINE = `id: auto_demo
description: Writes a greeting, then files per letter.
orchestrator: openai:gpt-4o-mini
steps:
  - id: greet
    tool: filesystem
    action: write
    parameters:
      path: greeting.txt
      content: "<AUTO>Write a one-line greeting</AUTO>"
  - id: each
    for_each: [a, b, c]
    max_parallel: <AUTO>How many letters at once?</AUTO>
    steps:
      - id: letter
        tool: filesystem
        action: write
        parameters:
          path: "{{ item }}.txt"
          content: x
  - id: after
    dependencies: <AUTO>Which steps must finish first?</AUTO>
    tool: filesystem
    action: list
    parameters:
      path: .
      pattern: "*.txt"
`;

describe('AUTO tags', function () {
  this.timeout(60_000);
  let server: LoopbackProviders;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const lockFile = () => path.join(dir, 'p.pipeline.yaml.auto.lock.json');

  beforeEach(async () => {
    server = await new LoopbackProviders().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-auto-'));
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), PIPELINE);
    env = { OPENAI_API_KEY: 'sk-test-auto', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
  });
  afterEach(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers of the right type are locked (stable order, no timestamps), and a second listing makes no call', async () => {
    server.script.push({ json: { value: 'Hello, world.' } }, { json: { value: 2 } }, { json: { value: ['greet', 'each'] } });
    const r = await orcAsync(['auto', 'p.pipeline.yaml'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests.length, 3);
    // the question says what the answer must be
    const firstAsk = JSON.stringify(server.requests[2].body.messages);
    assert.match(firstAsk, /Question: Which steps must finish first\?/);
    assert.match(firstAsk, /a list of step ids, each one of: greet, each, letter, after/);
    assert.equal(
      fs.readFileSync(lockFile(), 'utf8'),
      JSON.stringify(
        {
          format: 1,
          entries: [
            { path: 'steps[0].parameters.content', text: 'Write a one-line greeting', model: 'openai:gpt-4o-mini', value: 'Hello, world.' },
            { path: 'steps[1].max_parallel', text: 'How many letters at once?', model: 'openai:gpt-4o-mini', value: 2 },
            { path: 'steps[2].dependencies', text: 'Which steps must finish first?', model: 'openai:gpt-4o-mini', value: ['greet', 'each'] },
          ],
        },
        null,
        2,
      ) + '\n',
    );
    assert.match(r.stdout, /\n {2}10:17 +steps\[0\]\.parameters\.content +string +"Hello, world\." +resolved now, locked\n/);
    assert.match(r.stdout, /\n3 resolved now \(3 calls\), 0 from the lock, 0 at run time, 0 failed; lock: p\.pipeline\.yaml\.auto\.lock\.json\n$/);

    const again = await orcAsync(['auto', 'p.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.requests.length, 3, 'the lock answered: no call');
    const listed = JSON.parse(again.stdout) as { calls: number; tags: { path: string; type: string; status: string; value: unknown }[] };
    assert.equal(listed.calls, 0);
    assert.deepEqual(listed.tags.map((t) => [t.path, t.type, t.status, t.value]), [
      ['steps[0].parameters.content', 'string', 'locked', 'Hello, world.'],
      ['steps[1].max_parallel', 'integer', 'locked', 2],
      ['steps[2].dependencies', 'step-ids', 'locked', ['greet', 'each']],
    ]);
  });

  it('a wrong type is retried once with the reason, then reported on the tag; nothing is locked for it', async () => {
    // max_parallel: "three" twice (the model layer's own retry names the field)
    server.script.push({ json: { value: 'Hi.' } }, { json: { value: 'three' } }, { json: { value: 'three' } }, { json: { value: ['greet'] } });
    const r = await orcAsync(['auto', 'p.pipeline.yaml'], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.equal(server.requests.length, 4);
    assert.match(JSON.stringify(server.requests[2].body.messages), /Your previous answer was rejected: field 'value'/);
    assert.match(r.stderr, /^p\.pipeline\.yaml:13:19: error auto\.invalid-answer This AUTO tag could not be resolved by openai:gpt-4o-mini: The model's answer failed validation twice: field 'value': \/value must be integer\./m);
    const lock = JSON.parse(fs.readFileSync(lockFile(), 'utf8')) as { entries: { path: string }[] };
    assert.deepEqual(lock.entries.map((e) => e.path), ['steps[0].parameters.content', 'steps[2].dependencies']);
  });

  it('an unknown step id or a model not in the registry is retried once with the reason, then reported', async () => {
    fs.writeFileSync(path.join(dir, 'p.pipeline.yaml'), PIPELINE.replace('    action: list\n', '    action: list\n    model: <AUTO>Which model?</AUTO>\n').replace('content: "<AUTO>Write a one-line greeting</AUTO>"', 'content: hi').replace('max_parallel: <AUTO>How many letters at once?</AUTO>', 'max_parallel: 2'));
    server.script.push({ json: { value: ['fetch'] } }, { json: { value: ['greet', 'nope'] } }, { json: { value: 'openai:gpt-9' } }, { json: { value: 'openai:gpt-9' } });
    const r = await orcAsync(['auto', 'p.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.equal(server.requests.length, 4);
    assert.match(JSON.stringify(server.requests[1].body.messages), /Your previous answer was rejected: 'fetch' is not a step of this pipeline \(greet, each, letter, after\)\. Answer again\./);
    const out = JSON.parse(r.stdout) as { tags: { path: string; status: string; error?: string }[] };
    assert.deepEqual(out.tags.map((t) => [t.path, t.status]), [
      ['steps[2].dependencies', 'failed'],
      ['steps[2].model', 'failed'],
    ]);
    assert.equal(out.tags[0].error, "the answer is not valid after one retry: 'nope' is not a step of this pipeline (greet, each, letter, after)");
    assert.match(out.tags[1].error!, /^the answer is not valid after one retry: 'openai:gpt-9' is not a model in the registry \(openai:gpt-4o-mini, /);
    assert.match(r.stderr, /^p\.pipeline\.yaml:22:19: error auto\.invalid-answer /m);
    assert.match(r.stderr, /^p\.pipeline\.yaml:25:12: error auto\.invalid-answer /m);
  });

  it('--frozen-auto refuses an unresolved tag with exit 2 and makes no call', async () => {
    const r = await orcAsync(['run', 'p.pipeline.yaml', '--frozen-auto'], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.equal(server.requests.length, 0);
    assert.match(r.stderr, /^p\.pipeline\.yaml:10:17: error auto\.unresolved This AUTO tag has no locked resolution by openai:gpt-4o-mini, and --frozen-auto allows none to be made/m);
    assert.match(r.stderr, /p\.pipeline\.yaml: 3 AUTO tags are not resolved; nothing ran\n$/);
    assert.equal(fs.existsSync(path.join(dir, 'greeting.txt')), false);
  });

  it('orc run resolves the missing tags, says so, and runs with the answers; the next run uses the lock', async () => {
    server.script.push({ json: { value: 'Hello from AUTO.' } }, { json: { value: 3 } }, { json: { value: ['greet', 'each'] } });
    const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^resolved 3 AUTO tags with openai:gpt-4o-mini \(3 calls\); locked in p\.pipeline\.yaml\.auto\.lock\.json$/m);
    assert.equal(fs.readFileSync(path.join(dir, 'greeting.txt'), 'utf8'), 'Hello from AUTO.');
    const doc = JSON.parse(r.stdout) as { status: string; execution_levels: string[][] };
    assert.equal(doc.status, 'completed');
    // the answered dependencies are the plan's: after waits for greet and each
    assert.deepEqual(doc.execution_levels, [['greet', 'each'], ['after']]);
    const frozen = await orcAsync(['run', 'p.pipeline.yaml', '--frozen-auto'], { cwd: dir, env });
    assert.equal(frozen.code, 0, frozen.stderr);
    assert.equal(server.requests.length, 3, 'the locked answers were used');
  });

  it('a tag that names step results is resolved when its step runs, with the results in its question, and recorded in the run', async () => {
    fs.writeFileSync(
      path.join(dir, 'r.pipeline.yaml'),
      `id: runtime_auto
orchestrator: openai:gpt-4o-mini
steps:
  - id: read_me
    tool: filesystem
    action: write
    parameters:
      path: facts.txt
      content: "The sky is blue."
  - id: summary
    tool: filesystem
    action: write
    dependencies: [read_me]
    parameters:
      path: summary.txt
      content: "Summary: <AUTO>Summarize the file written at {{ read_me.result.path }}</AUTO>"
`,
    );
    const listed = await orcAsync(['auto', 'r.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { tags: { status: string }[] }).tags.map((t) => t.status), ['runtime']);
    assert.equal(server.requests.length, 0, 'a run-time tag is not asked before the run');
    server.script.push({ json: { value: 'blue sky', }, tokensIn: 30, tokensOut: 4 });
    const r = await orcAsync(['run', 'r.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests.length, 1);
    assert.match(JSON.stringify(server.requests[0].body.messages), /Question: Summarize the file written at facts\.txt/);
    assert.equal(fs.readFileSync(path.join(dir, 'summary.txt'), 'utf8'), 'Summary: blue sky');
    const doc = JSON.parse(r.stdout) as { steps: Record<string, { auto?: unknown; tokens_in: number; tokens_out: number }> };
    assert.deepEqual(doc.steps.summary.auto, [{ path: 'parameters.content', question: 'Summarize the file written at facts.txt', value: 'blue sky', model: 'openai:gpt-4o-mini' }]);
    assert.deepEqual([doc.steps.summary.tokens_in, doc.steps.summary.tokens_out], [30, 4]);
  });

  it('a resumed run uses the answers the run started with, from the lock, with no call', async () => {
    fs.writeFileSync(
      path.join(dir, 'g.pipeline.yaml'),
      `id: gated
orchestrator: openai:gpt-4o-mini
steps:
  - id: gate
    tool: filesystem
    action: read
    parameters:
      path: flag.txt
  - id: each
    for_each: [x, y, z]
    max_parallel: <AUTO>How many at once?</AUTO>
    dependencies: [gate]
    steps:
      - id: mark
        tool: filesystem
        action: write
        parameters:
          path: "{{ item }}.txt"
          content: "{{ index }}"
`,
    );
    server.script.push({ json: { value: 2 } });
    const failed = await orcAsync(['run', 'g.pipeline.yaml', '--json'], { cwd: dir, env });
    assert.equal(failed.code, 1, failed.stderr);
    const id = (JSON.parse(failed.stdout) as { execution_id: string }).execution_id;
    assert.equal(server.requests.length, 1);
    fs.writeFileSync(path.join(dir, 'flag.txt'), 'go');
    const resumed = await orcAsync(['resume', id, '--json'], { cwd: dir, env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal((JSON.parse(resumed.stdout) as { status: string }).status, 'completed');
    assert.deepEqual(['x', 'y', 'z'].map((f) => fs.readFileSync(path.join(dir, `${f}.txt`), 'utf8')), ['0', '1', '2']);
    assert.equal(server.requests.length, 1, 'no call on resume');
  });
});

const HOSTILE = `hi; touch X1; echo $(touch X2) \`touch X3\` "; touch X4; " '; touch X5; '`;

describe('hostile input', () => {
  // Hardening, round two (issue 24): a model's answer is untrusted input. An AUTO answer that lands in
  // a shell command is one quoted word, whatever quoting it lands in; only a tag that declares
  // shell="code" runs as code, and the analyzer warns about it. Driven through the real OpenAI SDK
  // against the loopback provider (scripted structured answers).
  describe('hardening 2: an AUTO answer in a terminal command is data, not code', function () {
    this.timeout(60_000);
    let server: LoopbackProviders;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const made = () => fs.readdirSync(dir).filter((f) => /^X\d$/.test(f));

    beforeEach(async () => {
      server = await new LoopbackProviders().start();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-auto-'));
      env = { OPENAI_API_KEY: 'sk-test-auto', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
    });
    afterEach(async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('compile-time answers outside quotes, inside "..." and inside \'...\' are each echoed as one word', async () => {
      fs.writeFileSync(
        path.join(dir, 'p.pipeline.yaml'),
        `id: shell_auto
orchestrator: openai:gpt-4o-mini
steps:
  - id: say
    tool: terminal
    action: execute
    parameters:
      command: |
        printf '[%s]\\n' <AUTO>Greeting one</AUTO> "x <AUTO>Greeting two</AUTO> y" 'z <AUTO>Greeting three</AUTO>'
`,
      );
      server.script.push({ json: { value: HOSTILE } }, { json: { value: HOSTILE } }, { json: { value: HOSTILE } });
      const r = await orcAsync(['run', 'p.pipeline.yaml', '--json'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { steps: Record<string, { result: { stdout: string } }> };
      assert.equal(doc.steps.say.result.stdout, `[${HOSTILE}]\n[x ${HOSTILE} y]\n[z ${HOSTILE}]\n`);
      assert.deepEqual(made(), [], 'nothing the answer said was run');
    });

    it('a run-time answer (its question names a step result) is quoted as well', async () => {
      fs.writeFileSync(
        path.join(dir, 'r.pipeline.yaml'),
        `id: shell_auto_runtime
orchestrator: openai:gpt-4o-mini
steps:
  - id: first
    tool: terminal
    action: execute
    parameters:
      command: echo facts
  - id: say
    tool: terminal
    action: execute
    dependencies: [first]
    parameters:
      command: "echo <AUTO>Summarize {{ first.result.stdout }}</AUTO>"
`,
      );
      server.script.push({ json: { value: HOSTILE } });
      const r = await orcAsync(['run', 'r.pipeline.yaml', '--json'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { steps: Record<string, { result: { stdout: string } }> };
      assert.equal(doc.steps.say.result.stdout, `${HOSTILE}\n`);
      assert.deepEqual(made(), []);
    });

    it('shell="code" declares a position that wants shell code: the answer runs, and the analyzer warns on the tag', async () => {
      fs.writeFileSync(
        path.join(dir, 'c.pipeline.yaml'),
        `id: shell_code
orchestrator: openai:gpt-4o-mini
steps:
  - id: say
    tool: terminal
    action: execute
    parameters:
      command: <AUTO shell="code">Which command?</AUTO>
`,
      );
      const v = await orcAsync(['validate', 'c.pipeline.yaml', '--json'], { cwd: dir, env });
      const findings = (JSON.parse(v.stdout) as { findings: { code: string; severity: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[] }).findings.filter((f) => f.code === 'auto.shell-code');
      assert.deepEqual(
        findings.map((f) => [f.severity, f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character]),
        [['warning', 7, 15, 7, 55]],
      );
      server.script.push({ json: { value: 'touch X1 && echo ran' } });
      const r = await orcAsync(['run', 'c.pipeline.yaml', '--json'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(made(), ['X1']);
    });
  });
});
