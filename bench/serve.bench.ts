// `orc serve` against its floor and its peer (the three of one bundle built as shipped: bench/shippedEngine.ts): POST /pipelines/echo/runs with `Prefer: wait` of a
// one-step pipeline (no model), against the same pipeline run in-process through the engine API as
// `orc run` runs it (the floor) and against a bare node:http server that runs it per request (the
// peer); the latency from a run event to its SSE frame at a subscriber; the server's memory with
// 1,000 SSE subscribers on one run (the built CLI in its own process, its RSS read from /proc);
// and how late an every-second cron trigger fires. Goals: BENCHMARKS.md "Serving over HTTP"; and
// "Monitors in service" (bench/serveMonitors.ts): what a monitor adds to a served run's response, its
// alert's delay, 1,000 checks a minute with bounded memory; and what 500 SSE subscribers add to a run's
// duration (bench/sseFanout.ts).
// `--smoke`: 20 requests a side, 50 subscribers, 2 cron ticks, 40 monitored runs, 3 alerts, 2,000
// checks, one run with and one without 50 subscribers.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Tokens } from '../engine/serve/auth';
import { startServer, type RunningServer } from '../engine/serve/server';
import { startServe } from '../test/helpers/serveProcess';
import { build } from './freshBuild';
import { loadShipped, type Shipped } from './shippedBuild';
import { goal, median, percentile, table } from './stats';
import { monitorFigures, monitorReport } from './serveMonitors';
import { fanoutFigures, fanoutReport } from './sseFanout';

const SMOKE = process.argv.includes('--smoke');
const CALLS = SMOKE ? 20 : 1000;
const WARMUP = SMOKE ? 2 : 50;
const BATCH = SMOKE ? 5 : 10;
const SUBSCRIBERS = SMOKE ? 50 : 1000;
const TICKS = SMOKE ? 2 : 10;
const SSE_RUNS = SMOKE ? 3 : 20;

const ECHO = `id: echo
parameters:
  text: {type: string, required: true}
steps:
  - id: render
    tool: data
    action: convert
    parameters: {data: "{{ text }}", format: json}
outputs:
  echoed: "{{ render.result.content }}"
`;

/** Steps a few ms apart: events a live subscriber receives as they happen. */
const PACED = `id: paced
steps:
${Array.from({ length: 6 }, (_, i) => `  - id: s${i}\n    tool: terminal\n    action: execute\n${i ? `    dependencies: [s${i - 1}]\n` : ''}    parameters: {command: "sleep 0.02"}`).join('\n')}
`;

const SLOW = `id: slow
steps:
  - id: nap
    tool: terminal
    action: execute
    parameters: {command: "sleep 600"}
`;

const TICKING = `id: ticking
triggers:
  - cron: "* * * * * *"
steps:
  - id: say
    tool: data
    action: convert
    parameters: {data: tick, format: json}
`;

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-serve-bench-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

type Caller = (i: number) => Promise<void>;
const check = (i: number, echoed: unknown, side: string) => {
  if (echoed !== JSON.stringify(`call ${i}`)) throw new Error(`${side}: call ${i} did not succeed`);
};

/** The pipeline run in-process through the engine's API, as `orc run` runs it (`e`: the shipped engine). */
function runEcho(e: Shipped, dir: string) {
  const file = path.join(dir, 'echo.pipeline.yaml');
  const a = e.analyze(ECHO, { pipelineFile: file });
  const models = e.createModelRunner({ env: process.env });
  const registry = e.registryOrShipped();
  return (inputs: Record<string, unknown>) => e.runPipeline(a, { cwd: dir, inputs, pipelineFile: file, source: ECHO, models, registry, predict: true });
}

/** The peer: a bare node:http server that runs the pipeline per POST and answers its result document. */
async function peerServer(e: Shipped, dir: string): Promise<{ url: string; close(): void }> {
  const run = runEcho(e, dir);
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c) => (body += c));
    req.on('end', () => {
      run(JSON.parse(body || '{}'))
        .then((doc) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(doc));
        })
        .catch((e) => {
          res.writeHead(500);
          res.end(String(e));
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/**
 * A POST through node:http with a keep-alive agent of its own (one connection, reused as fetch reuses
 * its own): its status and its body parsed. The requests' client is not what is measured: undici's
 * fetch, which the other parts of this bench use, cost the process 1.0-1.6 ms more per request than
 * node:http in three `--quick` runs (its Request, Headers and Response objects, its body streams), work that runs on the
 * server's own thread in this process and that a client elsewhere (curl, another service) never puts
 * there. The fetch figures are printed beside them.
 */
function httpPoster(): (url: string, body: unknown, headers?: Record<string, string>) => Promise<{ status: number; json: unknown }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return (url, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers } }, (res) => {
        let got = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (got += c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(got) });
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(text);
    });
}

