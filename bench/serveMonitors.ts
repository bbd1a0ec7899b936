// The "Monitors in service" measures of bench/serve.bench.ts (BENCHMARKS.md): what a monitor adds to
// a served run's response (the same one-step pipeline served with and without one, and the work the
// monitors do in the call that ends the run, before its response can leave), how long after the
// crossing run's answer its alert reaches a webhook receiver, and 1,000 checks a minute with the
// heap measured after each thousand.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { createModelRunner, type ResultDocument } from '../engine/api/index';
import { Tokens } from '../engine/serve/auth';
import { Monitors } from '../engine/serve/monitors';
import { startServer } from '../engine/serve/server';
import { median, percentile } from './stats';

const echo = (monitors: string) => `id: echo
parameters:
  text: {type: string, required: true}
steps:
  - id: render
    tool: data
    action: convert
    parameters: {data: "{{ text }}", format: json}
outputs:
  echoed: "{{ render.result.content }}"
${monitors}`;

const MONITORED = `monitors:
  - name: polite
    assert: [{type: not-contains, value: "I cannot"}, {type: max_length, value: 200}]
`;

const workspace = (text: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-monitors-bench-'));
  fs.writeFileSync(path.join(dir, 'echo.pipeline.yaml'), text);
  return dir;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'wait=30' }, body: JSON.stringify(body) });

export interface MonitorFigures {
  /** Response times (ms) without and with a monitor. */
  plain: number[];
  monitored: number[];
  /** The monitors' work in the call that ended each run (ms). */
  inPath: number[];
  /** Crossing run's answer → its alert at the receiver (ms). */
  alerts: number[];
  /** Per thousand checks: how long they took (ms), the heap after them (MB, after a GC). */
  thousands: Array<{ ms: number; heapMb: number }>;
  heapBeforeMb: number;
}

/** Response time with and without a monitor; the monitors' in-path work. */
async function responses(calls: number, warmup: number, batch: number): Promise<Pick<MonitorFigures, 'plain' | 'monitored' | 'inPath'>> {
  const dirs = { plain: workspace(echo('')), monitored: workspace(echo(MONITORED)) };
  const quiet = { host: '127.0.0.1', port: 0, tokens: new Tokens([]), version: 'bench', log: () => undefined, watch: false };
  const plain = await startServer({ root: dirs.plain, ...quiet });
  const monitored = await startServer({ root: dirs.monitored, ...quiet });
  const inPath: number[] = [];
  const ended = monitored.runs.onEnded!;
  monitored.runs.onEnded = (run, doc) => {
    const t = performance.now();
    ended(run, doc);
    inPath.push(performance.now() - t);
  };
  const out = { plain: [] as number[], monitored: [] as number[], inPath };
  const call = async (side: 'plain' | 'monitored', i: number) => {
    const s = side === 'plain' ? plain : monitored;
    const r = await post(`${s.url}/pipelines/echo/runs`, { text: `call ${i}` });
    if (r.status !== 200) throw new Error(`orc serve answered ${r.status}: ${await r.text()}`);
    await r.arrayBuffer();
  };
  try {
    for (let i = 0; i < warmup; i++) for (const side of ['plain', 'monitored'] as const) await call(side, i);
    inPath.length = 0;
    for (let b = 0; b < calls / batch; b++) {
      for (const side of b % 2 ? (['monitored', 'plain'] as const) : (['plain', 'monitored'] as const)) {
        for (let j = 0; j < batch; j++) {
          const t = performance.now();
          await call(side, b * batch + j);
          out[side].push(performance.now() - t);
        }
      }
    }
    await monitored.monitors.idle();
    const checks = fs.readFileSync(path.join(dirs.monitored, '.orchestrator', 'monitors', 'polite.jsonl'), 'utf8').trim().split('\n').length;
    if (checks !== calls + warmup) throw new Error(`${checks} checks written for ${calls + warmup} runs`);
  } finally {
    await plain.close();
    await monitored.close();
    for (const d of Object.values(dirs)) fs.rmSync(d, { recursive: true, force: true });
  }
  return out;
}

