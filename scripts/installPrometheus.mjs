// Installs, on first use, the Prometheus server the metrics tests start (Debian's `prometheus`,
// through apt-get; the tests start it themselves on 127.0.0.1 with a config in a temporary folder,
// so the package's own service is not needed). Prints the server's path as JSON on the last line of
// stdout. Idempotent: a second call does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROMETHEUS_CANDIDATES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];

function run(cmd, args, opts = {}) {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** The prometheus binary: found, or installed with apt-get (as root). */
export function installPrometheus() {
  const found = () => PROMETHEUS_CANDIDATES.find((p) => existsSync(p));
  if (found()) return { prometheus: found() };
  if (process.getuid?.() !== 0) throw new Error('The metrics tests need Prometheus: sudo apt-get install -y prometheus');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  // the package's own service would take port 9090; the tests start their own server
  run('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], { env: { ...env, RUNLEVEL: '1' } });
  if (!found()) throw new Error('apt-get installed prometheus, yet no prometheus binary is in /usr/bin');
  return { prometheus: found() };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(JSON.stringify(installPrometheus()));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
