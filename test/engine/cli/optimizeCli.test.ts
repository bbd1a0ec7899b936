// `orc optimize` as a user runs it (node dist/cli.js in a temporary folder) against the loopback
// OpenAI server answering as a three-tier provider (test/fixtures/optimize/tieredProvider.ts):
// extract needs tier 1, reason tier 2, write tier 1 except on q5 (tier 2).
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orcAsync, ROOT } from '../../helpers/cli';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { FIXTURE_LAYOUT, tieredResponder } from '../../fixtures/optimize/tieredProvider';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'optimize');
const MODELS = 'openai:gpt-4o,openai:gpt-4o-mini,openai:gpt-4.1-mini';
const [MINI, MID, DEAR] = ['openai:gpt-4o-mini', 'openai:gpt-4.1-mini', 'openai:gpt-4o'];
/** 100 tokens in, 20 out per call at the registry's prices, three steps. */
const cost = (...ms: string[]) => {
  const price: Record<string, [number, number]> = { [MINI]: [0.15, 0.6], [MID]: [0.4, 1.6], [DEAR]: [2.5, 10] };
  return Math.round(ms.reduce((s, m) => s + (100 * price[m][0] + 20 * price[m][1]) / 1e6, 0) * 1e9) / 1e9;
};

describe('orc optimize', function () {
  this.timeout(120_000);
  const server = new LoopbackProviders();
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    await server.start();
    server.responder = tieredResponder(FIXTURE_LAYOUT);
    env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.origin}/v1` };
  });
  after(() => server.stop());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'orc-optimize-'));
    cpSync(FIXTURES, dir, { recursive: true });
    server.requests.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => orcAsync(['optimize', 'tiered.eval.yaml', ...args], { cwd: dir, env, isolated: true });
  /** The JSON with each latency (wall time, not scripted) checked as a number and left out. */
  const figures = (stdout: string) =>
    JSON.parse(stdout, (k, v: unknown) => {
      if (k === 'latency_ms') {
        assert.equal(typeof v, 'number');
        return undefined;
      }
      return v;
    }) as Record<string, unknown>;
  const full = { low: 0.609666, high: 1 };

  it('--json: the true cheapest assignment, its frontier, the runs it spent against brute force; exit 0', async () => {
    const r = await run(['--models', MODELS, '--max-parallel', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = figures(r.stdout);
    const chosen = { assignment: { extract: MINI, reason: MID, write: MID }, pass_rate: 1, cost_usd: cost(MINI, MID, MID), interval: full, runs: 6, passed: 6 };
    assert.deepEqual(out.chosen, chosen);
    assert.deepEqual(out.frontier, [chosen]);
    // dearest 6; extract: mini keeps (6); reason: mini dropped at its first case (1), mid keeps (6);
    // write: mini dropped at q5, the case that failed before nothing, so its 5th (5), mid keeps (6); the combination (6)
    assert.deepEqual([out.runs_used, out.brute_force_runs, out.runs_reused, out.stopped], [36, 162, 0, null]);
    // the step cache: a step called with the same model on the same input answers once. extract: dear
    // and mini × 6 cases (12); reason: dear 6, mini 1, mid 6 (13); write: dear 6 + 1 (after reason's
    // wrong answer), mini 5, mid 6 (18)
    assert.equal(server.requests.length, 43);
    assert.deepEqual((out.trials as { assignment: unknown; runs: number; passed: number; eliminated: boolean }[]).map((t) => [t.assignment, t.runs, t.passed, t.eliminated]), [
      [{ extract: DEAR, reason: DEAR, write: DEAR }, 6, 6, false],
      [{ extract: MINI, reason: DEAR, write: DEAR }, 6, 6, false],
      [{ extract: DEAR, reason: MINI, write: DEAR }, 1, 0, true],
      [{ extract: DEAR, reason: MID, write: DEAR }, 6, 6, false],
      [{ extract: DEAR, reason: DEAR, write: MINI }, 5, 4, true],
      [{ extract: DEAR, reason: DEAR, write: MID }, 6, 6, false],
      [{ extract: MINI, reason: MID, write: MID }, 6, 6, false],
    ]);
  });

  it('--min-pass-rate 0.8 keeps the cheap model that misses one case in six', async () => {
    const r = await run(['--models', MODELS, '--min-pass-rate', '0.8', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = figures(r.stdout) as { chosen: { assignment: unknown; pass_rate: number; passed: number } };
    assert.deepEqual([out.chosen.assignment, out.chosen.passed], [{ extract: MINI, reason: MID, write: MINI }, 5]);
  });

  it('exit 1 when no assignment reaches the pass rate, naming the best it found', async () => {
    const r = await run(['--models', MINI]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /orc: no assignment reached the pass rate 100\.0%; the best found: extract=openai:gpt-4o-mini reason=openai:gpt-4o-mini write=openai:gpt-4o-mini with 0\/1 passed \(0\.0%\)\n/);
  });

  it('exit 2 for bad options or a bad eval, before any call', async () => {
    const cases: [string[], RegExp][] = [
      [['--models', MODELS, '--objective', 'speed'], /orc: --objective is cost or latency\n/],
      [['--models', MODELS, '--steps', 'extract,nope'], /orc: --steps 'nope': not a model step of the pipeline \(model steps: extract, reason, write\)\n/],
      [[], /orc: 'orc optimize' needs --models M1,M2,\.\.\. \(provider:model, at least one\)\n/],
      [['--models', 'gpt-4o'], /orc: --models 'gpt-4o': a model is written provider:model\n/],
      // #63 item 10: these were spent as candidates that failed every case, and the search exited 0
      [['--models', `nosuch:model,${MINI},openai:`], /orc: --models: 'nosuch:model' names an unknown provider 'nosuch' \(use 'openai', 'anthropic', 'google', 'huggingface', 'ollama', 'openai-compatible', 'vscode'\); 'openai:' names no model after 'openai:'\n/],
      [['--models', MODELS, '--min-pass-rate', '2'], /orc: --min-pass-rate takes a rate from 0 to 1 \(0\.9 for 90 %\)\n/],
      [['--models', MODELS, '--budget-runs', '0'], /orc: --budget-runs takes a whole number of at least 1\n/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
    const missing = await orcAsync(['optimize', 'nothing.eval.yaml', '--models', MODELS], { cwd: dir, env, isolated: true });
    assert.equal(missing.code, 2);
    assert.equal(server.requests.length, 0);
  });

  it('--apply changes only the model lines of the pipeline (comments, quotes and layout kept)', async () => {
    const before = readFileSync(path.join(dir, 'tiered.pipeline.yaml'), 'utf8');
    const r = await run(['--models', MODELS, '--apply']);
    assert.equal(r.code, 0, r.stderr);
    const after = readFileSync(path.join(dir, 'tiered.pipeline.yaml'), 'utf8');
    const expected = before
      .replace('  - id: extract\n    action: generate\n    model: openai:gpt-4o\n', '  - id: extract\n    action: generate\n    model: openai:gpt-4o-mini\n')
      .replace('    model: "openai:gpt-4o"   # quoted on purpose\n', '    model: "openai:gpt-4.1-mini"   # quoted on purpose\n')
      .replace('  - id: write\n    action: generate\n', '  - id: write\n    action: generate\n    model: openai:gpt-4.1-mini\n');
    assert.notEqual(expected, before);
    assert.equal(after, expected);
    assert.match(r.stderr, /--apply: .*tiered\.pipeline\.yaml: 'extract' now uses openai:gpt-4o-mini; 'reason' now uses openai:gpt-4\.1-mini; 'write' now uses openai:gpt-4\.1-mini\n/);
  });

  it('keeps a record; --list shows it; a second optimization of the same files reuses every run', async () => {
    const first = await run(['--models', MODELS, '--max-parallel', '1', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const calls = server.requests.length;
    const id = (JSON.parse(first.stdout) as { optimize_id: string }).optimize_id;
    const recordDir = path.join(dir, '.orchestrator', 'optimize', id);
    assert.deepEqual(readdirSync(recordDir).sort(), ['meta.json', 'runs.jsonl', 'trials.jsonl']);
    assert.equal(readFileSync(path.join(recordDir, 'runs.jsonl'), 'utf8').trim().split('\n').length, 36);
    assert.equal(readFileSync(path.join(recordDir, 'trials.jsonl'), 'utf8').trim().split('\n').length, 7);
    const second = await run(['--models', MODELS, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const out = JSON.parse(second.stdout) as { runs_used: number; runs_reused: number; chosen: { assignment: unknown } };
    assert.deepEqual([out.runs_used, out.runs_reused, out.chosen.assignment], [0, 36, { extract: MINI, reason: MID, write: MID }]);
    assert.equal(server.requests.length, calls);
    assert.match(second.stderr, /reusing 36 earlier case runs of this eval and pipeline\n/);
    const list = await orcAsync(['optimize', '--list', '--json'], { cwd: dir, env, isolated: true });
    assert.equal(list.code, 0);
    const metas = JSON.parse(list.stdout) as { optimize_id: string; eval_file: string; status: string; runs_used: number; runs_reused: number; brute_force_runs: number; chosen: unknown; steps: string[]; models: string[]; cases: number; min_pass_rate: number }[];
    assert.deepEqual(
      metas.map((m) => [m.eval_file, m.status, m.runs_used, m.runs_reused, m.brute_force_runs, m.chosen, m.steps, m.models, m.cases, m.min_pass_rate]),
      [
        ['tiered.eval.yaml', 'completed', 0, 36, 162, { extract: MINI, reason: MID, write: MID }, ['extract', 'reason', 'write'], [MINI, MID, DEAR], 6, 1],
        ['tiered.eval.yaml', 'completed', 36, 0, 162, { extract: MINI, reason: MID, write: MID }, ['extract', 'reason', 'write'], [MINI, MID, DEAR], 6, 1],
      ],
    );
    assert.equal(metas[1].optimize_id, id);
    const table = await orcAsync(['optimize', '--list'], { cwd: dir, env, isolated: true });
    assert.equal(table.stdout.split('\n')[0], 'OPTIMIZATION            EVAL              STATUS     RUNS  BRUTE FORCE  CHOSEN');
  });

  it('--estimate prints brute force and the search bound, and makes no call', async () => {
    const r = await run(['--models', MODELS, '--estimate']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        '3 model steps (extract, reason, write) × 3 models (cheapest first: openai:gpt-4o-mini, openai:gpt-4.1-mini, openai:gpt-4o), 6 cases, min pass rate 100.0%',
        'brute force: 162 case runs (27 assignments × 6 cases)',
        'search: at most 48 case runs before fallbacks (29.6% of brute force): the dearest assignment, each step\'s models cheapest-first, the combination',
        '  a model that cannot reach the pass rate is dropped as soon as it cannot (at its first failed case when every case must pass), so the search usually spends far less',
        '',
      ].join('\n'),
    );
    assert.equal(server.requests.length, 0);
  });

  it('--budget-runs caps the case runs', async () => {
    const r = await run(['--models', MODELS, '--budget-runs', '8', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { runs_used: number; stopped: string; chosen: { assignment: unknown } };
    assert.deepEqual([out.runs_used, out.stopped, out.chosen.assignment], [8, 'budget', { extract: DEAR, reason: DEAR, write: DEAR }]);
    assert.match(r.stderr, /orc: --budget-runs 8 spent before the search ended/);
  });

  it('--record writes every call to the cassette beside the eval (no step cache, no reuse); --replay answers from it offline', async () => {
    const rec = await run(['--models', MODELS, '--max-parallel', '1', '--record', '--json']);
    assert.equal(rec.code, 0, rec.stderr);
    assert.equal((JSON.parse(rec.stdout) as { runs_used: number }).runs_used, 36);
    assert.equal(server.requests.length, 36 * 3);
    assert.ok(readFileSync(path.join(dir, 'tiered.cassette.jsonl'), 'utf8').length > 0);
    // no earlier record to reuse: every run is answered by the cassette
    rmSync(path.join(dir, '.orchestrator'), { recursive: true });
    const rep = await orcAsync(['optimize', 'tiered.eval.yaml', '--models', MODELS, '--max-parallel', '1', '--replay', '--json'], { cwd: dir, isolated: true });
    assert.equal(rep.code, 0, rep.stderr);
    const out = JSON.parse(rep.stdout) as { runs_used: number; runs_reused: number; chosen: { assignment: unknown } };
    assert.deepEqual([out.runs_used, out.runs_reused, out.chosen.assignment], [36, 0, { extract: MINI, reason: MID, write: MID }]);
    assert.equal(server.requests.length, 36 * 3);
  });

  it('runs the example offline from its committed cassette (--replay, no key, no server)', async () => {
    const example = mkdtempSync(path.join(os.tmpdir(), 'orc-optimize-example-'));
    try {
      cpSync(path.join(ROOT, 'examples', 'optimize'), example, { recursive: true });
      const r = await orcAsync(['optimize', 'support.eval.yaml', '--models', MODELS, '--replay', '--max-parallel', '1', '--json'], { cwd: example, isolated: true });
      assert.equal(r.code, 0, r.stderr);
      const out = figures(r.stdout) as { chosen: unknown; runs_used: number; brute_force_runs: number };
      assert.deepEqual(out.chosen, { assignment: { extract: MINI, reason: MID, write: MID }, pass_rate: 1, cost_usd: cost(MINI, MID, MID), interval: { low: 0.510109, high: 1 }, runs: 4, passed: 4 });
      assert.deepEqual([out.runs_used, out.brute_force_runs], [24, 108]);
      assert.equal(server.requests.length, 0);
    } finally {
      rmSync(example, { recursive: true, force: true });
    }
  });
});
