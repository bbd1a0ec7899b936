// Redis URLs (redis://[user:password@]host[:port][/db], rediss:// for TLS): the connection options
// BullMQ and ioredis take, ACL credentials included, and a display form without the password.
import IORedis, { type RedisOptions } from 'ioredis';
import { ToolError } from '../toolkit/runtime';

export interface RedisTarget {
  options: RedisOptions;
  /** The URL without its password, for messages. */
  display: string;
}

export class RedisUrlError extends Error {}

export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUrlError(`'${url.replace(/\/\/[^@/]*@/, '//***@')}' is not a Redis URL (redis://[user:password@]host[:port][/db])`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new RedisUrlError(`a Redis URL starts with redis:// or rediss://, not ${u.protocol}//`);
  if (!u.hostname) throw new RedisUrlError('the Redis URL names no host');
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText ? Number(dbText) : 0;
  if (!Number.isInteger(db) || db < 0) throw new RedisUrlError(`the Redis database '${dbText}' is not a number`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const options: RedisOptions = {
    host,
    port,
    db,
    // BullMQ's blocking connections need it; our own checks bound the waits instead
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
  };
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') options.tls = { servername: host };
  const auth = u.username || u.password ? `${u.username ? decodeURIComponent(u.username) : ''}${u.password ? ':***' : ''}@` : '';
  return { options, display: `${u.protocol}//${auth}${u.host}${db ? `/${db}` : ''}` };
}

/** Redis went away (or never answered): the step's outcome is unknown, so it fails without a retry. */
export class RedisUnavailableError extends ToolError {
  constructor(message: string) {
    super(message, 'RedisUnavailable');
  }

  override get retryable(): boolean {
    return false;
  }
}

/** Connects once, with a bounded wait, and checks Redis answers: a clear error otherwise. */
export async function checkRedis(target: RedisTarget, timeoutMs = 5000): Promise<void> {
  const client = new IORedis({ ...target.options, lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: timeoutMs, maxRetriesPerRequest: 0 });
  let cause: Error | null = null;
  client.on('error', (e: Error) => (cause ??= e)); // reported below
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    // ioredis's own error ("Connection is closed") says less than the socket's (ECONNREFUSED)
    const why = (cause ?? (e as Error)).message || String(e);
    const hint = /NOAUTH|WRONGPASS|NOPERM/.test(why) ? ' (check the user and password in the URL)' : '';
    throw new RedisUnavailableError(`Could not reach Redis at ${target.display}: ${why}${hint}`);
  } finally {
    client.disconnect();
  }
}

/** The same target as BullMQ's connection options (BullMQ makes its own connections from them). */
export function bullConnection(target: RedisTarget): import('bullmq').ConnectionOptions {
  const { host, port, db, username, password, tls, connectTimeout } = target.options;
  return { host, port, db, username, password, tls, connectTimeout, maxRetriesPerRequest: null };
}
