// Redis URLs of distributed runs: ACL credentials, database, TLS, and messages that never show the password.
import { strict as assert } from 'node:assert';
import { parseRedisUrl, RedisUrlError } from '../../../engine/distributed/connection';
import { attemptId, stepDigest, checkQueueName, wireStep } from '../../../engine/distributed/protocol';
import type { Step } from '../../../engine/spec/types';

describe('distributed: Redis URLs and job identity', () => {
  it('a plain URL: host, default port and database', () => {
    const t = parseRedisUrl('redis://127.0.0.1');
    assert.deepEqual([t.options.host, t.options.port, t.options.db, t.options.username, t.options.password, t.options.tls], ['127.0.0.1', 6379, 0, undefined, undefined, undefined]);
    assert.equal(t.display, 'redis://127.0.0.1');
  });

  it('ACL credentials, a database and TLS; the display form hides the password', () => {
    const t = parseRedisUrl('rediss://team%40a:p%3Ass%2Fw0rd@redis.example.com:6380/3');
    assert.deepEqual([t.options.host, t.options.port, t.options.db, t.options.username, t.options.password], ['redis.example.com', 6380, 3, 'team@a', 'p:ss/w0rd']);
    assert.deepEqual(t.options.tls, { servername: 'redis.example.com' });
    assert.equal(t.display, 'rediss://team@a:***@redis.example.com:6380/3');
    assert.ok(!t.display.includes('p:ss/w0rd'));
  });

  it('a password alone (requirepass)', () => {
    const t = parseRedisUrl('redis://:hunter2hunter2@localhost:7000');
    assert.deepEqual([t.options.username, t.options.password, t.display], [undefined, 'hunter2hunter2', 'redis://:***@localhost:7000']);
  });

  it('refuses what is not a Redis URL, without echoing a password', () => {
    assert.throws(() => parseRedisUrl('http://localhost:6379'), (e: unknown) => e instanceof RedisUrlError && e.message === 'a Redis URL starts with redis:// or rediss://, not http://');
    assert.throws(() => parseRedisUrl('redis://localhost/x'), /the Redis database 'x' is not a number/);
    assert.throws(() => parseRedisUrl('not a url //user:secretpass@'), (e: unknown) => e instanceof RedisUrlError && !e.message.includes('secretpass'));
  });

  it('attempt ids: one per run, step key and attempt, with no ":" (BullMQ refuses it in ids)', () => {
    assert.equal(attemptId('20260101-000000-abcdef', 'loop[2]/step', 3), '20260101-000000-abcdef|loop[2]/step|3');
    assert.equal(attemptId('r', 'a:b', 1), 'r|a%3Ab|1');
  });

  it('the step digest changes with the step and with the pipeline hash', () => {
    const step = { id: 's', parameters: { a: 1 } } as unknown as Step;
    const d = stepDigest('h1', step);
    assert.equal(d, stepDigest('h1', JSON.parse(JSON.stringify(step))));
    assert.notEqual(d, stepDigest('h2', step));
    assert.notEqual(d, stepDigest('h1', { ...step, parameters: { a: 2 } } as unknown as Step));
    // the job carries the step without its mapping as written, and the worker checks what it got
    const compiled = { ...step, raw: { id: 's', parameters: { a: 1 } } } as unknown as Step;
    assert.deepEqual(wireStep(compiled), step);
    assert.equal(stepDigest('h1', compiled), d);
  });

  it('queue names', () => {
    assert.equal(checkQueueName('team-a.steps_1'), null);
    assert.equal(checkQueueName('a b'), "the queue name 'a b' may use only letters, digits, '_', '.' and '-' (at most 100)");
  });
});
