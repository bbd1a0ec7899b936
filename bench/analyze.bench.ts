// `analyze` on generated pipelines of 100, 1,000 and 5,000 steps: cold (first call in a fresh
// process) and after a one-character edit (warm, median). The last line compares analyze with the
// bare YAML parse it stands on, the floor for any analysis of the same text.
// `--smoke`: 100 steps only, 3 edits.
import { spawnSync } from 'node:child_process';
import { parseDocument } from 'yaml';
import { analyze } from '../engine/analyze/index';
import { generatePipeline, oneCharEdit } from './generatePipeline';
import { median, table } from './stats';

const SMOKE = process.argv.includes('--smoke');
const SIZES = SMOKE ? [100] : [100, 1000, 5000];

function coldMs(n: number): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--cold', String(n)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

if (process.argv[2] === '--cold') {
  const text = generatePipeline(Number(process.argv[3]));
  const t0 = performance.now();
  analyze(text);
  process.stdout.write(String(performance.now() - t0));
} else {
  const rows: string[][] = [];
  let ratio = 0;
  for (const n of SIZES) {
    const text = generatePipeline(n);
    const cold = coldMs(n);
    const runs = SMOKE ? 3 : n >= 5000 ? 7 : 21;
    for (let i = 0; i < 3; i++) analyze(oneCharEdit(text, n, i)); // warm up
    const edit: number[] = [];
    const parse: number[] = [];
    for (let i = 0; i < runs; i++) {
      const edited = oneCharEdit(text, n, i);
      let t0 = performance.now();
      const a = analyze(edited);
      edit.push(performance.now() - t0);
      if (a.findings.some((f) => f.severity === 'error')) throw new Error(`generated pipeline of ${n} steps has errors: ${a.findings[0].message}`);
      t0 = performance.now();
      parseDocument(edited);
      parse.push(performance.now() - t0);
    }
    const e = median(edit);
    const p = median(parse);
    ratio = e / p;
    rows.push([String(n), `${text.split('\n').length}`, cold.toFixed(1), e.toFixed(1), Math.round(n / (e / 1000)).toLocaleString('en-US'), p.toFixed(1)]);
  }
  table(['steps', 'lines', 'cold ms', 'edit ms (median)', 'steps/s', 'yaml.parseDocument ms'], rows);
  console.log(`analyze / bare YAML parse at ${SIZES[SIZES.length - 1]} steps: ${ratio.toFixed(2)}x`);
}
