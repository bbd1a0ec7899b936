// The python-executor tool: runs Python code with python3 in its own process group (the terminal
// tool's watchdog shell), in a working folder inside the workspace, without network where the
// platform allows a network namespace (`unshare -n`), and kills every process the code started on
// timeout or cancellation.
import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsc, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvePath } from './filesystem';
import { pythonExecutorSpec } from '../toolkit/specs/pythonExecutor';
import type { ToolContext, ToolDefinition, ToolOutcome } from '../toolkit/runtime';
import { abortError, ToolError } from '../toolkit/runtime';
import { commandEnv, runInProcessGroup } from './processGroup';
import { makeStateDir } from '../toolkit/stateDir';

/** Captured output per stream is capped (characters); the rest is counted, not kept. */
export const PYTHON_MAX_CAPTURE = 1024 * 1024;
const DEFAULT_TIMEOUT_S = 30;

/** How to run a command without network here: `unshare -n`, `unshare -rn` (a user namespace), or not at all. */
let isolation: string[] | null | undefined;
export function networkIsolation(): string[] | null {
  if (isolation !== undefined) return isolation;
  isolation = null;
  for (const prefix of [['unshare', '--net'], ['unshare', '--map-root-user', '--net']]) {
    const r = spawnSync(prefix[0], [...prefix.slice(1), 'true'], { stdio: 'ignore', timeout: 5000 });
    if (r.status === 0) {
      isolation = prefix;
      break;
    }
  }
  return isolation;
}

function executable(file: string): boolean {
  try {
    accessSync(file, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** python3 (or ORC_PYTHON) as an absolute path; a ConfigurationError when there is none. */
function findPython(): string {
  const named = process.env.ORC_PYTHON;
  if (named) {
    if (!executable(named)) throw new ToolError(`ORC_PYTHON is set to ${named}, which is not an executable file`, 'ConfigurationError');
    return named;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'python3');
    if (executable(candidate)) return candidate;
  }
  throw new ToolError('python3 was not found on PATH: install Python 3 (Debian/Ubuntu: apt-get install python3) or set ORC_PYTHON to a Python 3 executable', 'ConfigurationError');
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || !(rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel));
}

async function execute(p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (typeof p.code !== 'string' || !p.code.trim()) throw new ToolError("'code' must be a non-empty string of Python", 'ValueError');
  const code = p.code;
  if (p.timeout !== undefined && p.timeout !== null && (typeof p.timeout !== 'number' || !(p.timeout > 0))) throw new ToolError("'timeout' must be a positive number of seconds", 'ValueError');
  const timeoutS = typeof p.timeout === 'number' ? p.timeout : DEFAULT_TIMEOUT_S;
  const allowNetwork = p.allow_network === true;
  const capture = p.capture_output !== false;
  const python = findPython();
  if (ctx.signal.aborted) throw abortError(ctx.signal);

  // the working folder: as given (inside the workspace, not the run's state), or a fresh one
  let workDir: string;
  let shownDir: string;
  if (typeof p.working_dir === 'string' && p.working_dir) {
    workDir = resolvePath(p.working_dir, ctx, 'modify').abs;
    shownDir = p.working_dir;
    const st = await fs.stat(workDir).catch(() => null);
    if (st && !st.isDirectory()) throw new ToolError(`working_dir is not a folder: ${p.working_dir}`, 'ValueError');
    await fs.mkdir(workDir, { recursive: true });
  } else {
    const base = path.join(ctx.workspace, '.orchestrator', 'python');
    makeStateDir(base);
    workDir = await fs.mkdtemp(path.join(base, 'run-'));
    const cwd = path.resolve(ctx.cwd);
    shownDir = inside(cwd, workDir) ? path.relative(cwd, workDir) : workDir;
  }

  const env = commandEnv(p);
  env.PYTHONUNBUFFERED = '1';
  env.PYTHONDONTWRITEBYTECODE = '1';
  // modules the code keeps beside itself in its folder import as they would from a script there
  env.PYTHONPATH = env.PYTHONPATH ? `${workDir}${path.delimiter}${env.PYTHONPATH}` : workDir;

  const isolate = allowNetwork ? null : networkIsolation();
  if (!allowNetwork && !isolate) ctx.output('stderr', 'python-executor: network isolation is unavailable here (unshare -n is not permitted); the code runs with network access\n');

  // the code lives outside the workspace, in a folder of its own removed afterwards
  const scriptDir = await fs.mkdtemp(path.join(os.tmpdir(), 'orc-python-'));
  const script = path.join(scriptDir, 'main.py');
  await fs.writeFile(script, code, 'utf8');
  const command = ['exec', ...(isolate ?? []).map(quote), quote(python), '-u', quote(script)].join(' ');

  try {
    const r = await runInProcessGroup(command, {
      cwd: workDir,
      env,
      timeoutMs: timeoutS * 1000,
      timeoutMessage: `Python code timed out after ${timeoutS} s (it and every process it started were killed)`,
      what: 'python3',
      maxCapture: PYTHON_MAX_CAPTURE,
      signal: ctx.signal,
      onOutput: (stream, chunk) => ctx.output(stream, chunk),
    });
    const shown = (stream: 'stdout' | 'stderr') => (r.dropped[stream] ? `${r[stream]}\n[output truncated: ${r.dropped[stream]} more characters]` : r[stream]);
    const result = {
      stdout: capture ? shown('stdout') : '',
      stderr: capture ? shown('stderr') : '',
      return_code: r.code,
      exit_code: r.code,
      success: r.code === 0,
      execution_time: r.ms / 1000,
      working_dir: shownDir,
      network_isolated: isolate !== null,
      truncated: capture && (r.dropped.stdout > 0 || r.dropped.stderr > 0),
    };
    if (r.code === 0) return { success: true, result };
    const tail = r.stderr.trim().split('\n').slice(-5).join('\n');
    return { success: false, result, error: `Python exited with code ${r.code}${tail ? `: ${tail}` : ''}` };
  } finally {
    await fs.rm(scriptDir, { recursive: true, force: true });
  }
}

async function run(action: string, p: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  if (action === 'execute') return execute(p, ctx);
  throw new ToolError(`python-executor has no action '${action}'`, 'ValueError');
}

export const pythonExecutorTool: ToolDefinition = { spec: pythonExecutorSpec, run, concurrency: 8 };
