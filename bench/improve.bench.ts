// `npm run bench improve`: `orc improve` on the scripted task (test/fixtures/improve/scriptedTask.ts
// behind the loopback OpenAI server, called through the real `openai` SDK and our provider layer):
// the task model passes a case only when its prompt carries two instructions it was never told
// ("answer in uppercase", "end with the ticket id"); the reflection model reads the failures'
// feedback and adds one instruction a failed assertion names. Per seed: the case runs the search
// spent until every train and validation case passes, and a blind hill climb of single-instruction
// edits (drawn at random from twelve plausible ones, the feedback unread: the peer, blindSearch);
// whether any reflection request showed a validation case; the share of the search's wall
// time outside model calls (the wall time less the time at least one call was in flight). The goal
// lines last. `--smoke`: one seed, 10 cases.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { improvePrompts, isValidationCase, type ImproveResult } from '../engine/improve/index';
import { createModelRunner } from '../engine/models/index';
import type { ModelRunner } from '../engine/models/modelRunner';
import { LoopbackProviders } from '../test/fixtures/providers/loopbackServer';
import { BLIND_INSTRUCTIONS, INSTRUCTIONS, REFLECT_MODEL, scriptedTask, TASK_PIPELINE, taskAnswer, taskEval } from '../test/fixtures/improve/scriptedTask';
import { goal, median, rng, table } from './stats';

const SMOKE = process.argv.includes('--smoke');
const CASES = SMOKE ? 10 : 20;
const SEEDS = SMOKE ? [1] : [1, 2, 3, 4, 5];
/** A fast model's answer; the blind peer's calls answer at once (only its case runs are counted). */
const LATENCY_MS = 250;
const PARALLEL = 4;
const MAX_EVALS = 2000;
const GOAL_EVALS = 150;
const WORDS = ['cannot', 'log', 'invoice', 'shows', 'refund', 'export', 'stops', 'single', 'sign', 'billing', 'address', 'mobile', 'app', 'crashes', 'api', 'returns', 'seats', 'theme', 'resets', 'upload'];

const tickets = (): [string, string, string][] => Array.from({ length: CASES }, (_, i) => [`t${i + 1}`, `T-${201 + i}`, `${WORDS[i % WORDS.length]} ${WORDS[(i * 7 + 3) % WORDS.length]} ${WORDS[(i * 3 + 5) % WORDS.length]} again`]);

/** The runner with the time at least one of its calls was in flight. */
function timed(inner: ModelRunner): { models: ModelRunner; busyMs: () => number } {
  let inFlight = 0;
  let since = 0;
  let busy = 0;
  const models = Object.create(inner) as ModelRunner;
  models.run = async (req) => {
    if (inFlight++ === 0) since = performance.now();
    try {
      return await inner.run(req);
    } finally {
      if (--inFlight === 0) busy += performance.now() - since;
    }
  };
  return { models, busyMs: () => busy };
}

interface Outcome {
  r: ImproveResult;
  wallMs: number;
  busyMs: number;
  leaked: boolean;
}

