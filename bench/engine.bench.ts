// The engine against @langchain/langgraph's StateGraph, in one process:
// (a) per-step overhead on DAGs of no-op steps (chain, fan-out/fan-in, random ~3 parents), with the
//     floor of a plain dependency-counting scheduler beside them;
// (b) makespan of sleep-step DAGs over the best any schedule can do (bestPossible below: a lower
//     bound at least max(critical path, total work / concurrency), which no schedule reaches on a fan);
// (c) durable checkpoints (fsync) on vs off over 1,000 steps of 10 ms.
// `--quick` leaves out LangGraph at 10,000 nodes (minutes of its time). `--smoke`: 100 and 300 nodes
// (LangGraph at both), small sleep DAGs and 20 checkpointed steps, every part run once or twice.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { analyze, type Analysis } from '../engine/analyze/index';
import { runPipeline } from '../engine/run/runPipeline';
import type { ToolDefinition } from '../engine/toolkit/runtime';
import type { ToolSpec } from '../engine/toolkit/toolSpecs';
import { goal, median, rng, table } from './stats';
import { attributePeerWarnings } from './peerWarnings';

const QUICK = process.argv.includes('--quick');
const SMOKE = process.argv.includes('--smoke');
/** The two sizes of (a): the goals' 1,000 and 10,000 steps; tiny ones at smoke size. */
const SIZES: [number, number] = SMOKE ? [100, 300] : [1000, 10000];
/** Steps of 10 ms in (c). */
const CHECKPOINT_STEPS = SMOKE ? 20 : 1000;

type Shape = 'chain' | 'fan' | 'random';
interface Dag {
  n: number;
  parents: number[][];
  durations: number[];
}

function makeDag(shape: Shape, n: number, seed = 7, dur: [number, number] = [0, 0]): Dag {
  const r = rng(seed);
  const parents: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (shape === 'chain') parents.push(i ? [i - 1] : []);
    else if (shape === 'fan') parents.push(i === 0 ? [] : i === n - 1 ? Array.from({ length: n - 2 }, (_, k) => k + 1) : [0]);
    else {
      const k = i === 0 ? 0 : Math.min(i, 1 + Math.floor(r() * 5)); // 1..5 parents, ~3 on average
      const set = new Set<number>();
      while (set.size < k) set.add(Math.max(0, i - 1 - Math.floor(r() * Math.min(i, 64))));
      parents.push([...set].sort((a, b) => a - b));
    }
  }
  const durations = Array.from({ length: n }, () => dur[0] + Math.floor(r() * (dur[1] - dur[0] + 1)));
  return { n, parents, durations };
}

function depthOf(d: Dag): number {
  const depth: number[] = [];
  for (let i = 0; i < d.n; i++) depth.push(d.parents[i].length ? 1 + Math.max(...d.parents[i].map((p) => depth[p])) : 1);
  return Math.max(...depth);
}

// ---------- ours ----------
const BENCH_SPEC: ToolSpec = {
  name: 'bench',
  description: 'Benchmark steps.',
  actions: {
    noop: { description: 'Does nothing.', parameters: {} },
    sleep: { description: 'Waits.', parameters: { ms: { type: 'integer', required: true, description: 'How long.' } } },
  },
};
const BENCH_TOOL: ToolDefinition = {
  spec: BENCH_SPEC,
  run: (action, p) =>
    action === 'noop'
      ? Promise.resolve({ success: true, result: null })
      : new Promise((resolve) => setTimeout(() => resolve({ success: true, result: null }), Number(p.ms))),
};

function pipelineYaml(d: Dag, action: 'noop' | 'sleep'): string {
  const out = ['id: bench', 'steps:'];
  for (let i = 0; i < d.n; i++) {
    const deps = d.parents[i].length ? `, dependencies: [${d.parents[i].map((p) => `s${p}`).join(', ')}]` : '';
    const params = action === 'sleep' ? `, parameters: {ms: ${d.durations[i]}}` : '';
    out.push(`  - {id: s${i}, tool: bench, action: ${action}${params}${deps}}`);
  }
  return out.join('\n') + '\n';
}

function compile(d: Dag, action: 'noop' | 'sleep'): Analysis {
  const a = analyze(pipelineYaml(d, action), { tools: { bench: BENCH_SPEC } });
  const errors = a.findings.filter((f) => f.severity === 'error');
  if (errors.length) throw new Error(`bench pipeline does not compile: ${errors[0].message}`);
  return a;
}

async function runOurs(a: Analysis, opts: { maxParallel: number; checkpoint: boolean; cwd: string }): Promise<number> {
  const t0 = performance.now();
  const doc = await runPipeline(a, { cwd: opts.cwd, checkpoint: opts.checkpoint, maxParallel: opts.maxParallel, tools: { bench: BENCH_TOOL } });
  const ms = performance.now() - t0;
  if (doc.status !== 'completed') throw new Error(`bench run ${doc.status}`);
  return ms;
}

