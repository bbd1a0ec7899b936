// `npm test`: build, type-check, then every suite. Each suite installs on first use what it needs.
import { spawnSync } from 'node:child_process';

const bin = (name) => `node_modules/.bin/${name}`;
const steps = [
  ['build', 'node', ['esbuild.mjs']],
  ['typecheck', bin('tsc'), ['-p', '.']],
  ['unit and CLI tests', bin('mocha'), []],
];

for (const [name, cmd, args] of steps) {
  process.stderr.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`\n${name} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}
