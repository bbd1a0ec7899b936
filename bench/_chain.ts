import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../engine/analyze/index';
import { runPipeline } from '../engine/run/runPipeline';
const SPEC: any = { name: 'bench', description: 'B.', actions: { noop: { description: 'N.', parameters: {} } } };
const TOOL: any = { spec: SPEC, run: () => Promise.resolve({ success: true, result: null }) };
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-chain-'));
async function main() {
  for (const n of (process.argv[2] ? [Number(process.argv[2])] : [10, 100, 1000, 10000])) {
    const lines = ['id: bench', 'steps:'];
    for (let i = 0; i < n; i++) lines.push(`  - {id: s${i}, tool: bench, action: noop${i ? `, dependencies: [s${i - 1}]` : ''}}`);
    const a = analyze(lines.join('\n') + '\n', { tools: { bench: SPEC } });
    for (let w = 0; w < Math.max(3, 20000 / n); w++) await runPipeline(a, { cwd, checkpoint: false, maxParallel: n, tools: { bench: TOOL } });
    const ts: number[] = [];
    for (let r = 0; r < (process.argv[3] ? Number(process.argv[3]) : 15); r++) { const t0 = performance.now(); await runPipeline(a, { cwd, checkpoint: false, maxParallel: n, tools: { bench: TOOL } }); ts.push(performance.now() - t0); }
    ts.sort((x, y) => x - y);
    const med = ts[7];
    console.log(n, 'median ms', med.toFixed(3), 'µs/step', ((med * 1000) / n).toFixed(2));
  }
}
main();
