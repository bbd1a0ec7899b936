// A Restate server from the project's own node_modules on 127.0.0.1 (random ports, a temporary
// base dir, DO_NOT_TRACK=1), and `orc worker --restate` processes of the built CLI, for the
// durable-run tests and the bench. Each is its own process group, stopped by the caller.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');
const SERVER = path.join(REPO, 'node_modules', '.bin', 'restate-server');

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

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export { until };

async function ok(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/** Stops a process group: TERM, then KILL if it is still there. */
export async function stopGroup(child: ChildProcess | null | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-child.pid, signal);
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, 5000);
  await exited;
  clearTimeout(t);
}

export interface RestateServer {
  ingress: string;
  admin: string;
  dir: string;
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

export async function startRestate(): Promise<RestateServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-restate-'));
  const [ingressPort, adminPort, nodePort] = [await freePort(), await freePort(), await freePort()];
  const logFile = path.join(dir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(SERVER, ['--base-dir', dir, '--no-logo', '--listen-mode', 'tcp'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      DO_NOT_TRACK: '1',
      RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingressPort}`,
      RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${adminPort}`,
      RESTATE_BIND_ADDRESS: `127.0.0.1:${nodePort}`,
      RESTATE_ADVERTISED_ADDRESS: `http://127.0.0.1:${nodePort}/`,
      RESTATE_LOG_FILTER: 'warn',
    },
  });
  fs.closeSync(out);
  const server: RestateServer = {
    ingress: `http://127.0.0.1:${ingressPort}`,
    admin: `http://127.0.0.1:${adminPort}`,
    dir,
    child,
    log: () => fs.readFileSync(logFile, 'utf8'),
    async stop() {
      await stopGroup(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await until('restate-server', 60_000, async () => {
      if (child.exitCode !== null) throw new Error(`restate-server exited (${child.exitCode}): ${server.log().slice(-2000)}`);
      return (await ok(`${server.admin}/health`)) && (await ok(`${server.ingress}/restate/health`));
    });
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

export interface Worker {
  child: ChildProcess;
  output(): string;
}

/** `orc worker --restate ADMIN --listen 127.0.0.1:PORT --root ROOT`, once it has registered. */
export async function startWorker(admin: string, port: number, root: string, env: NodeJS.ProcessEnv = {}): Promise<Worker> {
  const child = spawn(process.execPath, [CLI, 'worker', '--restate', admin, '--listen', `127.0.0.1:${port}`, '--root', root], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (text += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (text += c));
  const w = { child, output: () => text };
  try {
    await until('the worker to register', 60_000, () => {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}): ${text}`);
      return /worker: serving runs at/.test(text);
    });
  } catch (e) {
    await stopGroup(child, 'SIGKILL');
    throw e;
  }
  return w;
}

export interface Client {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<number | null>;
}

/** `node dist/cli.js ARGS` in `cwd`, not waited for. */
export function startCli(args: string[], cwd: string): Client {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, done };
}

/** The lines of a file (none when it is not there). */
export function linesOf(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
