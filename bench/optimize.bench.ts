// `npm run bench optimize`: `orc optimize`'s search against brute force on a scripted three-tier
// provider (test/fixtures/optimize/tieredProvider.ts behind the loopback OpenAI server, called
// through the real `openai` SDK and our provider layer): 3 steps, each with a difficulty, × 3
// models, each with a tier, × 20 cases, some harder on a step. A step's answer is right iff its
// model's tier reaches the difficulty, so brute force (every assignment on every case, 540 case
// runs) is known exactly: its true cheapest assignment is the floor the search must find. Five
// difficulty layouts. Prints per layout the case runs used / brute force, whether the chosen is
// the true optimum, its cost / the dearest-everywhere cost, the wall time and the search's own
// overhead (the same search replayed on the recorded answers with an oracle that answers at once,
// over the real wall time); the goal lines last. `--smoke`: one layout (with a harder case), 8 cases.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeEval, evalHasErrors } from '../engine/eval/evalAnalysis';
import { runEval } from '../engine/eval/evalRunner';
import { createModelRunner } from '../engine/models/index';
import { optimize } from '../engine/optimize/optimizeEval';
import { assignmentKey, runKey, searchAssignments, type Assignment, type Outcome } from '../engine/optimize/search';
import { LoopbackProviders } from '../test/fixtures/providers/loopbackServer';
import { TIERED_MODELS, tieredResponder, type TierLayout } from '../test/fixtures/optimize/tieredProvider';
import { goal, table } from './stats';

const SMOKE = process.argv.includes('--smoke');
const STEPS = ['extract', 'reason', 'write'];
const CASES = SMOKE ? 8 : 20;
const PARALLEL = 4;
const LATENCY_MS = 5;
const TIER: Record<string, number> = { 'openai:gpt-4o-mini': 1, 'openai:gpt-4.1-mini': 2, 'openai:gpt-4o': 3 };
/** $ per call at 100 tokens in, 20 out, by the shipped registry's prices. */
const CALL_USD: Record<string, number> = { 'openai:gpt-4o-mini': (100 * 0.15 + 20 * 0.6) / 1e6, 'openai:gpt-4.1-mini': (100 * 0.4 + 20 * 1.6) / 1e6, 'openai:gpt-4o': (100 * 2.5 + 20 * 10) / 1e6 };

const ALL_LAYOUTS: { name: string; layout: TierLayout }[] = [
  { name: 'easy, hard, middling', layout: { difficulty: { extract: 1, reason: 3, write: 2 } } },
  { name: 'middling, easy, easy; q7 harder on extract', layout: { difficulty: { extract: 2, reason: 1, write: 1 }, harder: { q7: { extract: 1 } } } },
  { name: 'all hard', layout: { difficulty: { extract: 3, reason: 3, write: 3 } } },
  { name: 'all easy; q13 harder on reason, q19 on write', layout: { difficulty: { extract: 1, reason: 1, write: 1 }, harder: { q13: { reason: 1 }, q19: { write: 2 } } } },
  { name: 'easy, middling, easy; q4 harder on write, q17 on extract', layout: { difficulty: { extract: 1, reason: 2, write: 1 }, harder: { q4: { write: 1 }, q17: { extract: 2 } } } },
];
const LAYOUTS = SMOKE ? ALL_LAYOUTS.slice(1, 2) : ALL_LAYOUTS;

function allAssignments(): Assignment[] {
  let out: Assignment[] = [{}];
  for (const s of STEPS) out = out.flatMap((a) => TIERED_MODELS.map((m) => ({ ...a, [s]: m })));
  return out;
}

/** Brute force by construction: every assignment on every case, by the tier rule; the cheapest that passes all. */
function bruteForce(l: TierLayout): { optimum: Assignment; cost: number; dearest: number } {
  const qs = Array.from({ length: CASES }, (_, i) => `q${i + 1}`);
  let best: { optimum: Assignment; cost: number } | null = null;
  for (const a of allAssignments()) {
    const passes = qs.every((q) => STEPS.every((s) => TIER[a[s]] >= l.difficulty[s] + (l.harder?.[q]?.[s] ?? 0)));
    const cost = STEPS.reduce((x, s) => x + CALL_USD[a[s]], 0);
    if (passes && (!best || cost < best.cost)) best = { optimum: a, cost };
  }
  return { ...best!, dearest: 3 * CALL_USD['openai:gpt-4o'] };
}

/** A run's outcome by the tier rule (for the replayed search, where in-flight runs ended otherwise). */
function byRule(l: TierLayout, a: Assignment, caseId: string): Outcome {
  const q = caseId.replace(/^c/, 'q');
  return { pass: STEPS.every((s) => TIER[a[s]] >= l.difficulty[s] + (l.harder?.[q]?.[s] ?? 0)), cost_usd: STEPS.reduce((x, s) => x + CALL_USD[a[s]], 0), latency_ms: 0 };
}

function files(dir: string): void {
  const step = (id: string, input: string) => `  - id: ${id}\n    action: generate\n    model: openai:gpt-4o\n    parameters:\n      prompt: "STEP ${id} :: ${input}"\n      stream: false\n`;
  writeFileSync(path.join(dir, 'bench.pipeline.yaml'), `id: bench\nparameters:\n  q:\n    type: string\n    required: true\nsteps:\n${step('extract', '{{ q }}')}${step('reason', '{{ extract.result }}')}${step('write', '{{ reason.result }}')}outputs:\n  answer: "{{ write.result }}"\n`);
  const cases = Array.from({ length: CASES }, (_, i) => `  - { id: c${i + 1}, q: q${i + 1} }\n`).join('');
  writeFileSync(path.join(dir, 'bench.eval.yaml'), `pipeline: bench.pipeline.yaml\ncases:\n${cases}assert:\n  - output: answer\n    equals: "{{ case.q }}|extract|reason|write"\nthreshold: 1\n`);
}

