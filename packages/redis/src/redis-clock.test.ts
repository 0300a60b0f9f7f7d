import { useRedis } from '@nightshift/testkit/redis-for-tests';
import { describe, expect, it } from 'vitest';
import { RedisClock } from './redis-clock.ts';
import { createRedis } from './redis-connection.ts';

const db = useRedis((url) => createRedis(url, 'client'));

const redisNow = async () => {
  const [seconds, micros] = await db.redis.time();
  return Number(seconds) * 1000 + Number(micros) / 1000;
};

describe('RedisClock', () => {
  it('reads nothing until it has measured, then the Redis clock from its own', async () => {
    const clock = new RedisClock({ redis: db.redis });
    expect(clock.now()).toBeUndefined();
    await clock.synced();
    const before = await redisNow();
    const read = clock.now() as number;
    const after = await redisNow();
    // Within the round trips around it (and a millisecond of rounding).
    expect(read).toBeGreaterThanOrEqual(before - 1);
    expect(read).toBeLessThanOrEqual(after + 1);
  });

  it('advances with this process’s monotonic clock between measurements', async () => {
    const clock = new RedisClock({ redis: db.redis, resyncMs: 60_000 });
    await clock.synced();
    const first = clock.now() as number;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = clock.now() as number;
    expect(second - first).toBeGreaterThanOrEqual(45);
    expect(second - first).toBeLessThan(1_000);
  });
});
