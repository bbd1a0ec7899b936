// `npm run bench guard`: what the built-in guards cost. Each of deny (RE2), pii, schema and
// max_chars checks a 4 KB answer many times (the floor: the same answer with no guard, which costs
// no check at all), then a 1 MB answer, to show the cost grows linearly with the text; the same
// generate step through the loopback OpenAI server with and without those four output guards; and a
// budget run (a for_each of ten calls, four at a time, a budget that holds three) showing the call
// that would cross the budget is never made. Goals (BENCHMARKS "Guardrails and budgets") printed last.
// `--smoke`: fewer repetitions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../engine/analyze/index';
import { checkGuard, type GuardHost } from '../engine/guard/checks';
import { createModelRunner } from '../engine/models/index';
import type { GuardDecl } from '../engine/spec/types';
import { runPipeline } from '../engine/run/runPipeline';
import { LoopbackProviders } from '../test/fixtures/providers/loopbackServer';
import { goal, median, table } from './stats';

const SMOKE = process.argv.includes('--smoke');
const REPS = SMOKE ? 200 : 2000;

const NO_HOST: GuardHost = {
  judge: () => Promise.reject(new Error('no judge here')),
  pipeline: () => Promise.reject(new Error('no pipeline here')),
};

/** An answer of about `bytes` characters: sentences with numbers, dates and a price, no personal data. */
function answer(bytes: number): string {
  const sentence = 'Thank you for writing to us on 2026-11-26 about order 48213: the refund of $129.00 was sent today and should arrive within five working days. ';
  return JSON.stringify({ reply: sentence.repeat(Math.ceil(bytes / sentence.length)).slice(0, bytes - 14) });
}

const GUARDS: GuardDecl[] = [
  { kind: 'deny', name: 'deny', value: ['(?i)ignore (all )?previous instructions', '(?i)system prompt'], onFail: 'block', path: [] },
  { kind: 'pii', name: 'pii', value: true, onFail: 'redact', path: [] },
  { kind: 'schema', name: 'schema', value: { type: 'object', properties: { reply: { type: 'string', maxLength: 2_000_000 } }, required: ['reply'] }, onFail: 'block', path: [] },
  { kind: 'max_chars', name: 'max_chars', value: 2_000_000, onFail: 'block', path: [] },
];

/** Median milliseconds of one check of `text`, over `reps` checks (after a warm-up). */
async function perCheck(g: GuardDecl, text: string, reps: number): Promise<number> {
  const signal = new AbortController().signal;
  for (let i = 0; i < Math.min(20, reps); i++) await checkGuard(g, text, NO_HOST, signal);
  const samples: number[] = [];
  const batch = Math.max(1, Math.floor(reps / 20));
  for (let b = 0; b < 20; b++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      const out = await checkGuard(g, text, NO_HOST, signal);
      if (!out.passed) throw new Error(`${g.name} failed the bench's answer: ${out.reason}`);
    }
    samples.push((performance.now() - t0) / batch);
  }
  return median(samples);
}

