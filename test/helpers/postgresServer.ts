// A PostgreSQL server of the test's own: Debian's postgresql (installed on first use by
// scripts/installPostgres.mjs), a cluster made by initdb in a temporary folder with a password
// (scram-sha-256) for its user, started by pg_ctl on 127.0.0.1 and a free port, stopped by the test.
// PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user the package
// creates, and the commands run as it (runuser).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './cli';
import { freePort } from './redisServer';

let binDir: string | null = null;

export function ensurePostgres(): string {
  if (binDir) return binDir;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'installPostgres.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 });
  if (r.status !== 0) throw new Error(`Could not install PostgreSQL (scripts/installPostgres.mjs exit ${r.status ?? r.signal})`);
  const lines = r.stdout.trim().split('\n');
  binDir = (JSON.parse(lines[lines.length - 1]) as { bin: string }).bin;
  return binDir;
}

export interface PgServer {
  port: number;
  user: string;
  password: string;
  /** The URL without the password. */
  url: string;
  /** The URL with it (what a `url_env` variable holds). */
  urlWithPassword: string;
  stop(): void;
}

const asRoot = process.getuid?.() === 0;

function pgRun(bin: string, cmd: string, args: string[], timeout = 60_000): void {
  const full = path.join(bin, cmd);
  const r = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', full, ...args], { encoding: 'utf8', timeout }) : spawnSync(full, args, { encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
}

const running = new Set<() => void>();
process.once('exit', () => {
  for (const stop of running) stop();
});

export async function startPostgres(): Promise<PgServer> {
  const bin = ensurePostgres();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-pg-'));
  const data = path.join(dir, 'data');
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const user = 'orc';
  fs.writeFileSync(path.join(dir, 'pw'), password, { mode: 0o600 });
  if (asRoot) spawnSync('chown', ['-R', 'postgres', dir]);
  pgRun(bin, 'initdb', ['-D', data, '-U', user, '--auth=scram-sha-256', `--pwfile=${path.join(dir, 'pw')}`, '-E', 'UTF8', '--no-sync', '--no-instructions']);
  fs.rmSync(path.join(dir, 'pw'));
  const port = await freePort();
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  pgRun(bin, 'pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', opts, 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    running.delete(stop);
    try {
      pgRun(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  running.add(stop);
  const url = `postgres://${user}@127.0.0.1:${port}/postgres`;
  return { port, user, password, url, urlWithPassword: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`, stop };
}
