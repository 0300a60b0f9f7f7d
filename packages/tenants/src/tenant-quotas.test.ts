import { createRedis } from '@nightshift/core';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantQuotaStore } from './tenant-quotas.ts';

let harness: RedisHarness;
let redis: Redis;

beforeAll(async () => {
  harness = await startRedis();
  redis = createRedis(harness.url, 'client');
});
afterAll(async () => {
  redis.disconnect();
  await harness.stop();
});

describe('TenantQuotaStore', () => {
  it('keeps per-tenant overrides and forgets them when emptied', async () => {
    const quotas = new TenantQuotaStore({ redis });
    expect(await quotas.get('acme')).toEqual({});
    await quotas.set('acme', { maxQueuedDocuments: 5, maxBatchBytes: 1024 });
    expect(await quotas.get('acme')).toEqual({ maxQueuedDocuments: 5, maxBatchBytes: 1024 });
    expect(await quotas.list()).toEqual({ acme: { maxQueuedDocuments: 5, maxBatchBytes: 1024 } });
    await quotas.set('acme', {});
    expect(await quotas.get('acme')).toEqual({});
  });

  it('refuses values that are not positive integers', async () => {
    const quotas = new TenantQuotaStore({ redis });
    await expect(quotas.set('acme', { maxQueuedDocuments: 0 })).rejects.toThrow(RangeError);
    await expect(quotas.set('acme', { maxBatchBytes: 1.5 })).rejects.toThrow(/maxBatchBytes/);
  });
});
