// `npm run bench telemetry`: what tracing costs a run. The same pipelines run with telemetry off
// (nothing configured: no SDK) and on, exporting over OTLP/HTTP protobuf to a loopback receiver in a
// process of its own (it answers 200 and reads nothing), and with the collector down (nothing
// listens on the port). (a) per-step overhead on 10,000 no-op steps, goal <= 1.5 x the floor measured
// in the same run; (b) 1,000 steps of 10 ms, goal <= 1 %. The floor: a bare OpenTelemetry SDK span
// (BasicTracerProvider, a BatchSpanProcessor, the same exporter), per span; ours makes one span per
// step (a step tried once has no attempt span of its own), from the step's record when the event loop
// next turns (a run of no-op steps never yields: after its last step, in the exit's flush), and
// delivers all of them. Beside wall time, each run's CPU time (run and flush, this
// process): on a loaded machine the wall time of a run stretches with every busy neighbour, its CPU
// time much less, so the CPU columns are the figures to compare across runs.
// `--quick`: 2 rounds. `--smoke`: 200 no-op steps, 20 steps of 10 ms, one round, every variant.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, type Analysis } from '../engine/analyze/index';
import { runPipeline, type RunOptions } from '../engine/run/runPipeline';
import { Redactor } from '../engine/toolkit/redact';
import type { ToolSpec } from '../engine/toolkit/toolSpecs';
import type { ToolDefinition } from '../engine/toolkit/runtime';
import { startTelemetry, type TelemetryConfig } from '../engine/telemetry/index';
import { goal, median, table } from './stats';

const quick = process.argv.includes('--quick');
const smoke = process.argv.includes('--smoke');
const NOOP_STEPS = smoke ? 200 : 10_000;
const SLEEP_STEPS = smoke ? 20 : 1_000;
const SLEEP_MS = 10;
const ROUNDS = smoke ? 1 : quick ? 2 : 5;
/** Bare spans per reading of the floor (three readings after a warm-up, the median kept): as many as
 * the traced run has steps, so the batch processor's queue fills (and drops) as it does in the run. */
const FLOOR_SPANS = NOOP_STEPS;
/** The goal: a traced no-op step costs at most this many bare SDK spans. */
const SPANS_PER_STEP = 1.5;

const SPEC: ToolSpec = {
  name: 'bench',
  description: 'Benchmark steps.',
  actions: {
    noop: { description: 'Does nothing.', parameters: {} },
    sleep: { description: 'Waits.', parameters: { ms: { type: 'integer', required: true, description: 'How long.' } } },
  },
};
const TOOL: ToolDefinition = {
  spec: SPEC,
  run: (action, p) => (action === 'noop' ? Promise.resolve({ success: true, result: null }) : new Promise((resolve) => setTimeout(() => resolve({ success: true, result: null }), Number(p.ms)))),
};

function compile(n: number, action: 'noop' | 'sleep'): Analysis {
  const lines = ['id: bench', 'context: {checkpoint: false}', 'steps:'];
  for (let i = 0; i < n; i++) lines.push(`  - {id: s${i}, tool: bench, action: ${action}${action === 'sleep' ? `, parameters: {ms: ${SLEEP_MS}}` : ''}}`);
  const a = analyze(lines.join('\n') + '\n', { tools: { bench: SPEC } });
  const errors = a.findings.filter((f) => f.severity === 'error');
  if (errors.length) throw new Error(`bench pipeline does not compile: ${errors[0].message}`);
  return a;
}

/** A loopback OTLP endpoint in its own process: drains each request and answers 200. */
async function startSink(): Promise<{ url: string; child: ChildProcess }> {
  const code = `const s=require('http').createServer((q,r)=>{q.resume();q.on('end',()=>{r.writeHead(200,{'content-type':'application/x-protobuf'});r.end()})});s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim())));
  return { url: `http://127.0.0.1:${port}/v1/traces`, child };
}

