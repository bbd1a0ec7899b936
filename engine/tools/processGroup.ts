// Running a shell command in its own process group, as the terminal and python-executor tools do:
// the command runs under a watchdog shell, its output is captured up to a cap, and on timeout or
// cancellation it and every process it started are killed.
import { spawn } from 'node:child_process';
import { abortError, ToolError } from '../toolkit/runtime';
import { isServerSecret, isWithheldVariable } from '../toolkit/providerKeys';
import { setLongTimeout, type LongTimer } from '../util/longTimer';
import { killWithToken, newStepToken, STEP_TOKEN_VARIABLE } from '../util/stepProcesses';

/** How long output may still come after the command's shell exits, before what holds it is killed. */
const LINGER_MS = 200;

/**
 * The shell a command runs under, in its own process group: it runs the command, and a watchdog
 * beside it checks every second that the run's process is alive. When the run dies without
 * cleaning up (`kill -9`, a crash), the watchdog kills the whole group, so no command the run
 * started outlives it. ($1: the run's pid, $2: the command; `orc-command` as $0 lets a resumed run
 * find groups a dead run left: engine/run/leftovers.ts.)
 */
export const WATCHDOG = [
  '( while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -KILL 0 ) </dev/null >/dev/null 2>&1 &',
  'orc_watchdog=$!',
  '/bin/sh -c "$2"',
  'orc_code=$?',
  'kill "$orc_watchdog" 2>/dev/null',
  'exit $orc_code',
].join('\n');

export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * The environment a step's command runs with: this process's, without the providers' keys and the
 * OTLP exporters' credentials the step does not name in `pass_env`, and never with the server's own
 * tokens (ORC_SERVE_TOKENS), plus the step's `env` (null and undefined become '').
 */
export function commandEnv(p: Record<string, unknown>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const pass = Array.isArray(p.pass_env) ? p.pass_env.map(String) : [];
  for (const k of Object.keys(env)) if (isWithheldVariable(k) && (isServerSecret(k) || !pass.includes(k))) delete env[k];
  if (p.env && typeof p.env === 'object') for (const [k, v] of Object.entries(p.env)) env[k] = v === null || v === undefined ? '' : String(v);
  return env;
}

export interface ProcessGroupOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to the command's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** No timeout when null. */
  timeoutMs: number | null;
  /** The TimeoutError's message. */
  timeoutMessage: string;
  /** What failed to start, in "Could not start <what>: <reason>" (an OSError). */
  what: string;
  /** Characters kept per stream; the rest is counted in `dropped`. */
  maxCapture: number;
  /** False: output is only passed to onOutput, not kept. */
  capture?: boolean;
  signal: AbortSignal;
  onOutput: (stream: 'stdout' | 'stderr', chunk: string) => void;
}

export interface ProcessGroupResult {
  /** The exit code; 128 when a signal ended the shell, 1 when neither is known. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Characters beyond maxCapture, per stream. */
  dropped: { stdout: number; stderr: number };
  /** Whole milliseconds from start to exit. */
  ms: number;
}

/**
 * Runs `command` with /bin/sh under the WATCHDOG in a process group of its own. Resolves when it
 * exits (whatever the code); rejects with the signal's reason when cancelled or with a
 * TimeoutError when it runs too long, after killing the whole group.
 */
export function runInProcessGroup(command: string, o: ProcessGroupOptions): Promise<ProcessGroupResult> {
  if (o.signal.aborted) return Promise.reject(abortError(o.signal));
  const capture = o.capture !== false;
  return new Promise<ProcessGroupResult>((resolve, reject) => {
    const started = performance.now();
    const stdin = o.input === undefined ? 'ignore' : 'pipe';
    // every process the command starts inherits the token, in whatever session or group it ends up
    const token = newStepToken();
    const child = spawn('/bin/sh', ['-c', WATCHDOG, 'orc-command', String(process.pid), command], { cwd: o.cwd, env: { ...o.env, [STEP_TOKEN_VARIABLE]: token }, detached: true, stdio: [stdin, 'pipe', 'pipe'] });
    /** Kills the group and every process holding the token, and stops reading their output: nothing is waited on after the step. */
    const endAll = () => {
      killGroup(child.pid);
      killWithToken(token);
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    let lingering: NodeJS.Timeout | null = null;
    const out = { stdout: '', stderr: '' };
    const dropped = { stdout: 0, stderr: 0 };
    let settled = false;
    let timer: LongTimer | null = null;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) timer.clear();
      if (lingering) clearTimeout(lingering);
      o.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      endAll();
      finish(() => reject(abortError(o.signal)));
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    if (o.timeoutMs !== null) {
      timer = setLongTimeout(() => {
        endAll();
        finish(() => reject(new ToolError(o.timeoutMessage, 'TimeoutError')));
      }, o.timeoutMs);
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]!.setEncoding('utf8');
      child[stream]!.on('data', (chunk: string) => {
        if (capture) {
          const room = o.maxCapture - out[stream].length;
          if (room >= chunk.length) out[stream] += chunk;
          else {
            if (room > 0) out[stream] += chunk.slice(0, room);
            dropped[stream] += chunk.length - Math.max(room, 0);
          }
        }
        o.onOutput(stream, chunk);
      });
    }
    child.on('error', (e) => finish(() => reject(new ToolError(`Could not start ${o.what}: ${e.message}`, 'OSError'))));
    child.on('exit', (code, signal) => {
      // the shell is done; a process that left its group may still hold the output open: not waited on
      lingering = setTimeout(() => {
        endAll();
        finish(() => resolve({ code: code ?? (signal ? 128 : 1), signal, stdout: out.stdout, stderr: out.stderr, dropped, ms: Math.round(performance.now() - started) }));
      }, LINGER_MS);
    });
    child.on('close', (code, signal) => {
      // the shell may exit while processes it started still run: end the whole group
      killGroup(child.pid);
      finish(() => resolve({ code: code ?? (signal ? 128 : 1), signal, stdout: out.stdout, stderr: out.stderr, dropped, ms: Math.round(performance.now() - started) }));
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      if (o.input) child.stdin.end(o.input);
      else child.stdin.end();
    }
  });
}
