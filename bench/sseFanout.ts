// The SSE fan-out measure of bench/serve.bench.ts (issue 74 item 14): how much a run's audience slows
// the run. The built `orc serve` in its own process serves a pipeline whose first step waits for a
// gate file (outside the served folder, so the folder's watcher stays quiet); the run is started,
// SUBSCRIBERS SSE connections over real sockets attach to its events and each gets its first frame,
// then the gate opens and the run goes through 100 chained steps (nine in-process ones, then one that
// sleeps 50 ms, and again: some 320 events). Its duration is the run-ended event's time minus the
// gate step's step-ended time (both from the run's own events). The same run with no subscriber is
// the base; the two take turns, TRIALS each, and the medians are compared. Every subscriber must get
// the run's end. Also read: the server's and this process's CPU from the gate to the end, and event →
// frame at the last subscriber a flush writes.
// Goal: 500 subscribers add at most 10 % to the run's duration (our goal: the issue sets no number).
// `--smoke`: 50 subscribers, 20 steps, one run a side.
// `node --import tsx bench/sseFanout.ts [--smoke] [--cli PATH]` runs it alone (--cli: another build's
// dist/cli.js, e.g. the tree before a change built apart); FANOUT_TRIALS=N runs a side (default 7).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { goal, median, percentile } from './stats';

const ROOT = path.resolve(__dirname, '..');

export interface FanoutFigures {
  subscribers: number;
  /** Run durations (ms) with no subscriber and with SUBSCRIBERS, in the order measured. */
  alone: number[];
  watched: number[];
  /** The server's and the subscribers' CPU time in each run (ms), as `alone` and `watched`. */
  cpu: { alone: { server: number; readers: number }[]; watched: { server: number; readers: number }[] };
  /** Event → frame at the last of the subscribers (ms), every watched run's live events. */
  lags: number[];
  events: number;
  /** Every subscriber got every run's end. */
  allEnded: boolean;
}

const STEPS = (smoke: boolean) => (smoke ? 20 : 100);

/**
 * A gate step, then a chain of steps: nine in-process ones (no process, no model: events as fast as
 * the engine makes them) and then one that sleeps 50 ms, and again.
 */
function pipeline(gate: string, smoke: boolean): string {
  const steps = [`  - id: gate\n    tool: terminal\n    action: execute\n    parameters: {command: "while [ ! -e '${gate}' ]; do sleep 0.01; done"}`];
  for (let i = 0; i < STEPS(smoke); i++) {
    const after = `    dependencies: [${i ? `s${i - 1}` : 'gate'}]\n`;
    steps.push(i % 10 === 9 ? `  - id: s${i}\n    tool: terminal\n    action: execute\n${after}    parameters: {command: "sleep 0.05"}` : `  - id: s${i}\n    tool: data\n    action: convert\n${after}    parameters: {data: "step ${i}", format: json}`);
  }
  return `id: fanout\nsteps:\n${steps.join('\n')}\n`;
}

interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function serve(cli: string, root: string): Promise<Served> {
  const child = spawn(process.execPath, [cli, 'serve', '--root', root, '--port', '0', '--max-runs', '4'], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /^listening on (http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`orc serve exited (${code}): ${err}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

const json = async (url: string, init?: RequestInit) => (await fetch(url, init)).json() as Promise<Record<string, unknown>>;

/**
 * `n` SSE subscribers on the run, each resolved once it has its first frame; `ended` once every one
 * has the end. The last to attach (the last a flush writes) puts in `lags` each live frame's arrival
 * minus its event's time (ms).
 */
function subscribe(url: string, n: number, agent: http.Agent, lags: number[]): Promise<{ ended: Promise<boolean>; close(): void }> {
  const requests: http.ClientRequest[] = [];
  let first = 0;
  let ends = 0;
  let endedAll!: (ok: boolean) => void;
  const ended = new Promise<boolean>((r) => (endedAll = r));
  return new Promise((resolve, reject) => {
    if (n === 0) return resolve({ ended: Promise.resolve(true), close: () => undefined });
    for (let i = 0; i < n; i++) {
      const req = http.get(url, { agent }, (res) => {
        let tail = '';
        let got = false;
        let end = false;
        let text = '';
        const since = Date.now();
        res.setEncoding('utf8').on('data', (c: string) => {
          if (i === n - 1) {
            const now = Date.now();
            text += c;
            let cut: number;
            while ((cut = text.indexOf('\n\n')) >= 0) {
              const time = (JSON.parse(/^data: (.*)$/m.exec(text.slice(0, cut))?.[1] ?? '{}') as { time?: number }).time;
              text = text.slice(cut + 2);
              if (typeof time === 'number' && time > since) lags.push(now - time);
            }
          }
          if (!got) {
            got = true;
            if (++first === n) resolve({ ended, close: () => requests.forEach((r) => r.destroy()) });
          }
          // the end frame's line, whichever chunks it came in
          end ||= /\nevent: end\n/.test(tail + c);
          tail = c.slice(-16);
        });
        res.on('end', () => {
          if (end && ++ends === n) endedAll(true);
        });
        // (let go of by close() after the run: not an error)
        res.on('error', () => undefined);
      });
      req.on('error', (e) => {
        if (first < n) reject(new Error(`subscriber ${i}: ${e.message}`));
      });
      requests.push(req);
    }
  });
}

/** A process's CPU time so far (user + system, ms; /proc's ticks of 10 ms). */
const cpuOf = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

interface RunFigures {
  ms: number;
  events: number;
  ended: boolean;
  /** CPU time of the server and of this process (the subscribers) from the gate's opening to the run's end (ms). */
  serverCpu: number;
  readersCpu: number;
  /** Event → frame at the last subscriber (ms). */
  lags: number[];
}

/** One run, its gate opened once `n` subscribers are attached: its duration after the gate (ms), its event count, the CPU it took. */
async function oneRun(s: Served, gate: string, n: number, agent: http.Agent): Promise<RunFigures> {
  fs.rmSync(gate, { force: true });
  const started = await json(`${s.url}/pipelines/fanout/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const id = started.run_id as string;
  const lags: number[] = [];
  const subs = await subscribe(`${s.url}/runs/${id}/events`, n, agent, lags);
  const cpu0 = [cpuOf(s.child.pid!), process.cpuUsage()] as const;
  fs.writeFileSync(gate, '');
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    if ((await json(`${s.url}/runs/${id}`)).status !== 'running') break;
  }
  const own = process.cpuUsage(cpu0[1]);
  const serverCpu = cpuOf(s.child.pid!) - cpu0[0];
  const ended = await Promise.race([subs.ended, new Promise<boolean>((r) => setTimeout(() => r(false), 30_000).unref())]);
  subs.close();
  const text = await (await fetch(`${s.url}/runs/${id}/events`)).text();
  const events = text
    .split('\n\n')
    .map((b) => /^data: (.*)$/m.exec(b)?.[1])
    .filter((d): d is string => !!d)
    .map((d) => JSON.parse(d) as { type?: string; stepId?: string; time?: number });
  const gateEnded = events.find((e) => e.type === 'step-ended' && e.stepId === 'gate')?.time;
  const runEnded = events.find((e) => e.type === 'run-ended')?.time;
  if (gateEnded === undefined || runEnded === undefined) throw new Error(`run ${id}: no gate step-ended or run-ended event`);
  return { ms: runEnded - gateEnded, events: events.filter((e) => (e.time ?? 0) >= gateEnded).length, ended, serverCpu, readersCpu: (own.user + own.system) / 1000, lags };
}

export async function fanoutFigures(smoke: boolean, cli = path.join(ROOT, 'dist', 'cli.js')): Promise<FanoutFigures> {
  const subscribers = smoke ? 50 : 500;
  const trials = smoke ? 1 : Number(process.env.FANOUT_TRIALS ?? 7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-fanout-bench-'));
  const gates = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-fanout-gate-'));
  const gate = path.join(gates, 'go');
  fs.writeFileSync(path.join(dir, 'fanout.pipeline.yaml'), pipeline(gate, smoke));
  // a connection a subscriber: a kept-alive one from the run before may be closed by the server meanwhile
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const s = await serve(cli, dir);
  const alone: number[] = [];
  const watched: number[] = [];
  const cpu: FanoutFigures['cpu'] = { alone: [], watched: [] };
  const lags: number[] = [];
  let events = 0;
  let allEnded = true;
  try {
    await oneRun(s, gate, 0, agent); // warm-up
    for (let t = 0; t < trials; t++) {
      // the two take turns, each first in every other trial
      for (const n of t % 2 ? [subscribers, 0] : [0, subscribers]) {
        const r = await oneRun(s, gate, n, agent);
        (n ? watched : alone).push(r.ms);
        cpu[n ? 'watched' : 'alone'].push({ server: r.serverCpu, readers: r.readersCpu });
        lags.push(...r.lags);
        events = r.events;
        allEnded &&= r.ended;
      }
    }
  } finally {
    agent.destroy();
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(gates, { recursive: true, force: true });
  }
  return { subscribers, alone, watched, cpu, lags, events, allEnded };
}

/** The lines the serve bench prints, and its goal line. */
export function fanoutReport(f: FanoutFigures): { lines: string[]; ratio: number; goal: string } {
  const ratio = median(f.watched) / median(f.alone);
  return {
    ratio,
    lines: [
      `a run of ${f.events} events after its gate, with 0 and with ${f.subscribers} SSE subscribers (real sockets; orc serve in its own process), ${f.alone.length} runs each, taking turns:`,
      `  0 subscribers: ${f.alone.map((x) => x.toFixed(0)).join(', ')} ms (median ${median(f.alone).toFixed(0)})`,
      `  ${f.subscribers} subscribers: ${f.watched.map((x) => x.toFixed(0)).join(', ')} ms (median ${median(f.watched).toFixed(0)}); every subscriber got every run's end: ${f.allEnded}`,
      `  CPU from the gate to the run's end (medians): orc serve ${median(f.cpu.alone.map((c) => c.server)).toFixed(0)} ms alone, ${median(f.cpu.watched.map((c) => c.server)).toFixed(0)} ms with the subscribers; the subscribers' process ${median(f.cpu.watched.map((c) => c.readers)).toFixed(0)} ms (on the same cores)`,
      `  run event → SSE frame at the last of the ${f.subscribers} subscribers, ${f.lags.length} live events: median ${median(f.lags).toFixed(0)} ms, p95 ${percentile(f.lags, 95).toFixed(0)} ms, worst ${Math.max(...f.lags)} ms`,
      `  the run's duration with ${f.subscribers} subscribers over 0: ×${ratio.toFixed(3)}`,
    ],
    goal: goal(`${f.subscribers} SSE subscribers: the run's duration over the same run with none (median; our goal: the issue sets no number)`, `×${ratio.toFixed(3)}`, '≤ ×1.10', f.allEnded && ratio <= 1.1),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === __filename) {
  const smoke = process.argv.includes('--smoke');
  const i = process.argv.indexOf('--cli');
  fanoutFigures(smoke, i > 0 ? path.resolve(process.argv[i + 1]) : undefined)
    .then((f) => {
      const r = fanoutReport(f);
      console.log(r.lines.join('\n'));
      console.log(r.goal);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
