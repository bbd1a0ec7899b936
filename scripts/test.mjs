// `npm test`: every suite, and one closing line with the totals. Independent work runs side by side:
//   1. the build, then what the suites install on first use from Debian (one apt-get at a time);
//   2. side by side: the type check; the unit, CLI and language-server tests (mocha's parallel mode,
//      3 workers: a third of the files' wall time is waiting (a lock handed on after 2 s, a step's
//      timeout, a cron's next second), and with 2 workers the cores stood idle 199 of 702 core-seconds.
//      Alone, 3 workers took 286 s against 351 for the same 487 CPU-s; beside stress-ng --cpu 2, 413 s
//      against 533 (2026-11-29; docs/benchmarks.md). In 2026-11-28's heavier suite, 3 workers once
//      left a browser step's chromium without its page in 15 s and python unstarted in 3 s; those
//      windows are wider now, and the slowest test used 28 % of its timeout under the stress);
//      the workbench tools (code-server, Node 24) installed, at the tests' priority: 60 CPU-s, one
//      thread at a time. At nice 10 (until 2026-11-29) it got almost nothing beside stress-ng --cpu 2
//      and a third worker, and ended half a minute after the unit stage, which the workbench tests
//      then waited for;
//   3. the workbench tests (a real VS Code), after the rest: they drive a UI and wait on it; they run
//      in two processes side by side (scripts/e2e.mjs); after a failure in step 2 too, so one run
//      shows everything that is red.
// The benches at smoke size are not tests and are not run here: `npm run bench -- --smoke` runs
// them, and CI runs it after this (.ci/run). Beside the unit tests they took CPU the suite needs:
// the suite's time is its goal (docs/benchmarks.md, "The suite").
// A suite that fails fails the run, and so does a test that used more than half of its timeout (on a
// busy machine it is the next timeout; summaryReporter.js lists them).
// Node 22 is the project's floor: started by an older Node (a machine whose Node is 20), this
// script installs Node 22 from the npm registry into the ignored .tools/node22 on first use
// (scripts/installNode22.mjs) and runs itself again under it. Every step runs with the Node running
// this script first on PATH, so the build, mocha, tsc (node_modules/.bin's `#!/usr/bin/env node`),
// the benches and the workbench runner all run on it; code-server keeps its own Node 24
// (test/e2e/codeServer.ts). The native addons `npm ci` brings are N-API builds, which every Node
// version loads, so nothing is rebuilt: msgpackr-extract's (bullmq's msgpackr; a prebuild for Node 20's
// ABI beside an N-API one, which Node 22 takes) and keytar's (vsce's, optional).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installNode22, NODE22_VERSION } from './installNode22.mjs';

const FLOOR = 22;

/** This script again, under Node 22 from .tools/node22 (installed on first use); exits with its code. */
async function rerunUnderNode22() {
  let node22;
  try {
    node22 = installNode22();
  } catch (e) {
    process.stderr.write(`npm test needs Node ${FLOOR} or later, and this is ${process.version}; Node ${NODE22_VERSION} could not be installed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  process.stderr.write(`Node ${process.version} is older than the project's floor (${FLOOR}): the suites run under Node ${NODE22_VERSION} (${node22})\n`);
  // npm's NODE and npm_node_execpath name the Node that started it: they name Node 22 from here on
  const env = { ...process.env, PATH: `${dirname(node22)}${delimiter}${process.env.PATH ?? ''}`, NODE: node22, npm_node_execpath: node22 };
  const child = spawn(node22, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env });
  // Ctrl-C reaches both processes (one process group): this one waits for the suites to stop
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  // ends this process when the child ends: nothing below runs here
  await new Promise(() => {
    child.on('error', (e) => {
      process.stderr.write(`${node22}: ${e.message}\n`);
      process.exit(1);
    });
    child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  });
}

if (Number(process.versions.node.split('.')[0]) < FLOOR) await rerunUnderNode22();
process.stderr.write(`== Node ${process.version} (${process.execPath}) runs the suites\n`);

const bin = (name) => `node_modules/.bin/${name}`;
// the unit suites' files (not in .mocharc.json, so `npx mocha FILE` runs that file alone)
const UNIT_SPECS = ['test/{client,docs,engine,media,scripts}/**/*.test.ts', 'test/server/**/*.test.ts'];
const summaryDir = mkdtempSync(join(tmpdir(), 'orc-test-'));
const summaryFile = join(summaryDir, 'summary.jsonl');
// the Node running this script first on PATH: each step's `node` and `#!/usr/bin/env node` is it
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, TEST_SUMMARY_FILE: summaryFile };
const started = Date.now();
const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;

