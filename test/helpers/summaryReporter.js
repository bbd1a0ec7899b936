// Mocha's spec reporter, plus the suite's counts appended to $TEST_SUMMARY_FILE (one JSON line),
// so `npm test` can close with one 'N passed, N failed' line for all suites.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.TEST_SUMMARY_FILE;
      if (!file) return;
      const s = runner.stats ?? {};
      fs.appendFileSync(file, JSON.stringify({ passed: s.passes ?? 0, failed: s.failures ?? 0, skipped: s.pending ?? 0 }) + '\n');
    });
  }
}
module.exports = SummaryReporter;