// ---------- the floor: a plain dependency-counting scheduler ----------
async function runFloor(d: Dag): Promise<number> {
  const t0 = performance.now();
  const children: number[][] = Array.from({ length: d.n }, () => []);
  const waiting = d.parents.map((p) => p.length);
  d.parents.forEach((ps, i) => ps.forEach((p) => children[p].push(i)));
  await new Promise<void>((resolve) => {
    let done = 0;
    const start = (i: number) => {
      Promise.resolve().then(() => {
        done++;
        for (const c of children[i]) if (--waiting[c] === 0) start(c);
        if (done === d.n) resolve();
      });
    };
    for (let i = 0; i < d.n; i++) if (waiting[i] === 0) start(i);
  });
  return performance.now() - t0;
}

// ---------- LangGraph ----------
const LgState = Annotation.Root({ n: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }) });

async function runLangGraph(d: Dag): Promise<{ buildMs: number; runMs: number }> {
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const g: any = new StateGraph(LgState);
  for (let i = 0; i < d.n; i++) g.addNode(`s${i}`, () => ({}));
  const hasChild = new Array<boolean>(d.n).fill(false);
  for (let i = 0; i < d.n; i++) {
    const ps = d.parents[i];
    if (ps.length === 0) g.addEdge(START, `s${i}`);
    else if (ps.length === 1) g.addEdge(`s${ps[0]}`, `s${i}`);
    else g.addEdge(ps.map((p) => `s${p}`), `s${i}`); // a join: runs once, after the last parent
    for (const p of ps) hasChild[p] = true;
  }
  for (let i = 0; i < d.n; i++) if (!hasChild[i]) g.addEdge(`s${i}`, END);
  const app = g.compile();
  const t1 = performance.now();
  await app.invoke({ n: 0 }, { recursionLimit: depthOf(d) + 10 });
  return { buildMs: t1 - t0, runMs: performance.now() - t1 };
}

async function overhead(): Promise<{ lg1k: number; lg10k: number; floor: number }> {
  const [small, large] = SIZES;
  console.log('(a) per-step overhead, no-op steps, µs per step (median of runs; LangGraph: one run)');
  const rows: string[][] = [];
  let worstRatio1k = 0;
  let worstRatio10k = 0;
  let worstFloor = 0;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-'));
  for (const n of SIZES) {
    for (const shape of ['chain', 'fan', 'random'] as Shape[]) {
      const d = makeDag(shape, n);
      const a = compile(d, 'noop');
      const runs = SMOKE ? 2 : n >= large ? 5 : 15;
      // warm-up, both sides alike: 20,000 steps through each, so the JIT has compiled the hot paths
      // (on 2 cores the first few runs of 1,000 steps take ten times the later ones)
      for (let w = 0; w < (SMOKE ? 1 : Math.max(1, 20_000 / n)); w++) {
        await runOurs(a, { maxParallel: n, checkpoint: false, cwd });
        await runFloor(d);
      }
      const ours: number[] = [];
      const floor: number[] = [];
      for (let i = 0; i < runs; i++) {
        ours.push(await runOurs(a, { maxParallel: n, checkpoint: false, cwd }));
        floor.push(await runFloor(d));
      }
      const o = (median(ours) * 1000) / n;
      const f = (median(floor) * 1000) / n;
      let lgText = 'skipped (--quick)';
      let ratioText = '';
      if (!(QUICK && n >= large)) {
        const lg = await runLangGraph(d);
        const l = (lg.runMs * 1000) / n;
        const ratio = l / o;
        if (n === small) worstRatio1k = worstRatio1k ? Math.min(worstRatio1k, ratio) : ratio;
        else worstRatio10k = worstRatio10k ? Math.min(worstRatio10k, ratio) : ratio;
        lgText = `${l.toFixed(0)} (build ${(lg.buildMs / 1000).toFixed(1)} s)`;
        ratioText = `${ratio.toFixed(0)}x`;
      }
      worstFloor = Math.max(worstFloor, o / f);
      rows.push([String(n), shape, o.toFixed(1), f.toFixed(2), (o / f).toFixed(1) + 'x', lgText, ratioText]);
    }
  }
  fs.rmSync(cwd, { recursive: true, force: true });
  table(['steps', 'shape', 'ours µs', 'floor µs', 'ours/floor', 'LangGraph µs', 'LangGraph/ours'], rows);
  return { lg1k: worstRatio1k, lg10k: worstRatio10k, floor: worstFloor };
}

