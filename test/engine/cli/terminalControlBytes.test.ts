// Round three of the hardening (#41 item 12): control bytes from models, cassettes and datasets do
// not reach a terminal. `orc run`'s summary (a live answer, and the same answer replayed from a
// cassette) and `orc eval`'s table (a case id from a dataset, an assertion's reason quoting the
// answer) show the text with its control sequences removed, as `orc explain` does; `--json` keeps
// the text whole.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { RunReport } from '../../../engine/api/index';
import { terminalInteraction } from '../../../engine/cli/interaction';
import { printReport } from '../../../engine/cli/reportCommand';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { orcAsync } from '../../helpers/cli';
import { stripControls, terminalText } from '../../../engine/cli/terminalText';

/** A window title, a cleared screen, a cursor moved up and a line erased, a carriage return and a backspace, C1 CSI and OSC (a link), a bell. */
const HOSTILE = 'Hi\x1b]0;pwned\x07 there\x1b[2J\x1b[1A\x1b[2Kend\r\x08\u009b31m\u009d8;;http://x\u009c done\x07';
/** What a terminal is shown of it. */
const SHOWN = 'Hi thereend done';
/** Any control character but a tab and a line feed (ESC, C0, DEL, C1). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

const PIPELINE = 'id: say\nsteps:\n  - id: speak\n    action: generate\n    model: openai:gpt-4o-mini\n    parameters:\n      prompt: "Say something"\noutputs:\n  answer: "{{ speak.result }}"\n';

describe('hardening, round three: model text on a terminal (#41 item 12)', function () {
  this.timeout(120_000);
  let server: LoopbackProviders;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    server = await new LoopbackProviders().start();
    server.fallback = { text: HOSTILE };
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h3-term-')));
    env = { OPENAI_API_KEY: 'sk-test-term', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_MODEL_REGISTRY: '', ORC_JUDGE_MODEL: '' };
  });
  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("orc run: a live answer's controls are removed from the summary; --json keeps them", async () => {
    const d = fs.mkdtempSync(path.join(dir, 'run-'));
    fs.writeFileSync(path.join(d, 'say.pipeline.yaml'), PIPELINE);
    const r = await orcAsync(['run', 'say.pipeline.yaml', '--record'], { cwd: d, env, isolated: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^outputs:\\n  answer: ${SHOWN}$`, 'm'));
    assert.doesNotMatch(r.stdout, CONTROL);
    assert.doesNotMatch(r.stderr, CONTROL);
    const json = await orcAsync(['run', 'say.pipeline.yaml', '--json'], { cwd: d, env, isolated: true });
    assert.equal(JSON.parse(json.stdout).outputs.answer, HOSTILE);
  });

  it("orc run --replay: a cassette's answer is shown without its controls", async () => {
    const d = fs.mkdtempSync(path.join(dir, 'replay-'));
    fs.writeFileSync(path.join(d, 'say.pipeline.yaml'), PIPELINE);
    assert.equal((await orcAsync(['run', 'say.pipeline.yaml', '--record'], { cwd: d, env, isolated: true })).code, 0);
    assert.ok(fs.readFileSync(path.join(d, 'say.pipeline.cassette.jsonl'), 'utf8').includes(JSON.stringify(HOSTILE).slice(1, -1)), 'the cassette holds the answer as it came');
    const r = await orcAsync(['run', 'say.pipeline.yaml', '--replay'], { cwd: d, env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, isolated: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^outputs:\\n  answer: ${SHOWN}$`, 'm'));
    assert.doesNotMatch(r.stdout, CONTROL);
    assert.doesNotMatch(r.stderr, CONTROL);
  });

  it("orc eval: a dataset's case id and a reason quoting the answer are shown without controls, one line each", async () => {
    const d = fs.mkdtempSync(path.join(dir, 'eval-'));
    fs.writeFileSync(path.join(d, 'say.pipeline.yaml'), PIPELINE);
    fs.writeFileSync(path.join(d, 'say.eval.yaml'), 'pipeline: say.pipeline.yaml\ncases: data.jsonl\nassert:\n  - output: answer\n    contains: goodbye\n');
    fs.writeFileSync(path.join(d, 'data.jsonl'), `${JSON.stringify({ id: 'c\x1b[2J\x1b]0;title\x07\nFORGED pass' })}\n`);
    const r = await orcAsync(['eval', 'say.eval.yaml'], { cwd: d, env, isolated: true });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, CONTROL);
    assert.doesNotMatch(r.stderr, CONTROL);
    const rows = r.stdout.split('\n');
    assert.match(rows[1], /^c FORGED pass +default +FAIL +0\.00 /);
    // the reason quotes the answer as JSON (C0 controls escaped as \\u001b...); the C1 ones are removed
    assert.equal(rows[2], String.raw`    ✗ output answer contains: "Hi\u001b]0;pwned\u0007 there\u001b[2J\u001b[1A\u001b[2Kend\r\b done\u0007" does not contain "goodbye"  (say.eval.yaml:4)`);
    assert.ok(!rows.some((l) => l.startsWith('FORGED')), 'the id forges no line of its own');
  });
});

describe('hardening, round three: questions and reports on a terminal show no control sequences (#41 item 12)', () => {
  it("a question's title, detail, prompt, choices, error and default are shown without controls; the default answered is the one given", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (b: Buffer) => (shown += b.toString('utf8')));
    const term = terminalInteraction({ interactive: true, answers: new Map(), assumeYes: false, input, output, style: { color: false } });
    const asked = term.ask({ kind: 'text', step: `s${HOSTILE}`, prompt: `Edit ${HOSTILE}`, title: `Title ${HOSTILE}`, detail: `Draft: ${HOSTILE}`, error: `Was ${HOSTILE}`, default: HOSTILE, multiline: true }, new AbortController().signal);
    setImmediate(() => input.write('\n'));
    assert.equal(await asked, HOSTILE, 'an empty first line keeps the content as given');
    assert.doesNotMatch(shown, CONTROL);
    for (const part of [`Title ${SHOWN} (step s${SHOWN})`, `Draft: ${SHOWN}`, `✗ Was ${SHOWN}`, `? Edit ${SHOWN}`]) assert.ok(shown.includes(part), `${JSON.stringify(part)} in ${JSON.stringify(shown)}`);
    const choice = term.ask({ kind: 'choice', step: 'c', prompt: 'Pick', choices: [`one ${HOSTILE}`, 'two'] }, new AbortController().signal);
    setImmediate(() => input.write('2\n'));
    assert.equal(await choice, '2');
    assert.ok(shown.includes(`  1) one ${SHOWN}\n  2) two`));
    assert.doesNotMatch(shown, CONTROL);
  });

  it("orc report's text shows a record's texts without their controls (the pipeline id, a step, a suggestion); colour is still painted", async () => {
    const report = {
      execution_id: 'r1', pipeline_id: `p${HOSTILE}`, status: 'completed', makespan_ms: 1200, basis: 'dependencies', debugger_held_ms: 0,
      parallelism: { max_parallel: 2, peak: 1, average: 1, idle_share: 0.5 },
      critical_path: [{ step: `s${HOSTILE}`, start_ms: 0, end_ms: 1200 }],
      steps: [{ step: `s${HOSTILE}`, status: 'completed', duration_ms: 1200, share: 1, queued_ms: 0, rate_limit_wait_ms: 0, running_ms: 1200, attempts: 1, retry_ms: 0, cost_usd: 0, on_critical_path: true }],
      suggestions: [`'s' said ${HOSTILE}`],
      agents: [],
    } as unknown as RunReport;
    const lines: string[] = [];
    printReport(report, { color: true }, (l) => lines.push(l));
    const text = lines.join('\n');
    assert.ok(text.includes(`Run r1 of p${SHOWN}: completed in 1.20 s`), text);
    assert.ok(text.includes(`Critical path (as it ran): s${SHOWN}`), text);
    assert.ok(text.includes(`  - 's' said ${SHOWN}`), text);
    // the only escapes left are the report's own colours
    assert.doesNotMatch(text.replace(/\x1b\[[0-9;]*m/g, ''), CONTROL);
    assert.ok(text.includes('\x1b[1m'), 'headings are still bold');
  });
});

const HOSTILE_NOTES = 'Sums\x1b]0;pwned\x07 the\x1b[2J\x1b[H notes\x9b31m.\x07\x08\r';

describe('hostile input', () => {
  // Hardening, round two (issue 24): model text shown on a terminal. `orc explain` printed the model's
  // escape sequences (a window title, a cleared screen) as they came and a 200,000-character warning
  // whole: control sequences are stripped and what is printed is bounded (--json keeps it whole).
  describe('hardening 2: model text on a terminal', function () {
    this.timeout(60_000);
    let server: LoopbackProviders;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    beforeEach(async () => {
      server = await new LoopbackProviders().start();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-h2-term-'));
      env = { OPENAI_API_KEY: 'sk-test-term', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_ORCHESTRATOR_MODEL: '' };
      fs.writeFileSync(path.join(dir, 'e.pipeline.yaml'), `id: e\nmodel: openai:gpt-4o-mini\nsteps:\n  - id: w\n    tool: filesystem\n    action: write\n    parameters: {path: out.txt, content: hi}\n`);
    });
    afterEach(async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('orc explain strips escape sequences and bounds a 200,000-character warning; --json keeps the text', async () => {
      const long = 'x'.repeat(200_000);
      server.script.push({ json: { intention: HOSTILE_NOTES, architecture: 'w writes.' } }, { json: { contradictions: [{ step: 'w', kind: 'other', message: `\x1b[31m${long}` }] } });
      const r = await orcAsync(['explain', 'e.pipeline.yaml'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Intention\nSums the notes\.\n\nArchitecture\nw writes\.\n/);
      for (const text of [r.stdout, r.stderr]) assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      assert.ok(r.stderr.length < 3000, `${r.stderr.length} characters of warnings printed`);
      assert.match(r.stderr, /^e\.pipeline\.yaml:4:9: warning explain\.contradiction x{100}.*x… \(198000 more characters not shown; --json has the whole text\)$/m);
      const json = await orcAsync(['explain', 'e.pipeline.yaml', '--json'], { cwd: dir, env });
      const x = JSON.parse(json.stdout) as { intention: string; findings: { message: string }[] };
      assert.equal(x.intention, HOSTILE_NOTES);
      assert.equal(x.findings[0].message.length, 200_005);
    });

    it('stripControls keeps text, tabs and new lines; terminalText marks a cut', () => {
      assert.equal(stripControls('a\tb\nc\x1b[1;31md\x1b[0m\x1bP1$r\x1b\\e\x1b]8;;http://x\x1b\\f'), 'a\tb\ncdef');
      assert.equal(terminalText('abcdef', 4), 'abcd… (2 more characters not shown; --json has the whole text)');
      assert.equal(terminalText('ü€😀', 10), 'ü€😀');
    });
  });
});