const config = (url: string): TelemetryConfig => ({ exporters: [{ url, fromEnv: false, protocol: 'http/protobuf' }], metrics: null, defaultServiceName: 'orc-bench', captureContent: false });

/** CPU milliseconds (user + system) of this process since `c0`. */
const cpuMs = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

/** The run's wall milliseconds; its CPU milliseconds (with the flush at the end) go to `cpu`. */
async function timed(a: Analysis, cwd: string, url: string | null, maxParallel: number, cpu: number[] = []): Promise<number> {
  const base: RunOptions = { cwd, checkpoint: false, maxParallel, tools: { bench: TOOL } };
  let c0 = process.cpuUsage();
  if (!url) {
    const t0 = performance.now();
    await runPipeline(a, base);
    const ms = performance.now() - t0;
    cpu.push(cpuMs(c0));
    return ms;
  }
  // the SDK's start (once per process) is not a per-step cost: the clock starts with the run
  const telemetry = (await startTelemetry(config(url), '0.0.0'))!;
  const t = telemetry.forRun({ pipelineId: 'bench', redactor: new Redactor() });
  c0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = await runPipeline(a, { ...base, listeners: t.listeners, nestedListeners: t.nestedListeners });
  const ms = performance.now() - t0;
  if (doc.status !== 'completed') throw new Error(`bench run ${doc.status}`);
  await telemetry.shutdown(() => {});
  cpu.push(cpuMs(c0));
  return ms;
}

/** The floor: `n` bare SDK spans (start, end) through a batch processor to the same exporter, us per span. */
async function floor(url: string, n: number): Promise<number> {
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 1000 })] });
  const tracer = provider.getTracer('floor');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = tracer.startSpan('span');
    s.setAttribute('i', i);
    s.end();
    // yield like a run does between steps, so the batch processor's exports interleave as they would
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
  const us = ((performance.now() - t0) * 1000) / n;
  await provider.shutdown();
  return us;
}

