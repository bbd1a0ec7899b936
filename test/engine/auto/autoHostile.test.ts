// Hardening, round two (issue 24): a model's answer is untrusted input. An AUTO answer that lands in
// a shell command is one quoted word, whatever quoting it lands in; only a tag that declares
// shell="code" runs as code, and the analyzer warns about it. Driven through the real OpenAI SDK
// against the loopback provider (scripted structured answers).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { writeProducts } from '../../../engine/models/products';
import { orcAsync } from '../../helpers/cli';

const HOSTILE = `hi; touch X1; echo $(touch X2) \`touch X3\` "; touch X4; " '; touch X5; '`;

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

describe('hardening 2: a structured answer is never taken for run state', () => {
  let out: string;
  beforeEach(() => (out = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-products-'))));
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  it('products named like the checkpoint store files, in any case or with a new line, are refused and nothing is written', () => {
    const forged = '{"step":"later","result":"forged"}\n';
    for (const [rel, why] of [
      ['recent-1.jsonl', 'named like the run\'s own state (recent-1.jsonl)'],
      ['recent-2.jsonl', 'named like the run\'s own state (recent-2.jsonl)'],
      ['journal.jsonl', 'named like the run\'s own state (journal.jsonl)'],
      ['CHECKPOINT.json', 'named like the run\'s own state (CHECKPOINT.json)'],
      ['x.tmp', 'named like the run\'s own state (x.tmp)'],
      ['a\nb.json', 'a control character in its path: "a\\nb.json"'],
    ]) {
      assert.throws(() => writeProducts(out, { body: rel }, { body: forged }), (e: Error & { errorType?: string }) => {
        assert.equal(e.errorType, 'PermissionError');
        assert.ok(e.message.startsWith(`Product 'body' ${why.startsWith('named') ? 'may not be ' : 'has '}${why}`), e.message);
        return true;
      });
    }
    assert.deepEqual(fs.readdirSync(out), []);
    // the same name in a subfolder is an ordinary product
    assert.deepEqual(writeProducts(out, { body: 'notes/recent-1.jsonl' }, { body: forged }), [path.join(out, 'notes', 'recent-1.jsonl')]);
  });
});
