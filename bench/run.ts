// `npm run bench [name...]`: runs the benchmarks (all by default), each in its own process.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const BENCHES: Record<string, string> = {
  activation: 'activation.bench.ts',
  agent: 'agent.bench.ts',
  analyze: 'analyze.bench.ts',
  distributed: 'distributed.bench.ts',
  edit: 'edit.bench.ts',
  engine: 'engine.bench.ts',
  eval: 'eval.bench.ts',
  findings: 'findings.bench.ts',
  lsp: 'lsp.bench.ts',
  mcp: 'mcp.bench.ts',
  models: 'models.bench.ts',
  optimize: 'optimize.bench.ts',
  predict: 'predict.bench.ts',
  sql: 'sql.bench.ts',
  telemetry: 'telemetry.bench.ts',
  webview: 'webview.bench.ts',
};

/** Node flags a benchmark needs (agent: a full GC before each reading of the heap). */
const NODE_FLAGS: Record<string, string[]> = { agent: ['--expose-gc', '--no-flush-bytecode'] };

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const names = args.filter((a) => !a.startsWith('--'));
const wanted = names.length ? names : Object.keys(BENCHES);
let failed = false;
for (const name of wanted) {
  const file = BENCHES[name];
  if (!file) {
    console.error(`unknown benchmark '${name}': ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, [...(NODE_FLAGS[name] ?? []), '--import', 'tsx', path.join(__dirname, file), ...flags], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
