import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedisPolicy, createRedis, RedisPolicyError } from './redis-connection.ts';

describe('checkRedisPolicy against a real Redis', () => {
  let redis: RedisHarness;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('accepts noeviction and refuses an evicting policy', async () => {
    const client = createRedis(redis.url, 'client');
    try {
      await expect(checkRedisPolicy(client)).resolves.toEqual({ policy: 'noeviction' });
      await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await expect(checkRedisPolicy(client)).rejects.toBeInstanceOf(RedisPolicyError);
    } finally {
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      client.disconnect();
    }
  });

  it('survives a crash and restart with data from the AOF', async () => {
    const client = createRedis(redis.url, 'worker');
    await client.set('kept', 'yes');
    await redis.restart();
    await expect(client.get('kept')).resolves.toBe('yes');
    client.disconnect();
  });
});
