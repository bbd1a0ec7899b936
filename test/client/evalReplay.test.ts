// The Run (replay) profile's pure part (client/evalReplay.ts): the cassette an eval replays, and
// the message of a case that missed it, from what `orc eval --replay` really leaves (the example
// eval with a case its cassette does not hold, run offline).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cassetteMisses, evalCassetteFile, missMessage } from '../../client/evalReplay';
import { readRunResult, type CaseResult, type ResultDocument } from '../../engine/api/index';
import { orc, ROOT, withoutProviderEnv } from '../helpers/cli';

describe('evalReplay', function () {
  this.timeout(60_000);
  let dir: string;
  let results: CaseResult[];
  // a case's run is a line of the eval's pack, read as any run is
  const docOf = (r: CaseResult) => readRunResult(dir, r.run_id!) as ResultDocument;

  before(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-eval-replay-')));
    for (const f of ['summarize.pipeline.yaml', 'summarize.cassette.jsonl']) fs.copyFileSync(path.join(ROOT, 'examples', f), path.join(dir, f));
    const text = fs.readFileSync(path.join(ROOT, 'examples', 'summarize.eval.yaml'), 'utf8').replace('variants:', '  - id: unrecorded\n    text: A text no one has summarized yet.\n    topic: nothing\nvariants:');
    fs.writeFileSync(path.join(dir, 'summarize.eval.yaml'), text);
    const r = orc(['eval', 'summarize.eval.yaml', '--replay', '--variant', 'mini', '--json'], { cwd: dir, env: withoutProviderEnv() });
    results = (JSON.parse(r.stdout) as { results: CaseResult[] }).results;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replays NAME.cassette.jsonl beside NAME.eval.yaml, as `orc eval --replay`', () => {
    assert.equal(evalCassetteFile('/w/summarize.eval.yaml'), '/w/summarize.cassette.jsonl');
    assert.equal(evalCassetteFile('/w/checks.eval.yml'), '/w/checks.cassette.jsonl');
    assert.equal(evalCassetteFile('/w/checks.yaml'), '/w/checks.cassette.jsonl');
  });

  it('finds no miss in a case the cassette holds', () => {
    const held = results.filter((r) => r.case !== 'unrecorded');
    assert.deepEqual(held.map((r) => `${r.case} ${r.status}`), ['checkpoints pass', 'rate-limits pass']);
    assert.deepEqual(held.map((r) => cassetteMisses(r, docOf(r))), [[], []]);
  });

  it("names the case, the step and the call of a miss once (not again for each assertion on the output it did not produce)", () => {
    const r = results.find((x) => x.case === 'unrecorded')!;
    assert.equal(r.status, 'fail');
    const misses = cassetteMisses(r, docOf(r));
    assert.equal(misses.length, 1);
    assert.equal(misses[0].where, "step 'summary'");
    assert.match(misses[0].message, /^Step 'summary': the cassette summarize\.cassette\.jsonl has no recorded answer for this call to openai:gpt-4o-mini \(a replay makes no live call\)\./);
    assert.equal(
      missMessage(r, misses, path.join(dir, 'summarize.cassette.jsonl')),
      `Case 'unrecorded' [mini] missed the cassette summarize.cassette.jsonl: 1 call it has no answer for.\n- step 'summary': ${misses[0].message}\nRecord the case with \`orc eval FILE --record --case unrecorded\`, or run it with the Run profile (live).`,
    );
  });

  it("counts a judge's own miss, and a case that could not start on one", () => {
    const r = results.find((x) => x.case === 'checkpoints')!;
    const judged: CaseResult = { ...r, status: 'error', assertions: [{ ...r.assertions[2], status: 'error', pass: false, reason: "the judge's call: the cassette summarize.cassette.jsonl has no recorded answer for this call to openai:gpt-4o-mini" }] };
    assert.deepEqual(cassetteMisses(judged, docOf(r)), [{ where: `the judge of ${r.assertions[2].kind}`, message: "the judge's call: the cassette summarize.cassette.jsonl has no recorded answer for this call to openai:gpt-4o-mini" }]);
    const unstarted: CaseResult = { ...r, status: 'error', run_id: null, assertions: [], error: 'the cassette x.cassette.jsonl has no recorded result for the call' };
    assert.deepEqual(cassetteMisses(unstarted, null), [{ where: 'the case', message: 'the cassette x.cassette.jsonl has no recorded result for the call' }]);
  });
});