async function search(server: LoopbackProviders, seed: number): Promise<Outcome> {
  const task = scriptedTask({ delayMs: LATENCY_MS });
  server.responder = task.responder;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orc-bench-improve-'));
  try {
    const all = tickets();
    writeFileSync(path.join(dir, 'task.pipeline.yaml'), TASK_PIPELINE);
    writeFileSync(path.join(dir, 'task.eval.yaml'), taskEval('task.pipeline.yaml', {}, all));
    const env = { ...process.env, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${server.origin}/v1` };
    const { models, busyMs } = timed(createModelRunner({ env, limits: { openai: { concurrency: PARALLEL, requestsPerMinute: 1e9, tokensPerMinute: 1e12 } } }));
    const t0 = performance.now();
    const r = await improvePrompts({ root: dir, evalFile: path.join(dir, 'task.eval.yaml'), reflect: REFLECT_MODEL, env, models, seed, maxEvals: MAX_EVALS, parallel: PARALLEL });
    const wallMs = performance.now() - t0;
    const validation = all.filter(([id]) => isValidationCase(id, seed, 0.3));
    const leaked = task.reflections.some((req) => validation.some(([id, tid, text]) => req.includes(`<case id="${id}">`) || req.includes(tid) || req.includes(text)));
    return { r, wallMs, busyMs: busyMs(), leaked };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The peer: a blind hill climb of single-instruction edits. Each proposal adds one instruction,
 * drawn at random from BLIND_INSTRUCTIONS (not one the prompt has), to the best prompt so far, and
 * runs on every train case; it is kept when more pass. The case runs are answered by the scripted
 * task's own rule (the loopback server's: taskAnswer and the eval's two regexes), so its count is
 * exact without the wall time; the validation runs of the first and the chosen prompts are counted
 * as ours are.
 */
function blindSearch(seed: number): { evals: number; solved: boolean } {
  const all = tickets();
  const part = Math.max(2, Math.round(all.length / 5));
  const checks = all.map((_, i) => (i < part ? ['upper'] : i < 2 * part ? ['id'] : ['upper', 'id']));
  const passes = (prompt: string, i: number) => {
    const [, tid, text] = all[i];
    const answer = taskAnswer(prompt.replace('{{ ticket_id }}', tid).replace('{{ ticket }}', text));
    return checks[i].every((c) => (c === 'upper' ? /^[^a-z]*$/.test(answer) : /T-[0-9]+$/.test(answer)));
  };
  const train = all.map((t, i) => ({ t, i })).filter(({ t }) => !isValidationCase(t[0], seed, 0.3));
  const validation = all.length - train.length;
  const next = rng(seed);
  const base = 'Summarise this support ticket in a few words.\nTicket {{ ticket_id }}: {{ ticket }}\n';
  let best = base;
  const score = (p: string) => train.filter(({ i }) => passes(p, i)).length;
  let bestScore = score(best);
  let evals = train.length + validation;
  while (bestScore < train.length && evals < MAX_EVALS) {
    const left = BLIND_INSTRUCTIONS.filter((x) => !best.toLowerCase().includes(x));
    const pick = left[Math.floor(next() * left.length)];
    const candidate = `${best}${pick[0].toUpperCase()}${pick.slice(1)}.\n`;
    const s = score(candidate);
    evals += train.length;
    if (s > bestScore) [best, bestScore] = [candidate, s];
  }
  const solved = bestScore === train.length && INSTRUCTIONS.every((x) => best.toLowerCase().includes(x));
  return { evals: evals + (best === base ? 0 : validation), solved };
}

const solved = (r: ImproveResult) => r.train.after === 1 && (r.validation.cases === 0 || r.validation.after === 1);

async function main(): Promise<void> {
  const server = await new LoopbackProviders().start();
  const rows: string[][] = [];
  const ours: number[] = [];
  const peer: number[] = [];
  let allSolved = true;
  let leaks = 0;
  let worstShare = 0;
  try {
    // the process's first search pays the modules' loading and compiling: not the search's own time
    await search(server, 0);
    for (const seed of SEEDS) {
      const a = await search(server, seed);
      const b = blindSearch(seed);
      const share = (a.wallMs - a.busyMs) / a.wallMs;
      worstShare = Math.max(worstShare, share);
      if (!solved(a.r)) allSolved = false;
      if (a.leaked) leaks++;
      ours.push(a.r.evals);
      peer.push(b.evals);
      rows.push([
        String(seed),
        `${a.r.train.cases} / ${a.r.validation.cases}`,
        `${a.r.evals}${solved(a.r) ? '' : ' (unsolved)'}`,
        String(a.r.calls),
        `${b.evals}${b.solved ? '' : ' (unsolved)'}`,
        `$${a.r.cost_usd.toFixed(6)}`,
        (a.wallMs / 1000).toFixed(2),
        `${(share * 100).toFixed(2)} %`,
        a.leaked ? 'YES' : 'no',
      ]);
    }
  } finally {
    await server.stop();
  }
  console.log(`scripted task: ${CASES} cases (train / validation by the seeded hash, --validation 0.3), the task passing only with two untold instructions; ${LATENCY_MS} ms server latency a call, ${PARALLEL} case runs at once; the peer is a blind hill climb of single-instruction edits (one of ${BLIND_INSTRUCTIONS.length} plausible instructions at random, each run on every train case, kept when better), capped at ${MAX_EVALS} case runs; a first search (not shown) warms the process up`);
  table(['seed', 'train / validation', 'case runs (ours)', 'reflections', 'case runs (blind)', 'cost (ours)', 'wall (s)', 'outside model calls', 'validation shown'], rows);
  console.log(`median case runs: ours ${median(ours)}, blind ${median(peer)} (${(median(peer) / Math.max(1, median(ours))).toFixed(1)}×)`);
  console.log(goal(`every train and validation case passes within ${GOAL_EVALS} case runs (worst seed)`, `${Math.max(...ours)} case runs${allSolved ? '' : ', NOT ALL SOLVED'}`, `≤ ${GOAL_EVALS}`, allSolved && Math.max(...ours) <= GOAL_EVALS));
  console.log(goal('validation cases shown to the reflection model', `${leaks} of ${SEEDS.length} searches`, 'never', leaks === 0));
  console.log(goal("share of the search's wall time outside model calls (worst seed)", `${(worstShare * 100).toFixed(2)} %`, '≤ 5 %', worstShare <= 0.05));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
