// `npm test`: every suite, and one closing line with the totals. Independent work runs side by side:
//   1. the build, then what the suites install on first use from Debian (one apt-get at a time);
//   2. side by side: the type check; the unit, CLI and language-server tests (mocha's parallel mode);
//      every benchmark at its smoke size but activation; the workbench tools (code-server, Node 24)
//      installed, then the activation bench, which starts workbenches. The benches and the install
//      run at a lower priority (nice 10, inherited by what they start): a smoke bench starts
//      browsers, and the tests beside it must keep their pace on a busy machine. When those tests
//      end, what still runs gets the normal priority back (another process's load would starve it);
//   3. the workbench tests (a real VS Code), after the rest: they drive a UI and wait on it; they run
//      in two processes side by side (scripts/e2e.mjs); after a failure in step 2 too, so one run
//      shows everything that is red.
// A suite that fails fails the run, and so does a test that used more than half of its timeout (on a
// busy machine it is the next timeout; summaryReporter.js lists them).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => `node_modules/.bin/${name}`;
const summaryDir = mkdtempSync(join(tmpdir(), 'orc-test-'));
const summaryFile = join(summaryDir, 'summary.jsonl');
const env = { ...process.env, TEST_SUMMARY_FILE: summaryFile };
const started = Date.now();
const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;

/** The low-priority steps still running: their process ids. */
const lowered = new Set();

/** Every thread of `root` and of its descendants (from /proc; empty where there is none). */
function threadsOf(root) {
  const children = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // the parent is the 2nd field after the command's closing parenthesis
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone meanwhile
    }
  }
  const tids = [];
  const pending = [String(root)];
  while (pending.length) {
    const pid = pending.pop();
    try {
      tids.push(...readdirSync(`/proc/${pid}/task`));
    } catch {
      // gone meanwhile
    }
    pending.push(...(children.get(pid) ?? []));
  }
  return tids;
}

/**
 * The low-priority steps back at the normal priority: once the tests they made way for are done,
 * another process's load (a busy CI machine) would otherwise starve them, and the workbench tests
 * wait for them. Best effort: only root may lower a nice value, and a step may end meanwhile.
 */
function restorePriority() {
  for (const pid of lowered) {
    const tids = threadsOf(pid);
    if (tids.length) spawn('renice', ['-n', '0', '-p', ...tids], { stdio: 'ignore' }).on('error', () => {});
  }
}

/**
 * Runs one step. `live`: its output goes straight to ours (one step at a time may); otherwise it is
 * kept and printed whole when the step ends, so steps side by side do not interleave their lines.
 */
function step(name, cmd, args, { live = false, lowPriority = false } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    if (live) process.stderr.write(`\n== ${name}\n`);
    // below the tests beside it (coreutils' nice, so every thread and child has it from the start):
    // its own timings mean nothing at this size, theirs are held to their timeouts
    const [file, argv] = lowPriority ? ['nice', ['-n', '10', cmd, ...args]] : [cmd, args];
    const child = spawn(file, argv, { stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'], env });
    if (lowPriority && child.pid) lowered.add(child.pid);
    let out = '';
    if (!live) {
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
    }
    child.on('error', (e) => (out += `${e.message}\n`));
    child.on('close', (code, signal) => {
      lowered.delete(child.pid);
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
    () => step('build', 'node', ['esbuild.mjs'], { live: true }),
    // Debian's redis-server, postgresql, prometheus and chromium, when missing: before anything runs side by side
    () => step('services the tests start (installed on first use)', 'node', ['scripts/installTestServices.mjs'], { live: true }),
  ),
);
const buildFailed = failures.length > 0;
// dist/ is this checkout's build from here on: the package test packages it as it is rather than
// building it again beside the other tests (its 40 MB of writes held the fsyncs of the checkpoint
// tests beside it for seconds)
env.ORC_DIST_BUILT = '1';
if (!buildFailed) {
  const results = await Promise.all([
    step('unit, CLI and language-server tests', bin('mocha'), ['--parallel', '--jobs', '2'], { live: true }).then((failed) => {
      restorePriority();
      return failed;
    }),
    step('typecheck', bin('tsc'), ['-p', '.']),
    inOrder(
      () => step('workbench tools (installed on first use)', 'node', ['scripts/installE2ETools.mjs'], { lowPriority: true }),
      // the one bench that starts workbenches, once code-server is there
      () => step('benchmarks at smoke size: activation', 'node', ['--import', 'tsx', 'bench/run.ts', 'activation', '--smoke'], { lowPriority: true }),
    ),
    // the others need nothing the tools' install brings (Debian's chromium came with the services):
    // they run while it builds, not after it (3.5 min of the critical path before)
    step('benchmarks at smoke size', 'node', ['--import', 'tsx', 'bench/run.ts', '--smoke', '--except', 'activation'], { lowPriority: true }),
  ]);
  results.forEach(ran);
}
// the workbench tests run after a failure above too (not after a failed build or install): a red run
// says everything that is red at once
if (!buildFailed) ran(await step('workbench tests', 'node', ['scripts/e2e.mjs'], { live: true }));

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
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${tooSlow.length ? `, ${tooSlow.length} too slow` : ''} (${minutes(Date.now() - started)})`);
process.exit(failures.length || failed || tooSlow.length ? 1 : 0);