/** Brute force for real: every assignment (an eval variant each) on every case through the same engine, at the same parallelism; its cheapest all-passing assignment and wall time. */
async function bruteForceRun(env: NodeJS.ProcessEnv): Promise<{ optimum: Assignment | null; runs: number; wallMs: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orc-bench-brute-'));
  try {
    files(dir);
    const text = readFileSync(path.join(dir, 'bench.eval.yaml'), 'utf8');
    const analysis = analyzeEval(text, path.join(dir, 'bench.eval.yaml'));
    const all = allAssignments();
    analysis.eval!.variants = all.map((models, i) => ({ name: `a${i}`, models, parameters: {}, path: [] }));
    const models = createModelRunner({ env, limits: { openai: { concurrency: PARALLEL, requestsPerMinute: 1e9, tokensPerMinute: 1e12 } } });
    const t0 = performance.now();
    const o = await runEval({ root: dir, analysis, evalText: text, models, env, maxParallel: PARALLEL, cache: true });
    const wallMs = performance.now() - t0;
    const best = o.summary.variants
      .filter((v) => v.passed === v.total)
      .map((v) => ({ a: all[Number(v.variant.slice(1))], cost: v.cost_usd }))
      .sort((x, y) => x.cost - y.cost)[0];
    return { optimum: best?.a ?? null, runs: o.summary.total, wallMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const server = await new LoopbackProviders().start();
  const env = { ...process.env, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${server.origin}/v1` };
  const rows: string[][] = [];
  let found = 0;
  let worstShare = 0;
  let worstOverhead = 0;
  try {
    for (const { name, layout } of LAYOUTS) {
      server.responder = tieredResponder(layout, LATENCY_MS);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'orc-bench-optimize-'));
      try {
        files(dir);
        const text = readFileSync(path.join(dir, 'bench.eval.yaml'), 'utf8');
        const analysis = analyzeEval(text, path.join(dir, 'bench.eval.yaml'));
        if (evalHasErrors(analysis)) throw new Error(JSON.stringify(analysis.findings));
        const models = createModelRunner({ env, limits: { openai: { concurrency: PARALLEL, requestsPerMinute: 1e9, tokensPerMinute: 1e12 } } });
        const answers = new Map<string, Outcome>();
        const r = await optimize({ root: dir, analysis, evalText: text, models, env, candidates: [...TIERED_MODELS].reverse(), parallel: PARALLEL, onEvent: (e) => e.kind === 'run' && answers.set(runKey(e.run.assignment, e.run.caseId), e.run.outcome) });
        // the search alone: the same decisions on the recorded answers, each given at once
        const t0 = performance.now();
        const again = await searchAssignments({ oracle: async (a, c) => answers.get(runKey(a, c)) ?? byRule(layout, a, c), steps: STEPS.map((id) => ({ id, models: TIERED_MODELS })), cases: Array.from({ length: CASES }, (_, i) => `c${i + 1}`), minPassRate: 1, parallel: PARALLEL });
        const searchMs = performance.now() - t0;
        const truth = bruteForce(layout);
        const brute = await bruteForceRun(env);
        if (!brute.optimum || assignmentKey(brute.optimum) !== assignmentKey(truth.optimum)) throw new Error(`brute force run found ${JSON.stringify(brute.optimum)}, the tier rule says ${JSON.stringify(truth.optimum)}`);
        const ok = !!r.chosen && assignmentKey(r.chosen.assignment) === assignmentKey(truth.optimum) && assignmentKey(again.chosen!.assignment) === assignmentKey(truth.optimum);
        if (ok) found++;
        const share = r.runs_used / r.brute_force_runs;
        worstShare = Math.max(worstShare, share);
        worstOverhead = Math.max(worstOverhead, searchMs / r.wall_ms);
        rows.push([name, `${r.runs_used} / ${r.brute_force_runs}`, `${(share * 100).toFixed(1)} %`, ok ? 'yes' : 'NO', `${((r.chosen?.cost_usd ?? 0) / truth.dearest).toFixed(3)}`, (r.wall_ms / 1000).toFixed(2), (brute.wallMs / 1000).toFixed(2), `${((searchMs / r.wall_ms) * 100).toFixed(2)} %`]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await server.stop();
  }
  console.log(`3 steps × 3 models (${TIERED_MODELS.join(', ')}) × ${CASES} cases, min pass rate 100 %, ${PARALLEL} case runs at once, ${LATENCY_MS} ms server latency; brute force (the floor it must match) = every assignment on every case, run for real through the same engine (cached steps, the same parallelism), its optimum checked against the tier rule`);
  table(['layout (extract, reason, write)', 'runs ours / brute force', 'ratio', 'true optimum', 'cost / dearest', 'wall ours (s)', 'wall brute force (s)', 'search overhead'], rows);
  console.log(goal(`true optimum found every time on 3 steps × 3 models × ${CASES} cases`, `${found}/${LAYOUTS.length} layouts`, 'every time', found === LAYOUTS.length));
  console.log(goal("case runs against brute force's (worst layout)", `${(worstShare * 100).toFixed(1)} %`, '≤ 25 %', worstShare <= 0.25));
  console.log(goal('search overhead share of wall time (worst layout)', `${(worstOverhead * 100).toFixed(2)} %`, '≤ 5 %', worstOverhead <= 0.05));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
