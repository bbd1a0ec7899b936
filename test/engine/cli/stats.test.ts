// `orc stats`: figures over the run records in .orchestrator/runs, through the CLI, exact output.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyStepResult, type ResultDocument, type StepResult } from '../../../engine/run/events';
import { orc } from '../../helpers/cli';

let dir: string;

/** Noon UTC `daysAgo` days before today. */
function noon(daysAgo: number): Date {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  return new Date(d.getTime() - daysAgo * 86_400_000);
}

function step(status: StepResult['status'], o: Partial<StepResult> = {}): StepResult {
  return { ...emptyStepResult(status), success: status === 'completed' ? true : status === 'failed' ? false : null, attempts: status === 'skipped' ? 0 : 1, ...o };
}

let seq = 0;
function record(pipeline: string, daysAgo: number, status: ResultDocument['status'], duration: number, steps: Record<string, StepResult>): string {
  const started = noon(daysAgo);
  const id = `${started.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${String(++seq).padStart(6, '0')}`;
  const sum = (k: 'cost_usd' | 'tokens_in' | 'tokens_out') => Object.values(steps).reduce((n, s) => n + s[k], 0);
  const doc: ResultDocument = {
    pipeline_id: pipeline,
    execution_id: id,
    status,
    success: status === 'completed',
    outputs: {},
    steps,
    execution_order: Object.keys(steps),
    execution_levels: [Object.keys(steps)],
    failed_steps: Object.keys(steps).filter((k) => steps[k].status === 'failed'),
    skipped_steps: [],
    started_at: started.toISOString(),
    ended_at: new Date(started.getTime() + duration).toISOString(),
    duration_ms: duration,
    tokens_in: sum('tokens_in'),
    tokens_out: sum('tokens_out'),
    cost_usd: Math.round(sum('cost_usd') * 1e6) / 1e6,
  };
  fs.mkdirSync(path.join(dir, '.orchestrator', 'runs', id), { recursive: true });
  fs.writeFileSync(path.join(dir, '.orchestrator', 'runs', id, 'result.json'), JSON.stringify(doc));
  return id;
}

