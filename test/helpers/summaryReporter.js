// Mocha's spec reporter, plus:
// - the suite's counts and its failed tests' titles appended to $TEST_SUMMARY_FILE (one JSON line), so `npm test` can close with
//   one 'N passed, N failed' line for all suites;
// - the ten slowest tests with the share of their timeout they used, and every test that used more
//   than half of it, named: such a test fails `npm test` (scripts/test.mjs), because on a machine
//   whose cores are busy with other work it would be the next timeout. Tests are meant to stay under
//   a third of their timeout on a quiet machine. The durations come from testTimings.cjs, a root
//   hook that works in mocha's parallel mode too.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Mocha = require('mocha');

/** A test that uses more than this share of its timeout fails the run. */
const TOO_SLOW_SHARE = 0.5;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    // the workers of parallel mode are started after this, and inherit it
    const own = !process.env.TEST_TIMINGS_FILE;
    if (own) process.env.TEST_TIMINGS_FILE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-timings-')), 'timings.jsonl');
    const timingsFile = process.env.TEST_TIMINGS_FILE;
    // the failed tests' titles and first error lines, for npm test's closing lines (CI shows only the tail)
    const failedTests = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
      const first = String(err?.message ?? err ?? '').split('\n')[0].slice(0, 300);
      failedTests.push(`${test.fullTitle()}${test.file ? ` (${path.relative(process.cwd(), test.file)})` : ''}: ${first}`);
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      let lines = [];
      try {
        lines = fs.readFileSync(timingsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      } catch {
        // no test ran
      }
      const timed = lines.filter((t) => t.kind === undefined && t.timeout > 0);
      // where the suite's minutes go: the files that took longest, and the CPU they cost
      const files = lines.filter((t) => t.kind === 'file' && t.file).sort((a, b) => b.wallS - a.wallS);
      if (own) fs.rmSync(path.dirname(timingsFile), { recursive: true, force: true });
      for (const t of timed) t.share = t.ms / t.timeout;
      timed.sort((a, b) => b.share - a.share);
      const cwd = process.cwd() + '/';
      const line = (t) => `  ${(t.share * 100).toFixed(0).padStart(3)} %  ${(t.ms / 1000).toFixed(1).padStart(6)} s of ${(t.timeout / 1000).toFixed(0)} s  ${t.title}  (${t.file.replace(cwd, '')})`;
      if (timed.length) {
        console.log('\n  slowest tests, by the share of their timeout they used:');
        for (const t of timed.slice(0, 10)) console.log(line(t));
      }
      if (files.length > 1) {
        const wall = files.reduce((n, f) => n + f.wallS, 0);
        const cpu = files.reduce((n, f) => n + f.cpuS, 0);
        console.log(`\n  slowest files (of ${files.length}: ${(wall / 60).toFixed(1)} min of wall time in all, ${(cpu / 60).toFixed(1)} CPU-minutes of their own processes and those they waited for):`);
        for (const f of files.slice(0, 15)) console.log(`  ${f.wallS.toFixed(1).padStart(6)} s  ${f.cpuS.toFixed(1).padStart(6)} s CPU  ${f.file.replace(cwd, '')}`);
      }
      const tooSlow = timed.filter((t) => t.share > TOO_SLOW_SHARE);
      if (tooSlow.length) {
        console.log(`\n  ${tooSlow.length} test(s) used more than half of their timeout (on a busy machine, the next timeout):`);
        for (const t of tooSlow) console.log(line(t));
      }
      const file = process.env.TEST_SUMMARY_FILE;
      if (!file) return;
      const s = runner.stats ?? {};
      fs.appendFileSync(file, JSON.stringify({ passed: s.passes ?? 0, failed: s.failures ?? 0, skipped: s.pending ?? 0, failedTests, tooSlow: tooSlow.map((t) => `${t.title} (${(t.share * 100).toFixed(0)} % of ${t.timeout / 1000} s)`) }) + '\n');
    });
  }
}
module.exports = SummaryReporter;