function bound(d: Dag, concurrency: number): number {
  const finish: number[] = [];
  for (let i = 0; i < d.n; i++) finish.push(d.durations[i] + (d.parents[i].length ? Math.max(...d.parents[i].map((p) => finish[p])) : 0));
  const critical = Math.max(...finish);
  const work = d.durations.reduce((a, b) => a + b, 0);
  return Math.max(critical, work / concurrency);
}

/**
 * A lower bound no schedule on `slots` can beat, at least max(critical path, work / slots): for any
 * set S of steps, none of them starts before the least of their earliest starts (the longest path of
 * work before it), then their work takes at least work(S) / slots, and the last of them to end is
 * followed by at least the least of their tails (the longest path of work after it). On a fan the
 * first and last steps run alone, so the set of middle steps gives first + middle work / slots + last,
 * which max(critical path, work / slots) leaves out. S ranges over the steps with head and tail at
 * least h and t, for every pair of values (h, t) that occurs.
 */
function bestPossible(d: Dag, slots: number): number {
  const children: number[][] = Array.from({ length: d.n }, () => []);
  d.parents.forEach((ps, i) => ps.forEach((p) => children[p].push(i)));
  const head: number[] = [];
  for (let i = 0; i < d.n; i++) head.push(d.parents[i].length ? Math.max(...d.parents[i].map((p) => head[p] + d.durations[p])) : 0);
  const tail = new Array<number>(d.n).fill(0);
  for (let i = d.n - 1; i >= 0; i--) for (const c of children[i]) tail[i] = Math.max(tail[i], d.durations[c] + tail[c]);
  const heads = [...new Set(head)];
  const tails = [...new Set(tail)];
  let best = 0;
  for (const h of heads) {
    for (const t of tails) {
      let work = 0;
      let minHead = Infinity;
      let minTail = Infinity;
      for (let i = 0; i < d.n; i++) {
        if (head[i] < h || tail[i] < t) continue;
        work += d.durations[i];
        minHead = Math.min(minHead, head[i]);
        minTail = Math.min(minTail, tail[i]);
      }
      if (work) best = Math.max(best, minHead + work / slots + minTail);
    }
  }
  return Math.max(best, bound(d, slots));
}

/**
 * The same greedy policy as the engine (a free slot goes to the ready step with the longest
 * remaining path), simulated with exact durations and no overhead: what the policy itself achieves.
 */
function simulateGreedy(d: Dag, slots: number): number {
  const children: number[][] = Array.from({ length: d.n }, () => []);
  d.parents.forEach((ps, i) => ps.forEach((p) => children[p].push(i)));
  const rank = new Array<number>(d.n).fill(1);
  for (let i = d.n - 1; i >= 0; i--) for (const c of children[i]) rank[i] = Math.max(rank[i], rank[c] + 1);
  const waiting = d.parents.map((p) => p.length);
  const ready: number[] = [];
  for (let i = 0; i < d.n; i++) if (!waiting[i]) ready.push(i);
  const running: [number, number][] = []; // [end time, step]
  let now = 0;
  let done = 0;
  while (done < d.n) {
    ready.sort((a, b) => rank[b] - rank[a] || a - b);
    while (running.length < slots && ready.length) {
      const i = ready.shift()!;
      running.push([now + d.durations[i], i]);
    }
    running.sort((a, b) => a[0] - b[0]);
    const [t, i] = running.shift()!;
    now = t;
    done++;
    for (const c of children[i]) if (--waiting[c] === 0) ready.push(c);
  }
  return now;
}

interface Makespan {
  /** The worst of ours / max(critical path, work / concurrency). */
  worst: number;
  /** The worst of ours / the best any schedule can do, and of the policy without overhead / the same. */
  worstBest: number;
  worstPolicyBest: number;
  /** The shapes on which even the best schedule is over 1.05 x max(critical path, work / concurrency). */
  unreachable: string[];
}

