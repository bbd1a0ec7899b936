// The build the benchmarks that start `node dist/cli.js` stand on. A full run always builds; at
// `--smoke` size (where the build would be most of the bench's seconds, and `npm test` has just
// built) it builds only when dist/cli.js is older than a file it is built from.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The newest modification time under `p` (a file or a folder), ms; 0 when it does not exist. */
function newest(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of fs.readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

/** Whether dist/cli.js is at least as new as the engine, the build script, its plugins and the installed packages. */
export function cliIsFresh(): boolean {
  const built = newest(path.join(ROOT, 'dist', 'cli.js'));
  if (!built) return false;
  const inputs = ['engine', 'esbuild.mjs', 'scripts', 'package-lock.json', 'node_modules/.package-lock.json'];
  return inputs.every((i) => newest(path.join(ROOT, i)) <= built);
}

/** Runs `node esbuild.mjs` (at `--smoke` size only when dist/cli.js is stale); true when dist/ is built. */
export function build(smoke: boolean): boolean {
  if (smoke && cliIsFresh()) return true;
  return spawnSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' }).status === 0;
}