type Side = 'floor' | 'peer' | 'ours' | 'peerFetch' | 'oursFetch';

/**
 * The sides of a request, all of one bundle built as dist/cliMain.js is (bench/shippedEngine.ts):
 * ours is measured as it ships, and the floor and the peer run the same engine. Through tsx, each
 * import across our modules is a getter and each closure made is wrapped, which no user's process
 * pays, and ours crosses more of our modules per request than the peer does. The peer and ours are
 * each called through node:http (the goals) and through fetch (as this bench called them until
 * 2026-11-29).
 */
async function requests(): Promise<Record<Side, number[]>> {
  const e = await loadShipped();
  const dirs = { floor: workspace({ 'echo.pipeline.yaml': ECHO }), peer: workspace({ 'echo.pipeline.yaml': ECHO }), ours: workspace({ 'echo.pipeline.yaml': ECHO }) };
  const floorRun = runEcho(e, dirs.floor);
  const peer = await peerServer(e, dirs.peer);
  const ours = await e.startServer({ root: dirs.ours, host: '127.0.0.1', port: 0, tokens: new e.Tokens([]), version: 'bench', log: () => undefined, watch: false });
  const toPeer = httpPoster();
  const toOurs = httpPoster();
  const echoed = (json: unknown) => (json as { outputs: { echoed: unknown } }).outputs.echoed;
  const sides: Record<Side, Caller> = {
    floor: async (i) => check(i, (await floorRun({ text: `call ${i}` })).outputs.echoed, 'floor'),
    peer: async (i) => check(i, echoed((await toPeer(`${peer.url}/`, { text: `call ${i}` })).json), 'peer'),
    ours: async (i) => {
      const r = await toOurs(`${ours.url}/pipelines/echo/runs`, { text: `call ${i}` }, { prefer: 'wait=30' });
      if (r.status !== 200) throw new Error(`orc serve answered ${r.status}: ${JSON.stringify(r.json)}`);
      check(i, echoed(r.json), 'orc serve');
    },
    peerFetch: async (i) => check(i, echoed(await (await post(`${peer.url}/`, { text: `call ${i}` })).json()), 'peer (fetch)'),
    oursFetch: async (i) => {
      const r = await post(`${ours.url}/pipelines/echo/runs`, { text: `call ${i}` }, { prefer: 'wait=30' });
      if (r.status !== 200) throw new Error(`orc serve answered ${r.status}: ${await r.text()}`);
      check(i, echoed(await r.json()), 'orc serve (fetch)');
    },
  };
  const times: Record<Side, number[]> = { floor: [], peer: [], ours: [], peerFetch: [], oursFetch: [] };
  const order = ['floor', 'peer', 'ours', 'peerFetch', 'oursFetch'] as const;
  try {
    for (let i = 0; i < WARMUP; i++) for (const s of order) await sides[s](i);
    for (let b = 0; b < CALLS / BATCH; b++) {
      // the sides take turns, each first in its turn
      for (let k = 0; k < order.length; k++) {
        const side = order[(b + k) % order.length];
        for (let j = 0; j < BATCH; j++) {
          const i = WARMUP + b * BATCH + j;
          const t = performance.now();
          await sides[side](i);
          times[side].push(performance.now() - t);
        }
      }
    }
  } finally {
    peer.close();
    await ours.close();
    for (const d of Object.values(dirs)) fs.rmSync(d, { recursive: true, force: true });
  }
  return times;
}

/** Run event → SSE frame: for each frame a live subscriber receives, its arrival minus the event's time
 * (both Date.now() of one machine). A caught-up subscriber's frame is written to its socket in the
 * call that made the event (engine/serve/eventLog.ts), before the run's next synchronous work (the
 * next step's checkpoint and process spawn); what the figure holds beyond that is loopback and the
 * subscriber's process getting a core, which on a loaded machine is most of it. */
