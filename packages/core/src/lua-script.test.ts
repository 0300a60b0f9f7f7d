import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaScript } from './lua-script.ts';
import { createRedis } from './queue-topology.ts';

describe('LuaScript', () => {
  let redis: RedisHarness;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('runs by SHA and recovers from an empty script cache', async () => {
    const client = createRedis(redis.url, 'worker');
    const bump = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    expect(await bump.run(client, ['n'], [2])).toBe(2); // NOSCRIPT → EVAL
    expect(await client.script('EXISTS', bump.sha)).toEqual([1]);
    expect(await bump.run(client, ['n'], [3])).toBe(5); // EVALSHA
    await client.script('FLUSH');
    expect(await bump.run(client, ['n'], [1])).toBe(6);
    client.disconnect();
  });
});