async function main(): Promise<void> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-bench-otel-'));
  const sink = await startSink();
  const down = 'http://127.0.0.1:9/v1/traces';
  try {
    const noop = compile(NOOP_STEPS, 'noop');
    const sleep = compile(SLEEP_STEPS, 'sleep');
    await timed(noop, cwd, null, 64); // warm-up: the engine's and the SDK's code paths
    await timed(noop, cwd, sink.url, 64);
    const runs = { off: [] as number[], on: [] as number[], down: [] as number[] };
    const cpu = { off: [] as number[], on: [] as number[], down: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.off.push(await timed(noop, cwd, null, 64, cpu.off));
      runs.on.push(await timed(noop, cwd, sink.url, 64, cpu.on));
      runs.down.push(await timed(noop, cwd, down, 64, cpu.down));
    }
    const cpuPerStep = (on: number[]) => ((median(on) - median(cpu.off)) * 1000) / NOOP_STEPS;
    // warm-up: the SDK's first spans in a process cost several times the later ones (JIT), and the
    // traced runs measured above came after warm-up runs too
    await floor(sink.url, FLOOR_SPANS);
    const floorUs = median([await floor(sink.url, FLOOR_SPANS), await floor(sink.url, FLOOR_SPANS), await floor(sink.url, FLOOR_SPANS)]);
    const perStep = (on: number[]) => ((median(on) - median(runs.off)) * 1000) / NOOP_STEPS;
    const onUs = perStep(runs.on);
    const downUs = perStep(runs.down);
    console.log(`(a) ${NOOP_STEPS.toLocaleString('en')} no-op steps (max_parallel 64), median of ${ROUNDS} runs each`);
    table(
      ['telemetry', 'run ms', 'overhead us/step', 'cpu ms', 'cpu us/step', 'floor us/span', 'ratio (per span)'],
      [
        ['off', median(runs.off).toFixed(0), '-', median(cpu.off).toFixed(0), '-', '-', '-'],
        ['on', median(runs.on).toFixed(0), onUs.toFixed(2), median(cpu.on).toFixed(0), cpuPerStep(cpu.on).toFixed(2), floorUs.toFixed(2), (onUs / floorUs).toFixed(2)],
        ['collector down', median(runs.down).toFixed(0), downUs.toFixed(2), median(cpu.down).toFixed(0), cpuPerStep(cpu.down).toFixed(2), floorUs.toFixed(2), (downUs / floorUs).toFixed(2)],
      ],
    );
    const slow = { off: [] as number[], on: [] as number[], down: [] as number[] };
    const slowCpu = { off: [] as number[], on: [] as number[], down: [] as number[] };
    for (let r = 0; r < (smoke ? 1 : Math.max(2, ROUNDS - 2)); r++) {
      slow.off.push(await timed(sleep, cwd, null, 16, slowCpu.off));
      slow.on.push(await timed(sleep, cwd, sink.url, 16, slowCpu.on));
      slow.down.push(await timed(sleep, cwd, down, 16, slowCpu.down));
    }
    const pct = (on: number[]) => ((median(on) - median(slow.off)) / median(slow.off)) * 100;
    // the CPU tracing adds, as a share of the untraced run's wall time: what an idle machine would see at most
    const cpuPct = (on: number[]) => ((median(on) - median(slowCpu.off)) / median(slow.off)) * 100;
    console.log(`\n(b) ${SLEEP_STEPS.toLocaleString('en')} steps of ${SLEEP_MS} ms (max_parallel 16), median of ${slow.off.length} runs each`);
    table(
      ['telemetry', 'run ms', 'overhead', 'cpu ms', 'added cpu / run ms'],
      [
        ['off', median(slow.off).toFixed(0), '-', median(slowCpu.off).toFixed(0), '-'],
        ['on', median(slow.on).toFixed(0), `${pct(slow.on).toFixed(2)} %`, median(slowCpu.on).toFixed(0), `${cpuPct(slowCpu.on).toFixed(2)} %`],
        ['collector down', median(slow.down).toFixed(0), `${pct(slow.down).toFixed(2)} %`, median(slowCpu.down).toFixed(0), `${cpuPct(slowCpu.down).toFixed(2)} %`],
      ],
    );
    const steps = NOOP_STEPS.toLocaleString('en');
    const slowSteps = `${SLEEP_STEPS.toLocaleString('en')} x ${SLEEP_MS} ms steps`;
    console.log(`\nthe floor, measured in this run: a bare SDK span (batch processor, the same exporter) costs ${floorUs.toFixed(2)} us; a traced step makes one (its step span)`);
    console.log('a step span is made when the event loop next turns: in (a), whose runs never yield, after the last step; its cost and the encoding of every span are in the cpu columns (run and flush)');
    console.log(`goals (load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
    const spans = (us: number) => `${us.toFixed(2)} us, ${(us / floorUs).toFixed(2)} bare spans (${floorUs.toFixed(2)} us)`;
    console.log(goal(`per traced no-op step, ${steps} steps, exporting, over a bare SDK span`, spans(onUs), `<= ${SPANS_PER_STEP} x the bare span`, onUs <= SPANS_PER_STEP * floorUs));
    console.log(goal(`per traced no-op step, ${steps} steps, collector down, over a bare SDK span`, spans(downUs), `<= ${SPANS_PER_STEP} x the bare span`, downUs <= SPANS_PER_STEP * floorUs));
    console.log(goal(`overhead on ${slowSteps}, exporting`, `${pct(slow.on).toFixed(2)} %`, '<= 1 %', pct(slow.on) <= 1));
    console.log(goal(`overhead on ${slowSteps}, collector down`, `${pct(slow.down).toFixed(2)} %`, '<= 1 %', pct(slow.down) <= 1));
  } finally {
    sink.child.kill();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
