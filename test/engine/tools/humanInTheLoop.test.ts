// The human-in-the-loop tools (user-prompt, approval-gate, feedback-collection) as a person meets
// them: the built `orc` under a real pseudo-terminal (python3's pty module) answering questions,
// `orc run --json` in CI refusing or taking answers given ahead, and the engine's Interaction
// interface driven by a scripted host (cancellation, timeouts, one question at a time).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, hasErrors } from '../../../engine/analyze/index';
import type { ResultDocument } from '../../../engine/run/events';
import { runPipeline, type RunOptions } from '../../../engine/run/runPipeline';
import type { Interaction, Question } from '../../../engine/toolkit/interaction';
import { CLI, orc } from '../../helpers/cli';

// Runs argv in a new pseudo-terminal; each step waits for text (ANSI codes and \r removed), types
// text, or sends a signal. Prints {code, transcript, failed} as JSON.
const PTY_DRIVER = String.raw`
import json, os, pty, re, select, signal, sys, time
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec['cwd'])
    env = dict(os.environ); env.update(spec['env'])
    os.execvpe(spec['argv'][0], spec['argv'], env)
raw = b''
pos = 0
ansi = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]|\r')
def clean():
    return ansi.sub('', raw.decode('utf8', 'replace'))
def pump(t):
    global raw
    r, _, _ = select.select([fd], [], [], t)
    if not r: return True
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return False
    if not chunk: return False
    raw += chunk
    return True
deadline = time.time() + spec['timeout']
failed = None
alive = True
for step in spec['steps']:
    if 'expect' in step:
        while True:
            i = clean().find(step['expect'], pos)
            if i >= 0:
                pos = i + len(step['expect']); break
            if time.time() > deadline or not alive:
                failed = step['expect']; break
            alive = pump(0.05)
        if failed: break
    if 'send' in step:
        time.sleep(0.05)
        os.write(fd, step['send'].encode())
code = None
while time.time() < deadline:
    if alive: alive = pump(0.05)
    else: time.sleep(0.05)
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        code = os.waitstatus_to_exitcode(status)
        while alive and pump(0.05): pass
        break
else:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(json.dumps({'code': code, 'transcript': clean(), 'failed': failed}))
`;

type PtyStep = { expect: string } | { send: string };

