// Runs the run-contract tests (validate, plan and run of every case) against another folder of
// pipelines with a cases.json of the same shape as test/fixtures/behaviour/cases.json: for example
// ContextLab's supported examples. `node scripts/conformance.mjs DIR` (after `npm run build`).
// Exit 0 when every case holds.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const dir = process.argv[2];
if (!dir || !existsSync(path.join(dir, 'cases.json'))) {
  console.error('usage: node scripts/conformance.mjs DIR   (DIR holds pipelines and a cases.json)');
  process.exit(2);
}
const r = spawnSync(
  'node_modules/.bin/mocha',
  ['--no-config', '--node-option', 'import=tsx', '--timeout', '60000', 'test/engine/run/conformance.test.ts', 'test/engine/run/conformanceRun.test.ts'],
  { stdio: 'inherit', env: { ...process.env, ORC_CONFORMANCE_DIR: path.resolve(dir) } },
);
process.exit(r.status ?? 1);
