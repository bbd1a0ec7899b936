// A Prometheus server of the test's own: Debian's prometheus (installed on first use by
// scripts/installPrometheus.mjs), on 127.0.0.1 and a free port, with its config and its data in a
// temporary folder, scraping the targets the test names every second; stopped by pid. Figures are
// read back through its HTTP query API, as a dashboard would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './cli';
import { freePort } from './redisServer';

let binary: string | null = null;

/** The prometheus binary, installed when missing. */
export function ensurePrometheus(): string {
  if (binary) return binary;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'installPrometheus.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  if (r.status !== 0) throw new Error(`Could not install prometheus (scripts/installPrometheus.mjs exit ${r.status ?? r.signal})`);
  const lines = r.stdout.trim().split('\n');
  binary = (JSON.parse(lines[lines.length - 1]) as { prometheus: string }).prometheus;
  return binary;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export class PrometheusServer {
  log = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly dir: string,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.log += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.log += c));
  }

  /** Starts a server scraping `targets` (host:port) every second under the job `job`, and waits until it is ready. */
  static async start(targets: string[], job = 'orc'): Promise<PrometheusServer> {
    const bin = ensurePrometheus();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-prom-'));
    const config = ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs:', `  - job_name: ${job}`, '    static_configs:', `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`, ''].join('\n');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    const child = spawn(bin, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new PrometheusServer(child, `http://127.0.0.1:${port}`, dir);
    const t0 = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${p.log}`);
      try {
        if ((await fetch(`${p.url}/-/ready`)).ok) return p;
      } catch {
        // not listening yet
      }
      if (Date.now() - t0 > 30_000) {
        await p.stop();
        throw new Error(`prometheus did not become ready: ${p.log}`);
      }
      await sleep(100);
    }
  }

  /** An instant query's vector. */
  async query(q: string): Promise<Sample[]> {
    const r = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await r.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`query ${q}: ${body.error}`);
    return body.data!.result.map((x) => ({ metric: x.metric, value: Number(x.value[1]) }));
  }

  /** Polls a query until `ok` holds of its result (a scrape a second), or returns the last result after `ms`. */
  async until(q: string, ok: (s: Sample[]) => boolean, ms = 15_000): Promise<Sample[]> {
    const t0 = Date.now();
    let last: Sample[] = [];
    while (Date.now() - t0 < ms) {
      last = await this.query(q);
      if (ok(last)) return last;
      await sleep(250);
    }
    return last;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
