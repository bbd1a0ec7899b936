// Installs, on first use, the Redis server the distributed-run tests and benchmark start (Debian's
// redis-server, through apt-get; they start it themselves on 127.0.0.1 with no persistence, so the
// package's own service is not needed). Prints the server's path as JSON on the last line of stdout.
// Idempotent: a second call does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REDIS_SERVER_CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

function run(cmd, args, opts = {}) {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** The redis-server binary: found, or installed with apt-get (as root). */
export function installRedis() {
  const found = () => REDIS_SERVER_CANDIDATES.find((p) => existsSync(p));
  if (found()) return { redisServer: found() };
  if (process.getuid?.() !== 0) throw new Error('The distributed-run tests need Redis: sudo apt-get install -y redis-server');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  // the package's own service would take port 6379; the tests start their own server, so it is
  // installed without starting it (policy-rc.d) where the system allows
  run('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { env: { ...env, RUNLEVEL: '1' } });
  if (!found()) throw new Error('apt-get installed redis-server, yet no redis-server binary is in /usr/bin');
  return { redisServer: found() };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(JSON.stringify(installRedis()));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
