import { createRedis } from '@nightshift/redis';
import { useRedis } from '@nightshift/testkit/redis-for-tests';
import { describe, expect, it } from 'vitest';
import { WriteBehind } from './write-behind.ts';

const db = useRedis((url) => createRedis(url, 'client'));

describe('WriteBehind', () => {
  it('writes through by default: increments of one tick share one transaction', async () => {
    const writes = new WriteBehind({ redis: db.redis });
    const before = await commandCalls('exec');
    const first = writes.add('wb:through', 'a', 1);
    const second = writes.add('wb:through', 'b', 2.5);
    expect(first).toBe(second);
    await second;
    expect(await db.redis.hgetall('wb:through')).toEqual({ a: '1', b: '2.5' });
    expect((await commandCalls('exec')) - before).toBe(1);
    // A lone counter is one command, no transaction.
    await writes.add('wb:through', 'a', 1);
    expect(await db.redis.hget('wb:through', 'a')).toBe('2');
    expect((await commandCalls('exec')) - before).toBe(1);
  });

  it('buffers: thousands of increments become one write per interval, and close() writes the rest', async () => {
    const writes = new WriteBehind({ redis: db.redis, flushMs: 200 });
    writes.expire('wb:buffered', 60);
    const before = await commandCalls('hincrbyfloat');
    for (let i = 0; i < 5_000; i++) await writes.add('wb:buffered', `f${i % 3}`, 1);
    expect(await db.redis.exists('wb:buffered')).toBe(0); // nothing written yet
    await expect.poll(() => db.redis.hget('wb:buffered', 'f0'), { timeout: 2_000 }).toBe('1667');
    expect((await commandCalls('hincrbyfloat')) - before).toBe(3);
    expect(await db.redis.ttl('wb:buffered')).toBeGreaterThan(0);
    await writes.add('wb:buffered', 'f1', 10);
    await writes.close();
    expect(await db.redis.hget('wb:buffered', 'f1')).toBe('1677');
  });

  it('keeps the increments of a failed flush and writes them once Redis is back', async () => {
    const errors: Error[] = [];
    const client = createRedis(db.harness.url, 'client', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    });
    client.on('error', () => {}); // refused connections while Redis is down are expected here
    const writes = new WriteBehind({
      redis: client,
      flushMs: 60_000,
      onError: (e) => errors.push(e),
    });
    await writes.add('wb:retry', 'n', 3);
    await db.harness.kill();
    await writes.flush();
    expect(errors.length).toBe(1);
    await writes.add('wb:retry', 'n', 4);
    await db.harness.start();
    await expect.poll(() => client.status, { timeout: 5_000 }).toBe('ready');
    await writes.close();
    expect(await client.hget('wb:retry', 'n')).toBe('7');
    client.disconnect();
  });
});

/** How many times Redis ran `command` so far (INFO commandstats). */
async function commandCalls(command: string): Promise<number> {
  const stats = await db.redis.info('commandstats');
  return Number(stats.match(new RegExp(`cmdstat_${command}:calls=(\\d+)`))?.[1] ?? 0);
}
