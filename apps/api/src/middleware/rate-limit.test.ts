import { keyPrefix } from '@nightshift/core';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimit } from './rate-limit.ts';
import type { TenantVariables } from './tenant-auth.ts';

// Each replica admits a call with tokens to spare on its own recent view of the shared bucket
// and takes the token in the background; these tests hold it to the one shared bucket.

let redis: RedisHarness;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

/** One API replica: its own rate-limit middleware (its own views), the shared Redis. */
function replica(name: string, limit: { ratePerMin: number; burst: number }) {
  const app = new Hono<{ Variables: TenantVariables }>();
  app.use(async (c, next) => {
    c.set('tenant', c.req.header('x-tenant') ?? 'acme');
    await next();
  });
  app.use(rateLimit({ redis: client, name, ...limit }));
  app.get('/', (c) => c.text('ok'));
  return async (tenant = 'acme'): Promise<Response> =>
    await app.request('/', { headers: { 'x-tenant': tenant } });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('the hot rate limit across replicas', () => {
  it('admits exactly the burst over two replicas called in turn, then refuses with Retry-After', async () => {
    const [a, b] = [
      replica('turns', { ratePerMin: 1, burst: 5 }),
      replica('turns', { ratePerMin: 1, burst: 5 }),
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const answer = await (i % 2 ? b : a)();
      statuses.push(answer.status);
      if (answer.status === 429)
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      await settle();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.slice(5)).toEqual(Array(7).fill(429));
  });

  it('counts every call admitted on a view in the shared bucket: a concurrent burst runs over by at most one call per replica, and the debt is repaid by refusals', async () => {
    const limit = { ratePerMin: 1, burst: 10 };
    const [a, b] = [replica('burst', limit), replica('burst', limit)];
    // Each replica learns the bucket (one call each), then both fire 20 calls at once.
    expect((await a()).status).toBe(200);
    expect((await b()).status).toBe(200);
    await settle();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? b : a)().then((r) => r.status)),
    );
    const admitted = 2 + answers.filter((s) => s === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(limit.burst);
    expect(admitted).toBeLessThanOrEqual(limit.burst + 2);
    await settle();
    const bucket = await client.hget(`${keyPrefix}:ratelimit:burst:acme`, 'tokens');
    // Every admitted call took its token: the bucket holds the burst less what was admitted.
    expect(Number(bucket)).toBeCloseTo(limit.burst - admitted, 0);
    expect((await a()).status).toBe(429);
    expect((await b()).status).toBe(429);
  });

  it('keeps tenants apart', async () => {
    const one = replica('apart', { ratePerMin: 1, burst: 2 });
    expect([(await one('t1')).status, (await one('t1')).status, (await one('t1')).status]).toEqual([
      200, 200, 429,
    ]);
    expect((await one('t2')).status).toBe(200);
  });
});