/**
 * Runs one step. `live`: its output goes straight to ours (one step at a time may); otherwise it is
 * kept and printed whole when the step ends, so steps side by side do not interleave their lines.
 */
function step(name, cmd, args, { live = false } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    if (live) process.stderr.write(`\n== ${name}\n`);
    const child = spawn(cmd, args, { stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    if (!live) {
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
    }
    child.on('error', (e) => (out += `${e.message}\n`));
    child.on('close', (code, signal) => {
      if (!live) process.stderr.write(`\n== ${name}\n${out}`);
      process.stderr.write(`== ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code ?? signal})`} in ${minutes(Date.now() - t0)}\n`);
      resolve(code === 0 ? null : `${name} failed (exit ${code ?? signal})`);
    });
  });
}

/** Steps one after the other; the first failure stops the rest. */
async function inOrder(...steps) {
  for (const s of steps) {
    const failed = await s();
    if (failed) return failed;
  }
  return null;
}

const failures = [];
const ran = (failed) => failed && failures.push(failed);

ran(
  await inOrder(
    () => step('build', process.execPath, ['esbuild.mjs'], { live: true }),
    // Debian's redis-server, postgresql, prometheus and chromium, when missing: before anything runs side by side
    () => step('services the tests start (installed on first use)', process.execPath, ['scripts/installTestServices.mjs'], { live: true }),
  ),
);
const buildFailed = failures.length > 0;
// dist/ is this checkout's build from here on: the package test packages it as it is rather than
// building it again beside the other tests (its 40 MB of writes held the fsyncs of the checkpoint
// tests beside it for seconds)
env.ORC_DIST_BUILT = '1';
if (!buildFailed) {
  const results = await Promise.all([
    step('unit, CLI and language-server tests', bin('mocha'), ['--parallel', '--jobs', '3', ...UNIT_SPECS], { live: true }),
    step('typecheck', bin('tsc'), ['-p', '.']),
    step('workbench tools (installed on first use)', process.execPath, ['scripts/installE2ETools.mjs']),
  ]);
  results.forEach(ran);
}
// the workbench tests run after a failure above too (not after a failed build or install): a red run
// says everything that is red at once
if (!buildFailed) ran(await step('workbench tests', process.execPath, ['scripts/e2e.mjs'], { live: true }));

let passed = 0;
let failed = 0;
let skipped = 0;
const tooSlow = [];
const failedTests = [];
try {
  for (const line of readFileSync(summaryFile, 'utf8').split('\n').filter(Boolean)) {
    const s = JSON.parse(line);
    passed += s.passed;
    failed += s.failed;
    skipped += s.skipped;
    tooSlow.push(...(s.tooSlow ?? []));
    failedTests.push(...(s.failedTests ?? []));
  }
} catch {
  // no suite ran
}
rmSync(summaryDir, { recursive: true, force: true });
for (const f of failures) process.stderr.write(`\n${f}\n`);
// named again at the very end: a CI log is often read from its tail
if (failedTests.length) process.stderr.write(`\n${failedTests.length} failed test(s):\n${failedTests.map((t) => `  ${t}\n`).join('')}`);
// a test that used over half of its timeout fails the run: on a busy machine it is the next timeout
if (tooSlow.length) process.stderr.write(`\n${tooSlow.length} test(s) used more than half of their timeout:\n${tooSlow.map((t) => `  ${t}\n`).join('')}`);
// the suite's own goal (docs/benchmarks.md, "The suite"): a fresh clone's npm ci && npm test on 2 cores
const SUITE_GOAL_MIN = 15;
const took = (Date.now() - started) / 60_000;
process.stderr.write(`\n  ${took <= SUITE_GOAL_MIN ? 'met' : 'NOT MET'}  the suite: ${took.toFixed(1)} min (goal ≤ ${SUITE_GOAL_MIN} min on this 2-core machine, green, also beside stress-ng --cpu 2)\n`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${tooSlow.length ? `, ${tooSlow.length} too slow` : ''} (${minutes(Date.now() - started)})`);
process.exit(failures.length || failed || tooSlow.length ? 1 : 0);
