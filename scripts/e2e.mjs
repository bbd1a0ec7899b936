// The real-workbench tests (test/e2e): installs code-server, Node 24 and chromium on first use
// (scripts/installE2ETools.mjs), builds the extension and the in-host suite, then runs them.
// `npm run test:e2e`; also a step of `npm test`.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { installE2ETools, ROOT } from './installE2ETools.mjs';

installE2ETools();
process.chdir(ROOT);
// the extension's build, unless `npm test` has just made it (ORC_DIST_BUILT: 10 s of CPU again)
if (process.env.ORC_DIST_BUILT !== '1') {
  const r = spawnSync('node', ['esbuild.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await esbuild.build({
  entryPoints: ['test/e2e/integration/index.ts'],
  outfile: '.tools/e2e-build/integration/index.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
const reporter = process.env.TEST_SUMMARY_FILE ? ['--reporter', 'test/helpers/summaryReporter.js'] : [];
// this run's pictures only (a stale failed-*.png from an earlier run would mislead): cleared here,
// once, not by a test file, since the files run in two processes side by side
rmSync(path.join(ROOT, 'test-artifacts', 'e2e'), { recursive: true, force: true });
// Two mocha processes side by side, each with its own workbenches (a workbench test mostly waits on
// a UI: two of them keep the two cores busier than one, 8.3 min alone). The files are split so
// that the two take about as long (2026-11-27: 15.0 and 13.0 min, conversations.test.ts then moved
// to the second; 2026-11-28: 15 and 13 min again in a fresh clone, guardrails.test.ts, a workbench
// start and one test, then moved to the second; after the shared workbenches, 13 and 11 min in a
// fresh clone, review.test.ts, a start and 32 s of tests, moved too). Each mocha runs in its own process (not a wrapper's child), so a
// timeout's SIGTERM reaches the handlers in test/e2e/codeServer.ts that stop code-server and chromium.
const groups = [
  // workbench.test.ts's restricted suite, its last, then the agent tools' in Restricted Mode: one workbench
  ['test/e2e/workbench.test.ts', 'test/e2e/languageModelToolsRestricted.test.ts', 'test/e2e/served.test.ts'],
  // guardrails, agents, agentTranscript and languageModelTools' first suite one after the other, and
  // graphEdit, evalTrials and languageSwitch: each group shares one workbench
  // (test/e2e/sharedWorkbenches.ts)
  ['test/e2e/guardrails.test.ts', 'test/e2e/agents.test.ts', 'test/e2e/agentTranscript.test.ts', 'test/e2e/languageModelTools.test.ts', 'test/e2e/conversations.test.ts', 'test/e2e/graphEdit.test.ts', 'test/e2e/evalTrials.test.ts', 'test/e2e/languageSwitch.test.ts', 'test/e2e/review.test.ts', 'test/e2e/vsix.test.ts'],
];
const BOUND_MS = 20 * 60_000;
const children = new Set();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => children.forEach((c) => c.kill(signal)));
const codes = await Promise.all(
  groups.map(
    (files, i) =>
      new Promise((resolve) => {
        // the first group's lines go straight out; the second's are kept and printed whole after it,
        // so the two reports do not interleave
        const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/mocha/bin/mocha.js', '--no-config', '--exit', '--timeout', '240000', '--require', 'test/helpers/testTimings.cjs', ...reporter, ...process.argv.slice(2), ...files], { stdio: i === 0 ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
        children.add(child);
        const kept = [];
        child.stdout?.on('data', (c) => kept.push(c));
        child.stderr?.on('data', (c) => kept.push(c));
        const bound = setTimeout(() => {
          console.error(`workbench tests (${files.join(', ')}) stopped: bound of 20 minutes`);
          child.kill('SIGTERM');
        }, BOUND_MS);
        child.on('close', (code, signal) => {
          clearTimeout(bound);
          children.delete(child);
          resolve({ code: code ?? 1, signal, kept: Buffer.concat(kept).toString() });
        });
      }),
  ),
);
for (const c of codes.slice(1)) process.stdout.write(c.kept);
process.exit(codes.every((c) => c.code === 0) ? 0 : 1);
