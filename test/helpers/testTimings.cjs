// A root hook for every mocha run of the unit and language-server suites: after each test, its
// duration and its timeout are appended to $TEST_TIMINGS_FILE (one JSON line), which
// summaryReporter.js reads at the end. A hook, not the reporter, because in mocha's parallel mode
// the reporter sees tests only as serialized copies that no longer carry their timeout.
'use strict';
const fs = require('node:fs');

exports.mochaHooks = {
  afterEach() {
    const file = process.env.TEST_TIMINGS_FILE;
    const t = this.currentTest;
    if (!file || !t || typeof t.duration !== 'number') return;
    fs.appendFileSync(file, JSON.stringify({ title: t.fullTitle(), file: t.file ?? '', ms: t.duration, timeout: t.timeout() }) + '\n');
  },
};
