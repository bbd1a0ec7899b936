// Runs from service back to cases, from a terminal: OTLP JSON traces with GenAI spans (as any
// framework's exporter writes them) imported as runs of a pipeline, listed for review, labelled by
// a person (good, bad with the value it should have answered, a note), and turned into the eval's
// cases in one command; and the agreement of a judge with those labels (rate and Cohen's kappa).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { agreement } from '../../../engine/api/index';
import { orcAsync, ROOT } from '../../helpers/cli';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';

/** A pipeline with one required parameter and one output, its eval, and three traces as an OTLP JSON
 * exporter writes them: a chat span with the current GenAI attributes (input and output messages),
 * one with the older events (gen_ai.user.message, gen_ai.choice), and an HTTP span only. */
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'review');
const T1 = '0af7651916cd43dd8448eb211c80319c';
const T2 = '4bf92f3577b34da6a3ce929d0e0e4736';
const T3 = '00f067aa0ba902b700f067aa0ba902b7';

describe('review: runs from service and imported traces become cases', function () {
  this.timeout(60_000);
  let dir: string;
  const orc = (args: string[]) => orcAsync(args, { cwd: dir, env: { NO_COLOR: '1' } });

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-review-'));
    for (const f of ['support.pipeline.yaml', 'support.eval.yaml', 'traces.json']) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports each trace with a GenAI span as a run of the pipeline: the first user message its parameter, the last answer its output', async () => {
    const r = await orc(['traces', 'import', 'traces.json', '--pipeline', 'support.pipeline.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `imported 2 traces as runs of support\n  import-${T1}\n  import-${T2}\nreview them with 'orc review' or the editor's Review view\n`);
    assert.equal(r.stderr, `  skipped trace ${T3}: no GenAI span (gen_ai.* attributes)\n`);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', `import-${T1}`, 'result.json'), 'utf8'));
    assert.deepEqual(
      { status: doc.status, outputs: doc.outputs, trigger: doc.trigger, order: doc.execution_order, tokens: [doc.tokens_in, doc.tokens_out] },
      { status: 'completed', outputs: { reply: 'Yes, always.' }, trigger: { kind: 'import', name: 'support-bot' }, order: ['chat_1'], tokens: [21, 9] },
    );
    assert.deepEqual(doc.steps.chat_1.result, { messages: [{ role: 'user', content: 'Can I get a refund after 30 days?' }, { role: 'assistant', content: 'Yes, always.' }], text: 'Yes, always.' });
    assert.equal(doc.steps.chat_1.model, 'openai:gpt-4o-mini');
    // the span's own start and end in the trace (1.2 s apart), not a time measured here
    assert.equal(doc.steps.chat_1.duration_ms, 1200);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', `import-${T2}`, 'checkpoint.json'), 'utf8'));
    assert.deepEqual(checkpoint.inputs, { question: 'Where is my parcel?' });
    // the pipeline's own path, as a run of it records it (the Runs view opens the run in its panel)
    assert.equal(checkpoint.pipeline_file, path.join(fs.realpathSync(dir), 'support.pipeline.yaml'));
    // importing the same file again adds nothing
    const again = await orc(['traces', 'import', 'traces.json', '--pipeline', 'support.pipeline.yaml', '--json']);
    assert.deepEqual(JSON.parse(again.stdout), { imported: [], kept: [`import-${T1}`, `import-${T2}`], skipped: [{ trace_id: T3, why: 'no GenAI span (gen_ai.* attributes)' }] });
  });

  it('lists them for review, takes a person’s labels, and turns the labelled ones into cases in one command', async () => {
    const list = await orc(['review']);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.trim().split('\n').map((l) => l.split(/ {2,}/));
    assert.deepEqual(rows, [
      ['RUN', 'PIPELINE', 'FROM', 'STATUS', 'STARTED (UTC)', 'LABEL', 'NOTE'],
      [`import-${T2}`, 'support', 'import support-bot', 'completed', '2026-11-20 09:05:00', '-'],
      [`import-${T1}`, 'support', 'import support-bot', 'completed', '2026-11-20 09:00:00', '-'],
    ]);
    assert.equal((await orc(['review', 'label', `import-${T2}`, 'good'])).stdout, `run import-${T2} labelled good\n`);
    const bad = await orc(['review', 'label', `import-${T1}`, 'bad', '--expected', 'Only within 30 days of purchase.', '--note', 'promised a refund we do not give']);
    assert.equal(bad.stdout, `run import-${T1} labelled bad, with the expected value, with a note\n`);
    const unlabelled = await orc(['review', '--unlabelled', '--json']);
    assert.deepEqual(JSON.parse(unlabelled.stdout), []);
    const labelled = JSON.parse((await orc(['review', '--json'])).stdout) as Array<{ run: { execution_id: string }; label: { verdict: string; note?: string } }>;
    assert.deepEqual(labelled.map((x) => [x.run.execution_id, x.label.verdict, x.label.note ?? null]), [[`import-${T2}`, 'good', null], [`import-${T1}`, 'bad', 'promised a refund we do not give']]);

    const cases = await orc(['review', 'cases', 'support.eval.yaml']);
    assert.equal(cases.code, 0, cases.stderr);
    assert.equal(cases.stdout, `  + import-${T2} (good): expects its outputs\n  + import-${T1} (bad): expects the reviewer’s value\n2 cases added to support.eval.yaml\n`);
    assert.equal(
      fs.readFileSync(path.join(dir, 'support.eval.yaml'), 'utf8'),
      `pipeline: support.pipeline.yaml
cases:
  - id: hours
    question: When are you open?
  - id: import-${T2}
    question: Where is my parcel?
    assert:
      - output: reply
        equals: It left the depot today.
  - id: import-${T1}
    question: Can I get a refund after 30 days?
    assert:
      - output: reply
        equals: Only within 30 days of purchase.
assert:
  - output: reply
    max_length: 500
`,
    );
    // the eval still compiles with them, and a second pass adds nothing twice
    assert.equal((await orc(['eval', 'support.eval.yaml', '--estimate'])).code, 0);
    const twice = await orc(['review', 'cases', 'support.eval.yaml']);
    assert.equal(twice.stdout, 'no labelled run to add\n');
    assert.match(twice.stderr, new RegExp(`left out import-${T2}: the eval already has a case 'import-${T2}'`));
  });

  it('refuses what it cannot read with a clear error, and a label that is neither good nor bad', async () => {
    fs.writeFileSync(path.join(dir, 'not-otlp.json'), '{"spans": []}');
    const notOtlp = await orc(['traces', 'import', 'not-otlp.json', '--pipeline', 'support.pipeline.yaml']);
    assert.equal(notOtlp.code, 2);
    assert.match(notOtlp.stderr, /^orc: not-otlp\.json is not OTLP JSON: it has no 'resourceSpans' list/);
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.json'));
    const zero = await orc(['traces', 'import', 'zero.json', '--pipeline', 'support.pipeline.yaml']);
    assert.equal(zero.code, 2);
    assert.equal(zero.stderr, 'orc: zero.json is not a regular file of at most 256 MiB\n');
    const meh = await orc(['review', 'label', `import-${T1}`, 'meh']);
    assert.equal(meh.code, 2);
    assert.match(meh.stderr, /'orc review label' takes a run id and good or bad/);
  });

  it("orc eval gives its llm_rubric judge's agreement with the labels of the runs its cases came from", async () => {
    const server = await new LoopbackProviders().start();
    try {
      // the pipeline answers as the traced service did; the judge fails the refund promise
      server.responder = (body) => {
        const messages = (body.messages as { content: string }[] | undefined) ?? [];
        const all = messages.map((m) => m.content).join('\n');
        if (/Accurate and within policy/.test(all)) return { json: /Yes, always/.test(all) ? { score: 0.1, reason: 'Promises a refund.' } : { score: 0.9, reason: 'Fine.' } };
        const q = messages[messages.length - 1]?.content ?? '';
        return { text: /parcel/.test(q) ? 'It left the depot today.' : /refund/.test(q) ? 'Yes, always.' : 'From nine to five.' };
      };
      const file = path.join(dir, 'support.eval.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\nassert:\n/, '\nassert:\n  - output: reply\n    llm_rubric: Accurate and within policy\n    model: openai:gpt-4o-mini\n    threshold: 0.5\n'));
      const env = { NO_COLOR: '1', OPENAI_API_KEY: 'sk-test-review', OPENAI_BASE_URL: `${server.origin}/v1`, ORC_MODEL_REGISTRY: '', ORC_JUDGE_MODEL: '' };
      const r = await orcAsync(['eval', 'support.eval.yaml', '--no-cache'], { cwd: dir, env });
      // the labelled refund run's case fails (its expected value is not what the model says): exit 1
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /\nthe judge agrees with people's labels on 2 of 2 cases \(100\.0%\), Cohen's kappa 1\.00\n/);
      const json = await orcAsync(['eval', 'support.eval.yaml', '--no-cache', '--json'], { cwd: dir, env });
      assert.deepEqual(JSON.parse(json.stdout).judge_agreement, { n: 2, agree: 2, rate: 1, kappa: 1 });
    } finally {
      await server.stop();
    }
  });

  it("a judge's agreement with people: the share that agree and Cohen's kappa", () => {
    const pairs = (spec: string) => spec.split(' ').map((p) => ({ human: p[0] === 'g', judge: p[1] === 'g' }));
    // 8 of 10 agree; people say good 5 times, the judge 5 times: chance agreement 0.5, kappa 0.6
    assert.deepEqual(agreement(pairs('gg gg gg gg gb bb bb bb bb bg')), { n: 10, agree: 8, rate: 0.8, kappa: 0.6 });
    // a judge that always says good agrees with the majority and no better than chance
    assert.deepEqual(agreement(pairs('gg gg gg bg')), { n: 4, agree: 3, rate: 0.75, kappa: 0 });
    assert.deepEqual(agreement(pairs('gg gg')), { n: 2, agree: 2, rate: 1, kappa: null });
    assert.deepEqual(agreement([]), { n: 0, agree: 0, rate: 0, kappa: null });
  });
});
