import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSecretStore } from './webhook-secrets.ts';

let redis: RedisHarness;
let client: Redis;
const defaultSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

describe('WebhookSecretStore', () => {
  it('signs with the default secret until a tenant rotates', async () => {
    const store = new WebhookSecretStore({ redis: client, defaultSecret });
    expect(await store.secretsFor('acme')).toEqual([defaultSecret]);
    expect(await store.describe('acme')).toMatchObject({
      source: 'default',
      configured: true,
      previous: null,
    });
  });

  it('signs with new and old during the overlap, then only the new', async () => {
    const store = new WebhookSecretStore({ redis: client, defaultSecret, overlapMs: 1_000 });
    const t0 = new Date('2030-01-01T00:00:00Z');
    const first = await store.rotate('globex', { now: t0 });
    expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(await store.secretsFor('globex', t0)).toEqual([first.secret, defaultSecret]);
    const second = await store.rotate('globex', { now: t0 });
    expect(await store.secretsFor('globex', t0)).toEqual([second.secret, first.secret]);
    expect(await store.secretsFor('globex', new Date(t0.getTime() + 1_001))).toEqual([
      second.secret,
    ]);
    // The default secret is referred to, never copied into Redis.
    const stored = await client.hgetall('{nightshift}:tenant:acme:webhook-secret');
    expect(JSON.stringify(stored)).not.toContain(defaultSecret);
  });

  it('describes secrets without revealing them', async () => {
    const store = new WebhookSecretStore({ redis: client, defaultSecret });
    const rotated = await store.rotate('initech');
    const info = await store.describe('initech');
    expect(info.source).toBe('tenant');
    expect(info.previous?.expiresAt).toBe(rotated.previousExpiresAt);
    const text = JSON.stringify(info);
    expect(text).not.toContain(rotated.secret);
    expect(text).not.toContain(defaultSecret);
    expect(info.prefix).toBe(`${rotated.secret.slice(0, 10)}…`);
  });

  it('has nothing to sign with when no default is set and the tenant never rotated', async () => {
    const store = new WebhookSecretStore({ redis: client });
    expect(await store.secretsFor('nobody')).toEqual([]);
    expect((await store.describe('nobody')).configured).toBe(false);
  });
});
