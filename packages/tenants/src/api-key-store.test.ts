import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from './api-key-material.ts';
import { ApiKeyStore, InvalidApiKeyInput } from './api-key-store.ts';

let harness: RedisHarness;
let a: Redis;
let b: Redis;

beforeAll(async () => {
  harness = await startRedis();
  a = createRedis(harness.url, 'client');
  b = createRedis(harness.url, 'client');
});
afterAll(async () => {
  a.disconnect();
  b.disconnect();
  await harness.stop();
});

describe('ApiKeyStore', () => {
  it('creates a key shown once, stores only its hash, and resolves it from another connection', async () => {
    const store = new ApiKeyStore({ redis: a });
    const created = await store.create({ tenant: 'acme', name: 'ci' });
    expect(created.key).toMatch(/^ns_[A-Za-z0-9_-]{43}$/);
    expect(created.id).toMatch(/^key_/);
    expect(created.last4).toBe(created.key.slice(-4));

    const dump = JSON.stringify(await a.hgetall('{nightshift}:apikeys:records'));
    const byHash = JSON.stringify(await a.hgetall('{nightshift}:apikeys:by-hash'));
    expect(dump).not.toContain(created.key);
    expect(byHash).not.toContain(created.key);
    expect(byHash).toContain(hashApiKey(created.key));

    const other = new ApiKeyStore({ redis: b });
    expect(await other.resolve(created.key)).toBe('acme');
    expect(await other.resolve(`${created.key}x`)).toBeNull();
    const listed = await other.list('acme');
    expect(listed).toContainEqual({
      id: created.id,
      tenant: 'acme',
      name: 'ci',
      createdAt: created.createdAt,
      last4: created.last4,
    });
    expect(JSON.stringify(listed)).not.toContain(created.key);
  });

  it('revokes a key so the next lookup on any connection fails', async () => {
    const store = new ApiKeyStore({ redis: a });
    const other = new ApiKeyStore({ redis: b });
    const created = await store.create({ tenant: 'globex' });
    expect(await other.resolve(created.key)).toBe('globex');
    expect(await store.revoke(created.id)).toBe(true);
    expect(await other.resolve(created.key)).toBeNull();
    expect(await store.revoke(created.id)).toBe(false);
    expect((await other.list()).map((k) => k.id)).not.toContain(created.id);
  });

  it('refuses tenant names the static key format could not express', async () => {
    const store = new ApiKeyStore({ redis: a });
    await expect(store.create({ tenant: 'a b' })).rejects.toBeInstanceOf(InvalidApiKeyInput);
    await expect(store.create({ tenant: '' })).rejects.toMatchObject({ field: 'tenant' });
    await expect(store.create({ tenant: 'ok', name: 'x'.repeat(101) })).rejects.toMatchObject({
      field: 'name',
    });
  });

  it('lists the tenants that hold keys', async () => {
    const store = new ApiKeyStore({ redis: a });
    await store.create({ tenant: 'initech' });
    expect(await store.tenants()).toEqual(expect.arrayContaining(['acme', 'initech']));
  });
});
