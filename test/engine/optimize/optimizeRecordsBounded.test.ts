// An optimization's records are read bounded, and only when they are regular files (issue 63,
// item 5): a meta.json linked to /dev/zero, a 1 GB sparse meta.json or runs.jsonl made
// `orc optimize --list` and a new search read past 1 GB. Each reading runs in a child process whose
// peak memory is the observable (a read of 1 GB holds at least 1 GB): far under it now, and the
// good record beside the bad ones is still listed and reused.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../../helpers/cli';

const GB = 1024 ** 3;
/** Far under the 1 GB a whole read would hold, far over what Node and tsx take to start (about 150 MB). */
const PEAK_BOUND = 600 * 1024 ** 2;

function meta(id: string, started: string): Record<string, unknown> {
  return { format: 1, optimize_id: id, eval_file: 'e.eval.yaml', eval_sha256: 'e'.repeat(64), pipeline_file: 'p.pipeline.yaml', pipeline_sha256: 'p'.repeat(64), models: ['openai:gpt-4o-mini'], steps: ['s'], cases: 1, min_pass_rate: 1, objective: 'cost', budget_runs: null, status: 'completed', started_at: started, ended_at: started, runs_used: 1, runs_reused: 0, brute_force_runs: 1, chosen: { s: 'openai:gpt-4o-mini' } };
}

/** A record under `root`: its meta.json and runs.jsonl as given (a string is the file's text, a function makes the file). */
function record(root: string, id: string, files: { meta?: string | ((f: string) => void); runs?: string | ((f: string) => void) }): void {
  const dir = path.join(root, '.orchestrator', 'optimize', id);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, v] of [['meta.json', files.meta ?? JSON.stringify(meta(id, '2026-01-01T00:00:00Z'))], ['runs.jsonl', files.runs ?? '']] as const) {
    const f = path.join(dir, name);
    if (typeof v === 'function') v(f);
    else fs.writeFileSync(f, v);
  }
}

const sparse = (size: number) => (f: string) => {
  const fd = fs.openSync(f, 'w');
  fs.ftruncateSync(fd, size);
  fs.closeSync(fd);
};

/** Runs `code` (with `records` bound to engine/`module`.ts, engine/optimize/records.ts unless given, and `root`) in a child; its printed JSON and peak memory. */
function inChild(root: string, code: string, module = 'optimize/records'): { out: unknown; peak: number } {
  const script = `const records = require(${JSON.stringify(path.join(ROOT, 'engine', `${module}.ts`))}); const root = ${JSON.stringify(root)};
const out = (() => { ${code} })();
process.stdout.write(JSON.stringify({ out, peak: process.resourceUsage().maxRSS * 1024 }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `the child failed (${r.signal ?? r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { out: unknown; peak: number };
}

describe('orc optimize: its records are read bounded, and only when regular files (issue 63)', function () {
  this.timeout(120_000);
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-opt-records-'));
    record(root, 'good', { meta: JSON.stringify(meta('good', '2026-01-02T00:00:00Z')), runs: JSON.stringify({ assignment: { s: 'openai:gpt-4o-mini' }, case: 'c1', pass: true, cost_usd: 0.5, latency_ms: 10 }) + '\n' });
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('--list: a meta.json linked to /dev/zero is passed over without being read; the good record is listed', () => {
    record(root, 'zero', { meta: (f) => fs.symlinkSync('/dev/zero', f) });
    const { out, peak } = inChild(root, 'return records.listOptimizations(root).map((m) => m.optimize_id);');
    assert.deepEqual(out, ['good']);
    assert.ok(peak < PEAK_BOUND, `peak memory ${Math.round(peak / 1024 ** 2)} MB`);
  });

  it('--list: a 1 GB sparse meta.json is passed over without being read', () => {
    record(root, 'huge', { meta: sparse(GB) });
    const { out, peak } = inChild(root, 'return records.listOptimizations(root).map((m) => m.optimize_id);');
    assert.deepEqual(out, ['good']);
    assert.ok(peak < PEAK_BOUND, `peak memory ${Math.round(peak / 1024 ** 2)} MB`);
  });

  it('a new search: a 1 GB sparse runs.jsonl of an earlier record, or one linked to /dev/zero, is not read; the good record\'s runs are reused', () => {
    record(root, 'huge', { runs: sparse(GB) });
    record(root, 'zero', { meta: JSON.stringify(meta('zero', '2026-01-03T00:00:00Z')), runs: (f) => fs.symlinkSync('/dev/zero', f) });
    const { out, peak } = inChild(root, `return [...records.earlierRuns(root, '${'e'.repeat(64)}', '${'p'.repeat(64)}').entries()];`);
    assert.deepEqual(out, [['[[["s","openai:gpt-4o-mini"]],"c1"]', { pass: true, cost_usd: 0.5, latency_ms: 10 }]]);
    assert.ok(peak < PEAK_BOUND, `peak memory ${Math.round(peak / 1024 ** 2)} MB`);
  });
});

describe('.orchestrator/: the other records read back are read bounded, and only when regular files (issue 63)', function () {
  this.timeout(120_000);
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-state-bounded-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('orc eval --list: an eval.json linked to /dev/zero, or 1 GB sparse, is left out; the good record is listed', () => {
    for (const [id, make] of [['good', (f: string) => fs.writeFileSync(f, JSON.stringify({ eval_id: 'good', started_at: '2026-01-01T00:00:00Z' }))], ['zero', (f: string) => fs.symlinkSync('/dev/zero', f)], ['huge', sparse(GB)]] as const) {
      fs.mkdirSync(path.join(root, '.orchestrator', 'evals', id), { recursive: true });
      make(path.join(root, '.orchestrator', 'evals', id, 'eval.json'));
    }
    const { out, peak } = inChild(root, 'return records.listEvals(root).map((m) => m.eval_id);', 'eval/evalRecord');
    assert.deepEqual(out, ['good']);
    assert.ok(peak < PEAK_BOUND, `peak memory ${Math.round(peak / 1024 ** 2)} MB`);
  });

  it('the step cache: an entry linked to /dev/zero is a miss, not read', () => {
    fs.mkdirSync(path.join(root, '.orchestrator', 'cache'), { recursive: true });
    fs.symlinkSync('/dev/zero', path.join(root, '.orchestrator', 'cache', 'k.json'));
    const { out, peak } = inChild(root, "return new records.StepCache(root).get('k');", 'run/stepCache');
    assert.equal(out, null);
    assert.ok(peak < PEAK_BOUND, `peak memory ${Math.round(peak / 1024 ** 2)} MB`);
  });
});
