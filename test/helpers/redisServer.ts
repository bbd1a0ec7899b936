// A Redis server of the test's own: Debian's redis-server (installed on first use by
// scripts/installRedis.mjs), on 127.0.0.1 and a free port, without persistence; stopped by pid.
// Also the `orc worker` processes the distributed tests start, with their logs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { CLI, ROOT } from './cli';

let redisBinary: string | null = null;

/** Servers and workers still running when this process exits (an error, a mocha bail) go with it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
function track(c: ChildProcess): ChildProcess {
  running.add(c);
  c.once('exit', () => running.delete(c));
  return c;
}

/** The redis-server binary, installed when missing. */
export function ensureRedisServer(): string {
  if (redisBinary) return redisBinary;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'installRedis.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  if (r.status !== 0) throw new Error(`Could not install redis-server (scripts/installRedis.mjs exit ${r.status ?? r.signal})`);
  const lines = r.stdout.trim().split('\n');
  redisBinary = (JSON.parse(lines[lines.length - 1]) as { redisServer: string }).redisServer;
  return redisBinary;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether something answers PING on the port. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (v: boolean) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

export class RedisServer {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(): Promise<RedisServer> {
    const s = new RedisServer(await freePort());
    await s.startAgain();
    return s;
  }

  /** Starts the server (again) on its port, empty. */
  async startAgain(): Promise<void> {
    const bin = ensureRedisServer();
    this.child = track(spawn(bin, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' }));
    const t0 = Date.now();
    while (!(await pong(this.port))) {
      if (Date.now() - t0 > 10_000) throw new Error(`redis-server did not answer on port ${this.port}`);
      await sleep(50);
    }
  }

  /** Stops it (SIGKILL by pid) and waits until it is gone. */
  async stop(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }
}

/**
 * Waits until the workers' logs, together, have `count` matches of `what`, then a moment more for
 * any line beyond it (a worker writes its step lines in batches), and returns the counts by worker.
 */
export async function countInLogs(workers: WorkerProcess[], what: RegExp, count: number, ms = 5000): Promise<number[]> {
  const counts = () => workers.map((w) => (w.log.match(new RegExp(what.source, 'g')) ?? []).length);
  const t0 = Date.now();
  while (counts().reduce((a, b) => a + b, 0) < count && Date.now() - t0 < ms) await sleep(20);
  await sleep(150);
  return counts();
}

/** Waits until one of the workers' logs says `what` (no pause after it: nothing is counted); false after `ms`. */
export async function someWorkerSays(workers: WorkerProcess[], what: RegExp, ms = 5000): Promise<boolean> {
  const t0 = Date.now();
  while (!workers.some((w) => what.test(w.log))) {
    if (Date.now() - t0 > ms) return false;
    await sleep(20);
  }
  return true;
}

/** An `orc worker` process and what it has logged. */
export class WorkerProcess {
  log = '';
  readonly exited: Promise<number | null>;
  private constructor(readonly child: ChildProcess) {
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.log += c));
    child.stdout!.resume();
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts a worker and waits until it listens. */
  static async start(url: string, opts: { cwd: string; root?: string; concurrency?: number; queue?: string; env?: NodeJS.ProcessEnv; nodeOptions?: string[]; extraArgs?: string[] }): Promise<WorkerProcess> {
    const args = [CLI, 'worker', '--redis', url, ...(opts.extraArgs ?? [])];
    if (opts.root) args.push('--root', opts.root);
    if (opts.concurrency) args.push('--concurrency', String(opts.concurrency));
    if (opts.queue) args.push('--queue', opts.queue);
    const w = new WorkerProcess(track(spawn(process.execPath, [...(opts.nodeOptions ?? []), ...args], { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })));
    const t0 = Date.now();
    while (!w.log.includes('takes steps from queue')) {
      // 60 s: a smoke bench starts workers at nice 10 beside the tests, and at load 16 one took over 15
      if (w.child.exitCode !== null || Date.now() - t0 > 60_000) {
        await w.kill();
        throw new Error(`the worker did not start: ${w.log}`);
      }
      await sleep(20);
    }
    return w;
  }

  /** Waits until the log says `what` (a worker writes its step lines in batches, 50 ms apart); false after `ms`. */
  async says(what: RegExp, ms = 5000): Promise<boolean> {
    const t0 = Date.now();
    while (!what.test(this.log)) {
      if (Date.now() - t0 > ms) return false;
      await sleep(20);
    }
    return true;
  }

  /** Kills it (SIGKILL by pid) and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
