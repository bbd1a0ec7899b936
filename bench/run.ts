// `npm run bench [name...] [-- flags]`: runs the benchmarks (all by default), each in its own process;
// `--except NAME` leaves one out.
// `--smoke`: every bench at its smallest size (a few seconds each, the peer included where it is
// installed), each bounded; CI runs them so after `npm test` (.ci/run), failing on an error, never on a figure.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const BENCHES: Record<string, string> = {
  activation: 'activation.bench.ts',
  agent: 'agent.bench.ts',
  analyze: 'analyze.bench.ts',
  distributed: 'distributed.bench.ts',
  durable: 'durable.bench.ts',
  edit: 'edit.bench.ts',
  engine: 'engine.bench.ts',
  eval: 'eval.bench.ts',
  findings: 'findings.bench.ts',
  guard: 'guard.bench.ts',
  improve: 'improve.bench.ts',
  lsp: 'lsp.bench.ts',
  mcp: 'mcp.bench.ts',
  models: 'models.bench.ts',
  optimize: 'optimize.bench.ts',
  predict: 'predict.bench.ts',
  serve: 'serve.bench.ts',
  sql: 'sql.bench.ts',
  telemetry: 'telemetry.bench.ts',
  webview: 'webview.bench.ts',
};

/** Node flags a benchmark needs (agent: a full GC before each reading of the heap). */
const NODE_FLAGS: Record<string, string[]> = { agent: ['--expose-gc', '--no-flush-bytecode'] };

/** How long one bench may take at `--smoke` size before it counts as hung (the busy machine included):
 * beside `stress-ng --cpu 2`, the smoke benches run at `nice 10` and get a tenth of the cores, and
 * the eval's took 161 s and the agent's more than 180 (a fresh clone's CI, 2026-11-26). */
const SMOKE_BOUND_MS = 480_000;

const args = process.argv.slice(2);
// a flag's number goes with it (`--cases 1000`): it is not a bench's name
const flags: string[] = [];
const names: string[] = [];
// `--except NAME`: every bench (or every one named) but NAME (`npm test` runs the ones that need the
// workbench tools apart, once they are installed)
const except: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--except') except.push(args[++i] ?? '');
  else if (!args[i].startsWith('--')) names.push(args[i]);
  else if (/^\d+$/.test(args[i + 1] ?? '')) flags.push(args[i], args[++i]);
  else flags.push(args[i]);
}
const smoke = flags.includes('--smoke');
const wanted = (names.length ? names : Object.keys(BENCHES)).filter((n) => !except.includes(n));
const unknown = [...wanted, ...except].filter((n) => !BENCHES[n]);
if (unknown.length) {
  console.error(`unknown benchmark '${unknown[0]}': ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const outcomes: { name: string; ok: boolean; seconds: number; why: string }[] = [];
for (const name of wanted) {
  console.log(`\n== ${name}${smoke ? ' (smoke)' : ''}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [...(NODE_FLAGS[name] ?? []), '--import', 'tsx', path.join(__dirname, BENCHES[name]), ...flags], {
    stdio: 'inherit',
    ...(smoke ? { timeout: SMOKE_BOUND_MS, killSignal: 'SIGTERM' as const } : {}),
  });
  const why = r.error ? (r.signal ? `stopped after ${SMOKE_BOUND_MS / 1000} s (hung?)` : r.error.message) : r.signal ? `killed by ${r.signal}` : r.status !== 0 ? `exit ${r.status}` : '';
  outcomes.push({ name, ok: !why, seconds: (Date.now() - t0) / 1000, why });
}
if (smoke || wanted.length > 1) {
  console.log(`\n== benchmarks${smoke ? ' at smoke size' : ''}`);
  for (const o of outcomes) console.log(`  ${o.ok ? 'ok    ' : 'FAILED'}  ${o.name.padEnd(12)} ${o.seconds.toFixed(1).padStart(6)} s${o.why ? `  ${o.why}` : ''}`);
}
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
