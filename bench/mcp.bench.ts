// `orc mcp` against its floor: 1,000 `tools/call` of a one-step pipeline (no model) through the
// official MCP client over stdio, against the same pipeline run in-process through the engine API as
// `orc run` runs it (checkpoints, records, prediction); and `tools/list` of 500 generated pipelines.
// Each side has a workspace of its own, so both start with no run records.
// `--smoke`: 20 calls a side and 3 listings of 20 pipelines.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { analyze, createModelRunner, registryOrShipped, runPipeline } from '../engine/api/index';
import { build } from './freshBuild';
import { goal, median, percentile, table } from './stats';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SMOKE = process.argv.includes('--smoke');
const CALLS = SMOKE ? 20 : 1000;
const WARMUP = SMOKE ? 2 : 50;
const BATCH = SMOKE ? 5 : 10;
const LISTED = SMOKE ? 20 : 500;
const LISTINGS = SMOKE ? 3 : 20;

const ECHO = `id: echo
description: Echoes a text as JSON.
parameters:
  text:
    type: string
    required: true
steps:
  - id: render
    tool: data
    action: convert
    parameters:
      data: "{{ text }}"
      format: json
outputs:
  echoed: "{{ render.result.content }}"
`;

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-mcp-bench-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** A generated pipeline with typed parameters (an enum, defaults, required ones). */
function generated(i: number): string {
  return `id: generated_${i}
name: Generated ${i}
description: Generated pipeline number ${i}, for the listing benchmark.
parameters:
  topic: {type: string, required: true, description: What it is about.}
  level: {type: string, enum: [low, medium, high], default: medium}
  count: {type: integer, default: ${i % 7}}
  ratio: {type: number}
  tags: {type: array, default: []}
steps:
  - id: first
    tool: data
    action: convert
    parameters: {data: "{{ topic }}", format: json}
  - id: second
    tool: data
    action: convert
    dependencies: [first]
    parameters: {data: "{{ first.result.content }} {{ level }}", format: json}
outputs:
  out: "{{ second.result.content }}"
`;
}

async function connect(root: string): Promise<Client> {
  const client = new Client({ name: 'mcp-bench', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--root', root], stderr: 'ignore' }));
  return client;
}

/** One call of a side: `i` names the input, the answer is checked. */
type Caller = (i: number) => Promise<void>;

async function floorSide(dir: string): Promise<Caller> {
  const file = path.join(dir, 'echo.pipeline.yaml');
  const a = analyze(ECHO, { pipelineFile: file });
  const models = createModelRunner({ env: process.env });
  const registry = registryOrShipped();
  return async (i) => {
    const doc = await runPipeline(a, { cwd: dir, inputs: { text: `call ${i}` }, pipelineFile: file, source: ECHO, models, registry, predict: true });
    if (!doc.success || doc.outputs.echoed !== JSON.stringify(`call ${i}`)) throw new Error(`the floor's run ${i} did not succeed`);
  };
}

function oursSide(client: Client): Caller {
  return async (i) => {
    const r = await client.callTool({ name: 'echo', arguments: { text: `call ${i}` } });
    if (r.isError || (r.structuredContent as { echoed?: unknown })?.echoed !== JSON.stringify(`call ${i}`)) throw new Error(`call ${i} did not succeed: ${JSON.stringify(r)}`);
  };
}

/** Both sides, in alternating batches of BATCH calls (the same load on the machine for both), after WARMUP calls each. */
async function calls(): Promise<{ floor: number[]; ours: number[] }> {
  const floorDir = workspace({ 'echo.pipeline.yaml': ECHO });
  const oursDir = workspace({ 'echo.pipeline.yaml': ECHO });
  const client = await connect(oursDir);
  const sides = { floor: await floorSide(floorDir), ours: oursSide(client) };
  const times: { floor: number[]; ours: number[] } = { floor: [], ours: [] };
  try {
    for (let i = 0; i < WARMUP; i++) {
      await sides.floor(i);
      await sides.ours(i);
    }
    for (let b = 0; b < CALLS / BATCH; b++) {
      for (const side of b % 2 ? (['ours', 'floor'] as const) : (['floor', 'ours'] as const)) {
        for (let k = 0; k < BATCH; k++) {
          const i = WARMUP + b * BATCH + k;
          const t = performance.now();
          await sides[side](i);
          times[side].push(performance.now() - t);
        }
      }
    }
  } finally {
    await client.close();
    fs.rmSync(floorDir, { recursive: true, force: true });
    fs.rmSync(oursDir, { recursive: true, force: true });
  }
  return times;
}

async function listing(): Promise<{ startMs: number; times: number[] }> {
  const files: Record<string, string> = {};
  for (let i = 0; i < LISTED; i++) files[`generated_${String(i).padStart(3, '0')}.pipeline.yaml`] = generated(i);
  const dir = workspace(files);
  const t0 = performance.now();
  const client = await connect(dir);
  const startMs = performance.now() - t0;
  const times: number[] = [];
  try {
    for (let i = 0; i < LISTINGS; i++) {
      const t = performance.now();
      const { tools } = await client.listTools();
      times.push(performance.now() - t);
      if (tools.length !== LISTED) throw new Error(`tools/list gave ${tools.length} tools, not ${LISTED}`);
    }
  } finally {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { startMs, times };
}

async function main(): Promise<void> {
  if (!build(SMOKE)) throw new Error('the build failed');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`${CALLS} calls of a one-step pipeline on each side (after ${WARMUP} to warm up), one at a time, the sides alternating every ${BATCH} calls`);
  const { floor: f, ours: o } = await calls();
  const fm = mean(f);
  const om = mean(o);
  const overhead = om - fm;
  table(
    ['', 'mean ms', 'p50 ms', 'p95 ms'],
    [
      ['in-process engine API (floor)', fm.toFixed(3), median(f).toFixed(3), percentile(f, 95).toFixed(3)],
      ['orc mcp tools/call over stdio', om.toFixed(3), median(o).toFixed(3), percentile(o, 95).toFixed(3)],
    ],
  );
  console.log(`overhead per call: ${overhead.toFixed(3)} ms mean, ${(median(o) - median(f)).toFixed(3)} ms at the median (ratio of means ${(om / fm).toFixed(2)}x)`);
  const l = await listing();
  console.log(`\n${LISTED} pipelines: server start to first answer ${l.startMs.toFixed(0)} ms (finding and compiling them); tools/list over ${LISTINGS} requests: median ${median(l.times).toFixed(2)} ms, worst ${Math.max(...l.times).toFixed(2)} ms (the first ${l.times[0].toFixed(2)} ms)`);
  // most of a listing's time is the official client compiling each tool's outputSchema (ajv)
  const listMs = median(l.times);
  console.log('\ngoals (BENCHMARKS: serving pipelines over MCP):');
  console.log(goal('overhead per call (mean over the floor)', `${overhead.toFixed(3)} ms`, '≤ 2 ms', overhead <= 2));
  console.log(goal(`tools/list of ${LISTED} pipelines (median of ${LISTINGS}, through the official client)`, `${listMs.toFixed(2)} ms`, '≤ 100 ms', listMs <= 100));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
