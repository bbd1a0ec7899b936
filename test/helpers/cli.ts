// Runs the built CLI as a user would: `node dist/cli.js ...` in a given directory.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
/** The project's own run contract: pipelines and the exact outcome of each (cases.json). */
export const BEHAVIOUR = path.join(ROOT, 'test', 'fixtures', 'behaviour');
/** Where the contract tests read their cases: the project's own, or another folder of the same
 * shape named by ORC_CONFORMANCE_DIR (scripts/conformance.mjs runs ContextLab's examples that way). */
export const CONFORMANCE = process.env.ORC_CONFORMANCE_DIR ? path.resolve(process.env.ORC_CONFORMANCE_DIR) : BEHAVIOUR;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function orc(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** This process's environment without any provider key, base URL or Ollama address: a run sees only the providers a test gives it. */
export function withoutProviderEnv(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/API_KEY|BASE_URL|OLLAMA|HF_TOKEN/.test(k)) clean[k] = v;
  return clean;
}

/** As `orc`, without blocking this process: for tests whose servers (the loopback providers) run here.
 * `isolated`: the run starts from withoutProviderEnv() rather than this process's whole environment. */
export function orcAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; isolated?: boolean } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: { ...(opts.isolated ? withoutProviderEnv() : process.env), NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