async function makespan(): Promise<Makespan> {
  console.log('\n(b) makespan of sleep-step DAGs (10-50 ms steps) over the best any schedule can do, and over max(critical path, work / concurrency)');
  const rows: string[][] = [];
  let worst = 0;
  let worstBest = 0;
  let worstPolicyBest = 0;
  const unreachable: string[] = [];
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-'));
  const dags = (SMOKE ? [['random', 40, 8], ['random', 40, 32], ['fan', 20, 16], ['chain', 8, 4]] : [['random', 300, 8], ['random', 300, 32], ['fan', 200, 16], ['chain', 100, 4]]) as [Shape, number, number][];
  for (const [shape, n, conc] of dags) {
    const d = makeDag(shape, n, 11, [10, 50]);
    const a = compile(d, 'sleep');
    const ms = await runOurs(a, { maxParallel: conc, checkpoint: false, cwd });
    const b = bound(d, conc);
    const sim = simulateGreedy(d, conc);
    const best = bestPossible(d, conc);
    worst = Math.max(worst, ms / b);
    worstBest = Math.max(worstBest, ms / best);
    worstPolicyBest = Math.max(worstPolicyBest, sim / best);
    if (best > 1.05 * b) unreachable.push(`${shape} ${n} on ${conc} (no schedule under ${best.toFixed(0)} ms, ${(best / b).toFixed(3)} x the bound)`);
    rows.push([shape, String(n), String(conc), b.toFixed(0), best.toFixed(0), sim.toFixed(0), ms.toFixed(0), (ms / sim).toFixed(3), (ms / best).toFixed(3), (ms / b).toFixed(3)]);
  }
  fs.rmSync(cwd, { recursive: true, force: true });
  table(['shape', 'steps', 'max_parallel', 'bound ms', 'best possible ms', 'policy, no overhead ms', 'ours ms', 'ours/policy', 'ours/best', 'ours/bound'], rows);
  return { worst, worstBest, worstPolicyBest, unreachable };
}

async function checkpoints(): Promise<number> {
  const rounds = SMOKE ? 1 : 2;
  console.log(`\n(c) durable checkpoints (temp file, fsync, rename) over ${CHECKPOINT_STEPS.toLocaleString('en')} chained steps of 10 ms, ${rounds === 1 ? 'one run' : `the mean of ${rounds} runs`} each, alternated`);
  const d = makeDag('chain', CHECKPOINT_STEPS, 3, [10, 10]);
  const a = compile(d, 'sleep');
  const offs: number[] = [];
  const ons: number[] = [];
  let writes = 0;
  for (let r = 0; r < rounds; r++) {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-'));
    // off then on, then on then off: a drift in the machine's load falls on both
    const order = r % 2 ? [true, false] : [false, true];
    for (const checkpoint of order) (checkpoint ? ons : offs).push(await runOurs(a, { maxParallel: 1, checkpoint, cwd }));
    writes += fs.readdirSync(path.join(cwd, '.orchestrator', 'runs')).length;
    fs.rmSync(cwd, { recursive: true, force: true });
  }
  const off = median(offs);
  const on = median(ons);
  table(['checkpoints', 'ms', 'overhead'], [['off', off.toFixed(0), ''], ['on', on.toFixed(0), `${(((on - off) / off) * 100).toFixed(2)} %`]]);
  if (writes !== rounds) throw new Error(`expected one run folder per checkpointed run, found ${writes} for ${rounds}`);
  return (on - off) / off;
}

async function main() {
  const peerWarnings = attributePeerWarnings();
  const o = await overhead();
  const m = await makespan();
  const ms = m.worst;
  const cp = await checkpoints();
  const said = peerWarnings();
  if (said) console.log(`\n${said}`);
  console.log(`\nmakespan over the best any schedule can do (worst): ours ${m.worstBest.toFixed(3)}, the policy without overhead ${m.worstPolicyBest.toFixed(3)}; over max(critical path, work / concurrency): ${ms.toFixed(3)}; checkpoint overhead: ${(cp * 100).toFixed(2)} %`);
  for (const u of m.unreachable) console.log(`max(critical path, work / concurrency) is out of reach on ${u}`);
  const [small, large] = SIZES.map((n) => n.toLocaleString('en'));
  console.log(`LangGraph per-step time / ours (worst shape, ${QUICK ? small : large} steps): ${(o.lg10k || o.lg1k).toFixed(0)}x`);
  console.log(`\ngoals (BENCHMARKS: the engine against LangGraph and the plain floor; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  console.log(goal(`per-step overhead at ${small} steps`, `1/${o.lg1k.toFixed(0)} of LangGraph (worst shape)`, '≤ 1/10', o.lg1k >= 10));
  console.log(goal(`per-step overhead at ${large} steps`, o.lg10k ? `1/${o.lg10k.toFixed(0)} of LangGraph (worst shape)` : 'skipped (--quick)', '≤ 1/100', o.lg10k ? o.lg10k >= 100 : null));
  console.log(goal('per-step overhead over the plain floor', `${o.floor.toFixed(1)}x (worst shape and size)`, '≤ 10x', o.floor <= 10));
  console.log(goal('makespan over the best any schedule can do', `${m.worstBest.toFixed(3)}x (worst DAG)`, '≤ 1.05x', m.worstBest <= 1.05));
  console.log(goal(`durable checkpoints on ${CHECKPOINT_STEPS.toLocaleString('en')} steps of 10 ms`, `${(cp * 100).toFixed(2)} %`, '≤ 1 %', cp <= 0.01));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
