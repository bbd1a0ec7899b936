// Installs, on first use, the PostgreSQL server the sql tool's tests and benchmark start (Debian's
// postgresql, through apt-get; they create their own cluster in a temporary folder with initdb and
// start it on 127.0.0.1 with pg_ctl, so the package's own cluster and service are not needed).
// Prints {bin} (the folder of initdb, pg_ctl and postgres) as JSON on the last line of stdout.
// Idempotent: a second call does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB = '/usr/lib/postgresql';

function run(cmd, args, opts = {}) {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** The newest installed server's bin folder, or null. */
function found() {
  if (!existsSync(LIB)) return null;
  const versions = readdirSync(LIB).filter((v) => existsSync(path.join(LIB, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(LIB, versions[0], 'bin') : null;
}

/** The PostgreSQL server binaries: found, or installed with apt-get (as root). */
export function installPostgres() {
  if (found()) return { bin: found() };
  if (process.getuid?.() !== 0) throw new Error('The sql tests need PostgreSQL: sudo apt-get install -y postgresql');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  // the tests start their own cluster: the package's service is not started where the system allows
  run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { env: { ...env, RUNLEVEL: '1' } });
  if (!found()) throw new Error(`apt-get installed postgresql, yet no initdb is under ${LIB}`);
  return { bin: found() };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(JSON.stringify(installPostgres()));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
