// `npm run bench predict`: how good `orc plan`'s predictions are. A generated mixed pipeline —
// sleep steps and model steps (the loopback OpenAI server, test/fixtures/providers, with a scripted
// latency and token count per step) in dependent levels, max_parallel 3 — runs five times; the sixth
// run records its prediction beside what happened. Printed: the median absolute percentage error
// of each step's duration and cost, and of the makespan. Goal: ≤ 15 % for the makespan.
// `--quick`: 12 steps. `--smoke`: 6 steps, 2 runs before the predicted one.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../engine/analyze/index';
import { createModelRunner } from '../engine/models/index';
import type { ResultDocument } from '../engine/run/events';
import { runPipeline } from '../engine/run/runPipeline';
import { LoopbackProviders } from '../test/fixtures/providers/loopbackServer';
import { goal, median, table } from './stats';

const QUICK = process.argv.includes('--quick');
const SMOKE = process.argv.includes('--smoke');
const RUNS = SMOKE ? 2 : 5;

/** Step i: a sleep (even i) or a model call (odd i); each depends on two steps of the level before. */
function mixedPipeline(steps: number): { text: string; latency: Map<string, number> } {
  const latency = new Map<string, number>();
  const lines = ['id: mixed', 'model: openai:gpt-4o-mini', 'steps:'];
  const width = 3;
  for (let i = 0; i < steps; i++) {
    const id = `s${i}`;
    const ms = 60 + ((i * 37) % 140); // 60–199 ms, fixed per step
    latency.set(id, ms);
    const level = Math.floor(i / width);
    const deps = level === 0 ? [] : [`s${(level - 1) * width + (i % width)}`, `s${(level - 1) * width + ((i + 1) % width)}`];
    lines.push(`  - id: ${id}`);
    if (deps.length) lines.push(`    dependencies: [${deps.join(', ')}]`);
    if (i % 2 === 0) lines.push('    tool: terminal', '    action: execute', '    parameters:', `      command: "sleep ${(ms / 1000).toFixed(3)}"`);
    else lines.push('    action: generate', '    parameters:', `      prompt: "step ${id}: say something"`, '      max_tokens: 200');
  }
  return { text: lines.join('\n') + '\n', latency };
}

const ape = (predicted: number, actual: number) => (actual === 0 ? 0 : Math.abs(predicted - actual) / actual);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const server = await new LoopbackProviders().start();
  const n = SMOKE ? 6 : QUICK ? 12 : 24;
  const { text, latency } = mixedPipeline(n);
  server.responder = (body) => {
    const prompt = JSON.stringify(body.messages ?? '');
    const id = /step (s\d+)/.exec(prompt)?.[1];
    return id ? { delayMs: latency.get(id), tokensIn: 40 + Number(id.slice(1)), tokensOut: 100 + Number(id.slice(1)) * 3, text: `answer of ${id}` } : undefined;
  };
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-predict-'));
  const a = analyze(text);
  const models = createModelRunner({ env: { OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${server.origin}/v1` }, limits: { openai: { concurrency: 100, requestsPerMinute: 1e9, tokensPerMinute: 1e12 } } });
  let last: ResultDocument | null = null;
  try {
    for (let r = 0; r <= RUNS; r++) last = await runPipeline(a, { cwd, models, maxParallel: 3, predict: true });
  } finally {
    await server.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
  const doc = last!;
  const p = doc.prediction!;
  const durationErrors: number[] = [];
  const costErrors: number[] = [];
  for (const s of Object.values(p.steps)) {
    if (s.predicted_ms !== null && s.actual_ms !== null) durationErrors.push(ape(s.predicted_ms, s.actual_ms));
    if (s.predicted_cost_usd !== null && s.actual_cost_usd > 0) costErrors.push(ape(s.predicted_cost_usd, s.actual_cost_usd));
  }
  const makespanError = ape(p.makespan_ms.predicted.expected, p.makespan_ms.actual);
  const costError = ape(p.cost_usd.predicted.expected, p.cost_usd.actual);
  console.log(`a ${n}-step pipeline (sleeps and model calls, 60–199 ms each), max_parallel 3; ${RUNS} runs, then one more with its prediction`);
  table(
    ['', 'predicted', 'actual', 'error'],
    [
      ['makespan', `${p.makespan_ms.predicted.expected} ms`, `${p.makespan_ms.actual} ms`, pct(makespanError)],
      ['cost', `$${p.cost_usd.predicted.expected.toFixed(6)}`, `$${p.cost_usd.actual.toFixed(6)}`, pct(costError)],
    ],
  );
  console.log(`per step: median absolute percentage error of duration ${pct(median(durationErrors))} over ${durationErrors.length} steps; of cost ${costErrors.length ? pct(median(costErrors)) : 'n/a'} over ${costErrors.length} model steps`);
  console.log('\ngoal (orc plan\'s prediction against the run it predicted):');
  console.log(goal('makespan error', pct(makespanError), '≤ 15 %', makespanError <= 0.15));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
