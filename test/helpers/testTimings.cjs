// A root hook for every mocha run of the unit and language-server suites: after each test, its
// duration and its timeout are appended to $TEST_TIMINGS_FILE (one JSON line), which
// summaryReporter.js reads at the end. A hook, not the reporter, because in mocha's parallel mode
// the reporter sees tests only as serialized copies that no longer carry their timeout.
// Around each file (in parallel mode a root hook's beforeAll/afterAll run once per file; in a serial
// run, once for all of them) it appends the file's wall time and the CPU time it cost: its worker's
// own and that of the processes it started and waited for (/proc/self/stat's cutime and cstime),
// so the suite can say where its minutes go (`kind: "file"`).
'use strict';
const fs = require('node:fs');

const TICKS_PER_S = 100;

/** CPU seconds of the processes this one started and reaped (0 where /proc is missing). */
function childrenCpuS() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after the command: state is field 0, so utime/stime are 11/12 and cutime/cstime 13/14
    return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

let fileStart = null;

exports.mochaHooks = {
  beforeAll() {
    const cpu = process.cpuUsage();
    fileStart = { at: Date.now(), ownS: (cpu.user + cpu.system) / 1e6, childrenS: childrenCpuS() };
  },
  afterEach() {
    const file = process.env.TEST_TIMINGS_FILE;
    const t = this.currentTest;
    if (!file || !t || typeof t.duration !== 'number') return;
    fs.appendFileSync(file, JSON.stringify({ title: t.fullTitle(), file: t.file ?? '', ms: t.duration, timeout: t.timeout() }) + '\n');
  },
  afterAll() {
    const file = process.env.TEST_TIMINGS_FILE;
    if (!file || !fileStart) return;
    const files = [...new Set((this.test?.parent?.suites ?? []).map((s) => s.file).filter(Boolean))];
    const cpu = process.cpuUsage();
    fs.appendFileSync(
      file,
      JSON.stringify({
        kind: 'file',
        file: files.join(', '),
        wallS: (Date.now() - fileStart.at) / 1000,
        cpuS: (cpu.user + cpu.system) / 1e6 - fileStart.ownS + childrenCpuS() - fileStart.childrenS,
      }) + '\n',
    );
    fileStart = null;
  },
};

/**
 * Once, after the whole run (in a serial run, in the process that ran the tests; in parallel mode, in
 * mocha's main process, where none is open): the browser the panel tests share is closed
 * (test/helpers/panelPage.ts registers how), so `npx mocha test/media/X.test.ts` ends when its tests do rather than waiting on
 * chromium. A parallel run's workers are ended by mocha, and their browsers with them.
 */
exports.mochaGlobalTeardown = async function () {
  const close = globalThis[Symbol.for('orc.tests.closeSharedBrowser')];
  if (typeof close === 'function') await close();
};
