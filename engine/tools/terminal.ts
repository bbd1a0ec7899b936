// The terminal tool: runs a command in its own process group, captures its output, and on timeout
// or cancellation kills the command and every process it started.
import { resolveInWorkspace } from './filesystem';
import { commandEnv, runInProcessGroup } from './processGroup';
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { ToolError } from '../toolkit/runtime';
import { TOOL_SPECS } from '../toolkit/toolSpecs';

export { killGroup, WATCHDOG } from './processGroup';

/** Captured output per stream is capped; the rest is counted, not kept. */
export const MAX_CAPTURE = 10 * 1024 * 1024;

async function execute(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (typeof p.command !== 'string' || !p.command.trim()) throw new ToolError("'command' must be a non-empty string", 'ValueError');
  const command = p.command;
  // `working_dir` is ContextLab's name for `cwd`
  const dir = typeof p.cwd === 'string' && p.cwd ? p.cwd : typeof p.working_dir === 'string' && p.working_dir ? p.working_dir : null;
  const cwd = dir ? resolveInWorkspace(dir, ctx) : ctx.cwd;
  const capture = p.capture_output !== false;
  const timeoutMs = typeof p.timeout === 'number' && p.timeout > 0 ? p.timeout * 1000 : null;
  const r = await runInProcessGroup(command, {
    cwd,
    env: commandEnv(p),
    input: typeof p.input === 'string' ? p.input : '',
    timeoutMs,
    timeoutMessage: `Command timed out after ${p.timeout} s: ${command}`,
    what: 'the command',
    maxCapture: MAX_CAPTURE,
    capture,
    signal: ctx.signal,
    onOutput: (stream, chunk) => ctx.output(stream, chunk),
  });
  // output past the cap is marked where it was cut, and the result says so (as python-executor's)
  const shown = (stream: 'stdout' | 'stderr') => (r.dropped[stream] ? `${r[stream]}\n[output truncated: ${r.dropped[stream]} more characters]` : r[stream]);
  const truncated = r.dropped.stdout > 0 || r.dropped.stderr > 0;
  const result = { stdout: shown('stdout'), stderr: shown('stderr'), exit_code: r.code, return_code: r.code, command, working_dir: dir ?? '.', execution_time: r.ms / 1000, ...(truncated ? { truncated: true } : {}) };
  if (r.code === 0) return { success: true, result };
  const tail = r.stderr.trim().split('\n').slice(-3).join('\n');
  return { success: false, result, error: `Command exited with code ${r.code}${tail ? `: ${tail}` : ''}` };
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (action === 'execute') return execute(p, ctx);
  throw new ToolError(`terminal has no action '${action}'`, 'ValueError');
}

export const terminalTool: ToolDefinition = { spec: TOOL_SPECS.terminal, run, concurrency: 16 };
