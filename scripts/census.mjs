// `node scripts/census.mjs DIR`: validates every pipeline YAML under DIR with the built CLI and
// prints how many validate, and the errors and warnings by code. Used to measure how much of
// another project's pipelines (ContextLab's examples/) reads as its users wrote it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/census.mjs DIR');
  process.exit(2);
}
const files = [];
const walk = (d) => {
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.ya?ml$/.test(name) && !name.endsWith('.auto.lock.json')) files.push(p);
  }
};
walk(dir);
const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const r = spawnSync(process.execPath, [cli, 'validate', ...files, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
const reports = [].concat(JSON.parse(r.stdout));
const count = (severity) => {
  const m = new Map();
  for (const f of reports) for (const x of f.findings) if (x.severity === severity) m.set(x.code, (m.get(x.code) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1]);
};
const valid = reports.filter((f) => f.valid);
const errors = count('error');
const warnings = count('warning');
const total = (l) => l.reduce((n, [, c]) => n + c, 0);
console.log(`${files.length} files, ${valid.length} valid, ${total(errors)} errors, ${total(warnings)} warnings`);
console.log(`errors:   ${errors.map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`);
console.log(`warnings: ${warnings.map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`);
if (process.argv.includes('--files')) for (const f of reports) console.log(`${f.valid ? 'valid  ' : 'invalid'} ${relative(dir, f.file)} ${f.findings.filter((x) => x.severity === 'error').length}`);
