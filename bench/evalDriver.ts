// Our side of `npm run bench eval`, bundled by the bench and loaded as dist/cli.js loads the CLI
// (its compiled code cached: bench/shippedBuild.ts buildShippedEntry): `runEval` on an eval file
// with a model runner whose OpenAI limits are the bench's concurrency (the CLI's are the provider's
// published defaults, which no peer applies). Prints one JSON line: the eval's own time (`evalMs`,
// from reading its file to its end), the time before it (`startMs`: Node's start and the bundle's
// load), the summary's counts, peak RSS, CPU. It reads nothing back from the eval's records: `orc
// eval` prints its summary from the outcome, and reading 2,000 results here (for a sum no table
// printed) had added about 20 ms to our process's wall time.
// `--verdicts`: the line holds each case's verdict too (the trials part compares adaptive trials'
// verdicts with fixed ones'). `--coverage OUT.info`: the eval collects coverage as `orc eval
// --coverage` does and writes the lcov file; the line holds the time that took (`coverageMs`: every
// result document read, the report made and written), timed where it is spent.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeEval, evalHasErrors } from '../engine/eval/evalAnalysis';
import { runEval } from '../engine/eval/evalRunner';
import { createModelRunner } from '../engine/models/index';
import { holdEvalHeap } from '../engine/cli/evalHeap';
import { CoverageCollector, toLcov } from '../engine/eval/coverage';
import type { ResultDocument } from '../engine/run/events';
import OpenAI from 'openai';

async function main(): Promise<void> {
  const [file, concurrency] = [process.argv[2], Number(process.argv[3])];
  const flags = process.argv.slice(4);
  const lcovAt = flags.indexOf('--coverage');
  const lcovFile = lcovAt >= 0 ? flags[lcovAt + 1] : null;
  const verdicts: Record<string, string> | null = flags.includes('--verdicts') ? {} : null;
  // performance.now() counts from the process's start
  const t0 = performance.now();
  const text = readFileSync(file, 'utf8');
  const analysis = analyzeEval(text, path.resolve(file));
  if (evalHasErrors(analysis)) throw new Error(JSON.stringify(analysis.findings));
  // as `orc eval` does (engine/cli/evalCommand.ts)
  holdEvalHeap();
  const models = createModelRunner({ env: process.env, limits: { openai: { concurrency, requestsPerMinute: 1e9, tokensPerMinute: 1e12 } } });
  // as `orc eval --coverage` does (engine/cli/evalCommand.ts), its time summed where it is spent
  let coverageMs = 0;
  const coverage = lcovFile ? new CoverageCollector(analysis.pipeline!, path.relative(process.cwd(), analysis.eval!.pipeline)) : null;
  const onRun = coverage
    ? (doc: ResultDocument) => {
        const c0 = performance.now();
        coverage.add(doc);
        coverageMs += performance.now() - c0;
      }
    : undefined;
  const onResult = verdicts ? (r: { case: string; variant: string; status: string }) => void (verdicts[`${r.case} [${r.variant}]`] = r.status) : undefined;
  const outcome = await runEval({ root: process.cwd(), analysis, evalText: text, models, maxParallel: concurrency, cache: false, ...(onRun ? { onRun } : {}), ...(onResult ? { onResult } : {}) });
  if (coverage && lcovFile) {
    const c0 = performance.now();
    writeFileSync(lcovFile, toLcov(coverage.report()));
    coverageMs += performance.now() - c0;
  }
  const evalMs = performance.now() - t0;
  const u = process.resourceUsage();
  console.log(JSON.stringify({ evalMs, startMs: t0, total: outcome.summary.total, passed: outcome.summary.passed, maxRssKb: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, ...(coverage ? { coverageMs } : {}), ...(verdicts ? { verdicts } : {}) }));
}

// `--load-only`: loaded and nothing else, as an earlier `orc` command (the bench's first load writes
// the compiled code's cache, bench/shippedBuild.ts buildShippedEntry), with the OpenAI SDK's chunk,
// which an eval's first call loads (scripts/vendorChunks.mjs): an earlier command that called a
// model compiled it into the cache too
if (process.argv[2] !== '--load-only')
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
else void OpenAI.name;