const day = (daysAgo: number) => noon(daysAgo).toISOString().slice(0, 10);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-stats-'));
  // alpha: three runs over two days, one failed with retries in summarize
  record('alpha', 2, 'completed', 1000, { fetch: step('completed', { duration_ms: 200 }), summarize: step('completed', { duration_ms: 700, retries: 1, attempts: 2, cost_usd: 0.01, tokens_in: 100, tokens_out: 50 }) });
  record('alpha', 1, 'failed', 3000, { fetch: step('completed', { duration_ms: 400 }), summarize: step('failed', { duration_ms: 2500, retries: 2, attempts: 3, cost_usd: 0.02, tokens_in: 200, tokens_out: 80 }) });
  record('alpha', 1, 'completed', 1500, { fetch: step('completed', { duration_ms: 300 }), summarize: step('completed', { duration_ms: 1100, cost_usd: 0.012, tokens_in: 120, tokens_out: 60 }) });
  // beta: one run this week, one ten days ago
  record('beta', 1, 'completed', 90, { only: step('completed', { duration_ms: 80 }) });
  record('beta', 10, 'cancelled', 50, { only: step('cancelled') });
  // a record that is not a result document
  fs.mkdirSync(path.join(dir, '.orchestrator', 'runs', 'broken'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.orchestrator', 'runs', 'broken', 'result.json'), '{not json');
  // a run still going: no result.json, not counted
  fs.mkdirSync(path.join(dir, '.orchestrator', 'runs', 'running'), { recursive: true });
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('orc stats', () => {
  it('--all: every pipeline, its steps and days, and the rankings', () => {
    const r = orc(['stats', '--all'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        '5 finished runs of 2 pipelines (1 unreadable record left out)',
        '',
        'alpha: 3 runs (2 completed, 1 failed, 0 cancelled), success 66.7 %',
        '  duration p50 1.5 s, p95 3.0 s; cost $0.0420; tokens 420 in, 190 out',
        '  STEP       RUNS  SUCCESS  P50     P95     RETRIES  FAILED  COST     TOKENS',
        '  fetch      3     100.0 %  300 ms  400 ms  0        0       $0.0000  0 in, 0 out',
        '  summarize  3     66.7 %   1.1 s   2.5 s   3        1       $0.0420  420 in, 190 out',
        '  DAY (UTC)   RUNS  SUCCESS  COST     TOKENS',
        `  ${day(2)}  1     100.0 %  $0.0100  100 in, 50 out`,
        `  ${day(1)}  2     50.0 %   $0.0320  320 in, 140 out`,
        '',
        'beta: 2 runs (1 completed, 0 failed, 1 cancelled), success 50.0 %',
        '  duration p50 50 ms, p95 90 ms; cost $0.0000; tokens 0 in, 0 out',
        '  STEP  RUNS  SUCCESS  P50    P95    RETRIES  FAILED  COST     TOKENS',
        '  only  1     100.0 %  80 ms  80 ms  0        0       $0.0000  0 in, 0 out',
        '  DAY (UTC)   RUNS  SUCCESS  COST     TOKENS',
        `  ${day(10)}  1     0.0 %    $0.0000  0 in, 0 out`,
        `  ${day(1)}  1     100.0 %  $0.0000  0 in, 0 out`,
        '',
        'slowest steps (p95 duration):',
        '  PIPELINE › STEP    VALUE',
        '  alpha › summarize  2.5 s',
        '  alpha › fetch      400 ms',
        '  beta › only        80 ms',
        'most expensive steps (total cost):',
        '  PIPELINE › STEP    VALUE',
        '  alpha › summarize  $0.0420',
        'flakiest steps (retries + failures):',
        '  PIPELINE › STEP    VALUE',
        '  alpha › summarize  4',
        '',
      ].join('\n'),
    );
  });

  it('FILE --since 7d --json: that pipeline\'s runs of the last week, as JSON', () => {
    fs.writeFileSync(path.join(dir, 'beta.pipeline.yaml'), 'id: beta\nsteps:\n  - id: only\n    tool: terminal\n    action: execute\n    parameters: {command: "true"}\n');
    const r = orc(['stats', 'beta.pipeline.yaml', '--since', '7d', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.match(s.since, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual({ ...s, since: null }, {
      since: null,
      runs: 1,
      unreadable: 1,
      pipelines: [
        {
          pipeline_id: 'beta',
          runs: 1,
          completed: 1,
          failed: 0,
          cancelled: 0,
          success_rate: 1,
          duration_ms: { p50: 90, p95: 90 },
          cost_usd: 0,
          tokens_in: 0,
          tokens_out: 0,
          days: [{ day: day(1), runs: 1, completed: 1, cost_usd: 0, tokens_in: 0, tokens_out: 0 }],
          steps: [{ step: 'only', runs: 1, succeeded: 1, failed: 0, success_rate: 1, retries: 0, duration_ms: { p50: 80, p95: 80 }, cost_usd: 0, tokens_in: 0, tokens_out: 0 }],
        },
      ],
      slowest: [{ pipeline_id: 'beta', step: 'only', value: 80 }],
      most_expensive: [],
      flakiest: [],
    });
  });

  it('bad input: a clear usage error, exit 2', () => {
    const cases: [string[], string][] = [
      [['stats', '--since', 'a week'], "orc: --since takes a duration like 30m, 12h, 7d or 2w, not 'a week'"],
      [['stats', 'x.pipeline.yaml', '--all'], "orc: 'orc stats' takes a pipeline file or --all, not both"],
      [['stats', 'missing.pipeline.yaml'], 'orc: missing.pipeline.yaml: no such file'],
      [['stats', '--since'], 'orc: --since needs a value'],
    ];
    for (const [args, message] of cases) {
      const r = orc(args, { cwd: dir });
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr, `${message}\nrun 'orc help' for usage\n`);
      assert.equal(r.stdout, '');
    }
  });

  it('no runs: says so', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-stats-empty-'));
    try {
      const r = orc(['stats'], { cwd: empty });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '0 finished runs of 0 pipelines\n');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