async function stepRuns(server: LoopbackProviders, guarded: boolean, runs: number): Promise<number> {
  const text = `id: s
model: openai:gpt-4o-mini
steps:
  - id: reply
    action: generate
    parameters: {prompt: Answer, max_tokens: 1200}
${guarded ? `    guardrails:
      output: [{deny: ["(?i)ignore (all )?previous instructions"]}, {pii: true, on_fail: redact}, {schema: {type: object}}, {max_chars: 100000}]
` : ''}`;
  const a = analyze(text);
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-guard-'));
  const models = createModelRunner({ env: { OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${server.origin}/v1` }, limits: { openai: { concurrency: 100, requestsPerMinute: 1e9, tokensPerMinute: 1e12 } } });
  const samples: number[] = [];
  try {
    for (let i = 0; i < runs + 3; i++) {
      const t0 = performance.now();
      const doc = await runPipeline(a, { cwd, models, checkpoint: false });
      if (doc.status !== 'completed') throw new Error(`the ${guarded ? 'guarded' : 'unguarded'} step ${doc.status}: ${doc.steps.reply.error}`);
      if (i >= 3) samples.push(performance.now() - t0);
    }
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
  return median(samples);
}

async function budgetRun(server: LoopbackProviders): Promise<{ requests: number; spent: number; budget: number; status: string; error: string }> {
  server.requests.length = 0;
  server.fallback = { text: 'ok', tokensIn: 10, tokensOut: 1000, delayMs: 30 };
  const budget = 0.002;
  const a = analyze(`id: ten
model: openai:gpt-4o-mini
budget: {max_cost_usd: ${budget}}
steps:
  - id: each
    for_each: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    max_parallel: 4
    steps:
      - {id: call, action: generate, parameters: {prompt: "n {{ item }}", max_tokens: 1000}}
`);
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-budget-'));
  try {
    const models = createModelRunner({ env: { OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${server.origin}/v1` } });
    const doc = await runPipeline(a, { cwd, models, checkpoint: false });
    const failed = doc.steps.each.iterations?.flatMap((it) => Object.values(it.steps)).find((r) => r.error_type === 'BudgetExceededError');
    return { requests: server.requests.length, spent: doc.cost_usd, budget, status: doc.status, error: failed?.error ?? '' };
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const small = answer(4096);
  const big = answer(1024 * 1024);
  const rows: string[][] = [];
  let worst4k = 0;
  let worstGrowth = 0;
  for (const g of GUARDS) {
    const ms4k = await perCheck(g, small, REPS);
    const ms1m = await perCheck(g, big, SMOKE ? 3 : 20);
    // per kilobyte: linear growth keeps it flat from 4 KB to 1 MB
    const growth = ms1m / 1024 / (ms4k / 4);
    worst4k = Math.max(worst4k, ms4k);
    worstGrowth = Math.max(worstGrowth, growth);
    rows.push([g.name, `${(ms4k * 1000).toFixed(1)} µs`, `${ms1m.toFixed(2)} ms`, `${((ms4k / 4) * 1000).toFixed(2)} µs`, `${((ms1m / 1024) * 1000).toFixed(2)} µs`, `${growth.toFixed(2)}×`]);
  }
  console.log(`one check of an answer of 4 KB and of 1 MB (median; the floor, no guard, is no check: 0 µs)`);
  table(['guard', '4 KB', '1 MB', 'per KB at 4 KB', 'per KB at 1 MB', 'per-KB growth'], rows);

  const server = await new LoopbackProviders().start();
  let step: { plain: number; guarded: number };
  let b: Awaited<ReturnType<typeof budgetRun>>;
  try {
    server.fallback = { text: small, tokensIn: 10, tokensOut: 1000 };
    const runs = SMOKE ? 10 : 60;
    step = { plain: await stepRuns(server, false, runs), guarded: await stepRuns(server, true, runs) };
    b = await budgetRun(server);
  } finally {
    await server.stop();
  }
  console.log(`\na generate step answering 4 KB through the loopback OpenAI server, median run: ${step.plain.toFixed(2)} ms unguarded, ${step.guarded.toFixed(2)} ms with deny, pii, schema and max_chars on its output (${(step.guarded - step.plain).toFixed(2)} ms more)`);
  console.log(`a for_each of ten calls, four at a time, each $0.0006015 ($0.00060015 reserved), budget $${b.budget}: ${b.requests} requests reached the provider, spent $${b.spent.toFixed(7)}, run ${b.status}`);
  console.log(`  ${b.error}`);

  console.log('\ngoals (BENCHMARKS "Guardrails and budgets"):');
  console.log(goal('the slowest built-in guard on a 4 KB answer', `${(worst4k * 1000).toFixed(1)} µs per check`, '≤ 0.2 ms', worst4k <= 0.2));
  console.log(goal('linear in the text (per-KB cost at 1 MB over that at 4 KB, worst guard)', `${worstGrowth.toFixed(2)}×`, '≤ 3× (flat)', worstGrowth <= 3));
  console.log(goal('the budget stops the run before the call that would cross it', `${b.requests} calls, $${b.spent.toFixed(7)} of $${b.budget}`, '3 calls, never over', b.requests === 3 && b.spent <= b.budget && b.status === 'failed'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
