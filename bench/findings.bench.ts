// Pipelines with 20,000 findings (issue 24, item 13): analyze each in a fresh process (cold, as
// `orc validate` does) beside the same pipeline with nothing wrong in it, the floor any analysis of
// that text stands on. Before the suggestion index, 4,000 unknown names among 4,000 steps took 8 to
// 32 s and 20,000 over two minutes: every unknown name was compared with every step id.
// `--smoke`: the same three shapes with 1/100 of the findings, one cold run each.
import { spawnSync } from 'node:child_process';
import { analyze } from '../engine/analyze/index';
import { goal, median, table } from './stats';

const SMOKE = process.argv.includes('--smoke');
/** The findings each shape has: 20,000 (200 with `--smoke`). */
const FINDINGS = SMOKE ? 200 : 20_000;
const n = (x: number) => x.toLocaleString('en-US');

const SHAPES: Record<string, (bad: boolean) => string> = {
  // one unknown name a step: each one's suggestions come from every step id
  [`${n(FINDINGS)} steps, an unknown name each`]: (bad) => steps(FINDINGS, (i) => [`      command: "echo {{ ${bad ? `u${i}` : 'execution.id'} }}"`]),
  // 100 unknown names in each of 200 steps (2 with `--smoke`)
  [`${n(FINDINGS / 100)} steps, 100 unknown names each`]: (bad) => steps(FINDINGS / 100, (i) => [`      command: "echo ${Array.from({ length: 100 }, (_, k) => `{{ ${bad ? `u${i}_${k}` : 'execution.id'} }}`).join(' ')}"`]),
  // ten unknown keys in each of 2,000 steps (20 with `--smoke`)
  [`${n(FINDINGS / 10)} steps, 10 unknown keys each`]: (bad) => steps(FINDINGS / 10, () => ['      command: echo'], () => Array.from({ length: 10 }, (_, k) => (bad ? `    bogus_${k}: 1` : `    # note ${k}`))),
};

function steps(n: number, params: (i: number) => string[], extra: (i: number) => string[] = () => []): string {
  const lines = ['id: many', 'steps:'];
  for (let i = 0; i < n; i++) lines.push(`  - id: s${i}`, '    tool: terminal', '    action: execute', ...extra(i), '    parameters:', ...params(i));
  return lines.join('\n') + '\n';
}

function coldMs(shape: string, bad: boolean): { ms: number; findings: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--cold', shape, String(bad), ...(SMOKE ? ['--smoke'] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { ms: number; findings: number };
}

if (process.argv[2] === '--cold') {
  const text = SHAPES[process.argv[3]](process.argv[4] === 'true');
  const t0 = performance.now();
  const a = analyze(text);
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, findings: a.findings.length }));
} else {
  const rows: string[][] = [];
  const goals: string[] = [];
  for (const shape of Object.keys(SHAPES)) {
    const bad: number[] = [];
    const clean: number[] = [];
    let findings = 0;
    let floorFindings = 0;
    for (let i = 0; i < (SMOKE ? 1 : 3); i++) {
      const b = coldMs(shape, true);
      const c = coldMs(shape, false);
      bad.push(b.ms);
      clean.push(c.ms);
      findings = b.findings;
      floorFindings = c.findings;
    }
    const ours = median(bad);
    const floor = median(clean);
    rows.push([shape, findings.toLocaleString('en-US'), ours.toFixed(0), `${floor.toFixed(0)} (${floorFindings} findings)`, (ours / floor).toFixed(2)]);
    goals.push(goal(`${shape}, ${findings.toLocaleString('en-US')} findings`, `${ours.toFixed(0)} ms cold, ${(ours / floor).toFixed(2)}x the same pipeline without them (${floor.toFixed(0)} ms)`, '< 1,000 ms over the floor', ours - floor < 1000));
  }
  table(['pipeline', 'findings', `analyze ms (median of ${SMOKE ? 1 : 3}, cold)`, 'without the findings ms', 'ratio'], rows);
  console.log(`\ngoals (${n(FINDINGS)} findings in under a second more than the pipeline without them):`);
  for (const g of goals) console.log(g);
}
