// The terminal tool: runs a command in its own process group, captures its output, and on timeout
// or cancellation kills the command and every process it started.
import { spawn } from 'node:child_process';
import { resolveInWorkspace } from './filesystem';
import type { ToolContext, ToolDefinition, ToolOutcome } from './runtime';
import { abortError, ToolError } from './runtime';
import { TOOL_SPECS } from './specs';
import { setLongTimeout, type LongTimer } from '../util/longTimer';

/** Model providers' keys: a command gets them only when its step names them in `pass_env`. */
export const PROVIDER_KEY_VARIABLES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'];

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

/** Captured output per stream is capped; the rest is counted, not kept. */
export const MAX_CAPTURE = 10 * 1024 * 1024;

export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function execute(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (typeof p.command !== 'string' || !p.command.trim()) throw new ToolError("'command' must be a non-empty string", 'ValueError');
  const command = p.command;
  // `working_dir` is ContextLab's name for `cwd`
  const dir = typeof p.cwd === 'string' && p.cwd ? p.cwd : typeof p.working_dir === 'string' && p.working_dir ? p.working_dir : null;
  const cwd = dir ? resolveInWorkspace(dir, ctx) : ctx.cwd;
  const capture = p.capture_output !== false;
  const t0 = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env };
  const pass = Array.isArray(p.pass_env) ? p.pass_env.map(String) : [];
  for (const k of PROVIDER_KEY_VARIABLES) if (!pass.includes(k)) delete env[k];
  if (p.env && typeof p.env === 'object') for (const [k, v] of Object.entries(p.env)) env[k] = v === null || v === undefined ? '' : String(v);
  const timeoutMs = typeof p.timeout === 'number' && p.timeout > 0 ? p.timeout * 1000 : null;
  if (ctx.signal.aborted) throw abortError(ctx.signal);

  return new Promise<ToolOutcome>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', WATCHDOG, 'orc-command', String(process.pid), command], { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    let settled = false;
    let timer: LongTimer | null = null;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) timer.clear();
      ctx.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      killGroup(child.pid);
      finish(() => reject(abortError(ctx.signal)));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== null) {
      timer = setLongTimeout(() => {
        killGroup(child.pid);
        finish(() => reject(new ToolError(`Command timed out after ${p.timeout} s: ${command}`, 'TimeoutError')));
      }, timeoutMs);
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        if (capture && out[stream].length < MAX_CAPTURE) out[stream] += chunk.slice(0, MAX_CAPTURE - out[stream].length);
        ctx.output(stream, chunk);
      });
    }
    child.on('error', (e) => finish(() => reject(new ToolError(`Could not start the command: ${e.message}`, 'OSError'))));
    child.on('close', (code, signal) => {
      // the shell may exit while children it started still run: end the whole group
      killGroup(child.pid);
      finish(() => {
        const exit = code ?? (signal ? 128 : 1);
        const result = { stdout: out.stdout, stderr: out.stderr, exit_code: exit, return_code: exit, command, working_dir: dir ?? '.', execution_time: (Date.now() - t0) / 1000 };
        if (exit === 0) resolve({ success: true, result });
        else {
          const tail = out.stderr.trim().split('\n').slice(-3).join('\n');
          resolve({ success: false, result, error: `Command exited with code ${exit}${tail ? `: ${tail}` : ''}` });
        }
      });
    });
    child.stdin.on('error', () => undefined);
    if (typeof p.input === 'string') child.stdin.end(p.input);
    else child.stdin.end();
  });
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (action === 'execute') return execute(p, ctx);
  throw new ToolError(`terminal has no action '${action}'`, 'ValueError');
}

export const terminalTool: ToolDefinition = { spec: TOOL_SPECS.terminal, run, concurrency: 16 };
