import { keyPrefix } from '@nightshift/core';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { until } from '@nightshift/testkit/until';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InteractiveTraffic } from './interactive-traffic.ts';

const leasesKey = `${keyPrefix}:interactive:leases`;
const modelsKey = `${keyPrefix}:interactive:models`;
const t0 = Date.parse('2026-11-27T23:00:00Z');

let redis: RedisHarness;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
});
beforeEach(async () => {
  await client.flushall();
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

describe('interactive calls in flight', () => {
  it('counts the calls of every API replica until each one ends', async () => {
    const other = createRedis(redis.url, 'client');
    try {
      const replicaA = new InteractiveTraffic({ redis: client, now: () => t0 });
      const replicaB = new InteractiveTraffic({ redis: other, now: () => t0 });
      expect(await replicaA.inFlight()).toBe(0);
      const first = await replicaA.begin('qwen3:32b');
      const second = await replicaB.begin('qwen3:32b');
      const third = await replicaB.begin('qwen2:7b');
      expect(await replicaA.inFlight()).toBe(3);
      expect(first.model).toBe('qwen3:32b');

      await second.end();
      expect(await replicaA.inFlight()).toBe(2);
      // Ending twice is one end: the other calls stay counted.
      expect(second.end()).toBe(second.end());
      await second.end();
      expect(await replicaB.inFlight()).toBe(2);

      await Promise.all([first.end(), third.end()]);
      expect(await replicaA.inFlight()).toBe(0);
      expect(await client.exists(leasesKey)).toBe(0);
    } finally {
      other.disconnect();
    }
  });

  it('lets a crashed replica’s lease lapse after leaseMs, and the next call prunes it', async () => {
    let now = t0;
    const replica = createRedis(redis.url, 'client');
    const crashing = new InteractiveTraffic({ redis: replica, leaseMs: 30_000, now: () => now });
    const survivor = new InteractiveTraffic({ redis: client, leaseMs: 30_000, now: () => now });
    const orphan = await crashing.begin('qwen3:32b');
    replica.disconnect(); // the replica dies mid-call: no renewal, no end() ever reaches Redis

    expect(await survivor.inFlight({ now: t0 + 29_999 })).toBe(1);
    expect(await survivor.inFlight({ now: t0 + 30_000 })).toBe(0);

    now = t0 + 30_000;
    const fresh = await survivor.begin('qwen2:7b');
    expect(await client.zrange(leasesKey, 0, -1)).toHaveLength(1); // the orphan is gone
    expect(await survivor.inFlight()).toBe(1);
    await fresh.end();
    await expect(orphan.end()).rejects.toThrow();
  });

  it('renews the lease of a call that runs past leaseMs, and never after it ended', async () => {
    let now = t0;
    const traffic = new InteractiveTraffic({ redis: client, leaseMs: 300, now: () => now });
    const lease = await traffic.begin('qwen3:32b');
    expect(Number(await client.zrange(leasesKey, 0, -1, 'WITHSCORES').then((r) => r[1]))).toBe(
      t0 + 300,
    );

    // A long streamed answer: the clock passes the first expiry while the call still runs.
    now = t0 + 60_000;
    await until(
      async () => Number((await client.zrange(leasesKey, 0, -1, 'WITHSCORES'))[1]) === now + 300,
      5_000,
      'the lease renewed on the later clock',
    );
    expect(await traffic.inFlight()).toBe(1);
    expect(await client.hget(modelsKey, 'qwen3:32b')).toBe(String(now));

    await lease.end();
    now = t0 + 120_000;
    // Several renewal periods pass after the end: no renewal puts the lease back.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await client.exists(leasesKey)).toBe(0);
    expect(await traffic.inFlight()).toBe(0);
  });

  it('counts a call only for the server it runs on; a call naming no server counts for all', async () => {
    const traffic = new InteractiveTraffic({ redis: client, now: () => t0 });
    const onA = await traffic.begin('qwen3:32b', { server: 'http://GPU-a:11434' });
    const onB = await traffic.begin('qwen2:7b', { server: 'http://gpu-b:8000/v1' });
    // Ollama's OpenAI layer (`/v1`) and its native host are one server.
    expect(await traffic.inFlight({ servers: ['http://gpu-a:11434/v1'] })).toBe(1);
    expect(await traffic.inFlight({ servers: ['http://gpu-b:8000'] })).toBe(1);
    expect(await traffic.inFlight({ servers: ['http://gpu-a:11434', 'http://gpu-b:8000'] })).toBe(
      2,
    );
    expect(await traffic.inFlight({ servers: ['http://gpu-c:11434'] })).toBe(0);
    expect(await traffic.inFlight({ servers: [] })).toBe(0);
    expect(await traffic.inFlight()).toBe(2);
    const anywhere = await traffic.begin('qwen2:7b');
    expect(await traffic.inFlight({ servers: ['http://gpu-c:11434'] })).toBe(1);
    await Promise.all([onA.end(), onB.end(), anywhere.end()]);
    expect(await traffic.inFlight({ servers: ['http://gpu-a:11434'] })).toBe(0);
  });

  it('ends a lease the moment its call’s signal aborts, whoever still holds it', async () => {
    const traffic = new InteractiveTraffic({ redis: client, leaseMs: 300 });
    const caller = new AbortController();
    const lease = await traffic.begin('qwen3:32b', { signal: caller.signal });
    expect(await traffic.inFlight()).toBe(1);
    caller.abort(); // the holder never calls end() (stuck on an upstream that ignores aborts)
    await until(async () => (await traffic.inFlight()) === 0, 200, 'lease ended on abort');
    // Several renewal periods later it is still gone, and a late end() is the same end.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await client.exists(leasesKey)).toBe(0);
    await lease.end();
    const gone = new AbortController();
    gone.abort();
    await traffic.begin('qwen3:32b', { signal: gone.signal });
    await until(async () => (await traffic.inFlight()) === 0, 200, 'an aborted call holds nothing');
  });

  it('refuses a call without a model name', async () => {
    const traffic = new InteractiveTraffic({ redis: client });
    await expect(traffic.begin('')).rejects.toThrow();
    expect(await traffic.inFlight()).toBe(0);
  });
});

describe('models that served interactive calls', () => {
  it('answers the models used within the given time, the end of a call counting as a use', async () => {
    let now = t0;
    const traffic = new InteractiveTraffic({ redis: client, now: () => now });
    const early = await traffic.begin('qwen2:7b');
    await early.end();
    now = t0 + 10 * 60_000;
    const chat = await traffic.begin('qwen3:32b');
    now = t0 + 40 * 60_000;
    await chat.end(); // a 30-minute chat: it served until its end

    const halfHour = 30 * 60_000;
    expect(await traffic.recentModels(halfHour)).toEqual(['qwen3:32b']);
    expect(await traffic.recentModels(halfHour + 10 * 60_000)).toEqual(['qwen2:7b', 'qwen3:32b']);
    expect(await traffic.recentModels(halfHour, t0 + 80 * 60_000)).toEqual([]);
  });

  it('never moves a model’s time back when a replica’s clock runs behind', async () => {
    const ahead = new InteractiveTraffic({ redis: client, now: () => t0 + 5_000 });
    const behind = new InteractiveTraffic({ redis: client, now: () => t0 });
    await (await ahead.begin('qwen3:32b')).end();
    await (await behind.begin('qwen3:32b')).end();
    expect(await client.hget(modelsKey, 'qwen3:32b')).toBe(String(t0 + 5_000));
  });

  it('forgets models unused for forgetModelsAfterMs, and entries that are not a time', async () => {
    let now = t0;
    const traffic = new InteractiveTraffic({
      redis: client,
      forgetModelsAfterMs: 3_600_000,
      now: () => now,
    });
    await (await traffic.begin('retired-model')).end();
    await client.hset(modelsKey, 'garbage', 'not-a-time');
    now = t0 + 3_600_001;
    await (await traffic.begin('qwen3:32b')).end();

    expect(await traffic.recentModels(60_000)).toEqual(['qwen3:32b']);
    expect(Object.keys(await client.hgetall(modelsKey))).toEqual(['qwen3:32b']);
  });
});