async function sseLatency(): Promise<number[]> {
  // the server in its own process (the built CLI): its event loop is not the subscriber's
  const dir = workspace({ 'paced.pipeline.yaml': PACED });
  const server = await startServe(dir);
  const lags: number[] = [];
  try {
    for (let n = 0; n < SSE_RUNS; n++) {
      const { run_id } = (await (await post(`${server.url}/pipelines/paced/runs`, {})).json()) as { run_id: string };
      const res = await fetch(`${server.url}/runs/${run_id}/events`);
      const subscribed = Date.now();
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const now = Date.now();
        text += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, cut);
          text = text.slice(cut + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const time = data ? (JSON.parse(data) as { time?: number }).time : undefined;
          // only events that happened after the subscriber was there: the others were buffered
          if (typeof time === 'number' && time > subscribed) lags.push(now - time);
        }
      }
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return lags;
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** The server's RSS (MB) before and with SUBSCRIBERS SSE subscribers on one running run (the built CLI). */
async function subscribers(): Promise<{ before: number; with: number; receivedAll: boolean }> {
  const dir = workspace({ 'slow.pipeline.yaml': SLOW });
  const s = await startServe(dir, ['--max-runs', '4']);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const { run_id } = (await (await post(`${s.url}/pipelines/slow/runs`, {})).json()) as { run_id: string };
    await new Promise((r) => setTimeout(r, 300));
    const before = rssOf(s.child.pid!);
    let got = 0;
    const requests: http.ClientRequest[] = [];
    await new Promise<void>((resolve, reject) => {
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const req = http.get(`${s.url}/runs/${run_id}/events`, { agent }, (res) => {
          let first = true;
          res.on('data', () => {
            if (first && ++got === SUBSCRIBERS) resolve();
            first = false;
          });
        });
        req.on('error', reject);
        requests.push(req);
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const withSubs = rssOf(s.child.pid!);
    for (const r of requests) r.destroy();
    return { before, with: withSubs, receivedAll: got === SUBSCRIBERS };
  } finally {
    agent.destroy();
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** How late each tick of an every-second cron trigger fired (ms after its second), and started its run. */
async function cron(): Promise<{ fired: number[]; started: number[] }> {
  const dir = workspace({ 'ticking.pipeline.yaml': TICKING });
  let server: RunningServer | null = null;
  const fired: number[] = [];
  const started: number[] = [];
  try {
    server = await startServer({ root: dir, host: '127.0.0.1', port: 0, tokens: new Tokens([]), version: 'bench', log: () => undefined, watch: false });
    await new Promise<void>((resolve) => {
      server!.triggers.onFire = (_s, _d, at, outcome) => {
        if (!('runId' in outcome)) return;
        const now = Date.now();
        fired.push(at.getTime() % 1000);
        started.push(now - Math.floor(at.getTime() / 1000) * 1000);
        if (fired.length >= TICKS) resolve();
      };
    });
  } finally {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { fired, started };
}

async function main(): Promise<void> {
  if (!build(SMOKE)) throw new Error('the build failed');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`${CALLS} runs of a one-step pipeline on each side (after ${WARMUP} to warm up), one at a time, the sides taking turns every ${BATCH}; the servers called through node:http (a keep-alive agent each), and through fetch`);
  const t = await requests();
  const row = (name: string, xs: number[]) => [name, mean(xs).toFixed(3), median(xs).toFixed(3), percentile(xs, 95).toFixed(3)];
  table(['', 'mean ms', 'p50 ms', 'p95 ms'], [
    row('in-process engine API (floor)', t.floor),
    row('bare node:http server (peer)', t.peer),
    row('orc serve, Prefer: wait', t.ours),
    row('the peer, called through fetch', t.peerFetch),
    row('orc serve, called through fetch', t.oursFetch),
  ]);
  const overhead = mean(t.ours) - mean(t.floor);
  console.log(`overhead per request (called through node:http): ${overhead.toFixed(3)} ms mean over the floor, ${(mean(t.ours) - mean(t.peer)).toFixed(3)} ms over the peer`);
  // each round gives each side one batch of BATCH calls: the median of the rounds' differences is
  // the overhead read without the tail of the disk (each run syncs its checkpoint and record), which
  // moved the means' difference by 0.5 ms between runs of the same tree (docs/benchmarks.md)
  const rounds = Math.floor(t.ours.length / BATCH);
  const paired = median(Array.from({ length: rounds }, (_, b) => mean(t.ours.slice(b * BATCH, (b + 1) * BATCH)) - mean(t.peer.slice(b * BATCH, (b + 1) * BATCH))));
  console.log(`over the peer, paired: the median of ${rounds} rounds' differences (${BATCH} calls a side each): ${paired.toFixed(3)} ms (the goal below reads the means)`);
  console.log(`called through fetch instead: ${(mean(t.oursFetch) - mean(t.floor)).toFixed(3)} ms over the floor, ${(mean(t.oursFetch) - mean(t.peerFetch)).toFixed(3)} ms over the peer (fetch's own cost: ${(mean(t.peerFetch) - mean(t.peer)).toFixed(3)} ms a request)`);
  const lags = await sseLatency();
  console.log(`\nrun event → SSE frame, ${lags.length} events of ${SSE_RUNS} runs received live: median ${median(lags).toFixed(1)} ms, p95 ${percentile(lags, 95).toFixed(1)} ms, worst ${Math.max(...lags)} ms (Date.now() resolution: 1 ms)`);
  const subs = await subscribers();
  const perSub = ((subs.with - subs.before) * 1024) / SUBSCRIBERS;
  console.log(`\n${SUBSCRIBERS} SSE subscribers on one run (orc serve in its own process): RSS ${subs.before.toFixed(1)} MB → ${subs.with.toFixed(1)} MB (${perSub.toFixed(1)} KB a subscriber); every one got its frames: ${subs.receivedAll}`);
  const fan = fanoutReport(await fanoutFigures(SMOKE));
  console.log(`\n${fan.lines.join('\n')}`);
  const c = await cron();
  console.log(`\nan every-second cron trigger, ${TICKS} ticks: fired ${c.fired.map((x) => `+${x}`).join(', ')} ms after its second; its run started +${c.started.join(', +')} ms`);
  const m = monitorReport(await monitorFigures(SMOKE));
  console.log(`\nmonitors:\n${m.lines.map((l) => `  ${l}`).join('\n')}`);
  const p95Lag = percentile(lags, 95);
  const worstCron = Math.max(...c.started);
  console.log('\ngoals (BENCHMARKS: serving over HTTP):');
  console.log(goal('POST …/runs with Prefer: wait, overhead over the in-process run (mean; called through node:http)', `${overhead.toFixed(3)} ms`, '≤ 2 ms', overhead <= 2));
  const overPeer = mean(t.ours) - mean(t.peer);
  console.log(goal('POST …/runs with Prefer: wait, overhead over a bare node:http server running it (mean, both called through node:http; HTTP itself is the limit)', `${overPeer.toFixed(3)} ms`, '≤ 0.25 ms', overPeer <= 0.25));
  console.log(goal('run event → SSE frame (p95 of live events)', `${p95Lag.toFixed(1)} ms`, '≤ 5 ms', p95Lag <= 5));
  console.log(goal(`${SUBSCRIBERS} SSE subscribers, memory a subscriber (bounded: no per-subscriber queue)`, `${perSub.toFixed(1)} KB`, '≤ 64 KB, all served', subs.receivedAll && perSub <= 64));
  console.log(goal('cron trigger fires (and starts its run) after its time, worst', `${worstCron} ms`, '≤ 1000 ms', worstCron <= 1000));
  console.log(fan.goal);
  console.log('\ngoals (BENCHMARKS: monitors in service):');
  console.log(goal("a monitor's work before a served run's response can leave (p95; its checks run after)", `${(m.inPathP95 * 1000).toFixed(1)} µs`, '≤ 0.1 ms', m.inPathP95 <= 0.1));
  console.log(goal("the crossing run's answer → its alert at the receiver (worst)", `${m.alertWorst.toFixed(1)} ms`, '≤ 1000 ms', m.alertWorst <= 1000));
  console.log(goal('checks a minute the queue keeps up with (slowest thousand), heap after GC growing by', `${m.perMinute.toLocaleString('en-US')} a minute, ${m.heapGrowth >= 0 ? '+' : ''}${m.heapGrowth.toFixed(1)} MB`, '≥ 1,000 a minute, ≤ 2 MB', m.perMinute >= 1000 && m.heapGrowth <= 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
