// The real-workbench tests (test/e2e): installs code-server, Node 24 and chromium on first use
// (scripts/installE2ETools.mjs), builds the extension and the in-host suite, then runs them.
// `npm run test:e2e`; also a step of `npm test`.
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { installE2ETools, ROOT } from './installE2ETools.mjs';

installE2ETools();
process.chdir(ROOT);
let r = spawnSync('node', ['esbuild.mjs'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
await esbuild.build({
  entryPoints: ['test/e2e/integration/index.ts'],
  outfile: '.tools/e2e-build/integration/index.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
const reporter = process.env.TEST_SUMMARY_FILE ? ['--reporter', 'test/helpers/summaryReporter.js'] : [];
// mocha in this process (not its wrapper's child), so a timeout's SIGTERM reaches the handlers in
// test/e2e/codeServer.ts that stop code-server and chromium
r = spawnSync(process.execPath, ['--import', 'tsx', 'node_modules/mocha/bin/mocha.js', '--no-config', '--exit', '--timeout', '240000', '--require', 'test/helpers/testTimings.cjs', ...reporter, ...process.argv.slice(2), 'test/e2e/workbench.test.ts', 'test/e2e/graphEdit.test.ts', 'test/e2e/agents.test.ts', 'test/e2e/languageSwitch.test.ts', 'test/e2e/languageModelTools.test.ts', 'test/e2e/vsix.test.ts'], { stdio: 'inherit', timeout: 20 * 60_000, killSignal: 'SIGTERM' });
if (r.error || r.signal) console.error(`workbench tests stopped: ${r.error?.message ?? r.signal} (bound: 20 minutes)`);
process.exit(r.status ?? 1);