/** The crossing run's answer → its signed alert at a receiver on 127.0.0.1 (window 1: each bad run after a good one crosses). */
async function alertLatency(alerts: number): Promise<number[]> {
  let arrived: (() => void) | null = null;
  const receiver = http.createServer((req, res) => {
    req.resume().on('end', () => {
      arrived?.();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  const dir = workspace(echo(`monitors:
  - name: polite
    assert: [{type: not-contains, value: "I cannot"}]
    window: 1
    min_checks: 1
    alert_below: 0.5
    notify: {webhook: "${url}", secret_env: BENCH_ALERT_SECRET}
`));
  const s = await startServer({ root: dir, host: '127.0.0.1', port: 0, tokens: new Tokens([]), version: 'bench', log: () => undefined, watch: false, env: { ...process.env, BENCH_ALERT_SECRET: 'bench-secret-0123456789' } });
  const out: number[] = [];
  try {
    for (let i = 0; i < alerts; i++) {
      await (await post(`${s.url}/pipelines/echo/runs`, { text: 'fine' })).arrayBuffer();
      await s.monitors.idle();
      const got = new Promise<void>((r) => (arrived = r));
      const r = await post(`${s.url}/pipelines/echo/runs`, { text: 'I cannot' });
      const answered = performance.now();
      await r.arrayBuffer();
      await got;
      out.push(performance.now() - answered);
    }
  } finally {
    await s.close();
    receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** `rounds` thousands of checks through the monitors' queue, the heap after each (after a full GC). */
async function thousands(rounds: number): Promise<Pick<MonitorFigures, 'thousands' | 'heapBeforeMb'>> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-monitors-bench-'));
  const monitors = new Monitors({ root: dir, models: createModelRunner({ env: {} }), env: {}, log: () => undefined });
  const decl = { name: 'polite', sample: 1, assert: [{ type: 'not-contains', value: 'I cannot' }, { type: 'max_length', value: 200 }], window: 50, minChecks: 10, alertBelow: 0.5, path: ['monitors', 0] };
  const doc = (i: number): ResultDocument => ({ pipeline_id: 'echo', execution_id: `20261127-120000-${String(i).padStart(6, '0')}`, status: 'completed', success: true, outputs: { echoed: i % 7 ? `answer ${i}` : 'I cannot' }, steps: {}, execution_order: [], execution_levels: [], failed_steps: [], skipped_steps: [], started_at: '2026-11-27T12:00:00.000Z', ended_at: '2026-11-27T12:00:00.010Z', duration_ms: 10, tokens_in: 0, tokens_out: 0, cost_usd: 0 }) as ResultDocument;
  const out: MonitorFigures['thousands'] = [];
  let heapBeforeMb = 0;
  try {
    // a first thousand warms up (the tail read, the assertions' code paths)
    for (let r = -1; r < rounds; r++) {
      if (r === 0) heapBeforeMb = heap();
      const t = performance.now();
      for (let i = 0; i < 1000; i++) monitors.ended('echo', doc((r + 1) * 1000 + i), [decl]);
      await monitors.idle();
      const ms = performance.now() - t;
      if (r >= 0) out.push({ ms, heapMb: heap() });
    }
  } finally {
    monitors.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { thousands: out, heapBeforeMb };
}

export async function monitorFigures(smoke: boolean): Promise<MonitorFigures> {
  const r = await responses(smoke ? 40 : 1000, smoke ? 4 : 50, 10);
  const alerts = await alertLatency(smoke ? 3 : 20);
  const t = await thousands(smoke ? 2 : 10);
  return { ...r, alerts, ...t };
}

/** The figures as lines, and the goals' verdicts. */
export function monitorReport(f: MonitorFigures): { lines: string[]; added: number; inPathP95: number; alertWorst: number; perMinute: number; heapGrowth: number } {
  const added = mean(f.monitored) - mean(f.plain);
  const inPathP95 = percentile(f.inPath, 95);
  const alertWorst = Math.max(...f.alerts);
  const slowest = Math.max(...f.thousands.map((x) => x.ms));
  const perMinute = Math.floor((1000 * 60_000) / slowest);
  const heapGrowth = f.thousands[f.thousands.length - 1].heapMb - f.heapBeforeMb;
  const lines = [
    `a served run's response, ${f.plain.length} a side: without a monitor mean ${mean(f.plain).toFixed(3)} ms (p50 ${median(f.plain).toFixed(3)}), with one ${mean(f.monitored).toFixed(3)} ms (p50 ${median(f.monitored).toFixed(3)}): ${added >= 0 ? '+' : ''}${added.toFixed(3)} ms (noise of two HTTP servers included)`,
    `the monitors' work in the call that ends the run (sampling and queueing its check): median ${(median(f.inPath) * 1000).toFixed(1)} µs, p95 ${(inPathP95 * 1000).toFixed(1)} µs`,
    `the crossing run's answer → its signed alert at the receiver, ${f.alerts.length} alerts: median ${median(f.alerts).toFixed(1)} ms, worst ${alertWorst.toFixed(1)} ms`,
    `${f.thousands.length} × 1,000 checks through the queue: ${f.thousands.map((x) => `${x.ms.toFixed(0)} ms`).join(', ')}; heap after GC ${f.heapBeforeMb.toFixed(1)} MB → ${f.thousands.map((x) => x.heapMb.toFixed(1)).join(' → ')} MB`,
  ];
  return { lines, added, inPathP95, alertWorst, perMinute, heapGrowth };
}
