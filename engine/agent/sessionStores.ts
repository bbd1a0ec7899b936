// Which store keeps the sessions (`memory:` on an agent step), by configuration: ORC_SESSION_STORE
// unset (or `sqlite`) keeps them in `.orchestrator/sessions/` of the run's folder (sessions.ts);
// `redis://HOST:PORT[/DB]` (or `rediss://` for TLS) keeps them in Redis (redisSessions.ts), where
// the servers of `orc serve` and the workers of a queue share them; `postgres://...` (or
// `postgresql://`) keeps them in PostgreSQL (postgresSessions.ts), shared the same way. Opened for
// an agent step's run and closed after it.
import { PostgresSessionStore } from './postgresSessions';
import { RedisSessionStore, redisDisplay, SessionStoreError } from './redisSessions';
import { SqliteSessionStore, type SessionStore } from './sessions';

export const SESSION_STORE_ENV = 'ORC_SESSION_STORE';

/** The store ORC_SESSION_STORE names, for a run in `cwd`. */
export async function openSessionStore(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<SessionStore> {
  const v = env[SESSION_STORE_ENV]?.trim();
  if (!v || v === 'sqlite') return SqliteSessionStore.in(cwd);
  if (/^rediss?:\/\//i.test(v)) return RedisSessionStore.open(v);
  if (/^postgres(ql)?:\/\//i.test(v)) return PostgresSessionStore.open(v);
  throw new SessionStoreError(`${SESSION_STORE_ENV} names where sessions are kept: sqlite (the default, .orchestrator/sessions/), a Redis URL (redis://HOST:PORT[/DB], rediss:// for TLS) or a PostgreSQL one (postgres://USER:PASSWORD@HOST:PORT/DB); got '${redisDisplay(v)}'`);
}
