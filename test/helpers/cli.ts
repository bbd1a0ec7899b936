// Runs the built CLI as a user would: `node dist/cli.js ...` in a given directory.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const SHARED = path.resolve(ROOT, '..', 'shared');
export const CONFORMANCE = path.join(SHARED, 'conformance', 'contextlab-supported');

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
