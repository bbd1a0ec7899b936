// `npm test`: build, type-check, then every suite, and one closing line with the totals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => `node_modules/.bin/${name}`;
const summaryDir = mkdtempSync(join(tmpdir(), 'orc-test-'));
const summaryFile = join(summaryDir, 'summary.jsonl');
const env = { ...process.env, TEST_SUMMARY_FILE: summaryFile };

const steps = [
  ['build', 'node', ['esbuild.mjs']],
  ['typecheck', bin('tsc'), ['-p', '.']],
  ['unit and CLI tests', bin('mocha'), []],
  // the extension in a real VS Code workbench (installs code-server and chromium on first use)
  ['workbench tests', 'node', ['scripts/e2e.mjs']],
];

let failedStep = null;
for (const [name, cmd, args] of steps) {
  process.stderr.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    failedStep = `${name} failed (exit ${r.status ?? r.signal})`;
    break;
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const tooSlow = [];
try {
  for (const line of readFileSync(summaryFile, 'utf8').split('\n').filter(Boolean)) {
    const s = JSON.parse(line);
    passed += s.passed;
    failed += s.failed;
    skipped += s.skipped;
    tooSlow.push(...(s.tooSlow ?? []));
  }
} catch {
  // no suite ran
}
rmSync(summaryDir, { recursive: true, force: true });
if (failedStep) process.stderr.write(`\n${failedStep}\n`);
// a test that used over half of its timeout fails the run: on a busy machine it is the next timeout
if (tooSlow.length) process.stderr.write(`\n${tooSlow.length} test(s) used more than half of their timeout:\n${tooSlow.map((t) => `  ${t}\n`).join('')}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${tooSlow.length ? `, ${tooSlow.length} too slow` : ''}`);
process.exit(failedStep || failed || tooSlow.length ? 1 : 0);
