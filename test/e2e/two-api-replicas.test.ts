import { freePort, type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, startService } from '../support/service-process.ts';

// Two API processes on one Redis, as two replicas behind a load balancer would run.
const adminKey = 'admin-key-0123456789abcdef';
let redis: RedisHarness;
let replicas: { service: ServiceProcess; base: string }[] = [];

beforeAll(async () => {
  redis = await startRedis();
  replicas = await Promise.all(
    [0, 1].map(async () => {
      const port = await freePort();
      const service = startService('api', {
        REDIS_URL: redis.url,
        PORT: String(port),
        NIGHTSHIFT_API_KEYS: 'static:static-key',
        NIGHTSHIFT_ADMIN_KEY: adminKey,
        NIGHTSHIFT_BATCH_RATE_PER_MIN: '6',
        NIGHTSHIFT_BATCH_BURST: '3',
      });
      await service.waitForOutput(/api listening/);
      return { service, base: `http://127.0.0.1:${port}` };
    }),
  );
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.service.stop()));
  await redis.stop();
});

const replica = (i: number) => () => replicas[i] as { base: string };
const a = replica(0);
const b = replica(1);
const batch = (base: string, key: string) =>
  fetch(`${base}/v1/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ documents: [{ text: 'replica test' }] }),
  });

describe('two API processes sharing one Redis', () => {
  it('a key created on one replica works on the other, and a revocation is seen there at once', async () => {
    const created = await fetch(`${a().base}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'search-team', name: 'ci' }),
    });
    expect(created.status).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: string };
    expect((await batch(b().base, key)).status).toBe(202);

    const revoked = await fetch(`${a().base}/admin/keys/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(revoked.status).toBe(204);
    const refused = await batch(b().base, key);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  });

  it('shares one rate limit per tenant across replicas: 429 with Retry-After and RateLimit headers', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (const replica of [a, b, a, b]) {
      last = await batch(replica().base, 'static-key');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([202, 202, 202, 429]); // burst 3 in all, not 3 per replica
    expect(last?.headers.get('retry-after')).toBe('10'); // 6/min: one token every 10 s
    expect(last?.headers.get('ratelimit-limit')).toBe('3');
    expect(last?.headers.get('ratelimit-remaining')).toBe('0');
  });
});
