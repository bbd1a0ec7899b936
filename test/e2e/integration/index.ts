// The tests entry the workbench loads with `extensionTestsPath` (as @vscode/test-electron does):
// `run()` runs the mocha suites inside the real extension host and resolves when they pass.
// With ORC_E2E_PARTS_DIR (test/e2e/workbench.test.ts), the four parts run one after the other in
// this one host, and each writes `part-N.json` there when it ends (its counts and its report) and
// `part-N.log` while it runs (a line a test), which the runner outside waits on and prints.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** What a part writes when it ends: its counts, and the lines a person reads (passes, failures). */
export interface PartResult {
  passed: number;
  failed: number;
  skipped: number;
  lines: string[];
}

export async function run(): Promise<void> {
  // The suite is timed in four parts (each its own test outside, bound to 400 s): 50 tests timed as
  // one took 209 s of a 400 s bound on a busy machine, part 2 of two grew to 39 tests, and part 1 of
  // three took 204 s beside stress-ng (its debugger tests alone about 90 s). They run in one host:
  // a workbench of its own for each part cost about 30 s of CPU more a part (2026-11-28, quiet: the
  // four in one workbench 170 CPU-s, in four 302).
  // One line per suite file (static, so esbuild bundles them); no part's tests sum past about 130 s
  // on that busy machine.
  const parts: Array<() => void> = [
    () => {
      require('./extension.test');
      require('./debug.test');
      require('./autoTags.test');
      require('./languageModels.test');
      require('./agentLanguageModel.test');
      require('./runsView.test');
    },
    () => {
      require('./humanInTheLoop.test');
      require('./evals.test');
      require('./agentEvals.test');
      require('./graphEdit.test');
    },
    () => {
      require('./languageSwitch.test');
      require('./evalReplay.test');
      require('./languageModelTools.test');
      require('./optimizeModels.test');
      require('./improvePrompts.test');
      require('./evalExplorer.test');
    },
    () => {
      require('./agentDebug.test');
      require('./conversationDebug.test');
      require('./debugForkModels.test');
    },
  ];
  const dir = process.env.ORC_E2E_PARTS_DIR;
  let failed = 0;
  for (const [i, load] of parts.entries()) {
    // a debug session a failed test of the part before left held would hold every run of this one
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
    failed += (await runPart(load, dir ? path.join(dir, `part-${i + 1}`) : undefined)).failed;
  }
  if (failed) throw new Error(`${failed} integration test(s) failed`);
}

/**
 * The suite files `load` requires, run by a mocha of their own. With `file`, each test's line is
 * appended to `file.log` as it ends, and the result is written to `file.json` (through a temporary
 * file, so a reader never sees half of it).
 */
function runPart(load: () => void, file?: string): Promise<PartResult> {
  // mocha is resolved from the repository's node_modules at run time (not bundled)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof import('mocha');
  // its report goes to the part's files, not to the console (which the host forwards to the page)
  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: class extends Mocha.reporters.Base {} });
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  // ORC_E2E_GREP: only the in-host tests whose titles match (while working on one of them)
  if (process.env.ORC_E2E_GREP) mocha.grep(process.env.ORC_E2E_GREP);
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    if (file) fs.appendFileSync(`${file}.log`, `${line}\n`);
  };
  const end = (result: PartResult) => {
    if (file) {
      fs.writeFileSync(`${file}.json.tmp`, JSON.stringify(result));
      fs.renameSync(`${file}.json.tmp`, `${file}.json`);
    }
    return result;
  };
  try {
    load();
  } catch (e) {
    // a suite file that throws as it loads fails its part, and the parts after it still run
    say(`  ✖ loading the part's files\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return Promise.resolve(end({ passed: 0, failed: 1, skipped: 0, lines }));
  }
  return new Promise((resolve) => {
    const runner = mocha.run((failures) => {
      const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
      resolve(end({ passed: stats.passes, failed: stats.failures, skipped: stats.pending, lines }));
    });
    runner.on('pass', (t) => say(`  ✔ ${t.fullTitle()} (${t.duration ?? 0}ms)`));
    runner.on('fail', (t, err: Error) => say(`  ✖ ${t.fullTitle()}\n${err.stack ?? err.message}`));
  });
}
