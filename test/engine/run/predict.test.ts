// Predictions before a run: from earlier runs of the same step definitions, from the registry's
// prices for model steps, simulated on max_parallel; recorded beside the actual figures after a run.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { findModel } from '../../../engine/models/registry';
import { predict, simulateMakespan } from '../../../engine/run/predict';
import type { ResultDocument } from '../../../engine/run/events';
import { HISTORY_WINDOW, LISTING_MS, loadHistory, predictionHistory } from '../../../engine/run/history';
import { runPipeline } from '../../../engine/run/runPipeline';
import { registryModels } from '../../../engine/models/registry';
import { orc } from '../../helpers/cli';

const SLEEPS = (longSeconds: string) => `id: sleeps
steps:
  - id: long
    tool: terminal
    action: execute
    parameters:
      command: "sleep ${longSeconds}"
  - id: short
    tool: terminal
    action: execute
    parameters:
      command: "sleep 0.05"
  - id: last
    tool: terminal
    action: execute
    dependencies: [long, short]
    parameters:
      command: "true"
`;

describe('prediction', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-predict-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (text: string) => runPipeline(analyze(text), { cwd: dir, predict: true });
  /** SLEEPS with the long sleep of `longSeconds`, predicted from the folder's runs as a run would be. */
  const predicted = (longSeconds: string) => {
    const a = analyze(SLEEPS(longSeconds));
    return predict(a.pipeline!, a.plan!, { maxParallel: 16, inputs: {}, registry: registryModels(), history: loadHistory(dir, 'sleeps') });
  };

  it('with three earlier runs, a sleep step is predicted within its observed range, and the run records predicted beside actual', async function () {
    this.timeout(20_000);
    const first = await run(SLEEPS('0.2'));
    assert.equal(first.prediction?.steps.long.source, 'unknown');
    assert.equal(first.prediction?.steps.long.predicted_ms, null);
    const earlier = [first, await run(SLEEPS('0.2')), await run(SLEEPS('0.2'))];
    const observed = earlier.map((d) => d.steps.long.duration_ms!);
    const p = predicted('0.2');
    const long = p.steps.find((s) => s.step === 'long')!;
    assert.equal(long.source, 'history');
    assert.equal(long.samples, 3);
    assert.deepEqual(long.duration_ms, { expected: [...observed].sort((x, y) => x - y)[1], low: Math.min(...observed), high: Math.max(...observed) });
    assert.ok(long.duration_ms!.low <= long.duration_ms!.expected && long.duration_ms!.expected <= long.duration_ms!.high);
    // the makespan: long and short at once, then last
    const last = p.steps.find((s) => s.step === 'last')!.duration_ms!.expected;
    assert.equal(p.makespan_ms.expected, long.duration_ms!.expected + last);
    assert.deepEqual(p.critical_path, ['long', 'last']);
    assert.deepEqual(p.unknown, []);

    const fourth = await run(SLEEPS('0.2'));
    assert.equal(fourth.prediction?.steps.long.source, 'history');
    assert.equal(fourth.prediction?.steps.long.predicted_ms, long.duration_ms!.expected);
    assert.equal(fourth.prediction?.steps.long.actual_ms, fourth.steps.long.duration_ms);
    assert.equal(fourth.prediction?.makespan_ms.actual, fourth.duration_ms);
    assert.deepEqual(fourth.prediction?.makespan_ms.predicted, p.makespan_ms);
  });

  it(`learns from the pipeline's runs among the folder's newest ${HISTORY_WINDOW}, and does not read a run of another pipeline twice`, async function () {
    this.timeout(20_000);
    // the two runs made in a folder of their own, then brought here with newer runs of the other
    // pipeline (copies of its record under later ids: an id starts with when its run started), so
    // that this process's first look at this folder finds them all
    const made = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-predict-made-'));
    const mine = await runPipeline(analyze(SLEEPS('0.05')), { cwd: made, predict: true });
    const other = await runPipeline(analyze('id: other\nsteps:\n  - id: s\n    tool: terminal\n    action: execute\n    parameters:\n      command: "true"\n'), { cwd: made, predict: true });
    const runs = path.join(dir, '.orchestrator', 'runs');
    fs.cpSync(path.join(made, '.orchestrator', 'runs'), runs, { recursive: true });
    fs.rmSync(made, { recursive: true, force: true });
    const later = (i: number) => `29990101-000000-${i.toString(16).padStart(6, '0')}`;
    const copies = (from: number, to: number) => {
      for (let i = from; i < to; i++) fs.cpSync(path.join(runs, other.execution_id), path.join(runs, later(i)), { recursive: true });
    };
    copies(0, HISTORY_WINDOW - 2);
    assert.deepEqual(loadHistory(dir, 'sleeps').map((d) => d.execution_id), [mine.execution_id], `the pipeline's run is within the newest ${HISTORY_WINDOW}`);
    // a run's pipeline never changes: a run read as another pipeline's is not read again by this
    // process (this one is made a run of the pipeline, which a run never becomes)
    const seen = path.join(runs, later(0), 'result.json');
    fs.writeFileSync(seen, JSON.stringify({ ...mine, execution_id: later(0) }));
    assert.deepEqual(loadHistory(dir, 'sleeps').map((d) => d.execution_id), [mine.execution_id]);
    // two more, as another process starts them: seen once this process lists the folder again (at
    // most LISTING_MS later, more when listing it took long), and the pipeline's own run is then past
    // the window: nothing is learned from it
    copies(HISTORY_WINDOW - 2, HISTORY_WINDOW);
    const deadline = Date.now() + 10 * LISTING_MS;
    while (loadHistory(dir, 'sleeps').length && Date.now() < deadline) await new Promise((r) => setTimeout(r, LISTING_MS / 10));
    assert.deepEqual(loadHistory(dir, 'sleeps'), []);
    const p = predicted('0.05');
    assert.deepEqual(p.steps.map((x) => [x.step, x.source]), [
      ['long', 'unknown'],
      ['short', 'unknown'],
      ['last', 'unknown'],
    ]);
  });

  it('a run predicts from what this process kept of earlier records, and reads one again when it is rewritten (a resumed run)', async function () {
    this.timeout(20_000);
    const [first, second] = [await run(SLEEPS('0.05')), await run(SLEEPS('0.05'))];
    const record = path.join(dir, '.orchestrator', 'runs', first.execution_id, 'result.json');
    // a whole second: the stamp (modification time and size) is set again exactly below
    const when = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    fs.utimesSync(record, when, when);
    // by run id: two runs started in the same second are listed in their ids' order, not their starts'
    const longOf = (h: { execution_id: string; steps: Record<string, { duration_ms: number | null } | null | undefined> }[]) => Object.fromEntries(h.map((d) => [d.execution_id, d.steps.long?.duration_ms]));
    assert.deepEqual(longOf(predictionHistory(dir, 'sleeps')), { [first.execution_id]: first.steps.long.duration_ms, [second.execution_id]: second.steps.long.duration_ms });
    // what a prediction reads is all it keeps of a record: the step's output is not among it
    const kept = predictionHistory(dir, 'sleeps').find((d) => d.execution_id === first.execution_id)!;
    assert.deepEqual(Object.keys(kept.steps.long!).sort(), ['cost_usd', 'duration_ms', 'status', 'success']);
    // the same stamp: what was kept is read, not the file (the figure written here has as many digits)
    const text = fs.readFileSync(record, 'utf8');
    const before = `"duration_ms": ${first.steps.long.duration_ms},`;
    const at = text.indexOf(before, text.indexOf('"long": {'));
    assert.ok(text.indexOf('"long": {') > 0 && at > 0, "the record holds the step's duration");
    const other = String(first.steps.long.duration_ms! + (first.steps.long.duration_ms! % 10 === 9 ? -1 : 1));
    assert.equal(other.length, String(first.steps.long.duration_ms).length);
    const rewritten = text.slice(0, at) + `"duration_ms": ${other},` + text.slice(at + before.length);
    assert.equal(rewritten.length, text.length);
    fs.writeFileSync(record, rewritten);
    fs.utimesSync(record, when, when);
    assert.equal(longOf(predictionHistory(dir, 'sleeps'))[first.execution_id], first.steps.long.duration_ms);
    assert.equal(longOf(loadHistory(dir, 'sleeps'))[first.execution_id], Number(other), 'the whole documents are read from the files');
    // rewritten as a resumed run rewrites it: its new figures are read
    const later = new Date(when.getTime() + 2000);
    fs.utimesSync(record, later, later);
    assert.deepEqual(longOf(predictionHistory(dir, 'sleeps')), { [first.execution_id]: Number(other), [second.execution_id]: second.steps.long.duration_ms });
  });

  it('a step whose definition changed is not predicted from runs of the old one', async function () {
    this.timeout(20_000);
    await run(SLEEPS('0.1'));
    const p = predicted('0.3');
    assert.deepEqual(p.steps.map((s) => [s.step, s.source]), [
      ['long', 'unknown'],
      ['short', 'history'],
      ['last', 'history'],
    ]);
    assert.deepEqual(p.unknown, ['long']);
  });

  it("a model step with no history costs its estimated tokens at the registry's prices", () => {
    const a = analyze(`id: gen
parameters:
  topic:
    type: string
    default: ${'x'.repeat(380)}
steps:
  - id: write
    action: generate
    model: openai:gpt-4o-mini
    parameters:
      prompt: "Say {{ topic }}"
      max_tokens: 100
`);
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
    const p = predict(a.pipeline!, a.plan!, { maxParallel: 4, inputs: { topic: 'x'.repeat(380) }, registry: registryModels(), history: [] });
    const m = findModel('openai:gpt-4o-mini')!;
    const w = p.steps[0];
    assert.equal(w.source, 'registry');
    assert.equal(w.tokens_in_estimate, 96); // "Say " + 380 characters = 384 characters, a token per 4
    assert.equal(w.tokens_out_estimate, 100);
    assert.deepEqual(w.cost_usd, {
      expected: Math.round(((96 * m.price_in + 100 * m.price_out) / 1e6) * 1e8) / 1e8,
      low: Math.round(((96 * m.price_in) / 1e6) * 1e8) / 1e8,
      high: Math.round(((96 * m.price_in + 100 * m.price_out) / 1e6) * 1e8) / 1e8,
    });
    assert.equal(w.duration_ms, null);
    assert.deepEqual(p.cost_usd, w.cost_usd);
  });

  it('a tool step whose action calls a model has an unknown cost, not zero; one that calls none costs nothing', () => {
    const a = analyze('id: t\nmodel: openai:gpt-4o-mini\nsteps:\n  - id: opt\n    tool: prompt-optimization\n    action: execute\n    parameters: {prompt: hi}\n  - id: w\n    tool: filesystem\n    action: write\n    parameters: {path: x.txt, content: hi}\n');
    const p = predict(a.pipeline!, a.plan!, { maxParallel: 4, inputs: {}, registry: registryModels(), history: [] });
    assert.deepEqual(p.steps.map((s) => [s.step, s.source, s.cost_usd]), [['opt', 'unknown', null], ['w', 'unknown', { expected: 0, low: 0, high: 0 }]]);
  });

  it('the makespan is simulated on max_parallel, longest remaining path first', () => {
    const a = analyze(SLEEPS('1'));
    const d = new Map([
      ['long', 1000],
      ['short', 300],
      ['last', 100],
    ]);
    assert.equal(simulateMakespan(a.plan!, d, 2), 1100);
    assert.equal(simulateMakespan(a.plan!, d, 1), 1400);
  });

  it('orc plan prints the predictions, and --json carries them', async function () {
    this.timeout(30_000);
    fs.writeFileSync(path.join(dir, 's.pipeline.yaml'), SLEEPS('0.1'));
    const ran = orc(['run', 's.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(ran.code, 0, ran.stderr);
    const doc = JSON.parse(ran.stdout) as ResultDocument;
    assert.ok(doc.definitions?.long, 'orc run records the step definitions');
    const json = orc(['plan', 's.pipeline.yaml', '--json'], { cwd: dir });
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout) as { prediction: { steps: { step: string; source: string; duration_ms: { expected: number } | null }[]; unknown: string[] } };
    assert.deepEqual(plan.prediction.steps.map((s) => [s.step, s.source, s.duration_ms?.expected]), [
      ['long', 'history', doc.steps.long.duration_ms],
      ['short', 'history', doc.steps.short.duration_ms],
      ['last', 'history', doc.steps.last.duration_ms],
    ]);
    const text = orc(['plan', 's.pipeline.yaml'], { cwd: dir });
    assert.match(text.stdout, /\nPredicted \(max_parallel 16; from up to 1 earlier run of the same steps\):\n/);
    assert.match(text.stdout, /\n {2}long +history \(1\) +\d+\.\d\d s +\$0\n/);
  });
});