function inPty(cwd: string, args: string[], steps: PtyStep[]): { code: number | null; transcript: string } {
  const spec = { cwd, argv: [process.execPath, CLI, ...args], env: { NO_COLOR: '1' }, steps, timeout: 30 };
  const r = spawnSync('python3', ['-c', PTY_DRIVER, JSON.stringify(spec)], { encoding: 'utf8', timeout: 40_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { code: number | null; transcript: string; failed: string | null };
  assert.equal(out.failed, null, `never saw ${JSON.stringify(out.failed)} in:\n${out.transcript}`);
  return out;
}

let dir: string;

function write(name: string, text: string): string {
  fs.writeFileSync(path.join(dir, name), text);
  return name;
}

/** The result document of the only run in the folder. */
function lastResult(): ResultDocument {
  const runs = fs.readdirSync(path.join(dir, '.orchestrator', 'runs')).filter((f) => !f.includes('.'));
  assert.equal(runs.length, 1, runs.join(', '));
  return JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', runs[0], 'result.json'), 'utf8')) as ResultDocument;
}

const PROMPT = `id: ask
steps:
  - id: name
    tool: user-prompt
    action: execute
    parameters:
      prompt: "Your name"
      validation_pattern: "[A-Z][a-z]+$"
  - id: save
    tool: filesystem
    action: write
    parameters:
      path: hello.txt
      content: "Hello {{ name.value }}"
`;

const GATE = `id: gate
steps:
  - id: review
    tool: approval-gate
    action: execute
    parameters:
      title: "Review the draft"
      content: "A short draft."
  - id: publish
    tool: filesystem
    action: write
    dependencies: [review]
    condition: "{{ review.approved }}"
    parameters:
      path: published.txt
      content: "{{ review.modified_content | default('A short draft.') }}"
  - id: note
    tool: filesystem
    action: write
    dependencies: [review]
    parameters:
      path: note.txt
      content: "{{ 'approved' if review.approved else 'rejected: ' ~ review.rejection_reason }}"
`;

const FORM = `id: form
steps:
  - id: fb
    tool: feedback-collection
    action: execute
    parameters:
      title: "How did it go?"
      questions:
        - id: quality
          text: "Rate the quality"
          type: rating
          scale: 5
        - id: useful
          text: "Was it useful?"
          type: boolean
      required_questions: [quality]
      save_to_file: feedback/log.jsonl
`;

const DEFAULTED = `id: dflt
steps:
  - id: fmt
    tool: user-prompt
    action: execute
    parameters:
      prompt: "Output format"
      input_type: choice
      choices: ["csv", "json", "markdown"]
      default: "csv"
`;

describe('human-in-the-loop tools', function () {
  this.timeout(60_000);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-hitl-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('on a terminal (orc run under a pseudo-terminal)', () => {
    it('user-prompt asks, refuses an answer that does not match the pattern, asks again, and the next step gets the answer', () => {
      const r = inPty(dir, ['run', write('ask.pipeline.yaml', PROMPT)], [{ expect: '(step name)' }, { expect: '? Your name: ' }, { send: 'bob\r' }, { expect: "✗ 'bob' does not match the pattern [A-Z][a-z]+$" }, { expect: '? Your name: ' }, { send: 'Bob\r' }]);
      assert.equal(r.code, 0, r.transcript);
      assert.equal(fs.readFileSync(path.join(dir, 'hello.txt'), 'utf8'), 'Hello Bob');
      const doc = lastResult();
      assert.equal(doc.status, 'completed');
      const res = doc.steps.name.result as Record<string, unknown>;
      assert.equal(typeof res.response_time, 'number');
      delete res.response_time;
      assert.deepEqual(res, { value: 'Bob', answered_by: 'user', used_default: false, skipped: false, retries: 1, context: 'cli' });
    });

    it('approval-gate: approve lets the gated step run', () => {
      const r = inPty(dir, ['run', write('gate.pipeline.yaml', GATE)], [{ expect: 'Review the draft (step review)' }, { expect: 'A short draft.' }, { expect: '3) modify' }, { expect: 'choice: ' }, { send: 'approve\r' }]);
      assert.equal(r.code, 0, r.transcript);
      const doc = lastResult();
      const res = doc.steps.review.result as Record<string, unknown>;
      assert.equal(doc.steps.review.success, true);
      assert.deepEqual([res.approved, res.action, res.answered_by, res.auto_approved, res.content_hash], [true, 'approve', 'user', false, sha('A short draft.')]);
      assert.equal('rejection_reason' in res, false);
      assert.equal(fs.readFileSync(path.join(dir, 'published.txt'), 'utf8'), 'A short draft.');
      assert.equal(fs.readFileSync(path.join(dir, 'note.txt'), 'utf8'), 'approved');
    });

    it('approval-gate: reject asks for a reason (again when empty); the step completes with approved: false, as in ContextLab', () => {
      const r = inPty(dir, ['run', write('gate.pipeline.yaml', GATE)], [{ expect: 'choice: ' }, { send: 'r\r' }, { expect: '? Reason for rejection: ' }, { send: '\r' }, { expect: '✗ A rejection needs a reason' }, { expect: '? Reason for rejection: ' }, { send: 'too short\r' }]);
      assert.equal(r.code, 0, r.transcript);
      const doc = lastResult();
      assert.equal(doc.status, 'completed');
      assert.equal(doc.steps.review.status, 'completed');
      assert.equal(doc.steps.review.success, true);
      const res = doc.steps.review.result as Record<string, unknown>;
      assert.deepEqual([res.approved, res.action, res.rejection_reason, res.answered_by], [false, 'reject', 'too short', 'user']);
      assert.equal(doc.steps.publish.status, 'skipped');
      assert.equal(fs.existsSync(path.join(dir, 'published.txt')), false);
      assert.equal(fs.readFileSync(path.join(dir, 'note.txt'), 'utf8'), 'rejected: too short');
    });

    it('approval-gate: modify takes the edited content, which approves it', () => {
      const r = inPty(dir, ['run', write('gate.pipeline.yaml', GATE)], [{ expect: 'choice: ' }, { send: 'modify\r' }, { expect: 'The modified content' }, { send: 'A longer draft,\r' }, { send: 'in two lines.\r' }, { send: '.\r' }]);
      assert.equal(r.code, 0, r.transcript);
      const res = lastResult().steps.review.result as Record<string, unknown>;
      assert.deepEqual([res.approved, res.action, res.modified_content, res.modified_hash], [true, 'modify', 'A longer draft,\nin two lines.', sha('A longer draft,\nin two lines.')]);
      assert.equal(fs.readFileSync(path.join(dir, 'published.txt'), 'utf8'), 'A longer draft,\nin two lines.');
    });

    it('feedback-collection asks two questions, re-asks a rating out of range, and appends the feedback to its file', () => {
      const r = inPty(dir, ['run', write('form.pipeline.yaml', FORM)], [{ expect: 'How did it go? (step fb)' }, { expect: '? Rate the quality (1-5) *: ' }, { send: '7\r' }, { expect: "✗ Rate 'quality' with a whole number from 1 to 5" }, { expect: '? Rate the quality (1-5) *: ' }, { send: '4\r' }, { expect: '? Was it useful? (y/n): ' }, { send: 'y\r' }]);
      assert.equal(r.code, 0, r.transcript);
      const res = lastResult().steps.fb.result as Record<string, unknown>;
      assert.equal(typeof res.feedback_id, 'string');
      delete res.feedback_id;
      assert.deepEqual(res, { responses: { quality: 4, useful: true }, response_count: 2, completion_rate: 100, summary: { rating_average: 4, boolean_summary: { useful: true }, choice_summary: {} }, saved_to_file: true, answered_by: 'user' });
      const saved = fs.readFileSync(path.join(dir, 'feedback', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(saved.length, 1);
      assert.deepEqual([saved[0].title, saved[0].responses, saved[0].completion_rate, saved[0].anonymous], ['How did it go?', { quality: 4, useful: true }, 100, false]);
    });

    it('an empty answer takes the default; a choice may be answered by its number', () => {
      const two = `${DEFAULTED}  - id: again\n    tool: user-prompt\n    action: execute\n    dependencies: [fmt]\n    parameters:\n      prompt: "Again"\n      input_type: choice\n      choices: ["csv", "json", "markdown"]\n`;
      const r = inPty(dir, ['run', write('d.pipeline.yaml', two)], [{ expect: '1) csv' }, { expect: 'choice [csv]: ' }, { send: '\r' }, { expect: 'choice: ' }, { send: '3\r' }]);
      assert.equal(r.code, 0, r.transcript);
      const doc = lastResult();
      assert.deepEqual([(doc.steps.fmt.result as Record<string, unknown>).value, (doc.steps.fmt.result as Record<string, unknown>).used_default], ['csv', true]);
      assert.equal((doc.steps.again.result as Record<string, unknown>).value, 'markdown');
    });
  });

  describe('with no one to answer (orc run --json, stdin not a terminal)', () => {
    it('user-prompt refuses with a ConfigurationError that says how to answer', () => {
      const r = orc(['run', write('ask.pipeline.yaml', PROMPT), '--json'], { cwd: dir });
      assert.equal(r.code, 1);
      const doc = JSON.parse(r.stdout) as ResultDocument;
      assert.equal(doc.steps.name.status, 'failed');
      assert.equal(doc.steps.name.error_type, 'ConfigurationError');
      assert.equal(doc.steps.name.attempts, 1);
      assert.equal(doc.steps.name.error, "Step 'name' (user-prompt) needs an answer from a person, but no one can answer: the run is not interactive (no terminal, or --json). Answer it ahead with -i name=VALUE, give the step a 'default', or run it in a terminal without --json.");
      assert.equal(doc.steps.save.status, 'skipped');
    });

    it('approval-gate and feedback-collection refuse the same way, each saying its own answer form', () => {
      const g = JSON.parse(orc(['run', write('gate.pipeline.yaml', GATE), '--json'], { cwd: dir }).stdout) as ResultDocument;
      assert.equal(g.steps.review.error, "Step 'review' (approval-gate) needs an answer from a person, but no one can answer: the run is not interactive (no terminal, or --json). Answer it ahead with -i review=approve or -i review='reject: REASON', pass --yes to approve, or run it in a terminal without --json.");
      const f = JSON.parse(orc(['run', write('form.pipeline.yaml', FORM), '--json'], { cwd: dir }).stdout) as ResultDocument;
      assert.equal(f.steps.fb.error, `Step 'fb' (feedback-collection) needs an answer from a person, but no one can answer: the run is not interactive (no terminal, or --json). Answer it ahead with -i fb='{"quality": ...}' (required: quality), or run it in a terminal without --json.`);
      assert.deepEqual([g.steps.review.error_type, f.steps.fb.error_type], ['ConfigurationError', 'ConfigurationError']);
    });

    it('--yes approves the gate', () => {
      const r = orc(['run', write('gate.pipeline.yaml', GATE), '--json', '--yes'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const res = (JSON.parse(r.stdout) as ResultDocument).steps.review.result as Record<string, unknown>;
      assert.deepEqual([res.approved, res.action, res.answered_by], [true, 'approve', 'yes']);
      assert.equal(fs.readFileSync(path.join(dir, 'published.txt'), 'utf8'), 'A short draft.');
    });

    it('a prompt with a default takes it', () => {
      const r = orc(['run', write('d.pipeline.yaml', DEFAULTED), '--json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const res = (JSON.parse(r.stdout) as ResultDocument).steps.fmt.result as Record<string, unknown>;
      assert.deepEqual([res.value, res.answered_by, res.used_default, res.skipped], ['csv', 'default', true, true]);
    });

    it('answers given ahead with -i STEP_ID=VALUE: a prompt, a rejection with its reason, a form', () => {
      const p = orc(['run', write('ask.pipeline.yaml', PROMPT), '--json', '-i', 'name=Ann'], { cwd: dir });
      assert.equal(p.code, 0, p.stderr);
      assert.deepEqual(((JSON.parse(p.stdout) as ResultDocument).steps.name.result as Record<string, unknown>).answered_by, 'command_line');
      assert.equal(fs.readFileSync(path.join(dir, 'hello.txt'), 'utf8'), 'Hello Ann');

      const g = orc(['run', write('gate.pipeline.yaml', GATE), '--json', '-i', 'review=reject: needs sources'], { cwd: dir });
      assert.equal(g.code, 0, g.stderr);
      const gr = (JSON.parse(g.stdout) as ResultDocument).steps.review.result as Record<string, unknown>;
      assert.deepEqual([gr.approved, gr.action, gr.rejection_reason, gr.answered_by], [false, 'reject', 'needs sources', 'command_line']);
      assert.equal(fs.readFileSync(path.join(dir, 'note.txt'), 'utf8'), 'rejected: needs sources');

      const f = orc(['run', write('form.pipeline.yaml', FORM), '--json', '-i', 'fb={"quality": 5, "useful": "no"}'], { cwd: dir });
      assert.equal(f.code, 0, f.stderr);
      const fr = (JSON.parse(f.stdout) as ResultDocument).steps.fb.result as Record<string, unknown>;
      assert.deepEqual([fr.responses, fr.answered_by, fr.summary], [{ quality: 5, useful: false }, 'command_line', { rating_average: 5, boolean_summary: { useful: false }, choice_summary: {} }]);
    });

    it('an answer given ahead that is not valid fails the step with a ValueError; an unknown -i key is still an unknown input', () => {
      const p = JSON.parse(orc(['run', write('ask.pipeline.yaml', PROMPT), '--json', '-i', 'name=ann'], { cwd: dir }).stdout) as ResultDocument;
      assert.deepEqual([p.steps.name.status, p.steps.name.error_type, p.steps.name.error], ['failed', 'ValueError', "The answer given for step 'name' is not valid: 'ann' does not match the pattern [A-Z][a-z]+$"]);
      const g = JSON.parse(orc(['run', write('gate.pipeline.yaml', GATE), '--json', '-i', 'review=reject'], { cwd: dir }).stdout) as ResultDocument;
      assert.equal(g.steps.review.error, "The answer given for step 'review' rejects without a reason, which this gate requires: give one as -i review='reject: REASON'");
      const u = orc(['run', 'ask.pipeline.yaml', '--json', '-i', 'nmae=Ann'], { cwd: dir });
      assert.equal(u.code, 2);
      assert.match(u.stderr, /Unknown input 'nmae'/);
    });
  });

  describe('the Interaction interface (a scripted host)', () => {
    async function runYaml(text: string, opts: Partial<RunOptions>): Promise<ResultDocument> {
      const a = analyze(text);
      assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
      assert.ok(!hasErrors(a.findings));
      return runPipeline(a, { cwd: dir, checkpoint: false, ...opts });
    }

    it('cancelling the run while a question is pending ends the step as cancelled (even when the host ignores the signal)', async () => {
      const ctl = new AbortController();
      const asked: Question[] = [];
      const host: Interaction = {
        interactive: true,
        ask(q) {
          asked.push(q);
          setTimeout(() => ctl.abort(Object.assign(new Error('The run was cancelled'), { name: 'CancelledError' })), 50);
          return new Promise(() => undefined); // never answers
        },
      };
      // the host never answers: a run that waited for it could not end at all, so ending is the evidence
      const doc = await runYaml(PROMPT, { interaction: host, signal: ctl.signal });
      assert.deepEqual(asked, [{ kind: 'text', step: 'name', prompt: 'Your name', error: undefined }]);
      assert.equal(doc.status, 'cancelled');
      assert.deepEqual([doc.steps.name.status, doc.steps.name.error_type], ['cancelled', 'CancelledError']);
      assert.equal(fs.existsSync(path.join(dir, 'hello.txt')), false);
    });

    it("the prompt's own timeout takes the default, or fails with a TimeoutError; the step's timeout ends the question", async () => {
      const silent: Interaction = { interactive: true, ask: (_q, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })) };
      const base = 'id: t\nsteps:\n  - id: q\n    tool: user-prompt\n    action: execute\n';
      const withDefault = await runYaml(`${base}    parameters: {prompt: "Proceed?", input_type: boolean, default: false, timeout: 0.2}\n`, { interaction: silent });
      const r = withDefault.steps.q.result as Record<string, unknown>;
      assert.deepEqual([withDefault.steps.q.status, r.value, r.answered_by, r.used_default], ['completed', false, 'timeout', true]);
      const without = await runYaml(`${base}    parameters: {prompt: "Proceed?", timeout: 0.2}\n`, { interaction: silent });
      assert.deepEqual([without.steps.q.status, without.steps.q.error_type, without.steps.q.error], ['failed', 'TimeoutError', "Step 'q': no answer within its timeout of 0.2 s, and it has no 'default'"]);
      const stepTimeout = await runYaml(`${base}    timeout: 0.2\n    parameters: {prompt: "Proceed?"}\n`, { interaction: silent });
      assert.deepEqual([stepTimeout.steps.q.status, stepTimeout.steps.q.error_type], ['failed', 'TimeoutError']);
    });

    it('parallel steps never ask at once: a form asks its questions together', async () => {
      let open = 0;
      let most = 0;
      const order: string[] = [];
      const host: Interaction = {
        interactive: true,
        async ask(q) {
          open++;
          most = Math.max(most, open);
          order.push(`${q.step}: ${q.prompt}`);
          await new Promise((r) => setTimeout(r, 20));
          open--;
          return q.kind === 'confirm' ? true : q.prompt.startsWith('Rate') ? '3' : 'x';
        },
      };
      const text = `id: par\nsteps:\n  - id: a\n    tool: user-prompt\n    action: execute\n    parameters: {prompt: "A"}\n  - id: fb\n    tool: feedback-collection\n    action: execute\n    parameters:\n      title: T\n      questions: [{id: r, text: "Rate it", type: rating}, {id: u, text: "Useful?", type: boolean}]\n  - id: b\n    tool: user-prompt\n    action: execute\n    parameters: {prompt: "B"}\n`;
      const doc = await runYaml(text, { interaction: host });
      assert.equal(doc.status, 'completed');
      assert.equal(most, 1);
      const i = order.indexOf('fb: Rate it (1-5)');
      assert.equal(order[i + 1], 'fb: Useful?');
      assert.equal(order.length, 4);
    });
  });
});

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
