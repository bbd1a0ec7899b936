// `improvePrompts` on the scripted task (test/fixtures/improve/scriptedTask.ts) through the real
// `openai` SDK against the loopback server: the task model passes a case only with two instructions
// it was never told; the reflection model adds one instruction a failed assertion names.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { INSTRUCTIONS, REFLECT_MODEL, scriptedTask, TASK_PIPELINE, TASK_TICKETS, taskEval } from '../../fixtures/improve/scriptedTask';
import { ImproveInputError, improvePrompts, isValidationCase, listImproveRecords, type ImproveEvent, type ImproveOptions } from '../../../engine/improve/index';
import { createModelRunner } from '../../../engine/models/index';
import { analyzeEval } from '../../../engine/eval/evalAnalysis';

const readLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('improvePrompts (the scripted task)', function () {
  this.timeout(60_000);
  const server = new LoopbackProviders();
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let task: ReturnType<typeof scriptedTask>;

  before(async () => {
    await server.start();
    env = { OPENAI_API_KEY: 'sk-improve-test', OPENAI_BASE_URL: `${server.origin}/v1` };
  });
  after(() => server.stop());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'orc-improve-'));
    writeFileSync(path.join(dir, 'task.pipeline.yaml'), TASK_PIPELINE);
    writeFileSync(path.join(dir, 'task.eval.yaml'), taskEval('task.pipeline.yaml', { theme: 'validation', login: 'train' }));
    task = scriptedTask();
    server.responder = task.responder;
    server.requests.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const improve = (o: Partial<ImproveOptions> = {}) => improvePrompts({ root: dir, evalFile: path.join(dir, 'task.eval.yaml'), reflect: REFLECT_MODEL, env, models: createModelRunner({ env }), ...o });
  /** The split the search makes (seed 0, share 0.3, the eval's own `split:`). */
  const validationIds = TASK_TICKETS.map(([id]) => id).filter((id) => (id === 'theme' ? true : id === 'login' ? false : isValidationCase(id, 0, 0.3)));

  it('finds prompts passing every train and validation case, never showing a validation case to the reflection', async () => {
    const events: ImproveEvent[] = [];
    const r = await improve({ onEvent: (e) => events.push(e) });
    assert.equal(r.stopped, 'all-train-passed');
    assert.equal(r.train.before, 0);
    assert.equal(r.train.after, 1);
    assert.equal(r.validation.cases, validationIds.length);
    assert.ok(validationIds.length >= 2 && validationIds.includes('theme'));
    assert.equal(r.validation.before, 0);
    assert.equal(r.validation.after, 1);
    assert.deepEqual(r.train.before_interval[0], 0);
    const after = r.steps.summarise.after.toLowerCase();
    for (const i of INSTRUCTIONS) assert.ok(after.includes(i), after);
    assert.ok(r.evals <= 150, `${r.evals} case runs`);
    assert.equal(r.calls, task.reflections.length);
    // the reflection requests: only train cases' inputs, each failure's assertion message
    assert.ok(task.reflections.length >= 2);
    for (const req of task.reflections) {
      for (const [id, tid, text] of TASK_TICKETS) {
        const shown = req.includes(`<case id="${id}">`) || req.includes(text) || req.includes(tid);
        if (validationIds.includes(id)) assert.ok(!shown, `validation case ${id} shown to the reflection:\n${req}`);
      }
      assert.match(req, /does not match \//);
    }
    // the record, written as it went
    const files = ['meta.json', 'candidates.jsonl', 'cases.jsonl', 'runs.jsonl', 'refused.jsonl', 'front.json', 'result.json'];
    for (const f of files) assert.ok(existsSync(path.join(r.dir, f)), f);
    const runs = readLines(path.join(r.dir, 'cases.jsonl'));
    assert.equal(runs.length, r.evals);
    assert.equal(runs.filter((x) => x.phase === 'validation').length, 2 * validationIds.length);
    const front = JSON.parse(readFileSync(path.join(r.dir, 'front.json'), 'utf8')) as { id: string; train_pass_rate: number }[];
    assert.ok(front.some((f) => f.id === r.chosen && f.train_pass_rate === 1));
    assert.deepEqual(JSON.parse(readFileSync(path.join(r.dir, 'result.json'), 'utf8')), JSON.parse(JSON.stringify(r)));
    assert.deepEqual(
      events.filter((e) => e.kind === 'start' || e.kind === 'done').map((e) => e.kind),
      ['start', 'done'],
    );
    assert.ok(events.some((e) => e.kind === 'candidate' && e.candidate.id === r.chosen && e.candidate.train_pass_rate === 1));
    assert.deepEqual(
      listImproveRecords(dir).map((l) => [l.id, l.stopped, l.train]),
      [[r.improveId, 'all-train-passed', { before: 0, after: 1 }]],
    );
    // the file itself is not touched without --apply
    assert.equal(readFileSync(path.join(dir, 'task.pipeline.yaml'), 'utf8'), TASK_PIPELINE);
  });

  it('refuses a proposal that drops a template name without running a case on it', async () => {
    task = scriptedTask({ breakFirst: true });
    server.responder = task.responder;
    const refused: string[] = [];
    const r = await improve({ onEvent: (e) => void (e.kind === 'refused' && refused.push(e.reason)) });
    assert.equal(r.refused, 1);
    assert.deepEqual(refused, ['the analyzer refuses it: it drops the template names {{ ticket }}, {{ ticket_id }}']);
    // no task request ever carried the broken prompt (it has no ticket line)
    assert.ok(task.taskPrompts.every((p) => /Ticket T-\d+: /.test(p)));
    const candidates = readLines(path.join(r.dir, 'candidates.jsonl'));
    assert.ok(candidates.every((c) => String((c.prompts as Record<string, string>).summarise).includes('{{ ticket }}')));
    assert.equal(readLines(path.join(r.dir, 'refused.jsonl')).length, 1);
    assert.equal(r.stopped, 'all-train-passed');
  });

  it('an empty or a huge answer of the reflection is refused and counted, no case run on it; one that is not a prompt is repaired', async () => {
    const bad: unknown[] = [{ prompt: '  ', rationale: 'empty' }, { prompt: `Summarise {{ ticket_id }} {{ ticket }} ${'very '.repeat(4000)}`, rationale: 'huge' }, { prompt: 42, rationale: 'a number' }];
    server.responder = (body) => {
      if (`openai:${String(body.model)}` === REFLECT_MODEL && bad.length) return { json: bad.shift(), tokensIn: 400, tokensOut: 60 };
      return task.responder(body);
    };
    const refused: string[] = [];
    const r = await improve({ onEvent: (e) => void (e.kind === 'refused' && refused.push(e.reason)) });
    // a prompt that is not a string fails the answer's schema: the model runner asks once more (the structured call's repair), and that answer is a prompt
    assert.deepEqual(refused, ['the proposed prompt is empty', "the proposed prompt is 20039 characters, over the step's max_tokens worth (4096 tokens, about 16384 characters)"]);
    assert.equal(r.refused, 2);
    assert.equal(r.stopped, 'all-train-passed');
    assert.ok(task.taskPrompts.every((p) => !p.includes('very very')));
  });

  it('an eval with no failing case proposes nothing and asks no model to reflect', async () => {
    writeFileSync(path.join(dir, 'task.pipeline.yaml'), TASK_PIPELINE.replace('in a few words.', 'in a few words. Answer in uppercase and end with the ticket id.'));
    const r = await improve();
    assert.equal(r.stopped, 'no-failures');
    assert.equal(r.calls, 0);
    assert.equal(task.reflections.length, 0);
    assert.equal(r.steps.summarise.before, r.steps.summarise.after);
    assert.equal(r.train.after, 1);
  });

  it('--budget-usd: a call that cannot fit is never made, the spend stays under the budget', async () => {
    // a reflection's worst case (4,096 tokens out at gpt-4o's $10/M) is over $0.04: none fits in $0.03
    const r = await improve({ budgetUsd: 0.03 });
    assert.equal(r.stopped, 'budget');
    assert.equal(r.calls, 0);
    assert.equal(task.reflections.length, 0);
    assert.ok(r.cost_usd > 0 && r.cost_usd <= 0.03, String(r.cost_usd));
    assert.equal(r.validation.before, 0);
    // room for one reflection (its worst case about $0.0425), not for the two the search needs
    task = scriptedTask();
    server.responder = task.responder;
    const r2 = await improve({ budgetUsd: 0.0435 });
    assert.equal(r2.stopped, 'budget');
    assert.deepEqual([r2.calls, task.reflections.length], [1, 1]);
    assert.ok(r2.cost_usd <= 0.0435, String(r2.cost_usd));
  });

  it('--max-evals: the search stops at that many case runs, every one in the record', async () => {
    const r = await improve({ maxEvals: 16 });
    assert.equal(r.stopped, 'max-evals');
    assert.ok(r.evals <= 16, String(r.evals));
    const runs = readLines(path.join(r.dir, 'cases.jsonl'));
    assert.equal(runs.length, r.evals);
  });

  it('bad options are refused before any call', async () => {
    for (const [o, message] of [
      [{ budgetUsd: 0 }, /--budget-usd takes an amount over 0/],
      [{ maxEvals: -1 }, /--max-evals takes a whole number of case runs of at least 1/],
      [{ validation: 0.95 }, /--validation takes the validation share from 0 to 0.9/],
      [{ steps: ['nope'] }, /--steps 'nope': not a model step with a prompt written in the pipeline file \(those are: summarise\)/],
      [{ reflect: 'openia:gpt-4o' }, /--reflect 'openia:gpt-4o' names an unknown provider 'openia'/],
    ] as [Partial<ImproveOptions>, RegExp][]) {
      await assert.rejects(improve(o), (e: Error) => e instanceof ImproveInputError && message.test(e.message));
    }
    writeFileSync(path.join(dir, 'task.eval.yaml'), taskEval('task.pipeline.yaml', Object.fromEntries(TASK_TICKETS.map(([id]) => [id, 'validation']))));
    await assert.rejects(improve(), /the split leaves no train case \(10 validation cases/);
    assert.equal(server.requests.length, 0);
    assert.equal(existsSync(path.join(dir, '.orchestrator', 'improve')), false);
  });

  it('a two-step pipeline: the feedback names the step being changed and shows what each step received and returned', async () => {
    // draft writes the summary; final restates the draft's first three words (the task model's rule),
    // so either step's prompt can carry the instructions
    writeFileSync(
      path.join(dir, 'task.pipeline.yaml'),
      TASK_PIPELINE.replace(
        '\noutputs:\n  summary: "{{ summarise.result }}"\n',
        '\n  - id: final\n    action: generate\n    parameters:\n      prompt: "Restate it. Ticket {{ ticket_id }}: {{ summarise.result }}"\n\noutputs:\n  summary: "{{ final.result }}"\n',
      ),
    );
    const r = await improve({ seed: 3 });
    assert.deepEqual(Object.keys(r.steps), ['summarise', 'final']);
    assert.equal(r.train.after, 1, JSON.stringify(r, null, 1));
    assert.ok(task.reflections.length >= 2);
    const first = task.reflections[0];
    assert.match(first, /The pipeline's searched steps are 'summarise', 'final'; only the prompt of 'summarise' is to change now/);
    assert.match(first, /<step id="summarise" changing="yes" status="completed">\n<received>Summarise this support ticket in a few words\.\nTicket T-\d+: /);
    assert.match(first, /<step id="final" status="completed">\n<received>Restate it\. Ticket T-\d+: [a-z0-9 ]+<\/received>\n<returned>[a-z0-9 ]+<\/returned>/);
    // the second round changes the other step
    assert.match(task.reflections[1], /<current_prompt step="final">\nRestate it\. Ticket \{\{ ticket_id \}\}: \{\{ summarise\.result \}\}/);
  });

  it("a case's split: train|validation is a case option; another value is a finding", () => {
    const text = taskEval('task.pipeline.yaml', { login: 'train' }).replace('    split: train\n', '    split: test\n');
    writeFileSync(path.join(dir, 'bad.eval.yaml'), text);
    const a = analyzeEval(text, path.join(dir, 'bad.eval.yaml'));
    assert.deepEqual(
      a.findings.filter((f) => f.severity === 'error').map((f) => [f.message, f.range.start.line]),
      [["'split' is train or validation (the case's side in `orc improve`).", text.split('\n').indexOf('    split: test')]],
    );
    const good = analyzeEval(taskEval('task.pipeline.yaml', { login: 'validation' }), path.join(dir, 'task.eval.yaml'));
    assert.deepEqual(good.findings, []);
  });

  it('an AbortSignal stops the search and leaves the front on disk', async () => {
    const ctl = new AbortController();
    const r = await improve({ signal: ctl.signal, onEvent: (e) => void (e.kind === 'front' && ctl.abort()) });
    assert.equal(r.stopped, 'cancelled');
    const front = JSON.parse(readFileSync(path.join(r.dir, 'front.json'), 'utf8')) as { id: string }[];
    assert.deepEqual(front.map((f) => f.id), ['c0']);
    assert.equal(JSON.parse(readFileSync(path.join(r.dir, 'meta.json'), 'utf8')).stopped, 'cancelled');
  });
});
